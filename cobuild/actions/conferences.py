"""The quarterly conference: window, agenda with carry-over, decisions, resolution, amendments."""

from __future__ import annotations

import hashlib
import json
from datetime import date, datetime, time, timedelta
from functools import partial

from sqlmodel import Session, func, select

from cobuild.actions import handoffs
from cobuild.actions.common import get, invalid, permitted, record, require_chair, require_chair_or_system, required_text, snapshot, touch, use_case
from cobuild.models import (
    WORKING_STATES,
    AgendaEntry,
    AgendaKind,
    Amendment,
    AmendmentKind,
    Attendance,
    Claim,
    ClaimRole,
    ClaimStatus,
    Conference,
    ConferenceStatus,
    Council,
    IllegalTransition,
    InvalidInput,
    Item,
    ItemStatus,
    Member,
    Resolution,
    Term,
    Unit,
    require_state,
    require_transition,
)
from cobuild.models.base import add_months, jsonable, local_start, local_text, quarter_of, today_for
from cobuild.models.workdays import calendar_of


def conference_times(council: Council, day: date) -> dict:
    """When a conference held on `day` (a working day) meets, and its submission window. The window's
    last day is a working day (moved earlier when the rule's falls on a day off), so nobody's deadline
    is a holiday; its opening stays where the rule puts it (it asks nothing of anyone that day)."""
    cal = calendar_of(council)
    hours, minutes = (int(x) for x in council.conference_time.split(":"))
    scheduled = local_start(day, council.timezone, time(hours, minutes))
    opens = local_start(day - timedelta(days=council.submission_window_days), council.timezone)
    last_day = cal.on_or_before(day - timedelta(days=max(council.submission_close_days_before, 1)))
    closes = local_start(last_day + timedelta(days=1), council.timezone) if council.submission_close_days_before else scheduled
    return {"held_on": day, "scheduled_at": scheduled, "window_opens_at": opens,
            "window_closes_at": min(closes, scheduled)}


def rule_day(council: Council, term: Term, seq: int) -> date:
    """The day the council's rule gives the term's `seq`-th conference, before the working-day move."""
    return min(add_months(term.starts_on, (seq - 1) * council.conference_cadence_months)
               + timedelta(days=council.conference_offset_days), term.ends_on)


def meeting_day(council: Council, day: date, latest: date | None = None) -> date:
    """The council meets on a working day: the rule's day, or the next working day (the one before
    when that would pass `latest`, the end of the term)."""
    cal = calendar_of(council)
    moved = cal.on_or_after(day)
    if latest is not None and moved > latest:
        moved = cal.on_or_before(min(day, latest))
    return moved


def _free_code(session: Session, council_id: int, day: date) -> str:
    base = f"{day.year}-Q{quarter_of(day)}"
    taken = set(session.exec(select(Conference.code).where(Conference.council_id == council_id,
                                                           Conference.code.startswith(base))).all())
    if base not in taken:
        return base
    # a second conference in one quarter (a rescheduled term): 2026-Q2b, 2026-Q2c …
    return next(f"{base}{suffix}" for suffix in "bcdefgh" if f"{base}{suffix}" not in taken)


def plan_conferences(session: Session, council: Council, term: Term, *, now: datetime) -> list[Conference]:
    """One conference per cadence period of the term (part of starting a term)."""
    existing = session.exec(select(Conference).where(Conference.term_id == term.id)).all()
    if existing:
        return list(existing)
    planned = []
    for seq in range(council.conferences_per_term):
        day = meeting_day(council, rule_day(council, term, seq + 1), term.ends_on)
        conference = Conference(council_id=council.id, term_id=term.id, seq_in_term=seq + 1,
                                code=_free_code(session, council.id, day), **conference_times(council, day))
        session.add(conference)
        session.flush()
        record(session, council_id=council.id, by=None, action="conference.plan", subject=conference, now=now,
               after=snapshot(conference, "code", "held_on", "window_opens_at", "window_closes_at"))
        planned.append(conference)
    return planned


