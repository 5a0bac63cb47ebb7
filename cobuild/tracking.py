"""Completion tracking (SPEC.md section 5), computed by SQL aggregation in the database.

One function serves the CLI, the term report, the demo and (later) the web pages and exports.
Definitions:
- submitted: items raised; accepted: items the conference accepted;
- confirmed: items of a published resolution, not cancelled (the denominator);
- closed / on time: closed (销号), and closed on or before the (extended) deadline;
- overdue: confirmed, not closed, deadline passed (derived at `today`, never stored);
- completion rate 办结率 = closed ÷ confirmed; on-time rate 按期办结率 = on time ÷ confirmed.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import Integer, and_, case, cast, func, literal
from sqlmodel import Session, select

from models import (
    WORKING_STATES,
    Claim,
    ClaimRole,
    ClaimStatus,
    Commitment,
    CommitmentStatus,
    Conference,
    Council,
    Item,
    ItemStatus,
    Member,
    Term,
    Unit,
)

GROUPS = ("council", "term", "quarter", "unit")


def _days_since(session: Session, column, today: date):
    return _days_between(session, literal(today), column)


def _count(condition):
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def _rate(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def item_stats(session: Session, council: Council | None, today: date, group_by: str = "council",
               term_id: int | None = None, conference_code: str | None = None) -> list[dict]:
    """Rows of counts and rates, grouped by council, term, quarter (conference) or unit. With
    council None: every council at once, in the same few queries (a city's or a province's
    scorecards by council or by unit)."""
    if group_by not in GROUPS:
        raise ValueError(f"group_by must be one of {GROUPS}")
    if council is None and group_by not in ("council", "unit"):
        raise ValueError("across all councils, group by council or unit")
    in_council = [Item.council_id == council.id] if council is not None else []
    working = Item.status.in_(list(WORKING_STATES))  # type: ignore[attr-defined]
    confirmed = and_(Item.number.is_not(None), Item.status != ItemStatus.cancelled)  # type: ignore[union-attr]
    overdue = and_(working, Item.number.is_not(None), Item.deadline < today)  # type: ignore[union-attr,operator]
    days_over = _days_since(session, Item.deadline, today)

    raised_conf = Conference.__table__.alias("raised_conf")
    resolved_conf = Conference.__table__.alias("resolved_conf")

    # --- raised side: what each group submitted and what became of it
    raised_key = {"council": Item.council_id, "term": raised_conf.c.term_id,
                  "quarter": raised_conf.c.code, "unit": Item.raised_by_unit_id}[group_by]
    raised_q = (
        select(raised_key.label("key"), func.count().label("submitted"),
               _count(Item.accepted_at.is_not(None)).label("accepted"),  # type: ignore[union-attr]
               _count(Item.status == ItemStatus.merged).label("merged"),
               _count(Item.status == ItemStatus.deferred).label("deferred"),
               _count(Item.status == ItemStatus.rejected).label("rejected"))
        .select_from(Item).join(raised_conf, raised_conf.c.id == Item.raised_conference_id)
        .where(*in_council)
    )
    # --- confirmed side: the work, by the resolution that confirmed it or by the lead unit
    work_key = {"council": Item.council_id, "term": resolved_conf.c.term_id,
                "quarter": resolved_conf.c.code, "unit": Item.lead_unit_id}[group_by]
    work_q = (
        select(work_key.label("key"),
               _count(confirmed).label("confirmed"),
               _count(Item.status == ItemStatus.cancelled).label("cancelled"),
               _count(and_(confirmed, Item.lead_unit_id.is_not(None))).label("claimed_lead"),  # type: ignore[union-attr]
               _count(Item.status.in_([ItemStatus.in_progress, ItemStatus.close_requested, ItemStatus.reopened])).label("in_progress"),  # type: ignore[attr-defined]
               _count(Item.status == ItemStatus.close_requested).label("close_requested"),
               _count(Item.status == ItemStatus.closed).label("closed"),
               _count(and_(Item.status == ItemStatus.closed, Item.closed_on_time == True)).label("on_time"),  # noqa: E712
               _count(overdue).label("overdue"),
               func.coalesce(func.sum(case((overdue, days_over), else_=0)), 0).label("days_overdue"),
               func.coalesce(func.sum(case((confirmed, Item.extensions), else_=0)), 0).label("extensions"),
               func.avg(case((Item.status == ItemStatus.closed, Item.days_to_close))).label("avg_days_to_close"),
               func.avg(Item.satisfaction).label("satisfaction"),
               func.coalesce(func.sum(Item.send_backs), 0).label("send_backs"),
               func.coalesce(func.sum(Item.reopens), 0).label("reopens"))
        .select_from(Item).join(resolved_conf, resolved_conf.c.id == Item.resolution_conference_id)
        .where(*in_council, Item.number.is_not(None))  # type: ignore[union-attr]
    )
    if term_id is not None:
        raised_q = raised_q.where(raised_conf.c.term_id == term_id)
        work_q = work_q.where(resolved_conf.c.term_id == term_id)
    if conference_code is not None:
        raised_q = raised_q.where(raised_conf.c.code == conference_code)
        work_q = work_q.where(resolved_conf.c.code == conference_code)
    raised = {r.key: r._asdict() for r in session.exec(raised_q.group_by(raised_key)).all()}
    work = {r.key: r._asdict() for r in session.exec(work_q.group_by(work_key)).all()}
    coop_key = Claim.unit_id if group_by == "unit" else work_key
    coop_q = (select(coop_key.label("key"), func.count()).select_from(Claim).join(Item, Item.id == Claim.item_id)
              .join(resolved_conf, resolved_conf.c.id == Item.resolution_conference_id)
              .where(*in_council, Claim.role == ClaimRole.cooperating,
                     Claim.status == ClaimStatus.confirmed, confirmed))
    if term_id is not None:
        coop_q = coop_q.where(resolved_conf.c.term_id == term_id)
    if conference_code is not None:
        coop_q = coop_q.where(resolved_conf.c.code == conference_code)
    cooperating = dict(session.exec(coop_q.group_by(coop_key)).all())

    p90 = _p90_days_to_close(session, in_council, work_key, resolved_conf, term_id, conference_code)
    labels = _labels(session, council, group_by)
    keys = list(labels) if group_by in ("unit", "council") else sorted(set(raised) | set(work), key=lambda k: str(labels.get(k, k)))
    rows = []
    for key in keys:
        r, w = raised.get(key, {}), work.get(key, {})
        row = {"key": key, "label": labels.get(key, str(key))}
        for name in ("submitted", "accepted", "merged", "deferred", "rejected"):
            row[name] = int(r.get(name) or 0)
        for name in ("confirmed", "cancelled", "claimed_lead", "in_progress", "close_requested", "closed",
                     "on_time", "overdue", "days_overdue", "extensions", "send_backs", "reopens"):
            row[name] = int(w.get(name) or 0)
        row["claimed_cooperating"] = int(cooperating.get(key, 0))
        row["completion_rate"] = _rate(row["closed"], row["confirmed"])
        row["on_time_rate"] = _rate(row["on_time"], row["confirmed"])
        avg_days = w.get("avg_days_to_close")
        row["avg_days_to_close"] = round(float(avg_days), 1) if avg_days is not None else None
        row["p90_days_to_close"] = p90.get(key)
        satisfaction = w.get("satisfaction")
        row["satisfaction"] = round(float(satisfaction), 2) if satisfaction is not None else None
        rows.append(row)
    return rows


def _p90_days_to_close(session: Session, in_council: list, key, resolved_conf, term_id: int | None,
                       conference_code: str | None) -> dict:
    """Nearest-rank 90th percentile per group, with window functions (SQLite and PostgreSQL)."""
    ranked = (select(key.label("key"), Item.days_to_close.label("days"),
                     func.row_number().over(partition_by=key, order_by=Item.days_to_close).label("rank"),
                     func.count().over(partition_by=key).label("n"))
              .select_from(Item).join(resolved_conf, resolved_conf.c.id == Item.resolution_conference_id)
              .where(*in_council, Item.status == ItemStatus.closed, Item.number.is_not(None)))  # type: ignore[union-attr]
    if term_id is not None:
        ranked = ranked.where(resolved_conf.c.term_id == term_id)
    if conference_code is not None:
        ranked = ranked.where(resolved_conf.c.code == conference_code)
    ranked = ranked.subquery()
    query = select(ranked.c.key, func.min(ranked.c.days)).where(ranked.c.rank >= ranked.c.n * 0.9).group_by(ranked.c.key)
    return {k: int(v) for k, v in session.exec(query).all()}


def points(session: Session, council: Council | None, today: date, term_id: int | None = None,
           conference_code: str | None = None) -> list[dict]:
    """积分 per unit: counts from SQL, times its council's rule table, with the breakdown. With
    council None: every unit of every council, in the same five queries."""
    conf = Conference.__table__.alias("conf")
    scope = [Item.number.is_not(None), Item.status != ItemStatus.cancelled]  # type: ignore[union-attr]
    if council is not None:
        scope.append(Item.council_id == council.id)
    if term_id is not None:
        scope.append(conf.c.term_id == term_id)
    if conference_code is not None:
        scope.append(conf.c.code == conference_code)
    closed = Item.status == ItemStatus.closed
    late_days = case(
        (and_(closed, Item.closed_on > Item.deadline), _days_between(session, Item.closed_on, Item.deadline)),  # type: ignore[operator]
        (and_(Item.status.in_(list(WORKING_STATES)), Item.deadline < today), _days_since(session, Item.deadline, today)),  # type: ignore[attr-defined,operator]
        else_=0)

    def joined(query):
        return query.select_from(Item).join(conf, conf.c.id == Item.resolution_conference_id).where(*scope)

    led = {r.unit: r for r in session.exec(joined(select(
        Item.lead_unit_id.label("unit"),
        _count(and_(closed, Item.closed_on_time == True)).label("lead_closed_on_time"),  # noqa: E712
        _count(and_(closed, Item.closed_on_time == False)).label("lead_closed_late"),  # noqa: E712
        func.coalesce(func.sum(late_days), 0).label("overdue_day"),
        func.coalesce(func.sum(Item.send_backs), 0).label("sent_back"))).group_by(Item.lead_unit_id)).all()}
    raised = dict(session.exec(joined(select(Item.raised_by_unit_id, _count(closed))).group_by(Item.raised_by_unit_id)).all())
    cooperating = dict(session.exec(joined(select(Claim.unit_id, func.count()).join(Claim, Claim.item_id == Item.id))
                                    .where(Claim.role == ClaimRole.cooperating, Claim.status == ClaimStatus.confirmed, closed)
                                    .group_by(Claim.unit_id)).all())
    declined = dict(session.exec(joined(select(Claim.unit_id, func.count()).join(Claim, Claim.item_id == Item.id))
                                 .where(Claim.role == ClaimRole.lead, Claim.status == ClaimStatus.withdrawn)
                                 .group_by(Claim.unit_id)).all())
    rules_of = {council.id: council.points_rules} if council is not None else \
        {c.id: c.points_rules for c in session.exec(select(Council)).all()}
    rows = []
    for unit in _units(session, council):
        rules = rules_of[unit.council_id]
        row = led.get(unit.id)
        counts = {
            "lead_closed_on_time": int(row.lead_closed_on_time) if row else 0,
            "lead_closed_late": int(row.lead_closed_late) if row else 0,
            "cooperating": int(cooperating.get(unit.id, 0)),
            "raised_verified": int(raised.get(unit.id, 0)),
            "overdue_day": int(row.overdue_day) if row else 0,
            "sent_back": int(row.sent_back) if row else 0,
            "declined": int(declined.get(unit.id, 0)),
        }
        breakdown = {rule: {"count": n, "points": n * rules[rule]} for rule, n in counts.items()}
        rows.append({"unit_id": unit.id, "unit": unit.name, "council_id": unit.council_id,
                     "points": sum(b["points"] for b in breakdown.values()),
                     "breakdown": breakdown})
    return rows


def ranking(session: Session, council: Council, today: date, term_id: int | None = None,
            conference_code: str | None = None) -> dict:
    """The racing board (拉榜排名): units by points, then completion rate; equal scores share a rank."""
    scores = points(session, council, today, term_id=term_id, conference_code=conference_code)
    stats = {r["key"]: r for r in item_stats(session, council, today, "unit", term_id=term_id,
                                             conference_code=conference_code)}
    rows = []
    for score in scores:
        unit_stats = stats.get(score["unit_id"], {})
        rows.append({**score, "completion_rate": unit_stats.get("completion_rate"),
                     "confirmed": unit_stats.get("confirmed", 0), "closed": unit_stats.get("closed", 0)})
    rows.sort(key=lambda r: (-r["points"], -(r["completion_rate"] or 0), r["unit"]))
    previous, rank = None, 0
    for position, row in enumerate(rows, start=1):
        key = (row["points"], row["completion_rate"])
        if key != previous:
            rank, previous = position, key
        row["rank"] = rank
    return {"period": conference_code or (f"term:{term_id}" if term_id else "all"), "rules": council.points_rules,
            "order": "积分从高到低,积分相同按办结率 / points, then completion rate", "rows": rows}


def _days_between(session: Session, later, earlier):
    if session.get_bind().dialect.name == "sqlite":
        return cast(func.julianday(later) - func.julianday(earlier), Integer)
    return later - earlier


def _units(session: Session, council: Council | None) -> list[Unit]:
    """One council's units in rotation order, or every council's, council by council."""
    query = select(Unit).order_by(Unit.council_id, Unit.rotation_position)
    if council is not None:
        query = query.where(Unit.council_id == council.id)
    return list(session.exec(query).all())


def _labels(session: Session, council: Council | None, group_by: str) -> dict:
    if group_by == "council":
        if council is None:
            return {c.id: c.name for c in session.exec(select(Council).order_by(Council.id)).all()}
        return {council.id: council.name}
    if group_by == "unit":
        return {u.id: u.name for u in _units(session, council)}
    if group_by == "term":
        return {t.id: f"第{t.number}届 {t.starts_on}~{t.ends_on}"
                for t in session.exec(select(Term).where(Term.council_id == council.id)).all()}
    return {c.code: c.code for c in session.exec(select(Conference).where(Conference.council_id == council.id)).all()}


def status_counts(session: Session, council_id: int | None = None) -> dict[str, int]:
    query = select(Item.status, func.count()).group_by(Item.status)
    if council_id is not None:
        query = query.where(Item.council_id == council_id)
    counts = {s.value: 0 for s in ItemStatus}
    counts.update({str(status): n for status, n in session.exec(query).all()})
    return counts


def term_report_data(session: Session, council: Council, term: Term, today: date) -> dict:
    """The term report (通报): commitments kept, per-unit work and the evaluation result."""
    from cobuild.actions.terms import evaluation_summary

    commitments = session.exec(select(Commitment).where(Commitment.term_id == term.id).order_by(Commitment.seq)).all()
    chair = session.get(Member, term.chair_member_id) if term.chair_member_id else None
    unit = session.get(Unit, term.chair_unit_id) if term.chair_unit_id else None
    totals = item_stats(session, council, today, "council", term_id=term.id)[0]
    return {
        "council": council.name,
        "term": term.number,
        "starts_on": term.starts_on.isoformat(),
        "ends_on": term.ends_on.isoformat(),
        "chair": chair.name if chair else None,
        "chair_unit": unit.name if unit else None,
        "chair_source": term.chair_source,
        "inaugural_statement": term.inaugural_statement,
        "commitments": [{"seq": c.seq, "title": c.title, "status": c.status, "note": c.closing_note}
                        for c in commitments],
        "commitments_kept": sum(c.status == CommitmentStatus.done for c in commitments),
        "totals": totals,
        "units": item_stats(session, council, today, "unit", term_id=term.id),
        "quarters": item_stats(session, council, today, "quarter", term_id=term.id),
        "ranking": ranking(session, council, today, term_id=term.id),
        "evaluation": evaluation_summary(session, term),
        "as_of": today.isoformat(),
    }
