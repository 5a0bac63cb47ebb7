"""cobuild.platform.bulk and .checkpoints: each SQLite helper stores and finds what SQLAlchemy's own path would."""

import threading
from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import Column, Integer, MetaData, String, Table, create_engine, func, select
from sqlalchemy.exc import StatementError
from sqlmodel import Session

from cobuild.models.base import UTCDateTime
from cobuild.platform import bulk, db
from cobuild.platform import checkpoints as wal


def _table(metadata: MetaData, name: str) -> Table:
    return Table(name, metadata, Column("id", Integer, primary_key=True), Column("key", String, unique=True),
                 Column("at", UTCDateTime()), Column("kind", String, default="plain"), Column("note", String))


@pytest.fixture()
def session():
    engine = create_engine("sqlite://")
    metadata = MetaData()
    tables = _table(metadata, "fast"), _table(metadata, "slow")
    metadata.create_all(engine)
    with Session(engine) as session:
        yield session, tables


def _rows(n: int, start: int = 0) -> list[dict]:
    beijing = timezone(timedelta(hours=8))
    return [{"key": f"k{i}", "at": datetime(2026, 6, 2, 9, i % 60, tzinfo=beijing), "note": None if i % 3 else f"第{i}条"}
            for i in range(start, start + n)]


def test_it_stores_what_sqlalchemy_stores_and_returns_the_new_ids(session, monkeypatch):
    session, (fast, slow) = session
    # more rows than one statement may bind (5 columns: at most 1,000 rows a statement)
    assert bulk._sqlite_insert_many_unless_exist(session, fast, _rows(2500), "key") == {f"k{i}": i + 1 for i in range(2500)}
    # the same rows through SQLAlchemy's own path, for comparison
    monkeypatch.setattr(bulk, "_sqlite_insert_many_unless_exist", lambda *args: None)
    assert bulk.insert_many_unless_exist(session, slow, _rows(2500), "key") == {f"k{i}": i + 1 for i in range(2500)}
    stored = [session.connection().exec_driver_sql(f"SELECT * FROM {t.name} ORDER BY id").all() for t in (fast, slow)]
    assert stored[0] == stored[1]
    assert stored[0][0] == (1, "k0", "2026-06-02 01:00:00.000000", "plain", "第0条")  # UTC text, the column's default


def test_insert_many_stores_what_sqlalchemy_stores(session):
    session, (fast, slow) = session
    rows = _rows(1200)
    bulk.insert_many(session, fast, rows)
    session.execute(slow.insert(), rows)  # SQLAlchemy's own executemany, for comparison
    stored = [session.connection().exec_driver_sql(f"SELECT * FROM {t.name} ORDER BY id").all() for t in (fast, slow)]
    assert len(stored[0]) == 1200 and stored[0] == stored[1]
    with pytest.raises(Exception, match="naive datetime refused"):
        bulk.insert_many(session, fast, [{"key": "naive", "at": datetime(2026, 1, 1)}])
    with pytest.raises(StatementError, match="A value is required for bind parameter 'at'"):  # mixed keys: SQLAlchemy's path
        bulk.insert_many(session, fast, [{"key": "x", "at": datetime(2026, 1, 1, tzinfo=UTC)}, {"key": "y"}])
    assert session.execute(select(func.count()).select_from(fast)).scalar() == 1200


def test_rows_already_there_are_left_alone_and_not_returned(session):
    session, (fast, _) = session
    bulk.insert_many_unless_exist(session, fast, _rows(3), "key")
    again = _rows(5)
    again[0]["note"] = "changed"
    assert bulk.insert_many_unless_exist(session, fast, again, "key") == {"k3": 4, "k4": 5}
    assert session.execute(select(fast.c.note).where(fast.c.key == "k0")).scalar() == "第0条"


def test_rows_with_different_keys_are_left_to_sqlalchemy_which_refuses_them(session):
    session, (fast, _) = session
    rows = [{"key": "a", "at": datetime(2026, 1, 1, tzinfo=UTC)}, {"key": "b", "kind": "special"}]
    assert bulk._sqlite_insert_many_unless_exist(session, fast, rows, "key") is None
    with pytest.raises(StatementError, match="A value is required for bind parameter 'at'"):
        bulk.insert_many_unless_exist(session, fast, rows, "key")
    assert session.execute(select(fast.c.id)).all() == []


