"""Sending the outbox. A short loop around `deliver_one`, which tests call directly.

Each delivery is leased (status `sending`, `lease_until`) in its own short transaction before
the channel is called, and settled in another after. A dispatcher that dies mid-send leaves
a lease that runs out; the delivery is then picked up again — at least once, never lost.
Transient failures are retried with back-off; after `max_attempts` the delivery is dead, with
its last error kept. One channel failing never holds up another delivery.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy import and_, bindparam, or_, update
from sqlmodel import Session, select

from cobuild.models import (
    WORKING_STATES,
    Delivery,
    DeliveryStatus,
    Item,
    ItemStatus,
    Member,
    Notification,
    NotificationStatus,
)
from cobuild.models.base import aware
from cobuild.models.kinds import VERIFY_KINDS, can_go_stale
from cobuild.notifications.channels import Channels, DeliveryError, Outgoing

log = logging.getLogger("cobuild.dispatch")

BACKOFF = (timedelta(minutes=1), timedelta(minutes=5), timedelta(minutes=30), timedelta(hours=2), timedelta(hours=6))
LEASE = timedelta(minutes=5)


def backoff(attempts: int) -> timedelta:
    return BACKOFF[min(attempts, len(BACKOFF)) - 1]


def stale(kind: str, basis: str, item) -> bool:
    """Whether a reminder of `kind` computed from `basis` (a deadline, or a close-out request) no
    longer holds. `item` is an Item or a row with its status, deadline and close_requested_at (None: gone)."""
    if item is None:
        return True
    if kind in VERIFY_KINDS:
        return item.status != ItemStatus.close_requested or item.close_requested_at is None \
            or item.close_requested_at.isoformat() != basis
    return item.status not in WORKING_STATES or item.status == ItemStatus.close_requested \
        or item.deadline is None or item.deadline.isoformat() != basis


def claim(session: Session, now: datetime, limit: int) -> list[int]:
    """Lease up to `limit` due deliveries; returns their ids. Read as three ranges of
    ix_delivery_due (new, to retry, leases run out), each oldest first: one query with an OR and
    an ORDER BY sorted every due delivery on every batch."""
    due = or_(and_(Delivery.status.in_([DeliveryStatus.pending, DeliveryStatus.retry]),
                   Delivery.next_attempt_at <= now),
              and_(Delivery.status == DeliveryStatus.sending, Delivery.lease_until < now))
    ids: list[int] = []
    for status, ready in ((DeliveryStatus.pending, Delivery.next_attempt_at <= now),
                          (DeliveryStatus.retry, Delivery.next_attempt_at <= now),
                          (DeliveryStatus.sending, Delivery.lease_until < now)):
        query = (select(Delivery.id).join(Notification, Notification.id == Delivery.notification_id)
                 .where(Delivery.status == status, ready, Notification.not_before <= now)
                 .order_by(Delivery.next_attempt_at).limit(limit - len(ids)))
        if session.get_bind().dialect.name == "postgresql":
            query = query.with_for_update(skip_locked=True, of=Delivery)
        ids += session.exec(query).all()
        if len(ids) >= limit:
            break
    if not ids:
        session.commit()
        return []
    # the guard on status makes a lease exclusive even where SKIP LOCKED does not exist
    leased = session.execute(
        update(Delivery).where(Delivery.id.in_(ids), due).values(status=DeliveryStatus.sending,
                                                                   lease_until=now + LEASE)
        .returning(Delivery.id)).scalars().all()
    session.commit()
    return list(leased)


def deliver_one(session: Session, delivery_id: int, channels: Channels, now: datetime, max_attempts: int = 5) -> str:
    """Send one leased delivery and record the outcome; returns the new status."""
    return deliver_batch(session, [delivery_id], channels, now, max_attempts)[0]


def deliver_batch(session: Session, delivery_ids: list[int], channels: Channels, now: datetime,
                  max_attempts: int = 5) -> list[str]:
    """Send leased deliveries and record their outcomes in one transaction; returns the new
    statuses in order. Webhooks are posted at once, the other channels one after another. A
    crash before the commit leaves the leases to expire, and the batch is sent again (at least
    once; webhooks carry the dedupe key). Rows are read and written as plain rows (executemany):
    ORM objects were two thirds of the dispatcher's own time."""
    d, n = Delivery.__table__.c, Notification.__table__.c
    rows = {r.id: r for r in session.execute(
        select(  # type: ignore[call-overload]  # more columns than select's overloads
            d.id, d.notification_id, d.channel, d.address, d.attempts, n.status.label("notification_status"),
               n.kind, n.basis, n.subject_type, n.subject_id, n.subject, n.body_text, n.body_html, n.dedupe_key,
               Member.name.label("recipient"))
        .join(Notification, Notification.id == d.notification_id)
        .outerjoin(Member, Member.id == n.member_id)
        .where(d.id.in_(delivery_ids))).all()}
    items = _items_of(session, [r for r in rows.values() if _checks_item(r.subject_type, r.kind)])
    outcome: dict[int, dict] = {}
    dropped_notifications: set[int] = set()
    jobs = []
    for delivery_id in delivery_ids:
        r = rows[delivery_id]
        if r.notification_status == NotificationStatus.dropped or r.notification_id in dropped_notifications or (
                _checks_item(r.subject_type, r.kind) and stale(r.kind, r.basis, items.get(r.subject_id))):
            dropped_notifications.add(r.notification_id)
            outcome[delivery_id] = dict(status=DeliveryStatus.dropped, attempts=r.attempts, last_error=None,
                                        next_attempt_at=None, sent_at=None)
            continue
        jobs.append((r, Outgoing(r.subject, r.body_text, r.body_html, r.dedupe_key, r.recipient or "")))
    errors = channels.send_all([(r.channel, r.address, message) for r, message in jobs])
    for (r, _), error in zip(jobs, errors):
        attempts = r.attempts + 1
        if error is None:
            outcome[r.id] = dict(status=DeliveryStatus.sent, attempts=attempts, last_error=None,
                                 next_attempt_at=None, sent_at=now)
            continue
        permanent = isinstance(error, DeliveryError) and error.permanent
        last_error = (str(error) if isinstance(error, DeliveryError) else f"{type(error).__name__}: {error}")[:1000]
        dead = permanent or attempts >= max_attempts
        outcome[r.id] = dict(status=DeliveryStatus.dead if dead else DeliveryStatus.retry, attempts=attempts,
                             last_error=last_error, sent_at=None,
                             next_attempt_at=None if dead else now + backoff(attempts))
        log.warning("delivery %s via %s failed (attempt %s): %s", r.id, r.channel, attempts, last_error)
    _record(session, outcome)
    if dropped_notifications:
        session.execute(update(Notification).where(Notification.id.in_(dropped_notifications))
                        .values(status=NotificationStatus.dropped))
    _settle_all(session, outcome, rows, now)
    session.commit()
    return [str(outcome[i]["status"]) for i in delivery_ids]


