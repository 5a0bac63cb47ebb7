"""Request-scoped pieces shared by the API and the pages: the database session, the clock, who
is signed in, and the council context."""

from __future__ import annotations

import asyncio
from typing import AsyncIterator, Callable, TypeVar

from fastapi import Request
from sqlalchemy import bindparam
from sqlmodel import Session, select
from starlette.concurrency import run_in_threadpool

from cobuild.actions.accounts import Caller
from cobuild.models import Account, Busy, Council, Member, NotFound, PermissionDenied, Unit
from cobuild.platform.db import BUSY_TIMEOUT_MS, ON_EVENT_LOOP, session_for, try_write_lock
from cobuild.web.operations import Ctx

T = TypeVar("T")


def request_session(request: Request):
    """A request's session: what it loads stays in its identity map until the request ends."""
    return session_for(request.app.state.db_url, keep=True)


async def db(request: Request) -> AsyncIterator[Session]:
    """The request's session, made and closed on the event loop: making one does no I/O (it
    connects at its first query, in the endpoint's thread), and closing gives the connection
    back to the pool (at most a rollback of a transaction left open by an error). As a sync
    dependency it cost two more hops through the thread pool on every API request."""
    with request_session(request) as session:
        yield session


async def quick_read(request: Request, work: Callable[[], T]) -> T:
    """`work()` — a short read of the hot pages and API reads — on the event loop when the database
    is SQLite, in a worker thread otherwise. Under WAL a SQLite read never waits for a lock and is
    CPU only, which the interpreter's lock serializes anyway: run in the thread pool it cost two or
    three thread hops a request, and the item read served 300/s instead of 500-600/s (bench/limits.md).
    A PostgreSQL read waits on the network, which must not hold up the loop. Writes (they may wait
    for SQLite's write lock), files and long reports stay in worker threads."""
    if request.app.state.db_url.startswith("sqlite"):
        return work()
    return await run_in_threadpool(work)


# how long an action waits for SQLite's write lock, as the busy timeout lets a statement wait,
# before it is answered 503 "busy"; and its pauses between tries, from the first to the longest.
# The longest is short: another worker holds the lock for one action, a few ms, and a longer pause
# only adds to the wait after it lets go (the waits' tail under the mixed load: bench/limits.md).
# A try costs one failed `BEGIN IMMEDIATE`.
WRITE_PATIENCE = BUSY_TIMEOUT_MS / 1000
FIRST_PAUSE, LONGEST_PAUSE = 0.001, 0.004


async def quick_write(request: Request, session: Session, work: Callable[[], T]) -> T:
    """`work()` — an action of the use-case layer, a short write — on the event loop when the
    database is SQLite, in a worker thread otherwise. In a worker thread a SQLite write waited for
    the write lock in SQLite's busy handler, which sleeps 1, 2, 5 … 100 ms between tries, and then
    competed with the loop for the interpreter: under the mixed load that wait was most of the
    tail (bench/limits.md). Here the write lock is taken first without waiting (`BEGIN IMMEDIATE`
    with no busy timeout); while another connection holds it, the loop serves other requests for
    a pause and tries again, and gives up after WRITE_PATIENCE with `Busy` (503). Holding the
    lock, the action's reads see the latest rows and its writes never wait. A PostgreSQL write
    waits on the network and runs in the thread pool."""
    if not request.app.state.db_url.startswith("sqlite"):
        return await run_in_threadpool(work)
    loop = asyncio.get_running_loop()
    session.info[ON_EVENT_LOOP] = True  # a retry of `perform` takes the lock without waiting too
    give_up, pause = loop.time() + WRITE_PATIENCE, FIRST_PAUSE
    while not try_write_lock(session):
        if loop.time() + pause > give_up:
            raise Busy("busy")
        await asyncio.sleep(pause)
        pause = min(2 * pause, LONGEST_PAUSE)
    try:
        return work()
    except BaseException:  # refused before its use case ran (not a member, no such item): let go of the lock
        session.rollback()
        raise


def now(request: Request):
    return request.app.state.clock()


# built once: a statement built per request spent more time in SQLAlchemy's coercion and cache
# key than in the query. The member's unit comes along: every action asks for the unit its
# member acts for, which then costs no statement of its own (bench/limits.md).
_MEMBERSHIP = (select(Member, Council, Unit).join(Council, Council.id == Member.council_id)
               .join(Unit, Unit.id == Member.unit_id)
               .where(Member.account_id == bindparam("account"), Member.council_id == bindparam("council"),
                      Member.active == True))  # noqa: E712


def council_ctx(request: Request, session: Session, account: Account | Caller, cid: int, lang: str) -> Ctx:
    # one query for the council and the caller's membership (every council request runs it);
    # a second only to tell "no such council" from "not a member"
    found = session.exec(_MEMBERSHIP, params={"account": account.id, "council": cid}).first()
    if found is None:
        council = session.get(Council, cid)
        if council is None:
            raise NotFound("not_found", subject="council", key=cid)
        if street_reader(session, account, council):  # the street office reads, never writes (member None)
            return Ctx(session=session, council=council, member=None, now=now(request), lang=lang)
        raise PermissionDenied("not_member")
    member, council, _unit = found  # the unit stays in the session's identity map
    return Ctx(session=session, council=council, member=member, now=now(request), lang=lang)


def street_reader(session: Session, account: Account | Caller, council: Council) -> bool:
    """Whether the account is active staff of the street the council belongs to."""
    from cobuild.models import StreetStaff

    if council.street_id is None:
        return False
    return session.exec(select(StreetStaff.id).where(StreetStaff.street_id == council.street_id,
                                                     StreetStaff.account_id == account.id,
                                                     StreetStaff.active == True)).first() is not None  # noqa: E712


def language(request: Request) -> str:
    chosen = request.query_params.get("lang") or request.cookies.get("lang")
    if chosen in ("zh", "en"):
        return chosen
    if request.url.path.startswith("/api/"):
        accept = request.headers.get("accept-language", "")
        return "en" if accept.lower().startswith("en") else "zh"
    return "zh"


def is_api(request: Request) -> bool:
    return request.url.path.startswith("/api/")
