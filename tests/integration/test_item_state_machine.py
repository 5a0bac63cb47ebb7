"""No sequence of commands reaches an illegal state, and the counts always add up.

Hypothesis drives one published item through the use-case layer with every command, by
every kind of person, in any order; refused commands must change nothing.
"""

from __future__ import annotations

import shutil
import tempfile
from datetime import date, timedelta
from pathlib import Path

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule
from sqlmodel import Session, select

from cobuild.actions import conferences as conf
from cobuild.actions import items as it
from cobuild.models import AuditEvent, Council, DomainError, Item, ItemStatus, Member, Unit
from cobuild.models.lifecycle import ITEM_TRANSITIONS
from cobuild.platform.db import make_engine, upgrade
from cobuild.reports.tracking import item_stats, status_counts

from .conftest import World, at

_TEMPLATE: dict[str, Path] = {}


def _template() -> Path:
    """One migrated database with a published item, copied for every example."""
    if "path" not in _TEMPLATE:
        folder = Path(tempfile.mkdtemp(prefix="cobuild-sm-"))
        url = f"sqlite:///{folder}/template.db"
        upgrade(url)
        engine = make_engine(url)
        with Session(engine, expire_on_commit=False) as session:
            world = World(session)
            world.published_item(raiser="hospital", lead="power", deadline="2026-04-30")
        with engine.connect() as connection:
            # WAL mode keeps fresh writes in template.db-wal; fold them in before copying
            connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        engine.dispose()
        _TEMPLATE["path"] = folder / "template.db"
    return _TEMPLATE["path"]


class ItemLifecycle(RuleBasedStateMachine):
    @initialize()
    def setup(self):
        folder = Path(tempfile.mkdtemp(prefix="cobuild-sm-run-"))
        shutil.copy(_template(), folder / "run.db")
        self.folder = folder
        self.engine = make_engine(f"sqlite:///{folder}/run.db")
        self.session = Session(self.engine, expire_on_commit=False)
        people = {m.name: m for m in self.session.exec(select(Member)).all()}
        units = {u.name: u for u in self.session.exec(select(Unit)).all()}
        self.chair = people["火炬小学负责人"]
        self.lead = people["供电所联络员"]
        self.raiser = people["人民医院联络员"]
        self.outsider = people["华信公司联络员"]
        self.company = units["华信公司"]
        self.item = self.session.exec(select(Item)).one()
        self.day = date(2026, 2, 16)
        self.seen: set[str] = {self.item.status}

    def teardown(self):
        if hasattr(self, "session"):
            self.session.close()
            self.engine.dispose()
            shutil.rmtree(self.folder, ignore_errors=True)

    def _now(self):
        self.day += timedelta(days=1)
        return at(self.day)

    def _attempt(self, fn, *args, **kwargs):
        before = (self.item.status, self.item.version, self._audit_count())
        try:
            fn(self.session, *args, now=self._now(), **kwargs)
        except DomainError:
            self.session.refresh(self.item)
            assert (self.item.status, self.item.version, self._audit_count()) == before
            return
        self.session.refresh(self.item)
        assert self.item.status == before[0] or self.item.status in ITEM_TRANSITIONS[ItemStatus(before[0])]
        self.seen.add(self.item.status)

    def _audit_count(self) -> int:
        return len(self.session.exec(select(AuditEvent.id)).all())

    @rule(percent=st.one_of(st.integers(min_value=0, max_value=100), st.sampled_from([-5, 100, 105])))
    def lead_posts_progress(self, percent):
        self._attempt(it.post_progress, self.item, by=self.lead, percent=percent, note="进展")

    @rule()
    def outsider_posts_progress(self):
        self._attempt(it.post_progress, self.item, by=self.outsider, percent=50, note="越权")

    @rule(with_note=st.sampled_from([True, True, False]))
    def lead_requests_close_out(self, with_note):
        self._attempt(it.request_close_out, self.item, by=self.lead, note="完成" if with_note else "")

    @rule(satisfaction=st.sampled_from([0, 3, 4, 5, 5, 6]), by_raiser=st.sampled_from([True, True, True, False]))
    def verify(self, satisfaction, by_raiser):
        self._attempt(it.verify_close_out, self.item, by=self.raiser if by_raiser else self.lead, satisfaction=satisfaction)

    @rule(reason=st.sampled_from(["", "仍有问题"]))
    def send_back(self, reason):
        self._attempt(it.send_back, self.item, by=self.raiser, reason=reason)

    @rule(reason=st.sampled_from(["", "复发"]))
    def reopen(self, reason):
        self._attempt(it.reopen, self.item, by=self.raiser, reason=reason)

    @rule(days=st.integers(min_value=-10, max_value=40), by_chair=st.booleans())
    def extend(self, days, by_chair):
        target = (self.item.deadline or date(2026, 4, 30)) + timedelta(days=days)
        self._attempt(it.extend_deadline, self.item, target, by=self.chair if by_chair else self.lead, reason="延期")

    @rule()
    def cooperating_claim(self):
        self._attempt(it.claim, self.item, self.company, "cooperating", by=self.outsider)

    @rule(roll=st.integers(min_value=0, max_value=9))
    def cancel_by_amendment(self, roll):
        if roll:  # cancelling ends the item's life: keep it rare so the other paths get explored
            return
        self._attempt(conf.amend, self.item, by=self.chair, reason="撤销", cancel=True)

    @rule(days=st.integers(min_value=1, max_value=20))
    def time_passes(self, days):
        self.day += timedelta(days=days)

    @invariant()
    def state_is_consistent(self):
        if not hasattr(self, "item"):
            return
        item = self.item
        assert item.status in ItemStatus.__members__
        assert item.status not in (ItemStatus.submitted, ItemStatus.accepted, ItemStatus.merged,
                                   ItemStatus.deferred, ItemStatus.rejected)
        assert (item.closed_on is not None) == (item.status == ItemStatus.closed)
        assert (item.satisfaction is not None) == (item.status == ItemStatus.closed)
        assert item.deadline >= item.original_deadline

    @invariant()
    def counts_add_up(self):
        if not hasattr(self, "item"):
            return
        counts = status_counts(self.session)
        assert sum(counts.values()) == 1 and counts[self.item.status] == 1
        council = self.session.get(Council, self.item.council_id)
        row = item_stats(self.session, council, self.day)[0]
        assert row["confirmed"] + row["cancelled"] == 1
        assert row["closed"] + row["in_progress"] + (self.item.status == ItemStatus.claimed) + row["cancelled"] == 1
        assert row["on_time"] <= row["closed"] and row["overdue"] <= row["confirmed"] - row["closed"]


ItemLifecycle.TestCase.settings = settings(max_examples=40, stateful_step_count=50, deadline=None,
                                           suppress_health_check=[HealthCheck.too_slow])
test_item_lifecycle = ItemLifecycle.TestCase
