"""The yearly appraisal of member units (SPEC.md §10): open a round, self-evaluations, ratings by
the street and the community, residents' single-use codes, and publication (frozen). Raters'
scores stay secret until publication: the audit trail records that a rating was given, not what."""

from __future__ import annotations

import hashlib
import secrets
from datetime import date, datetime

from sqlalchemy import func
from sqlmodel import Session, select

from cobuild.actions.common import get, invalid, record, require_liaison, require_secretary, use_case
from cobuild.actions.handoffs import liaisons, queue_about
from cobuild.models import (
    Attendance,
    Conference,
    ConferenceStatus,
    Conflict,
    Council,
    InvalidInput,
    Member,
    PermissionDenied,
    Street,
    StreetStaff,
    Unit,
    UnitKind,
)
from cobuild.models.appraisal import (
    DEFAULT_WEIGHTS,
    RATED,
    AppraisalRound,
    Rating,
    ResidentCode,
    ResidentRating,
    RoundStatus,
    SelfEvaluation,
    grade_units,
    quantitative,
    weighted,
)
from cobuild.models.base import plain_text, today_for

CODE_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # no 0/O, 1/I: read off a printed sheet


def councils_of_round(session: Session, row: AppraisalRound) -> list[Council]:
    if row.council_id is not None:
        return [get(session, Council, row.council_id, "council")]
    return list(session.exec(select(Council).where(Council.street_id == row.street_id).order_by(Council.id)).all())


def units_of_round(session: Session, row: AppraisalRound) -> list[Unit]:
    ids = [c.id for c in councils_of_round(session, row)]
    return list(session.exec(select(Unit).where(Unit.council_id.in_(ids), Unit.kind != UnitKind.community,
                                                Unit.active == True).order_by(Unit.council_id, Unit.rotation_position)).all())  # noqa: E712


def _require_open(session: Session, row: AppraisalRound, council: Council, now: datetime, action: str) -> None:
    if row.status != RoundStatus.open:
        raise Conflict("round_published", action=action)
    if today_for(council, now) > row.closes_on:
        raise Conflict("round_closed", day=row.closes_on.isoformat(), action=action)


def _scores(scores: dict | None) -> dict[str, int]:
    clean: dict[str, int] = {}
    for key, value in (scores or {}).items():
        if key not in RATED or isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= 100:
            raise invalid("appraisal_scores")
        clean[key] = int(round(value))
    if set(clean) != set(RATED):
        raise invalid("appraisal_scores")
    return clean


@use_case
def open_round(session: Session, *, now: datetime, year: int, self_due: date, closes_on: date,
               council: Council | None = None, street: Street | None = None, by: Member | None = None,
               staff: StreetStaff | None = None, weights: dict | None = None, excellent_cap: float | None = None) -> AppraisalRound:
    """A council's secretary opens its own round; the street's staff a round of all its councils."""
    if (council is None) == (street is None):
        raise invalid("round_scope")
    if council is not None:
        require_secretary(council, by, "open_appraisal")
    elif staff is None or staff.street_id != street.id or not staff.active:
        raise PermissionDenied("not_street_staff")
    weights = {**DEFAULT_WEIGHTS, **(weights or {})}
    if set(weights) != set(DEFAULT_WEIGHTS) or any(not isinstance(v, (int, float)) or v < 0 for v in weights.values()) \
            or sum(weights.values()) <= 0:
        raise invalid("round_weights")
    if excellent_cap is not None and not 0 < excellent_cap <= 1:
        raise invalid("round_cap")
    if self_due > closes_on or not 2000 <= year <= 2100:
        raise invalid("round_dates")
    scope = AppraisalRound.council_id == council.id if council else AppraisalRound.street_id == street.id
    if session.exec(select(AppraisalRound).where(scope, AppraisalRound.year == year)).first():
        raise Conflict("round_exists", year=year)
    row = AppraisalRound(council_id=council.id if council else None, street_id=street.id if street else None, year=year,
                         weights=weights, excellent_cap=excellent_cap, self_due=self_due, closes_on=closes_on, opened_at=now)
    session.add(row)
    session.flush()
    record(session, council_id=council.id if council else None, by=by, action="appraisal.open", subject=row, now=now,
           after={"year": year, "weights": weights, "excellent_cap": excellent_cap, "self_due": self_due,
                  "closes_on": closes_on, "street": street.name if street else None})
    # every unit's liaisons hear at once: what is asked of them, and by when
    for unit in units_of_round(session, row):
        home = get(session, Council, unit.council_id, "council")
        queue_about(session, home, liaisons(session, unit.id), "appraisal_open", now, "open", "appraisal", row.id,
                    {"year": year, "unit": unit.name, "due": self_due.isoformat(), "closes": closes_on.isoformat(),
                     "by": street.name if street else home.name})
    return row


