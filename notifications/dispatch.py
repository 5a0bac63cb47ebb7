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

from sqlalchemy import and_, or_, update
from sqlmodel import Session, select

from models import (
    WORKING_STATES,
    Delivery,
    DeliveryStatus,
    Item,
    ItemStatus,
    Member,
    Notification,
    NotificationStatus,
)
from models.base import aware
from notifications.channels import Channels, DeliveryError, Outgoing

log = logging.getLogger("cobuild.dispatch")

BACKOFF = (timedelta(minutes=1), timedelta(minutes=5), timedelta(minutes=30), timedelta(hours=2), timedelta(hours=6))
LEASE = timedelta(minutes=5)
DEADLINE_KINDS = frozenset({"deadline_approaching", "deadline_due", "overdue", "escalation"})
VERIFY_KINDS = frozenset({"verify_request", "verify_escalation"})


def backoff(attempts: int) -> timedelta:
    return BACKOFF[min(attempts, len(BACKOFF)) - 1]


def is_stale(session: Session, notification: Notification) -> bool:
    """A reminder computed from a deadline (or a close-out request) that no longer holds."""
    if notification.subject_type != "item" or notification.kind not in DEADLINE_KINDS | VERIFY_KINDS:
        return False
    item = session.get(Item, notification.subject_id)
    if item is None:
        return True
    if notification.kind in VERIFY_KINDS:
        return item.status != ItemStatus.close_requested or item.close_requested_at is None \
            or item.close_requested_at.isoformat() != notification.basis
    return item.status not in WORKING_STATES or item.status == ItemStatus.close_requested \
        or item.deadline is None or item.deadline.isoformat() != notification.basis


def claim(session: Session, now: datetime, limit: int) -> list[int]:
    """Lease up to `limit` due deliveries; returns their ids."""
    due = or_(and_(Delivery.status.in_([DeliveryStatus.pending, DeliveryStatus.retry]),  # type: ignore[attr-defined]
                   Delivery.next_attempt_at <= now),
              and_(Delivery.status == DeliveryStatus.sending, Delivery.lease_until < now))
    query = (select(Delivery.id).join(Notification, Notification.id == Delivery.notification_id)
             .where(due, Notification.not_before <= now).order_by(Delivery.next_attempt_at, Delivery.id).limit(limit))
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True, of=Delivery)
    ids = list(session.exec(query).all())
    if not ids:
        session.commit()
        return []
    # the guard on status makes a lease exclusive even where SKIP LOCKED does not exist
    leased = session.execute(
        update(Delivery).where(Delivery.id.in_(ids), due).values(status=DeliveryStatus.sending,  # type: ignore[attr-defined]
                                                                   lease_until=now + LEASE)
        .returning(Delivery.id)).scalars().all()
    session.commit()
    return list(leased)


def deliver_one(session: Session, delivery_id: int, channels: Channels, now: datetime, max_attempts: int = 5) -> str:
    """Send one leased delivery and record the outcome; returns the new status."""
    delivery = session.get(Delivery, delivery_id)
    notification = session.get(Notification, delivery.notification_id)
    if notification.status == NotificationStatus.dropped or is_stale(session, notification):
        delivery.status = DeliveryStatus.dropped
        notification.status = NotificationStatus.dropped
        session.add_all([delivery, notification])
        session.commit()
        return DeliveryStatus.dropped
    recipient = session.get(Member, notification.member_id)
    message = Outgoing(notification.subject, notification.body_text, notification.body_html,
                       notification.dedupe_key, recipient.name if recipient else "")
    delivery.attempts += 1
    try:
        channels.send(delivery.channel, delivery.address, message)
    except DeliveryError as exc:
        delivery.last_error = str(exc)[:1000]
        if exc.permanent or delivery.attempts >= max_attempts:
            delivery.status = DeliveryStatus.dead
        else:
            delivery.status = DeliveryStatus.retry
            delivery.next_attempt_at = now + backoff(delivery.attempts)
        log.warning("delivery %s via %s failed (attempt %s): %s", delivery.id, delivery.channel,
                    delivery.attempts, delivery.last_error)
    except Exception as exc:  # noqa: BLE001 — an unexpected channel bug is a failed attempt, not a crash
        delivery.last_error = f"{type(exc).__name__}: {exc}"[:1000]
        delivery.status = DeliveryStatus.dead if delivery.attempts >= max_attempts else DeliveryStatus.retry
        delivery.next_attempt_at = now + backoff(delivery.attempts)
    else:
        delivery.status = DeliveryStatus.sent
        delivery.sent_at = now
        delivery.last_error = None
    delivery.lease_until = None
    session.add(delivery)
    _settle(session, notification, now)
    session.commit()
    return delivery.status


def _settle(session: Session, notification: Notification, now: datetime) -> None:
    statuses = set(session.exec(select(Delivery.status).where(Delivery.notification_id == notification.id)).all())
    if DeliveryStatus.sent in statuses and notification.status != NotificationStatus.sent:
        notification.status = NotificationStatus.sent
        notification.sent_at = now
    elif statuses <= {DeliveryStatus.dead, DeliveryStatus.dropped} and DeliveryStatus.dead in statuses:
        notification.status = NotificationStatus.failed
    session.add(notification)


def dispatch(session: Session, now: datetime, channels: Channels | None = None, batch: int = 200,
             max_attempts: int | None = None) -> dict:
    """Send everything due at `now`. Counts by outcome."""
    from cobuild.settings import get_settings

    now = aware(now)
    channels = channels or Channels.from_settings()
    max_attempts = max_attempts or get_settings().max_attempts
    counts = {"sent": 0, "retry": 0, "dead": 0, "dropped": 0}
    while True:
        ids = claim(session, now, batch)
        if not ids:
            return counts
        for delivery_id in ids:
            status = deliver_one(session, delivery_id, channels, now, max_attempts)
            counts[str(status)] = counts.get(str(status), 0) + 1


def retry_dead(session: Session, delivery_id: int, now: datetime) -> Delivery:
    """An operator puts a dead delivery back in the queue (after fixing an address, say)."""
    delivery = session.get(Delivery, delivery_id)
    if delivery is None or delivery.status != DeliveryStatus.dead or delivery.channel == "none":
        from models import InvalidInput

        raise InvalidInput("invalid", detail=f"delivery #{delivery_id} is not a dead delivery that can be retried")
    delivery.status = DeliveryStatus.retry
    delivery.attempts = 0
    delivery.next_attempt_at = now
    notification = session.get(Notification, delivery.notification_id)
    notification.status = NotificationStatus.pending
    session.add_all([delivery, notification])
    session.commit()
    return delivery
