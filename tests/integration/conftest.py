"""A council built through the use-case layer on a real SQLite file (migrated by Alembic)."""

from __future__ import annotations

from contextlib import contextmanager
from datetime import UTC, date, datetime, time, timedelta
from typing import Iterator
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import select

from cobuild.actions import conferences as conf
from cobuild.actions import items as it
from cobuild.actions.council import add_channel, add_member, add_unit, appoint_first_chair, create_council
from cobuild.actions.cycles import advance
from cobuild.models import Conference, Item, MemberRole, Term, Unit, UnitKind
from cobuild.platform.db import session_for, upgrade

SH = ZoneInfo("Asia/Shanghai")


def at(day: date | str, hour: int = 10, minute: int = 0) -> datetime:
    if isinstance(day, str):
        day = date.fromisoformat(day)
    return datetime.combine(day, time(hour, minute), tzinfo=SH).astimezone(UTC)


CONFERENCE_DAYS = ("2026-02-15", "2026-05-16", "2026-08-15", "2026-11-15", "2027-02-15", "2027-05-16")


class World:
    """Community + four units; the school's head chairs term 1 from 2026-01-01."""

    def __init__(self, session, **settings):
        self.session = session
        now = at("2026-01-01", 0, 1)
        names = {"name": "测试社区大党委", "community_name": "测试社区", "secretary_name": "王书记"}
        names.update({k: settings.pop(k) for k in list(names) if k in settings})
        # The tests' dates hang on the rule's conference days (02-15, 05-16, 08-15, 11-15), which in
        # 2026 are days off: this council works on them, so its conferences stay there. The rule that
        # moves a meeting to a working day has its own tests (test_conference_cycle.py).
        settings.setdefault("extra_workdays", list(CONFERENCE_DAYS))
        self.council, self.secretary = create_council(session, now=now, **names, **settings)
        s = self.secretary
        self.community = session.get(Unit, s.unit_id)
        self.units = {"community": self.community}
        self.heads, self.liaisons = {}, {"community": s}
        for key, name, kind in (("school", "火炬小学", UnitKind.school), ("hospital", "人民医院", UnitKind.hospital),
                                ("power", "供电所", UnitKind.state_enterprise), ("company", "华信公司", UnitKind.private_enterprise)):
            unit = add_unit(session, self.council, by=s, now=now, name=name, kind=kind)
            self.units[key] = unit
            self.heads[key] = add_member(session, self.council, unit, by=s, now=now, name=f"{name}负责人",
                                         role=MemberRole.deputy, email=f"head-{key}@example.org")
            self.liaisons[key] = add_member(session, self.council, unit, by=s, now=now, name=f"{name}联络员",
                                            role=MemberRole.staff, is_liaison=True, email=f"liaison-{key}@example.org")
        self.member = add_member(session, self.council, self.community, by=s, now=now, name="李委员",
                                 role=MemberRole.member, email="member@example.org")
        add_channel(session, self.council, s, "email", "secretary@example.org", by=s, now=now)
        self.chair = self.heads["school"]
        self.term = appoint_first_chair(session, self.council, self.chair, date(2026, 1, 1), by=s, now=now)
        self.advance("2026-01-01", 0, 5)

    def advance(self, day, hour=0, minute=5) -> dict:
        return advance(self.session, at(day, hour, minute))

    @property
    def voters(self):
        return [self.secretary, self.member, *self.heads.values()]

    def conference(self, seq: int = 1, term: Term | None = None) -> Conference:
        term = term or self.term
        return self.session.exec(select(Conference).where(Conference.term_id == term.id,
                                                          Conference.seq_in_term == seq)).one()

    def open_window(self, conference: Conference | None = None) -> Conference:
        conference = conference or self.conference()
        self.advance(conference.window_opens_at.astimezone(SH).date(), 0, 5)
        return conference

    def submit(self, unit_key: str, title: str = "老旧小区路灯维修", conference: Conference | None = None,
               when: datetime | None = None, **fields) -> Item:
        conference = conference or self.conference()
        fields.setdefault("category", "基础设施建设")
        fields.setdefault("asks", "any" if unit_key == "community" else "community")
        return it.submit_item(self.session, conference, self.units[unit_key], by=self.liaisons[unit_key],
                              now=when or conference.window_opens_at + timedelta(hours=10), title=title, **fields)

    def hold(self, conference: Conference | None = None) -> Conference:
        conference = conference or self.conference()
        self.advance(conference.window_closes_at.astimezone(SH).date(), 0, 5)
        conf.hold(self.session, conference, by=self.chair, now=conference.scheduled_at,
                  present_ids=[m.id for m in self.voters])
        return conference

    def accept(self, item: Item, lead: str | None = "power", deadline: str = "2026-04-30", **assignment) -> Item:
        c = self.session.get(Conference, item.conference_id)
        conf.decide(self.session, item, "accept", by=self.chair, now=c.scheduled_at)
        it.assign(self.session, item, by=self.chair, now=c.scheduled_at, goal=f"完成{item.title}",
                  lead_unit_id=self.units[lead].id if lead else None, responsible_person="张责任",
                  deadline=date.fromisoformat(deadline), **assignment)
        return item

    def publish(self, conference: Conference | None = None):
        conference = conference or self.conference()
        return conf.publish_resolution(self.session, conference, by=self.chair,
                                       now=conference.scheduled_at + timedelta(hours=6))

    def published_item(self, raiser: str = "community", lead: str | None = "power", deadline: str = "2026-04-30",
                       **fields) -> Item:
        """Submit, hold, accept, assign and publish one item; returns it claimed (or accepted w/o lead)."""
        self.open_window()
        item = self.submit(raiser, **fields)
        self.hold()
        self.accept(item, lead=lead, deadline=deadline)
        self.publish()
        return item

    def drop_handoffs(self) -> None:
        """Tests of the sweep and of delivery count reminders: the hand-offs the use cases queued
        on the way there (tests/integration/test_handoffs.py) are taken out of the outbox."""
        from sqlalchemy import delete

        from cobuild.models import Delivery, Notification
        from cobuild.models.kinds import HANDOFF_KINDS

        ids = select(Notification.id).where(Notification.kind.in_(HANDOFF_KINDS))
        self.session.execute(delete(Delivery).where(Delivery.notification_id.in_(ids)))
        self.session.execute(delete(Notification).where(Notification.kind.in_(HANDOFF_KINDS)))
        self.session.commit()

    def reload(self, row):
        self.session.refresh(row)
        return row


