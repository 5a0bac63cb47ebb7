"""The `cobuild` command: the yearly appraisal of member units (驻区单位参与考评)."""


from typing import Annotated, Optional

import typer

from cobuild.cli import support as s
from cobuild.cli.support import AsOpt, DbOpt, JsonOpt, NowOpt, done, select, table

appraisal_app = typer.Typer(help="年度考评 the yearly appraisal of member units", no_args_is_help=True)
RoundKey = Annotated[int, typer.Argument(help="appraisal round id", min=1, max=2**53)]
StaffOpt = Annotated[Optional[str], typer.Option("--staff", help="street staff: their sign-in name")]
Score = Annotated[int, typer.Option(min=0, max=100)]


def _round(session, key: int):
    from cobuild.models import NotFound
    from cobuild.models.appraisal import AppraisalRound

    row = session.get(AppraisalRound, key)
    if row is None:
        raise NotFound("not_found", subject="appraisal", key=key)
    return row


def _staff(session, login: str):
    from cobuild.models import Account, NotFound, StreetStaff

    found = session.exec(select(StreetStaff).join(Account, Account.id == StreetStaff.account_id).where(Account.login == login)).first()
    if found is None:
        raise NotFound("not_found", subject="member", key=login)
    return found


def _unit(session, row, key: str):
    from cobuild.actions.appraisal import units_of_round
    from cobuild.models import NotFound

    for unit in units_of_round(session, row):
        if key in (str(unit.id), unit.name):
            return unit
    raise NotFound("not_found", subject="unit", key=key)


def _by(session, row, as_: str | None, staff: str | None) -> dict:
    if staff:
        return {"staff": _staff(session, staff)}
    from cobuild.models import Council

    council = session.get(Council, row.council_id) if row.council_id else None
    if council is None:
        raise s.Usage("--staff is needed: a street's round is run by the street's staff")
    return {"by": s.actor(session, council, as_)}


@appraisal_app.command("open")
def appraisal_open(year: Annotated[int, typer.Option(min=2000, max=2100)], self_due: Annotated[str, typer.Option(help="YYYY-MM-DD")],
                   closes_on: Annotated[str, typer.Option(help="YYYY-MM-DD")],
                   council: Annotated[Optional[str], typer.Option(help="a council's own round (its secretary --as)")] = None,
                   street: Annotated[Optional[str], typer.Option(help="a street's round (its staff --staff)")] = None,
                   cap: Annotated[Optional[float], typer.Option(help="at most this share rated 优秀, e.g. 0.2")] = None,
                   as_: AsOpt = None, staff: StaffOpt = None, db: DbOpt = None, json_out: JsonOpt = False, now: NowOpt = None) -> None:
    """Open a yearly appraisal round (weights: quantitative 50, street 20, community 20, residents 10)."""
    from cobuild.actions.appraisal import open_round
    from cobuild.models import Street

    def body(session):
        kwargs: dict = {"year": year, "self_due": s.parse_date(self_due, "--self-due"), "closes_on": s.parse_date(closes_on, "--closes-on"),
                        "excellent_cap": cap, "now": s.parse_now(now)}
        if council:
            c = s.council(session, council)
            row = open_round(session, council=c, by=s.actor(session, c, as_), **kwargs)
        elif street:
            row = open_round(session, street=s._by_key(session, Street, street, "street", Street.name),
                             staff=_staff(session, staff) if staff else None, **kwargs)
        else:
            raise s.Usage("--council or --street is needed")
        return {"id": row.id, "year": row.year, "status": row.status}

    done(s.run(db, body), json_out, "年度考评已开启 appraisal opened")


@appraisal_app.command("self")
def appraisal_self(key: RoundKey, unit: Annotated[str, typer.Option()], report: Annotated[str, typer.Option()], duty: Score,
                   results: Score, service: Score, as_: AsOpt = None, db: DbOpt = None, json_out: JsonOpt = False,
                   now: NowOpt = None) -> None:
    """A unit's liaison submits its self-evaluation."""
    from cobuild.actions.appraisal import submit_self
    from cobuild.models import Council

    def body(session):
        row = _round(session, key)
        u = _unit(session, row, unit)
        by = s.actor(session, session.get(Council, u.council_id), as_)
        submit_self(session, row, u, by=by, now=s.parse_now(now), report=report,
                    scores={"duty": duty, "results": results, "service": service})
        return {"round": row.id, "unit": u.name}

    done(s.run(db, body), json_out, "自评已提交 self-evaluation submitted")


