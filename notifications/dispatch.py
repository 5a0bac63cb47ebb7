"""Sending the outbox. A short loop around `deliver_one`, which tests call directly.

Each delivery is leased (status `sending`, `lease_until`) in its own short transaction before
the channel is called, and settled in another after. A dispatcher that dies mid-send leaves
a lease that runs out; the delivery is then picked up again — at least once, never lost.
Transient failures are retried with back-off; after `max_attempts` the delivery is dead, with
its last error kept. One channel failing never holds up another delivery.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

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
    return deliver_batch(session, [delivery_id], channels, now, max_attempts)[0]


def _outgoing(notification: Notification, recipient: Member | None) -> Outgoing:
    return Outgoing(notification.subject, notification.body_text, notification.body_html,
                    notification.dedupe_key, recipient.name if recipient else "")


def _send(channels: Channels, delivery: Delivery, message: Outgoing) -> BaseException | None:
    try:
        channels.send(delivery.channel, delivery.address, message)
    except Exception as exc:  # noqa: BLE001 — an unexpected channel bug is a failed attempt, not a crash
        return exc
    return None


def deliver_batch(session: Session, delivery_ids: list[int], channels: Channels, now: datetime,
                  max_attempts: int = 5, pool: ThreadPoolExecutor | None = None) -> list[str]:
    """Send leased deliveries and record their outcomes in one transaction; returns the new
    statuses in order. Channels that allow it (webhooks, the file) are sent from `pool`'s
    threads at once, the others one after another. A crash before the commit leaves the
    leases to expire, and the batch is sent again (at least once; webhooks carry the dedupe key)."""
    deliveries = {d.id: d for d in session.exec(select(Delivery).where(Delivery.id.in_(delivery_ids))).all()}  # type: ignore[attr-defined]
    notifications = {n.id: n for n in session.exec(select(Notification).where(
        Notification.id.in_({d.notification_id for d in deliveries.values()}))).all()}  # type: ignore[attr-defined]
    people = {m.id: m for m in session.exec(select(Member).where(
        Member.id.in_({n.member_id for n in notifications.values()}))).all()}  # type: ignore[attr-defined]
    jobs, dropped = [], set()
    for delivery_id in delivery_ids:
        delivery = deliveries[delivery_id]
        notification = notifications[delivery.notification_id]
        if notification.status == NotificationStatus.dropped or is_stale(session, notification):
            delivery.status = DeliveryStatus.dropped
            notification.status = NotificationStatus.dropped
            dropped.add(delivery_id)
            continue
        delivery.attempts += 1
        jobs.append((delivery, _outgoing(notification, people.get(notification.member_id))))
    together = [job for job in jobs if channels.concurrent(job[0].channel)]
    alone = [job for job in jobs if not channels.concurrent(job[0].channel)]
    if pool is not None and len(together) > 1:
        errors = list(pool.map(lambda job: _send(channels, *job), together))
    else:
        errors = [_send(channels, *job) for job in together]
    errors += [_send(channels, *job) for job in alone]
    for (delivery, _), error in zip(together + alone, errors):
        if error is None:
            delivery.status, delivery.sent_at, delivery.last_error = DeliveryStatus.sent, now, None
        else:
            permanent = isinstance(error, DeliveryError) and error.permanent
            delivery.last_error = (str(error) if isinstance(error, DeliveryError)
                                   else f"{type(error).__name__}: {error}")[:1000]
            if permanent or delivery.attempts >= max_attempts:
                delivery.status = DeliveryStatus.dead
            else:
                delivery.status = DeliveryStatus.retry
                delivery.next_attempt_at = now + backoff(delivery.attempts)
            log.warning("delivery %s via %s failed (attempt %s): %s", delivery.id, delivery.channel,
                        delivery.attempts, delivery.last_error)
        delivery.lease_until = None
    session.add_all(list(deliveries.values()))
    session.flush()
    _settle_all(session, [n for n in notifications.values() if n.status != NotificationStatus.dropped], now)
    session.commit()
    return [str(deliveries[i].status) for i in delivery_ids]


def _settle_all(session: Session, notifications: list[Notification], now: datetime) -> None:
    statuses: dict[int, set] = {}
    if notifications:
        for notification_id, status in session.exec(select(Delivery.notification_id, Delivery.status).where(
                Delivery.notification_id.in_([n.id for n in notifications]))).all():  # type: ignore[attr-defined]
            statuses.setdefault(notification_id, set()).add(status)
    for notification in notifications:
        found = statuses.get(notification.id, set())
        if DeliveryStatus.sent in found and notification.status != NotificationStatus.sent:
            notification.status = NotificationStatus.sent
            notification.sent_at = now
        elif found <= {DeliveryStatus.dead, DeliveryStatus.dropped} and DeliveryStatus.dead in found:
            notification.status = NotificationStatus.failed
        session.add(notification)


def dispatch(session: Session, now: datetime, channels: Channels | None = None, batch: int = 200,
             max_attempts: int | None = None, workers: int = 8) -> dict:
    """Send everything due at `now`, a leased batch at a time. Counts by outcome."""
    from cobuild.settings import get_settings

    now = aware(now)
    channels = channels or Channels.from_settings()
    max_attempts = max_attempts or get_settings().max_attempts
    counts = {"sent": 0, "retry": 0, "dead": 0, "dropped": 0}
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="cobuild-send") as pool:
        while True:
            ids = claim(session, now, batch)
            if not ids:
                return counts
            for status in deliver_batch(session, ids, channels, now, max_attempts, pool):
                counts[status] = counts.get(status, 0) + 1


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
