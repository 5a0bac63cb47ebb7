"""我的待办 — what waits for one person in one council, most urgent first.

A liaison: items to submit while a window is open, items open to claim, the unit's items to
work (progress due, sent back), close-outs to verify for the unit. The chair: claims to
confirm, conferences to lock, hold, decide and publish. Every member who votes: an open
election, the chair's evaluation. The secretary: overdue items past the chair's escalation,
dead deliveries. Each entry: kind, its label in both languages, the subject and its page path,
the date it is due by and whether that has passed.
"""

from __future__ import annotations

from datetime import date, datetime
from functools import cache

from sqlalchemy import BindParameter, bindparam, exists, func
from sqlmodel import Session, select

from cobuild.models import (
    Ballot,
    Claim,
    ClaimStatus,
    CloseOut,
    CloseOutOutcome,
    Conference,
    ConferenceStatus,
    Council,
    Delivery,
    DeliveryStatus,
    Election,
    ElectionStatus,
    EvaluationBallot,
    Item,
    ItemStatus,
    Member,
    MemberRole,
    Notification,
    Term,
    TermStatus,
    Unit,
)
from cobuild.models.base import local_date, today_for
from cobuild.models.items import overdue_clause
from cobuild.models.terms import term_end_at
from cobuild.platform.links import PAGES
from cobuild.reports.views import current_term

LABELS = {
    "submit": ("提交事项", "Submit items"),
    "claim": ("可认领的事项", "Open to claim"),
    "progress": ("报告进展", "Report progress"),
    "sent_back": ("销号被退回,继续办理", "Sent back: carry on"),
    "verify": ("验收销号", "Verify a close-out"),
    "confirm_claim": ("确认认领", "Confirm a claim"),
    "lock": ("锁定议程", "Lock the agenda"),
    "hold": ("召开会议", "Hold the conference"),
    "decide": ("决定议程事项", "Decide agenda items"),
    "publish": ("发布决议", "Publish the resolution"),
    "vote": ("主席选举投票", "Vote for the chair"),
    "evaluate": ("测评轮值主席", "Evaluate the chair"),
    "escalated": ("逾期督办", "Overdue, escalated"),
    "dead": ("投递失败的消息", "Messages not delivered"),
    "take_order": ("服务订单待接单", "An order to take"),
    "schedule_order": ("约定服务时间", "Set a service date"),
    "record_service": ("记录服务", "Record a service"),
    "answer_order": ("回复社区评价", "Answer a rating"),
    "rate_order": ("评价服务", "Rate a service"),
}
LIMIT = 50  # entries of one kind at most: a list a person reads on a phone
# A liaison's statements, built once with their values bound at each run: every page's nav counts
# the to-do, and building the statements cost more than running them. The columns an entry shows.
ITEM = (Item.id, Item.number, Item.title, Item.deadline)
_COUNCIL: BindParameter[int] = bindparam("council")
_UNIT: BindParameter[int] = bindparam("unit")
# the collecting conferences, each with how many items the unit has raised in it
_SUBMITTED = select(func.count()).select_from(Item).where(
    Item.raised_conference_id == Conference.id, Item.raised_by_unit_id == _UNIT, Item.status != ItemStatus.cancelled
).scalar_subquery()
_COLLECTING = select(Conference.id, Conference.code, Conference.window_closes_at, _SUBMITTED.label("submitted")).where(
    Conference.council_id == _COUNCIL, Conference.status == ConferenceStatus.collecting)
_CLAIMABLE = select(*ITEM).where(
    Item.council_id == _COUNCIL, Item.status == ItemStatus.accepted, Item.lead_unit_id.is_(None), Item.number.is_not(None),
    Item.id.not_in(select(Claim.item_id).where(Claim.unit_id == _UNIT,
                                               Claim.status.in_([ClaimStatus.pending, ClaimStatus.confirmed])))
).order_by(Item.deadline).limit(LIMIT)
_CLAIMABLE_NOT_OWN = _CLAIMABLE.where(Item.raised_by_unit_id != _UNIT)  # a council where the raiser may not lead
# the unit's items to work, each with whether a close-out of it was sent back (its lead carries on)
_SENT_BACK = exists().where(CloseOut.item_id == Item.id, CloseOut.outcome == CloseOutOutcome.sent_back)
_LEADING = select(*ITEM, Item.status, _SENT_BACK.label("sent_back")).where(  # type: ignore[call-overload]
    Item.council_id == _COUNCIL, Item.lead_unit_id == _UNIT,
    Item.status.in_([ItemStatus.claimed, ItemStatus.in_progress, ItemStatus.reopened])).order_by(Item.deadline).limit(LIMIT)
