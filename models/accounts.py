"""Who may sign in: an account (one person, any number of councils) and its API tokens.

A person's memberships are `Member` rows (one per council) that point at the account; the
account holds only what signing in needs. Passwords are stored as Argon2id hashes and API
tokens as SHA-256 digests — neither can be read back from the database.
"""

from __future__ import annotations

from datetime import datetime

from pydantic import field_validator
from sqlmodel import Field, SQLModel

from models.base import UTCDateTime


def normal_login(value: str) -> str:
    return (value or "").strip().lower()


class AccountCreate(SQLModel):
    login: str = Field(min_length=3, max_length=200)
    password: str = Field(min_length=8, max_length=200)

    @field_validator("login")
    @classmethod
    def _login(cls, value: str) -> str:
        value = normal_login(value)
        if any(ch.isspace() for ch in value):
            raise ValueError("a sign-in name has no spaces")
        return value


class Account(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    # an email address, a phone number or a chosen name; stored lower-case
    login: str = Field(max_length=200, unique=True, index=True)
    password_hash: str = Field(max_length=255)
    active: bool = True
    created_at: datetime = Field(sa_type=UTCDateTime)


class ApiToken(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    account_id: int = Field(foreign_key="account.id", index=True)
    name: str = Field(max_length=100)
    # sha256 hex of the token; the token itself is shown once, when it is made
    digest: str = Field(max_length=64, unique=True, index=True)
    created_at: datetime = Field(sa_type=UTCDateTime)
    last_used_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    revoked: bool = False
