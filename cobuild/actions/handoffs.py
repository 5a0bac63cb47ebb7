"""Hand-offs: the message a use case sends at once when it gives someone work or answers them.

Queued in the use case's own transaction through the outbox (so with its exactly-once keys,
quiet hours, language, digest preference and the council's own wording), never left for the
next sweep. Each hand-off's key names what caused it (a claim, a close-out, an extension …),
so a step repeated by a retry queues nothing twice, and a new step of the same kind a new one.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import bindparam
from sqlmodel import Session, select

from cobuild.actions.common import current_term, once
from cobuild.models import Claim, ClaimRole, ClaimStatus, Council, Item, Member, MemberRole, Unit
from cobuild.models.base import today_for
from cobuild.models.items import days_overdue
from cobuild.notifications.outbox import Outbox
from cobuild.notifications.problems import Problem, tell_secretaries
from cobuild.reports.views import agenda_lines, conference_message, item_message, unit_names


def liaisons(session: Session, unit_id: int | None) -> list[Member]:
    if unit_id is None:
        return []
    return list(session.exec(_LIAISONS, params={"unit": unit_id}).all())


_LIAISONS = select(Member).where(Member.unit_id == bindparam("unit"), Member.is_liaison == True,  # noqa: E712
                                 Member.active == True).order_by(Member.id)  # noqa: E712


def secretaries(session: Session, council: Council) -> list[Member]:
    return list(session.exec(_SECRETARIES, params={"council": council.id}).all())


_SECRETARIES = select(Member).where(Member.council_id == bindparam("council"), Member.role == MemberRole.secretary,
                                    Member.active == True).order_by(Member.id)  # noqa: E712


def chair(session: Session, council: Council) -> list[Member]:
    term = current_term(session, council.id)
    member = session.get(Member, term.chair_member_id) if term and term.chair_member_id else None
    return [member] if member and member.active else []


def _queue(session: Session, council: Council, people: list[Member], kind: str, now: datetime, step: str,
           subject_type: str, subject_id: int | None, context: dict, basis: str = "") -> int:
    """Queue `kind` to each person once; returns how many were queued. All of them together, on
    the outbox's batch path (`write_pending`): one INSERT of the messages, which drops any queued
    before, and one of their deliveries, whatever the number of people."""
    outbox = Outbox(session, batched=True)
    for person in people:
        outbox.enqueue(council, person, kind, now=now, step=step, subject_type=subject_type, subject_id=subject_id,
                       basis=basis, context=context)
    queued = outbox.write_pending()
    if outbox.template_failures:
        _report_wording(session, council, outbox, now)
    return queued


def _report_wording(session: Session, council: Council, outbox: Outbox, now: datetime) -> None:
    """The council's own wording failed for someone and gave way to the packaged wording: its
    secretaries hear of it as they do from a sweep (`council_problem`, once a wording and local
    day), in the same transaction as the hand-off. A hand-off's outbox only ever holds `council`."""
    problems = [Problem.template(*failure) for failure in outbox.template_failures]
    outbox.template_failures.clear()
    tell_secretaries(outbox, {council.id: council}, {council.id: secretaries(session, council)}, problems, now)
    outbox.write_pending()


def queue_about(session: Session, council: Council, people: list[Member], kind: str, now: datetime, step: str,
                subject_type: str, subject_id: int | None, context: dict, basis: str = "") -> int:
    """Queue `kind` about any subject (an order, an offer …) to each person once."""
    return _queue(session, council, people, kind, now, step, subject_type, subject_id, context, basis)


def tell(session: Session, council: Council, people: list[Member], kind: str, item: Item, now: datetime, step: str,
         basis: str = "", **context: object) -> int:
    """Queue `kind` about `item` to each person once; returns how many were queued."""
    units = unit_names(session, item.council_id)
    return _queue(session, council, people, kind, now, step, "item", item.id,
                  {"item": item_message(item, lambda unit_id: units.get(unit_id, "-")), **context}, basis)


def assigned(session: Session, council: Council, item: Item, now: datetime, step: str) -> None:
    """A published (or newly led) item: its lead's liaisons and its cooperating units' liaisons."""
    tell(session, council, liaisons(session, item.lead_unit_id), "item_assigned", item, now, step, role="lead")
    cooperating = session.exec(select(Claim.unit_id).where(
        Claim.item_id == item.id, Claim.role == ClaimRole.cooperating,
        Claim.status.in_([ClaimStatus.pending, ClaimStatus.confirmed]))).all()
    for unit_id in cooperating:
        tell(session, council, liaisons(session, unit_id), "item_assigned", item, now, step, role="cooperating")


def hurry_context(council: Council, item: Item, now: datetime, by: Member) -> dict:
    secretary = by.role == MemberRole.secretary  # else the chair: only they may hurry
    return {"by": by.name, "by_role": "社区书记" if secretary else "轮值主席",
            "by_role_en": "the secretary" if secretary else "the chair",
            "days_overdue": days_overdue(item.status, item.deadline, today_for(council, now))}


def _unit_liaisons(session: Session, council: Council) -> list[Member]:
    units = session.exec(select(Unit.id).where(Unit.council_id == council.id, Unit.active == True)).all()  # noqa: E712
    return [person for unit_id in units for person in liaisons(session, unit_id)]


def _voters(session: Session, council: Council) -> list[Member]:
    return [m for m in session.exec(select(Member).where(Member.council_id == council.id, Member.active == True)  # noqa: E712
                                    .order_by(Member.id)).all() if m.votes]


def _tell_conference(session: Session, council: Council, conference, people: list[Member], kind: str, now: datetime,
                     step: str = "", **context: object) -> None:
    _queue(session, council, people, kind, now, step, "conference", conference.id,
           {**conference_message(council, conference), **context})


def window_opened(session: Session, council: Council, conference, now: datetime) -> None:
    """The chair opened a submission window by hand: every unit's liaisons hear at once, under the
    key the sweep would have used (`window_open|conference:N`), so the sweep does not send it again."""
    if once(session, council.id, f"window_open|conference:{conference.id}", now):
        _tell_conference(session, council, conference, _unit_liaisons(session, council), "window_open", now)


def agenda_locked(session: Session, council: Council, conference, now: datetime) -> None:
    """The chair locked the agenda by hand: the members who vote get it at once (the sweep's key)."""
    if once(session, council.id, f"agenda|conference:{conference.id}", now):
        _tell_conference(session, council, conference, _voters(session, council), "agenda", now,
                         agenda=agenda_lines(session, conference))


def rescheduled(session: Session, council: Council, conference, was: str, now: datetime) -> None:
    """A planned conference moved: the members who vote and every unit's liaisons."""
    _tell_conference(session, council, conference, _voters(session, council) + _unit_liaisons(session, council),
                     "conference_rescheduled", now, f"moved-{int(now.timestamp())}", was=was)
