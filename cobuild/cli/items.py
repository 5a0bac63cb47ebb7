"""The `cobuild` command: conferences and resolutions; items from submission to close-out."""


from typing import Annotated, Optional

import typer

from cobuild.cli import support as s
from cobuild.cli.support import AsOpt, C, Code, DbOpt, JsonOpt, Key, NowOpt, console, done, select, table

conference_app = typer.Typer(help="党建联席会议 conferences and resolutions", no_args_is_help=True)


item_app = typer.Typer(help="共建事项 items: submit, decide, assign, claim, progress, close out", no_args_is_help=True)


@conference_app.command("list")
def conference_list(council: C, db: DbOpt = None, json_out: JsonOpt = False) -> None:
    from cobuild.models import Conference
    from cobuild.models.base import jsonable
    from cobuild.models.messages import state_name

    def body(session):
        c = s.council(session, council)
        return jsonable([{"id": x.id, "code": x.code, "held_on": x.held_on, "status": x.status, "status_zh": state_name(x.status),
                          "window_opens_at": x.window_opens_at, "window_closes_at": x.window_closes_at}
                         for x in session.exec(select(Conference).where(Conference.council_id == c.id).order_by(Conference.held_on)).all()])

    rows = s.run(db, body)
    s.emit(rows, json_out, lambda: table("联席会议 conferences", ["id", "code", "date", "status"],
                                         [[r["id"], r["code"], r["held_on"], r["status_zh"]] for r in rows]))


@conference_app.command("show")
def conference_show(council: C, code: Code, db: DbOpt = None, json_out: JsonOpt = False) -> None:
    """Window, who has and has not submitted, the agenda."""
    from cobuild.reports.views import conference_detail

    def body(session):
        c = s.council(session, council)
        return c, conference_detail(session, c, s.conference(session, c, code))

    c, data = s.run(db, body)

    def human():
        console.print(f"[bold]{data['code']}[/bold] {data['held_on']} · {data['status_zh']} · "
                      f"征集 window {s.local(c, data['window_opens_at'])} → {s.local(c, data['window_closes_at'])}")
        console.print(f"已提交 submitted: {s.counts(data['submitted_by_unit'])}  未提交 not yet: {'、'.join(data['not_submitted']) or '-'}")
        table("议程 agenda", ["#", "kind", "item", "title", "status"],
              [[a["position"], s.agenda_kind(a["kind"]), a["number"] or a["item_id"], a["title"], s.words("state", a["status"])]
               for a in data["agenda"]])

    s.emit(data, json_out, human)


def _conference_action(name: str, fn_name: str, text: str):
    def command(council: C, code: Code, as_: AsOpt = None, db: DbOpt = None, json_out: JsonOpt = False, now: NowOpt = None) -> None:
        from cobuild.actions import conferences

        def body(session):
            c = s.council(session, council)
            conf = s.conference(session, c, code)
            getattr(conferences, fn_name)(session, conf, by=s.actor(session, c, as_), now=s.parse_now(now))
            return {"code": conf.code, "status": conf.status}

        done(s.run(db, body), json_out, text)

    command.__doc__ = text
    conference_app.command(name)(command)


_conference_action("open", "open_window", "征集窗口已开启 submission window open")


_conference_action("lock", "lock_agenda", "议程已锁定 agenda locked")


@conference_app.command("hold")
def conference_hold(council: C, code: Code,
                    present: Annotated[Optional[str], typer.Option(help="members present: ids or names, comma-separated")] = None,
                    as_: AsOpt = None, db: DbOpt = None, json_out: JsonOpt = False, now: NowOpt = None) -> None:
    """The chair opens the meeting and records attendance."""
    from cobuild.actions.conferences import hold

    def body(session):
        c = s.council(session, council)
        conf = s.conference(session, c, code)
        hold(session, conf, by=s.actor(session, c, as_), now=s.parse_now(now),
             present_ids=s.ids(session, c, present, s.member) if present is not None else None)
        return {"code": conf.code, "status": conf.status}

    done(s.run(db, body), json_out, "会议已召开 conference held")


@conference_app.command("publish")
def conference_publish(council: C, code: Code, as_: AsOpt = None, db: DbOpt = None, json_out: JsonOpt = False, now: NowOpt = None) -> None:
    """Publish the written resolution (书面决议): numbers the accepted items; immutable after."""
    from cobuild.actions.conferences import publish_resolution

    def body(session):
        c = s.council(session, council)
        resolution = publish_resolution(session, s.conference(session, c, code), by=s.actor(session, c, as_), now=s.parse_now(now))
        return {"code": resolution.code, "items": len(resolution.content["items"]), "sha256": resolution.content_sha256}

    data = s.run(db, body)
    done(data, json_out, f"决议 {data['code']} 已发布,共 {data['items']} 项 resolution published with {data['items']} items")


