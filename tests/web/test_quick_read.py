"""The hot reads and the API's short actions run on the event loop with SQLite and in a worker
thread with PostgreSQL (deps.quick_read, deps.quick_write), and the API's token check still notes
a token's last use — a write, done in a worker thread, once a minute."""

from __future__ import annotations

import asyncio
import threading
from datetime import timedelta
from types import SimpleNamespace

from sqlmodel import select

from cobuild.models import ApiToken
from cobuild.platform.db import session_for
from cobuild.web.deps import quick_read, quick_write
from tests.web.conftest import at


def _thread_of_work(db_url: str) -> bool:
    request = SimpleNamespace(app=SimpleNamespace(state=SimpleNamespace(db_url=db_url)))

    async def run() -> tuple[int, int]:
        return threading.get_ident(), await quick_read(request, threading.get_ident)  # type: ignore[arg-type]

    loop_thread, work_thread = asyncio.run(run())
    return work_thread == loop_thread


def test_a_quick_read_runs_on_the_event_loop_with_sqlite_and_in_a_worker_thread_with_postgresql():
    assert _thread_of_work("sqlite:////tmp/x.db") is True
    assert _thread_of_work("postgresql+psycopg://postgres@127.0.0.1/x") is False


def test_an_action_runs_on_the_event_loop_with_sqlite_holding_the_write_lock(tmp_path):
    """With SQLite the action runs on the loop's own thread, inside a transaction that already holds
    the write lock (so its reads see the latest rows and its writes never wait)."""
    url = f"sqlite:///{tmp_path}/x.db"
    request = SimpleNamespace(app=SimpleNamespace(state=SimpleNamespace(db_url=url)))
    with session_for(url) as session:
        def work() -> tuple[int, bool]:
            import sqlite3

            other = sqlite3.connect(f"{tmp_path}/x.db", timeout=0)
            try:
                other.execute("BEGIN IMMEDIATE")
                held_elsewhere = False
            except sqlite3.OperationalError:
                held_elsewhere = True
            finally:
                other.close()
            return threading.get_ident(), held_elsewhere

        async def run() -> tuple[int, tuple[int, bool]]:
            return threading.get_ident(), await quick_write(request, session, work)  # type: ignore[arg-type]

        loop_thread, (work_thread, locked) = asyncio.run(run())
        session.rollback()
    assert work_thread == loop_thread and locked


def test_the_api_notes_a_tokens_last_use_once_a_minute(web):
    web.clock.moment = at("2026-03-01", 10, 0)
    client = web.api("power-liaison")

    def last_use():
        web.world.session.expire_all()
        return web.world.session.exec(select(ApiToken.last_used_at).where(
            ApiToken.name == "test", ApiToken.account_id == web.member("power-liaison").account_id)).one()

    assert client.get("/api/v1/me").status_code == 200
    first = last_use()
    assert first is not None and abs(first - at("2026-03-01", 10, 0)) < timedelta(seconds=1)
    web.clock.moment += timedelta(seconds=30)
    assert client.get(f"/api/v1/councils/{web.cid}/items").status_code == 200
    assert last_use() == first  # within the minute: no write
    web.clock.moment += timedelta(minutes=2)
    assert client.get(f"/api/v1/councils/{web.cid}").status_code == 200
    assert last_use() > first
