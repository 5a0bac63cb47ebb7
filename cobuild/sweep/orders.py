"""Service-order reminders (SPEC.md §9), on the council's working-day calendar, each sent once:
- an order not taken within 3 working days: the offering unit's liaisons; after 5, the secretary
  and whoever ordered;
- the working day before the service date: the people of the unit that took it;
- the service date passed and nothing recorded: the same people;
- a service recorded 3 working days ago and not rated: whoever ordered."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from functools import partial

from sqlmodel import Session, select

from cobuild.actions.common import once
from cobuild.actions.handoffs import liaisons, secretaries
from cobuild.models import Member
from cobuild.models.base import today_for
from cobuild.models.services import Order, OrderStatus
from cobuild.models.workdays import calendar_of
from cobuild.notifications.outbox import Outbox
from cobuild.reports.services import order_message
from cobuild.sweep.directory import Directory
from cobuild.sweep.problems import Problem, isolated, report

REMIND_AFTER, ESCALATE_AFTER, RATE_AFTER = 3, 5, 3  # working days


def sweep_orders(session: Session, now: datetime, outbox: Outbox, directory: Directory | None = None) -> dict:
    counts: defaultdict[str, int] = defaultdict(int)
    rows = session.exec(select(Order).where(Order.status.in_([OrderStatus.placed, OrderStatus.taken, OrderStatus.scheduled,
                                                              OrderStatus.served])).order_by(Order.id)).all()
    if not rows:
        return {}
    directory = directory or Directory(session, set())
    directory.load(session, {o.council_id for o in rows})
    problems: list[Problem] = []
    by_council: dict[int, list[Order]] = defaultdict(list)
    for order in rows:
        by_council[order.council_id].append(order)
    for council_id, orders in by_council.items():
        isolated(session, problems, council_id, ("服务订单提醒", "The service-order reminders"),
                 partial(_council_orders, session, orders, directory, outbox, now, counts))
    report(session, outbox, directory, problems, now)
    return {f"order_{k}": v for k, v in counts.items()}


def _people(session: Session, ids) -> list[Member]:
    return [m for m in (session.get(Member, i) for i in dict.fromkeys(i for i in ids if i)) if m and m.active]


def _council_orders(session, orders, directory, outbox, now, counts) -> None:
    council = directory.councils[orders[0].council_id]
    cal, today = calendar_of(council), today_for(council, now)
    council_secretaries = secretaries(session, council)

    def send(order, people, step, days=0) -> None:
        if not once(session, council.id, f"order_{step}|order:{order.id}", now):
            return
        context = {"order": order_message(session, order), "event": step, "days": days}
        for person in {p.id: p for p in people}.values():
            outbox.enqueue(council, person, "order_reminder", now=now, context=context, subject_type="order",
                           subject_id=order.id, step=step)
        counts[step] += 1

    for order in orders:
        placed = today_for(council, order.placed_at)
        if order.status == OrderStatus.placed:
            waited = cal.workdays_between(placed, today)
            if waited >= REMIND_AFTER and order.unit_id is not None:
                send(order, liaisons(session, order.unit_id), "not_taken", waited)
            if waited >= ESCALATE_AFTER:
                send(order, council_secretaries + _people(session, [order.placed_by]), "escalated", waited)
        elif order.status == OrderStatus.scheduled and order.service_on is not None:
            takers = liaisons(session, order.unit_id) + _people(session, [order.taken_by])
            if today < order.service_on and cal.add_workdays(today, 1) >= order.service_on:
                send(order, takers, "service_soon")
            elif today > order.service_on:
                send(order, takers, "not_recorded")
        elif order.status == OrderStatus.served and order.recorded_at is not None:
            waited = cal.workdays_between(today_for(council, order.recorded_at), today)
            if waited >= RATE_AFTER:
                send(order, _people(session, [order.placed_by]), "not_rated", waited)