def _in_round(session: Session, row: AppraisalRound, unit: Unit) -> Council:
    if unit.id not in {u.id for u in units_of_round(session, row)}:
        raise InvalidInput("wrong_council", subject="unit")
    return get(session, Council, unit.council_id, "council")


@use_case
def submit_self(session: Session, row: AppraisalRound, unit: Unit, *, by: Member | None, now: datetime, report: str,
                scores: dict) -> SelfEvaluation:
    """The unit's liaison: a short report and a self-score per indicator, by the due day."""
    council = _in_round(session, row, unit)
    member = require_liaison(session, by, unit, "self_evaluate")
    _require_open(session, row, council, now, "self_evaluate")
    if today_for(council, now) > row.self_due:
        raise Conflict("self_due_passed", day=row.self_due.isoformat())
    text = str(plain_text(report or "", multiline=True)).strip()
    if not 1 <= len(text) <= 4000:
        raise invalid("self_report")
    clean = _scores(scores)
    existing = session.exec(select(SelfEvaluation).where(SelfEvaluation.round_id == row.id,
                                                         SelfEvaluation.unit_id == unit.id)).first()
    self_row = existing or SelfEvaluation(round_id=row.id, unit_id=unit.id, report=text, submitted_by=member.id, submitted_at=now)
    self_row.report, self_row.scores, self_row.submitted_by, self_row.submitted_at = text, clean, member.id, now
    session.add(self_row)
    session.flush()
    record(session, council_id=council.id, by=member, action="appraisal.self", subject=self_row, now=now,
           after={"round_id": row.id, "unit": unit.name})
    return self_row


@use_case
def rate_unit(session: Session, row: AppraisalRound, unit: Unit, *, now: datetime, scores: dict, comment: str = "",
              by: Member | None = None, staff: StreetStaff | None = None) -> Rating:
    """A rater scores a unit per indicator (0–100) with a comment: the street's staff as the street,
    the unit's council's secretary as the community. A rater may change their scores until the round closes."""
    council = _in_round(session, row, unit)
    if staff is not None:
        if council.street_id is None or staff.street_id != council.street_id or not staff.active:
            raise PermissionDenied("not_street_staff")
        kind, rater = "street", f"staff:{staff.id}"
    else:
        require_secretary(council, by, "rate_unit")
        kind, rater = "community", f"member:{by.id}"
    _require_open(session, row, council, now, "rate_unit")
    clean = _scores(scores)
    rating = session.exec(select(Rating).where(Rating.round_id == row.id, Rating.unit_id == unit.id,
                                               Rating.rater == rater)).first()
    rating = rating or Rating(round_id=row.id, unit_id=unit.id, kind=kind, rater=rater, rated_at=now)
    rating.scores, rating.comment, rating.rated_at = clean, str(plain_text(comment or "", multiline=True)).strip()[:1000], now
    session.add(rating)
    session.flush()
    record(session, council_id=council.id, by=by, action="appraisal.rate", subject=rating, now=now,
           after={"round_id": row.id, "unit": unit.name, "kind": kind})  # not the scores: secret until publication
    return rating


def _hash(code: str) -> str:
    return hashlib.sha256(code.strip().upper().replace("-", "").replace(" ", "").encode()).hexdigest()


