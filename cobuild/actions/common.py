"""What every use case shares: transactions, look-ups, rights and the audit trail.

A use case takes the session, the acting person (`by`, None for the scheduler) and `now`,
checks rights and states before touching anything, changes the rows, writes one audit event
per change of state and commits. A DomainError rolls everything back.
"""

from __future__ import annotations

import logging
from datetime import datetime
from functools import wraps
from types import SimpleNamespace
from typing import Any, Callable, TypeVar

from sqlalchemy import bindparam, insert
from sqlalchemy import select as sa_select
from sqlmodel import Session, SQLModel, select

from cobuild.models import (
    AuditEvent,
    Busy,
    Conflict,
    Council,
    DomainError,
    InvalidInput,
    Member,
    MemberRole,
    NotFound,
    PermissionDenied,
    Term,
    Unit,
)
from cobuild.models.audit import LATEST_EVENT, LATEST_PLATFORM_EVENT, event_hash
from cobuild.models.base import aware, jsonable
from cobuild.models.kinds import STALEABLE_KINDS
from cobuild.models.notifications import NOTIFICATION_COLUMNS, NotificationStatus
from cobuild.notifications.dispatch import stale
from cobuild.notifications.outbox import drop_pending
from cobuild.platform.db import forget_answers, is_lock_wait
from cobuild.reports.views import current_term  # noqa: F401 — the use cases' and their callers' one read of it

F = TypeVar("F", bound=Callable[..., Any])
log = logging.getLogger("cobuild.actions")


def use_case(fn: F) -> F:
    """Run `fn` as one transaction: commit on success, roll back on any error."""

    @wraps(fn)
    def wrapper(session: Session, *args, **kwargs):
        from sqlalchemy.exc import IntegrityError, InterfaceError, OperationalError
        from sqlalchemy.orm.exc import StaleDataError

        if "now" in kwargs and kwargs["now"] is not None:
            kwargs["now"] = aware(kwargs["now"])
        try:
            result = fn(session, *args, **kwargs)
            session.commit()
            return result
        except (IntegrityError, StaleDataError) as exc:
            # a unique key or the item's version refused a write that raced another one
            session.rollback()
            log.info("%s refused by the database (%s): %s", fn.__name__, type(exc).__name__, str(exc).splitlines()[0])
            raise Conflict("concurrent") from None
        except (OperationalError, InterfaceError) as exc:
            try:
                session.rollback()
            except (OperationalError, InterfaceError):  # the connection is gone: nothing to roll back
                pass
            # a lock held too long, or the database connection cut mid-write: nothing was written,
            # and trying again is the answer (503), not an internal error (500)
            if exc.connection_invalidated or is_lock_wait(exc):
                raise Busy("busy") from None
            raise
        except BaseException:
            session.rollback()
            raise

    return wrapper  # type: ignore[return-value]


def get(session: Session, model: type[SQLModel], key: int | None, subject: str):
    row = session.get(model, key) if key is not None else None
    if row is None:
        raise NotFound("not_found", subject=subject, key=key)
    return row


def snapshot(row: SQLModel, *fields: str) -> dict:
    return {f: jsonable(getattr(row, f)) for f in fields}


def record(
    session: Session,
    *,
    council_id: int | None,
    by: Member | None,
    action: str,
    subject: SQLModel,
    now: datetime,
    before: dict | None = None,
    after: dict | None = None,
) -> None:
    """Append one event to its council's chain, written at once (a core INSERT: an ORM object
    cost the action a flush of its own, bench/limits.md)."""
    values = event_values(council_id=council_id, by=by, action=action, subject_type=type(subject).__name__.lower(),
                          subject_id=getattr(subject, "id", None), now=now, before=before, after=after)
    prev = chain_head(session, council_id)
    values.update(prev_hash=prev, hash=event_hash(SimpleNamespace(**values), prev))
    session.execute(_INSERT_EVENT, values)
    forget_answers(session)  # the council's state (its newest event) has changed, as after a flush


_INSERT_EVENT = insert(AuditEvent.__table__)


