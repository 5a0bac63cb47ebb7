"""Big ticks are shared with a second process (cobuild/sweep/executor.py), which works out,
renders and writes the batches it is handed while the sweep does the others: what ends up in
the outbox must be exactly what the sweep queues alone, the audit chain must stay whole with two
writers, and a worker that dies or fails costs nothing but time."""

from __future__ import annotations

import os
from datetime import date

import pytest
from sqlmodel import select

from cobuild.actions.common import verify_audit
from cobuild.models import AuditEvent, Delivery, Item, Notification
from cobuild.notifications.rendering import render_jobs
from cobuild.notifications.samples import sample
from cobuild.platform.db import session_for
from cobuild.sweep import items as reminders
from cobuild.sweep.executor import RenderWorker
from cobuild.sweep.run import sweep

from .conftest import World, at, throwaway_database

pytestmark = pytest.mark.skipif(os.environ.get("COBUILD_TEST_DB") == "postgres",
                                reason="the sweep's worker is for SQLite files only")

UNITS = ("school", "hospital", "power", "company")


def many_items(world: World, count: int = 26) -> None:
    """`count` published items, leads and deadlines spread so that at `TICK` some are
    approaching, some due, some overdue and escalated; every third has a cooperating unit."""
    world.open_window()
    # a unit raises at most 20 items a conference: the school raises the rest, led by others
    items = [world.submit("community" if n < 20 else "school", title=f"共建事项{n}") for n in range(count)]
    world.hold()
    for n, item in enumerate(items):
        lead = UNITS[n % 4] if n < 20 else ("hospital", "power", "company")[n % 3]
        helper = next(u for u in UNITS[n % 4 + 1:] + UNITS if u != lead)
        cooperating = {"cooperating_unit_ids": [world.units[helper].id]} if n % 3 == 0 else {}
        world.accept(item, lead=lead, deadline=date(2026, 4, 1 + n).isoformat(), **cooperating)
    world.publish()


TICK = at("2026-04-20", 9)


def outbox(session) -> dict:
    session.expire_all()
    notifications = session.exec(select(Notification)).all()
    keys = {n.id: n.dedupe_key for n in notifications}
    return {
        "notifications": sorted((n.dedupe_key, n.kind, n.member_id, n.subject, n.body_text, n.body_html,
                                 str(n.status), n.not_before) for n in notifications),
        "deliveries": sorted((keys[d.notification_id], d.channel, d.address, str(d.status))
                             for d in session.exec(select(Delivery)).all()),
        "audit": sorted((e.action, e.subject_id) for e in session.exec(select(AuditEvent)).all()
                        if e.action.startswith("item.escalate") or e.action == "item.overdue"),
        "next": sorted((i.id, i.next_reminder_at) for i in session.exec(select(Item)).all()),
        "audit chain": verify_audit(session)["ok"],
    }


class ReadyWorker(RenderWorker):
    """The sweep never waits for its worker to start; these tests do, so that it is used."""
    used = 0

    def __init__(self, planner=False):
        super().__init__(planner)
        assert self.wait_ready(60), "the render worker did not start"

    def call(self, task, args, here):
        answer = super().call(task, args, here)
        ReadyWorker.used += answer.in_worker and task == "sweep"  # batches, not the word that the sweep is over
        return answer


def swept(folder, monkeypatch, worker_class=None) -> tuple[dict, dict]:
    """A fresh council with `many_items`, swept at TICK in batches of 3: with a render worker of
    `worker_class`, or none. Returns the sweep's counts and what is in the outbox."""
    folder.mkdir()
    with throwaway_database(folder) as url, session_for(url) as session:
        many_items(World(session, items_max_per_unit=20))
        if worker_class:
            monkeypatch.setattr(reminders, "RenderWorker", worker_class)
        counts = sweep(session, TICK, batch=3, render_worker=worker_class is not None)
        return counts, outbox(session)


def test_a_big_tick_shared_with_the_worker_queues_exactly_what_the_sweep_queues_alone(tmp_path, monkeypatch):
    alone = swept(tmp_path / "alone", monkeypatch)
    ReadyWorker.used = 0
    worker = swept(tmp_path / "worker", monkeypatch, ReadyWorker)
    assert ReadyWorker.used > 0, "no batch was done in the worker"
    assert sum(alone[0]["queued"].values()) >= 20 and alone[1]["audit"], "the data set should reach escalations"
    assert alone[1]["audit chain"] is True
    assert alone == worker  # counts too: the worker's escalations and messages are counted once


