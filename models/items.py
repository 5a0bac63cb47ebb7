"""Co-building items (共建事项), claims, progress, extensions and close-out."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from pydantic import field_validator, model_validator
from sqlalchemy import Column, Index, Integer, String, UniqueConstraint, and_, or_, text
from sqlmodel import Field, SQLModel

from cobuild.models.base import JSONType, UTCDateTime, plain_text
from cobuild.models.lifecycle import WORKING_STATES, ItemStatus


class AskKind(StrEnum):
    community = "community"  # the unit asks the community
    unit = "unit"  # the community (or a unit) asks one given unit
    any = "any"  # any unit may take it on


class ItemSubmit(SQLModel):
    """What a liaison sends in; validated before anything is written."""

    category: str = Field(min_length=1, max_length=40)
    title: str = Field(min_length=2, max_length=120)
    description: str = Field(default="", max_length=4000)
    asks: AskKind = AskKind.any
    asks_unit_id: int | None = None

    @field_validator("title", "category", mode="before")
    @classmethod
    def _one_line(cls, value: object) -> object:
        return plain_text(value)  # before the length checks: "   " is empty, not 3 characters

    @field_validator("description", mode="before")
    @classmethod
    def _lines(cls, value: object) -> object:
        return plain_text(value, multiline=True)

    @model_validator(mode="after")
    def _target(self):
        if self.asks == AskKind.unit and self.asks_unit_id is None:
            raise ValueError("v_asks_unit")
        if self.asks != AskKind.unit and self.asks_unit_id is not None:
            raise ValueError("v_asks_any")
        return self


# optimistic concurrency: SQLAlchemy adds "AND version = <the version read>" to every UPDATE of
# an item, and `touch` bumps it on every change; a writer that read a stale item is refused
# (StaleDataError → Conflict 409) instead of overwriting someone else's change
# a deadline this far after its conference is a typing mistake (9999-12-31), not a plan
MAX_DEADLINE_YEARS = 3

_ITEM_VERSION = Column("version", Integer, nullable=False, default=1)


class Item(SQLModel, table=True):
    __mapper_args__ = {"version_id_col": _ITEM_VERSION, "version_id_generator": False}
    __table_args__ = (
        UniqueConstraint("council_id", "number"),
        Index("ix_item_open_deadline", "status", "deadline"),
        # the sweep's only query: numbered items whose next reminder is due (NULL: schedule to
        # compute) — two index ranges per batch, whatever the number of open items
        Index("ix_item_next_reminder", "status", "next_reminder_at", sqlite_where=text("number IS NOT NULL"),
              postgresql_where=text("number IS NOT NULL")),
    )
    id: int | None = Field(default=None, primary_key=True)
    council_id: int = Field(foreign_key="council.id", index=True)
    # where it was first raised, and the conference whose agenda holds it now
    raised_conference_id: int = Field(foreign_key="conference.id", index=True)
    conference_id: int = Field(foreign_key="conference.id", index=True)
    # the conference whose resolution confirmed it (and numbered it)
    resolution_conference_id: int | None = Field(default=None, foreign_key="conference.id", index=True)
    number: str | None = Field(default=None, max_length=24)
    raised_by_unit_id: int = Field(foreign_key="unit.id", index=True)
    submitted_by: int | None = Field(default=None, foreign_key="member.id")
    asks: AskKind = Field(sa_type=String(16))
    asks_unit_id: int | None = Field(default=None, foreign_key="unit.id")
    category: str = Field(max_length=40)
    title: str = Field(max_length=120)
    description: str = ""
    status: ItemStatus = Field(default=ItemStatus.submitted, sa_type=String(16), index=True)
    decision_reason: str | None = None
    merged_into_id: int | None = Field(default=None, foreign_key="item.id")
    deferrals: int = 0
    # assignment (项目化推进)
    goal: str | None = None
    lead_unit_id: int | None = Field(default=None, foreign_key="unit.id", index=True)
    responsible_person: str | None = Field(default=None, max_length=100)
    deadline: date | None = None
    original_deadline: date | None = None
    extensions: int = 0
    # close-out
    latest_percent: int = 0
    close_requested_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    closed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    closed_on: date | None = None
    closed_on_time: bool | None = None
    days_to_close: int | None = None
    satisfaction: int | None = None
    send_backs: int = 0
    reopens: int = 0
    submitted_at: datetime = Field(sa_type=UTCDateTime)
    accepted_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    published_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    updated_at: datetime = Field(sa_type=UTCDateTime)
    # optimistic concurrency: every change bumps it, a stale writer is refused (see _ITEM_VERSION)
    version: int = Field(default=1, sa_column=_ITEM_VERSION)
    # when the sweep must look at this item again; NULL after any change (recompute)
    next_reminder_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class ClaimRole(StrEnum):
    lead = "lead"
    cooperating = "cooperating"


class ClaimStatus(StrEnum):
    pending = "pending"
    confirmed = "confirmed"
    declined = "declined"  # the chair said no
    withdrawn = "withdrawn"  # the unit gave back an item it had been assigned to lead


class Claim(SQLModel, table=True):
    __table_args__ = (
        # a unit holds at most one live claim per role on an item: of 50 simultaneous claims
        # by the same unit the database lets exactly one in
        Index("uq_claim_live", "item_id", "unit_id", "role", unique=True,
              sqlite_where=text("status IN ('pending', 'confirmed')"),
              postgresql_where=text("status IN ('pending', 'confirmed')")),
    )
    id: int | None = Field(default=None, primary_key=True)
    item_id: int = Field(foreign_key="item.id", index=True)
    unit_id: int = Field(foreign_key="unit.id", index=True)
    role: ClaimRole = Field(sa_type=String(16))
    status: ClaimStatus = Field(default=ClaimStatus.pending, sa_type=String(16))
    claimed_by: int | None = Field(default=None, foreign_key="member.id")
    claimed_at: datetime = Field(sa_type=UTCDateTime)
    decided_by: int | None = Field(default=None, foreign_key="member.id")
    decided_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    reason: str | None = None


class ProgressReport(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    item_id: int = Field(foreign_key="item.id", index=True)
    unit_id: int = Field(foreign_key="unit.id")
    member_id: int | None = Field(default=None, foreign_key="member.id")
    percent: int | None = Field(default=None, ge=0, le=100)
    note: str = ""
    evidence: list[str] = Field(default_factory=list, sa_type=JSONType)
    at: datetime = Field(sa_type=UTCDateTime)


class DeadlineExtension(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    item_id: int = Field(foreign_key="item.id", index=True)
    old_deadline: date
    new_deadline: date
    reason: str
    by: int | None = Field(default=None, foreign_key="member.id")
    at: datetime = Field(sa_type=UTCDateTime)


class CloseOutOutcome(StrEnum):
    pending = "pending"
    accepted = "accepted"
    sent_back = "sent_back"


class CloseOut(SQLModel, table=True):
    """A close-out (销号) request and its verification by the raising party."""

    id: int | None = Field(default=None, primary_key=True)
    item_id: int = Field(foreign_key="item.id", index=True)
    requested_by: int | None = Field(default=None, foreign_key="member.id")
    requested_at: datetime = Field(sa_type=UTCDateTime)
    note: str = ""
    evidence: list[str] = Field(default_factory=list, sa_type=JSONType)
    outcome: CloseOutOutcome = Field(default=CloseOutOutcome.pending, sa_type=String(16))
    verified_by: int | None = Field(default=None, foreign_key="member.id")
    verified_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    reason: str | None = None
    satisfaction: int | None = None


# ---- pure rules -------------------------------------------------------------------------


def is_overdue(status: str, deadline: date | None, today: date) -> bool:
    """Derived, never stored: the deadline has passed and the item is not closed."""
    return deadline is not None and status in WORKING_STATES and today > deadline


# The item table's columns, one name for every statement built of them (the item list, the sweep).
# The clauses below are of them too: they serve a select of the model (the ORM) and a select of the
# table's columns alike (the item list, web/queries.py).
ITEM_COLUMNS = Item.__table__.c


def overdue_clause(today: date):
    """`is_overdue` in SQL, for the queries that count or list overdue items (read through the
    (status, deadline) index)."""
    return and_(ITEM_COLUMNS.status.in_(sorted(WORKING_STATES)), ITEM_COLUMNS.deadline.is_not(None), ITEM_COLUMNS.deadline < today)


def not_due_clause(today: date):
    """Items still being worked whose deadline has not come (or is not set): 未到期. They count
    in neither the completion rate's denominator nor the overdue count."""
    return and_(ITEM_COLUMNS.status.in_(sorted(WORKING_STATES)), or_(ITEM_COLUMNS.deadline.is_(None), ITEM_COLUMNS.deadline >= today))


def of_conferences(conference_ids):
    """The items of a conference (or of a subquery of conference ids): raised there, submitted
    to it (deferred items move on to the next one), or confirmed by its resolution."""
    return or_(ITEM_COLUMNS.conference_id.in_(conference_ids), ITEM_COLUMNS.raised_conference_id.in_(conference_ids),
               ITEM_COLUMNS.resolution_conference_id.in_(conference_ids))


def days_overdue(status: str, deadline: date | None, today: date) -> int:
    return (today - deadline).days if deadline is not None and is_overdue(status, deadline, today) else 0


def within_reopen_window(closed_on: date, today: date, window_days: int) -> bool:
    return (today - closed_on).days <= window_days
