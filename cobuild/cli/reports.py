"""The `cobuild` command: tracking, the audit log, points and ranking, documents, the ledger and the calendar."""


import sys
from pathlib import Path
from typing import Annotated, Optional

import typer

from cobuild.cli import support as s
from cobuild.cli.support import AsOpt, C, Code, DbOpt, JsonOpt, NowOpt, Period, TermNo, console, done, select, stats_table, table
from cobuild.cli.terms import term_by_number

audit_app = typer.Typer(help="审计日志 the audit log: list, verify the hash chain, anchor its heads", no_args_is_help=True)


report_app = typer.Typer(help="报表与导出 points, ranking, resolution and term report (HTML/PDF), ledger (xlsx), calendar (ics)",
                         no_args_is_help=True)


def track(council: C, by: Annotated[str, typer.Option("--by", help="council, term, quarter, unit")] = "council",
          term: Annotated[Optional[int], typer.Option(help="only this term number")] = None,
          db: DbOpt = None, json_out: JsonOpt = False, now: NowOpt = None) -> None:
    """Completion tracking: 办结率 and 按期办结率 per council, term, quarter or unit."""
    from cobuild.models.base import today_for
    from cobuild.reports.tracking import GROUPS, item_stats

    if by not in GROUPS:
        s.fail(f"--by must be one of: {', '.join(GROUPS)}")

    def body(session):
        c = s.council(session, council)
        term_id = term_by_number(session, c, term).id if term is not None else None
        return item_stats(session, c, today_for(c, s.parse_now(now)), by, term_id=term_id)

    rows = s.run(db, body)
    s.emit(rows, json_out, lambda: stats_table(f"完成情况 completion by {by}", rows))


@audit_app.command("list")
def audit(council: C, limit: Annotated[int, typer.Option()] = 50, db: DbOpt = None, json_out: JsonOpt = False) -> None:
    """The newest audit events (append-only)."""
    from cobuild.models import AuditEvent, Member
    from cobuild.reports.views import audit_row

    def body(session):
        c = s.council(session, council)
        people = {m.id: m.name for m in session.exec(select(Member).where(Member.council_id == c.id)).all()}
        events = session.exec(select(AuditEvent).where(AuditEvent.council_id == c.id).order_by(AuditEvent.id.desc()).limit(limit)).all()
        return c, [audit_row(e, people) for e in reversed(events)]

    c, rows = s.run(db, body)
    system = "系统" if s.lang() == "zh" else "system"
    s.emit(rows, json_out, lambda: table("审计日志 audit", ["#", "时间 at", "操作人 by", "操作 action", "对象 subject"],
                                         [[r["id"], s.local(c, r["at"]), r["actor"] or system, s.words("audit", r["action"]),
                                           r["subject"]] for r in rows]))


@audit_app.command("verify")
def audit_verify(council: Annotated[Optional[str], typer.Argument(help="council id or name; default: all")] = None,
                 anchors: Annotated[Optional[str], typer.Option(help="also check the signed heads in this file (cobuild audit anchor)")] = None,
                 db: DbOpt = None, json_out: JsonOpt = False) -> None:
    """Check the audit log's hash chain (and, with --anchors, that no anchored event was removed or
    re-hashed); reports the first broken link (exit 1 when broken)."""
    from cobuild.actions.common import verify_audit
    from cobuild.platform.anchors import AnchorError, check_anchors

    def body(session):
        council_id = s.council(session, council).id if council else None
        result = verify_audit(session, council_id)
        if result["ok"] and anchors:
            try:
                broken = check_anchors(session, anchors, council_id)
            except AnchorError as error:
                s.fail(str(error))
            if broken:
                result = {**result, "ok": False, **broken}
        return result

    result = s.run(db, body)
    s.emit(result, json_out, (f"✓ 审计日志完整 audit log intact: {result['checked']} events" if result["ok"] else
                              f"✗ 审计日志在事件 #{result['broken_at']} 处断开 broken at event #{result['broken_at']}: "
                              f"{result['reason']}"))
    if not result["ok"]:
        raise typer.Exit(1)


@audit_app.command("anchor")
def audit_anchor(file: Annotated[str, typer.Option(help="the anchor file (appended to); keep it outside the database's reach")]
                 = "cobuild-audit-anchors.jsonl",
                 db: DbOpt = None, json_out: JsonOpt = False, now: NowOpt = None) -> None:
    """Sign each council's audit-chain head with COBUILD_AUDIT_KEY and append it to FILE."""
    from cobuild.platform.anchors import AnchorError, write_anchors

    def body(session):
        try:
            return write_anchors(session, file, s.parse_now(now))
        except (AnchorError, OSError) as error:
            s.fail(str(error))

    written = s.run(db, body)
    done({"file": file, "anchors": written}, json_out, f"已签名 {len(written)} 条审计链头 anchored {len(written)} chain head(s) in {file}")


