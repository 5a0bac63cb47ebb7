"""The service menu's use cases (SPEC.md §9): offers, in-service party members reporting,
and orders from 下单 to 双向反馈. Each checks rights and state first (`may_*`), writes one audit
event per change and tells the people who now have something to do, in the same transaction."""

from __future__ import annotations

from datetime import date, datetime

from sqlmodel import Session, select

from cobuild.actions.common import (
    get,
    invalid,
    record,
    require_liaison,
    required_text,
    snapshot,
    use_case,
    validated,
)
from cobuild.actions.handoffs import liaisons, queue_about
from cobuild.models import (
    Conflict,
    Council,
    InvalidInput,
    Member,
    MemberRole,
    PermissionDenied,
    Unit,
)
from cobuild.models.base import plain_text, today_for
from cobuild.models.services import (
    Offer,
    OfferStatus,
    OfferWrite,
    Order,
    OrderStatus,
    OrderWrite,
    ServiceRecord,
    Volunteer,
    require_order_step,
)

TRACKED = ("status", "unit_id", "taken_by", "service_on", "served_on", "hours", "residents_served", "rating")


# ---- offers ---------------------------------------------------------------------------------

def may_manage_offer(session: Session, council: Council, unit: Unit, by: Member | None, action: str) -> Member:
    """A unit's liaison manages its offers; the secretary may too (the community's own, or on a
    unit's behalf when it sends its menu on paper)."""
    if by is not None and by.council_id == council.id and by.role == MemberRole.secretary and by.active:
        return by
    return require_liaison(session, by, unit, action)


@use_case
def publish_offer(session: Session, council: Council, unit: Unit, *, by: Member | None, now: datetime,
                  listed: bool = True, **fields) -> Offer:
    if unit.council_id != council.id:
        raise InvalidInput("wrong_council", subject="unit")
    member = may_manage_offer(session, council, unit, by, "offer")
    data = validated(OfferWrite, **fields)
    offer = Offer(council_id=council.id, unit_id=unit.id, created_by=member.id, created_at=now, updated_at=now,
                  status=OfferStatus.listed if listed else OfferStatus.draft, **data.model_dump())
    session.add(offer)
    session.flush()
    record(session, council_id=council.id, by=member, action="offer.publish", subject=offer, now=now,
           after={"unit": unit.name, **snapshot(offer, "title", "category", "status")})
    return offer


@use_case
def edit_offer(session: Session, offer: Offer, *, by: Member | None, now: datetime, **fields) -> Offer:
    council = get(session, Council, offer.council_id, "council")
    member = may_manage_offer(session, council, get(session, Unit, offer.unit_id, "unit"), by, "edit_offer")
    if offer.status == OfferStatus.withdrawn:
        require_order_step("offer", offer.status, OfferStatus.listed, "edit_offer")
    current = {name: getattr(offer, name) for name in OfferWrite.model_fields}
    data = validated(OfferWrite, **{**current, **{k: v for k, v in fields.items() if v is not None}})
    before = snapshot(offer, *OfferWrite.model_fields)
    for name, value in data.model_dump().items():
        setattr(offer, name, value)
    offer.updated_at = now
    session.add(offer)
    record(session, council_id=council.id, by=member, action="offer.edit", subject=offer, now=now, before=before,
           after=snapshot(offer, *OfferWrite.model_fields))
    return offer


OFFER_STEPS = {"list": OfferStatus.listed, "pause": OfferStatus.paused, "withdraw": OfferStatus.withdrawn}


@use_case
def set_offer_status(session: Session, offer: Offer, step: str, *, by: Member | None, now: datetime) -> Offer:
    """list (上架), pause (暂停接单) or withdraw (下架) an offer; orders already placed stay."""
    council = get(session, Council, offer.council_id, "council")
    if step not in OFFER_STEPS:
        raise invalid("bad_offer_step")
    member = may_manage_offer(session, council, get(session, Unit, offer.unit_id, "unit"), by, f"{step}_offer")
    require_order_step("offer", offer.status, OFFER_STEPS[step], f"{step}_offer")
    before = snapshot(offer, "status")
    offer.status, offer.updated_at = OFFER_STEPS[step], now
    session.add(offer)
    record(session, council_id=council.id, by=member, action=f"offer.{step}", subject=offer, now=now, before=before,
           after=snapshot(offer, "status"))
    return offer