@conference_app.command("resolution")
def conference_resolution(council: C, code: Code, db: DbOpt = None, json_out: JsonOpt = False) -> None:
    """Print a published resolution with its amendments."""
    from cobuild.models import Amendment, NotFound, Resolution
    from cobuild.models.base import jsonable

    def body(session):
        c = s.council(session, council)
        conf = s.conference(session, c, code)
        resolution = session.exec(select(Resolution).where(Resolution.conference_id == conf.id)).first()
        if resolution is None:
            raise NotFound("not_found", subject="resolution", key=conf.code)
        amendments = session.exec(select(Amendment).where(Amendment.resolution_id == resolution.id).order_by(Amendment.seq)).all()
        return jsonable({**resolution.content, "published_at": resolution.published_at, "sha256": resolution.content_sha256,
                         "amendments": [{"seq": a.seq, "item_id": a.item_id, "kind": a.kind, "reason": a.reason,
                                         "before": a.before, "after": a.after, "at": a.at} for a in amendments]})

    data = s.run(db, body)

    def human():
        console.print(f"[bold]{data['council']} 党建联席会议书面决议 {data['code']}[/bold]({data['held_on']})")
        table("共建事项 items", ["编号 no.", "事项 title", "提出 raised by", "牵头 lead", "配合 cooperating", "责任人", "时限 deadline"],
              [[i["number"], i["title"], i["raised_by"], i["lead_unit"], "、".join(i["cooperating_units"]), i["responsible_person"], i["deadline"]]
               for i in data["items"]])
        for a in data["amendments"]:
            console.print(f"修正 amendment {a['seq']}: item #{a['item_id']} {a['kind']} — {a['reason']}")

    s.emit(data, json_out, human)


@conference_app.command("reschedule")
def conference_reschedule(council: C, code: Code, day: Annotated[str, typer.Argument(help="new date YYYY-MM-DD")],
                          as_: AsOpt = None, db: DbOpt = None, json_out: JsonOpt = False, now: NowOpt = None) -> None:
    from cobuild.actions.conferences import reschedule

    def body(session):
        c = s.council(session, council)
        conf = reschedule(session, s.conference(session, c, code), s.parse_date(day, "day"), by=s.actor(session, c, as_), now=s.parse_now(now))
        return {"code": conf.code, "held_on": conf.held_on}

    done(s.run(db, body), json_out, "会期已调整 conference rescheduled")


def _item_action(body_fn, text: str):
    """Shared shape of the item commands: resolve council, actor and item, call, report."""

    def run_it(council, key, as_, db, json_out, now, **kwargs):
        from cobuild.models.messages import state_name

        def body(session):
            c = s.council(session, council)
            row = s.item(session, c, key)
            body_fn(session, c, row, s.actor(session, c, as_), s.parse_now(now), **kwargs)
            return {"id": row.id, "number": row.number, "status": row.status, "status_zh": state_name(row.status)}

        data = s.run(db, body)
        done(data, json_out, f"{text}: {data['number'] or '#' + str(data['id'])} → {s.words('state', data['status'])}")

    return run_it


@item_app.command("submit")
def item_submit(
    council: C, conference: Annotated[str, typer.Option(help="conference code or id")],
    unit: Annotated[str, typer.Option(help="the raising unit")], title: Annotated[str, typer.Option()],
    category: Annotated[str, typer.Option(help="e.g. 环境卫生")], description: Annotated[str, typer.Option()] = "",
    asks: Annotated[str, typer.Option(help="community, unit, any")] = "any",
    asks_unit: Annotated[Optional[str], typer.Option(help="the unit asked, with --asks unit")] = None,
    as_: AsOpt = None, db: DbOpt = None, json_out: JsonOpt = False, now: NowOpt = None,
) -> None:
    """A liaison submits an item to a conference's open window."""
    from cobuild.actions.items import submit_item

    def body(session):
        c = s.council(session, council)
        row = submit_item(session, s.conference(session, c, conference), s.unit(session, c, unit), by=s.actor(session, c, as_),
                          now=s.parse_now(now), title=title, category=category, description=description, asks=asks,
                          asks_unit_id=s.unit(session, c, asks_unit).id if asks_unit else None)
        return {"id": row.id, "status": row.status}

    data = s.run(db, body)
    done(data, json_out, f"事项已提交 item submitted: #{data['id']}")