def _period(session, c, period):
    if not period:
        return {}
    if period.startswith("term:") and period[5:].isdigit():
        return {"term_id": term_by_number(session, c, int(period[5:])).id}
    return {"conference_code": s.conference(session, c, period).code}


def _written(path, what: str) -> str:

    return f"✓ {what}: {Path(path).resolve()}"


@report_app.command("points")
def report_points(council: C, period: Period = None, db: DbOpt = None, json_out: JsonOpt = False, now: NowOpt = None) -> None:
    """积分 per unit with the breakdown by rule."""
    from cobuild.models.base import today_for
    from cobuild.reports.tracking import points

    def body(session):
        c = s.council(session, council)
        return points(session, c, today_for(c, s.parse_now(now)), **_period(session, c, period))

    rows = s.run(db, body)
    s.emit(rows, json_out, lambda: table("积分 points", ["unit", "points", "breakdown"],
                                         [[r["unit"], r["points"],
                                           "; ".join(f"{k} {b['count']}→{b['points']}" for k, b in r["breakdown"].items() if b["count"])]
                                          for r in rows]))


@report_app.command("units")
def report_units(council: Annotated[Optional[str], typer.Argument(help="council id or name; default: every council")] = None,
                 db: DbOpt = None, json_out: JsonOpt = False, now: NowOpt = None) -> None:
    """Every unit's scorecard and points — one council's, or a city's across all its councils."""
    from cobuild.models import Council, local_date
    from cobuild.models.base import today_for
    from cobuild.platform.settings import get_settings
    from cobuild.reports.tracking import scorecards

    def body(session):
        moment = s.parse_now(now)
        if council is None:
            names = {c.id: c.name for c in session.exec(select(Council)).all()}
            rows = scorecards(session, None, local_date(moment, get_settings().timezone))
        else:
            c = s.council(session, council)
            names, rows = {c.id: c.name}, scorecards(session, c, today_for(c, moment))
        return [{"council": names[r["council_id"]], **r} for r in rows]

    rows = s.run(db, body)

    def pct(v):
        return "-" if v is None else f"{v:.0%}"

    s.emit(rows, json_out, lambda: table(
        "各单位成绩 unit scorecards — 确认 confirmed · 办结 closed · 逾期 overdue · 办结率 completion · 按期率 on-time · 积分 points",
        ["council", "unit", "确认", "办结", "逾期", "办结率", "按期率", "积分"],
        [[r["council"], r["unit"], r["confirmed"], r["closed"], r["overdue"], pct(r["completion_rate"]),
          pct(r["on_time_rate"]), r["points"]] for r in rows]))


@report_app.command("ranking")
def report_ranking(council: C, period: Period = None, db: DbOpt = None, json_out: JsonOpt = False, now: NowOpt = None) -> None:
    """The racing board (拉榜排名) per quarter or per term, with the rule that produced it."""
    from cobuild.models.base import today_for
    from cobuild.reports.tracking import ranking

    def body(session):
        c = s.council(session, council)
        return ranking(session, c, today_for(c, s.parse_now(now)), **_period(session, c, period))

    board = s.run(db, body)

    def human():
        table(f"排名 ranking ({board['period']}) — {board['order']}", ["#", "unit", "points", "completion"],
              [[r["rank"], r["unit"], r["points"], "-" if r["completion_rate"] is None else f"{r['completion_rate']:.0%}"]
               for r in board["rows"]])
        console.print("规则 rules: " + ", ".join(f"{k} {v:+d}" for k, v in board["rules"].items()))

    s.emit(board, json_out, human)


@report_app.command("resolution")
def report_resolution(council: C, code: Code, html: Annotated[Optional[str], typer.Option("--html")] = None,
                      pdf: Annotated[Optional[str], typer.Option("--pdf")] = None,
                      docx: Annotated[Optional[str], typer.Option("--docx", help="a Word file to edit and re-issue")] = None,
                      lang: Annotated[str, typer.Option(help="zh or en")] = "zh", db: DbOpt = None, json_out: JsonOpt = False) -> None:
    """The written resolution as HTML, PDF and/or Word."""
    from cobuild.reports.documents import resolution_html, to_pdf
    from cobuild.reports.word import resolution_docx

    def body(session):
        c = s.council(session, council)
        conference_code = s.conference(session, c, code).code
        page = resolution_html(session, c, conference_code, lang)
        written = _write_document(page, html, pdf, to_pdf)
        if docx:
            resolution_docx(session, c, conference_code, docx, lang)
            written["docx"] = docx
        return written

    data = s.run(db, body)
    s.emit(data, json_out, "\n".join(_written(p, k) for k, p in data.items()) or "nothing written: give --html, --pdf and/or --docx")


