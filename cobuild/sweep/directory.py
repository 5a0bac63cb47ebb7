"""Who is who, as the sweep reads it: members and units as plain records, loaded once per sweep."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import select as sa_select
from sqlmodel import Session, select

from cobuild.models import (
    VOTING_ROLES,
    Council,
    Member,
    MemberRole,
    Term,
    TermStatus,
    Unit,
)


@dataclass(slots=True)
class Person:
    """A member as the sweep reads them: plain, not an ORM object (loading tens of thousands of
    those for a province's tick, and reading their attributes per message, was costly)."""
    id: int
    council_id: int
    unit_id: int
    name: str
    role: str
    is_liaison: bool
    language: str
    delivery: str
    active: bool

    @property
    def votes(self) -> bool:
        return self.role in VOTING_ROLES and self.active


@dataclass(slots=True)
class UnitName:
    id: int
    council_id: int
    name: str
    active: bool


PERSON_COLUMNS = [Member.__table__.c[f] for f in Person.__slots__]


UNIT_COLUMNS = [Unit.__table__.c[f] for f in UnitName.__slots__]


TERM_COLUMNS = Term.__table__.c


class Directory:
    """Who is who, loaded once per sweep for the councils it meets (councils as ORM objects; units
    and people as plain records, read-only)."""

    def __init__(self, session: Session, council_ids: set[int]):
        self.councils: dict[int, Council] = {}
        self.units: dict[int, UnitName] = {}
        self.members: dict[int, Person] = {}
        self.liaisons: dict[int, list[Person]] = defaultdict(list)
        self.by_name: dict[tuple[int, str], Person] = {}
        self.secretaries: dict[int, list[Person]] = defaultdict(list)
        self.voters: dict[int, list[Person]] = defaultdict(list)
        self.chairs: dict[int, Person | None] = {}
        # who each step goes to (`audience`): a council's entries come from its own people,
        # loaded with it, so what is kept stays true while the directory only grows
        self.audiences: dict[tuple, list[Person]] = {}
        self.load(session, council_ids)

    def load(self, session: Session, council_ids: set[int]) -> None:
        """Add the councils not loaded yet (the sweep keeps one directory for all its batches)."""
        ids = [i for i in council_ids if i not in self.councils]
        if not ids:
            return
        self.councils.update({c.id: c for c in session.exec(select(Council).where(Council.id.in_(ids))).all()})
        self.units.update({u.id: u for u in (UnitName(*row) for row in session.execute(
            sa_select(*UNIT_COLUMNS).where(UNIT_COLUMNS[1].in_(ids))).all())})
        members = [Person(*row) for row in session.execute(
            sa_select(*PERSON_COLUMNS).where(PERSON_COLUMNS[1].in_(ids), PERSON_COLUMNS[-1] == True)).all()]  # noqa: E712
        self.members.update({m.id: m for m in members})
        for m in members:
            if m.is_liaison:
                self.liaisons[m.unit_id].append(m)
            if m.role == MemberRole.secretary:
                self.secretaries[m.council_id].append(m)
            if m.votes:
                self.voters[m.council_id].append(m)
            self.by_name[(m.council_id, m.name)] = m
        terms = session.execute(sa_select(TERM_COLUMNS.council_id, TERM_COLUMNS.chair_member_id).where(
            TERM_COLUMNS.council_id.in_(ids), TERM_COLUMNS.status.in_([TermStatus.active.value, TermStatus.evaluating.value]))).all()
        self.chairs.update({council_id: self.members.get(chair_id) for council_id, chair_id in terms})

    def chair(self, council_id: int) -> list[Person]:
        chair = self.chairs.get(council_id)
        return [chair] if chair else []

    def unit_people(self, unit_ids) -> list[Person]:
        return [m for u in unit_ids for m in self.liaisons.get(u, [])]


def unique(people: list[Person]) -> list[Person]:
    return list({m.id: m for m in people}.values())