def event_values(*, council_id: int | None, by: Member | None, action: str, subject_type: str, subject_id: int | None,
                 now: datetime, before: dict | None = None, after: dict | None = None) -> dict:
    """An audit event's columns, not chained yet (`record` and `record_many` chain it)."""
    return {"council_id": council_id, "at": now, "actor_id": by.id if by else None, "action": action,
            "subject_type": subject_type, "subject_id": subject_id,
            "before": jsonable(before) if before is not None else None,
            "after": jsonable(after) if after is not None else None}


def record_many(session: Session, events: list[dict]) -> None:
    """Append events (`event_values`) to their councils' chains in list order, as `record` one by
    one would: the chain heads read in one query, the events written in one INSERT. The sweep
    records a batch's escalations so: an ORM object, a flush and two queries an event (and the
    marks claimed one by one) made an escalation-heavy tick several times slower."""
    from sqlalchemy import func, text

    if not events:
        return
    session.flush()  # other pending writes go first, and on SQLite the flush takes the write lock
    councils = sorted({e["council_id"] for e in events if e["council_id"] is not None})
    if session.get_bind().dialect.name == "postgresql":
        for council_id in councils:  # always in the same order: two writers cannot deadlock here
            session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": 7_000_000 + council_id})
    heads: dict[int | None, str | None] = {}
    for start in range(0, len(councils), 500):
        chunk = councils[start:start + 500]
        newest = select(func.max(AuditEvent.id)).where(AuditEvent.council_id.in_(chunk)).group_by(AuditEvent.council_id)
        heads.update(session.exec(select(AuditEvent.council_id, AuditEvent.hash).where(AuditEvent.id.in_(newest))).all())
    if any(e["council_id"] is None for e in events):
        heads[None] = chain_head(session, None)
    rows = []
    for e in events:
        prev = heads.get(e["council_id"])
        heads[e["council_id"]] = digest = event_hash(SimpleNamespace(**e), prev)
        rows.append({**e, "prev_hash": prev, "hash": digest})
    session.execute(_INSERT_EVENT, rows)  # ids in list order


def chain_head(session: Session, council_id: int | None) -> str | None:
    """The newest event's hash in this council's chain, read inside the writing transaction:
    the flush takes SQLite's write lock first; on PostgreSQL a transaction-scoped advisory lock
    per chain makes two writers append one after the other (no fork)."""
    from sqlalchemy import text

    session.flush()
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": 7_000_000 + (council_id or 0)})
    if council_id is None:
        newest = session.execute(LATEST_PLATFORM_EVENT).first()
    else:
        newest = session.execute(LATEST_EVENT, {"council": council_id}).first()
    return newest.hash if newest else None


def touch(session: Session, item, now: datetime) -> None:
    """Every change of an item: bump its version, have the sweep recompute its reminders, and
    drop queued reminders that the change has made stale (a moved deadline, a closed item)."""
    item.updated_at = now
    item.version += 1
    item.next_reminder_at = None
    session.add(item)
    if item.id is None:
        return
    # only reminders can go stale (a hand-off message stays true): without this, every write to an
    # item read each message queued for it — hundreds while delivery is stopped or behind
    with session.no_autoflush:  # the item's change is flushed with the action's next write, not on its own
        queued = session.execute(_QUEUED_REMINDERS, {"item": item.id}).all()
    drop_pending(session, [n.id for n in queued if stale(n.kind, n.basis, item)])


# plain rows of the table's columns: ORM objects were most of this read, on every write to an item
_QUEUED_REMINDERS = sa_select(NOTIFICATION_COLUMNS.id, NOTIFICATION_COLUMNS.kind, NOTIFICATION_COLUMNS.basis).where(
    NOTIFICATION_COLUMNS.subject_type == "item", NOTIFICATION_COLUMNS.subject_id == bindparam("item"),
    NOTIFICATION_COLUMNS.kind.in_(sorted(STALEABLE_KINDS)),
    NOTIFICATION_COLUMNS.status.in_([NotificationStatus.pending, NotificationStatus.held]))


def once(session: Session, council_id: int, key: str, now: datetime, detail: dict | None = None) -> bool:
    """True the first time `key` is claimed, ever: the database's unique key decides, so two
    sweepers at once, a re-run or a restart never do a council-level send twice."""
    from cobuild.models import CouncilEvent
    from cobuild.platform.bulk import insert_unless_exists

    values = {"council_id": council_id, "key": key, "at": now, "detail": detail}
    return insert_unless_exists(session, CouncilEvent.__table__, values, "key") is not None