@item_app.command("list")
def item_list(council: C, status: Annotated[Optional[str], typer.Option()] = None,
              unit: Annotated[Optional[str], typer.Option(help="raised by or led by this unit")] = None,
              overdue: Annotated[bool, typer.Option("--overdue")] = False,
              conference: Annotated[Optional[str], typer.Option(help="conference code")] = None,
              db: DbOpt = None, json_out: JsonOpt = False, now: NowOpt = None) -> None:
    from sqlalchemy import or_

    from cobuild.models import Item
    from cobuild.models.base import jsonable, today_for
    from cobuild.models.items import of_conferences, overdue_clause
    from cobuild.reports.views import item_row, unit_names

    def body(session):
        c = s.council(session, council)
        query = select(Item).where(Item.council_id == c.id)
        if status:
            query = query.where(Item.status == status)
        if unit:
            u = s.unit(session, c, unit)
            query = query.where(or_(Item.raised_by_unit_id == u.id, Item.lead_unit_id == u.id))
        if conference:
            conf = s.conference(session, c, conference)
            query = query.where(of_conferences([conf.id]))
        names, today = unit_names(session, c.id), today_for(c, s.parse_now(now))
        if overdue:
            query = query.where(overdue_clause(today))
        rows = [item_row(i, names, today) for i in session.exec(query.order_by(Item.number, Item.id)).all()]
        return jsonable(rows)

    rows = s.run(db, body)
    s.emit(rows, json_out, lambda: table(f"共建事项 items ({len(rows)})", ["no.", "title", "status", "raised by", "lead", "deadline", "%", "overdue"],
                                         [[r["number"] or f"#{r['id']}", r["title"], r["status_zh"], r["raised_by"], r["lead_unit"],
                                           r["deadline"], r["percent"], f"{r['days_overdue']}d" if r["overdue"] else ""] for r in rows]))


@item_app.command("show")
def item_show(council: C, key: Key, db: DbOpt = None, json_out: JsonOpt = False, now: NowOpt = None) -> None:
    """One item with its claims, progress and timeline."""
    from cobuild.reports.views import item_detail

    def body(session):
        c = s.council(session, council)
        return c, item_detail(session, c, s.item(session, c, key), s.parse_now(now), history=None)

    c, data = s.run(db, body)

    def human():
        console.print(f"[bold]{data['number'] or '#' + str(data['id'])} {data['title']}[/bold] · {data['status_zh']} · {data['category']}")
        console.print(f"提出 raised by {data['raised_by']} · 牵头 lead {data['lead_unit'] or '-'} · "
                      f"责任人 {data['responsible_person'] or '-'} · 时限 {data['deadline'] or '-'}"
                      + (f" · [red]逾期 {data['days_overdue']} 天[/red]" if data["overdue"] else ""))
        if data["goal"]:
            console.print(f"目标任务 goal: {data['goal']}")
        system = "系统" if s.lang() == "zh" else "system"
        table("时间线 timeline", ["时间 at", "操作人 by", "操作 action", "说明 detail"],
              [[s.local(c, e["at"]), e["actor"] or system, s.words("audit", e["action"]), _detail(e["after"])]
               for e in data["timeline"]])

    s.emit(data, json_out, human)


def _detail(after: dict | None) -> str:
    """What an event changed, in words: the new status and the reason or note given."""
    if not after:
        return ""
    parts = [s.words("state", after["status"])] if after.get("status") else []
    parts += [str(after[k]) for k in ("reason", "note", "comment") if after.get(k)]
    return " · ".join(parts)


@item_app.command("decide")
def item_decide(council: C, key: Key, decision: Annotated[str, typer.Argument(help="accept, merge, defer, reject")],
                reason: Annotated[Optional[str], typer.Option()] = None,
                into: Annotated[Optional[str], typer.Option(help="with merge: the item merged into")] = None,
                as_: AsOpt = None, db: DbOpt = None, json_out: JsonOpt = False, now: NowOpt = None) -> None:
    """The chair decides an agenda item at the conference."""
    from cobuild.actions.conferences import decide

    _item_action(lambda session, c, row, by, at: decide(session, row, decision, by=by, now=at, reason=reason,
                                                        merge_into=s.item(session, c, into) if into else None),
                 "已决定 decided")(council, key, as_, db, json_out, now)


