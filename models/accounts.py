"""Who may sign in: an account (one person, any number of councils) and its API tokens.

A person's memberships are `Member` rows (one per council) that point at the account; the
account holds only what signing in needs. Passwords are stored as Argon2id hashes and API
tokens as SHA-256 digests — neither can be read back from the database.
"""

from __future__ import annotations

from datetime import datetime

from pydantic import field_validator
from sqlmodel import Field, SQLModel

from cobuild.models.base import UTCDateTime


def normal_login(value: str) -> str:
    return (value or "").strip().lower()


TOKEN_DAYS = 180  # an API token's life; make a new one before it ends

# the commonest passwords (and what people here type when asked for 8 characters): refused
COMMON_PASSWORDS = frozenset("""
12345678 123456789 1234567890 87654321 11111111 00000000 88888888 66666666 12341234 11223344 123123123
password password1 password123 passw0rd qwerty123 qwertyui qwertyuiop asdfghjk asdfasdf zxcvbnm1 1qaz2wsx
1q2w3e4r abc12345 abcd1234 a1234567 a12345678 aa123456 iloveyou 5201314520 woaini1314 woaini520 admin123
admin1234 administrator welcome1 letmein1 changeme sunshine football baseball 123qweasd qweasdzxc 147258369
1234qwer q1w2e3r4 password!
""".split())


class AccountCreate(SQLModel):
    login: str = Field(min_length=3, max_length=200)
    password: str = Field(min_length=8, max_length=200)

    @field_validator("login")
    @classmethod
    def _login(cls, value: str) -> str:
        value = normal_login(value)
        if any(ch.isspace() for ch in value):
            raise ValueError("v_login_spaces")
        return value

    @field_validator("password")
    @classmethod
    def _not_common(cls, value: str) -> str:
        if value.strip().lower() in COMMON_PASSWORDS or len(set(value)) < 3:
            raise ValueError("v_common_password")
        return value


class Account(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    # an email address, a phone number or a chosen name; stored lower-case
    login: str = Field(max_length=200, unique=True, index=True)
    password_hash: str = Field(max_length=255)
    active: bool = True
    created_at: datetime = Field(sa_type=UTCDateTime)
    # carried in the session cookie; bumped by sign-out, a new password and disabling the account,
    # which so end every session of the account at once (a copied cookie included)
    session_version: int = Field(default=1, sa_column_kwargs={"server_default": "1"})


class ApiToken(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    account_id: int = Field(foreign_key="account.id", index=True)
    name: str = Field(max_length=100)
    # sha256 hex of the token; the token itself is shown once, when it is made
    digest: str = Field(max_length=64, unique=True, index=True)
    created_at: datetime = Field(sa_type=UTCDateTime)
    last_used_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    revoked: bool = False
    # after this a token is refused (TOKEN_DAYS after it was made; None: made before tokens expired)
    expires_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