_TO_VERIFY = select(*ITEM, Item.close_requested_at).where(  # type: ignore[call-overload]
    Item.council_id == _COUNCIL, Item.raised_by_unit_id == _UNIT, Item.status == ItemStatus.close_requested
).order_by(Item.close_requested_at).limit(LIMIT)


_VOTER: BindParameter[int] = bindparam("member")
# the open elections, each with whether this member has voted; the term being evaluated, with whether they have rated it
_ELECTIONS = select(Election.id, Election.round, Election.closes_at,
                    exists().where(Ballot.election_id == Election.id, Ballot.voter_id == _VOTER).label("voted")
                    ).where(Election.council_id == _COUNCIL, Election.status == ElectionStatus.open)
_EVALUATING = select(Term, exists().where(EvaluationBallot.term_id == Term.id, EvaluationBallot.voter_id == _VOTER)
                     .label("rated")).where(Term.council_id == _COUNCIL, Term.status == TermStatus.evaluating)


def _entry(kind: str, council: Council, subject_type: str, subject_id: int | None, title: str, due: date | None,
           today: date, count: int | None = None) -> dict:
    page = PAGES.get(subject_type)
    path = f"/c/{council.id}/{page}/{subject_id}" if page and subject_id else (
        f"/c/{council.id}/notifications?status=failed" if kind == "dead" else f"/c/{council.id}")
    zh, en = LABELS[kind]
    return {"kind": kind, "label": zh, "label_en": en, "council_id": council.id, "subject_type": subject_type,
            "subject_id": subject_id, "title": title, "due": due.isoformat() if due else None,
            "overdue": due is not None and due < today, "count": count, "path": path}


def _title(item) -> str:
    return f"{item.number} {item.title}" if item.number else item.title


def todo(session: Session, council: Council, member: Member | None, now: datetime) -> list[dict]:
    if member is None or not member.active:
        return []
    today = today_for(council, now)
    tz = council.timezone
    out: list[dict] = []
    term = current_term(session, council.id)
    is_chair = term is not None and term.chair_member_id == member.id
    unit = session.get(Unit, member.unit_id)

    if member.is_liaison and unit is not None:
        mine = {"council": council.id, "unit": unit.id}
        for conference in session.exec(_COLLECTING, params=mine).all():
            if conference.submitted < council.items_min_per_unit:
                out.append(_entry("submit", council, "conference", conference.id, conference.code,
                                  local_date(conference.window_closes_at, tz), today))
        claimable = _CLAIMABLE_NOT_OWN if council.raiser_cannot_lead else _CLAIMABLE
        for item in session.exec(claimable, params=mine).all():
            out.append(_entry("claim", council, "item", item.id, _title(item), item.deadline, today))
        for item in session.exec(_LEADING, params=mine).all():
            sent_back = item.sent_back and item.status == ItemStatus.in_progress
            out.append(_entry("sent_back" if sent_back else "progress", council, "item", item.id, _title(item),
                              item.deadline, today))
        for item in session.exec(_TO_VERIFY, params=mine).all():
            asked = local_date(item.close_requested_at, tz) if item.close_requested_at else None
            out.append(_entry("verify", council, "item", item.id, _title(item), asked, today))

    out.extend(_orders(session, council, member, today))

    if is_chair:
        pending = session.exec(select(Claim, Item).join(Item, Item.id == Claim.item_id).where(
            Item.council_id == council.id, Claim.status == ClaimStatus.pending).order_by(Claim.claimed_at)).all()
        for claim, item in pending[:LIMIT]:
            out.append(_entry("confirm_claim", council, "item", item.id, _title(item), local_date(claim.claimed_at, tz),
                              today))
        for conference in session.exec(select(Conference).where(Conference.council_id == council.id, Conference.status.in_(
                [ConferenceStatus.collecting, ConferenceStatus.agenda_locked, ConferenceStatus.held]))).all():
            held_on = conference.held_on
            if conference.status == ConferenceStatus.collecting and now >= conference.window_closes_at:
                out.append(_entry("lock", council, "conference", conference.id, conference.code, held_on, today))
            elif conference.status == ConferenceStatus.agenda_locked:
                out.append(_entry("hold", council, "conference", conference.id, conference.code, held_on, today))
            elif conference.status == ConferenceStatus.held:
                undecided = session.exec(select(func.count()).select_from(Item).where(
                    Item.conference_id == conference.id, Item.status == ItemStatus.submitted)).one()
                kind = "decide" if undecided else "publish"
                out.append(_entry(kind, council, "conference", conference.id, conference.code, held_on, today,
                                  undecided or None))

    if member.votes:
        voter = {"council": council.id, "member": member.id}
        for election in session.exec(_ELECTIONS, params=voter).all():
            if not election.voted:
                out.append(_entry("vote", council, "election", election.id, f"#{election.round}",
                                  local_date(election.closes_at, tz), today))
        found = session.exec(_EVALUATING, params=voter).first()
        if found is not None and not found.rated and found.Term.chair_member_id != member.id:
            evaluated = found.Term
            out.append(_entry("evaluate", council, "term", evaluated.id, f"#{evaluated.number}",
                              local_date(term_end_at(council, evaluated), tz), today))

    if member.role == MemberRole.secretary:
        for item in session.exec(select(*ITEM).where(Item.council_id == council.id, overdue_clause(today))
                                 .order_by(Item.deadline).limit(LIMIT)).all():
            if item.deadline is not None and (today - item.deadline).days >= 7:  # past the chair's escalation
                out.append(_entry("escalated", council, "item", item.id, _title(item), item.deadline, today))
        dead = session.exec(select(func.count()).select_from(Delivery).join(
            Notification, Notification.id == Delivery.notification_id).where(
            Notification.council_id == council.id, Delivery.status == DeliveryStatus.dead)).one()
        if dead:
            out.append(_entry("dead", council, "council", None, "", None, today, dead))

    return sorted(out, key=urgency)


