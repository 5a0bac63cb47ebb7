"""Reads of the service menu (SPEC.md §9): the menu, orders, a party member's service record
(党员纪实) and each unit's service figures for the scorecard, points and reports."""

from __future__ import annotations

from collections import Counter

from sqlalchemy import func, or_
from sqlmodel import Session, select

from cobuild.models import Council, Member, Unit
from cobuild.models.messages import word
from cobuild.models.services import SERVED_STATES, Offer, OfferStatus, Order, OrderStatus, Volunteer


def _names(session: Session, model, ids) -> dict[int, str]:
    ids = {i for i in ids if i}
    if not ids:
        return {}
    return dict(session.exec(select(model.id, model.name).where(model.id.in_(ids))).all())


def offer_row(session: Session, offer: Offer, lang: str = "zh", units: dict[int, str] | None = None) -> dict:
    units = units if units is not None else _names(session, Unit, [offer.unit_id])
    return {"id": offer.id, "unit_id": offer.unit_id, "unit": units.get(offer.unit_id, "-"), "title": offer.title,
            "category": offer.category, "description": offer.description, "team": offer.team,
            "capacity_per_month": offer.capacity_per_month, "availability": offer.availability,
            "how_to_order": offer.how_to_order, "status": str(offer.status),
            "status_name": word("offer_state", offer.status, lang)}


def booked_this_month(session: Session, council: Council, today) -> dict[int, int]:
    """Per offer: orders taken or placed for this calendar month (against its capacity per month)."""
    from datetime import date

    first = date(today.year, today.month, 1)
    rows = session.exec(select(Order.offer_id, Order.service_on, Order.wanted_on, Order.status).where(
        Order.council_id == council.id, Order.offer_id.is_not(None))).all()
    counts: dict[int, int] = {}
    for offer_id, service_on, wanted_on, status in rows:
        day = service_on or wanted_on
        if day is not None and (day.year, day.month) == (first.year, first.month) and status not in (
                OrderStatus.declined, OrderStatus.cancelled):
            counts[offer_id] = counts.get(offer_id, 0) + 1
    return counts


def offers(session: Session, council: Council, *, q: str | None = None, category: str | None = None,
           unit_id: int | None = None, listed_only: bool = True, lang: str = "zh") -> list[dict]:
    """The menu: listed offers (or every offer, for the unit managing its own), by category."""
    query = select(Offer).where(Offer.council_id == council.id)
    if listed_only:
        query = query.where(Offer.status == OfferStatus.listed)
    if category:
        query = query.where(Offer.category == category)
    if unit_id:
        query = query.where(Offer.unit_id == unit_id)
    if q:
        like = f"%{q.strip()}%"
        query = query.where(or_(Offer.title.like(like), Offer.description.like(like), Offer.team.like(like)))
    rows = session.exec(query.order_by(Offer.category, Offer.id)).all()
    units = _names(session, Unit, [o.unit_id for o in rows])
    return [offer_row(session, o, lang, units) for o in rows]


def order_row(session: Session, order: Order, lang: str = "zh", units: dict[int, str] | None = None,
              people: dict[int, str] | None = None) -> dict:
    units = units if units is not None else _names(session, Unit, [order.unit_id, order.placed_by_unit_id])
    people = people if people is not None else _names(session, Member, [order.placed_by, order.taken_by, *order.served_by])
    return {"id": order.id, "offer_id": order.offer_id, "open": order.offer_id is None, "title": order.title,
            "need": order.need, "place": order.place, "wanted_on": order.wanted_on, "residents": order.residents,
            "status": str(order.status), "status_name": word("order_state", order.status, lang),
            "unit_id": order.unit_id, "unit": units.get(order.unit_id or 0, ""),
            "placed_by": people.get(order.placed_by, "-"), "placed_by_unit": units.get(order.placed_by_unit_id, "-"),
            "placed_at": order.placed_at, "taken_by": people.get(order.taken_by or 0, ""), "taken_at": order.taken_at,
            "reason": order.reason, "service_on": order.service_on, "served_on": order.served_on, "hours": order.hours,
            "residents_served": order.residents_served, "record_note": order.record_note, "evidence": order.evidence,
            "served_by": [people.get(i, "-") for i in order.served_by], "rating": order.rating, "comment": order.comment,
            "answer": order.answer}


def orders(session: Session, council: Council, *, status: str | None = None, unit_id: int | None = None,
           member_id: int | None = None, limit: int = 200, offset: int = 0, lang: str = "zh") -> dict:
    query = select(Order).where(Order.council_id == council.id)
    if status:
        query = query.where(Order.status == status)
    if unit_id:
        query = query.where(or_(Order.unit_id == unit_id, Order.placed_by_unit_id == unit_id))
    if member_id:
        query = query.where(or_(Order.taken_by == member_id, Order.placed_by == member_id))
    total = session.exec(select(func.count()).select_from(query.subquery())).one()
    rows = session.exec(query.order_by(Order.id.desc()).offset(offset).limit(limit)).all()
    units = _names(session, Unit, [u for o in rows for u in (o.unit_id, o.placed_by_unit_id)])
    people = _names(session, Member, [p for o in rows for p in (o.placed_by, o.taken_by, *o.served_by)])
    return {"total": total, "orders": [order_row(session, o, lang, units, people) for o in rows]}