@appraisal_app.command("rate")
def appraisal_rate(key: RoundKey, unit: Annotated[str, typer.Option()], duty: Score, results: Score, service: Score,
                   comment: Annotated[str, typer.Option()] = "", as_: AsOpt = None, staff: StaffOpt = None, db: DbOpt = None,
                   json_out: JsonOpt = False, now: NowOpt = None) -> None:
    """Rate a unit: the street's staff (--staff) or the unit's community secretary (--as)."""
    from cobuild.actions.appraisal import rate_unit
    from cobuild.models import Council

    def body(session):
        row = _round(session, key)
        u = _unit(session, row, unit)
        who = {"staff": _staff(session, staff)} if staff else {"by": s.actor(session, session.get(Council, u.council_id), as_)}
        rating = rate_unit(session, row, u, now=s.parse_now(now), scores={"duty": duty, "results": results, "service": service},
                           comment=comment, **who)
        return {"round": row.id, "unit": u.name, "kind": rating.kind}

    done(s.run(db, body), json_out, "评分已保存 rating saved")


@appraisal_app.command("codes")
def appraisal_codes(key: RoundKey, council: Annotated[str, typer.Option(help="the community handing them out")],
                    count: Annotated[int, typer.Option(min=1, max=2000)],
                    file: Annotated[Optional[str], typer.Option(help="write the codes here, one a line (else: print them)")] = None,
                    as_: AsOpt = None, db: DbOpt = None, json_out: JsonOpt = False, now: NowOpt = None) -> None:
    """Issue residents' single-use rating codes (shown once: keep the file, print it as a QR sheet)."""
    from pathlib import Path

    from cobuild.actions.appraisal import issue_codes

    def body(session):
        c = s.council(session, council)
        return issue_codes(session, _round(session, key), c, count, by=s.actor(session, c, as_), now=s.parse_now(now))

    codes = s.run(db, body)
    if file:
        Path(file).write_text("\n".join(codes) + "\n", encoding="utf-8")
        done({"count": len(codes), "file": file}, json_out, f"已生成 {len(codes)} 个评议码 codes written to {file}")
    else:
        s.emit({"codes": codes}, json_out, "\n".join(codes))


@appraisal_app.command("publish")
def appraisal_publish(key: RoundKey, as_: AsOpt = None, staff: StaffOpt = None, db: DbOpt = None, json_out: JsonOpt = False,
                      now: NowOpt = None) -> None:
    """Compute and publish the result; it is frozen from then on."""
    from cobuild.actions.appraisal import publish_round

    def body(session):
        row = _round(session, key)
        publish_round(session, row, now=s.parse_now(now), **_by(session, row, as_, staff))
        return {"id": row.id, "status": row.status, "units": len(row.result["units"])}

    done(s.run(db, body), json_out, "考评结果已发布 appraisal published")


@appraisal_app.command("show")
def appraisal_show(key: RoundKey, xlsx: Annotated[Optional[str], typer.Option(help="the result as Excel (综合考核)")] = None,
                   html: Annotated[Optional[str], typer.Option(help="the 通报 as HTML")] = None,
                   pdf: Annotated[Optional[str], typer.Option(help="the 通报 as PDF")] = None,
                   db: DbOpt = None, json_out: JsonOpt = False) -> None:
    """A round: its progress (counts only) before publication, its result after."""
    from pathlib import Path

    from cobuild.models.base import jsonable
    from cobuild.reports.appraisal import result_html, result_xlsx, round_view

    def body(session):
        row = _round(session, key)
        view = jsonable(round_view(session, row))
        if xlsx or html or pdf:
            page = result_html(session, row, s.lang())
            if html:
                Path(html).write_text(page, encoding="utf-8")
            if pdf:
                from cobuild.reports.documents import to_pdf

                to_pdf(page, pdf)
            if xlsx:
                result_xlsx(row, f"{view['scope']}{row.year}年度驻区单位考评结果", xlsx)
        return view

    view = s.run(db, body)

    def human() -> None:
        if "result" in view:
            table(f"{view['scope']} {view['year']} 考评结果 appraisal", ["rank", "unit", "grade", "score", "quantitative", "street",
                                                                     "community", "residents", "self"],
                  [[u["rank"], u["unit"], u["grade"], u["score"], u["quantitative"], u["street"], u["community"], u["residents"],
                    u["self_score"]] for u in view["result"]["units"]])
        else:
            p = view["progress"]
            table(f"{view['scope']} {view['year']} 考评进度 progress · 评议码 codes {p['codes_used']}/{p['codes_issued']}",
                  ["unit", "self-evaluated", "ratings"], [[u["unit"], "✓" if u["self_evaluated"] else "-", u["ratings"]] for u in p["units"]])

    s.emit(view, json_out, human)