def _orders(session: Session, council: Council, member: Member, today: date) -> list[dict]:
    """Service orders (SPEC.md §9): to take (orders to the unit), to schedule, to record once the
    day has come and to answer — for the unit's liaisons and the party member who took one; to
    rate, for whoever ordered."""
    from cobuild.models.services import OrderStatus

    tz = council.timezone
    out: list[dict] = []
    working, to_rate = _order_statements(member.is_liaison)
    who = {"council": council.id, "member": member.id, "unit": member.unit_id}
    for order in session.exec(working, params=who).all():
        if order.status == OrderStatus.placed:
            waited_from = local_date(order.placed_at, tz)
            out.append(_entry("take_order", council, "order", order.id, order.title, order.wanted_on or waited_from, today))
        elif order.status == OrderStatus.taken:
            out.append(_entry("schedule_order", council, "order", order.id, order.title, order.wanted_on, today))
        elif order.status == OrderStatus.scheduled and order.service_on is not None and order.service_on <= today:
            out.append(_entry("record_service", council, "order", order.id, order.title, order.service_on, today))
        elif order.status == OrderStatus.rated:
            out.append(_entry("answer_order", council, "order", order.id, order.title, None, today))
    for order in session.exec(to_rate, params=who).all():
        out.append(_entry("rate_order", council, "order", order.id, order.title, order.served_on, today))
    return out


@cache
def _order_statements(liaison: bool) -> tuple:
    """The orders waiting for a member (a liaison: also those to the unit) and those they may rate."""
    from sqlalchemy import or_

    from cobuild.models.services import Order, OrderStatus

    shown = (Order.id, Order.status, Order.title, Order.wanted_on, Order.placed_at, Order.service_on, Order.served_on)
    mine = Order.taken_by == bindparam("member")
    working = select(*shown).where(  # type: ignore[call-overload]
        Order.council_id == _COUNCIL, or_(Order.unit_id == _UNIT, mine) if liaison else mine,
        Order.status.in_([OrderStatus.placed, OrderStatus.taken, OrderStatus.scheduled, OrderStatus.rated])
    ).order_by(Order.id).limit(LIMIT)
    to_rate = select(*shown).where(Order.council_id == _COUNCIL, Order.placed_by == bindparam("member"),  # type: ignore[call-overload]
                                   Order.status == OrderStatus.served).order_by(Order.id).limit(LIMIT)
    return working, to_rate


def urgency(entry: dict) -> tuple:
    """Most urgent first: what is overdue, then by the date it is due, undated last."""
    return (not entry["overdue"], entry["due"] is None, entry["due"] or "", entry["kind"])