def test_a_small_tick_never_starts_a_worker(world, monkeypatch):
    world.published_item(deadline="2026-04-21")  # one item: no full batch at all

    def refuse():
        raise AssertionError("a worker was started for a small tick")

    monkeypatch.setattr(reminders, "RenderWorker", refuse)
    assert sweep(world.session, TICK, render_worker=True)["queued"]["deadline_approaching"] == 1


def test_the_sweep_goes_on_when_its_worker_dies(tmp_path, monkeypatch):
    class DyingWorker(ReadyWorker):
        def call(self, task, args, here):
            self._process.kill()
            self._process.wait()
            return super().call(task, args, here)

    assert swept(tmp_path / "alone", monkeypatch) == swept(tmp_path / "killed", monkeypatch, DyingWorker)


def test_a_worker_that_cannot_be_started_costs_nothing_but_time(tmp_path, monkeypatch):
    import cobuild.sweep.executor as render_worker

    class NoProcesses(ReadyWorker):
        def __init__(self, planner=False):
            monkeypatch.setattr(render_worker.subprocess, "Popen", self.refuse)
            super().__init__(planner)

        @staticmethod
        def refuse(*args, **kwargs):
            raise OSError(11, "Resource temporarily unavailable")

    assert swept(tmp_path / "alone", monkeypatch) == swept(tmp_path / "refused", monkeypatch, NoProcesses)


def test_the_worker_renders_as_this_process_does_and_a_batch_it_fails_is_rendered_here():
    jobs = [("deadline_approaching", lang, sample("deadline_approaching"), None) for lang in ("zh", "en")]
    # a council's wording that fails gives way to the packaged wording, in the worker as here
    overridden = [("deadline_approaching", "zh", sample("deadline_approaching"), {"subject": "{{ 1 // 0 }}"})]
    broken = [("no_such_kind", "zh", sample("deadline_approaching"), None)]
    worker = RenderWorker()
    try:
        assert worker.wait_ready(60)
        first = worker.submit(jobs)
        assert first.in_worker and first.result() == render_jobs(jobs)
        assert worker.submit(overridden).result() == render_jobs(overridden) == render_jobs(jobs[:1])
        failing = worker.submit(broken)
        assert failing.in_worker
        with pytest.raises(ValueError, match="unknown message kind"):  # rendered here again: the real error
            failing.result()
        assert worker.submit(jobs).result() == render_jobs(jobs)  # and the worker is still there
    finally:
        worker.close()
    assert worker._process.returncode == 0


def test_a_worker_that_cannot_read_the_database_costs_nothing_but_time(tmp_path, monkeypatch):
    """The worker reads who is who on a connection of its own; if it cannot (here: pointed at
    an empty file), each batch it fails is worked out in the sweep."""
    empty = tmp_path / "empty.db"
    empty.touch()
    monkeypatch.setattr(reminders, "_worker_url", lambda session: f"sqlite:///{empty}")
    ReadyWorker.used = 0
    assert swept(tmp_path / "alone", monkeypatch) == swept(tmp_path / "unreadable", monkeypatch, ReadyWorker)
    assert ReadyWorker.used > 0, "the worker was not asked"


def test_a_worker_that_cannot_write_costs_nothing_but_time(tmp_path, monkeypatch, caplog):
    """The worker writes the batches it is handed; if its write fails (here: the database opened
    read-only), nothing of that batch is committed and the sweep does the batch itself."""
    def read_only(session):
        return f"sqlite:///file:{reminders.sqlite_file(session)}?mode=ro&uri=true"

    monkeypatch.setattr(reminders, "_worker_url", read_only)
    ReadyWorker.used = 0
    assert swept(tmp_path / "alone", monkeypatch) == swept(tmp_path / "read-only", monkeypatch, ReadyWorker)
    assert ReadyWorker.used > 0, "the worker was not asked"
    failures = [r.getMessage() for r in caplog.records if "could not do a batch" in r.getMessage()]
    assert failures and all("readonly" in f for f in failures), failures  # it read, then failed to write


def test_only_a_database_file_is_opened_by_the_worker():
    from sqlalchemy import create_engine
    from sqlmodel import Session

    def url_of(url):
        with Session(create_engine(url)) as session:
            return reminders._worker_url(session)

    assert url_of("sqlite:///some/where.db") == "sqlite:///some/where.db"
    assert url_of("sqlite://") is None and url_of("sqlite:///:memory:") is None