# ---- in-service party members (在职党员报到) -------------------------------------------------

@use_case
def register_volunteer(session: Session, council: Council, unit: Unit, *, by: Member | None, now: datetime, name: str,
                       contact: str = "", skills: str = "", posts: list[str] | None = None, team: str = "",
                       reported_on: date | None = None, member: Member | None = None) -> Volunteer:
    """A unit registers one of its party members who reported to the community: a person of the
    council (a new staff member of the unit unless `member` is given) with their skills and the
    service posts they claim. They sign in with an account like anyone else."""
    if unit.council_id != council.id:
        raise InvalidInput("wrong_council", subject="unit")
    actor = may_manage_offer(session, council, unit, by, "register_volunteer")
    if member is None:
        name = str(plain_text(name or "")).strip()
        if not 1 <= len(name) <= 100:
            raise invalid("volunteer_name")
        if session.exec(select(Member).where(Member.council_id == council.id, Member.name == name)).first():
            raise InvalidInput("duplicate", subject="member", key=name)
        member = Member(council_id=council.id, unit_id=unit.id, name=name, role=MemberRole.staff, is_liaison=False)
        session.add(member)
        session.flush()
        record(session, council_id=council.id, by=actor, action="member.add", subject=member, now=now,
               after=snapshot(member, "name", "role", "is_liaison", "unit_id"))
    elif member.unit_id != unit.id:
        raise invalid("volunteer_other_unit")
    if session.get(Volunteer, member.id) is not None:
        raise Conflict("already_volunteer", person=member.name)
    clean = [p.strip() for p in (posts or []) if p and p.strip()]
    if len(clean) > 20 or any(len(p) > 40 for p in clean) or len(contact) > 100 or len(skills) > 500 or len(team) > 40:
        raise invalid("volunteer_fields")
    row = Volunteer(member_id=member.id, council_id=council.id, unit_id=unit.id, contact=contact.strip(),
                    skills=skills.strip(), posts=clean, team=team.strip(), reported_on=reported_on or today_for(council, now))
    session.add(row)
    session.flush()
    record(session, council_id=council.id, by=actor, action="volunteer.register", subject=row, now=now,
           after={"member": member.name, "unit": unit.name, "posts": clean, "team": row.team})
    return row


def volunteer_of(session: Session, member: Member | None) -> Volunteer | None:
    return session.get(Volunteer, member.id) if member is not None and member.id is not None else None


# ---- orders ---------------------------------------------------------------------------------

def may_place(session: Session, council: Council, offer: Offer | None, by: Member | None) -> Member:
    """The secretary orders for residents; a unit's liaison may order another unit's service."""
    if by is None or by.council_id != council.id or not by.active or not (by.role == MemberRole.secretary or by.is_liaison):
        raise PermissionDenied("order_placer")
    if offer is not None:
        if offer.status != OfferStatus.listed:
            raise Conflict("offer_not_listed", title=offer.title)
        if offer.unit_id == by.unit_id and by.role != MemberRole.secretary:
            raise invalid("own_offer")
    return by


@use_case
def place_order(session: Session, council: Council, offer: Offer | None, *, by: Member | None, now: datetime,
                **fields) -> Order:
    """下单: from an offer (to its unit), or open to every unit on the menu (offer None)."""
    if offer is not None and offer.council_id != council.id:
        raise InvalidInput("wrong_council", subject="offer")
    member = may_place(session, council, offer, by)
    if offer is not None and not fields.get("title"):
        fields["title"] = offer.title
    data = validated(OrderWrite, **fields)
    order = Order(council_id=council.id, offer_id=offer.id if offer else None, unit_id=offer.unit_id if offer else None,
                  placed_by=member.id, placed_by_unit_id=member.unit_id, placed_at=now, updated_at=now, **data.model_dump())
    session.add(order)
    session.flush()
    record(session, council_id=council.id, by=member, action="order.place", subject=order, now=now,
           after=snapshot(order, "title", "offer_id", "unit_id", "wanted_on", "residents", "status"))
    if order.unit_id is not None:
        tell_order(session, council, order, offering_people(session, order.unit_id), "order_step", now, "placed")
    else:
        everyone = [p for unit_id in _other_units(session, council, member.unit_id) for p in liaisons(session, unit_id)]
        tell_order(session, council, order, everyone, "order_step", now, "placed_open")
    return order