def _write_document(page: str, html, pdf, to_pdf) -> dict:

    written = {}
    if html:
        Path(html).write_text(page, encoding="utf-8")
        written["html"] = html
    if pdf:
        to_pdf(page, pdf)
        written["pdf"] = pdf
    return written


@report_app.command("term")
def report_term(council: C, number: TermNo = None, html: Annotated[Optional[str], typer.Option("--html")] = None,
                pdf: Annotated[Optional[str], typer.Option("--pdf")] = None,
                docx: Annotated[Optional[str], typer.Option("--docx", help="a Word file to edit and re-issue")] = None,
                lang: Annotated[str, typer.Option(help="zh or en")] = "zh", db: DbOpt = None, json_out: JsonOpt = False,
                now: NowOpt = None) -> None:
    """The term report (通报) as HTML, PDF and/or Word (a draft while the term runs)."""
    from cobuild.models.base import today_for
    from cobuild.reports.documents import term_report_html, to_pdf
    from cobuild.reports.word import term_report_docx

    def body(session):
        c = s.council(session, council)
        term, today = term_by_number(session, c, number), today_for(c, s.parse_now(now))
        written = _write_document(term_report_html(session, c, term, today, lang), html, pdf, to_pdf)
        if docx:
            term_report_docx(session, c, term, today, docx, lang)
            written["docx"] = docx
        return written

    data = s.run(db, body)
    s.emit(data, json_out, "\n".join(_written(p, k) for k, p in data.items()) or "nothing written: give --html, --pdf and/or --docx")


@report_app.command("ledger")
def report_ledger(council: C, xlsx: Annotated[str, typer.Option("--xlsx", help="file to write")],
                  lang: Annotated[str, typer.Option(help="zh or en: the headers' language")] = "zh",
                  db: DbOpt = None, json_out: JsonOpt = False, now: NowOpt = None) -> None:
    """The Excel ledger (台账): every item and a per-unit summary."""
    from rich.progress import Progress

    from cobuild.reports.ledger import write_ledger

    def body(session):
        c = s.council(session, council)
        with Progress(disable=json_out or not sys.stdout.isatty(), transient=True) as bar:
            job = bar.add_task("台账 ledger", total=None)
            rows = write_ledger(session, c, s.parse_now(now), xlsx,
                                progress=lambda n, total: bar.update(job, completed=n, total=total), lang=lang)
        return {"xlsx": xlsx, "items": rows}

    data = s.run(db, body)
    done(data, json_out, f"{_written(xlsx, '台账 ledger')[2:]} ({data['items']} items)")


@report_app.command("import")
def report_import(council: C, xlsx: Annotated[str, typer.Argument(help="a ledger in the exported layout")],
                  conference: Annotated[str, typer.Option(help="the conference the items belong to")],
                  as_: AsOpt = None, db: DbOpt = None, json_out: JsonOpt = False, now: NowOpt = None) -> None:
    """Import a ledger (secretary): every row is checked; all rows are imported or none."""

    from cobuild.actions.ledger import import_ledger

    if not Path(xlsx).is_file():
        s.fail(f"no such file: {xlsx}")

    def body(session):
        c = s.council(session, council)
        return {"imported": import_ledger(session, c, s.conference(session, c, conference), xlsx,
                                          by=s.actor(session, c, as_), now=s.parse_now(now))}

    data = s.run(db, body)
    done(data, json_out, f"已导入 imported {data['imported']} items")


@report_app.command("calendar")
def report_calendar(council: C, ics: Annotated[str, typer.Option("--ics", help="file to write")],
                    unit: Annotated[Optional[str], typer.Option(help="only what concerns this unit")] = None,
                    db: DbOpt = None, json_out: JsonOpt = False, now: NowOpt = None) -> None:
    """An iCalendar feed of deadlines, conferences, elections and evaluations."""

    from cobuild.reports.calendar_feed import feed

    def body(session):
        c = s.council(session, council)
        data = feed(session, c, s.parse_now(now), s.unit(session, c, unit) if unit else None)
        Path(ics).write_bytes(data)
        return {"ics": ics, "events": data.count(b"BEGIN:VEVENT")}

    data = s.run(db, body)
    done(data, json_out, f"{_written(ics, '日历 calendar')[2:]} ({data['events']} events)")
