"""The sweep's and the outbox's bulk statements, one interface for both databases: each gives
what SQLAlchemy's own path would give (tests/unit/test_db_helpers.py checks it). On SQLite the
hot ones hand their parameters to the driver directly (`_Flat`, `json_each`); on PostgreSQL they
are SQLAlchemy's statements (ON CONFLICT, expanding IN lists, executemany)."""

from __future__ import annotations

import json
import sqlite3
from functools import lru_cache

from sqlalchemy import bindparam, func, literal_column, select
from sqlmodel import Session


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