def _other_units(session: Session, council: Council, unit_id: int) -> list[int]:
    return list(session.exec(select(Unit.id).where(Unit.council_id == council.id, Unit.active == True,  # noqa: E712
                                                   Unit.id != unit_id).order_by(Unit.id)).all())


def offering_people(session: Session, unit_id: int) -> list[Member]:
    """Who hears about an order to a unit: its liaisons."""
    return liaisons(session, unit_id)


def _orderer(session: Session, order: Order) -> list[Member]:
    person = session.get(Member, order.placed_by)
    return [person] if person and person.active else []


def _takers(session: Session, order: Order) -> list[Member]:
    """The people of the unit that took the order: the volunteer who took it, and the liaisons."""
    people = liaisons(session, order.unit_id)
    taker = session.get(Member, order.taken_by) if order.taken_by else None
    return ([taker] if taker and taker.active and taker not in people else []) + people


def tell_order(session: Session, council: Council, order: Order, people: list[Member], kind: str, now: datetime, step: str,
         **context: object) -> int:
    from cobuild.reports.services import order_message

    message = order_message(session, order)
    # the step names the event (short: the outbox's column); the moment tells a new date from a retry
    return queue_about(session, council, people, kind, now, step, "order", order.id,
                       {"order": message, "event": step, **STEP_DEFAULTS, **context}, basis=str(int(now.timestamp())))


# every order message's template reads these (the step decides which it shows)
STEP_DEFAULTS = {"by": "", "reason": "", "rating": None, "comment": "", "answer": "", "residents_served": 0, "hours": 0,
                 "days": 0}


def may_take(session: Session, council: Council, order: Order, by: Member | None) -> tuple[Member, Unit]:
    """A liaison of the offering unit (or of any other unit, for an open order), or a registered
    party member of that unit, takes the order for their unit."""
    if by is None or by.council_id != council.id or not by.active:
        raise PermissionDenied("order_placer")
    unit = get(session, Unit, by.unit_id, "unit")
    if order.unit_id is not None and order.unit_id != unit.id:
        raise PermissionDenied("not_offering_unit", unit=get(session, Unit, order.unit_id, "unit").name, action="take_order")
    if order.unit_id is None and unit.id == order.placed_by_unit_id:
        raise invalid("own_offer")
    if not by.is_liaison and volunteer_of(session, by) is None:
        raise PermissionDenied("not_volunteer", person=by.name, unit=unit.name)
    require_order_step("order", order.status, OrderStatus.taken, "take_order")
    return by, unit


@use_case
def take_order(session: Session, order: Order, *, by: Member | None, now: datetime, service_on: date | None = None) -> Order:
    """接单, with the service date when it is known (then the order is scheduled at once)."""
    council = get(session, Council, order.council_id, "council")
    member, unit = may_take(session, council, order, by)
    if service_on is not None and service_on < today_for(council, now):
        raise invalid("service_in_past")
    before = snapshot(order, *TRACKED)
    order.unit_id, order.taken_by, order.taken_at = unit.id, member.id, now
    order.status = OrderStatus.scheduled if service_on else OrderStatus.taken
    order.service_on = service_on
    _write(session, council, order, member, "order.take", now, before)
    tell_order(session, council, order, _orderer(session, order), "order_step", now, "taken", by=member.name)
    return order


def may_decline(session: Session, council: Council, order: Order, by: Member | None) -> Member:
    if order.offer_id is None:
        raise invalid("open_order_no_decline")
    unit = get(session, Unit, order.unit_id, "unit")
    member = require_liaison(session, by, unit, "decline_order")
    require_order_step("order", order.status, OrderStatus.declined, "decline_order")
    return member


