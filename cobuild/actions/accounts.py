"""Accounts: create, link to memberships, sign in, API tokens.

Passwords are hashed with Argon2id (argon2-cffi's defaults); a failed sign-in says the same
thing whether the name or the password was wrong. Tokens are 32 random bytes shown once and
stored as a SHA-256 digest, so a copy of the database gives no one a way in.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta
from typing import NamedTuple

import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import bindparam, update
from sqlmodel import Session, select

from cobuild.actions.common import record, require_secretary, use_case, validated
from cobuild.models import (
    Account,
    AccountCreate,
    ApiToken,
    Conflict,
    Council,
    InvalidInput,
    Member,
    NotAuthenticated,
    normal_login,
)
from cobuild.models.accounts import TOKEN_DAYS

_hasher = PasswordHasher()
# verified against when the sign-in name is unknown, so both failures take the same time
_DUMMY_HASH = _hasher.hash("not a password of anyone")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def find_account(session: Session, login: str) -> Account | None:
    return session.exec(select(Account).where(Account.login == normal_login(login))).first()


@use_case
def create_account(session: Session, *, login: str, password: str, now: datetime) -> Account:
    data = validated(AccountCreate, login=login, password=password)
    if find_account(session, data.login) is not None:
        raise Conflict("duplicate", subject="account", key=data.login)
    account = Account(login=data.login, password_hash=hash_password(data.password), created_at=now)
    session.add(account)
    session.flush()
    record(session, council_id=None, by=None, action="account.create", subject=account, now=now,
           after={"login": account.login})
    return account


@use_case
def link_member(session: Session, council: Council, member: Member, account: Account, *,
                by: Member | None, now: datetime) -> Member:
    """Let `account` sign in as `member` (secretary only; the CLI's set-up passes by=None)."""
    if by is not None:
        require_secretary(council, by, "administer")
    before = {"account_id": member.account_id}
    member.account_id = account.id
    session.add(member)
    record(session, council_id=council.id, by=by, action="member.link_account", subject=member, now=now,
           before=before, after={"account_id": account.id})
    return member


@use_case
def set_password(session: Session, account: Account, password: str, *, now: datetime) -> Account:
    """A new password; every session of the account ends (signed in elsewhere, a copied cookie)."""
    data = validated(AccountCreate, login=account.login, password=password)
    account.password_hash = hash_password(data.password)
    account.session_version += 1
    session.add(account)
    record(session, council_id=None, by=None, action="account.password", subject=account, now=now)
    return account


@use_case
def change_password(session: Session, account: Account, current: str, new: str, *, now: datetime) -> Account:
    """The person's own change: the current password first."""
    try:
        _hasher.verify(account.password_hash, current or "")
    except (VerificationError, InvalidHashError):
        raise InvalidInput("wrong_password") from None
    return set_password(session, account, new, now=now)


@use_case
def end_sessions(session: Session, account: Account, *, now: datetime) -> Account:
    """Sign-out: every session of the account ends, not only this browser's cookie."""
    account.session_version += 1
    session.add(account)
    return account


@use_case
def set_account_active(session: Session, council: Council, member: Member, active: bool, *, by: Member | None,
                       now: datetime) -> Account:
    """The secretary stops (or allows again) a member's sign-in: their sessions and tokens stop at once."""
    require_secretary(council, by, "administer")
    if member.council_id != council.id or member.account_id is None:
        raise InvalidInput("no_account", person=member.name)
    account = session.get(Account, member.account_id)
    before = {"active": account.active}
    account.active = active
    account.session_version += 1
    session.add(account)
    record(session, council_id=council.id, by=by, action="account.enable" if active else "account.disable",
           subject=member, now=now, before=before, after={"active": active})
    return account


def session_valid(account: Account | None, version: object) -> bool:
    """Does a session cookie made at `version` still stand for this account?"""
    return account is not None and account.active and version == account.session_version


def authenticate(session: Session, login: str, password: str) -> Account:
    """The account for this name and password, or NotAuthenticated (the same message either way)."""
    account = find_account(session, login)
    try:
        _hasher.verify(account.password_hash if account else _DUMMY_HASH, password or "")
    except (VerificationError, InvalidHashError):
        raise NotAuthenticated("bad_login") from None
    if account is None or not account.active:
        raise NotAuthenticated("bad_login")
    if _hasher.check_needs_rehash(account.password_hash):
        account.password_hash = hash_password(password)
        session.add(account)
        session.commit()
    return account


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@use_case
def issue_token(session: Session, account: Account, name: str, *, now: datetime) -> tuple[str, ApiToken]:
    token = "cb_" + secrets.token_urlsafe(32)
    row = ApiToken(account_id=account.id, name=(name or "api").strip()[:100] or "api", digest=_digest(token),
                   created_at=now, expires_at=now + timedelta(days=TOKEN_DAYS))
    session.add(row)
    session.flush()
    record(session, council_id=None, by=None, action="token.issue", subject=row, now=now,
           after={"account_id": account.id, "name": row.name})
    return token, row


@use_case
def revoke_token(session: Session, account: Account | Caller, token_id: int, *, now: datetime) -> ApiToken:
    row = session.get(ApiToken, token_id)
    if row is None or row.account_id != account.id:
        from cobuild.models import NotFound

        raise NotFound("not_found", subject="token", key=token_id)
    row.revoked = True
    session.add(row)
    record(session, council_id=None, by=None, action="token.revoke", subject=row, now=now)
    return row


class Caller(NamedTuple):
    """Whom an API request's token speaks for: the account's id and login, and the token's own id
    and last use. Plain columns, not ORM rows: every API request reads them, and loading the token
    and its account as two ORM rows cost several times this one plain statement (bench/limits.md)."""
    id: int  # the account's
    login: str
    token_id: int
    last_used_at: datetime | None


# built once (it runs on every API request): building it per request cost more than the query.
# The tables' columns, not the models' attributes: a statement of the models' attributes goes
# through the ORM's compiling and result handling, which cost more than the query.
_TOKENS, _ACCOUNTS = ApiToken.__table__.c, Account.__table__.c
_TOKEN = (sa.select(_TOKENS.id, _TOKENS.revoked, _TOKENS.expires_at, _TOKENS.last_used_at,
                 _ACCOUNTS.id.label("account_id"), _ACCOUNTS.active, _ACCOUNTS.login)
          .join_from(ApiToken.__table__, Account.__table__, _ACCOUNTS.id == _TOKENS.account_id)
          .where(_TOKENS.digest == bindparam("digest")))


def token_caller(session: Session, token: str, now: datetime) -> Caller:
    """Whom the token speaks for, or NotAuthenticated (a token unknown, revoked or expired, or its
    account switched off); reads only. One query: this runs on every API request."""
    found = session.execute(_TOKEN, {"digest": _digest(token or "")}).first()
    if found is None or found.revoked or not found.active or (found.expires_at is not None
                                                               and found.expires_at <= now):
        raise NotAuthenticated("bad_token")
    return Caller(id=found.account_id, login=found.login, token_id=found.id, last_used_at=found.last_used_at)


def use_to_note(caller: Caller, now: datetime) -> bool:
    """Last use is kept to the minute: enough for "is this token still used?" without a write per request."""
    return caller.last_used_at is None or (now - caller.last_used_at).total_seconds() > 60


def note_use(session: Session, caller: Caller, now: datetime) -> None:
    if use_to_note(caller, now):
        session.execute(update(ApiToken.__table__).where(_TOKENS.id == caller.token_id).values(last_used_at=now))
        session.commit()


def memberships(session: Session, account_id: int) -> list[Member]:
    return list(session.exec(_MEMBERSHIPS, params={"account": account_id}).all())


_MEMBERSHIPS = select(Member).where(Member.account_id == bindparam("account"), Member.active == True  # noqa: E712
                                    ).order_by(Member.council_id)
