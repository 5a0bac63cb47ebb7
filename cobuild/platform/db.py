"""Engines, sessions and migrations. SQLite by default; PostgreSQL by URL. (Bulk statements:
bulk.py; the write-ahead log during a burst: checkpoints.py.)"""

from __future__ import annotations

import threading
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterator

from sqlalchemy import bindparam, create_engine, event
from sqlalchemy.engine import Engine
from sqlmodel import Session

MIGRATIONS = Path(__file__).parent / "migrations"
# how long a SQLite statement waits for another connection's write lock before it fails "locked"
BUSY_TIMEOUT_MS = 30_000


# a session's `info` key: set, its transaction runs on an event loop and must never wait in SQLite's
# busy handler for the write lock (web/deps.quick_write)
ON_EVENT_LOOP = "on_event_loop"


def is_lock_wait(exc: BaseException) -> bool:
    """Whether a database error says another connection holds SQLite's write lock ("database is
    locked", "database is busy"): nothing was written, and trying again later is the answer."""
    return "locked" in str(exc) or "busy" in str(exc)


def try_write_lock(session: Session) -> bool:
    """Take SQLite's write lock for the session's transaction without waiting (`BEGIN IMMEDIATE`
    with no busy timeout): False, and nothing held, when another connection has it. The connection
    gets its busy timeout back either way, as every other user of the pool expects it. The three
    statements go to the driver's connection itself: they return no rows, and through SQLAlchemy
    they cost more than their own work on every API write (bench/limits.md)."""
    import sqlite3

    driver = session.connection().connection.driver_connection
    driver.execute("PRAGMA busy_timeout=0")
    try:
        driver.execute("BEGIN IMMEDIATE")
        taken = True
    except sqlite3.OperationalError as exc:
        if not is_lock_wait(exc):
            raise
        taken = False
    finally:
        driver.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    if not taken:
        session.rollback()
    return taken


def make_engine(url: str) -> Engine:
    # The pool keeps as many connections as the web process lets requests run at once (admission
    # control, COBUILD_MAX_IN_FLIGHT) and a few for the scheduler: with SQLAlchemy's default of 5,
    # every request past the fifth opened a connection (and, for SQLite, ran the pragmas below) and
    # closed it again under load (measured: bench/limits.md, web capacity).
    from cobuild.platform.settings import get_settings

    pool = {"pool_size": get_settings().max_in_flight + 4, "max_overflow": 8}
    if url.startswith("sqlite"):
        if ":memory:" in url or url in ("sqlite://", "sqlite:///"):
            pool = {}  # one in-memory database per connection: SQLAlchemy picks its own pool
        engine = create_engine(url, connect_args={"timeout": 30}, **pool)

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection, _record) -> None:
            # Why: foreign keys are off by default in SQLite; WAL lets readers work while the
            # scheduler writes; busy_timeout waits for a lock instead of failing at once.
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.close()

        return engine
    return create_engine(url, pool_pre_ping=True, **pool)


def shown_url(url: str) -> str:
    """A database URL as it may be printed or recorded: its password as ***."""
    if "@" not in url:
        return url
    from sqlalchemy.engine import make_url

    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # noqa: BLE001 — not a URL SQLAlchemy reads: show nothing of it
        return "***"


@lru_cache(maxsize=8)
def engine_for(url: str) -> Engine:
    return make_engine(url)


@contextmanager
def session_for(url: str, keep: bool = False) -> Iterator[Session]:
    """A session on the database at `url`. `keep`: every row it loads stays in its identity map
    until it closes (a web request's session), so `session.get()` of a unit, member or council
    already read by a query costs no second query; SQLAlchemy's map holds rows only weakly, and a
    page that read every unit for their names and then asked for one by id read it again."""
    with Session(engine_for(url), expire_on_commit=False, info={KEEP: []} if keep else None) as session:
        yield session


KEEP = "cobuild.keep"
MEMO = "cobuild.memo"


def memo(session: Session, key, compute):
    """`compute()` once per request session until the session next writes (a flush forgets every
    answer): what several permission checks of one page ask again (the current term). In other
    sessions (the sweep, the CLI), and while changes wait to be flushed, it is computed every time."""
    if KEEP not in session.info or session.new or session.dirty or session.deleted:
        return compute()
    answers = session.info.setdefault(MEMO, {})
    if key not in answers:
        answers[key] = compute()
    return answers[key]


def by_id(session: Session, model, key: int):
    """`session.get(model, key)`: the row already in the session as it is, else a statement built
    once per model. `Session.get` builds its statement on every call, which cost more than the
    query with a bound parameter (bench/limits.md)."""
    from sqlalchemy import inspect

    if session.identity_key(model, key) in session.identity_map:
        return session.get(model, key)  # its own rules for a row expired or deleted meanwhile
    query = _BY_ID.get(model)
    if query is None:
        from sqlmodel import select

        query = _BY_ID[model] = select(model).where(inspect(model).primary_key[0] == bindparam("key"))
    return session.exec(query, params={"key": key}).first()


_BY_ID: dict[type, Any] = {}  # model -> its select by primary key


def forget_answers(session: Session) -> None:
    """Forget the session's `memo` answers: it has written."""
    session.info.pop(MEMO, None)


@event.listens_for(Session, "after_flush")
def _forget_answers(session: Session, _context) -> None:
    forget_answers(session)


@event.listens_for(Session, "loaded_as_persistent")
def _keep_loaded(session: Session, instance) -> None:
    kept = session.info.get(KEEP)
    if kept is not None:
        kept.append(instance)


def alembic_config(url: str):
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


# Alembic runs migrations through module-level proxies (`alembic.context`, `alembic.op`): two
# threads of one process migrating at once (two databases, e.g. the benchmarks' two lanes) trip
# over each other ("table alembic_version already exists", KeyError 'script'). One at a time.
_migrating = threading.Lock()


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
        with _migrating:
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
    every command that reads the database asks, and importing Alembic to ask was a visible part
    of a read-only command's start-up."""
    from sqlalchemy import inspect, text

    with engine_for(url).connect() as connection:
        if not inspect(connection).has_table("alembic_version"):
            return None
        return connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
