"""The append-only audit log: every change of state, who, when, before -> after.

Tamper-evident: each event carries the SHA-256 of its own content and of the previous event of
the same council (`prev_hash`), so an edited, deleted or inserted row breaks the chain at that
point — `cobuild audit verify` reports the first broken link."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, bindparam, event, select
from sqlalchemy.orm import Session
from sqlmodel import Field, SQLModel

from cobuild.models.base import JSONType, UTCDateTime


class AuditEvent(SQLModel, table=True):
    # an item's (or any subject's) timeline: one index range, not a scan of every council's events
    __table_args__ = (Index("ix_auditevent_subject", "subject_type", "subject_id", "id"),)

    id: int | None = Field(default=None, primary_key=True)
    council_id: int | None = Field(default=None, foreign_key="council.id", index=True)
    at: datetime = Field(sa_type=UTCDateTime, index=True)
    actor_id: int | None = Field(default=None, foreign_key="member.id")  # None: the scheduler
    action: str = Field(max_length=40)
    subject_type: str = Field(max_length=20)
    subject_id: int | None = None
    before: dict | None = Field(default=None, sa_type=JSONType)
    after: dict | None = Field(default=None, sa_type=JSONType)
    prev_hash: str | None = Field(default=None, max_length=64)
    hash: str | None = Field(default=None, max_length=64)


# The audit table's columns, one name for every statement built of them (the timeline, the chain's head)
AUDIT_COLUMNS = AuditEvent.__table__.c
# A council's newest event (id, hash): the head its next event links to, and the name of the state
# its data is in (reports/versioned.py). Built once, of the table's columns: it runs on nearly every
# request, and a statement of the model's attributes goes through the ORM's compiling and result
# handling, which cost more than the query (bench/limits.md).
LATEST_EVENT = (select(AUDIT_COLUMNS.id, AUDIT_COLUMNS.hash).where(AUDIT_COLUMNS.council_id == bindparam("council"))
                .order_by(AUDIT_COLUMNS.id.desc()).limit(1))
LATEST_PLATFORM_EVENT = (select(AUDIT_COLUMNS.id, AUDIT_COLUMNS.hash).where(AUDIT_COLUMNS.council_id.is_(None))
                         .order_by(AUDIT_COLUMNS.id.desc()).limit(1))


def event_hash(event: AuditEvent, prev_hash: str | None) -> str:
    """The digest of an event's content and the previous event's digest (canonical JSON)."""
    import hashlib
    import json

    at = event.at.astimezone(__import__("datetime").timezone.utc).isoformat() if event.at else None
    content = {"prev": prev_hash, "council_id": event.council_id, "at": at, "actor_id": event.actor_id,
               "action": event.action, "subject_type": event.subject_type, "subject_id": event.subject_id,
               "before": event.before, "after": event.after}
    return hashlib.sha256(json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"),
                                     default=str).encode("utf-8")).hexdigest()


class AuditLogIsAppendOnly(RuntimeError):
    pass


@event.listens_for(Session, "before_flush")
def _refuse_audit_edits(session: Session, flush_context, instances) -> None:
    # Why: the audit log is evidence. An edit or delete through the ORM is a bug, never a feature.
    for obj in list(session.dirty) + list(session.deleted):
        if isinstance(obj, AuditEvent) and (obj in session.deleted or session.is_modified(obj)):
            raise AuditLogIsAppendOnly("audit events are never edited or deleted")
