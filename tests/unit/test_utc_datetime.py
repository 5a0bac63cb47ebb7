"""UTCDateTime: aware UTC in, aware UTC out, naive refused — also through its kept conversions."""

from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import Column, Integer, MetaData, Table, create_engine, insert, select

from cobuild.models.base import UTCDateTime


@pytest.fixture()
def table():
    engine = create_engine("sqlite://")
    stamps = Table("stamps", MetaData(), Column("id", Integer, primary_key=True), Column("at", UTCDateTime()))
    stamps.metadata.create_all(engine)
    with engine.connect() as connection:
        yield connection, stamps


def test_the_same_instant_in_another_zone_is_stored_as_utc(table):
    connection, stamps = table
    utc = datetime(2026, 3, 2, 1, 30, tzinfo=UTC)
    beijing = utc.astimezone(timezone(timedelta(hours=8)))
    # executemany: the second row hits the conversion kept for the first (equal instants)
    connection.execute(insert(stamps), [{"at": utc}, {"at": beijing}, {"at": utc + timedelta(minutes=1)}])
    stored = connection.exec_driver_sql("SELECT at FROM stamps ORDER BY id").scalars().all()
    assert stored[0] == stored[1] == "2026-03-02 01:30:00.000000"
    assert stored[2] == "2026-03-02 01:31:00.000000"
    back = connection.execute(select(stamps.c.at).order_by(stamps.c.id)).scalars().all()
    assert back == [utc, utc, utc + timedelta(minutes=1)] and all(b.tzinfo is not None for b in back)


def test_a_naive_datetime_is_refused_even_when_its_aware_twin_was_converted(table):
    connection, stamps = table
    connection.execute(insert(stamps), [{"at": datetime(2026, 3, 2, 1, 30, tzinfo=UTC)}])
    with pytest.raises(Exception, match="naive datetime refused"):
        connection.execute(insert(stamps), [{"at": datetime(2026, 3, 2, 1, 30)}])
    assert connection.execute(select(stamps.c.at).where(stamps.c.at.is_(None))).all() == []


def test_many_different_instants_are_each_converted_right(table):
    # more values than are kept: the kept ones are dropped and converted afresh, never mixed up
    connection, stamps = table
    start = datetime(2026, 1, 1, tzinfo=UTC)
    moments = [start + timedelta(seconds=n) for n in range(5000)] + [start]
    connection.execute(insert(stamps), [{"at": m} for m in moments])
    back = connection.execute(select(stamps.c.at).order_by(stamps.c.id)).scalars().all()
    assert back == moments