@item_app.command("assign")
def item_assign(council: C, key: Key, goal: Annotated[Optional[str], typer.Option()] = None,
                lead: Annotated[Optional[str], typer.Option(help="lead unit")] = None,
                cooperating: Annotated[Optional[str], typer.Option(help="cooperating units, comma-separated")] = None,
                responsible: Annotated[Optional[str], typer.Option(help="responsible person")] = None,
                deadline: Annotated[Optional[str], typer.Option(help="YYYY-MM-DD")] = None,
                as_: AsOpt = None, db: DbOpt = None, json_out: JsonOpt = False, now: NowOpt = None) -> None:
    """The chair fixes goal, lead, cooperating units, responsible person and deadline."""
    from cobuild.actions.items import assign

    _item_action(lambda session, c, row, by, at: assign(
        session, row, by=by, now=at, goal=goal, lead_unit_id=s.unit(session, c, lead).id if lead else None,
        cooperating_unit_ids=s.ids(session, c, cooperating, s.unit) if cooperating is not None else None,
        responsible_person=responsible, deadline=s.parse_date(deadline, "--deadline") if deadline else None),
        "已分解落实 assigned")(council, key, as_, db, json_out, now)


@item_app.command("claim")
def item_claim(council: C, key: Key, role: Annotated[str, typer.Option(help="lead or cooperating")] = "lead",
               unit: Annotated[Optional[str], typer.Option(help="default: the acting liaison's unit")] = None,
               as_: AsOpt = None, db: DbOpt = None, json_out: JsonOpt = False, now: NowOpt = None) -> None:
    """A unit claims an item as lead or cooperating unit (认领)."""
    from cobuild.actions.items import claim
    from cobuild.models import Unit

    def act(session, c, row, by, at):
        claim(session, row, s.unit(session, c, unit) if unit else session.get(Unit, by.unit_id), role, by=by, now=at)

    _item_action(act, "已认领,待主席确认 claimed, awaiting the chair")(council, key, as_, db, json_out, now)


@item_app.command("claims")
def item_claims(council: C, key: Key, db: DbOpt = None, json_out: JsonOpt = False, now: NowOpt = None) -> None:
    from cobuild.reports.views import item_detail

    data = s.run(db, lambda session: item_detail(session, s.council(session, council),
                                                 s.item(session, s.council(session, council), key), s.parse_now(now))["claims"])
    s.emit(data, json_out, lambda: table("认领 claims", ["id", "unit", "role", "status"], [list(r.values()) for r in data]))


@item_app.command("confirm-claim")
def item_confirm_claim(council: C, claim_id: Annotated[int, typer.Argument()],
                       decline: Annotated[bool, typer.Option("--decline")] = False,
                       reason: Annotated[Optional[str], typer.Option()] = None,
                       as_: AsOpt = None, db: DbOpt = None, json_out: JsonOpt = False, now: NowOpt = None) -> None:
    """The chair confirms (or --decline's) a claim."""
    from cobuild.actions.common import get
    from cobuild.actions.items import decide_claim
    from cobuild.models import Claim

    def body(session):
        c = s.council(session, council)
        row = decide_claim(session, get(session, Claim, claim_id, "claim"), by=s.actor(session, c, as_),
                           now=s.parse_now(now), confirm=not decline, reason=reason)
        return {"claim": row.id, "status": row.status}

    data = s.run(db, body)
    done(data, json_out, f"认领 claim #{claim_id}: {s.words('state', data['status'])}")


@item_app.command("progress")
def item_progress(council: C, key: Key, note: Annotated[str, typer.Option()] = "",
                  percent: Annotated[Optional[int], typer.Option(help="0-100 (lead unit)")] = None,
                  evidence: Annotated[Optional[list[str]], typer.Option(help="file path or link; repeatable")] = None,
                  as_: AsOpt = None, db: DbOpt = None, json_out: JsonOpt = False, now: NowOpt = None) -> None:
    """Report progress (lead) or post a note (cooperating unit)."""
    from cobuild.actions.items import post_progress

    _item_action(lambda session, c, row, by, at: post_progress(session, row, by=by, now=at, note=note, percent=percent, evidence=evidence),
                 "进展已报告 progress posted")(council, key, as_, db, json_out, now)


@item_app.command("extend")
def item_extend(council: C, key: Key, to: Annotated[str, typer.Option(help="new deadline YYYY-MM-DD")],
                reason: Annotated[str, typer.Option()], as_: AsOpt = None, db: DbOpt = None, json_out: JsonOpt = False,
                now: NowOpt = None) -> None:
    """The chair extends the deadline, with a reason (counted in the statistics)."""
    from cobuild.actions.items import extend_deadline

    _item_action(lambda session, c, row, by, at: extend_deadline(session, row, s.parse_date(to, "--to"), by=by, now=at, reason=reason),
                 "时限已延长 deadline extended")(council, key, as_, db, json_out, now)


