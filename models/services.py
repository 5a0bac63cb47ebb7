"""The service menu (菜单式服务, SPEC.md §9): units' offers, the in-service party members who
reported to the community (在职党员报到), and orders (下单 → 接单 → 服务 → 反馈)."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from pydantic import field_validator
from sqlalchemy import Column, Index, String
from sqlmodel import Field, SQLModel

from cobuild.models.base import JSONType, UTCDateTime, plain_text
from cobuild.models.errors import Conflict

SERVICE_CATEGORIES = ("公共服务", "社会服务", "市场服务")  # the source's three; a council adds its own
SERVICE_TEAMS = ("教育医疗", "扶贫帮困", "治安维稳", "环境保护", "法律咨询")  # the source's service teams (服务队)


class OfferStatus(StrEnum):
    draft = "draft"
    listed = "listed"
    paused = "paused"
    withdrawn = "withdrawn"


class OrderStatus(StrEnum):
    placed = "placed"  # 待接单
    taken = "taken"  # 已接单, no date yet
    declined = "declined"  # the offering unit said no, with a reason (a directed order only)
    scheduled = "scheduled"  # a service date agreed
    served = "served"  # the service is recorded (服务纪实); waiting for the community's rating
    rated = "rated"  # the community rated it; the unit may answer
    closed = "closed"  # answered, or closed by the community
    cancelled = "cancelled"  # by whoever ordered it, before it was served


OFFER_TRANSITIONS: dict[OfferStatus, frozenset[OfferStatus]] = {
    OfferStatus.draft: frozenset({OfferStatus.listed, OfferStatus.withdrawn}),
    OfferStatus.listed: frozenset({OfferStatus.paused, OfferStatus.withdrawn}),
    OfferStatus.paused: frozenset({OfferStatus.listed, OfferStatus.withdrawn}),
    OfferStatus.withdrawn: frozenset(),
}

OS = OrderStatus
ORDER_TRANSITIONS: dict[OrderStatus, frozenset[OrderStatus]] = {
    # taking an order with a date schedules it in the same step
    OS.placed: frozenset({OS.taken, OS.scheduled, OS.declined, OS.cancelled}),
    OS.taken: frozenset({OS.scheduled, OS.cancelled}),
    OS.scheduled: frozenset({OS.scheduled, OS.served, OS.cancelled}),  # scheduled → scheduled: a new date
    OS.served: frozenset({OS.rated}),
    OS.rated: frozenset({OS.closed}),
    OS.declined: frozenset(),
    OS.closed: frozenset(),
    OS.cancelled: frozenset(),
}
OPEN_ORDER_STATES = frozenset({OS.placed, OS.taken, OS.scheduled, OS.served, OS.rated})
SERVED_STATES = frozenset({OS.served, OS.rated, OS.closed})


def require_order_step(subject: str, current: str, target: str, action: str) -> None:
    """Refuse a step the state does not allow, naming the state and what can be done instead."""
    table: dict = ORDER_TRANSITIONS if subject == "order" else OFFER_TRANSITIONS
    allowed = table.get(current, frozenset())
    if target not in allowed:
        steps = sorted(str(s) for s in allowed)
        if subject == "order":
            raise Conflict("order_state", order_state=current, action=action, next_steps=steps)
        raise Conflict("offer_state", offer_state=current, action=action, next_steps=steps)


class OfferWrite(SQLModel):
    """What a liaison types for an offer; validated before anything is written."""

    title: str = Field(min_length=2, max_length=100)
    category: str = Field(min_length=1, max_length=40)
    description: str = Field(default="", max_length=2000)
    team: str = Field(default="", max_length=200)
    capacity_per_month: int | None = Field(default=None, ge=1, le=10_000)
    availability: str = Field(default="", max_length=200)
    how_to_order: str = Field(default="", max_length=500)

    @field_validator("title", "category", "team", "availability", mode="before")
    @classmethod
    def _one_line(cls, value: object) -> object:
        return plain_text(value)

    @field_validator("description", "how_to_order", mode="before")
    @classmethod
    def _lines(cls, value: object) -> object:
        return plain_text(value, multiline=True)


class Offer(SQLModel, table=True):
    """A service a unit puts on the council's menu (服务项目)."""

    id: int | None = Field(default=None, primary_key=True)
    council_id: int = Field(foreign_key="council.id", index=True)
    unit_id: int = Field(foreign_key="unit.id", index=True)
    title: str = Field(max_length=100)
    category: str = Field(max_length=40)
    description: str = Field(default="", max_length=2000)
    team: str = Field(default="", max_length=200)  # the service team (服务队) or the members who serve
    capacity_per_month: int | None = None
    availability: str = Field(default="", max_length=200)
    how_to_order: str = Field(default="", max_length=500)
    status: OfferStatus = Field(default=OfferStatus.listed, sa_type=String(16))
    created_by: int | None = Field(default=None, foreign_key="member.id")
    created_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    updated_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))