def test_a_naive_datetime_is_refused(session):
    session, (fast, _) = session
    with pytest.raises(Exception, match="naive datetime refused"):
        bulk.insert_many_unless_exist(session, fast, [{"key": "a", "at": datetime(2026, 1, 1)}], "key")
    assert session.execute(select(fast.c.id)).all() == []


def test_among_param_finds_the_same_rows_as_a_list(session):
    session, (fast, _) = session
    bulk.insert_many_unless_exist(session, fast, _rows(10), "key")
    dialect = session.get_bind().dialect.name
    wanted = ["k1", "k4", "k9", "不在"]
    assert bulk.among_values(dialect, wanted) is not wanted  # SQLite: one JSON text, not the list
    keys = select(fast.c.key).where(fast.c.key.in_(bulk.among_param("keys", dialect))).order_by(fast.c.id)
    assert session.execute(keys, {"keys": bulk.among_values(dialect, wanted)}).scalars().all() == ["k1", "k4", "k9"]
    ids = select(fast.c.id).where(fast.c.id.in_(bulk.among_param("ids", dialect)))
    assert session.execute(ids, {"ids": bulk.among_values(dialect, [])}).all() == []
    others = select(fast.c.id).where(fast.c.id.not_in(bulk.among_param("ids", dialect)))
    assert session.execute(others, {"ids": bulk.among_values(dialect, [1, 2, 3])}).scalars().all() == list(range(4, 11))
    both = select(fast.c.id).where(fast.c.id.in_(bulk.among_param("ids", dialect)),
                                   fast.c.key.not_in(bulk.among_param("keys", dialect)))
    # two lists in one statement keep their own values
    assert session.execute(both, {"ids": bulk.among_values(dialect, [1, 2, 3]),
                                  "keys": bulk.among_values(dialect, ["k2"])}).scalars().all() == [1, 2]


def test_update_many_sets_one_column_through_its_conversion(session):
    session, (fast, _) = session
    bulk.insert_many_unless_exist(session, fast, _rows(3), "key")
    later = datetime(2026, 7, 1, 9, 0, tzinfo=timezone(timedelta(hours=8)))
    bulk.update_many(session, fast, "at", [(1, later), (3, None)])
    stored = session.connection().exec_driver_sql("SELECT id, at FROM fast ORDER BY id").all()
    assert stored == [(1, "2026-07-01 01:00:00.000000"), (2, "2026-06-02 01:01:00.000000"), (3, None)]
    with pytest.raises(Exception, match="naive datetime refused"):
        bulk.update_many(session, fast, "at", [(2, datetime(2026, 7, 1))])


def _wait_for(condition) -> bool:
    for _ in range(1000):
        if condition():
            return True
        threading.Event().wait(0.01)
    return False


def test_checkpoints_copy_the_log_back_in_their_own_thread(tmp_path):
    path = tmp_path / "c.db"
    engine = db.make_engine(f"sqlite:///{path}")
    metadata = MetaData()
    table = _table(metadata, "t")
    metadata.create_all(engine)
    assert wal.Checkpoints.start(Session(create_engine("sqlite://"))) is None  # no file: nothing to do
    with Session(engine) as session:
        checkpoints = wal.Checkpoints.start(session, limit=0)  # copy back whenever nudged
        assert checkpoints is not None
        try:
            # a connection that never copies the log back by itself: the database file grows
            # only when the thread does it
            session.connection().exec_driver_sql("PRAGMA wal_autocheckpoint=0")
            session.commit()
            before = path.stat().st_size
            bulk.insert_many_unless_exist(session, table, _rows(2000), "key")
            session.commit()
            assert path.stat().st_size == before
            checkpoints.nudge()
            assert _wait_for(lambda: path.stat().st_size > before + 50_000)
        finally:
            checkpoints.close(wait=True)
        assert not checkpoints._thread.is_alive()
        assert session.execute(select(func.count(), func.max(table.c.id))).one() == (2000, 2000)


