"""The daily digest for people who prefer one, and the weekly digest on the first working morning
of the week (Monday, unless the council's calendar makes it a holiday)."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from functools import partial
from zoneinfo import ZoneInfo

from sqlalchemy import update
from sqlmodel import Session, select

from cobuild.actions.common import once
from cobuild.models import (
    Council,
    CouncilEvent,
    Item,
    ItemStatus,
    Member,
    Notification,
    NotificationStatus,
)
from cobuild.models.base import today_for
from cobuild.notifications.outbox import Outbox
from cobuild.sweep.directory import Directory, unique
from cobuild.sweep.items import LADDER_STATES
from cobuild.sweep.problems import Problem, isolated, report


def sweep_digests(session: Session, now: datetime, outbox: Outbox, directory: Directory | None = None) -> dict:
    counts = {"daily_digest": 0, "weekly_digest": 0}
    known = directory or Directory(session, set())
    held_by = session.exec(select(Notification.member_id, Notification.council_id).where(
        Notification.status == NotificationStatus.held).distinct()).all()
    # only the councils with held messages or a weekly digest to send now, and of those only the
    # ones whose digest is not out yet this week: an idle tick does not load every council
    weekly: dict[int, str] = {}  # council id -> this week's name, for councils whose digest is due now
    week_of: dict[str, str | None] = {}  # the same per time zone
    for council_id, timezone in session.exec(select(Council.id, Council.timezone)).all():
        if timezone not in week_of:
            local = now.astimezone(ZoneInfo(timezone))
            year, week, _ = local.isocalendar()
            # from 09:00 on, any day of the week may be its first working day (the council's
            # calendar decides below); once sent, the week's key keeps it from being sent again
            week_of[timezone] = f"{year}-W{week:02d}" if local.time() >= time(9, 0) else None
        if week_of[timezone]:
            weekly[council_id] = week_of[timezone]  # type: ignore[assignment]
    if weekly:
        done = set(session.exec(select(CouncilEvent.key).where(CouncilEvent.key.in_(
            [_weekly_key(cid, week) for cid, week in weekly.items()]))).all())
        weekly = {cid: week for cid, week in weekly.items() if _weekly_key(cid, week) not in done}
    needed = {council_id for _, council_id in held_by} | set(weekly)
    councils = {c.id: c for c in session.exec(select(Council).where(Council.id.in_(list(needed)))).all()} \
        if needed else {}
    problems: list[Problem] = []

    def daily(member_id: int, council: Council) -> None:
        cal, policy = outbox.calendar(council)
        local = now.astimezone(ZoneInfo(council.timezone))
        if not cal.is_workday(local.date()) or local.time() < policy.morning:
            return
        member = session.get(Member, member_id)
        held = session.exec(select(Notification).where(Notification.member_id == member_id,
                                                       Notification.status == NotificationStatus.held)
                            .order_by(Notification.id)).all()
        digest_id = outbox.enqueue(council, member, "daily_digest", now=now, step=local.date().isoformat(),
                                   subject_type="member", subject_id=member_id,
                                   context={"count": len(held),
                                            "messages": [{"subject": n.subject, "text": without_greeting(n.body_text)}
                                                         for n in held]})
        if digest_id is None:
            return  # today's digest is out; what was held since waits for tomorrow's
        session.execute(update(Notification).where(Notification.id.in_([n.id for n in held]))
                        .values(status=NotificationStatus.digested, digest_id=digest_id))
        counts["daily_digest"] += 1

    def weekly_digest(council: Council, week_text: str) -> None:
        cal = outbox.calendar(council)[0]
        today = now.astimezone(ZoneInfo(council.timezone)).date()
        monday = today - timedelta(days=today.weekday())
        first = next((monday + timedelta(days=n) for n in range(7) if cal.is_workday(monday + timedelta(days=n))), None)
        if today != first:
            return  # it goes out on the week's first working day (Monday, unless that is a holiday)
        known.load(session, {council.id})
        people = known.chair(council.id) + [m for m in known.members.values()
                                                if m.council_id == council.id and m.delivery == "digest"]
        if not people or not once(session, council.id, _weekly_key(council.id, week_text), now):
            return
        context = weekly_context(session, council, known, now) | {"week": week_text}
        for person in unique(people):
            outbox.enqueue(council, person, "weekly_digest", now=now, step=week_text, subject_type="council",
                           subject_id=council.id, context=context)
        counts["weekly_digest"] += 1

    directory = directory or Directory(session, set())
    for member_id, council_id in held_by:
        isolated(session, problems, council_id, ("每日汇总", "The daily digest"),
                  partial(daily, member_id, councils[council_id]))
    for council_id, week_text in weekly.items():
        isolated(session, problems, council_id, ("每周汇总", "The weekly digest"),
                  partial(weekly_digest, councils[council_id], week_text))
    report(session, outbox, directory, problems, now)
    return counts


def _weekly_key(council_id: int, week: str) -> str:
    return f"weekly_digest|council:{council_id}|{week}"


def weekly_context(session: Session, council: Council, directory: Directory, now: datetime) -> dict:
    from cobuild.reports.tracking import item_stats
    from cobuild.reports.views import item_row

    today = today_for(council, now)
    totals = item_stats(session, council, today)[0]
    names = {u.id: u.name for u in directory.units.values()}
    rows = [item_row(i, names, today) for i in session.exec(select(Item).where(
        Item.council_id == council.id, Item.number.is_not(None),
        Item.status.in_([*LADDER_STATES, ItemStatus.close_requested, ItemStatus.accepted]))
        .order_by(Item.deadline)).all()]
    week_end = today + timedelta(days=7)

    def brief(row):
        return {"number": row["number"], "title": row["title"], "lead_unit": row["lead_unit"] or "-",
                "deadline": str(row["deadline"]), "days_overdue": row["days_overdue"], "raised_by": row["raised_by"]}

    return {
        "totals": totals,
        "completion": "-" if totals["completion_rate"] is None else f"{totals['completion_rate']:.1%}",
        "overdue": [brief(r) for r in rows if r["overdue"]][:20],
        "due_soon": [brief(r) for r in rows if not r["overdue"] and r["deadline"] and r["deadline"] <= week_end
                     and r["status"] != ItemStatus.close_requested][:20],
        "waiting": [brief(r) for r in rows if r["status"] == ItemStatus.close_requested][:20],
    }


def without_greeting(text: str) -> str:
    """A held message as a digest embeds it: the digest greets once, so the message's own first line
    (「王丽华,您好:」, "Dear …,") goes."""
    first, _, rest = text.partition("\n")
    greeting = first.rstrip().endswith(("您好:", ",")) and len(first) <= 40
    return rest.lstrip("\n") if greeting and rest else text