PG_SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432"


def postgres_reachable() -> bool:
    from sqlalchemy import create_engine, text

    admin = create_engine(f"{PG_SERVER}/postgres")
    try:
        with admin.connect() as connection:
            connection.execute(text("SELECT 1"))
        return True
    except Exception:  # noqa: BLE001 — no PostgreSQL on this machine
        return False
    finally:
        admin.dispose()


@contextmanager
def postgres_databases(*prefixes: str) -> Iterator[list[str]]:
    """Throw-away databases on the local PostgreSQL, one per prefix, dropped afterwards (even
    when a test restarted the server: the admin connection pre-pings). Yields their names."""
    import uuid

    from sqlalchemy import create_engine, text

    from cobuild.platform.db import engine_for

    admin = create_engine(f"{PG_SERVER}/postgres", isolation_level="AUTOCOMMIT", pool_pre_ping=True)
    names = [f"{prefix}_{uuid.uuid4().hex[:10]}" for prefix in prefixes]
    with admin.connect() as connection:
        for name in names:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield names
    finally:
        engine_for.cache_clear()  # pooled connections would keep a database from being dropped
        with admin.connect() as connection:
            for name in names:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@contextmanager
def throwaway_database(folder) -> Iterator[str]:
    """A migrated SQLite file in `folder`; with COBUILD_TEST_DB=postgres a throw-away database
    on the local PostgreSQL instead (`.ci/run` runs the use-case, flow and web tests both ways)."""
    import os

    if os.environ.get("COBUILD_TEST_DB") == "postgres":
        with postgres_databases("cobuild_t") as (name,):
            url = f"{PG_SERVER}/{name}"
            upgrade(url)
            yield url
        return
    url = f"sqlite:///{folder}/cobuild-test.db"
    upgrade(url)
    yield url


@pytest.fixture
def db_url(tmp_path):
    with throwaway_database(tmp_path) as url:
        yield url


@pytest.fixture
def session(db_url):
    with session_for(db_url) as session:
        yield session


@pytest.fixture
def world(session) -> World:
    return World(session)


@pytest.fixture
def count_rows(session):
    """Counts every table's rows: a refused command must leave them all unchanged."""
    from sqlalchemy import text
    from sqlmodel import SQLModel

    # the kept report cards are a cache that any page showing a report may refresh; a change
    # that should not have happened shows in the item and claim tables they are kept from
    cache = {"unitcard", "unitcardstale"}

    def snapshot() -> dict[str, int]:
        session.expire_all()
        return {name: session.execute(text(f'SELECT COUNT(*) FROM "{name}"')).scalar_one()
                for name in SQLModel.metadata.tables if name not in cache}

    return snapshot