def _record(session: Session, outcome: dict[int, dict]) -> None:
    """Each delivery's new state, the lease given back: the sent and the dropped in one UPDATE
    each, the failed (few) one executemany."""
    table = Delivery.__table__
    by_status: dict[str, list[int]] = {}
    for delivery_id, o in outcome.items():
        by_status.setdefault(o["status"], []).append(delivery_id)
    for status in (DeliveryStatus.sent, DeliveryStatus.dropped):
        ids = by_status.get(status)
        if ids:
            values = dict(status=status, lease_until=None)
            if status == DeliveryStatus.sent:
                values.update(attempts=table.c.attempts + 1, last_error=None, sent_at=outcome[ids[0]]["sent_at"])
            session.execute(update(table).where(table.c.id.in_(ids)).values(**values))
    for status, columns in ((DeliveryStatus.retry, ("attempts", "last_error", "next_attempt_at")),
                            (DeliveryStatus.dead, ("attempts", "last_error"))):
        rows = [dict(b_id=i, **{c: outcome[i][c] for c in columns}) for i in by_status.get(status, [])]
        if rows:  # (only the bound columns are passed: any other key would be SET too)
            session.execute(update(table).where(table.c.id == bindparam("b_id")).values(
                status=status, lease_until=None, **{c: bindparam(c) for c in columns}), rows)


def _checks_item(subject_type: str, kind: str) -> bool:
    return subject_type == "item" and can_go_stale(kind)


def _items_of(session: Session, rows) -> dict:
    """The items that deadline and close-out reminders were computed from: id -> row."""
    ids = {r.subject_id for r in rows}
    if not ids:
        return {}
    return {r.id: r for r in session.execute(select(Item.id, Item.status, Item.deadline, Item.close_requested_at)
                                             .where(Item.id.in_(ids))).all()}


def _settle_all(session: Session, outcome: dict[int, dict], rows: dict, now: datetime) -> None:
    """A notification is sent once any of its deliveries is, failed once all are dead or dropped."""
    table = Notification.__table__
    sent = {rows[i].notification_id for i, o in outcome.items() if o["status"] == DeliveryStatus.sent}
    if sent:
        session.execute(update(table).where(table.c.id.in_(sent), table.c.status != NotificationStatus.sent)
                        .values(status=NotificationStatus.sent, sent_at=now))
    dead = {rows[i].notification_id for i, o in outcome.items() if o["status"] == DeliveryStatus.dead} - sent
    if not dead:
        return
    statuses: dict[int, set] = {}
    for notification_id, status in session.execute(select(Delivery.notification_id, Delivery.status).where(
            Delivery.notification_id.in_(dead))).all():
        statuses.setdefault(notification_id, set()).add(status)
    failed = [i for i, found in statuses.items() if found <= {DeliveryStatus.dead, DeliveryStatus.dropped}]
    if failed:
        session.execute(update(table).where(table.c.id.in_(failed)).values(status=NotificationStatus.failed))


def dispatch(session: Session, now: datetime, channels: Channels | None = None, batch: int = 500,
             max_attempts: int | None = None) -> dict:
    """Send everything due at `now`, a leased batch at a time. Counts by outcome."""
    from cobuild.platform.settings import get_settings

    now = aware(now)
    channels = channels or Channels.from_settings()
    max_attempts = max_attempts or get_settings().max_attempts
    counts = {"sent": 0, "retry": 0, "dead": 0, "dropped": 0}
    while True:
        ids = claim(session, now, batch)
        if not ids:
            return counts
        for status in deliver_batch(session, ids, channels, now, max_attempts):
            counts[status] = counts.get(status, 0) + 1
        if len(ids) < batch:  # a short batch was all that is due (a retry's next attempt is after now)
            return counts


def retry_dead(session: Session, delivery_id: int, now: datetime) -> Delivery:
    """An operator puts a dead delivery back in the queue (after fixing an address, say)."""
    delivery = session.get(Delivery, delivery_id)
    if delivery is None or delivery.status != DeliveryStatus.dead or delivery.channel == "none":
        from cobuild.models import InvalidInput

        raise InvalidInput("not_retryable", key=f"#{delivery_id}")
    delivery.status = DeliveryStatus.retry
    delivery.attempts = 0
    delivery.next_attempt_at = now
    notification = session.get(Notification, delivery.notification_id)
    notification.status = NotificationStatus.pending
    session.add_all([delivery, notification])
    session.commit()
    return delivery
