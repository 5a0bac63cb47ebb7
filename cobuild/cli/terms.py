"""The `cobuild` command: chair terms, commitments, evaluation and the term report; chair elections."""


from typing import Annotated, Optional

import typer

from cobuild.cli import support as s
from cobuild.cli.support import AsOpt, C, DbOpt, JsonOpt, NowOpt, TermNo, console, done, select, stats_table, table

term_app = typer.Typer(help="轮值主席任期 chair terms, commitments, evaluation, report", no_args_is_help=True)


election_app = typer.Typer(help="主席选举 chair elections", no_args_is_help=True)


def term_by_number(session, c, number):
    from cobuild.actions.common import current_term
    from cobuild.models import NotFound, Term

    if number is None:
        term = current_term(session, c.id)
    else:
        term = session.exec(select(Term).where(Term.council_id == c.id, Term.number == number)).first()
    if term is None:
        raise NotFound("not_found", subject="term", key=number if number is not None else "current")
    return term


@term_app.command("appoint")
def term_appoint(council: C, chair: Annotated[str, typer.Option(help="member id or name")],
                 starts: Annotated[str, typer.Option(help="first day of the first term, YYYY-MM-DD")],
                 as_: AsOpt = None, db: DbOpt = None, json_out: JsonOpt = False, now: NowOpt = None) -> None:
    """Name the first chair at set-up (secretary); later chairs are elected."""
    from cobuild.actions.council import appoint_first_chair

    def body(session):
        c = s.council(session, council)
        term = appoint_first_chair(session, c, s.member(session, c, chair), s.parse_date(starts, "--starts"),
                                   by=s.actor(session, c, as_), now=s.parse_now(now))
        return {"term": term.number, "starts_on": term.starts_on, "ends_on": term.ends_on}

    data = s.run(db, body)
    done(data, json_out, f"首任主席已任命 first term scheduled: {data['starts_on']} ~ {data['ends_on']}")


@term_app.command("list")
def term_list(council: C, db: DbOpt = None, json_out: JsonOpt = False) -> None:
    from cobuild.models import Term
    from cobuild.reports.views import term_row

    def body(session):
        c = s.council(session, council)
        return [term_row(session, t) for t in session.exec(select(Term).where(Term.council_id == c.id).order_by(Term.number)).all()]

    rows = s.run(db, body)
    s.emit(rows, json_out, lambda: table("任期 terms", ["no.", "from", "to", "status", "chair", "how", "commitments"],
                                         [[r["number"], r["starts_on"], r["ends_on"], r["status_zh"], r["chair"],
                                           r["chair_source"], len(r["commitments"])] for r in rows]))


@term_app.command("show")
def term_show(council: C, number: TermNo = None, db: DbOpt = None, json_out: JsonOpt = False) -> None:
    from cobuild.reports.views import term_row

    data = s.run(db, lambda session: term_row(session, term_by_number(session, s.council(session, council), number)))
    s.emit(data, json_out)


@term_app.command("statement")
def term_statement(council: C, text: Annotated[str, typer.Argument()], number: Annotated[Optional[int], typer.Option("--term")] = None,
                   as_: AsOpt = None, db: DbOpt = None, json_out: JsonOpt = False, now: NowOpt = None) -> None:
    """The chair's inaugural statement (就职演说)."""
    from cobuild.actions.terms import publish_statement

    def body(session):
        c = s.council(session, council)
        from cobuild.models import Term

        term = (session.exec(select(Term).where(Term.council_id == c.id, Term.number == number)).first() if number
                else term_by_number(session, c, None))
        publish_statement(session, term, text, by=s.actor(session, c, as_), now=s.parse_now(now))
        return {"term": term.number}

    done(s.run(db, body), json_out, "就职演说已发布 statement published")