@use_case
def issue_codes(session: Session, row: AppraisalRound, council: Council, count: int, *, by: Member | None,
                now: datetime) -> list[str]:
    """Single-use codes for residents (shown once: print them as a QR sheet or send them by SMS)."""
    require_secretary(council, by, "issue_codes")
    if council.id not in {c.id for c in councils_of_round(session, row)}:
        raise InvalidInput("wrong_council", subject="council")
    _require_open(session, row, council, now, "issue_codes")
    if not isinstance(count, int) or isinstance(count, bool) or not 1 <= count <= 2000:
        raise invalid("code_count")
    codes = ["".join(secrets.choice(CODE_ALPHABET) for _ in range(10)) for _ in range(count)]
    for code in codes:
        session.add(ResidentCode(round_id=row.id, council_id=council.id, code_hash=_hash(code)))
    session.flush()
    record(session, council_id=council.id, by=by, action="appraisal.codes", subject=row, now=now, after={"count": count})
    return [f"{c[:5]}-{c[5:]}" for c in codes]


@use_case
def resident_rating(session: Session, round_id: int, code: str, stars: dict[int, int], *, now: datetime,
                    comments: dict[int, str] | None = None) -> int:
    """A resident, without signing in: one code, one rating of each unit they choose (1–5)."""
    row = session.get(AppraisalRound, round_id)
    found = session.exec(select(ResidentCode).where(ResidentCode.code_hash == _hash(code or ""))).first() if code else None
    if row is None or found is None or found.round_id != row.id:
        raise InvalidInput("code_invalid")
    if found.used_at is not None:
        raise Conflict("code_used")
    council = get(session, Council, found.council_id, "council")
    if row.status != RoundStatus.open or today_for(council, now) > row.closes_on:
        raise Conflict("code_expired")
    units = {u.id for u in units_of_round(session, row) if u.council_id == council.id}
    given = {int(k): v for k, v in (stars or {}).items() if v not in (None, "", 0)}
    if not given or any(k not in units or isinstance(v, bool) or not isinstance(v, int) or not 1 <= v <= 5
                        for k, v in given.items()):
        raise invalid("resident_stars")
    for unit_id, value in given.items():
        text = str(plain_text((comments or {}).get(unit_id, "") or "", multiline=True)).strip()[:500]
        session.add(ResidentRating(round_id=row.id, code_id=found.id, unit_id=unit_id, stars=value, comment=text))
    found.used_at = now
    session.add(found)
    return len(given)


# ---- the result -----------------------------------------------------------------------------------

def _attendance(session: Session, council: Council, year: int) -> dict[int, float]:
    """Per unit: its voting members' presence at the conferences held in the year."""
    held = session.exec(select(Conference.id).where(Conference.council_id == council.id, Conference.status.in_(
        [ConferenceStatus.held, ConferenceStatus.resolved]), Conference.held_on >= date(year, 1, 1),
        Conference.held_on <= date(year, 12, 31))).all()
    voters = [m for m in session.exec(select(Member).where(Member.council_id == council.id, Member.active == True)).all()  # noqa: E712
              if m.votes]
    counts = dict(session.exec(select(Attendance.member_id, func.count()).where(
        Attendance.conference_id.in_(held), Attendance.present == True).group_by(Attendance.member_id)).all())  # noqa: E712
    rates: dict[int, list[float]] = {}
    for m in voters:
        rates.setdefault(m.unit_id, []).append(counts.get(m.id, 0) / len(held) if held else 0.0)
    return {unit_id: sum(v) / len(v) for unit_id, v in rates.items()}


