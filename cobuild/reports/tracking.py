"""Completion tracking (SPEC.md section 5), computed by SQL aggregation in the database.

One function serves the CLI, the term report, the demo and (later) the web pages and exports.
Definitions:
- submitted: items raised; accepted: items the conference accepted;
- confirmed: items of a published resolution, not cancelled (the denominator);
- closed / on time: closed (销号), and closed on or before the (extended) deadline;
- overdue: confirmed, not closed, deadline passed (derived at `today`, never stored);
- not yet due 未到期: confirmed, not closed, deadline today or later (or not yet set);
- due 应办结 = confirmed − not yet due: closed items, and open ones past their deadline;
- completion rate 办结率 = closed ÷ due; on-time rate 按期办结率 = on time ÷ due. An item not yet
  due counts against nobody: a quarter's rates are fair on its first day as on its last.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import Integer, and_, case, cast, func, literal, or_, text
from sqlmodel import Session, select

from cobuild.models import (
    Claim,
    ClaimRole,
    ClaimStatus,
    Commitment,
    CommitmentStatus,
    Conference,
    Council,
    EvaluationBallot,
    Item,
    ItemStatus,
    Member,
    Term,
    Unit,
)
from cobuild.models.base import share_ranks
from cobuild.models.items import WORKING_STATES, not_due_clause, overdue_clause
from cobuild.models.terms import summarise_evaluation

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
    if group_by == "unit":
        return [_stats_row(card) for card in _unit_cards(session, council, today, term_id, conference_code)]
    in_council = [Item.council_id == council.id] if council is not None else []
    period = _Period(term_id, conference_code, joined=group_by in ("term", "quarter"))
    raised_key = {"council": Item.council_id, "term": period.raised.c.term_id, "quarter": period.raised.c.code}[group_by]
    work_key = {"council": Item.council_id, "term": period.resolved.c.term_id, "quarter": period.resolved.c.code}[group_by]
    raised = _by_key(session, period.raised_side(select(raised_key.label("key"), *_raised_columns())
                                                 .select_from(Item).where(*in_council)), raised_key)
    work = _by_key(session, period.work_side(select(work_key.label("key"), *_work_columns(session, today))
                                             .select_from(Item).where(*in_council)), work_key)
    cooperating = dict(session.exec(period.work_side(
        select(work_key.label("key"), func.count()).select_from(Claim).join(Item, Item.id == Claim.item_id)
        .where(*in_council, Claim.role == ClaimRole.cooperating, Claim.status == ClaimStatus.confirmed,
               Item.status != ItemStatus.cancelled)).group_by(work_key)).all())
    p90 = _p90_days_to_close(session, in_council, work_key, period)
    labels = _labels(session, council, group_by)
    keys = list(labels) if group_by == "council" else sorted(set(raised) | set(work), key=lambda k: str(labels.get(k, k)))
    return [_stats_row({"key": key, "label": labels.get(key, str(key)), **raised.get(key, {}), **work.get(key, {}),
                        "claimed_cooperating": cooperating.get(key, 0), "p90_days_to_close": p90.get(key)})
            for key in keys]


def points(session: Session, council: Council | None, today: date, term_id: int | None = None,
           conference_code: str | None = None) -> list[dict]:
    """积分 per unit: counts from SQL, times its council's rule table, with the breakdown. With
    council None: every unit of every council, in the same few queries."""
    return [_points_row(card) for card in _unit_cards(session, council, today, term_id, conference_code)]


def scorecards(session: Session, council: Council | None, today: date, term_id: int | None = None,
               conference_code: str | None = None) -> list[dict]:
    """Per unit, its item_stats row and its points together (what a city's report prints), from
    one set of queries: item_stats(…, "unit") and points() each run the same set."""
    return [{**_stats_row(card), **_points_row(card)}
            for card in _unit_cards(session, council, today, term_id, conference_code)]


class _Period:
    """The raising and the resolving conference, joined only where a grouping or a filter
    (term, conference code) needs them: over 1M items each join is a lookup per row."""

    def __init__(self, term_id: int | None, conference_code: str | None, joined: bool = False):
        self.term_id, self.code = term_id, conference_code
        self.joined = joined or term_id is not None or conference_code is not None
        self.raised = Conference.__table__.alias("raised_conf")
        self.resolved = Conference.__table__.alias("resolved_conf")

    def _side(self, query, conf, column):
        if not self.joined:
            return query
        query = query.join(conf, conf.c.id == column)
        if self.term_id is not None:
            query = query.where(conf.c.term_id == self.term_id)
        if self.code is not None:
            query = query.where(conf.c.code == self.code)
        return query

    def raised_side(self, query):
        return self._side(query, self.raised, Item.raised_conference_id)

    def work_side(self, query):
        """Numbered items (a published resolution confirmed them), in the period if one is given."""
        query = query.where(Item.number.is_not(None), Item.resolution_conference_id.is_not(None))
        return self._side(query, self.resolved, Item.resolution_conference_id)


def _raised_columns() -> list:
    return [func.count().label("submitted"),
            _count(Item.accepted_at.is_not(None)).label("accepted"),
            _count(Item.status == ItemStatus.merged).label("merged"),
            _count(Item.status == ItemStatus.deferred).label("deferred"),
            _count(Item.status == ItemStatus.rejected).label("rejected")]


def _work_columns(session: Session, today: date | None = None) -> list:
    """The work side's aggregates over numbered items, by whatever key; with `today`, also the
    overdue ones (which move with the day)."""
    confirmed = Item.status != ItemStatus.cancelled
    columns = [_count(confirmed).label("confirmed"),
            _count(Item.status == ItemStatus.cancelled).label("cancelled"),
            _count(and_(confirmed, Item.lead_unit_id.is_not(None))).label("claimed_lead"),
            _count(Item.status.in_([ItemStatus.in_progress, ItemStatus.close_requested, ItemStatus.reopened])).label("in_progress"),
            _count(Item.status == ItemStatus.close_requested).label("close_requested"),
            _count(Item.status == ItemStatus.closed).label("closed"),
            _count(and_(Item.status == ItemStatus.closed, Item.closed_on_time == True)).label("on_time"),  # noqa: E712
            func.coalesce(func.sum(case((confirmed, Item.extensions), else_=0)), 0).label("extensions"),
            func.avg(case((Item.status == ItemStatus.closed, Item.days_to_close))).label("avg_days_to_close"),
            func.avg(Item.satisfaction).label("satisfaction"),
            func.coalesce(func.sum(Item.send_backs), 0).label("send_backs"),
            func.coalesce(func.sum(Item.reopens), 0).label("reopens")]
    if today is not None:
        overdue = overdue_clause(today)
        columns += [_count(overdue).label("overdue"), _count(not_due_clause(today)).label("not_due"),
                    func.coalesce(func.sum(case((overdue, _days_since(session, Item.deadline, today)), else_=0)), 0)
                    .label("days_overdue")]
    return columns


def _by_key(session: Session, query, key) -> dict:
    return {r.key: r._asdict() for r in session.exec(query.group_by(key)).all()}


def _unit_cards(session: Session, council: Council | None, today: date, term_id: int | None,
                conference_code: str | None) -> list[dict]:
    """Everything a unit's scorecard and points need, per unit in rotation order. Without a
    period the day-free counts come from the kept cards (models.reports), refreshed first for the
    units whose items or claims changed; with one they are computed (four passes over the items:
    raised side, work side, claims, the p90 window). The overdue counts, which move with the day,
    are computed on every call from the (status, deadline) index."""
    in_council = [Item.council_id == council.id] if council is not None else []
    period = _Period(term_id, conference_code)
    units = _unit_rows(session, council)
    cards = _compute_cards(session, in_council, period) if period.joined else _kept_cards(session, council, units)
    overdue = _overdue(session, in_council, today, period)
    rules_of = {council.id: council.points_rules} if council is not None else \
        {c.id: c.points_rules for c in session.exec(select(Council)).all()}
    rows = []
    for unit in units:
        card, late = cards.get(unit.id, {}), overdue.get(unit.id, (0, 0, 0))
        rows.append({"key": unit.id, "label": unit.name, "council_id": unit.council_id, "rules": rules_of[unit.council_id],
                     **card, "overdue": late[0], "days_overdue": late[1], "not_due": late[2],
                     "overdue_day": (card.get("late_closed_days") or 0) + late[1]})
    return rows


def _compute_cards(session: Session, in_council: list, period: _Period, units: list[int] | None = None) -> dict:
    """The day-free part of each unit's card: {unit id: counts}, for every unit with items in
    scope, or only for `units`."""
    def only(column):
        return [column.in_(units)] if units is not None else []

    closed = Item.status == ItemStatus.closed
    # the points' "raised and verified" counts closed items by the period of their resolution,
    # the raised side by the period they were raised in: one pass when no period is given
    raised_query = select(Item.raised_by_unit_id.label("key"), *_raised_columns()).select_from(Item) \
        .where(*in_council, *only(Item.raised_by_unit_id))
    if not period.joined:
        raised_query = raised_query.add_columns(
            _count(and_(closed, Item.number.is_not(None), Item.resolution_conference_id.is_not(None))).label("raised_verified"))
    raised = _by_key(session, period.raised_side(raised_query), Item.raised_by_unit_id)
    if period.joined:
        verified = dict(session.exec(period.work_side(select(Item.raised_by_unit_id, _count(closed))
                                                      .where(*in_council, *only(Item.raised_by_unit_id)))
                                     .group_by(Item.raised_by_unit_id)).all())
        for key, n in verified.items():
            raised.setdefault(key, {})["raised_verified"] = n
    work = _by_key(session, period.work_side(select(  # type: ignore[call-overload]  # more columns than its overloads list
        Item.lead_unit_id.label("key"), *_work_columns(session),
        _count(and_(closed, Item.closed_on_time == True)).label("lead_closed_on_time"),  # noqa: E712
        _count(and_(closed, Item.closed_on_time == False)).label("lead_closed_late"),  # noqa: E712
        func.coalesce(func.sum(case((and_(closed, Item.closed_on > Item.deadline),
                                     _days_between(session, Item.closed_on, Item.deadline)), else_=0)), 0)
        .label("late_closed_days"),
        func.coalesce(func.sum(case((Item.status != ItemStatus.cancelled, Item.send_backs), else_=0)), 0).label("sent_back"))
        .select_from(Item).where(*in_council, *only(Item.lead_unit_id))), Item.lead_unit_id)
    cooperating = and_(Claim.role == ClaimRole.cooperating, Claim.status == ClaimStatus.confirmed)
    claims = _by_key(session, period.work_side(select(
        Claim.unit_id.label("key"),
        _count(and_(cooperating, Item.status != ItemStatus.cancelled)).label("claimed_cooperating"),
        _count(and_(cooperating, closed)).label("cooperating"),
        _count(and_(Claim.role == ClaimRole.lead, Claim.status == ClaimStatus.withdrawn,
                    Item.status != ItemStatus.cancelled)).label("declined"))
        .select_from(Claim).join(Item, Item.id == Claim.item_id)
        # the confirmed lead claims (one per item, most of the table) count nowhere here: leaving
        # them out before the join saves a lookup of their item each
        .where(*in_council, *only(Claim.unit_id),
               or_(cooperating, and_(Claim.role == ClaimRole.lead, Claim.status == ClaimStatus.withdrawn)))),
        Claim.unit_id)
    p90 = _p90_days_to_close(session, [*in_council, *only(Item.lead_unit_id)], Item.lead_unit_id, period)
    cards: dict[int, dict] = {}
    for part in (raised, work, claims):
        for key, values in part.items():
            if key is not None:
                cards.setdefault(key, {}).update({k: _plain(v) for k, v in values.items() if k != "key"})
    for key, days in p90.items():
        cards.setdefault(key, {})["p90_days_to_close"] = days
    return cards


def _plain(value):
    """JSON-safe numbers: PostgreSQL's avg() is a Decimal."""
    from decimal import Decimal

    return float(value) if isinstance(value, Decimal) else value


def _overdue(session: Session, in_council: list, today: date, period: _Period) -> dict:
    """{lead unit id: (overdue items, their days overdue)} at `today`: confirmed items still being
    worked whose deadline has passed — read through the (status, deadline) index."""
    late = overdue_clause(today)
    query = period.work_side(
        select(Item.lead_unit_id, _count(late), func.coalesce(func.sum(case((late, _days_since(session, Item.deadline, today)),
                                                                           else_=0)), 0),
               _count(not_due_clause(today)))
        .select_from(Item)
        .where(*in_council, Item.status.in_(sorted(WORKING_STATES))))
    return {unit: (int(n), int(days), int(waiting)) for unit, n, days, waiting
            in session.exec(query.group_by(Item.lead_unit_id)).all()}


# ---- kept cards ---------------------------------------------------------------------------

CHUNK = 500  # units per IN list when only some cards are recomputed
# above this share of the scope's units stale, one pass over the scope instead: a unit
# recomputed through the indexes costs about twice its share of one pass (bench/limits.md)
FULL_PASS_SHARE = 0.4


def refresh_kept_cards(session: Session) -> int:
    """Recompute and store the cards of every unit whose items or claims changed since the last
    refresh (the scheduler calls this every tick, so a report finds few to do); returns how many."""
    return _kept_cards(session, None, _unit_rows(session, None), read=False)


def _kept_cards(session: Session, council: Council | None, units: list, read: bool = True):
    """The kept day-free cards of `units` (one council's, or every council's), with the stale
    ones recomputed and stored first. The refresh runs in its own transaction, so a report
    never commits its caller's work; a caller with uncommitted writes gets computed cards."""
    if _has_uncommitted_writes(session):
        return _compute_cards(session, [Item.council_id == council.id] if council is not None else [], _Period(None, None)) \
            if read else 0
    with Session(session.get_bind(), expire_on_commit=False) as own:
        cards, refreshed = _refresh(own, council, units, read)
        own.commit()
    return cards if read else refreshed


def _refresh(session: Session, council: Council | None, units: list, read: bool) -> tuple[dict, int]:
    from sqlalchemy import delete, insert

    from cobuild.models import UnitCard, UnitCardStale

    in_scope = [UnitCardStale.unit_id.in_(select(Unit.id).where(Unit.council_id == council.id))] if council else []
    kept_query = select(UnitCard.unit_id, UnitCard.card)
    if council is not None:
        kept_query = kept_query.where(UnitCard.council_id == council.id)
    if session.exec(select(UnitCardStale.id).where(*in_scope).limit(1)).first() is None:
        return (dict(session.exec(kept_query).all()) if read else {}), 0  # nothing to recompute: no lock
    # One refresh at a time, and no marks written while it runs. Without it, a mark from a
    # transaction still in flight could be deleted below without its change counted, and of two
    # overlapping refreshes the older could store its cards last, over the newer.
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("LOCK TABLE unitcardstale IN SHARE ROW EXCLUSIVE MODE"))
    else:
        session.connection().exec_driver_sql("BEGIN IMMEDIATE")
    high = session.exec(select(func.max(UnitCardStale.id))).one()
    if high is None:  # another refresh took them while this one waited
        return (dict(session.exec(kept_query).all()) if read else {}), 0
    stale = set(session.exec(select(UnitCardStale.unit_id).where(UnitCardStale.id <= high, *in_scope).distinct()).all())
    council_of = {u.id: u.council_id for u in units}
    stale &= set(council_of)  # marks of units that no longer exist are only deleted
    cards: dict = {}
    if len(stale) > FULL_PASS_SHARE * len(units):  # much of the scope: one pass beats an index walk per unit
        in_council = [Item.council_id == council.id] if council is not None else []
        fresh = _compute_cards(session, in_council, _Period(None, None))
        stale = set(council_of)
    else:
        fresh, ordered = {}, sorted(stale)
        for start in range(0, len(ordered), CHUNK):
            fresh.update(_compute_cards(session, [], _Period(None, None), ordered[start:start + CHUNK]))
        if read:
            cards = dict(session.exec(kept_query).all())
    ordered = sorted(stale)
    for start in range(0, len(ordered), CHUNK):
        session.execute(delete(UnitCard).where(UnitCard.unit_id.in_(ordered[start:start + CHUNK])))
    rows = [{"unit_id": unit, "council_id": council_of[unit], "card": fresh[unit]} for unit in ordered if fresh.get(unit)]
    for start in range(0, len(rows), 5000):
        session.execute(insert(UnitCard), rows[start:start + 5000])
    session.execute(delete(UnitCardStale).where(UnitCardStale.id <= high, *in_scope))
    if not read:
        return {}, len(stale)
    for unit in stale:
        cards.pop(unit, None)
    cards.update({unit: card for unit, card in fresh.items() if unit in council_of})
    return cards, len(stale)


