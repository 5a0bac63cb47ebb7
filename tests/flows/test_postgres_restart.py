"""The database going away during a sweep: PostgreSQL is restarted while the reminder-sweep
flow is in the middle of a batch. The batch in flight is lost whole (never half-written), the
task's retries reconnect, and every due reminder ends up queued exactly once.

The server restarted is one of the test's own (tests/own_postgres.py), never the machine's
PostgreSQL service; skipped where the PostgreSQL server binaries are missing."""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine, text

from tests.own_postgres import own_postgres

DUE = 1_500  # three batches of the sweep's 500


@pytest.fixture
def restartable():
    with own_postgres() as server:
        admin = create_engine(server.url(), isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(text('CREATE DATABASE "cobuild_restart"'))
        admin.dispose()
        yield server
        from cobuild.platform.db import engine_for

        engine_for.cache_clear()


def test_a_postgres_restart_mid_batch_loses_the_batch_whole_and_the_retry_finishes_the_sweep(
        restartable, monkeypatch):
    pg_url = restartable.url("cobuild_restart")
    from cobuild.flows.reminders import reminder_sweep
    from cobuild.notifications.outbox import Outbox
    from tests.support.worlds import TICK, build

    build(pg_url, councils=3, open_items=3_000, due=DUE)
    write = Outbox.write
    calls = {"n": 0}

    def write_then_restart(self, rows):
        written = write(self, rows)
        calls["n"] += 1
        if calls["n"] == 2:
            # the second batch's messages and deliveries are written but not committed
            restartable.restart()
        return written

    monkeypatch.setattr(Outbox, "write", write_then_restart)
    result = reminder_sweep(pg_url, TICK.isoformat())

    # the first batch (500) was committed before the restart; the retried task did the rest,
    # including the whole of the batch that was in flight
    assert calls["n"] >= 4
    assert result["items"] == DUE - 500
    engine = create_engine(pg_url)
    with engine.connect() as connection:
        per_item = connection.execute(text(
            "SELECT subject_id, count(*) FROM notification WHERE subject_type = 'item' GROUP BY subject_id")).all()
        without_delivery = connection.execute(text(
            "SELECT count(*) FROM notification n WHERE NOT EXISTS "
            "(SELECT 1 FROM delivery d WHERE d.notification_id = n.id)")).scalar_one()
        not_rescheduled = connection.execute(text(
            "SELECT count(*) FROM item i WHERE EXISTS (SELECT 1 FROM notification n "
            "WHERE n.subject_type = 'item' AND n.subject_id = i.id) "
            "AND (i.next_reminder_at IS NULL OR i.next_reminder_at <= :tick)"), {"tick": TICK}).scalar_one()
    engine.dispose()
    assert len(per_item) == DUE and {count for _, count in per_item} == {1}
    assert without_delivery == 0  # no message lost its deliveries: nothing half-written
    assert not_rescheduled == 0  # every reminded item has its next step stored
