"""The street office's set-up (SPEC.md §10): a street, the councils it runs, its staff. Done by
whoever runs the installation (the CLI), like creating a council; each step is audited — a
council joining a street in that council's chain, the rest in the installation's own."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, select

from cobuild.actions.common import invalid, record, use_case
from cobuild.models import Account, Conflict, Council, InvalidInput, Street, StreetStaff
from cobuild.models.base import plain_text


@use_case
def create_street(session: Session, *, now: datetime, name: str, timezone: str = "Asia/Shanghai") -> Street:
    name = str(plain_text(name or "")).strip()
    if not 1 <= len(name) <= 200:
        raise invalid("street_name")
    if session.exec(select(Street).where(Street.name == name)).first():
        raise InvalidInput("duplicate", subject="street", key=name)
    street = Street(name=name, timezone=timezone, created_at=now)
    session.add(street)
    session.flush()
    record(session, council_id=None, by=None, action="street.create", subject=street, now=now, after={"name": name})
    return street


@use_case
def attach_council(session: Session, street: Street, council: Council, *, now: datetime) -> Council:
    """The council joins the street: from now on the street's staff read it."""
    if council.street_id == street.id:
        raise Conflict("duplicate", subject="council", key=council.name)
    before = {"street_id": council.street_id}
    council.street_id = street.id
    session.add(council)
    record(session, council_id=council.id, by=None, action="council.street", subject=council, now=now, before=before,
           after={"street_id": street.id, "street": street.name})
    return council


@use_case
def add_staff(session: Session, street: Street, account: Account, *, now: datetime, name: str) -> StreetStaff:
    name = str(plain_text(name or "")).strip()
    if not 1 <= len(name) <= 100:
        raise invalid("street_name")
    if session.exec(select(StreetStaff).where(StreetStaff.street_id == street.id,
                                              StreetStaff.account_id == account.id)).first():
        raise InvalidInput("duplicate", subject="member", key=name)
    row = StreetStaff(street_id=street.id, account_id=account.id, name=name)
    session.add(row)
    session.flush()
    record(session, council_id=None, by=None, action="street.staff", subject=row, now=now,
           after={"street": street.name, "name": name, "account_id": account.id})
    return row
