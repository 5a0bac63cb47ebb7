"""Engine, sessions and migrations. SQLite by default; PostgreSQL by URL."""

from __future__ import annotations

import json
import sqlite3
import threading
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import Iterator

from sqlalchemy import bindparam, create_engine, event, func, literal_column, select
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

        event.listen(engine, "begin", _autocheckpoint)
        return engine
    return create_engine(url, pool_pre_ping=True)


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
def session_for(url: str) -> Iterator[Session]:
    with Session(engine_for(url), expire_on_commit=False) as session:
        yield session


def insert_unless_exists(session: Session, table, values: dict, unique_column: str):
    """INSERT … ON CONFLICT (unique_column) DO NOTHING RETURNING id: the new row's id, or None
    when the row already exists. The database decides, so concurrent writers cannot both win."""
    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert  # type: ignore[assignment]  # the same on_conflict API
    statement = insert(table).values(**values).on_conflict_do_nothing(index_elements=[unique_column]) \
        .returning(table.c.id)
    return session.execute(statement).scalar_one_or_none()


def insert_many_unless_exist(session: Session, table, rows: list[dict], unique_column: str) -> dict:
    """The many-rows form of `insert_unless_exists`, as multi-row INSERTs (on SQLite built here,
    elsewhere by SQLAlchemy's executemany): {unique value: new id} for the rows that went in."""
    if not rows:
        return {}
    dialect = session.get_bind().dialect
    if dialect.name == "sqlite":
        found = _sqlite_insert_many_unless_exist(session, table, rows, unique_column)
        if found is not None:
            return found
        from sqlalchemy.dialects.sqlite import insert
    else:
        from sqlalchemy.dialects.postgresql import insert  # type: ignore[assignment]  # the same on_conflict API
    statement = insert(table).on_conflict_do_nothing(index_elements=[unique_column]) \
        .returning(table.c.id, table.c[unique_column])
    return {value: new_id for new_id, value in session.execute(statement, rows).all()}


