"""The Alembic migrations build exactly the schema the models describe, on SQLite and Postgres."""

from __future__ import annotations

import uuid

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import create_engine, inspect, text
from sqlmodel import SQLModel

import models  # noqa: F401
from cobuild.db import engine_for, upgrade

PG_ADMIN = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def _differences(url: str) -> list:
    with engine_for(url).connect() as connection:
        return compare_metadata(MigrationContext.configure(connection, opts={"compare_type": True}), SQLModel.metadata)


def test_sqlite_migrations_match_the_models_and_upgrade_twice(tmp_path):
    url = f"sqlite:///{tmp_path}/m.db"
    assert upgrade(url) == "0002"
    assert upgrade(url) == "0002"
    assert set(inspect(engine_for(url)).get_table_names()) >= set(SQLModel.metadata.tables)
    assert _differences(url) == []


@pytest.fixture
def pg_url():
    try:
        admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(text("SELECT 1"))
    except Exception as exc:  # noqa: BLE001
        pytest.skip(f"no PostgreSQL on 127.0.0.1:5432 ({type(exc).__name__})")
    name = f"cobuild_test_{uuid.uuid4().hex[:10]}"
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    yield f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
    engine_for.cache_clear()
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def test_postgres_migrations_match_the_models(pg_url):
    assert upgrade(pg_url) == "0002"
    assert _differences(pg_url) == []


def test_the_use_cases_run_on_postgres(pg_url):
    from cobuild.db import session_for
    from cobuild.tracking import item_stats

    from .conftest import World

    upgrade(pg_url)
    with session_for(pg_url) as session:
        world = World(session)
        item = world.published_item(deadline="2026-03-01")
        row = item_stats(session, world.council, __import__("datetime").date(2026, 3, 11))[0]
        assert (row["confirmed"], row["overdue"], row["days_overdue"]) == (1, 1, 10)
        assert world.reload(item).number == "2026-Q1-01"