def once_many(session: Session, keys: list[tuple[int, str]], now: datetime) -> set[str]:
    """`once` for many (council id, key) pairs in one statement: the keys claimed now, the first time."""
    from cobuild.models import CouncilEvent
    from cobuild.platform.bulk import insert_many_unless_exist

    rows = [{"council_id": council_id, "key": key, "at": now, "detail": None}
            for council_id, key in dict.fromkeys(keys)]
    return set(insert_many_unless_exist(session, CouncilEvent.__table__, rows, "key"))


def require_chair(session: Session, council: Council, by: Member | None, action: str) -> Term:
    term = current_term(session, council.id)
    if term is None or term.chair_member_id is None:
        raise PermissionDenied("no_chair", action=action)
    if by is None or by.id != term.chair_member_id:
        chair = session.get(Member, term.chair_member_id)
        raise PermissionDenied("not_chair", action=action, chair=chair.name if chair else "-")
    return term


def require_chair_or_system(session: Session, council: Council, by: Member | None, action: str) -> None:
    if by is not None:
        require_chair(session, council, by, action)


def require_secretary(council: Council, by: Member | None, action: str = "administer") -> None:
    if by is None or by.council_id != council.id or by.role != MemberRole.secretary or not by.active:
        raise PermissionDenied("not_secretary", action=action)


def require_liaison(session: Session, by: Member | None, unit: Unit, action: str) -> Member:
    if by is None or by.unit_id != unit.id or not by.is_liaison or not by.active:
        raise PermissionDenied(
            "not_liaison", person=by.name if by else "系统", unit=unit.name, action=action
        )
    return by


def require_voter(by: Member | None, council: Council, action: str) -> Member:
    if by is None or by.council_id != council.id or not by.votes:
        raise PermissionDenied("not_voter", person=by.name if by else "系统", action=action)
    return by


def require_same_council(row: SQLModel, council_id: int, subject: str) -> None:
    if getattr(row, "council_id", council_id) != council_id:
        raise InvalidInput("wrong_council", subject=subject)


def validated(schema: type[SQLModel], **data: Any):
    """Validate input with a non-table schema; a failure becomes one clear InvalidInput."""
    from pydantic import ValidationError

    try:
        return schema.model_validate(data)
    except ValidationError as exc:
        raise InvalidInput("fields", errors=exc.errors()) from None


def invalid(code: str, /, **params: object) -> DomainError:
    """Bad input, said in the user's words: `code` is an entry of the catalogue (models/messages.py)."""
    return InvalidInput(code, **params)


def required_text(value: str | None, refusal: str) -> str:
    """The stripped text, or the catalogue's refusal `refusal` saying what is missing (a reason, a note …)."""
    text = (value or "").strip()
    if not text:
        raise invalid(refusal)
    return text


def verify_audit(session: Session, council_id: int | None = None) -> dict:
    """Walk each council's chain in order; the first event whose content or link does not
    match is reported (an edit, a deletion or an insertion shows there)."""
    query = select(AuditEvent).order_by(AuditEvent.id)
    if council_id is not None:
        query = query.where(AuditEvent.council_id == council_id)
    heads: dict = {}
    checked = 0
    for event in session.exec(query.execution_options(yield_per=1000)):
        prev = heads.get(event.council_id)
        if event.prev_hash != prev:
            return {"ok": False, "checked": checked, "broken_at": event.id,
                    "reason": "the link to the previous event does not match (an event before it was removed or changed)"}
        if event.hash != event_hash(event, prev):
            return {"ok": False, "checked": checked, "broken_at": event.id,
                    "reason": "the event's content does not match its hash (it was edited)"}
        heads[event.council_id] = event.hash
        checked += 1
    return {"ok": True, "checked": checked, "broken_at": None, "reason": None}


def permitted(checks: dict[str, Callable[[], object]]) -> dict[str, object]:
    """The use cases' `may_*` checks asked without writing: each one that passes, with its answer
    (a DomainError is a no). Pages show a control exactly when its action is here."""
    passed = {}
    for name, check in checks.items():
        try:
            passed[name] = check()
        except DomainError:
            continue
    return passed