@use_case
def reschedule(session: Session, conference: Conference, day: date, *, by: Member | None, now: datetime) -> Conference:
    council = get(session, Council, conference.council_id, "council")
    may_reschedule(session, council, conference, by)
    day = meeting_day(council, day)
    times = conference_times(council, day)
    if times["window_opens_at"] < now:
        raise invalid("no_window_left")
    before = snapshot(conference, "code", "held_on")
    if f"{day.year}-Q{quarter_of(day)}" != conference.code.rstrip("bcdefgh"):
        conference.code = _free_code(session, council.id, day)
    for key, value in times.items():
        setattr(conference, key, value)
    session.add(conference)
    record(session, council_id=council.id, by=by, action="conference.reschedule", subject=conference, now=now,
           before=before, after=snapshot(conference, "code", "held_on"))
    handoffs.rescheduled(session, council, conference, str(before["held_on"]), now)
    return conference


def may_open_window(session: Session, council: Council, conference: Conference, by: Member | None) -> None:
    require_chair_or_system(session, council, by, "open_window")
    require_transition("conference", conference.status, ConferenceStatus.collecting, "open_window")


def may_reschedule(session: Session, council: Council, conference: Conference, by: Member | None) -> None:
    require_chair(session, council, by, "reschedule")
    require_state("conference", conference.status, {ConferenceStatus.planned}, "reschedule")


@use_case
def open_window(session: Session, conference: Conference, *, now: datetime, by: Member | None = None) -> Conference:
    """planned -> collecting: the scheduler at the window's opening, or the chair earlier."""
    council = get(session, Council, conference.council_id, "council")
    may_open_window(session, council, conference, by)
    if by is None and now < conference.window_opens_at:
        raise IllegalTransition("too_early", action="open_window", when=local_text(council, conference.window_opens_at))
    conference.status = ConferenceStatus.collecting
    if now < conference.window_opens_at:
        conference.window_opens_at = now
    session.add(conference)
    record(session, council_id=council.id, by=by, action="conference.open_window", subject=conference, now=now,
           before={"status": ConferenceStatus.planned}, after={"status": ConferenceStatus.collecting})
    if by is not None:  # opened by hand: the units hear now, not at the next sweep
        handoffs.window_opened(session, council, conference, now)
    return conference


def may_lock(session: Session, council: Council, conference: Conference, by: Member | None) -> None:
    require_chair_or_system(session, council, by, "lock_agenda")
    require_transition("conference", conference.status, ConferenceStatus.agenda_locked, "lock_agenda")


@use_case
def lock_agenda(session: Session, conference: Conference, *, now: datetime, by: Member | None = None) -> list[AgendaEntry]:
    """collecting -> agenda_locked, carrying over deferred items and listing open ones for review."""
    council = get(session, Council, conference.council_id, "council")
    may_lock(session, council, conference, by)
    if by is None and now < conference.window_closes_at:
        raise IllegalTransition("too_early", action="lock_agenda", when=local_text(council, conference.window_closes_at))
    entries: list[AgendaEntry] = []

    def add(item: Item, kind: AgendaKind) -> None:
        entries.append(AgendaEntry(conference_id=conference.id, item_id=item.id, kind=kind, position=len(entries) + 1))

    for item in session.exec(select(Item).where(Item.conference_id == conference.id,
                                                Item.status == ItemStatus.submitted).order_by(Item.id)).all():
        add(item, AgendaKind.new)
    deferred = session.exec(select(Item).where(Item.council_id == council.id, Item.status == ItemStatus.deferred,
                                               Item.conference_id != conference.id).order_by(Item.id)).all()
    for item in deferred:
        require_transition("item", item.status, ItemStatus.submitted, "lock_agenda")
        before = snapshot(item, "status", "conference_id")
        item.status = ItemStatus.submitted
        item.conference_id = conference.id
        touch(session, item, now)
        record(session, council_id=council.id, by=by, action="item.carry_over", subject=item, now=now,
               before=before, after=snapshot(item, "status", "conference_id"))
        add(item, AgendaKind.carried)
    for item in session.exec(select(Item).where(
        Item.council_id == council.id, Item.status.in_(list(WORKING_STATES)),
        Item.number.is_not(None), Item.resolution_conference_id != conference.id,
    ).order_by(Item.number)).all():
        add(item, AgendaKind.review)
    session.add_all(entries)
    conference.status = ConferenceStatus.agenda_locked
    session.add(conference)
    record(session, council_id=council.id, by=by, action="conference.lock_agenda", subject=conference, now=now,
           before={"status": ConferenceStatus.collecting},
           after={"status": ConferenceStatus.agenda_locked,
                  "new": sum(e.kind == AgendaKind.new for e in entries),
                  "carried": sum(e.kind == AgendaKind.carried for e in entries),
                  "review": sum(e.kind == AgendaKind.review for e in entries)})
    if by is not None:  # locked by hand: the members hear now, not at the next sweep
        handoffs.agenda_locked(session, council, conference, now)
    return entries


