"""Rotating chair terms, their elections, commitments and end-of-term evaluations."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import TYPE_CHECKING

from sqlalchemy import String, UniqueConstraint
from sqlmodel import Field, SQLModel

from cobuild.models.base import JSONType, UTCDateTime, day_end, local_start
from cobuild.models.lifecycle import ElectionStatus, TermStatus

if TYPE_CHECKING:
    from cobuild.models.councils import Council


class ChairSource(StrEnum):
    appointed = "appointed"  # the first chair, named when the council is set up
    election = "election"  # plurality winner
    runoff = "runoff"  # winner of a runoff among the tied
    tie_break = "tie_break"  # tie: the candidate whose unit chaired least recently
    fallback = "fallback"  # nobody elected in time: next unit in rotation order


class Term(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("council_id", "number"),)
    id: int | None = Field(default=None, primary_key=True)
    council_id: int = Field(foreign_key="council.id", index=True)
    number: int
    starts_on: date
    ends_on: date  # inclusive, local date
    status: TermStatus = Field(default=TermStatus.scheduled, sa_type=String(16), index=True)
    chair_member_id: int | None = Field(default=None, foreign_key="member.id")
    chair_unit_id: int | None = Field(default=None, foreign_key="unit.id")
    chair_source: ChairSource | None = Field(default=None, sa_type=String(16))
    inaugural_statement: str | None = None
    activated_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    evaluation_opened_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    reported_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    report: dict | None = Field(default=None, sa_type=JSONType)


class CommitmentStatus(StrEnum):
    open = "open"
    done = "done"
    dropped = "dropped"


class Commitment(SQLModel, table=True):
    """承诺履职事项: what the chair promised for the term, tracked to closure."""

    id: int | None = Field(default=None, primary_key=True)
    term_id: int = Field(foreign_key="term.id", index=True)
    seq: int
    title: str = Field(max_length=200)
    description: str = ""
    due_on: date
    status: CommitmentStatus = Field(default=CommitmentStatus.open, sa_type=String(16))
    closed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    closing_note: str | None = None


class Election(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    council_id: int = Field(foreign_key="council.id", index=True)
    term_id: int = Field(foreign_key="term.id", index=True)  # the term being elected for
    round: int = 1
    parent_id: int | None = Field(default=None, foreign_key="election.id")
    opens_at: datetime = Field(sa_type=UTCDateTime)
    closes_at: datetime = Field(sa_type=UTCDateTime, index=True)
    status: ElectionStatus = Field(default=ElectionStatus.open, sa_type=String(16), index=True)
    winner_member_id: int | None = Field(default=None, foreign_key="member.id")
    decided_by: ChairSource | None = Field(default=None, sa_type=String(16))
    tally: dict | None = Field(default=None, sa_type=JSONType)


class Candidate(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("election_id", "member_id"),)
    id: int | None = Field(default=None, primary_key=True)
    election_id: int = Field(foreign_key="election.id", index=True)
    member_id: int = Field(foreign_key="member.id")


class Ballot(SQLModel, table=True):
    """One ballot per member per election, enforced by a unique key."""

    __table_args__ = (UniqueConstraint("election_id", "voter_id"),)
    id: int | None = Field(default=None, primary_key=True)
    election_id: int = Field(foreign_key="election.id", index=True)
    voter_id: int = Field(foreign_key="member.id")
    candidate_id: int = Field(foreign_key="member.id")
    cast_at: datetime = Field(sa_type=UTCDateTime)


GRADES = ("优秀", "称职", "基本称职", "不称职")
GRADES_EN = {"优秀": "excellent", "称职": "competent", "基本称职": "basically competent", "不称职": "incompetent"}


class EvaluationBallot(SQLModel, table=True):
    """A member's rating of the chair. Individual ballots are never shown to others."""

    __table_args__ = (UniqueConstraint("term_id", "voter_id"),)
    id: int | None = Field(default=None, primary_key=True)
    term_id: int = Field(foreign_key="term.id", index=True)
    voter_id: int = Field(foreign_key="member.id")
    grade: str | None = Field(default=None, max_length=8)
    score: int | None = Field(default=None, ge=1, le=100)
    comment: str | None = None
    cast_at: datetime = Field(sa_type=UTCDateTime)


# ---- pure rules -------------------------------------------------------------------------


@dataclass(frozen=True)
class TallyResult:
    counts: dict[int, int]  # candidate member id -> votes
    leaders: tuple[int, ...]  # candidates with the most votes (several on a tie)

    @property
    def tied(self) -> bool:
        return len(self.leaders) > 1


def tally(candidate_ids: list[int], votes: list[int]) -> TallyResult:
    """Plurality count. With no votes at all there are no leaders."""
    counts = Counter({c: 0 for c in candidate_ids})
    counts.update(v for v in votes if v in counts)
    if not votes:
        return TallyResult(dict(counts), ())
    best = max(counts.values())
    return TallyResult(dict(counts), tuple(sorted(c for c, n in counts.items() if n == best)))


def least_recently_chaired(
    candidates: list[tuple[int, int, int]], last_chaired: dict[int, date]
) -> int:
    """Tie-break: the candidate whose unit chaired least recently (never chaired first),
    then the earlier unit in rotation order. `candidates` are (member_id, unit_id, rotation)."""

    def key(candidate: tuple[int, int, int]):
        member_id, unit_id, rotation = candidate
        last = last_chaired.get(unit_id)
        return (last is not None, last or date.min, rotation, member_id)

    return min(candidates, key=key)[0]


def next_in_rotation(
    units: list[tuple[int, int]], last_chair_unit: int | None, barred_unit: int | None
) -> int | None:
    """The unit after `last_chair_unit` in rotation order, skipping `barred_unit`.
    `units` are (unit_id, rotation_position) of units able to chair."""
    ordered = sorted(units, key=lambda u: (u[1], u[0]))
    if not ordered:
        return None
    positions = [u[0] for u in ordered]
    start = positions.index(last_chair_unit) + 1 if last_chair_unit in positions else 0
    for step in range(len(ordered)):
        unit_id = ordered[(start + step) % len(ordered)][0]
        if unit_id != barred_unit:
            return unit_id
    return None


def summarise_evaluation(grades: list[str | None], scores: list[int | None]) -> dict:
    given_grades = [g for g in grades if g]
    given_scores = [s for s in scores if s is not None]
    distribution = {g: given_grades.count(g) for g in GRADES}
    return {
        "ballots": max(len(grades), len(scores)),
        "grades": distribution,
        "excellent_or_competent": (distribution["优秀"] + distribution["称职"]) / len(given_grades)
        if given_grades
        else None,
        "average_score": round(sum(given_scores) / len(given_scores), 1) if given_scores else None,
    }


# a term's moments in its council's time zone
def term_start_at(council: Council, term: Term) -> datetime:
    return local_start(term.starts_on, council.timezone)


def term_end_at(council: Council, term: Term) -> datetime:
    return day_end(term.ends_on, council.timezone)


def evaluation_opens_at(council: Council, term: Term) -> datetime:
    return local_start(term.ends_on + timedelta(days=1 - council.evaluation_days_before_end), council.timezone)