def test_the_worker_of_a_big_tick_is_kept_and_shares_the_next_big_tick_from_its_first_batch(tmp_path, monkeypatch):
    """Kept, it serves the next tick (here of another database) without a start-up of its own:
    from the first full batch, and with the same outbox as the sweep alone."""
    import cobuild.sweep.executor as render_worker

    alone = swept(tmp_path / "alone", monkeypatch)
    assert swept(tmp_path / "first", monkeypatch, ReadyWorker) == alone
    kept = render_worker._kept
    assert kept is not None and kept.alive, "the worker was not kept"

    class NotAgain(ReadyWorker):
        def __init__(self, planner=False):
            raise AssertionError("a second worker was started: the kept one was not used")

    monkeypatch.setattr(reminders, "WORKER_AFTER_BATCHES", 10**6)  # only a kept worker can take part
    ReadyWorker.used = 0
    assert swept(tmp_path / "second", monkeypatch, NotAgain) == alone
    assert ReadyWorker.used > 0, "the kept worker was not asked"
    assert render_worker._kept is kept  # given back for the tick after


def test_a_kept_worker_that_died_is_not_lent_and_the_tick_goes_on(tmp_path, monkeypatch):
    import cobuild.sweep.executor as render_worker

    alone = swept(tmp_path / "alone", monkeypatch)
    swept(tmp_path / "first", monkeypatch, ReadyWorker)
    kept = render_worker._kept
    kept._process.kill()
    kept._process.wait()
    ReadyWorker.used = 0
    assert swept(tmp_path / "second", monkeypatch, ReadyWorker) == alone  # a new worker of its own
    assert ReadyWorker.used > 0
    assert render_worker._kept is not kept and render_worker._kept.alive


def test_a_kept_worker_is_closed_when_no_big_tick_comes(monkeypatch):
    import cobuild.sweep.executor as render_worker

    monkeypatch.setattr(render_worker, "KEEP_SECONDS", 0.2)
    worker = ReadyWorker(planner=False)
    render_worker.keep(worker)
    worker._process.wait(timeout=30)  # closed by its timer: it was told to leave and did
    assert worker._process.returncode == 0
    assert render_worker.borrow() is None


def test_only_one_worker_is_kept(monkeypatch):
    import cobuild.sweep.executor as render_worker

    first, second = ReadyWorker(), ReadyWorker()
    render_worker.keep(first)
    render_worker.keep(second)  # another sweep's, given back while the first is kept: closed
    assert second._process.wait(timeout=30) == 0
    assert render_worker.borrow() is first and render_worker.borrow() is None
    first.close()


def test_every_item_whose_schedule_is_to_be_computed_is_swept_however_many_batches_they_fill(tmp_path):
    """The NULLs (a schedule to compute) are read first, batch after batch, until a read finds
    fewer than asked for; only then does the tick stop asking for them."""
    with throwaway_database(tmp_path) as url, session_for(url) as session:
        many_items(World(session, items_max_per_unit=20))
        numbered = select(Item).where(Item.number.is_not(None))
        assert len([i for i in session.exec(numbered).all() if i.next_reminder_at is None]) == 26
        counts = sweep(session, TICK, batch=3, render_worker=False)  # eight full batches of NULLs, then two
        session.expire_all()
        assert counts["items"] == 26
        assert all(i.next_reminder_at is not None for i in session.exec(numbered).all())


def test_a_serial_process_sweeps_a_big_tick_alone_and_leaves_its_collector_alone(tmp_path, monkeypatch):
    """COBUILD_SWEEP_TUNING=serial (what `cobuild serve` sets for its embedded scheduler): no
    worker and no collector tuning, and the same outbox as a tick shared with a worker."""
    import gc

    monkeypatch.setenv("COBUILD_SWEEP_TUNING", "serial")
    thresholds = []

    class NoWorker(ReadyWorker):
        def __init__(self, planner=False):
            raise AssertionError("a serial process started a worker")

    (tmp_path / "serial").mkdir()
    with throwaway_database(tmp_path / "serial") as url, session_for(url) as session:
        many_items(World(session, items_max_per_unit=20))
        monkeypatch.setattr(reminders, "RenderWorker", NoWorker)
        real = reminders._sweep_batch

        def watched(*args, **kwargs):
            thresholds.append(gc.get_threshold())
            return real(*args, **kwargs)

        monkeypatch.setattr(reminders, "_sweep_batch", watched)
        counts = sweep(session, TICK, batch=3)  # render_worker=None: the setting decides
        serial = counts, outbox(session)
    assert thresholds and all(t == gc.get_threshold() for t in thresholds)
    monkeypatch.setattr(reminders, "_sweep_batch", real)
    monkeypatch.delenv("COBUILD_SWEEP_TUNING")
    assert serial == swept(tmp_path / "shared", monkeypatch, ReadyWorker)
