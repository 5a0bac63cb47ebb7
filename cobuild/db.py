"""Engine, sessions and migrations. SQLite by default; PostgreSQL by URL."""

from __future__ import annotations

from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import Iterator

from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine
from sqlmodel import Session

MIGRATIONS = Path(__file__).parent / "migrations"


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 30})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection, _record) -> None:
            # Why: foreign keys are off by default in SQLite; WAL lets readers work while the
            # scheduler writes; busy_timeout waits for a lock instead of failing at once.
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA busy_timeout=30000")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.close()

        return engine
    return create_engine(url, pool_pre_ping=True)


@lru_cache(maxsize=8)
def engine_for(url: str) -> Engine:
    return make_engine(url)


@contextmanager
def session_for(url: str) -> Iterator[Session]:
    with Session(engine_for(url), expire_on_commit=False) as session:
        yield session


def insert_unless_exists(session: Session, table, values: dict, unique_column: str):
    """INSERT … ON CONFLICT (unique_column) DO NOTHING RETURNING id: the new row's id, or None
    when the row already exists. The database decides, so concurrent writers cannot both win."""
    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    statement = insert(table).values(**values).on_conflict_do_nothing(index_elements=[unique_column]) \
        .returning(table.c.id)
    return session.execute(statement).scalar_one_or_none()


def insert_many_unless_exist(session: Session, table, rows: list[dict], unique_column: str) -> dict:
    """The many-rows form of `insert_unless_exists`, in one executemany (SQLAlchemy sends it as
    multi-row INSERTs): {unique value: new id} for the rows that went in."""
    if not rows:
        return {}
    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    statement = insert(table).on_conflict_do_nothing(index_elements=[unique_column]) \
        .returning(table.c.id, table.c[unique_column])
    return {value: new_id for new_id, value in session.execute(statement, rows).all()}


def alembic_config(url: str):
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade(url: str) -> str:
    """Create or upgrade the schema to the newest migration; returns the revision."""
    from alembic import command
    from alembic.runtime.migration import MigrationContext

    engine = engine_for(url)
    sqlite = engine.dialect.name == "sqlite"
    with engine.connect() as connection:
        if sqlite:
            # SQLite migrations rebuild tables (batch mode); with foreign keys on, dropping a
            # referenced table fails. Off for the migration, then every reference is checked.
            connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
        config = alembic_config(url)
        config.attributes["connection"] = connection
        command.upgrade(config, "head")
        connection.commit()
        if sqlite:
            broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
            connection.exec_driver_sql("PRAGMA foreign_keys=ON")
            if broken:
                raise RuntimeError(f"migration left broken references: {broken[:5]}")
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision() or ""


def current_revision(url: str) -> str | None:
    """The schema's migration (None: never initialised). Read straight from Alembic's table:
    every command that reads the database asks, and importing Alembic to ask took 50 ms of a
    read-only command's start-up."""
    from sqlalchemy import inspect, text

    with engine_for(url).connect() as connection:
        if not inspect(connection).has_table("alembic_version"):
            return None
        return connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