class Volunteer(SQLModel, table=True):
    """An in-service party member (在职党员) who reported (报到) to the community: a person of the
    council (a `Member` of their unit, with their own sign-in, preferences and to-do) and what they
    bring — skills, the service posts they claim (认领服务岗位), their service team."""

    member_id: int = Field(foreign_key="member.id", primary_key=True)
    council_id: int = Field(foreign_key="council.id", index=True)
    unit_id: int = Field(foreign_key="unit.id", index=True)
    contact: str = Field(default="", max_length=100)
    skills: str = Field(default="", max_length=500)
    posts: list = Field(default_factory=list, sa_column=Column(JSONType, nullable=False))
    team: str = Field(default="", max_length=40)
    reported_on: date


class OrderWrite(SQLModel):
    """What the community (or a unit) asks for."""

    title: str = Field(min_length=2, max_length=100)
    need: str = Field(default="", max_length=2000)  # what residents need
    place: str = Field(default="", max_length=200)
    wanted_on: date | None = None
    residents: int | None = Field(default=None, ge=1, le=100_000)  # how many people it is for

    @field_validator("title", "place", mode="before")
    @classmethod
    def _one_line(cls, value: object) -> object:
        return plain_text(value)

    @field_validator("need", mode="before")
    @classmethod
    def _lines(cls, value: object) -> object:
        return plain_text(value, multiline=True)


class ServiceRecord(SQLModel):
    """服务纪实: what was done, checked before it is written on the order."""

    served_on: date
    hours: float = Field(gt=0, le=1000)
    residents_served: int = Field(ge=0, le=100_000)
    note: str = Field(default="", max_length=2000)

    @field_validator("note", mode="before")
    @classmethod
    def _lines(cls, value: object) -> object:
        return plain_text(value, multiline=True)


class Order(SQLModel, table=True):
    """An order (下单) from an offer, or open to the whole menu (offer_id None), and everything
    that follows it: who took it, the service date, the record, the rating and the answer."""

    __table_args__ = (Index("ix_order_council_status", "council_id", "status"),)
    id: int | None = Field(default=None, primary_key=True)
    council_id: int = Field(foreign_key="council.id", index=True)
    offer_id: int | None = Field(default=None, foreign_key="offer.id", index=True)
    # the offering unit (a directed order), then the unit that took it
    unit_id: int | None = Field(default=None, foreign_key="unit.id", index=True)
    title: str = Field(max_length=100)
    need: str = Field(default="", max_length=2000)
    place: str = Field(default="", max_length=200)
    wanted_on: date | None = None
    residents: int | None = None
    status: OrderStatus = Field(default=OrderStatus.placed, sa_type=String(16))
    placed_by: int = Field(foreign_key="member.id")
    placed_by_unit_id: int = Field(foreign_key="unit.id")
    placed_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    taken_by: int | None = Field(default=None, foreign_key="member.id")  # a liaison, or the volunteer who took it
    taken_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime(), nullable=True))
    reason: str | None = Field(default=None, max_length=1000)  # why declined or cancelled
    service_on: date | None = None
    served_on: date | None = None
    hours: float | None = None
    residents_served: int | None = None
    record_note: str = Field(default="", max_length=2000)
    evidence: list = Field(default_factory=list, sa_column=Column(JSONType, nullable=False))
    served_by: list = Field(default_factory=list, sa_column=Column(JSONType, nullable=False))  # member ids
    recorded_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime(), nullable=True))
    rating: int | None = None
    comment: str = Field(default="", max_length=1000)
    rated_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime(), nullable=True))
    answer: str = Field(default="", max_length=1000)
    updated_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
