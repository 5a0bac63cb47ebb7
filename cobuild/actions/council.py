"""Council set-up and administration (the community secretary's work)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from sqlmodel import Session, func, select

from cobuild.actions.common import (
    invalid,
    record,
    require_secretary,
    snapshot,
    use_case,
    validated,
)
from cobuild.models import (
    ChannelKind,
    ContactChannel,
    Council,
    CouncilCreate,
    CouncilSettings,
    InvalidInput,
    Member,
    MemberCreate,
    MemberRole,
    PermissionDenied,
    TemplateOverride,
    Term,
    Unit,
    UnitCreate,
    UnitKind,
)
from cobuild.models.base import add_months
from cobuild.models.terms import ChairSource
from cobuild.models.workdays import FIRST_YEAR, LAST_YEAR, parse_day


@use_case
def create_council(session: Session, *, now: datetime, **fields: Any) -> tuple[Council, Member]:
    """Create a council with its community unit and its secretary (who acts for the community)."""
    data = validated(CouncilCreate, **fields)
    if session.exec(select(Council).where(Council.name == data.name)).first():
        raise InvalidInput("duplicate", subject="council", key=data.name)
    settings = data.model_dump(exclude={"name", "community_name", "secretary_name"})
    council = Council(name=data.name, created_at=now, **settings)
    session.add(council)
    session.flush()
    community = Unit(council_id=council.id, name=data.community_name, kind=UnitKind.community, rotation_position=1)
    session.add(community)
    session.flush()
    secretary = Member(
        council_id=council.id, unit_id=community.id, name=data.secretary_name,
        role=MemberRole.secretary, is_liaison=True,
    )
    session.add(secretary)
    session.flush()
    record(session, council_id=council.id, by=secretary, action="council.create", subject=council, now=now,
           after={"name": council.name, "community": community.name, "secretary": secretary.name})
    return council, secretary


@use_case
def update_settings(session: Session, council: Council, *, by: Member | None, now: datetime, **changes: Any) -> Council:
    require_secretary(council, by)
    known = set(CouncilSettings.model_fields)
    unknown = set(changes) - known
    if unknown:
        raise invalid("unknown_setting", names=sorted(unknown))
    for field in ("extra_holidays", "extra_workdays"):  # named in the user's language, before the schema's check
        values = changes.get(field)
        for value in values if isinstance(values, (list, tuple)) else []:
            try:
                parse_day(value)
            except ValueError:
                raise InvalidInput("bad_date", field=field, value=str(value)[:40], first=FIRST_YEAR,
                                   last=LAST_YEAR) from None
    current = {name: getattr(council, name) for name in known}
    merged = validated(CouncilSettings, **{**current, **changes})
    before = {k: current[k] for k in changes}
    for key in changes:
        setattr(council, key, getattr(merged, key))
    session.add(council)
    record(session, council_id=council.id, by=by, action="council.settings", subject=council, now=now,
           before=before, after={k: getattr(council, k) for k in changes})
    return council


@use_case
def add_unit(session: Session, council: Council, *, by: Member | None, now: datetime, **fields: Any) -> Unit:
    require_secretary(council, by)
    data = validated(UnitCreate, **fields)
    if data.kind == UnitKind.community:
        raise InvalidInput("community_exists")
    if session.exec(select(Unit).where(Unit.council_id == council.id, Unit.name == data.name)).first():
        raise InvalidInput("duplicate", subject="unit", key=data.name)
    position = data.rotation_position
    if position is None:
        position = (session.exec(select(func.max(Unit.rotation_position)).where(Unit.council_id == council.id)).one() or 0) + 1
    unit = Unit(council_id=council.id, name=data.name, kind=data.kind, rotation_position=position)
    session.add(unit)
    session.flush()
    record(session, council_id=council.id, by=by, action="unit.add", subject=unit, now=now,
           after=snapshot(unit, "name", "kind", "rotation_position"))
    return unit


@use_case
def set_rotation(session: Session, council: Council, order: list[int], *, by: Member | None, now: datetime) -> list[Unit]:
    """Set the rotation order: `order` lists unit ids, first to chair first."""
    require_secretary(council, by)
    units = {u.id: u for u in session.exec(select(Unit).where(Unit.council_id == council.id)).all()}
    if sorted(order) != sorted(units) or len(set(order)) != len(order):
        raise invalid("bad_rotation")
    before = {u.id: u.rotation_position for u in units.values()}
    for position, unit_id in enumerate(order, start=1):
        units[unit_id].rotation_position = position
        session.add(units[unit_id])
    record(session, council_id=council.id, by=by, action="unit.rotation", subject=council, now=now,
           before={"order": sorted(before, key=lambda unit: before[unit])}, after={"order": order})
    return [units[i] for i in order]


@use_case
def add_member(
    session: Session, council: Council, unit: Unit, *, by: Member | None, now: datetime, **fields: Any
) -> Member:
    require_secretary(council, by)
    if unit.council_id != council.id:
        raise InvalidInput("wrong_council", subject="unit")
    data = validated(MemberCreate, **fields)
    if data.role == MemberRole.secretary:
        raise invalid("one_secretary")
    if session.exec(select(Member).where(Member.council_id == council.id, Member.name == data.name)).first():
        raise InvalidInput("duplicate", subject="member", key=data.name)
    member = Member(council_id=council.id, unit_id=unit.id, name=data.name, role=data.role,
                    is_liaison=data.is_liaison, language=data.language)
    session.add(member)
    session.flush()
    for kind, address in ((ChannelKind.email, data.email), (ChannelKind.sms, data.phone)):
        if address:
            session.add(ContactChannel(member_id=member.id, kind=kind, address=address))
    record(session, council_id=council.id, by=by, action="member.add", subject=member, now=now,
           after=snapshot(member, "name", "role", "is_liaison", "unit_id"))
    return member


@use_case
def update_member(
    session: Session, council: Council, member: Member, *, by: Member | None, now: datetime,
    is_liaison: bool | None = None, active: bool | None = None, role: MemberRole | None = None,
) -> Member:
    require_secretary(council, by)
    if member.council_id != council.id:
        raise InvalidInput("wrong_council", subject="member")
    if member.role == MemberRole.secretary and (active is False or (role and role != MemberRole.secretary)):
        raise invalid("keep_secretary")
    if role == MemberRole.secretary:
        raise invalid("one_secretary")
    before = snapshot(member, "is_liaison", "active", "role")
    if is_liaison is not None:
        member.is_liaison = is_liaison
    if active is not None:
        member.active = active
    if role is not None:
        member.role = MemberRole(role)
    session.add(member)
    record(session, council_id=council.id, by=by, action="member.update", subject=member, now=now,
           before=before, after=snapshot(member, "is_liaison", "active", "role"))
    return member


@use_case
def add_channel(
    session: Session, council: Council, member: Member, kind: str, address: str, *, by: Member | None, now: datetime
) -> ContactChannel:
    require_secretary(council, by)
    try:
        kind = ChannelKind(kind)
    except ValueError:
        raise invalid("unknown_channel", key=kind) from None
    if not address.strip():
        raise invalid("channel_address")
    if kind == ChannelKind.webhook and not address.strip().startswith(("http://", "https://", "secret:")):
        raise invalid("webhook_address")
    channel = ContactChannel(member_id=member.id, kind=kind, address=address.strip())
    session.add(channel)
    session.flush()
    record(session, council_id=council.id, by=by, action="channel.add", subject=channel, now=now,
           after={"member": member.name, "kind": kind.value})
    return channel


@use_case
def appoint_first_chair(
    session: Session, council: Council, chair: Member, starts_on: date, *, by: Member | None, now: datetime
) -> Term:
    """The founding meeting names the first chair; every later chair is elected."""
    require_secretary(council, by, "appoint")
    if session.exec(select(Term).where(Term.council_id == council.id)).first():
        raise invalid("already_has_terms")
    if chair.council_id != council.id or not chair.votes:
        raise invalid("not_a_member", person=chair.name)
    term = Term(
        council_id=council.id, number=1, starts_on=starts_on,
        ends_on=add_months(starts_on, council.term_months) - timedelta(days=1),
        chair_member_id=chair.id, chair_unit_id=chair.unit_id, chair_source=ChairSource.appointed,
    )
    session.add(term)
    session.flush()
    record(session, council_id=council.id, by=by, action="term.schedule", subject=term, now=now,
           after=snapshot(term, "number", "starts_on", "ends_on", "chair_member_id", "chair_source"))
    return term


@use_case
def set_preferences(session: Session, council: Council, member: Member, *, by: Member | None, now: datetime,
                    delivery: str | None = None, language: str | None = None) -> Member:
    """A person sets their own preferences; the secretary may set anyone's."""
    if by is None or (by.id != member.id and by.role != MemberRole.secretary) or member.council_id != council.id:
        raise PermissionDenied("not_secretary", action="administer")
    if delivery not in (None, "immediate", "digest"):
        raise invalid("bad_delivery")
    if language not in (None, "zh", "en"):
        raise invalid("bad_language")
    before = snapshot(member, "delivery", "language")
    member.delivery = delivery or member.delivery
    member.language = language or member.language
    session.add(member)
    record(session, council_id=council.id, by=by, action="member.preferences", subject=member, now=now,
           before=before, after=snapshot(member, "delivery", "language"))
    return member


