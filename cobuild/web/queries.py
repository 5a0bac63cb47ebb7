"""The read side of the web app and the API: the same dicts for a page and a JSON client."""

from __future__ import annotations

from sqlalchemy import func, or_
from sqlalchemy import select as sa_select
from sqlmodel import select

from cobuild.actions.common import current_term
from cobuild.models import (
    Conference,
    ConferenceStatus,
    Election,
    Item,
    Member,
    MemberRole,
    Term,
    Unit,
)
from cobuild.models.base import jsonable, today_for
from cobuild.models.items import ITEM_COLUMNS, of_conferences, overdue_clause
from cobuild.models.messages import state_name
from cobuild.reports import outbox
from cobuild.reports.outbox import notification_rows
from cobuild.reports.tracking import item_stats, status_counts
from cobuild.reports.views import item_row, unit_names
from cobuild.web.operations import Ctx


def roles(ctx: Ctx) -> dict:
    """What the signed-in person is here: drives which controls a page shows (the use cases
    still decide; a hidden button is a convenience, not a permission)."""
    m = ctx.member
    term = current_term(ctx.session, ctx.council.id)
    return {
        "member_id": m.id if m else None,
        "unit_id": m.unit_id if m else None,
        "secretary": bool(m and m.role == MemberRole.secretary),
        "chair": bool(m and term and term.chair_member_id == m.id),
        "liaison": bool(m and m.is_liaison),
        "voter": bool(m and m.votes),
    }


def dashboard(ctx: Ctx) -> dict:
    """The council's figures on a day: the same for everyone in it, kept until the council changes."""
    from cobuild.reports.versioned import versioned

    today = today_for(ctx.council, ctx.now)
    return versioned(ctx.session, ctx.council.id, ("dashboard", today), lambda: _dashboard(ctx, today))


def _dashboard(ctx: Ctx, today) -> dict:
    s, council = ctx.session, ctx.council
    term = current_term(s, council.id)
    chair = s.get(Member, term.chair_member_id) if term and term.chair_member_id else None
    upcoming = s.exec(select(Conference).where(Conference.council_id == council.id,
                                               Conference.status.in_([ConferenceStatus.planned, ConferenceStatus.collecting,
                                                                      ConferenceStatus.agenda_locked, ConferenceStatus.held]))
                      .order_by(Conference.scheduled_at)).first()
    totals = item_stats(s, council, today, "council")
    units = unit_names(s, council.id)
    overdue = [item_row(i, units, today) for i in s.exec(
        select(Item).where(Item.council_id == council.id, overdue_clause(today)).order_by(Item.deadline).limit(50)).all()]
    open_election = s.exec(select(Election).where(Election.council_id == council.id, Election.status == "open")).first()
    return jsonable({
        "council": {"id": council.id, "name": council.name},
        "today": today,
        "term": {"id": term.id, "number": term.number, "starts_on": term.starts_on, "ends_on": term.ends_on,
                 "status": term.status} if term else None,
        "chair": {"name": chair.name, "unit": units.get(chair.unit_id)} if chair else None,
        "next_conference": {"id": upcoming.id, "code": upcoming.code, "status": upcoming.status,
                            "status_zh": state_name(upcoming.status), "scheduled_at": upcoming.scheduled_at,
                            "window_opens_at": upcoming.window_opens_at,
                            "window_closes_at": upcoming.window_closes_at} if upcoming else None,
        "open_election": {"id": open_election.id, "closes_at": open_election.closes_at} if open_election else None,
        "status_counts": status_counts(s, council.id),
        "totals": totals[0] if totals else None,
        "by_unit": item_stats(s, council, today, "unit"),
        "by_quarter": item_stats(s, council, today, "quarter"),
        "overdue": overdue,
        "services": _services(s, council, units),
    })


def _services(s, council, units: dict) -> dict:
    """The service menu on the dashboard: the council's orders and each unit's service (SPEC.md §9)."""
    from cobuild.reports.services import order_summary, unit_service

    figures = unit_service(s, council)
    return {"summary": order_summary(s, council),
            "by_unit": [{"unit": units.get(unit_id, "-"), **row} for unit_id, row in sorted(figures.items())]}


FILTERS = ("status", "unit", "category", "overdue", "quarter", "q")