def may_hold(session: Session, council: Council, conference: Conference, by: Member | None) -> None:
    require_chair(session, council, by, "hold")
    require_transition("conference", conference.status, ConferenceStatus.held, "hold")


@use_case
def hold(session: Session, conference: Conference, *, by: Member | None, now: datetime,
         present_ids: list[int] | None = None) -> Conference:
    """agenda_locked -> held: the chair opens the meeting and records who attends."""
    council = get(session, Council, conference.council_id, "council")
    may_hold(session, council, conference, by)
    planned_on = conference.held_on
    conference.status = ConferenceStatus.held
    conference.held_at = now
    conference.held_on = today_for(council, now)  # held early or late: its real date, everywhere from now on
    session.add(conference)
    record(session, council_id=council.id, by=by, action="conference.hold", subject=conference, now=now,
           before={"status": ConferenceStatus.agenda_locked, "held_on": planned_on},
           after={"status": ConferenceStatus.held, "held_on": conference.held_on})
    if present_ids is not None:
        _record_attendance(session, council, conference, present_ids, by, now)
    return conference


def may_record_attendance(session: Session, council: Council, conference: Conference, by: Member | None) -> None:
    require_chair(session, council, by, "attend")
    require_state("conference", conference.status, {ConferenceStatus.held}, "attend")


@use_case
def record_attendance(session: Session, conference: Conference, present_ids: list[int], *,
                      by: Member | None, now: datetime) -> list[Attendance]:
    council = get(session, Council, conference.council_id, "council")
    may_record_attendance(session, council, conference, by)
    return _record_attendance(session, council, conference, present_ids, by, now)


def _record_attendance(session, council, conference, present_ids, by, now) -> list[Attendance]:
    members = {m.id: m for m in session.exec(select(Member).where(Member.council_id == council.id)).all() if m.votes}
    unknown = set(present_ids) - set(members)
    if unknown:
        raise invalid("not_members", ids="、".join(f"#{m}" for m in sorted(unknown)))
    rows = {a.member_id: a for a in session.exec(select(Attendance).where(Attendance.conference_id == conference.id)).all()}
    for member_id in members:
        row = rows.get(member_id) or Attendance(conference_id=conference.id, member_id=member_id)
        row.present = member_id in present_ids
        session.add(row)
        rows[member_id] = row
    record(session, council_id=council.id, by=by, action="conference.attendance", subject=conference, now=now,
           after={"present": sorted(present_ids), "absent": sorted(set(members) - set(present_ids))})
    return list(rows.values())


DECISIONS = {"accept": ItemStatus.accepted, "merge": ItemStatus.merged,
             "defer": ItemStatus.deferred, "reject": ItemStatus.rejected}


def may_decide(session: Session, council: Council, conference: Conference, item: Item, by: Member | None,
               decision: str = "accept") -> None:
    """The chair, at the held conference the item is on, while the item can take `decision`."""
    require_chair(session, council, by, "decide")
    require_state("conference", conference.status, {ConferenceStatus.held}, "decide")
    require_transition("item", item.status, DECISIONS[decision], decision)


@use_case
def decide(session: Session, item: Item, decision: str, *, by: Member | None, now: datetime,
           reason: str | None = None, merge_into: Item | None = None) -> Item:
    """The chair decides one agenda item: accept, merge into another, defer, or reject."""
    council = get(session, Council, item.council_id, "council")
    if decision not in DECISIONS:
        require_chair(session, council, by, "decide")
        raise invalid("bad_decision", allowed_actions=DECISIONS)
    conference = get(session, Conference, item.conference_id, "conference")
    may_decide(session, council, conference, item, by, decision)
    target = DECISIONS[decision]
    reason = (reason or "").strip() or None
    if target == ItemStatus.rejected:
        reason = required_text(reason, "reason_reject")
    before = snapshot(item, "status")
    if target == ItemStatus.merged:
        if merge_into is None or merge_into.id == item.id or merge_into.conference_id != conference.id \
                or merge_into.status not in (ItemStatus.submitted, ItemStatus.accepted):
            raise invalid("bad_merge_target")
        item.merged_into_id = merge_into.id
    if target == ItemStatus.accepted:
        item.accepted_at = now
        item.resolution_conference_id = conference.id
    if target == ItemStatus.deferred:
        item.deferrals += 1
    item.status = target
    item.decision_reason = reason
    touch(session, item, now)
    record(session, council_id=council.id, by=by, action=f"item.{decision}", subject=item, now=now,
           before=before, after=snapshot(item, "status", "decision_reason", "merged_into_id"))
    return item