def _big_rows(n: int, start: int = 0) -> list[dict]:
    return [{"key": f"b{i}", "note": "备注" * 1000} for i in range(start, start + n)]  # ~6 KB: more than a page each


def test_a_burst_defers_the_copying_back_until_it_is_over(tmp_path):
    """In `checkpoints_deferred` a commit past SQLite's 1,000 pages leaves the log alone; the
    Checkpoints thread copies it back only past its limit, and once when closed; the connection
    gets SQLite's default back for the next transaction begun outside the burst."""
    path = tmp_path / "c.db"
    engine = db.make_engine(f"sqlite:///{path}")
    metadata = MetaData()
    table = _table(metadata, "t")
    metadata.create_all(engine)
    log = tmp_path / "c.db-wal"

    def autocheckpoint(session) -> int:
        return session.connection().exec_driver_sql("PRAGMA wal_autocheckpoint").scalar()

    with Session(engine) as session:
        assert autocheckpoint(session) == 1000
        session.commit()
        checkpoints = wal.Checkpoints.start(session)  # the limit (1 GiB) is never reached here
        assert checkpoints is not None
        before = path.stat().st_size
        with wal.checkpoints_deferred(engine):
            for start in range(0, 1500, 500):
                bulk.insert_many_unless_exist(session, table, _big_rows(500, start), "key")
                assert autocheckpoint(session) == 0
                session.commit()
                checkpoints.nudge()
            assert log.stat().st_size > 1000 * 4096  # past SQLite's own threshold, not copied back
            assert path.stat().st_size == before
        assert autocheckpoint(session) == 1000  # outside the burst: SQLite's default again
        session.commit()
        assert path.stat().st_size == before
        checkpoints.close()  # not waited for: the thread copies the log back and ends
        assert _wait_for(lambda: not checkpoints._thread.is_alive())
        assert path.stat().st_size > before + 1000 * 4096
        assert session.execute(select(func.count()).select_from(table)).scalar() == 1500


def test_deferring_is_this_threads_alone(tmp_path):
    """Another thread's transactions (the scheduler's other jobs) keep SQLite's default."""
    engine = db.make_engine(f"sqlite:///{tmp_path / 'c.db'}")
    seen = []

    def other() -> None:
        with engine.connect() as connection:
            seen.append(connection.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar())

    with wal.checkpoints_deferred(engine), engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar() == 0
        thread = threading.Thread(target=other)
        thread.start()
        thread.join()
    assert seen == [1000]


def test_an_engine_no_burst_deferred_on_has_no_checkpoint_listener(tmp_path):
    """The web's engine (and a serial sweep's) never runs the burst's per-transaction hook."""
    from sqlalchemy import event

    engine = db.make_engine(f"sqlite:///{tmp_path / 'c.db'}")
    assert not event.contains(engine, "begin", wal._autocheckpoint)
    with wal.checkpoints_deferred(engine):
        pass
    assert event.contains(engine, "begin", wal._autocheckpoint)


def test_a_close_landing_while_the_thread_looks_still_copies_the_log_back(tmp_path):
    """The race the full suite found: close() between the thread's two looks at `_stopping` once
    ended the thread without the last copying back. Here close() lands exactly there."""
    path = tmp_path / "c.db"
    engine = db.make_engine(f"sqlite:///{path}")
    metadata = MetaData()
    table = _table(metadata, "t")
    metadata.create_all(engine)

    class CloseWhileLooking(wal.Checkpoints):
        def _log_size(self) -> int:
            if not self._stopping:
                self.close()  # lands after the thread has read _stopping, before it reads it again
            return 0

    with Session(engine) as session:
        before = path.stat().st_size
        with wal.checkpoints_deferred(engine):
            bulk.insert_many_unless_exist(session, table, _big_rows(1500), "key")
            session.commit()
        checkpoints = CloseWhileLooking(str(path))
        checkpoints.nudge()
        assert _wait_for(lambda: not checkpoints._thread.is_alive())
        assert path.stat().st_size > before + 1000 * 4096
