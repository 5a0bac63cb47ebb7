"""Every action of the web app and the API, declared once.

An Operation names a path under a council (`/items/{oid}/claims`), the row the path points at,
the request body (a pydantic model: the API documents it in OpenAPI, the pages fill it from a
form) and a function that calls the use-case layer. `cobuild.web.api` turns each one into a
JSON endpoint and `cobuild.web.pages` into a form handler, so a page and an API client can
never be allowed different things: the rights are checked inside the use cases.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Annotated, Any, Callable, Literal

from pydantic import BaseModel, Field, field_validator
from sqlmodel import Session, select

from cobuild.actions import conferences as conf
from cobuild.actions import council as cc
from cobuild.actions import items as it
from cobuild.actions import services as sv
from cobuild.actions import terms as tm
from cobuild.models import (
    Busy,
    Claim,
    Commitment,
    Conference,
    ConferenceStatus,
    Conflict,
    Council,
    Election,
    InvalidInput,
    Item,
    Member,
    NotFound,
    Term,
    Unit,
)
from cobuild.models.appraisal import AppraisalRound
from cobuild.models.base import jsonable, numbers_not_booleans
from cobuild.models.services import Offer, Order
from cobuild.platform.db import ON_EVENT_LOOP, by_id, try_write_lock
from cobuild.reports.views import conference_detail, election_row, term_row


@dataclass
class Ctx:
    """Who acts, where and when: the same for a page and an API call."""

    session: Session
    council: Council
    member: Member | None
    now: datetime
    lang: str = "zh"


def row_of(ctx: Ctx, model: type, key: int | None, subject: str):
    """A row of this council, or 404 (a row of another council is not shown to exist)."""
    row = by_id(ctx.session, model, key) if key is not None else None
    owner = getattr(row, "council_id", ctx.council.id)
    if owner is None and getattr(row, "street_id", None) is not None:  # a street's row (an appraisal round): its councils see it
        owner = ctx.council.id if row.street_id == ctx.council.street_id else None
    if row is None or owner != ctx.council.id:
        raise NotFound("not_found", subject=subject, key=key)
    return row


def unit_of(ctx: Ctx, unit_id: int | None) -> Unit:
    if unit_id is None:
        if ctx.member is None:
            raise InvalidInput("unit_needed")
        unit_id = ctx.member.unit_id
    return row_of(ctx, Unit, unit_id, "unit")


# ---- request bodies -------------------------------------------------------------------------

# a row id: positive and small enough for any database's integer (a 20-digit id is bad input, not a crash)
Id = Annotated[int, Field(ge=1, le=2**53)]

class Empty(BaseModel):
    pass


class SubmitBody(BaseModel):
    title: str = Field(min_length=2, max_length=120, description="事项标题 title")
    category: str = Field(min_length=1, max_length=40, description="one of the council's categories")
    description: str = Field(default="", max_length=4000)
    asks: Literal["community", "unit", "any"] = "any"
    asks_unit_id: Id | None = None
    unit_id: Id | None = Field(default=None, description="raising unit; default: the caller's unit")
    conference_id: Id | None = Field(default=None, description="default: the conference now collecting")


class DecisionBody(BaseModel):
    decision: Literal["accept", "merge", "defer", "reject"]
    reason: str | None = Field(default=None, max_length=1000)
    merge_into: Id | None = Field(default=None, description="item id, for decision=merge")


class AssignBody(BaseModel):
    goal: str | None = Field(default=None, max_length=1000)
    lead_unit_id: Id | None = None
    cooperating_unit_ids: list[Id] | None = None
    responsible_person: str | None = Field(default=None, max_length=100)
    deadline: date | None = None


class AmendBody(BaseModel):
    reason: str = Field(min_length=1, max_length=1000)
    cancel: bool = False
    goal: str | None = Field(default=None, max_length=1000)
    lead_unit_id: Id | None = None
    cooperating_unit_ids: list[Id] | None = None
    responsible_person: str | None = Field(default=None, max_length=100)


class AttendanceBody(BaseModel):
    present_ids: list[Id] = Field(default_factory=list, description="member ids present")


class ClaimBody(BaseModel):
    role: Literal["lead", "cooperating"] = "lead"
    unit_id: Id | None = Field(default=None, description="default: the caller's unit")


class ClaimDecisionBody(BaseModel):
    confirm: bool = True
    reason: str | None = Field(default=None, max_length=1000)


class ProgressBody(BaseModel):
    note: str = Field(default="", max_length=4000)
    percent: int | None = Field(default=None, ge=0, le=100)
    evidence: list[str] = Field(default_factory=list, description="file ids from POST …/uploads")

    _numbers_are_numbers = field_validator("*", mode="before")(numbers_not_booleans)


class CloseOutBody(BaseModel):
    note: str = Field(default="", max_length=4000)
    evidence: list[str] = Field(default_factory=list)


class VerifyBody(BaseModel):
    satisfaction: int = Field(ge=1, le=5, description="1–5")
    comment: str = Field(default="", max_length=1000)


class ReasonBody(BaseModel):
    reason: str = Field(min_length=1, max_length=1000)


class ExtendBody(BaseModel):
    deadline: date
    reason: str = Field(min_length=1, max_length=1000)


class RescheduleBody(BaseModel):
    held_on: date = Field(description="the new date (moved to the next working day when it is a day off)")


class VoteBody(BaseModel):
    candidate_id: Id


class StatementBody(BaseModel):
    text: str = Field(min_length=1, max_length=8000)


class CommitmentBody(BaseModel):
    title: str = Field(min_length=1, max_length=200)
    description: str = Field(default="", max_length=2000)
    due_on: date | None = None


class CloseCommitmentBody(BaseModel):
    fulfilled: bool = True
    note: str = Field(default="", max_length=2000)


class EvaluationBody(BaseModel):
    grade: str | None = Field(default=None, max_length=20)
    score: int | None = Field(default=None, ge=0, le=100)
    comment: str | None = Field(default=None, max_length=2000)


def _settings_body() -> type[BaseModel]:
    """Every council setting (models/councils.py CouncilSettings), each optional: only the given
    ones change, and the use case validates the result as a whole."""
    from pydantic import ConfigDict, create_model

    from cobuild.models import CouncilSettings

    fields = {name: (f.annotation | None, None) for name, f in CouncilSettings.model_fields.items()}
    return create_model("SettingsBody", __config__=ConfigDict(extra="forbid"), **fields,  # type: ignore[call-overload]
                        __validators__={"numbers_not_booleans": field_validator("*", mode="before")(numbers_not_booleans)})


SettingsBody = _settings_body()


class UnitBody(BaseModel):
    name: str = Field(min_length=1, max_length=200)
    kind: str = "other"


class RotationBody(BaseModel):
    order: list[Id] = Field(min_length=1, description="unit ids in rotation order")


class MemberBody(BaseModel):
    unit_id: Id
    name: str = Field(min_length=1, max_length=100)
    role: Literal["secretary", "deputy", "member", "staff"] = "member"
    is_liaison: bool = False
    email: str | None = None
    phone: str | None = None
    language: Literal["zh", "en"] = "zh"


class MemberUpdateBody(BaseModel):
    is_liaison: bool | None = None
    active: bool | None = None
    role: Literal["secretary", "deputy", "member", "staff"] | None = None


class ChannelBody(BaseModel):
    kind: str = Field(description="email, sms, wecom, dingtalk, feishu, webhook, file")
    address: str = Field(min_length=1, max_length=500)


class PreferencesBody(BaseModel):
    delivery: Literal["immediate", "digest"] | None = None
    language: Literal["zh", "en"] | None = None


class TemplateBody(BaseModel):
    kind: str
    part: Literal["subject", "text", "html"]
    language: Literal["zh", "en"] = "zh"
    source: str | None = Field(default=None, max_length=20000, description="null resets to the default")


# ---- the operations -------------------------------------------------------------------------

@dataclass
class Operation:
    name: str
    path: str  # under /councils/{cid}; {oid} is the row of `subject`
    subject: tuple[type, str] | None
    body: type[BaseModel]
    run: Callable[[Ctx, Any, Any], Any]
    summary: str
    status: int = 200
    # writes a whole list or round (many rows, many messages): the API runs it in a worker thread,
    # not on the event loop, so the reads served there are not held up while it runs
    long: bool = False


def _item(ctx: Ctx, item: Item) -> dict:
    """An action's answer: the item's row as the action left it (GET …/items/{id} has the timeline —
    returning the whole history after every action made a busy item's updates grow slower). Not
    read again: the session keeps what it committed (`expire_on_commit=False`), and an attribute
    that a rollback expired loads by itself."""
    from cobuild.models.base import today_for
    from cobuild.reports.views import item_row, unit_names

    row = item_row(item, unit_names(ctx.session, ctx.council.id), today_for(ctx.council, ctx.now))
    return jsonable({**row, "version": item.version})


def _conference(ctx: Ctx, conference: Conference) -> dict:
    ctx.session.refresh(conference)
    return conference_detail(ctx.session, ctx.council, conference)


def _collecting(ctx: Ctx, conference_id: int | None) -> Conference:
    if conference_id is not None:
        return row_of(ctx, Conference, conference_id, "conference")
    found = ctx.session.exec(select(Conference).where(Conference.council_id == ctx.council.id,
                                                      Conference.status == ConferenceStatus.collecting)
                             .order_by(Conference.id)).first()
    if found is None:
        raise InvalidInput("no_collecting")
    return found


def submit(ctx: Ctx, _, b: SubmitBody):
    fields = b.model_dump(exclude={"unit_id", "conference_id"})
    item = it.submit_item(ctx.session, _collecting(ctx, b.conference_id), unit_of(ctx, b.unit_id),
                          by=ctx.member, now=ctx.now, **fields)
    return _item(ctx, item)


def decide(ctx: Ctx, item: Item, b: DecisionBody):
    target = row_of(ctx, Item, b.merge_into, "item") if b.merge_into is not None else None
    conf.decide(ctx.session, item, b.decision, by=ctx.member, now=ctx.now, reason=b.reason, merge_into=target)
    return _item(ctx, item)


def assign(ctx: Ctx, item: Item, b: AssignBody):
    it.assign(ctx.session, item, by=ctx.member, now=ctx.now, **b.model_dump(exclude_unset=True))
    return _item(ctx, item)


def amend(ctx: Ctx, item: Item, b: AmendBody):
    conf.amend(ctx.session, item, by=ctx.member, now=ctx.now, **b.model_dump(exclude_unset=True))
    return _item(ctx, item)


def claim(ctx: Ctx, item: Item, b: ClaimBody):
    row = it.claim(ctx.session, item, unit_of(ctx, b.unit_id), b.role, by=ctx.member, now=ctx.now)
    return {"claim": {"id": row.id, "status": row.status, "role": row.role}, "item": _item(ctx, item)}


def decide_claim(ctx: Ctx, row: Claim, b: ClaimDecisionBody):
    item = row_of(ctx, Item, row.item_id, "item")
    it.decide_claim(ctx.session, row, by=ctx.member, now=ctx.now, confirm=b.confirm, reason=b.reason)
    return _item(ctx, item)


def progress(ctx: Ctx, item: Item, b: ProgressBody):
    it.post_progress(ctx.session, item, by=ctx.member, now=ctx.now, note=b.note, percent=b.percent,
                     evidence=_evidence(ctx, b.evidence))
    return _item(ctx, item)


def _evidence(ctx: Ctx, ids: list[str]) -> list[str] | None:
    from cobuild.platform.uploads import check_reference

    return [check_reference(ctx.council.id, ref) for ref in ids] or None


def close_out(ctx: Ctx, item: Item, b: CloseOutBody):
    it.request_close_out(ctx.session, item, by=ctx.member, now=ctx.now, note=b.note,
                         evidence=_evidence(ctx, b.evidence))
    return _item(ctx, item)


def verify(ctx: Ctx, item: Item, b: VerifyBody):
    it.verify_close_out(ctx.session, item, by=ctx.member, now=ctx.now, satisfaction=b.satisfaction, comment=b.comment)
    return _item(ctx, item)


def send_back(ctx: Ctx, item: Item, b: ReasonBody):
    it.send_back(ctx.session, item, by=ctx.member, now=ctx.now, reason=b.reason)
    return _item(ctx, item)


def reopen(ctx: Ctx, item: Item, b: ReasonBody):
    it.reopen(ctx.session, item, by=ctx.member, now=ctx.now, reason=b.reason)
    return _item(ctx, item)


def decline(ctx: Ctx, item: Item, b: ReasonBody):
    it.decline_assignment(ctx.session, item, by=ctx.member, now=ctx.now, reason=b.reason)
    return _item(ctx, item)


def extend(ctx: Ctx, item: Item, b: ExtendBody):
    it.extend_deadline(ctx.session, item, b.deadline, by=ctx.member, now=ctx.now, reason=b.reason)
    return _item(ctx, item)


def hurry(ctx: Ctx, item: Item, _b):
    it.hurry(ctx.session, item, by=ctx.member, now=ctx.now)
    return _item(ctx, item)


def withdraw(ctx: Ctx, item: Item, _b):
    it.withdraw_item(ctx.session, item, by=ctx.member, now=ctx.now)
    return _item(ctx, item)


def attendance(ctx: Ctx, conference: Conference, b: AttendanceBody):
    conf.record_attendance(ctx.session, conference, b.present_ids, by=ctx.member, now=ctx.now)
    return _conference(ctx, conference)


def hold(ctx: Ctx, conference: Conference, b: AttendanceBody):
    conf.hold(ctx.session, conference, by=ctx.member, now=ctx.now, present_ids=b.present_ids or None)
    return _conference(ctx, conference)


def open_window(ctx: Ctx, conference: Conference, _b):
    conf.open_window(ctx.session, conference, by=ctx.member, now=ctx.now)
    return _conference(ctx, conference)


def reschedule(ctx: Ctx, conference: Conference, b: RescheduleBody):
    conf.reschedule(ctx.session, conference, b.held_on, by=ctx.member, now=ctx.now)
    return _conference(ctx, conference)


def lock(ctx: Ctx, conference: Conference, _b):
    conf.lock_agenda(ctx.session, conference, by=ctx.member, now=ctx.now)
    return _conference(ctx, conference)


def publish(ctx: Ctx, conference: Conference, _b):
    resolution = conf.publish_resolution(ctx.session, conference, by=ctx.member, now=ctx.now)
    return {"resolution": {"code": resolution.code, "sha256": resolution.content_sha256},
            "conference": _conference(ctx, conference)}


def vote(ctx: Ctx, election: Election, b: VoteBody):
    candidate = row_of(ctx, Member, b.candidate_id, "member")
    tm.cast_vote(ctx.session, election, candidate, by=ctx.member, now=ctx.now)
    ctx.session.refresh(election)
    return election_row(ctx.session, election)


def statement(ctx: Ctx, term: Term, b: StatementBody):
    tm.publish_statement(ctx.session, term, b.text, by=ctx.member, now=ctx.now)
    ctx.session.refresh(term)
    return term_row(ctx.session, term)


def commitment(ctx: Ctx, term: Term, b: CommitmentBody):
    tm.add_commitment(ctx.session, term, b.title, by=ctx.member, now=ctx.now, description=b.description, due_on=b.due_on)
    ctx.session.refresh(term)
    return term_row(ctx.session, term)


def close_commitment(ctx: Ctx, row: Commitment, b: CloseCommitmentBody):
    tm.close_commitment(ctx.session, row, by=ctx.member, now=ctx.now, fulfilled=b.fulfilled, note=b.note)
    term = ctx.session.get(Term, row.term_id)
    return term_row(ctx.session, term)


def evaluate(ctx: Ctx, term: Term, b: EvaluationBody):
    tm.cast_evaluation(ctx.session, term, by=ctx.member, now=ctx.now, grade=b.grade, score=b.score, comment=b.comment)
    ctx.session.refresh(term)
    return term_row(ctx.session, term)


def settings(ctx: Ctx, _, b):
    from cobuild.models import CouncilSettings

    council = cc.update_settings(ctx.session, ctx.council, by=ctx.member, now=ctx.now, **b.model_dump(exclude_unset=True))
    return jsonable({"id": council.id, "name": council.name,
                     **{name: getattr(council, name) for name in CouncilSettings.model_fields}})


def unit_dict(unit: Unit) -> dict:
    return {"id": unit.id, "name": unit.name, "kind": str(unit.kind), "rotation_position": unit.rotation_position,
            "active": unit.active}


def add_unit(ctx: Ctx, _, b: UnitBody):
    return unit_dict(cc.add_unit(ctx.session, ctx.council, by=ctx.member, now=ctx.now, **b.model_dump()))


def rotation(ctx: Ctx, _, b: RotationBody):
    return [unit_dict(u) for u in cc.set_rotation(ctx.session, ctx.council, b.order, by=ctx.member, now=ctx.now)]


def add_member(ctx: Ctx, _, b: MemberBody):
    unit = row_of(ctx, Unit, b.unit_id, "unit")
    member = cc.add_member(ctx.session, ctx.council, unit, by=ctx.member, now=ctx.now,
                           **b.model_dump(exclude={"unit_id"}))
    return member_dict(member)


def member_dict(member: Member) -> dict:
    return {"id": member.id, "unit_id": member.unit_id, "name": member.name, "role": str(member.role),
            "is_liaison": member.is_liaison, "active": member.active, "language": member.language,
            "delivery": member.delivery}


def update_member(ctx: Ctx, member: Member, b: MemberUpdateBody):
    cc.update_member(ctx.session, ctx.council, member, by=ctx.member, now=ctx.now, **b.model_dump(exclude_unset=True))
    ctx.session.refresh(member)
    return member_dict(member)


def add_channel(ctx: Ctx, member: Member, b: ChannelBody):
    row = cc.add_channel(ctx.session, ctx.council, member, b.kind, b.address, by=ctx.member, now=ctx.now)
    return {"id": row.id, "member_id": member.id, "kind": row.kind}


def preferences(ctx: Ctx, member: Member, b: PreferencesBody):
    cc.set_preferences(ctx.session, ctx.council, member, by=ctx.member, now=ctx.now, **b.model_dump(exclude_unset=True))
    ctx.session.refresh(member)
    return {"id": member.id, "delivery": member.delivery, "language": member.language}


def template(ctx: Ctx, _, b: TemplateBody):
    cc.set_template(ctx.session, ctx.council, b.kind, b.part, b.language, b.source, by=ctx.member, now=ctx.now)
    return {"kind": b.kind, "part": b.part, "language": b.language, "overridden": b.source is not None}


# ---- the service menu (SPEC.md §9) ----------------------------------------------------------------

class OfferBody(BaseModel):
    title: str = Field(min_length=2, max_length=100, description="服务项目名称")
    category: str = Field(min_length=1, max_length=40, description="公共服务 / 社会服务 / 市场服务 or the council's own")
    description: str = Field(default="", max_length=2000)
    team: str = Field(default="", max_length=200, description="服务队 or the members who serve")
    capacity_per_month: int | None = Field(default=None, ge=1, le=10_000)
    availability: str = Field(default="", max_length=200)
    how_to_order: str = Field(default="", max_length=500)
    unit_id: Id | None = Field(default=None, description="offering unit; default: the caller's unit")
    draft: bool = Field(default=False, description="save without listing it on the menu")

    _numbers_are_numbers = field_validator("*", mode="before")(numbers_not_booleans)


class OfferEditBody(BaseModel):
    title: str | None = Field(default=None, min_length=2, max_length=100)
    category: str | None = Field(default=None, min_length=1, max_length=40)
    description: str | None = Field(default=None, max_length=2000)
    team: str | None = Field(default=None, max_length=200)
    capacity_per_month: int | None = Field(default=None, ge=1, le=10_000)
    availability: str | None = Field(default=None, max_length=200)
    how_to_order: str | None = Field(default=None, max_length=500)

    _numbers_are_numbers = field_validator("*", mode="before")(numbers_not_booleans)


class OfferStatusBody(BaseModel):
    step: Literal["list", "pause", "withdraw"]


class VolunteerBody(BaseModel):
    name: str = Field(min_length=1, max_length=100)
    unit_id: Id | None = Field(default=None, description="default: the caller's unit")
    contact: str = Field(default="", max_length=100)
    skills: str = Field(default="", max_length=500)
    posts: list[Annotated[str, Field(max_length=40)]] = Field(default_factory=list, max_length=20,
                                                                description="service posts claimed (认领服务岗位)")
    team: str = Field(default="", max_length=40, description="service team (服务队)")
    reported_on: date | None = None


class OrderBody(BaseModel):
    offer_id: Id | None = Field(default=None, description="order from this offer; none: open to every unit")
    title: str | None = Field(default=None, min_length=2, max_length=100, description="default: the offer's title")
    need: str = Field(default="", max_length=2000, description="what residents need")
    place: str = Field(default="", max_length=200)
    wanted_on: date | None = None
    residents: int | None = Field(default=None, ge=1, le=100_000)

    _numbers_are_numbers = field_validator("*", mode="before")(numbers_not_booleans)


class TakeBody(BaseModel):
    service_on: date | None = Field(default=None, description="the service date, when known")


class ScheduleBody(BaseModel):
    service_on: date


class ServiceBody(BaseModel):
    served_on: date
    hours: float = Field(gt=0, le=1000)
    residents_served: int = Field(ge=0, le=100_000)
    note: str = Field(default="", max_length=2000)
    evidence: list[str] = Field(default_factory=list, description="file ids from POST …/uploads (photos)")
    served_by: list[Id] = Field(default_factory=list, description="member ids of the unit's people who served")

    _numbers_are_numbers = field_validator("*", mode="before")(numbers_not_booleans)


class RatingBody(BaseModel):
    rating: int = Field(ge=1, le=5, description="1–5")
    comment: str = Field(default="", max_length=1000)

    _numbers_are_numbers = field_validator("*", mode="before")(numbers_not_booleans)


class AnswerBody(BaseModel):
    answer: str = Field(min_length=1, max_length=1000)


def offer_dict(ctx: Ctx, offer: Offer) -> dict:
    from cobuild.reports.services import offer_row

    ctx.session.refresh(offer)
    return offer_row(ctx.session, offer, ctx.lang)


def order_dict(ctx: Ctx, order: Order) -> dict:
    from cobuild.reports.services import order_row

    ctx.session.refresh(order)
    return order_row(ctx.session, order, ctx.lang)


def add_offer(ctx: Ctx, _, b: OfferBody):
    unit = unit_of(ctx, b.unit_id)
    offer = sv.publish_offer(ctx.session, ctx.council, unit, by=ctx.member, now=ctx.now, listed=not b.draft,
                             **b.model_dump(exclude={"unit_id", "draft"}))
    return offer_dict(ctx, offer)


def edit_offer(ctx: Ctx, offer: Offer, b: OfferEditBody):
    return offer_dict(ctx, sv.edit_offer(ctx.session, offer, by=ctx.member, now=ctx.now, **b.model_dump(exclude_unset=True)))


def offer_status(ctx: Ctx, offer: Offer, b: OfferStatusBody):
    return offer_dict(ctx, sv.set_offer_status(ctx.session, offer, b.step, by=ctx.member, now=ctx.now))


def add_volunteer(ctx: Ctx, _, b: VolunteerBody):
    from cobuild.reports.services import volunteer_row

    unit = unit_of(ctx, b.unit_id)
    row = sv.register_volunteer(ctx.session, ctx.council, unit, by=ctx.member, now=ctx.now,
                                **b.model_dump(exclude={"unit_id"}))
    return volunteer_row(ctx.session, row)


def place_order(ctx: Ctx, _, b: OrderBody):
    offer = row_of(ctx, Offer, b.offer_id, "offer") if b.offer_id else None
    order = sv.place_order(ctx.session, ctx.council, offer, by=ctx.member, now=ctx.now,
                           **b.model_dump(exclude={"offer_id"}, exclude_none=True))
    return order_dict(ctx, order)


def take_order(ctx: Ctx, order: Order, b: TakeBody):
    return order_dict(ctx, sv.take_order(ctx.session, order, by=ctx.member, now=ctx.now, service_on=b.service_on))


def decline_order(ctx: Ctx, order: Order, b: ReasonBody):
    return order_dict(ctx, sv.decline_order(ctx.session, order, by=ctx.member, now=ctx.now, reason=b.reason))


def schedule_order(ctx: Ctx, order: Order, b: ScheduleBody):
    return order_dict(ctx, sv.schedule_order(ctx.session, order, by=ctx.member, now=ctx.now, service_on=b.service_on))


def record_service(ctx: Ctx, order: Order, b: ServiceBody):
    return order_dict(ctx, sv.record_service(ctx.session, order, by=ctx.member, now=ctx.now, **b.model_dump()))


def rate_order(ctx: Ctx, order: Order, b: RatingBody):
    return order_dict(ctx, sv.rate_order(ctx.session, order, by=ctx.member, now=ctx.now, rating=b.rating, comment=b.comment))


def answer_order(ctx: Ctx, order: Order, b: AnswerBody):
    return order_dict(ctx, sv.answer_order(ctx.session, order, by=ctx.member, now=ctx.now, answer=b.answer))


def close_order(ctx: Ctx, order: Order, _b: Empty):
    return order_dict(ctx, sv.close_order(ctx.session, order, by=ctx.member, now=ctx.now))


def cancel_order(ctx: Ctx, order: Order, b: ReasonBody):
    return order_dict(ctx, sv.cancel_order(ctx.session, order, by=ctx.member, now=ctx.now, reason=b.reason))


# ---- the yearly appraisal (SPEC.md §10) -------------------------------------------------------------

class RoundBody(BaseModel):
    year: int = Field(ge=2000, le=2100)
    self_due: date
    closes_on: date
    excellent_cap: float | None = Field(default=None, gt=0, le=1, description="at most this share rated 优秀, e.g. 0.2")
    quantitative: int = Field(default=50, ge=0, le=100, description="weight of the quantitative part")
    street: int = Field(default=20, ge=0, le=100)
    community: int = Field(default=20, ge=0, le=100)
    residents: int = Field(default=10, ge=0, le=100)

    _numbers_are_numbers = field_validator("*", mode="before")(numbers_not_booleans)


class ScoresBody(BaseModel):
    duty: int = Field(ge=0, le=100, description="履职尽责")
    results: int = Field(ge=0, le=100, description="共建成效")
    service: int = Field(ge=0, le=100, description="服务群众")

    _numbers_are_numbers = field_validator("*", mode="before")(numbers_not_booleans)


class SelfBody(ScoresBody):
    report: str = Field(min_length=1, max_length=4000)
    unit_id: Id | None = Field(default=None, description="default: the caller's unit")


class RatingScoresBody(ScoresBody):
    unit_id: Id
    comment: str = Field(default="", max_length=1000)


class CodesBody(BaseModel):
    count: int = Field(ge=1, le=2000)

    _numbers_are_numbers = field_validator("*", mode="before")(numbers_not_booleans)


def _round_dict(ctx: Ctx, row) -> dict:
    from cobuild.reports.appraisal import round_view

    ctx.session.refresh(row)
    return round_view(ctx.session, row)


def open_round(ctx: Ctx, _, b: RoundBody):
    from cobuild.actions import appraisal as ap

    weights = {k: getattr(b, k) for k in ("quantitative", "street", "community", "residents")}
    row = ap.open_round(ctx.session, now=ctx.now, year=b.year, self_due=b.self_due, closes_on=b.closes_on, council=ctx.council,
                        by=ctx.member, weights=weights, excellent_cap=b.excellent_cap)
    return _round_dict(ctx, row)


def self_evaluate(ctx: Ctx, row, b: SelfBody):
    from cobuild.actions import appraisal as ap

    ap.submit_self(ctx.session, row, unit_of(ctx, b.unit_id), by=ctx.member, now=ctx.now, report=b.report,
                   scores=b.model_dump(include={"duty", "results", "service"}))
    return _round_dict(ctx, row)


def rate_unit(ctx: Ctx, row, b: RatingScoresBody):
    from cobuild.actions import appraisal as ap

    ap.rate_unit(ctx.session, row, row_of(ctx, Unit, b.unit_id, "unit"), now=ctx.now, by=ctx.member, comment=b.comment,
                 scores=b.model_dump(include={"duty", "results", "service"}))
    return _round_dict(ctx, row)


def issue_codes(ctx: Ctx, row, b: CodesBody):
    from cobuild.actions import appraisal as ap

    return {"round_id": row.id, "codes": ap.issue_codes(ctx.session, row, ctx.council, b.count, by=ctx.member, now=ctx.now)}


def publish_round(ctx: Ctx, row, _b: Empty):
    from cobuild.actions import appraisal as ap

    return _round_dict(ctx, ap.publish_round(ctx.session, row, now=ctx.now, by=ctx.member))


ITEM = (Item, "item")
CONF = (Conference, "conference")
ROUND = (AppraisalRound, "appraisal")
OFFER = (Offer, "offer")
ORDER = (Order, "order")

OPERATIONS: list[Operation] = [
    Operation("item.submit", "/items", None, SubmitBody, submit, "提交事项 Submit an item", 201),
    Operation("item.withdraw", "/items/{oid}/withdraw", ITEM, Empty, withdraw, "撤回事项 Withdraw an item"),
    Operation("item.decide", "/items/{oid}/decision", ITEM, DecisionBody, decide,
              "会议决定 Decide an agenda item (chair)"),
    Operation("item.assign", "/items/{oid}/assignment", ITEM, AssignBody, assign,
              "明确目标、牵头、配合、责任人、时限 Assign (chair)"),
    Operation("item.amend", "/items/{oid}/amendments", ITEM, AmendBody, amend, "修正案 Amend after publication (chair)", 201),
    Operation("item.claim", "/items/{oid}/claims", ITEM, ClaimBody, claim, "认领 Claim as lead or cooperating unit", 201),
    Operation("claim.decide", "/claims/{oid}/decision", (Claim, "claim"), ClaimDecisionBody, decide_claim,
              "确认或驳回认领 Confirm or decline a claim (chair)"),
    Operation("item.progress", "/items/{oid}/progress", ITEM, ProgressBody, progress, "报告进展 Post progress", 201),
    Operation("item.close_out", "/items/{oid}/close-out", ITEM, CloseOutBody, close_out, "申请销号 Request close-out"),
    Operation("item.verify", "/items/{oid}/verification", ITEM, VerifyBody, verify,
              "验收销号 Verify a close-out (raising unit)"),
    Operation("item.send_back", "/items/{oid}/send-back", ITEM, ReasonBody, send_back, "退回 Send back (raising unit)"),
    Operation("item.reopen", "/items/{oid}/reopen", ITEM, ReasonBody, reopen, "重启 Reopen (raising unit)"),
    Operation("item.decline", "/items/{oid}/decline", ITEM, ReasonBody, decline,
              "退回指派 Decline an assignment (lead unit)"),
    Operation("item.extend", "/items/{oid}/extension", ITEM, ExtendBody, extend, "延期 Extend the deadline (chair)"),
    Operation("item.hurry", "/items/{oid}/hurry", ITEM, Empty, hurry,
              "催办 Hurry the lead unit (chair or secretary, once a day)"),
    Operation("conference.attendance", "/conferences/{oid}/attendance", CONF, AttendanceBody, attendance,
              "出席 Record attendance (chair)"),
    Operation("conference.open_window", "/conferences/{oid}/window", CONF, Empty, open_window,
              "开启征集 Open the submission window early (chair)"),
    Operation("conference.reschedule", "/conferences/{oid}/schedule", CONF, RescheduleBody, reschedule,
              "调整会期 Move a planned conference (chair)"),
    Operation("conference.lock", "/conferences/{oid}/lock", CONF, Empty, lock, "锁定议程 Lock the agenda (chair)",
              long=True),
    Operation("conference.hold", "/conferences/{oid}/hold", CONF, AttendanceBody, hold, "召开会议 Hold (chair)"),
    Operation("conference.publish", "/conferences/{oid}/publish", CONF, Empty, publish,
              "发布决议 Publish the resolution (chair)", long=True),
    Operation("election.vote", "/elections/{oid}/votes", (Election, "election"), VoteBody, vote, "投票 Vote", 201),
    Operation("term.statement", "/terms/{oid}/statement", (Term, "term"), StatementBody, statement,
              "就职表态 Inaugural statement (chair)"),
    Operation("term.commitment", "/terms/{oid}/commitments", (Term, "term"), CommitmentBody, commitment,
              "承诺事项 Add a commitment (chair)", 201),
    Operation("commitment.close", "/commitments/{oid}/close", (Commitment, "commitment"), CloseCommitmentBody,
              close_commitment, "承诺兑现 Close a commitment (chair)"),
    Operation("term.evaluate", "/terms/{oid}/evaluations", (Term, "term"), EvaluationBody, evaluate,
              "届末测评 Evaluate the term", 201),
    Operation("council.settings", "/settings", None, SettingsBody, settings, "设置 Change settings (secretary)"),
    Operation("council.add_unit", "/units", None, UnitBody, add_unit, "新增单位 Add a unit (secretary)", 201),
    Operation("council.rotation", "/rotation", None, RotationBody, rotation, "轮值顺序 Rotation order (secretary)"),
    Operation("council.add_member", "/members", None, MemberBody, add_member, "新增成员 Add a member (secretary)", 201),
    Operation("member.update", "/members/{oid}", (Member, "member"), MemberUpdateBody, update_member,
              "修改成员 Update a member (secretary)"),
    Operation("member.channel", "/members/{oid}/channels", (Member, "member"), ChannelBody, add_channel,
              "联系方式 Add a contact channel (secretary)", 201),
    Operation("member.preferences", "/members/{oid}/preferences", (Member, "member"), PreferencesBody, preferences,
              "提醒偏好 Reminder preferences (self or secretary)"),
    Operation("council.template", "/templates", None, TemplateBody, template,
              "消息模板 Set or reset a message template (secretary)"),
    Operation("offer.add", "/offers", None, OfferBody, add_offer, "发布服务项目 Put a service on the menu (liaison)", 201),
    Operation("offer.edit", "/offers/{oid}", OFFER, OfferEditBody, edit_offer, "修改服务项目 Edit an offer (liaison)"),
    Operation("offer.status", "/offers/{oid}/status", OFFER, OfferStatusBody, offer_status,
              "上架、暂停或下架 List, pause or withdraw an offer (liaison)"),
    Operation("volunteer.register", "/volunteers", None, VolunteerBody, add_volunteer,
              "在职党员报到 Register an in-service party member (liaison)", 201),
    Operation("order.place", "/orders", None, OrderBody, place_order, "下单 Order a service (secretary, liaison)", 201),
    Operation("order.take", "/orders/{oid}/take", ORDER, TakeBody, take_order, "接单 Take an order"),
    Operation("order.decline", "/orders/{oid}/decline", ORDER, ReasonBody, decline_order, "婉拒 Decline an order (offering unit)"),
    Operation("order.schedule", "/orders/{oid}/schedule", ORDER, ScheduleBody, schedule_order, "约定服务时间 Set the service date"),
    Operation("order.serve", "/orders/{oid}/service", ORDER, ServiceBody, record_service, "记录服务 Record the service"),
    Operation("order.rate", "/orders/{oid}/rating", ORDER, RatingBody, rate_order, "评价服务 Rate the service (who ordered)"),
    Operation("order.answer", "/orders/{oid}/answer", ORDER, AnswerBody, answer_order, "回复评价 Answer the rating (unit)"),
    Operation("order.close", "/orders/{oid}/close", ORDER, Empty, close_order, "办结订单 Close a rated order (who ordered)"),
    Operation("order.cancel", "/orders/{oid}/cancel", ORDER, ReasonBody, cancel_order, "撤销订单 Cancel an order (who ordered)"),
    Operation("appraisal.open", "/appraisals", None, RoundBody, open_round, "开启年度考评 Open the yearly appraisal (secretary)", 201,
              long=True),
    Operation("appraisal.self", "/appraisals/{oid}/self", ROUND, SelfBody, self_evaluate,
              "提交自评 Submit the unit's self-evaluation (liaison)"),
    Operation("appraisal.rate", "/appraisals/{oid}/ratings", ROUND, RatingScoresBody, rate_unit,
              "社区评分 Rate a unit as the community (secretary)"),
    Operation("appraisal.codes", "/appraisals/{oid}/codes", ROUND, CodesBody, issue_codes,
              "发放群众评议码 Issue residents' single-use codes (secretary)", 201, long=True),
    Operation("appraisal.publish", "/appraisals/{oid}/publish", ROUND, Empty, publish_round,
              "发布考评结果 Publish the result (secretary, a council's own round)", long=True),
]

BY_NAME = {op.name: op for op in OPERATIONS}


CONFLICT_RETRIES = 3


def perform(ctx: Ctx, op: Operation, oid: int | None, body: BaseModel) -> Any:
    """Run one action. A write refused only because another request changed the same row a
    moment earlier (the item's version check or a unique key: Conflict "concurrent") is run
    again from a fresh read, up to CONFLICT_RETRIES times, so two liaisons posting progress on
    one item at once both succeed, and a second lead claim meets the rule it broke ("already
    has a lead") instead of a bare conflict. Each attempt checks its rules against the state it
    finally applies to, as if the requests had come one after the other: a retry reads inside
    the write lock (SQLite: BEGIN IMMEDIATE; PostgreSQL: the subject row FOR UPDATE), so it
    cannot lose the same race again. A request is never retried after anything of it was
    committed."""
    from sqlalchemy import event

    from cobuild.models import PermissionDenied

    if ctx.member is None:  # the street office reads a council, never writes it
        raise PermissionDenied("street_read_only")
    committed: list[bool] = []

    def mark(_session) -> None:
        committed.append(True)

    event.listen(ctx.session, "after_commit", mark)
    try:
        for attempt in range(CONFLICT_RETRIES + 1):
            try:
                if attempt:
                    _lock_for_retry(ctx, op, oid)
                subject = row_of(ctx, op.subject[0], oid, op.subject[1]) if op.subject else None
                return jsonable(op.run(ctx, subject, body))
            except Conflict as exc:
                if exc.code != "concurrent" or committed or attempt == CONFLICT_RETRIES:
                    raise
                ctx.session.rollback()
                ctx.session.expire_all()
    finally:
        event.remove(ctx.session, "after_commit", mark)


def _lock_for_retry(ctx: Ctx, op: Operation, oid: int | None) -> None:
    if ctx.session.get_bind().dialect.name == "sqlite":
        if ctx.session.info.get(ON_EVENT_LOOP):  # the API's quick_write: waiting would stall the loop
            if not try_write_lock(ctx.session):
                raise Busy("busy")
        else:
            ctx.session.connection().exec_driver_sql("BEGIN IMMEDIATE")
    elif op.subject and oid is not None:
        ctx.session.get(op.subject[0], oid, with_for_update=True, populate_existing=True)