def may_publish(session: Session, council: Council, conference: Conference, by: Member | None) -> None:
    """Rights and state; the use case then refuses, naming them, while agenda items are undecided."""
    require_chair(session, council, by, "publish")
    require_transition("conference", conference.status, ConferenceStatus.resolved, "publish")


@use_case
def publish_resolution(session: Session, conference: Conference, *, by: Member | None, now: datetime) -> Resolution:
    """held -> resolved: number the accepted items and freeze the written resolution."""
    council = get(session, Council, conference.council_id, "council")
    may_publish(session, council, conference, by)
    undecided = session.exec(select(Item).where(Item.conference_id == conference.id,
                                                Item.status == ItemStatus.submitted)).all()
    if undecided:
        raise IllegalTransition("undecided_items", count=len(undecided),
                                items="、".join(i.title for i in undecided[:5]))
    units = {u.id: u for u in session.exec(select(Unit).where(Unit.council_id == council.id)).all()}
    accepted = session.exec(select(Item).where(Item.resolution_conference_id == conference.id,
                                               Item.status == ItemStatus.accepted)).all()
    for item in accepted:
        missing = [name for name, value in (("goal", item.goal), ("deadline", item.deadline)) if not value]
        if missing:
            raise InvalidInput("incomplete_assignment", item=item.title, fields=missing)
    accepted = sorted(accepted, key=lambda i: (units[i.raised_by_unit_id].rotation_position, i.id))
    cooperating = _cooperating_units(session, [i.id for i in accepted])
    lines = []
    for position, item in enumerate(accepted, start=1):
        item.number = f"{conference.code}-{position:02d}"
        item.published_at = now
        item.original_deadline = item.deadline
        before = {"status": item.status}
        if item.lead_unit_id is not None:
            item.status = ItemStatus.claimed
        touch(session, item, now)
        record(session, council_id=council.id, by=by, action="item.publish", subject=item, now=now,
               before=before, after=snapshot(item, "status", "number"))
        lines.append({
            "number": item.number, "title": item.title, "category": item.category,
            "raised_by": units[item.raised_by_unit_id].name, "asks": item.asks,
            "asks_unit": units[item.asks_unit_id].name if item.asks_unit_id else None,
            "goal": item.goal, "lead_unit": units[item.lead_unit_id].name if item.lead_unit_id else None,
            "cooperating_units": [units[u].name for u in cooperating.get(item.id, [])],
            "responsible_person": item.responsible_person, "deadline": item.deadline,
        })
    others = session.exec(select(Item).where(Item.conference_id == conference.id,
                                             Item.status.in_([ItemStatus.merged, ItemStatus.deferred, ItemStatus.rejected]))).all()
    present = session.exec(select(Member.name).join(Attendance, Attendance.member_id == Member.id)
                           .where(Attendance.conference_id == conference.id, Attendance.present == True)).all()  # noqa: E712
    content = jsonable({
        "council": council.name, "code": conference.code, "held_on": conference.held_on,
        "chair": by.name if by else None, "present": sorted(present), "items": lines,
        "not_accepted": [{"title": i.title, "raised_by": units[i.raised_by_unit_id].name,
                          "decision": i.status, "reason": i.decision_reason} for i in others],
    })
    digest = hashlib.sha256(json.dumps(content, ensure_ascii=False, sort_keys=True).encode()).hexdigest()
    resolution = Resolution(conference_id=conference.id, council_id=council.id, code=conference.code,
                            published_at=now, published_by=by.id if by else None,
                            content=content, content_sha256=digest)
    session.add(resolution)
    conference.status = ConferenceStatus.resolved
    session.add(conference)
    session.flush()
    record(session, council_id=council.id, by=by, action="conference.publish", subject=conference, now=now,
           before={"status": ConferenceStatus.held},
           after={"status": ConferenceStatus.resolved, "items": len(lines), "sha256": digest})
    for item in accepted:  # each lead and cooperating unit learns its items at once
        handoffs.assigned(session, council, item, now, f"resolution-{resolution.id}")
    return resolution