@use_case
def calendar_subscription(session: Session, council: Council, member: Member, *, by: Member | None, now: datetime,
                          renew: bool = True) -> str | None:
    """A person's calendar subscription: a new secret address (the old one stops working at once),
    or with renew=False none at all. Returns the secret, shown once; only its hash is kept."""
    import hashlib
    import secrets

    if by is None or by.id != member.id or member.council_id != council.id:
        raise PermissionDenied("not_member")
    key = secrets.token_urlsafe(24) if renew else None
    member.calendar_key_hash = hashlib.sha256(key.encode()).hexdigest() if key else None
    session.add(member)
    record(session, council_id=council.id, by=by, action="member.calendar", subject=member, now=now,
           after={"subscribed": key is not None})
    return key


def calendar_member(session: Session, member_id: int, key: str) -> Member | None:
    """The person whose subscription address this is, or None (a wrong, old or revoked secret)."""
    import hashlib
    import hmac

    member = session.get(Member, member_id)
    if member is None or not member.active or not member.calendar_key_hash:
        return None
    return member if hmac.compare_digest(member.calendar_key_hash, hashlib.sha256(key.encode()).hexdigest()) else None


@use_case
def set_template(session: Session, council: Council, kind: str, part: str, language: str, source: str | None, *,
                 by: Member | None, now: datetime) -> TemplateOverride | None:
    """Save (or with None remove) a council's wording, refused unless it renders in the sandbox."""
    from cobuild.notifications.rendering import check_override
    from cobuild.notifications.samples import SAMPLES, sample

    require_secretary(council, by)
    if kind not in SAMPLES or part not in ("subject", "text", "html") or language not in ("zh", "en"):
        raise invalid("unknown_template", key=f"{kind}/{part}/{language}")
    row = session.exec(select(TemplateOverride).where(
        TemplateOverride.council_id == council.id, TemplateOverride.kind == kind,
        TemplateOverride.part == part, TemplateOverride.language == language)).first()
    if source is None:
        if row:
            session.delete(row)
        record(session, council_id=council.id, by=by, action="template.reset", subject=council, now=now,
               after={"kind": kind, "part": part, "language": language})
        return None
    problem = check_override(kind, part, source, sample(kind))
    if problem:
        raise invalid("template_broken", problem=problem)
    row = row or TemplateOverride(council_id=council.id, kind=kind, part=part, language=language, source="", updated_at=now)
    row.source, row.updated_at = source, now
    session.add(row)
    record(session, council_id=council.id, by=by, action="template.set", subject=council, now=now,
           after={"kind": kind, "part": part, "language": language})
    return row