@use_case
def decline_order(session: Session, order: Order, *, by: Member | None, now: datetime, reason: str) -> Order:
    council = get(session, Council, order.council_id, "council")
    member = may_decline(session, council, order, by)
    before = snapshot(order, *TRACKED)
    order.reason, order.status = required_text(reason, "reason_decline_order"), OrderStatus.declined
    _write(session, council, order, member, "order.decline", now, before, reason=order.reason)
    tell_order(session, council, order, _orderer(session, order), "order_step", now, "declined", reason=order.reason)
    return order


def may_serve(session: Session, order: Order, by: Member | None, action: str) -> Member:
    """The taker's steps: a liaison of the unit that took the order, or the volunteer who took it
    (a volunteer acts only on their own orders)."""
    if by is None or not by.active or order.unit_id is None or by.unit_id != order.unit_id or not (
            by.is_liaison or by.id == order.taken_by):
        taker = session.get(Member, order.taken_by) if order.taken_by else None
        raise PermissionDenied("not_taker", taker=taker.name if taker else "-", action=action)
    return by


def _write(session: Session, council: Council, order: Order, member: Member, action: str, now: datetime, before: dict,
           **extra: object) -> None:
    """The end of every order step: the row, its audit event (what changed, and the step's text)."""
    order.updated_at = now
    session.add(order)
    record(session, council_id=council.id, by=member, action=action, subject=order, now=now, before=before,
           after={**snapshot(order, *TRACKED), **extra})


@use_case
def schedule_order(session: Session, order: Order, *, by: Member | None, now: datetime, service_on: date) -> Order:
    council = get(session, Council, order.council_id, "council")
    member = may_serve(session, order, by, "schedule_order")
    require_order_step("order", order.status, OrderStatus.scheduled, "schedule_order")
    if service_on < today_for(council, now):
        raise invalid("service_in_past")
    before = snapshot(order, *TRACKED)
    order.service_on, order.status = service_on, OrderStatus.scheduled
    _write(session, council, order, member, "order.schedule", now, before)
    tell_order(session, council, order, _orderer(session, order), "order_step", now, "scheduled")
    return order


@use_case
def record_service(session: Session, order: Order, *, by: Member | None, now: datetime, served_on: date, hours: float,
                   residents_served: int, note: str = "", evidence: list[str] | None = None,
                   served_by: list[int] | None = None) -> Order:
    """服务纪实: the day, the hours, the residents served, photos, and who served (the unit's people)."""
    council = get(session, Council, order.council_id, "council")
    member = may_serve(session, order, by, "record_service")
    require_order_step("order", order.status, OrderStatus.served, "record_service")
    data = validated(ServiceRecord, served_on=served_on, hours=hours, residents_served=residents_served, note=note)
    if data.served_on > today_for(council, now):
        raise invalid("served_in_future", day=data.served_on.isoformat())
    people = list(dict.fromkeys(served_by or ([member.id] if volunteer_of(session, member) else [])))
    for person_id in people:
        person = session.get(Member, person_id)
        if person is None or person.unit_id != order.unit_id:
            raise invalid("served_by_other_unit")
    if not member.is_liaison and people != [member.id]:
        raise invalid("served_by_self_only")  # a volunteer records their own service only
    before = snapshot(order, *TRACKED)
    order.served_on, order.hours, order.residents_served = data.served_on, data.hours, data.residents_served
    order.record_note, order.served_by, order.recorded_at = data.note, people, now
    order.evidence = [e.strip() for e in (evidence or []) if e and e.strip()]
    order.status = OrderStatus.served
    _write(session, council, order, member, "order.serve", now, before, evidence=order.evidence, served_by=people)
    tell_order(session, council, order, _orderer(session, order), "order_step", now, "served",
         residents_served=order.residents_served, hours=order.hours)
    return order


def may_rate(session: Session, council: Council, order: Order, by: Member | None, action: str) -> Member:
    if by is None or not by.active or by.council_id != council.id or not (
            by.id == order.placed_by or by.role == MemberRole.secretary):
        person = session.get(Member, order.placed_by)
        raise PermissionDenied("not_orderer", person=person.name if person else "-", action=action)
    return by


