"""Request-scoped pieces shared by the API and the pages: the database session, the clock, who
is signed in, and the council context."""

from __future__ import annotations

from typing import Iterator

from fastapi import Request
from sqlmodel import Session, select

from cobuild.db import session_for
from cobuild.web.operations import Ctx
from models import Account, Council, Member, NotFound, PermissionDenied


def db(request: Request) -> Iterator[Session]:
    with session_for(request.app.state.db_url) as session:
        yield session


def now(request: Request):
    return request.app.state.clock()


def council_ctx(request: Request, session: Session, account: Account, cid: int, lang: str) -> Ctx:
    # one query for the council and the caller's membership (every council request runs it);
    # a second only to tell "no such council" from "not a member"
    found = session.exec(select(Member, Council).join(Council, Council.id == Member.council_id)  # type: ignore[arg-type]
                         .where(Member.account_id == account.id, Member.council_id == cid,
                                Member.active == True)).first()  # noqa: E712
    if found is None:
        if session.get(Council, cid) is None:
            raise NotFound("not_found", subject="council", key=cid)
        raise PermissionDenied("not_member")
    member, council = found
    return Ctx(session=session, council=council, member=member, now=now(request), lang=lang)