def _has_uncommitted_writes(session: Session) -> bool:
    connection = session.connection()
    if connection.dialect.name == "sqlite":
        # pysqlite opens a transaction only before a write
        return bool(connection.connection.dbapi_connection.in_transaction)
    return connection.execute(text("SELECT txid_current_if_assigned()")).scalar() is not None


def _stats_row(card: dict) -> dict:
    row = {"key": card["key"], "label": card["label"]}
    for name in ("submitted", "accepted", "merged", "deferred", "rejected", "confirmed", "cancelled", "claimed_lead",
                 "in_progress", "close_requested", "closed", "on_time", "overdue", "days_overdue", "extensions",
                 "send_backs", "reopens", "not_due"):
        row[name] = int(card.get(name) or 0)
    row["claimed_cooperating"] = int(card.get("claimed_cooperating") or 0)
    row["due"] = max(row["confirmed"] - row["not_due"], 0)
    row["completion_rate"] = _rate(row["closed"], row["due"])
    row["on_time_rate"] = _rate(row["on_time"], row["due"])
    avg_days = card.get("avg_days_to_close")
    row["avg_days_to_close"] = round(float(avg_days), 1) if avg_days is not None else None
    row["p90_days_to_close"] = card.get("p90_days_to_close")
    satisfaction = card.get("satisfaction")
    row["satisfaction"] = round(float(satisfaction), 2) if satisfaction is not None else None
    return row