@term_app.command("commit")
def term_commit(council: C, title: Annotated[str, typer.Argument()], description: Annotated[str, typer.Option()] = "",
                due: Annotated[Optional[str], typer.Option(help="YYYY-MM-DD, default: end of term")] = None,
                number: Annotated[Optional[int], typer.Option("--term")] = None,
                as_: AsOpt = None, db: DbOpt = None, json_out: JsonOpt = False, now: NowOpt = None) -> None:
    """Add a commitment (承诺履职事项) to a term (its chair)."""
    from cobuild.actions.terms import add_commitment

    def body(session):
        c = s.council(session, council)
        term = term_by_number(session, c, number)
        row = add_commitment(session, term, title, by=s.actor(session, c, as_), now=s.parse_now(now), description=description,
                             due_on=s.parse_date(due, "--due") if due else None)
        return {"term": term.number, "seq": row.seq}

    data = s.run(db, body)
    done(data, json_out, f"已添加承诺 commitment #{data['seq']} added")


@term_app.command("commitment-done")
def term_commitment_done(council: C, seq: Annotated[int, typer.Argument()],
                         dropped: Annotated[bool, typer.Option("--dropped", help="not kept (needs --note)")] = False,
                         note: Annotated[str, typer.Option()] = "", number: Annotated[Optional[int], typer.Option("--term")] = None,
                         as_: AsOpt = None, db: DbOpt = None, json_out: JsonOpt = False, now: NowOpt = None) -> None:
    from cobuild.actions.terms import close_commitment
    from cobuild.models import Commitment, NotFound

    def body(session):
        c = s.council(session, council)
        term = term_by_number(session, c, number)
        row = session.exec(select(Commitment).where(Commitment.term_id == term.id, Commitment.seq == seq)).first()
        if row is None:
            raise NotFound("not_found", subject="commitment", key=seq)
        close_commitment(session, row, by=s.actor(session, c, as_), now=s.parse_now(now), fulfilled=not dropped, note=note)
        return {"seq": seq, "status": row.status}

    done(s.run(db, body), json_out, f"承诺 #{seq} 已办结 commitment closed")


@term_app.command("evaluate")
def term_evaluate(council: C, grade: Annotated[Optional[str], typer.Option(help="优秀 / 称职 / 基本称职 / 不称职")] = None,
                  score: Annotated[Optional[int], typer.Option(help="1-100, where the council rates by score")] = None,
                  comment: Annotated[str, typer.Option()] = "", number: Annotated[Optional[int], typer.Option("--term")] = None,
                  as_: AsOpt = None, db: DbOpt = None, json_out: JsonOpt = False, now: NowOpt = None) -> None:
    """Rate the chair at the end of the term (secret ballot)."""
    from cobuild.actions.terms import cast_evaluation

    def body(session):
        c = s.council(session, council)
        term = term_by_number(session, c, number)
        cast_evaluation(session, term, by=s.actor(session, c, as_), now=s.parse_now(now), grade=grade, score=score, comment=comment)
        return {"term": term.number}

    done(s.run(db, body), json_out, "测评已提交 evaluation recorded")


@term_app.command("report")
def term_report(council: C, number: TermNo = None, publish: Annotated[bool, typer.Option("--publish", help="publish now (the chair)")] = False,
                as_: AsOpt = None, db: DbOpt = None, json_out: JsonOpt = False, now: NowOpt = None) -> None:
    """Show the term report (通报); --publish publishes it (the chair, once evaluation is open)."""
    from cobuild.actions.terms import publish_term_report
    from cobuild.models.base import today_for
    from cobuild.reports.tracking import term_report_data

    def body(session):
        c = s.council(session, council)
        term = term_by_number(session, c, number)
        if publish:
            publish_term_report(session, term, by=s.actor(session, c, as_), now=s.parse_now(now))
        return term.report or {**term_report_data(session, c, term, today_for(c, s.parse_now(now))), "draft": True}

    data = s.run(db, body)

    def human():
        console.print(f"[bold]{data['council']} 第{data['term']}届轮值主席任期通报[/bold] {data['starts_on']} ~ {data['ends_on']}"
                      + (" [dim](草稿 draft)[/dim]" if data.get("draft") else ""))
        console.print(f"轮值主席 chair: {data['chair']}({data['chair_unit']})")
        console.print(f"承诺兑现 commitments kept: {data['commitments_kept']}/{len(data['commitments'])}")
        stats_table("各单位 per unit", data["units"])
        e = data["evaluation"]
        console.print(f"测评 evaluation: {e['ballots']} 票 ballots; {e['grades']}; 平均分 average score: {e['average_score']}")

    s.emit(data, json_out, human)