@use_case
def rate_order(session: Session, order: Order, *, by: Member | None, now: datetime, rating: int, comment: str = "") -> Order:
    """The community rates the service (1–5 and a comment); the unit hears it."""
    council = get(session, Council, order.council_id, "council")
    member = may_rate(session, council, order, by, "rate_order")
    require_order_step("order", order.status, OrderStatus.rated, "rate_order")
    if not isinstance(rating, int) or isinstance(rating, bool) or not 1 <= rating <= 5:
        raise invalid("rating_range")
    before = snapshot(order, *TRACKED)
    order.rating, order.comment, order.rated_at = rating, (comment or "").strip()[:1000], now
    order.status = OrderStatus.rated
    _write(session, council, order, member, "order.rate", now, before, comment=order.comment)
    tell_order(session, council, order, _takers(session, order), "order_step", now, "rated", rating=rating, comment=order.comment)
    return order


@use_case
def answer_order(session: Session, order: Order, *, by: Member | None, now: datetime, answer: str) -> Order:
    """双向反馈: the unit answers the community's rating, which closes the order."""
    council = get(session, Council, order.council_id, "council")
    member = may_serve(session, order, by, "answer_order")
    require_order_step("order", order.status, OrderStatus.closed, "answer_order")
    before = snapshot(order, *TRACKED)
    order.answer, order.status = required_text(answer, "answer_needed")[:1000], OrderStatus.closed
    _write(session, council, order, member, "order.answer", now, before, answer=order.answer)
    tell_order(session, council, order, _orderer(session, order), "order_step", now, "answered", answer=order.answer)
    return order


@use_case
def close_order(session: Session, order: Order, *, by: Member | None, now: datetime) -> Order:
    """The community closes a rated order without waiting for the unit's answer."""
    council = get(session, Council, order.council_id, "council")
    member = may_rate(session, council, order, by, "close_order")
    require_order_step("order", order.status, OrderStatus.closed, "close_order")
    before = snapshot(order, *TRACKED)
    order.status = OrderStatus.closed
    _write(session, council, order, member, "order.close", now, before)
    return order


@use_case
def cancel_order(session: Session, order: Order, *, by: Member | None, now: datetime, reason: str) -> Order:
    """Whoever ordered (or the secretary) cancels before the service is recorded."""
    council = get(session, Council, order.council_id, "council")
    member = may_rate(session, council, order, by, "cancel_order")
    require_order_step("order", order.status, OrderStatus.cancelled, "cancel_order")
    before = snapshot(order, *TRACKED)
    order.reason, order.status = required_text(reason, "reason_cancel_order"), OrderStatus.cancelled
    _write(session, council, order, member, "order.cancel", now, before, reason=order.reason)
    if order.taken_by or order.unit_id:
        tell_order(session, council, order, _takers(session, order), "order_step", now, "cancelled", reason=order.reason)
    return order


def order_actions(session: Session, council: Council, order: Order, by: Member | None) -> set[str]:
    """The steps `by` may take on this order now (the page shows exactly these)."""
    from cobuild.models import DomainError

    checks = {
        "take": lambda: may_take(session, council, order, by),
        "decline": lambda: may_decline(session, council, order, by),
        "schedule": lambda: (may_serve(session, order, by, "schedule_order"),
                             require_order_step("order", order.status, OrderStatus.scheduled, "schedule_order")),
        "record": lambda: (may_serve(session, order, by, "record_service"),
                           require_order_step("order", order.status, OrderStatus.served, "record_service")),
        "rate": lambda: (may_rate(session, council, order, by, "rate_order"),
                         require_order_step("order", order.status, OrderStatus.rated, "rate_order")),
        "answer": lambda: (may_serve(session, order, by, "answer_order"),
                           require_order_step("order", order.status, OrderStatus.closed, "answer_order")),
        "close": lambda: (may_rate(session, council, order, by, "close_order"),
                          require_order_step("order", order.status, OrderStatus.closed, "close_order")),
        "cancel": lambda: (may_rate(session, council, order, by, "cancel_order"),
                           require_order_step("order", order.status, OrderStatus.cancelled, "cancel_order")),
    }
    allowed = set()
    for name, check in checks.items():
        try:
            check()
        except DomainError:
            continue
        allowed.add(name)
    return allowed