def compute(session: Session, row: AppraisalRound) -> dict:
    """Every unit's indicators, the raters' averages, the residents' average, its self-evaluation,
    the weighted score and the grade — what is published (and frozen) as the 通报."""
    from cobuild.reports.services import unit_service
    from cobuild.reports.tracking import item_stats, ranking

    units = units_of_round(session, row)
    figures: dict[int, dict] = {}
    for council in councils_of_round(session, row):
        stats = {r["key"]: r for r in item_stats(session, council, row.closes_on, "unit")}
        points = {r["unit_id"]: r["points"] for r in ranking(session, council, row.closes_on)["rows"]}
        service = unit_service(session, council, (date(row.year, 1, 1), date(row.year, 12, 31)))
        attendance = _attendance(session, council, row.year)
        for unit in units:
            if unit.council_id == council.id:
                figures[unit.id] = {"on_time_rate": stats.get(unit.id, {}).get("on_time_rate"),
                                    "attendance_rate": attendance.get(unit.id, 0.0),
                                    "orders_served": service.get(unit.id, {}).get("orders_served", 0),
                                    "points": points.get(unit.id, 0)}
    best = max([f["points"] for f in figures.values()] or [0])
    ratings = session.exec(select(Rating).where(Rating.round_id == row.id)).all()
    residents = session.exec(select(ResidentRating.unit_id, func.avg(ResidentRating.stars), func.count())
                             .where(ResidentRating.round_id == row.id).group_by(ResidentRating.unit_id)).all()
    by_residents = {u: (float(avg), n) for u, avg, n in residents}
    selves = {s.unit_id: s for s in session.exec(select(SelfEvaluation).where(SelfEvaluation.round_id == row.id)).all()}
    councils = {c.id: c.name for c in councils_of_round(session, row)}

    def average(kind: str, unit_id: int) -> float | None:
        given = [sum(r.scores.values()) / len(r.scores) for r in ratings if r.kind == kind and r.unit_id == unit_id]
        return round(sum(given) / len(given), 2) if given else None

    rows = []
    for unit in units:
        q, parts = quantitative(figures[unit.id], best)
        street, community = average("street", unit.id), average("community", unit.id)
        stars, voters = by_residents.get(unit.id, (None, 0))
        resident = round(stars * 20, 2) if stars is not None else None
        own = selves.get(unit.id)
        score = weighted({"quantitative": q, "street": street, "community": community, "residents": resident}, row.weights)
        rows.append({"unit_id": unit.id, "unit": unit.name, "council": councils[unit.council_id], "quantitative": q,
                     "indicators": parts, "figures": figures[unit.id], "street": street, "community": community,
                     "residents": resident, "resident_stars": round(stars, 2) if stars is not None else None,
                     "resident_votes": voters, "self_score": round(sum(own.scores.values()) / len(own.scores), 2) if own else None,
                     "self_report": own.report if own else None, "score": score,
                     "comments": [r.comment for r in ratings if r.unit_id == unit.id and r.comment]})
    graded = grade_units(rows, row.grades, row.excellent_cap)
    return {"round_id": row.id, "year": row.year, "weights": row.weights, "grades": row.grades,
            "excellent_cap": row.excellent_cap, "units": graded,
            "formula": {"quantitative": "40% 牵头事项按期办结率 + 20% 会议出席率 + 20% 完成服务订单(每单 20 分,满分 100)"
                                        " + 20% 积分(与最高单位之比)",
                        "score": "加权:定量 {quantitative}% · 街道 {street}% · 社区 {community}% · 群众 {residents}%"
                                 "(群众评分 = 平均星级 × 20;缺少的部分按其余权重折算)".format(**row.weights)}}


@use_case
def publish_round(session: Session, row: AppraisalRound, *, now: datetime, by: Member | None = None,
                  staff: StreetStaff | None = None) -> AppraisalRound:
    """The result is computed once and frozen; later changes are impossible (amendments only)."""
    if row.council_id is not None:
        council = get(session, Council, row.council_id, "council")
        require_secretary(council, by, "publish_appraisal")
    elif staff is None or staff.street_id != row.street_id or not staff.active:
        raise PermissionDenied("not_street_staff")
    if row.status != RoundStatus.open:
        raise Conflict("round_published", action="publish_appraisal")
    row.result, row.status, row.published_at = compute(session, row), RoundStatus.published, now
    session.add(row)
    record(session, council_id=row.council_id, by=by, action="appraisal.publish", subject=row, now=now,
           after={"units": len(row.result["units"]),
                  "grades": {g: sum(1 for u in row.result["units"] if u["grade"] == g) for g in ("优秀", "良好", "一般", "较差")}})
    return row