def _sqlite_insert_many_unless_exist(session: Session, table, rows: list[dict], unique_column: str) -> dict | None:
    """The same statement on SQLite, its parameters handed to the driver as one flat list per
    multi-row INSERT. SQLAlchemy's own path (insertmanyvalues) rebuilt every row's parameters
    in Python, column by column: as much work as SQLite's own inserting them. None: rows this
    does not handle (`_Flat`) — the caller then takes SQLAlchemy's path."""
    flat_rows = _Flat.of(session, table, rows)
    if flat_rows is None:
        return None
    width = flat_rows.width
    connection = session.connection()
    driver = connection.connection.driver_connection
    limit = driver.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER) if hasattr(driver, "getlimit") else 999
    per_statement = max(1, min(1000, limit // width))
    quote = session.get_bind().dialect.identifier_preparer.quote
    tail = f" ON CONFLICT ({quote(unique_column)}) DO NOTHING RETURNING id, {quote(unique_column)}"
    one = "(" + ", ".join("?" * width) + ")"
    found: dict = {}
    for start in range(0, len(rows), per_statement):
        chunk = rows[start:start + per_statement]
        result = connection.exec_driver_sql(flat_rows.head + ", ".join([one] * len(chunk)) + tail,
                                            tuple(flat_rows.values(chunk)))
        found.update({value: new_id for new_id, value in result.all()})
    return found


def insert_many(session: Session, table, rows: list[dict]) -> None:
    """A plain INSERT of many rows. On SQLite one executemany of plain tuples (SQLAlchemy's
    executemany rebuilt each row's parameters in Python: most of a big sweep's delivery insert
    outside SQLite); elsewhere, or for rows `_Flat` does not handle, SQLAlchemy's."""
    if not rows:
        return
    flat_rows = _Flat.of(session, table, rows) if session.get_bind().dialect.name == "sqlite" else None
    if flat_rows is None:
        session.execute(table.insert(), rows)
        return
    width = flat_rows.width
    flat = flat_rows.values(rows)
    session.connection().exec_driver_sql(flat_rows.head + "(" + ", ".join("?" * width) + ")",
                                         [tuple(flat[start:start + width]) for start in range(0, len(flat), width)])


class _Flat:
    """Rows (dicts with the same keys) as the flat list of values an SQLite INSERT takes. Each
    value goes through its column's own bind conversion (aware datetimes to UTC text, naive ones
    refused), and a column left out gets its scalar default, as SQLAlchemy would give it."""

    def __init__(self, head: str, names: list[str], default_values: list, convert: list):
        self.head, self.names, self.default_values, self.convert = head, names, default_values, convert
        self.width = len(convert)

    @classmethod
    def of(cls, session: Session, table, rows: list[dict]) -> "_Flat | None":
        """None for rows with different keys or a left-out column whose default must be called."""
        keys = rows[0].keys()
        if any(row.keys() != keys for row in rows):
            return None
        return cls.for_names(session.get_bind().dialect, table, tuple(keys))

    @classmethod
    @lru_cache(maxsize=64)
    def for_names(cls, dialect, table, names: tuple[str, ...]) -> "_Flat | None":
        defaults = []
        for column in table.c:
            if column.name in names or column.primary_key:
                continue
            if column.default is not None:
                if not column.default.is_scalar:
                    return None
                defaults.append((column.name, column.default.arg))
        columns = list(names) + [name for name, _ in defaults]
        quote = dialect.identifier_preparer.quote
        head = (f"INSERT INTO {dialect.identifier_preparer.format_table(table)} "
                f"({', '.join(quote(name) for name in columns)}) VALUES ")
        return cls(head, list(names), [value for _, value in defaults],
                   [_bind_conversion(table, name, dialect) for name in columns])

    def tuples(self, rows: list[tuple]) -> list[tuple]:
        """Rows given as tuples in the order of `names`, as the driver takes them: converted column
        by column, the left-out columns' defaults added."""
        width = len(self.names)
        columns: list = list(zip(*rows))
        for position, process in enumerate(self.convert[:width]):
            if process is not None:
                columns[position] = map(process, columns[position])
        defaults = [value if process is None else process(value)
                    for value, process in zip(self.default_values, self.convert[width:])]
        return list(zip(*columns, *([value] * len(rows) for value in defaults)))

    def values(self, rows: list[dict]) -> list:
        names, default_values, width = self.names, self.default_values, self.width
        flat: list = []
        for row in rows:
            flat += [row[name] for name in names]
            flat += default_values
        for position, process in enumerate(self.convert):
            if process is not None:
                flat[position::width] = map(process, flat[position::width])
        return flat


def insert_tuples(session: Session, table, names: tuple[str, ...], rows: list[tuple]) -> None:
    """`insert_many` for rows given as tuples in the order of `names`: no dict to build per row
    (the sweep builds its deliveries before it takes SQLite's write lock, and inserts them while
    it holds it)."""
    if not rows:
        return
    dialect = session.get_bind().dialect
    flat = _Flat.for_names(dialect, table, names) if dialect.name == "sqlite" else None
    if flat is None:
        session.execute(table.insert(), [dict(zip(names, row)) for row in rows])
        return
    session.connection().exec_driver_sql(flat.head + "(" + ", ".join("?" * flat.width) + ")", flat.tuples(rows))


def _bind_conversion(table, column: str, dialect):
    """The column type's conversion to what the driver takes (None: the value as it is). The
    cached one SQLAlchemy's own statements use: `UTCDateTime` keeps converted values in it."""
    return table.c[column].type._cached_bind_processor(dialect)


def among_param(name: str, dialect: str):
    """What to put in `column.in_(…)` / `column.not_in(…)` for a long list of ids or keys, in a
    statement built once and run many times: the list is bound by `name` at each execution, as
    `among_values` gives it. On SQLite, one JSON text read by `json_each`: SQLAlchemy expands a
    list into one bound value each on every execution (a sweep's batch asks with 500 several
    times). Elsewhere an expanding list."""
    return _json_each(bindparam(name)) if dialect == "sqlite" else bindparam(name, expanding=True)


def among_values(dialect: str, values: list):
    """The value to bind to an `among_param`."""
    return json.dumps(values) if dialect == "sqlite" else values


def _json_each(param):
    return select(literal_column("value")).select_from(func.json_each(param))


def update_many(session: Session, table, column: str, values: list[tuple]) -> None:
    """Set one column of many rows, by id: `values` are (id, new value) pairs. One executemany
    UPDATE; on SQLite its parameters go to the driver as plain tuples (SQLAlchemy rebuilt each
    row's parameters in Python), through the column's own bind conversion."""
    if not values:
        return
    dialect = session.get_bind().dialect
    if dialect.name != "sqlite":
        session.execute(table.update().where(table.c.id == bindparam("row_id"))
                        .values({column: bindparam("new_value")}),
                        [{"row_id": row_id, "new_value": value} for row_id, value in values])
        return
    process = _bind_conversion(table, column, dialect) or (lambda value: value)
    quote = dialect.identifier_preparer.quote
    session.connection().exec_driver_sql(
        f"UPDATE {dialect.identifier_preparer.format_table(table)} SET {quote(column)} = ? WHERE id = ?",
        [(process(value), row_id) for row_id, value in values])


def sqlite_file(session: Session) -> str | None:
    """The path of the session's SQLite database file; None for another database, or SQLite in
    memory or named by a `file:` URI (which a second connection cannot simply open by path)."""
    url = session.get_bind().url
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:" \
            or url.database.startswith("file:"):
        return None
    return url.database


# SQLite's own: a commit that leaves the write-ahead log over this many pages copies it back
AUTOCHECKPOINT = 1000
_deferred = threading.local()


@contextmanager
def checkpoints_deferred() -> Iterator[None]:
    """While this runs, transactions begun in this thread do not copy the write-ahead log back
    into the database file when they commit (`wal_autocheckpoint=0`); a `Checkpoints` thread does
    it. Set per transaction, when it begins (`_autocheckpoint`), on whichever pooled connection
    the session holds: a connection used afterwards, by any thread, gets SQLite's default back
    when its next transaction begins."""
    _deferred.depth = getattr(_deferred, "depth", 0) + 1
    try:
        yield
    finally:
        _deferred.depth -= 1


def _autocheckpoint(connection) -> None:
    """Engine "begin" listener (SQLite): the connection's autocheckpoint as this thread wants it."""
    wanted = 0 if getattr(_deferred, "depth", 0) else AUTOCHECKPOINT
    info = connection.connection.info
    if info.get("autocheckpoint", AUTOCHECKPOINT) != wanted:
        connection.connection.dbapi_connection.execute(f"PRAGMA wal_autocheckpoint={wanted}").close()
        info["autocheckpoint"] = wanted


class Checkpoints:
    """SQLite's WAL checkpoints for a burst of commits (a big sweep): deferred, and done in a
    thread of their own.

    By default a commit that leaves the write-ahead log over 1,000 pages copies the log back into
    the database file itself. In a big tick that happened every few batches, and a page that every
    batch changes (the indexes' last pages, the items' rows, the outbox's end) was copied back again
    each time; done in this thread instead, beside the sweep, it still cost a share of the tick's
    wall time (bench/limits.md, "Figures behind the code"). So while the burst runs, its
    transactions do not copy the log back (`checkpoints_deferred`, in the sweep's thread and in its
    worker); the log grows with every message, and this thread copies it back only if it passes `limit` bytes, and once more when
    the burst is over (`close`) — without the sweep waiting for that. PASSIVE: it never blocks a
    reader or a writer; SQLite lets go of Python's lock while it copies. `start` returns None where
    there is no file (an in-memory database) or no SQLite."""

    LIMIT = 1 << 30  # the log may grow to 1 GiB during a burst

    def __init__(self, path: str, limit: int | None = None):
        self._path = path
        self._limit = self.LIMIT if limit is None else limit
        self._wake = threading.Event()
        self._stopping = False
        self._thread = threading.Thread(target=self._run, name="sqlite-checkpoints", daemon=True)
        self._thread.start()

    @classmethod
    def start(cls, session: Session, limit: int | None = None) -> "Checkpoints | None":
        path = sqlite_file(session)
        return cls(path, limit) if path else None

    def nudge(self) -> None:
        """After a commit: the log is copied back if it has passed the limit."""
        self._wake.set()

    def _log_size(self) -> int:
        try:
            return Path(self._path + "-wal").stat().st_size
        except OSError:
            return 0

    def _run(self) -> None:
        try:
            connection = sqlite3.connect(self._path, check_same_thread=False)
        except sqlite3.Error:
            return
        try:
            while True:
                self._wake.wait()
                self._wake.clear()
                if self._stopping or self._log_size() > self._limit:
                    connection.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
                if self._stopping:
                    return
        except sqlite3.Error:
            return  # the next commit past SQLite's own threshold copies it back
        finally:
            connection.close()

    def close(self, wait: bool = False) -> None:
        """The burst is over: one last copying back, in the thread, which then ends (`wait`: join it)."""
        self._stopping = True
        self._wake.set()
        if wait:
            self._thread.join(timeout=60)


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