def order_summary(session: Session, council: Council) -> dict:
    """Counts for the dashboard, the demo and the street: orders by state, residents served, hours,
    the average rating."""
    rows = session.exec(select(Order.status, Order.residents_served, Order.hours, Order.rating)
                        .where(Order.council_id == council.id)).all()
    by_state = Counter(str(r[0]) for r in rows)
    ratings = [r[3] for r in rows if r[3] is not None]
    return {"total": len(rows), "by_state": dict(sorted(by_state.items())),
            "served": sum(1 for r in rows if r[0] in SERVED_STATES),
            "residents_served": sum(r[1] or 0 for r in rows), "hours": round(sum(r[2] or 0 for r in rows), 1),
            "average_rating": round(sum(ratings) / len(ratings), 2) if ratings else None}


def unit_service(session: Session, council: Council, period: tuple | None = None) -> dict[int, dict]:
    """Per unit: orders served, residents served, hours, declined, the average rating — the
    service part of each unit's scorecard and points; `period` (first, last day): served then."""
    query = select(Order.unit_id, Order.status, Order.residents_served, Order.hours, Order.rating).where(  # type: ignore[call-overload]
        Order.council_id == council.id, Order.unit_id.is_not(None))
    if period is not None:
        query = query.where(Order.served_on >= period[0], Order.served_on <= period[1])
    rows = session.execute(query).all()
    out: dict[int, dict] = {}
    for unit_id, status, residents, hours, rating in rows:
        row = out.setdefault(unit_id, {"orders_served": 0, "residents_served": 0, "hours": 0.0, "declined": 0, "ratings": []})
        if status in SERVED_STATES:
            row["orders_served"] += 1
            row["residents_served"] += residents or 0
            row["hours"] += hours or 0
        if status == OrderStatus.declined:
            row["declined"] += 1
        if rating is not None:
            row["ratings"].append(rating)
    for row in out.values():
        ratings = row.pop("ratings")
        row["average_rating"] = round(sum(ratings) / len(ratings), 2) if ratings else None
        row["hours"] = round(row["hours"], 1)
    return out


def volunteer_row(session: Session, row: Volunteer) -> dict:
    member = session.get(Member, row.member_id)
    unit = session.get(Unit, row.unit_id)
    return {"member_id": row.member_id, "name": member.name if member else "-", "unit_id": row.unit_id,
            "unit": unit.name if unit else "-", "contact": row.contact, "skills": row.skills, "posts": row.posts,
            "team": row.team, "reported_on": row.reported_on}


def volunteers(session: Session, council: Council, unit_id: int | None = None) -> list[dict]:
    query = select(Volunteer).where(Volunteer.council_id == council.id)
    if unit_id:
        query = query.where(Volunteer.unit_id == unit_id)
    return [volunteer_row(session, v) for v in session.exec(query.order_by(Volunteer.unit_id, Volunteer.member_id)).all()]


def service_record(session: Session, council: Council, member: Member, lang: str = "zh") -> dict:
    """A party member's service record (党员纪实): every order they took or served in, and totals —
    what their unit's party organisation looks at any time."""
    rows = [o for o in session.exec(select(Order).where(Order.council_id == council.id, Order.unit_id == member.unit_id)
                                    .order_by(Order.served_on, Order.id)).all()
            if o.taken_by == member.id or member.id in (o.served_by or [])]
    served = [o for o in rows if o.status in SERVED_STATES]
    ratings = [o.rating for o in served if o.rating is not None]
    volunteer = session.get(Volunteer, member.id)
    unit = session.get(Unit, member.unit_id)
    return {"member": member.name, "unit": unit.name if unit else "-",
            "volunteer": volunteer_row(session, volunteer) if volunteer else None,
            "orders": [order_row(session, o, lang) for o in rows],
            "totals": {"services": len(served), "hours": round(sum(o.hours or 0 for o in served), 1),
                       "residents_served": sum(o.residents_served or 0 for o in served),
                       "average_rating": round(sum(ratings) / len(ratings), 2) if ratings else None}}


def order_message(session: Session, order: Order) -> dict:
    """What an order's messages say about it (notifications/templates/*/order_*.*)."""
    units = _names(session, Unit, [order.unit_id, order.placed_by_unit_id])
    return {"id": order.id, "title": order.title, "place": order.place, "need": order.need,
            "wanted_on": order.wanted_on.isoformat() if order.wanted_on else "",
            "service_on": order.service_on.isoformat() if order.service_on else "",
            "residents": order.residents, "unit": units.get(order.unit_id or 0, "-"),
            "placed_by_unit": units.get(order.placed_by_unit_id, "-")}


def service_record_xlsx(record: dict, path) -> None:
    """党员纪实 as a workbook for the member's unit party organisation: who, the totals, every service."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    sheet = book.active
    sheet.title = "党员纪实"
    sheet.append([f"{record['member']}({record['unit']})在职党员服务纪实"])
    sheet["A1"].font = Font(bold=True, size=14)
    t = record["totals"]
    sheet.append([f"服务 {t['services']} 次,共 {t['hours']} 小时,服务群众 {t['residents_served']} 人次"
                  + (f",平均评价 {t['average_rating']} 分" if t["average_rating"] else "")])
    sheet.append(["服务日期", "服务内容", "服务地点", "时长(小时)", "服务群众(人次)", "评价", "社区意见", "状态"])
    for cell in sheet[3]:
        cell.font = Font(bold=True)
    for o in record["orders"]:
        sheet.append([o["served_on"] or o["service_on"], o["title"], o["place"], o["hours"], o["residents_served"], o["rating"],
                      o["comment"], o["status_name"]])
        sheet.cell(row=sheet.max_row, column=1).number_format = "yyyy-mm-dd"
    for letter, width in zip("ABCDEFGH", (12, 24, 22, 10, 12, 8, 24, 12)):
        sheet.column_dimensions[letter].width = width
    book.save(path)