def _points_row(card: dict) -> dict:
    rules = card["rules"]
    counts = {name: int(card.get(name) or 0) for name in
              ("lead_closed_on_time", "lead_closed_late", "cooperating", "raised_verified", "overdue_day", "sent_back",
               "declined")}
    breakdown = {rule: {"count": n, "points": n * rules[rule]} for rule, n in counts.items()}
    return {"unit_id": card["key"], "unit": card["label"], "council_id": card["council_id"],
            "points": sum(b["points"] for b in breakdown.values()), "breakdown": breakdown}


def _p90_days_to_close(session: Session, in_council: list, key, period: _Period) -> dict:
    """Nearest-rank 90th percentile per group, with window functions (SQLite and PostgreSQL)."""
    ranked = period.work_side(
        select(key.label("key"), Item.days_to_close.label("days"),
               func.row_number().over(partition_by=key, order_by=Item.days_to_close).label("rank"),
               func.count().over(partition_by=key).label("n"))
        .select_from(Item).where(*in_council, Item.status == ItemStatus.closed)).subquery()
    query = select(ranked.c.key, func.min(ranked.c.days)).where(ranked.c.rank >= ranked.c.n * 0.9).group_by(ranked.c.key)
    return {k: int(v) for k, v in session.exec(query).all()}


