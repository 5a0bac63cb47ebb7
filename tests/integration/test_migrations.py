"""The Alembic migrations build exactly the schema the models describe, on SQLite and Postgres."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, text
from sqlmodel import SQLModel, select

import cobuild.models  # noqa: F401
from cobuild.platform.db import engine_for, upgrade


def _differences(url: str) -> list:
    with engine_for(url).connect() as connection:
        return compare_metadata(MigrationContext.configure(connection, opts={"compare_type": True}), SQLModel.metadata)


def test_sqlite_migrations_match_the_models_and_upgrade_twice(tmp_path):
    url = f"sqlite:///{tmp_path}/m.db"
    assert upgrade(url) == "0015"
    assert upgrade(url) == "0015"
    assert set(inspect(engine_for(url)).get_table_names()) >= set(SQLModel.metadata.tables)
    assert _differences(url) == []


@pytest.fixture
def pg_url():
    """A throw-away database on the local PostgreSQL (skipped where there is none)."""
    from tests.integration.conftest import PG_SERVER, postgres_databases, postgres_reachable

    if not postgres_reachable():
        pytest.skip("no PostgreSQL on 127.0.0.1:5432")
    with postgres_databases("cobuild_test") as (name,):
        yield f"{PG_SERVER}/{name}"


def test_postgres_migrations_match_the_models(pg_url):
    assert upgrade(pg_url) == "0015"
    assert _differences(pg_url) == []


def test_the_use_cases_run_on_postgres(pg_url):
    from cobuild.platform.db import session_for
    from cobuild.reports.tracking import item_stats

    from .conftest import World

    upgrade(pg_url)
    with session_for(pg_url) as session:
        world = World(session)
        item = world.published_item(deadline="2026-03-01")
        row = item_stats(session, world.council, __import__("datetime").date(2026, 3, 11))[0]
        assert (row["confirmed"], row["overdue"], row["days_overdue"]) == (1, 1, 10)
        assert world.reload(item).number == "2026-Q1-01"
        # date arithmetic and window functions differ most between the two databases
        from cobuild.actions import items as it
        from cobuild.reports.tracking import points, ranking

        from .conftest import at

        it.post_progress(session, item, by=world.liaisons["power"], now=at("2026-03-01"), percent=100)
        it.request_close_out(session, item, by=world.liaisons["power"], now=at("2026-03-02"), note="完成")
        it.verify_close_out(session, item, by=world.secretary, now=at("2026-03-04"), satisfaction=4)
        today = __import__("datetime").date(2026, 3, 11)
        row = item_stats(session, world.council, today)[0]
        assert (row["closed"], row["p90_days_to_close"], row["avg_days_to_close"]) == (1, 17, 17.0)
        power = next(r for r in points(session, world.council, today) if r["unit"] == "供电所")
        assert power["breakdown"]["lead_closed_late"]["count"] == 1 and power["breakdown"]["overdue_day"]["count"] == 3
        board = ranking(session, world.council, today)["rows"]
        assert [(r["unit"], r["points"]) for r in board[:2]] == [("测试社区", 2), ("供电所", 1)]  # +2 verified; +4 late −3 days


def test_upgrading_a_database_with_data_keeps_it_and_fills_new_columns(tmp_path):
    from alembic import command

    from cobuild.models import Member
    from cobuild.platform.db import alembic_config, session_for

    url = f"sqlite:///{tmp_path}/old.db"
    with engine_for(url).begin() as connection:
        config = alembic_config(url)
        config.attributes["connection"] = connection
        command.upgrade(config, "0001")
    with engine_for(url).begin() as connection:
        connection.execute(text("INSERT INTO council (name, created_at, timezone, term_months, conferences_per_term, "
                                "conference_cadence_months, conference_offset_days, conference_time, submission_window_days, "
                                "submission_close_days_before, items_min_per_unit, items_max_per_unit, categories, "
                                "no_consecutive_terms, raiser_cannot_lead, election_window_days, election_duration_days, "
                                "runoff_enabled, runoff_days, evaluation_scale, evaluation_days_before_end, reopen_window_days, "
                                "verify_remind_working_days, verify_escalate_working_days, quiet_start, quiet_end, morning_send, "
                                "extra_holidays, extra_workdays) VALUES ('旧大党委', '2026-01-01 00:00:00', 'Asia/Shanghai', 6, 2, 3, 45, "
                                "'09:30', 14, 2, 1, 3, '[\"其他\"]', 1, 1, 14, 7, 1, 3, 'grades', 10, 30, 3, 5, '21:00', '08:00', "
                                "'08:30', '[]', '[]')"))
        connection.execute(text("INSERT INTO unit (council_id, name, kind, rotation_position, active) VALUES (1, '旧社区', 'community', 1, 1)"))
        connection.execute(text("INSERT INTO member (council_id, unit_id, name, role, is_liaison, language, active) "
                                "VALUES (1, 1, '老书记', 'secretary', 1, 'zh', 1)"))
    assert upgrade(url) == "0015"
    with session_for(url) as session:
        (member,) = session.exec(select(Member)).all()
        assert (member.name, member.delivery) == ("老书记", "immediate")