@election_app.command("open")
def election_open(council: C,
                  candidates: Annotated[Optional[str], typer.Option(help="member ids or names, comma-separated (default: the unit heads)")] = None,
                  as_: AsOpt = None, db: DbOpt = None, json_out: JsonOpt = False, now: NowOpt = None) -> None:
    """Open the election for the next term (the scheduler does this 14 days before term end)."""
    from cobuild.actions.terms import open_election
    from cobuild.reports.views import election_row

    def body(session):
        c = s.council(session, council)
        election = open_election(session, c, by=s.actor(session, c, as_), now=s.parse_now(now),
                                 candidate_ids=s.ids(session, c, candidates, s.member) or None)
        return election_row(session, election), s.local(c, election.closes_at)

    data, closes = s.run(db, body)
    done(data, json_out, f"选举已开启,投票截至 {closes} · election #{data['id']} open until {closes}")


@election_app.command("vote")
def election_vote(council: C, candidate: Annotated[str, typer.Argument(help="candidate id or name")],
                  election: Annotated[Optional[int], typer.Option(help="election id (default: the open one)")] = None,
                  as_: AsOpt = None, db: DbOpt = None, json_out: JsonOpt = False, now: NowOpt = None) -> None:
    from cobuild.actions.terms import cast_vote

    def body(session):
        c = s.council(session, council)
        row = _election(session, c, election)
        cast_vote(session, row, s.member(session, c, candidate), by=s.actor(session, c, as_), now=s.parse_now(now))
        return {"election": row.id}

    done(s.run(db, body), json_out, "已投票 vote cast")


def _election(session, c, election_id):
    from cobuild.models import Election, ElectionStatus, NotFound

    query = select(Election).where(Election.council_id == c.id)
    query = query.where(Election.id == election_id) if election_id else query.where(Election.status == ElectionStatus.open)
    row = session.exec(query.order_by(Election.id.desc())).first()
    if row is None:
        raise NotFound("not_found", subject="election", key=election_id or "open")
    return row


@election_app.command("close")
def election_close(council: C, election: Annotated[Optional[int], typer.Option()] = None,
                   db: DbOpt = None, json_out: JsonOpt = False, now: NowOpt = None) -> None:
    """Count the votes once the voting time is over (the scheduler does this)."""
    from cobuild.actions.terms import close_election
    from cobuild.reports.views import election_row

    def body(session):
        c = s.council(session, council)
        row = close_election(session, _election(session, c, election), now=s.parse_now(now))
        return election_row(session, row)

    data = s.run(db, body)
    done(data, json_out, f"选举结果 result: {s.words('state', data['status'])} {data['winner'] or ''}")


@election_app.command("list")
def election_list(council: C, db: DbOpt = None, json_out: JsonOpt = False) -> None:
    from cobuild.models import Election
    from cobuild.reports.views import election_row

    def body(session):
        c = s.council(session, council)
        return c, [election_row(session, e) for e in session.exec(select(Election).where(Election.council_id == c.id)
                                                                  .order_by(Election.id)).all()]

    c, rows = s.run(db, body)
    s.emit(rows, json_out, lambda: table("选举 elections", ["#", "任期 term", "轮次 round", "状态 status", "截止 closes", "票数 ballots",
                                                            "当选 winner", "产生方式 how"],
                                         [[r["id"], r["term_id"], r["round"], s.words("state", r["status"]), s.local(c, r["closes_at"]),
                                           r["ballots"], r["winner"], s.decided_by(r["decided_by"])] for r in rows]))