def items(ctx: Ctx, *, status: str | None = None, unit: int | None = None, category: str | None = None,
          overdue: bool | None = None, quarter: str | None = None, q: str | None = None,
          limit: int = 200, offset: int = 0) -> dict:
    s, council = ctx.session, ctx.council
    today = today_for(council, ctx.now)
    # the table's columns, not the model: a list of rows to show, and loading up to 500 Items
    # through the ORM cost more than the query (bench/limits.md)
    query = sa_select(Item.__table__).where(ITEM_COLUMNS.council_id == council.id)
    if status:
        query = query.where(ITEM_COLUMNS.status == status)
    if unit:
        query = query.where(or_(ITEM_COLUMNS.raised_by_unit_id == unit, ITEM_COLUMNS.lead_unit_id == unit))
    if category:
        query = query.where(ITEM_COLUMNS.category == category)
    if quarter:
        conference_ids = sa_select(_CONFERENCES.id).where(_CONFERENCES.council_id == council.id,
                                                          _CONFERENCES.code == quarter)
        query = query.where(of_conferences(conference_ids))
    if q:
        pattern = f"%{q.strip()}%"
        query = query.where(or_(ITEM_COLUMNS.title.like(pattern), ITEM_COLUMNS.description.like(pattern),
                                ITEM_COLUMNS.number.like(pattern)))
    if overdue:
        query = query.where(overdue_clause(today))
    total = s.execute(sa_select(func.count()).select_from(query.subquery())).scalar_one()
    rows = s.execute(query.order_by(ITEM_COLUMNS.id.desc()).offset(offset).limit(min(max(limit, 1), 500))).all()
    units = unit_names(s, council.id)
    return jsonable({"total": total, "items": [item_row(i, units, today) for i in rows]})


_CONFERENCES = Conference.__table__.c


def conferences(ctx: Ctx) -> list[dict]:
    rows = ctx.session.exec(select(Conference).where(Conference.council_id == ctx.council.id)
                            .order_by(Conference.scheduled_at)).all()
    return jsonable([{"id": c.id, "code": c.code, "status": c.status, "status_zh": state_name(c.status),
                      "scheduled_at": c.scheduled_at, "window_opens_at": c.window_opens_at,
                      "window_closes_at": c.window_closes_at} for c in rows])


def terms(ctx: Ctx) -> list[dict]:
    names = {m.id: m.name for m in ctx.session.exec(select(Member).where(Member.council_id == ctx.council.id)).all()}
    rows = ctx.session.exec(select(Term).where(Term.council_id == ctx.council.id).order_by(Term.number)).all()
    return jsonable([{"id": t.id, "number": t.number, "starts_on": t.starts_on, "ends_on": t.ends_on,
                      "status": t.status, "status_zh": state_name(t.status),
                      "chair": names.get(t.chair_member_id)} for t in rows])


def elections(ctx: Ctx) -> list[dict]:
    rows = ctx.session.exec(select(Election).where(Election.council_id == ctx.council.id).order_by(Election.id)).all()
    return jsonable([{"id": e.id, "term_id": e.term_id, "round": e.round, "status": e.status,
                      "opens_at": e.opens_at, "closes_at": e.closes_at} for e in rows])


def people(ctx: Ctx) -> list[dict]:
    """Members of the council; contact details only for the secretary."""
    units = unit_names(ctx.session, ctx.council.id)
    rows = ctx.session.exec(select(Member).where(Member.council_id == ctx.council.id).order_by(Member.unit_id, Member.id)).all()
    return jsonable([{"id": m.id, "name": m.name, "unit_id": m.unit_id, "unit": units.get(m.unit_id), "role": m.role,
                      "is_liaison": m.is_liaison, "active": m.active, "language": m.language,
                      "delivery": m.delivery, "can_sign_in": m.account_id is not None} for m in rows])


def unit_list(ctx: Ctx) -> list[dict]:
    rows = ctx.session.exec(select(Unit).where(Unit.council_id == ctx.council.id).order_by(Unit.rotation_position)).all()
    from cobuild.web.operations import unit_dict

    return [unit_dict(u) for u in rows]


def _whose(ctx: Ctx) -> int | None:
    """All messages for the secretary and the chair, one's own for everyone else."""
    r = roles(ctx)
    return None if (r["secretary"] or r["chair"]) else (ctx.member.id if ctx.member else -1)


def notifications(ctx: Ctx, *, status: str | None = None, limit: int = 200, offset: int = 0) -> list[dict]:
    """What was sent to whom and what failed."""
    return notification_rows(ctx.session, council_id=ctx.council.id, member_id=_whose(ctx), status=status, limit=limit,
                             offset=offset)


def notification_counts(ctx: Ctx) -> dict[str, int]:
    return outbox.notification_counts(ctx.session, council_id=ctx.council.id, member_id=_whose(ctx))


def notification(ctx: Ctx, nid: int):
    """One message as its reader sees it, or None when it is not theirs to read."""
    from cobuild.models import Notification

    row = ctx.session.get(Notification, nid)
    if row is None or row.council_id != ctx.council.id:
        return None
    whose = _whose(ctx)
    return row if whose is None or row.member_id == whose else None
