"""Items from submission to close-out (销号): the liaisons' and the chair's daily work."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime

from sqlalchemy import bindparam
from sqlmodel import Session, func, select

from cobuild.actions import handoffs
from cobuild.actions.common import (
    get,
    invalid,
    once,
    permitted,
    record,
    require_chair,
    require_liaison,
    required_text,
    snapshot,
    touch,
    use_case,
    validated,
)
from cobuild.models import (
    WORKING_STATES,
    AskKind,
    Claim,
    ClaimRole,
    ClaimStatus,
    CloseOut,
    CloseOutOutcome,
    Conference,
    ConferenceStatus,
    Conflict,
    Council,
    DeadlineExtension,
    IllegalTransition,
    InvalidInput,
    Item,
    ItemStatus,
    ItemSubmit,
    Member,
    MemberRole,
    PermissionDenied,
    ProgressReport,
    Unit,
    UnitKind,
    require_state,
    require_transition,
)
from cobuild.models.base import local_text, today_for
from cobuild.models.items import MAX_DEADLINE_YEARS, within_reopen_window
from cobuild.platform.db import memo

TRACKED = ("status", "lead_unit_id", "deadline", "latest_percent")


def _unit(session: Session, council: Council, unit_id: int | None) -> Unit:
    unit = get(session, Unit, unit_id, "unit")
    if unit.council_id != council.id:
        raise InvalidInput("wrong_council", subject="unit")
    return unit


@use_case
def submit_item(session: Session, conference: Conference, unit: Unit, *, by: Member | None, now: datetime,
                **fields) -> Item:
    council = get(session, Council, conference.council_id, "council")
    if unit.council_id != council.id:
        raise InvalidInput("wrong_council", subject="unit")
    member = require_liaison(session, by, unit, "submit")
    data = validated(ItemSubmit, **fields)
    require_state("conference", conference.status, {ConferenceStatus.collecting}, "submit")
    if not (conference.window_opens_at <= now < conference.window_closes_at):
        raise IllegalTransition("window_closed", opens=local_text(council, conference.window_opens_at),
                                closes=local_text(council, conference.window_closes_at))
    if data.category not in council.categories:
        raise invalid("unknown_category", key=data.category, known="、".join(council.categories))
    if data.asks == AskKind.unit:
        asked = _unit(session, council, data.asks_unit_id)
        if asked.id == unit.id:
            raise invalid("self_raise")
    if data.asks == AskKind.community and unit.kind == UnitKind.community:
        raise invalid("community_asks_units")
    count = session.exec(select(func.count()).select_from(Item).where(
        Item.raised_conference_id == conference.id, Item.raised_by_unit_id == unit.id,
        Item.status != ItemStatus.cancelled)).one()
    if count >= council.items_max_per_unit:
        raise Conflict("limit_reached", unit=unit.name, count=count, limit=council.items_max_per_unit)
    item = Item(council_id=council.id, raised_conference_id=conference.id, conference_id=conference.id,
                raised_by_unit_id=unit.id, submitted_by=member.id, asks=data.asks, asks_unit_id=data.asks_unit_id,
                category=data.category, title=data.title, description=data.description,
                submitted_at=now, updated_at=now)
    session.add(item)
    session.flush()
    record(session, council_id=council.id, by=member, action="item.submit", subject=item, now=now,
           after=snapshot(item, "status", "title", "category", "asks", "asks_unit_id"))
    return item


def may_withdraw(session: Session, item: Item, by: Member | None) -> None:
    require_liaison(session, by, get(session, Unit, item.raised_by_unit_id, "unit"), "withdraw")
    require_state("item", item.status, {ItemStatus.submitted, ItemStatus.deferred}, "withdraw")


@use_case
def withdraw_item(session: Session, item: Item, *, by: Member | None, now: datetime) -> Item:
    """The raising unit takes back an item before the conference decides it."""
    council = get(session, Council, item.council_id, "council")
    may_withdraw(session, item, by)
    before = snapshot(item, "status")
    item.status = ItemStatus.cancelled
    item.decision_reason = "提出单位撤回 withdrawn by the raising unit"
    touch(session, item, now)
    session.add(item)
    record(session, council_id=council.id, by=by, action="item.withdraw", subject=item, now=now,
           before=before, after=snapshot(item, "status"))
    return item


def _check_can_lead(council: Council, item: Item, unit: Unit) -> None:
    if council.raiser_cannot_lead and unit.id == item.raised_by_unit_id:
        raise Conflict("raiser_cannot_lead", unit=unit.name)


def set_lead(session: Session, council: Council, item: Item, unit: Unit, by: Member | None, now: datetime) -> None:
    """Make `unit` the lead: one confirmed lead claim, other lead claims declined."""
    _check_can_lead(council, item, unit)
    for claim in session.exec(select(Claim).where(Claim.item_id == item.id, Claim.role == ClaimRole.lead,
                                                  Claim.status != ClaimStatus.declined)).all():
        if claim.unit_id != unit.id:
            claim.status = ClaimStatus.declined
            claim.decided_by, claim.decided_at = (by.id if by else None), now
            claim.reason = claim.reason or "另行确定牵头单位 another unit leads"
            session.add(claim)
    own = session.exec(select(Claim).where(Claim.item_id == item.id, Claim.unit_id == unit.id,
                                           Claim.role == ClaimRole.lead)).first()
    if own is None:
        own = Claim(item_id=item.id, unit_id=unit.id, role=ClaimRole.lead, claimed_at=now,
                    claimed_by=by.id if by else None)
    own.status = ClaimStatus.confirmed
    own.decided_by, own.decided_at = (by.id if by else None), now
    session.add(own)
    # a lead unit is no longer a cooperating one
    for claim in session.exec(select(Claim).where(Claim.item_id == item.id, Claim.unit_id == unit.id,
                                                  Claim.role == ClaimRole.cooperating)).all():
        session.delete(claim)
    item.lead_unit_id = unit.id
    if item.status == ItemStatus.accepted and item.number is not None:
        require_transition("item", item.status, ItemStatus.claimed, "claim_lead")
        item.status = ItemStatus.claimed


def replace_cooperating(session: Session, council: Council, item: Item, unit_ids: list[int],
                        by: Member | None, now: datetime) -> None:
    wanted = list(dict.fromkeys(unit_ids))
    for unit_id in wanted:
        _unit(session, council, unit_id)
        if unit_id == item.lead_unit_id:
            raise invalid("lead_not_cooperating")
    existing = {c.unit_id: c for c in session.exec(select(Claim).where(
        Claim.item_id == item.id, Claim.role == ClaimRole.cooperating)).all()}
    for unit_id, claim in existing.items():
        if unit_id not in wanted:
            session.delete(claim)
    for unit_id in wanted:
        claim = existing.get(unit_id) or Claim(item_id=item.id, unit_id=unit_id, role=ClaimRole.cooperating,
                                               claimed_at=now, claimed_by=by.id if by else None)
        claim.status = ClaimStatus.confirmed
        claim.decided_by, claim.decided_at = (by.id if by else None), now
        session.add(claim)


def may_assign(session: Session, council: Council, item: Item, by: Member | None) -> None:
    """The chair: everything before the resolution is published, what it left open after."""
    require_chair(session, council, by, "assign")
    published = item.number is not None
    require_state("item", item.status, {ItemStatus.accepted} if not published else WORKING_STATES, "assign")


@use_case
def assign(session: Session, item: Item, *, by: Member | None, now: datetime, goal: str | None = None,
           lead_unit_id: int | None = None, cooperating_unit_ids: list[int] | None = None,
           responsible_person: str | None = None, deadline: date | None = None) -> Item:
    """The chair fixes goal, lead, cooperating units, responsible person and deadline.

    Before the resolution is published everything may be set; afterwards only what the
    resolution left open (a lead, a responsible person) — other changes are amendments."""
    council = get(session, Council, item.council_id, "council")
    may_assign(session, council, item, by)
    published = item.number is not None
    if published:
        if goal is not None or deadline is not None or cooperating_unit_ids is not None \
                or (lead_unit_id is not None and item.lead_unit_id is not None) \
                or (responsible_person is not None and item.responsible_person):
            raise IllegalTransition("resolution_published", code=item.number.rsplit("-", 1)[0])
    before = snapshot(item, "goal", "lead_unit_id", "responsible_person", "deadline", "status")
    if goal is not None:
        if not goal.strip():
            raise invalid("empty_goal")
        item.goal = goal.strip()
    if deadline is not None:
        conference = get(session, Conference, item.resolution_conference_id, "conference")
        if deadline < conference.held_on:
            raise invalid("deadline_before_conference", deadline=deadline, held_on=conference.held_on)
        _not_too_far(deadline, conference)
        item.deadline = deadline
    if lead_unit_id is not None:
        set_lead(session, council, item, _unit(session, council, lead_unit_id), by, now)
    if cooperating_unit_ids is not None:
        replace_cooperating(session, council, item, cooperating_unit_ids, by, now)
    if responsible_person is not None:
        item.responsible_person = responsible_person.strip() or None
    touch(session, item, now)
    session.add(item)
    record(session, council_id=council.id, by=by, action="item.assign", subject=item, now=now, before=before,
           after=snapshot(item, "goal", "lead_unit_id", "responsible_person", "deadline", "status"))
    if published and lead_unit_id is not None:  # a lead for an item the resolution left open: tell it now
        handoffs.tell(session, council, handoffs.liaisons(session, item.lead_unit_id), "item_assigned", item, now,
                      f"lead-{item.lead_unit_id}", role="lead")
    return item


def may_claim(session: Session, council: Council, item: Item, unit: Unit, role: ClaimRole, by: Member | None) -> Member:
    member = require_liaison(session, by, unit, f"claim_{role.value}")
    if role == ClaimRole.lead:
        if item.lead_unit_id is not None:
            raise Conflict("lead_already_set", unit=get(session, Unit, item.lead_unit_id, "unit").name)
        require_state("item", item.status, {ItemStatus.accepted}, "claim_lead")
        _check_can_lead(council, item, unit)
    else:
        require_state("item", item.status, WORKING_STATES, "claim_cooperating")
        if item.lead_unit_id == unit.id:
            raise invalid("lead_not_cooperating")
    # one claim a unit: a unit waiting for the chair on its lead claim does not also offer to cooperate
    if session.exec(_OPEN_CLAIM, params={"item": item.id, "unit": unit.id}).first() is not None:
        raise Conflict("already_claimed", unit=unit.name)
    return member


@use_case
def claim(session: Session, item: Item, unit: Unit, role: str, *, by: Member | None, now: datetime) -> Claim:
    """A unit offers to lead or to cooperate; the chair confirms."""
    council = get(session, Council, item.council_id, "council")
    if unit.council_id != council.id:
        raise InvalidInput("wrong_council", subject="unit")
    try:
        role = ClaimRole(role)
    except ValueError:
        raise invalid("bad_role") from None
    member = may_claim(session, council, item, unit, role, by)
    row = Claim(item_id=item.id, unit_id=unit.id, role=role, claimed_by=member.id, claimed_at=now)
    session.add(row)
    session.flush()
    record(session, council_id=council.id, by=member, action=f"claim.{role.value}", subject=row, now=now,
           after={"item_id": item.id, "unit": unit.name, "role": role.value, "status": row.status})
    handoffs.tell(session, council, handoffs.chair(session, council), "claim_pending", item, now, f"claim-{row.id}",
                  basis=str(row.id), unit=unit.name, role=role.value)
    return row


@use_case
def decide_claim(session: Session, claim_row: Claim, *, by: Member | None, now: datetime,
                 confirm: bool = True, reason: str | None = None) -> Claim:
    item = get(session, Item, claim_row.item_id, "item")
    council = get(session, Council, item.council_id, "council")
    require_chair(session, council, by, "confirm_claim" if confirm else "decline_claim")
    require_state("claim", claim_row.status, {ClaimStatus.pending}, "confirm_claim" if confirm else "decline_claim")
    before = {"claim": claim_row.status, **snapshot(item, "status", "lead_unit_id")}
    if confirm:
        if claim_row.role == ClaimRole.lead:
            require_state("item", item.status, {ItemStatus.accepted}, "confirm_claim")
            set_lead(session, council, item, get(session, Unit, claim_row.unit_id, "unit"), by, now)
            touch(session, item, now)
            session.add(item)
        else:
            require_state("item", item.status, WORKING_STATES, "confirm_claim")
            claim_row.status = ClaimStatus.confirmed
    else:
        claim_row.reason = required_text(reason, "reason_decline_claim")
        claim_row.status = ClaimStatus.declined
    claim_row.decided_by, claim_row.decided_at = by.id, now
    session.add(claim_row)
    record(session, council_id=council.id, by=by, action="claim.confirm" if confirm else "claim.decline",
           subject=claim_row, now=now, before=before,
           after={"claim": claim_row.status, **snapshot(item, "status", "lead_unit_id")})
    handoffs.tell(session, council, handoffs.liaisons(session, claim_row.unit_id), "claim_decided", item, now,
                  f"claim-{claim_row.id}", role=str(claim_row.role), confirmed=confirm, reason=claim_row.reason or "")
    return claim_row


# built once: every item page's permission checks ask them
_COOPERATING = select(Claim.id).where(Claim.item_id == bindparam("item"), Claim.unit_id == bindparam("unit"),
                                      Claim.role == ClaimRole.cooperating, Claim.status == ClaimStatus.confirmed)
_OPEN_CLAIM = select(Claim.id).where(Claim.item_id == bindparam("item"), Claim.unit_id == bindparam("unit"),
                                     Claim.status != ClaimStatus.declined)


def _acting_unit(session: Session, item: Item, by: Member | None, action: str) -> tuple[Unit, bool]:
    """The unit `by` acts for on this item, and whether it is the lead."""
    if by is None:
        raise PermissionDenied("not_liaison", person="系统", unit="-", action=action)
    unit = get(session, Unit, by.unit_id, "unit")
    require_liaison(session, by, unit, action)
    if unit.id == item.lead_unit_id:
        return unit, True
    # once per page: its progress and close-out checks both ask it
    cooperating = memo(session, ("cooperating", item.id, unit.id),
                       lambda: session.exec(_COOPERATING, params={"item": item.id, "unit": unit.id}).first())
    if cooperating is None:
        raise PermissionDenied("not_involved", unit=unit.name)
    return unit, False


def may_post_progress(session: Session, item: Item, by: Member | None) -> tuple[Unit, bool]:
    """The lead reports progress; a confirmed cooperating unit posts notes. Gives (unit, is lead)."""
    unit, is_lead = _acting_unit(session, item, by, "progress")
    if is_lead:
        require_state("item", item.status, {ItemStatus.claimed, ItemStatus.in_progress, ItemStatus.reopened}, "progress")
    else:
        require_state("item", item.status, WORKING_STATES, "note")
    return unit, is_lead


@use_case
def post_progress(session: Session, item: Item, *, by: Member | None, now: datetime, note: str = "",
                  percent: int | None = None, evidence: list[str] | None = None) -> ProgressReport:
    """The lead posts progress (percent, note, evidence); cooperating units may post notes."""
    council = get(session, Council, item.council_id, "council")
    unit, is_lead = may_post_progress(session, item, by)
    evidence = [e.strip() for e in (evidence or []) if e and e.strip()]
    before = snapshot(item, *TRACKED)
    if is_lead:
        if percent is None or not (0 <= percent <= 100):
            raise invalid("percent_needed")
        if item.status != ItemStatus.in_progress:
            require_transition("item", item.status, ItemStatus.in_progress, "progress")
            item.status = ItemStatus.in_progress
        item.latest_percent = percent
        touch(session, item, now)
        session.add(item)
    else:
        if percent is not None:
            raise invalid("percent_lead_only")
        if not note.strip():
            raise invalid("empty_note")
    report = ProgressReport(item_id=item.id, unit_id=unit.id, member_id=by.id, percent=percent,
                            note=note.strip(), evidence=evidence, at=now)
    session.add(report)
    session.flush()
    record(session, council_id=council.id, by=by, action="item.progress" if is_lead else "item.note",
           subject=item, now=now, before=before, after={**snapshot(item, *TRACKED), "note": note.strip()[:200]})
    handoffs.tell(session, council, handoffs.liaisons(session, item.raised_by_unit_id), "progress_posted", item, now,
                  f"progress-{report.id}", unit=unit.name, percent=percent, note=note.strip())
    return report


def _not_too_far(deadline: date, conference: Conference) -> None:
    """At most MAX_DEADLINE_YEARS after the conference that decided the item."""
    held_on = conference.held_on
    try:
        latest = held_on.replace(year=held_on.year + MAX_DEADLINE_YEARS)
    except ValueError:  # 29 February
        latest = held_on.replace(year=held_on.year + MAX_DEADLINE_YEARS, day=28)
    if deadline > latest:
        raise InvalidInput("deadline_too_far", deadline=deadline.isoformat(), held_on=held_on.isoformat(),
                           years=MAX_DEADLINE_YEARS)


def may_extend(session: Session, council: Council, item: Item, by: Member | None) -> None:
    require_chair(session, council, by, "extend")
    require_state("item", item.status, WORKING_STATES, "extend")
    if item.number is None or item.deadline is None:
        raise invalid("extend_unpublished")


@use_case
def extend_deadline(session: Session, item: Item, new_deadline: date, *, by: Member | None, now: datetime,
                    reason: str) -> DeadlineExtension:
    council = get(session, Council, item.council_id, "council")
    may_extend(session, council, item, by)
    reason = required_text(reason, "reason_extend")
    if new_deadline <= item.deadline:
        raise invalid("extend_earlier", deadline=item.deadline)
    _not_too_far(new_deadline, get(session, Conference, item.resolution_conference_id, "conference"))
    extension = DeadlineExtension(item_id=item.id, old_deadline=item.deadline, new_deadline=new_deadline,
                                  reason=reason, by=by.id, at=now)
    before = snapshot(item, "deadline", "extensions")
    item.deadline = new_deadline
    item.extensions += 1
    touch(session, item, now)
    session.add_all([item, extension])
    session.flush()
    record(session, council_id=council.id, by=by, action="item.extend", subject=item, now=now, before=before,
           after={**snapshot(item, "deadline", "extensions"), "reason": reason})
    handoffs.tell(session, council, handoffs.liaisons(session, item.lead_unit_id) + handoffs.liaisons(session, item.raised_by_unit_id),
                  "deadline_extended", item, now, f"extension-{extension.id}",
                  old_deadline=extension.old_deadline.isoformat(), reason=reason)
    return extension


def may_request_close(session: Session, item: Item, by: Member | None) -> None:
    unit, is_lead = _acting_unit(session, item, by, "request_close")
    if not is_lead:
        raise PermissionDenied("not_lead", unit=get(session, Unit, item.lead_unit_id, "unit").name,
                               action="request_close")
    require_transition("item", item.status, ItemStatus.close_requested, "request_close")


@use_case
def request_close_out(session: Session, item: Item, *, by: Member | None, now: datetime, note: str = "",
                      evidence: list[str] | None = None) -> CloseOut:
    council = get(session, Council, item.council_id, "council")
    may_request_close(session, item, by)
    evidence = [e.strip() for e in (evidence or []) if e and e.strip()]
    if not note.strip() and not evidence:
        raise invalid("close_out_empty")
    request = CloseOut(item_id=item.id, requested_by=by.id, requested_at=now, note=note.strip(), evidence=evidence)
    before = snapshot(item, *TRACKED)
    item.status = ItemStatus.close_requested
    item.close_requested_at = now
    touch(session, item, now)
    session.add_all([item, request])
    session.flush()
    record(session, council_id=council.id, by=by, action="item.request_close", subject=item, now=now,
           before=before, after=snapshot(item, *TRACKED))
    return request


def _pending_close_out(session: Session, item: Item) -> CloseOut:
    request = session.exec(select(CloseOut).where(CloseOut.item_id == item.id,
                                                  CloseOut.outcome == CloseOutOutcome.pending)
                           .order_by(CloseOut.id.desc())).first()
    if request is None:
        raise invalid("no_close_request")
    return request


def _require_raiser(session: Session, item: Item, by: Member | None, action: str) -> Member:
    raiser = get(session, Unit, item.raised_by_unit_id, "unit")
    if by is None or by.unit_id != raiser.id:
        raise PermissionDenied("not_raiser", unit=raiser.name, action=action)
    return require_liaison(session, by, raiser, action)


def may_verify(session: Session, item: Item, by: Member | None) -> Member:
    member = _require_raiser(session, item, by, "verify")
    require_transition("item", item.status, ItemStatus.closed, "verify")
    _pending_close_out(session, item)  # verifying answers a close-out request
    return member


@use_case
def verify_close_out(session: Session, item: Item, *, by: Member | None, now: datetime, satisfaction: int,
                     comment: str = "") -> Item:
    """The raising party accepts the result: the item is closed (销号) with a rating 1-5."""
    council = get(session, Council, item.council_id, "council")
    member = may_verify(session, item, by)
    if satisfaction not in (1, 2, 3, 4, 5):
        raise invalid("bad_satisfaction")
    request = _pending_close_out(session, item)
    request.outcome = CloseOutOutcome.accepted
    request.verified_by, request.verified_at = member.id, now
    request.satisfaction, request.reason = satisfaction, comment.strip() or None
    before = snapshot(item, *TRACKED)
    today = today_for(council, now)
    item.status = ItemStatus.closed
    item.closed_at, item.closed_on = now, today
    item.closed_on_time = item.deadline is not None and today <= item.deadline
    published_on = today_for(council, item.published_at) if item.published_at else today
    item.days_to_close = (today - published_on).days
    item.satisfaction = satisfaction
    item.latest_percent = 100
    touch(session, item, now)
    session.add_all([item, request])
    record(session, council_id=council.id, by=member, action="item.close", subject=item, now=now, before=before,
           after={**snapshot(item, *TRACKED), "on_time": item.closed_on_time, "satisfaction": satisfaction})
    handoffs.tell(session, council, handoffs.liaisons(session, item.lead_unit_id), "close_out_answered", item, now,
                  f"close-out-{request.id}", verified=True, rating=satisfaction, reason="")
    return item


def may_send_back(session: Session, item: Item, by: Member | None) -> Member:
    member = _require_raiser(session, item, by, "send_back")
    require_transition("item", item.status, ItemStatus.in_progress, "send_back")
    _pending_close_out(session, item)  # sending back answers a close-out request
    return member


@use_case
def send_back(session: Session, item: Item, *, by: Member | None, now: datetime, reason: str) -> Item:
    council = get(session, Council, item.council_id, "council")
    member = may_send_back(session, item, by)
    reason = required_text(reason, "reason_send_back")
    request = _pending_close_out(session, item)
    request.outcome = CloseOutOutcome.sent_back
    request.verified_by, request.verified_at, request.reason = member.id, now, reason
    before = snapshot(item, *TRACKED)
    item.status = ItemStatus.in_progress
    item.close_requested_at = None
    item.send_backs += 1
    touch(session, item, now)
    session.add_all([item, request])
    record(session, council_id=council.id, by=member, action="item.send_back", subject=item, now=now,
           before=before, after={**snapshot(item, *TRACKED), "reason": reason})
    handoffs.tell(session, council, handoffs.liaisons(session, item.lead_unit_id), "close_out_answered", item, now,
                  f"close-out-{request.id}", verified=False, rating=None, reason=reason)
    return item


def may_reopen(session: Session, council: Council, item: Item, by: Member | None, now: datetime) -> Member:
    member = _require_raiser(session, item, by, "reopen")
    require_transition("item", item.status, ItemStatus.reopened, "reopen")
    if item.closed_on is None or not within_reopen_window(item.closed_on, today_for(council, now), council.reopen_window_days):
        raise IllegalTransition("reopen_window", closed=item.closed_on, days=council.reopen_window_days)
    return member


@use_case
def reopen(session: Session, item: Item, *, by: Member | None, now: datetime, reason: str) -> Item:
    """The problem came back: the raising party reopens a closed item within the window."""
    council = get(session, Council, item.council_id, "council")
    member = may_reopen(session, council, item, by, now)
    reason = required_text(reason, "reason_reopen")
    before = snapshot(item, *TRACKED, "closed_on")
    item.status = ItemStatus.reopened
    item.closed_at = item.closed_on = item.closed_on_time = item.days_to_close = None
    item.satisfaction = None
    item.reopens += 1
    touch(session, item, now)
    session.add(item)
    record(session, council_id=council.id, by=member, action="item.reopen", subject=item, now=now,
           before=before, after={**snapshot(item, *TRACKED), "reason": reason})
    handoffs.tell(session, council, handoffs.liaisons(session, item.lead_unit_id), "item_reopened", item, now,
                  f"reopen-{item.reopens}", reason=reason)
    return item


def may_decline(session: Session, item: Item, by: Member | None) -> tuple[Unit, Member]:
    if item.lead_unit_id is None:
        raise invalid("no_lead_to_decline")
    lead = get(session, Unit, item.lead_unit_id, "unit")
    member = require_liaison(session, by, lead, "decline_assignment")
    require_transition("item", item.status, ItemStatus.accepted, "decline_assignment")
    return lead, member


@use_case
def decline_assignment(session: Session, item: Item, *, by: Member | None, now: datetime, reason: str) -> Item:
    """The lead unit gives an item back before work starts; the chair finds another lead.
    It costs the unit points (the `declined` rule)."""
    council = get(session, Council, item.council_id, "council")
    lead, member = may_decline(session, item, by)
    reason = required_text(reason, "reason_decline_lead")
    before = snapshot(item, *TRACKED)
    claim_row = session.exec(select(Claim).where(Claim.item_id == item.id, Claim.unit_id == lead.id,
                                                 Claim.role == ClaimRole.lead, Claim.status == ClaimStatus.confirmed)).first()
    if claim_row is not None:
        claim_row.status, claim_row.reason = ClaimStatus.withdrawn, reason
        claim_row.decided_by, claim_row.decided_at = member.id, now
        session.add(claim_row)
    item.status = ItemStatus.accepted
    item.lead_unit_id = None
    touch(session, item, now)
    record(session, council_id=council.id, by=member, action="item.decline", subject=item, now=now,
           before=before, after={**snapshot(item, *TRACKED), "reason": reason})
    handoffs.tell(session, council, handoffs.chair(session, council), "assignment_declined", item, now,
                  f"decline-{int(now.timestamp())}", unit=lead.name, reason=reason)
    return item


def item_actions(session: Session, item: Item, by: Member | None, now: datetime) -> set[str]:
    """What `by` may do to `item` now, asked of the use cases' own checks (nothing is written):
    pages show a control when its action is here, so a page can neither offer what the use case
    refuses nor hide what it allows."""
    council = get(session, Council, item.council_id, "council")
    unit = session.get(Unit, by.unit_id) if by is not None and by.unit_id else None
    checks: dict[str, Callable[[], object]] = {
        "withdraw": lambda: may_withdraw(session, item, by),
        "progress": lambda: may_post_progress(session, item, by),
        "request_close": lambda: may_request_close(session, item, by),
        "decline": lambda: may_decline(session, item, by),
        "verify": lambda: may_verify(session, item, by),
        "send_back": lambda: may_send_back(session, item, by),
        "reopen": lambda: may_reopen(session, council, item, by, now),
        "extend": lambda: may_extend(session, council, item, by),
        "hurry": lambda: may_hurry(session, council, item, by),
    }
    if unit is not None:
        checks["claim_lead"] = lambda: may_claim(session, council, item, unit, ClaimRole.lead, by)
        checks["claim_cooperating"] = lambda: may_claim(session, council, item, unit, ClaimRole.cooperating, by)
    passed = permitted(checks)
    allowed = set(passed)
    if "progress" in passed and not passed["progress"][1]:  # type: ignore[index]  # (unit, is lead)
        allowed.discard("progress")
        allowed.add("note")  # a cooperating unit: notes, no percentage
    return allowed


def may_hurry(session: Session, council: Council, item: Item, by: Member | None) -> None:
    """The chair or the secretary, on a published item a lead unit is working."""
    if by is None or by.council_id != council.id or not by.active:
        raise PermissionDenied("not_chair_or_secretary", action="hurry")
    if by.role != MemberRole.secretary:
        try:
            require_chair(session, council, by, "hurry")
        except PermissionDenied:
            raise PermissionDenied("not_chair_or_secretary", action="hurry") from None
    require_state("item", item.status, {ItemStatus.claimed, ItemStatus.in_progress, ItemStatus.reopened}, "hurry")


@use_case
def hurry(session: Session, item: Item, *, by: Member | None, now: datetime) -> Item:
    """催办: the chair or the secretary hurries the lead unit, at most once a day per item."""
    council = get(session, Council, item.council_id, "council")
    may_hurry(session, council, item, by)
    day = today_for(council, now).isoformat()
    if not once(session, council.id, f"hurry|item:{item.id}|{day}", now, {"by": by.id}):
        raise Conflict("hurried_today")
    record(session, council_id=council.id, by=by, action="item.hurry", subject=item, now=now,
           after={"day": day, "lead_unit_id": item.lead_unit_id})
    handoffs.tell(session, council, handoffs.liaisons(session, item.lead_unit_id), "hurry", item, now, day,
                  **handoffs.hurry_context(council, item, now, by))
    return item
