"""The outbox as people read it: what was sent to whom, what failed and why (newest first).
One list for the CLI (`cobuild notifications list`) and the web (the messages page, the API)."""

from __future__ import annotations

from sqlmodel import Session, func, select

from cobuild.models import Delivery, Member, Notification
from cobuild.models.base import jsonable

DELIVERY_STATUSES = ("retry", "dead", "sending")  # a status asked for that is a delivery's, not a message's


def notification_rows(session: Session, *, council_id: int | None = None, member_id: int | None = None,
                      status: str | None = None, kind: str | None = None, limit: int = 50,
                      addresses: bool = False, offset: int = 0) -> list[dict]:
    """`member_id`: only that person's messages. `addresses`: each delivery's address too (the
    operator's CLI; a page shows the channel and its outcome, not a person's phone or e-mail)."""
    query = _filtered(select(Notification, Member.name).join(Member, Member.id == Notification.member_id),
                      council_id=council_id, member_id=member_id, status=status, kind=kind)
    rows = session.exec(query.order_by(Notification.id.desc()).offset(max(offset, 0))
                        .limit(min(max(limit, 1), 1000))).all()
    return _shown(session, rows, addresses)


def notification_counts(session: Session, *, council_id: int | None = None, member_id: int | None = None) -> dict[str, int]:
    """How many messages each status holds (the messages page's counts and pages)."""
    query = _filtered(select(Notification.status, func.count()), council_id=council_id, member_id=member_id,
                      status=None, kind=None)
    return {str(s): n for s, n in session.exec(query.group_by(Notification.status)).all()}


def _filtered(query, *, council_id, member_id, status, kind):
    if council_id is not None:
        query = query.where(Notification.council_id == council_id)
    if member_id is not None:
        query = query.where(Notification.member_id == member_id)
    if kind:
        query = query.where(Notification.kind == kind)
    if status in DELIVERY_STATUSES:
        query = query.where(Notification.id.in_(select(Delivery.notification_id).where(Delivery.status == status)))
    elif status:
        query = query.where(Notification.status == status)
    return query


def _shown(session: Session, rows, addresses: bool) -> list[dict]:
    deliveries: dict[int, list[dict]] = {}
    if rows:
        for d in session.exec(select(Delivery).where(Delivery.notification_id.in_([n.id for n, _ in rows]))
                              .order_by(Delivery.id)).all():
            deliveries.setdefault(d.notification_id, []).append(
                {"id": d.id, "channel": d.channel, **({"address": d.address} if addresses else {}), "status": d.status,
                 "attempts": d.attempts, "error": d.last_error, "next_attempt_at": d.next_attempt_at, "sent_at": d.sent_at})
    return jsonable([{"id": n.id, "to": name, "kind": n.kind, "step": n.step, "status": n.status, "subject": n.subject,
                      "language": n.language,
                      "created_at": n.created_at, "not_before": n.not_before, "sent_at": n.sent_at,
                      "deliveries": deliveries.get(n.id, [])} for n, name in rows])
