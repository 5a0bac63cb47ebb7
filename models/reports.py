"""Kept report rows: each unit's scorecard counts that do not depend on the day, so a city's
report reads one row per unit instead of aggregating every item (cobuild.tracking).

Database triggers (migration 0009) append a unit's id to `unitcardstale` whenever an item,
claim or unit row that its card counts changes — whichever code path made the change — and
the next report recomputes those units' cards first. Counts that move with the day (overdue
items and their days) are never kept: every report computes them."""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, Integer
from sqlmodel import Field, SQLModel

from cobuild.models.base import JSONType


class UnitCard(SQLModel, table=True):
    unit_id: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    council_id: int = Field(index=True)
    card: dict = Field(sa_type=JSONType)


class UnitCardStale(SQLModel, table=True):
    # append-only log written by the triggers; AUTOINCREMENT on SQLite so an id is never reused
    # (a report deletes the rows up to the highest id it read)
    __table_args__ = {"sqlite_autoincrement": True}

    id: int | None = Field(default=None, sa_column=Column(BigInteger().with_variant(Integer, "sqlite"),
                                                          primary_key=True, autoincrement=True))
    unit_id: int