@item_app.command("hurry")
def item_hurry(council: C, key: Key, as_: AsOpt = None, db: DbOpt = None, json_out: JsonOpt = False,
               now: NowOpt = None) -> None:
    """催办: the chair or the secretary hurries the lead unit (a message at once; once a day per item)."""
    from cobuild.actions.items import hurry

    _item_action(lambda session, c, row, by, at: hurry(session, row, by=by, now=at), "已催办 hurried")(council, key, as_, db,
                                                                                                    json_out, now)


@item_app.command("request-close")
def item_request_close(council: C, key: Key, note: Annotated[str, typer.Option()] = "",
                       evidence: Annotated[Optional[list[str]], typer.Option()] = None,
                       as_: AsOpt = None, db: DbOpt = None, json_out: JsonOpt = False, now: NowOpt = None) -> None:
    """The lead unit asks to check the item off (申请销号)."""
    from cobuild.actions.items import request_close_out

    _item_action(lambda session, c, row, by, at: request_close_out(session, row, by=by, now=at, note=note, evidence=evidence),
                 "已申请销号 close-out requested")(council, key, as_, db, json_out, now)


@item_app.command("verify")
def item_verify(council: C, key: Key, satisfaction: Annotated[int, typer.Option(help="1-5")],
                comment: Annotated[str, typer.Option()] = "", as_: AsOpt = None, db: DbOpt = None,
                json_out: JsonOpt = False, now: NowOpt = None) -> None:
    """The raising unit accepts the result: the item is closed (销号)."""
    from cobuild.actions.items import verify_close_out

    _item_action(lambda session, c, row, by, at: verify_close_out(session, row, by=by, now=at, satisfaction=satisfaction, comment=comment),
                 "已销号 closed")(council, key, as_, db, json_out, now)


def _reasoned(name: str, fn_name: str, text: str, doc: str):
    def command(council: C, key: Key, reason: Annotated[str, typer.Option()], as_: AsOpt = None, db: DbOpt = None,
                json_out: JsonOpt = False, now: NowOpt = None) -> None:
        from cobuild.actions import items

        _item_action(lambda session, c, row, by, at: getattr(items, fn_name)(session, row, by=by, now=at, reason=reason),
                     text)(council, key, as_, db, json_out, now)

    command.__doc__ = doc
    item_app.command(name)(command)


_reasoned("send-back", "send_back", "已退回 sent back", "The raising unit sends a close-out request back.")


_reasoned("reopen", "reopen", "已重启 reopened", "The raising unit reopens a closed item within the window.")


_reasoned("decline", "decline_assignment", "已退回牵头任务 assignment declined",
          "The lead unit gives back an item it was assigned, before work starts.")


@item_app.command("withdraw")
def item_withdraw(council: C, key: Key, as_: AsOpt = None, db: DbOpt = None, json_out: JsonOpt = False, now: NowOpt = None) -> None:
    """The raising unit withdraws an item not yet decided."""
    from cobuild.actions.items import withdraw_item

    _item_action(lambda session, c, row, by, at: withdraw_item(session, row, by=by, now=at), "已撤回 withdrawn")(council, key, as_, db, json_out, now)


@item_app.command("amend")
def item_amend(council: C, key: Key, reason: Annotated[str, typer.Option()],
               cancel: Annotated[bool, typer.Option("--cancel")] = False,
               goal: Annotated[Optional[str], typer.Option()] = None, lead: Annotated[Optional[str], typer.Option()] = None,
               cooperating: Annotated[Optional[str], typer.Option()] = None,
               responsible: Annotated[Optional[str], typer.Option()] = None,
               as_: AsOpt = None, db: DbOpt = None, json_out: JsonOpt = False, now: NowOpt = None) -> None:
    """Amend a published resolution item (the chair), or --cancel it."""
    from cobuild.actions.conferences import amend

    _item_action(lambda session, c, row, by, at: amend(
        session, row, by=by, now=at, reason=reason, cancel=cancel, goal=goal,
        lead_unit_id=s.unit(session, c, lead).id if lead else None,
        cooperating_unit_ids=s.ids(session, c, cooperating, s.unit) if cooperating is not None else None,
        responsible_person=responsible), "已修正 amended")(council, key, as_, db, json_out, now)