def _cooperating_units(session: Session, item_ids: list[int]) -> dict[int, list[int]]:
    result: dict[int, list[int]] = {}
    if not item_ids:
        return result
    for item_id, unit_id in session.exec(select(Claim.item_id, Claim.unit_id).where(
            Claim.item_id.in_(item_ids), Claim.role == ClaimRole.cooperating,
            Claim.status == ClaimStatus.confirmed).order_by(Claim.id)).all():
        result.setdefault(item_id, []).append(unit_id)
    return result


@use_case
def amend(session: Session, item: Item, *, by: Member | None, now: datetime, reason: str,
          cancel: bool = False, goal: str | None = None, lead_unit_id: int | None = None,
          cooperating_unit_ids: list[int] | None = None, responsible_person: str | None = None) -> Amendment:
    """Change a published resolution item — or cancel it — by a numbered amendment."""
    from cobuild.actions.items import replace_cooperating, set_lead

    council = get(session, Council, item.council_id, "council")
    require_chair(session, council, by, "amend")
    if item.number is None:
        raise invalid("amend_unpublished")
    reason = required_text(reason, "reason_amend")
    if cancel:
        require_transition("item", item.status, ItemStatus.cancelled, "cancel")
    else:
        require_state("item", item.status, WORKING_STATES, "amend")
        if goal is None and lead_unit_id is None and cooperating_unit_ids is None and responsible_person is None:
            raise invalid("nothing_to_amend")
    resolution = session.exec(select(Resolution).where(Resolution.conference_id == item.resolution_conference_id)).one()
    fields = ("status", "goal", "lead_unit_id", "responsible_person")
    before = snapshot(item, *fields)
    before["cooperating"] = _cooperating_units(session, [item.id]).get(item.id, [])
    if cancel:
        item.status = ItemStatus.cancelled
    else:
        if goal is not None:
            item.goal = goal.strip() or item.goal
        if responsible_person is not None:
            item.responsible_person = responsible_person.strip() or None
        if lead_unit_id is not None and lead_unit_id != item.lead_unit_id:
            set_lead(session, council, item, get(session, Unit, lead_unit_id, "unit"), by, now)
        if cooperating_unit_ids is not None:
            replace_cooperating(session, council, item, cooperating_unit_ids, by, now)
    touch(session, item, now)
    after = snapshot(item, *fields)
    after["cooperating"] = _cooperating_units(session, [item.id]).get(item.id, [])
    seq = session.exec(select(func.count()).select_from(Amendment).where(Amendment.resolution_id == resolution.id)).one() + 1
    amendment = Amendment(resolution_id=resolution.id, seq=seq, item_id=item.id,
                          kind=AmendmentKind.cancel if cancel else AmendmentKind.change,
                          before=jsonable(before), after=jsonable(after), reason=reason, at=now,
                          by=by.id if by else None)
    session.add(amendment)
    session.flush()
    record(session, council_id=council.id, by=by, action="item.cancel" if cancel else "item.amend", subject=item,
           now=now, before=before, after={**after, "amendment": f"{resolution.code}/修{seq}"})
    return amendment


def conference_actions(session: Session, conference: Conference, by: Member | None) -> set[str]:
    """What `by` may do to `conference` now, asked of the use cases' own checks (nothing is
    written): the conference page shows exactly these controls."""
    council = get(session, Council, conference.council_id, "council")
    checks = {"lock": may_lock, "hold": may_hold, "attendance": may_record_attendance, "publish": may_publish,
              "open_window": may_open_window, "reschedule": may_reschedule}
    allowed = set(permitted({name: partial(check, session, council, conference, by) for name, check in checks.items()}))
    if by is None:
        allowed -= {"lock", "open_window"}  # the scheduler's, at the window's end; a page always has a person
    return allowed


def agenda_actions(session: Session, conference: Conference, items: list[Item], by: Member | None) -> dict[int, set[str]]:
    """Per agenda item: may `by` decide it ("decide") or set its whole assignment ("assign":
    before the resolution is published; afterwards changes are amendments)."""
    from cobuild.actions.items import may_assign

    council = get(session, Council, conference.council_id, "council")
    out: dict[int, set[str]] = {}
    for item in items:
        allowed = set(permitted({"decide": partial(may_decide, session, council, conference, item, by),
                                 "assign": partial(may_assign, session, council, item, by)}))
        if item.number is not None:
            allowed.discard("assign")
        out[item.id] = allowed
    return out
