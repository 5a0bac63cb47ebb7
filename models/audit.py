"""The append-only audit log: every change of state, who, when, before -> after."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import event
from sqlalchemy.orm import Session
from sqlmodel import Field, SQLModel

from models.base import JSONType, UTCDateTime


class AuditEvent(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    council_id: int | None = Field(default=None, foreign_key="council.id", index=True)
    at: datetime = Field(sa_type=UTCDateTime, index=True)
    actor_id: int | None = Field(default=None, foreign_key="member.id")  # None: the scheduler
    action: str = Field(max_length=40)
    subject_type: str = Field(max_length=20)
    subject_id: int | None = None
    before: dict | None = Field(default=None, sa_type=JSONType)
    after: dict | None = Field(default=None, sa_type=JSONType)


class AuditLogIsAppendOnly(RuntimeError):
    pass


@event.listens_for(Session, "before_flush")
def _refuse_audit_edits(session: Session, flush_context, instances) -> None:
    # Why: the audit log is evidence. An edit or delete through the ORM is a bug, never a feature.
    for obj in list(session.dirty) + list(session.deleted):
        if isinstance(obj, AuditEvent) and (obj in session.deleted or session.is_modified(obj)):
            raise AuditLogIsAppendOnly("audit events are never edited or deleted")
