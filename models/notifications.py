"""The outbox: messages to people (rendered once, at enqueue) and their deliveries per channel.

Exactly once per (subject, kind, step, basis, recipient): `Notification.dedupe_key` is unique
in the database, so a re-run sweep, two sweepers at once or a restart after a crash can only
ever insert a message once. Each delivery (one per channel) retries on its own, so a failing
channel never holds up the others.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Index, String, UniqueConstraint
from sqlmodel import Field, SQLModel

from cobuild.models.base import JSONType, UTCDateTime


class NotificationStatus(StrEnum):
    pending = "pending"  # deliveries under way (or waiting for quiet hours to end)
    held = "held"  # for a person who prefers a daily digest
    digested = "digested"  # folded into a digest message
    sent = "sent"  # at least one channel delivered it
    failed = "failed"  # every channel gave up (dead-lettered)
    dropped = "dropped"  # stale: computed from a deadline that has since moved, or the item closed


class DeliveryStatus(StrEnum):
    pending = "pending"
    sending = "sending"  # leased by a dispatcher; the lease expires if it dies
    retry = "retry"
    sent = "sent"
    dead = "dead"
    dropped = "dropped"


class Notification(SQLModel, table=True):
    __table_args__ = (
        UniqueConstraint("dedupe_key"),
        Index("ix_notification_subject", "subject_type", "subject_id", "status"),
        Index("ix_notification_held", "status", "member_id"),
    )
    id: int | None = Field(default=None, primary_key=True)
    council_id: int = Field(foreign_key="council.id", index=True)
    member_id: int = Field(foreign_key="member.id")
    kind: str = Field(max_length=40)
    step: str = Field(default="", max_length=24)
    dedupe_key: str = Field(max_length=200)
    subject_type: str = Field(default="", max_length=20)
    subject_id: int | None = None
    basis: str = Field(default="", max_length=40)  # what it was computed from (a deadline, a request time)
    language: str = Field(default="zh", max_length=8)
    subject: str
    body_text: str
    body_html: str
    status: NotificationStatus = Field(default=NotificationStatus.pending, sa_type=String(16))
    not_before: datetime = Field(sa_type=UTCDateTime)
    created_at: datetime = Field(sa_type=UTCDateTime)
    sent_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    digest_id: int | None = Field(default=None, foreign_key="notification.id")


# The outbox table's columns, for statements that read plain rows of it (the writes' reminder check)
NOTIFICATION_COLUMNS = Notification.__table__.c


class Delivery(SQLModel, table=True):
    __table_args__ = (Index("ix_delivery_due", "status", "next_attempt_at"),)
    id: int | None = Field(default=None, primary_key=True)
    notification_id: int = Field(foreign_key="notification.id", index=True)
    channel: str = Field(max_length=16)
    address: str = Field(max_length=300)  # an address or a secret's name — never a secret
    status: DeliveryStatus = Field(default=DeliveryStatus.pending, sa_type=String(16))
    attempts: int = 0
    next_attempt_at: datetime = Field(sa_type=UTCDateTime)
    lease_until: datetime | None = Field(default=None, sa_type=UTCDateTime)
    last_error: str | None = None
    sent_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class TemplateOverride(SQLModel, table=True):
    """A council's own wording for one part of one message; rendered in Jinja2's sandbox."""

    __table_args__ = (UniqueConstraint("council_id", "kind", "language", "part"),)
    id: int | None = Field(default=None, primary_key=True)
    council_id: int = Field(foreign_key="council.id", index=True)
    kind: str = Field(max_length=40)
    language: str = Field(max_length=8)
    part: str = Field(max_length=8)  # subject | text | html
    source: str
    updated_at: datetime = Field(sa_type=UTCDateTime)


class CouncilEvent(SQLModel, table=True):
    """Council-level sends already done (window reminders, digests …): one row per key."""

    __table_args__ = (UniqueConstraint("key"),)
    id: int | None = Field(default=None, primary_key=True)
    council_id: int = Field(foreign_key="council.id", index=True)
    key: str = Field(max_length=200)
    at: datetime = Field(sa_type=UTCDateTime)
    detail: dict | None = Field(default=None, sa_type=JSONType)