def ranking(session: Session, council: Council, today: date, term_id: int | None = None,
            conference_code: str | None = None) -> dict:
    """The racing board (拉榜排名): units by points, then completion rate; equal scores share a rank."""
    rows = [{**_points_row(card), "completion_rate": _rate(int(card.get("closed") or 0),
                                                           max(int(card.get("confirmed") or 0) - int(card.get("not_due") or 0), 0)),
             "confirmed": int(card.get("confirmed") or 0), "closed": int(card.get("closed") or 0)}
            for card in _unit_cards(session, council, today, term_id, conference_code)]
    if conference_code is None:  # the service menu counts by term or in all (its orders belong to no conference)
        _add_service_points(session, council, rows, term_id)
    rows.sort(key=lambda r: (-r["points"], -(r["completion_rate"] or 0), r["unit"]))
    share_ranks(rows, lambda r: (r["points"], r["completion_rate"]))
    from cobuild.models.councils import DEFAULT_POINTS

    return {"period": conference_code or (f"term:{term_id}" if term_id else "all"),
            "rules": {**DEFAULT_POINTS, **council.points_rules},
            "order": "积分从高到低,积分相同按办结率 / points, then completion rate", "rows": rows}


def _add_service_points(session: Session, council: Council, rows: list[dict], term_id: int | None) -> None:
    """Orders served and residents served (SPEC.md §9), by the council's rules (a council made
    before the rules existed gets the defaults), served within the term when one is given."""
    from cobuild.models import Term
    from cobuild.models.councils import DEFAULT_POINTS
    from cobuild.reports.services import unit_service

    term = session.get(Term, term_id) if term_id else None
    service = unit_service(session, council, (term.starts_on, term.ends_on) if term else None)
    for row in rows:
        figures = service.get(row["unit_id"], {})
        for rule, count in (("order_served", figures.get("orders_served", 0)),
                            ("residents_served_10", figures.get("residents_served", 0) // 10)):
            points = count * council.points_rules.get(rule, DEFAULT_POINTS[rule])
            row["breakdown"][rule] = {"count": count, "points": points}
            row["points"] += points


def _days_between(session: Session, later, earlier):
    if session.get_bind().dialect.name == "sqlite":
        return cast(func.julianday(later) - func.julianday(earlier), Integer)
    return later - earlier


def _unit_rows(session: Session, council: Council | None) -> list:
    """(id, name, council_id) rows in rotation order: a city has thousands of units, and ORM
    objects for them were a visible part of a report."""
    query = select(Unit.id, Unit.name, Unit.council_id).order_by(Unit.council_id, Unit.rotation_position)
    if council is not None:
        query = query.where(Unit.council_id == council.id)
    return list(session.exec(query).all())


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
        "services": service_rows(session, council, term),
        "evaluation": evaluation_summary(session, term),
        "as_of": today.isoformat(),
    }


def service_rows(session: Session, council: Council, term: Term) -> list[dict]:
    """Each unit's service orders served within the term (SPEC.md §9), for the term report."""
    from cobuild.reports.services import unit_service

    figures = unit_service(session, council, (term.starts_on, term.ends_on))
    return [{"unit": name, **figures[unit_id]} for unit_id, name, _ in _unit_rows(session, council) if unit_id in figures]


def evaluation_summary(session: Session, term: Term) -> dict:
    rows = session.exec(select(EvaluationBallot.grade, EvaluationBallot.score)
                        .where(EvaluationBallot.term_id == term.id)).all()
    return summarise_evaluation([r[0] for r in rows], [r[1] for r in rows])
