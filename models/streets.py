"""The street office (街道, SPEC.md §10): it groups community councils, and its staff (街道党工委)
see every council of the street read-only, plus the street's own dashboard."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from cobuild.models.base import UTCDateTime


class Street(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=200, unique=True, index=True)
    timezone: str = Field(default="Asia/Shanghai", max_length=64)
    created_at: datetime = Field(sa_type=UTCDateTime)


class StreetStaff(SQLModel, table=True):
    """A person of the street office, signed in by their account: reads, never writes, a council's data."""

    __table_args__ = (UniqueConstraint("street_id", "account_id"),)
    id: int | None = Field(default=None, primary_key=True)
    street_id: int = Field(foreign_key="street.id", index=True)
    account_id: int = Field(foreign_key="account.id", index=True)
    name: str = Field(max_length=100)
    active: bool = True
