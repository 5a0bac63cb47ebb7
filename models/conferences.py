"""Quarterly conferences, attendance, the agenda, the resolution and its amendments."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import String, UniqueConstraint
from sqlmodel import Field, SQLModel

from cobuild.models.base import JSONType, UTCDateTime
from cobuild.models.lifecycle import ConferenceStatus


class Conference(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("council_id", "code"),)
    id: int | None = Field(default=None, primary_key=True)
    council_id: int = Field(foreign_key="council.id", index=True)
    term_id: int = Field(foreign_key="term.id", index=True)
    seq_in_term: int
    code: str = Field(max_length=16)  # e.g. 2026-Q2; numbers the resolution's items
    held_on: date  # local date the meeting is planned for
    scheduled_at: datetime = Field(sa_type=UTCDateTime)
    window_opens_at: datetime = Field(sa_type=UTCDateTime, index=True)
    window_closes_at: datetime = Field(sa_type=UTCDateTime, index=True)
    status: ConferenceStatus = Field(default=ConferenceStatus.planned, sa_type=String(16), index=True)
    held_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class Attendance(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("conference_id", "member_id"),)
    id: int | None = Field(default=None, primary_key=True)
    conference_id: int = Field(foreign_key="conference.id", index=True)
    member_id: int = Field(foreign_key="member.id")
    present: bool = True


class AgendaKind(StrEnum):
    new = "new"  # submitted for this conference
    carried = "carried"  # deferred at an earlier conference, back for a decision
    review = "review"  # accepted earlier and still open: reviewed, not decided again


class AgendaEntry(SQLModel, table=True):
    """The agenda as locked: what the conference decides and what it reviews."""

    __table_args__ = (UniqueConstraint("conference_id", "item_id"),)
    id: int | None = Field(default=None, primary_key=True)
    conference_id: int = Field(foreign_key="conference.id", index=True)
    item_id: int = Field(foreign_key="item.id", index=True)
    kind: AgendaKind = Field(sa_type=String(16))
    position: int


class Resolution(SQLModel, table=True):
    """书面决议. Immutable once published: `content` is a snapshot with its sha256."""

    id: int | None = Field(default=None, primary_key=True)
    conference_id: int = Field(foreign_key="conference.id", unique=True)
    council_id: int = Field(foreign_key="council.id", index=True)
    code: str = Field(max_length=16)
    published_at: datetime = Field(sa_type=UTCDateTime)
    published_by: int | None = Field(default=None, foreign_key="member.id")
    content: dict = Field(sa_type=JSONType)
    content_sha256: str = Field(max_length=64)


class AmendmentKind(StrEnum):
    change = "change"  # goal, lead unit, cooperating units, responsible person
    cancel = "cancel"


class Amendment(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("resolution_id", "seq"),)
    id: int | None = Field(default=None, primary_key=True)
    resolution_id: int = Field(foreign_key="resolution.id", index=True)
    seq: int
    item_id: int = Field(foreign_key="item.id")
    kind: AmendmentKind = Field(sa_type=String(16))
    before: dict = Field(sa_type=JSONType)
    after: dict = Field(sa_type=JSONType)
    reason: str
    at: datetime = Field(sa_type=UTCDateTime)
    by: int | None = Field(default=None, foreign_key="member.id")
