"""The yearly appraisal of member units (驻区单位参与考评, SPEC.md §10): a round, the units' self-
evaluations, the raters' scores, residents' single-use codes and ratings, and the pure rules that
turn them into a weighted score and a grade."""

from __future__ import annotations

import math
from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import Column, String, UniqueConstraint
from sqlmodel import Field, SQLModel

from cobuild.models.base import JSONType, UTCDateTime, share_ranks

# the parts of the score and their default weights (quantitative and qualitative together;
# residents' rating and self-evaluation together — the source's principles)
DEFAULT_WEIGHTS = {"quantitative": 50, "street": 20, "community": 20, "residents": 10}
# grades by score, from the top; below the last: 较差
DEFAULT_GRADES = [("优秀", 90), ("良好", 80), ("一般", 60)]
LOWEST = "较差"
# what a rater scores each unit on (0–100 each), and a unit scores itself on
RATED = ("duty", "results", "service")  # 履职尽责 · 共建成效 · 服务群众


class RoundStatus(StrEnum):
    open = "open"  # self-evaluations, ratings and residents' codes are taken
    published = "published"  # frozen: the result is kept as published


class AppraisalRound(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    # a round of one council (opened by its secretary) or of a street's councils (by the street)
    council_id: int | None = Field(default=None, foreign_key="council.id", index=True)
    street_id: int | None = Field(default=None, foreign_key="street.id", index=True)
    year: int
    weights: dict = Field(default_factory=lambda: dict(DEFAULT_WEIGHTS), sa_column=Column(JSONType, nullable=False))
    grades: list = Field(default_factory=lambda: [list(g) for g in DEFAULT_GRADES], sa_column=Column(JSONType, nullable=False))
    excellent_cap: float | None = None  # at most this share of units rated 优秀 (e.g. 0.2)
    self_due: date  # self-evaluations by this day (reminded as usual)
    closes_on: date  # ratings and residents' codes end with this day
    status: RoundStatus = Field(default=RoundStatus.open, sa_type=String(16))
    opened_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    published_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime(), nullable=True))
    result: dict | None = Field(default=None, sa_column=Column(JSONType, nullable=True))  # frozen when published


class SelfEvaluation(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("round_id", "unit_id"),)
    id: int | None = Field(default=None, primary_key=True)
    round_id: int = Field(foreign_key="appraisalround.id", index=True)
    unit_id: int = Field(foreign_key="unit.id")
    report: str = Field(max_length=4000)
    scores: dict = Field(default_factory=dict, sa_column=Column(JSONType, nullable=False))
    submitted_by: int = Field(foreign_key="member.id")
    submitted_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))


class Rating(SQLModel, table=True):
    """One rater's scores for one unit: the street's staff (`street`) or the community's party
    organisation (`community`). Secret to other raters and the units until publication."""

    __table_args__ = (UniqueConstraint("round_id", "unit_id", "rater"),)
    id: int | None = Field(default=None, primary_key=True)
    round_id: int = Field(foreign_key="appraisalround.id", index=True)
    unit_id: int = Field(foreign_key="unit.id")
    kind: str = Field(max_length=16)  # street | community
    rater: str = Field(max_length=40)  # "member:12" or "staff:3"
    scores: dict = Field(default_factory=dict, sa_column=Column(JSONType, nullable=False))
    comment: str = Field(default="", max_length=1000)
    rated_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))


class ResidentCode(SQLModel, table=True):
    """A single-use rating code handed to a resident; only its hash is kept."""

    id: int | None = Field(default=None, primary_key=True)
    round_id: int = Field(foreign_key="appraisalround.id", index=True)
    council_id: int = Field(foreign_key="council.id")
    code_hash: str = Field(max_length=64, unique=True, index=True)
    used_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime(), nullable=True))


class ResidentRating(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    round_id: int = Field(foreign_key="appraisalround.id", index=True)
    code_id: int = Field(foreign_key="residentcode.id", index=True)
    unit_id: int = Field(foreign_key="unit.id")
    stars: int
    comment: str = Field(default="", max_length=500)


# ---- the rules (pure) -----------------------------------------------------------------------

def quantitative(figures: dict, best_points: int) -> tuple[float, dict]:
    """The quantitative part (0–100) from a unit's year, and each indicator with its formula:
    40 % the on-time rate of the items it led, 20 % its members' attendance at conferences,
    20 % service orders served (20 points each, at most 100), 20 % its points against the best unit's."""
    on_time = (figures.get("on_time_rate") or 0) * 100
    attendance = (figures.get("attendance_rate") or 0) * 100
    service = min(100.0, 20.0 * figures.get("orders_served", 0))
    points = 100.0 * max(figures.get("points", 0), 0) / best_points if best_points > 0 else 0.0
    parts = {"on_time": round(on_time, 1), "attendance": round(attendance, 1), "service": round(service, 1),
             "points": round(points, 1)}
    return round(0.4 * on_time + 0.2 * attendance + 0.2 * service + 0.2 * points, 2), parts


def weighted(parts: dict[str, float | None], weights: dict[str, float]) -> float:
    """The weighted score of the parts a unit has; a part nobody gave (no residents' rating, say)
    leaves the others' weights to share its place."""
    given = {k: v for k, v in parts.items() if v is not None and weights.get(k)}
    total = sum(weights[k] for k in given)
    return round(sum(weights[k] * v for k, v in given.items()) / total, 2) if total else 0.0


def grade_units(rows: list[dict], grades: list, excellent_cap: float | None) -> list[dict]:
    """Each row ({unit, score, quantitative}) gains `grade` and `rank`. Ranked by score, then the
    quantitative part; with a cap, at most ⌊cap × units⌋ (at least one) are 优秀 — the best by
    score, ties at the boundary decided by the quantitative part; the rest who scored 优秀 are 良好."""
    ordered = share_ranks(sorted(rows, key=lambda r: (-r["score"], -r["quantitative"], r["unit"])),
                          lambda r: (r["score"], r["quantitative"]))
    for row in ordered:
        row["grade"] = next((name for name, floor in grades if row["score"] >= floor), LOWEST)
    if excellent_cap is not None and ordered:
        top = str(grades[0][0])
        limit = max(1, math.floor(excellent_cap * len(ordered)))
        excellent = [r for r in ordered if r["grade"] == top]
        for row in excellent[limit:]:
            row["grade"] = str(grades[1][0]) if len(grades) > 1 else LOWEST
            row["capped"] = True
    return ordered
