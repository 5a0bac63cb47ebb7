"""Simultaneous requests on a live server (uvicorn, SQLite in WAL mode): exactly one winner,
the others a clear 409, nothing half-written, no "database is locked" for a user."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import httpx
from sqlmodel import select

from cobuild.actions import items as it
from cobuild.models import AuditEvent, Claim, Conflict, Item
from cobuild.models.kinds import HANDOFF_KINDS
from cobuild.platform.db import session_for
from tests.web.browser import live_server
from tests.web.conftest import PASSWORD, at


def test_fifty_simultaneous_lead_claims_one_succeeds_and_one_audit_event(web):
    item = web.world.published_item(raiser="company", lead=None)
    web.clock.moment = at("2026-03-01")
    token = web.tokens["power-liaison"]
    with live_server(web.app) as site:
        url = f"{site}/api/v1/councils/{web.cid}/items/{item.id}/claims"

        def claim(_):
            with httpx.Client(timeout=60) as client:
                return client.post(url, json={"role": "lead"}, headers={"Authorization": f"Bearer {token}"})

        with ThreadPoolExecutor(max_workers=50) as pool:
            responses = list(pool.map(claim, range(50)))
    codes = sorted(r.status_code for r in responses)
    assert codes == [201] + [409] * 49, codes
    assert all(r.json()["message"] for r in responses if r.status_code == 409)
    assert all("locked" not in r.text for r in responses)
    with session_for(web.db_url) as s:
        assert len(s.exec(select(Claim).where(Claim.item_id == item.id)).all()) == 1
        assert len(s.exec(select(AuditEvent).where(AuditEvent.action == "claim.lead")).all()) == 1


def test_simultaneous_progress_reports_on_one_item_all_succeed(web):
    """Thirty progress reports on one item at once (the lead's liaison from several phones, or
    several people of the lead unit): each bumps the item's version, so most of them meet a
    version conflict with another one — none of which concerns the user. Every one is answered
    201 and stored once, in its own audit event, and the item's version counts them all."""
    from cobuild.models import ProgressReport

    item = web.world.published_item()
    web.clock.moment = at("2026-03-01")
    token = web.tokens["power-liaison"]
    before = item.version
    with live_server(web.app) as site:
        url = f"{site}/api/v1/councils/{web.cid}/items/{item.id}/progress"

        def report(n):
            with httpx.Client(timeout=60) as client:
                return client.post(url, json={"note": f"进展 {n}", "percent": n},
                                   headers={"Authorization": f"Bearer {token}"})

        with ThreadPoolExecutor(max_workers=30) as pool:
            responses = list(pool.map(report, range(1, 31)))
    assert sorted(r.status_code for r in responses) == [201] * 30, [r.text for r in responses if r.status_code != 201]
    with session_for(web.db_url) as s:
        notes = s.exec(select(ProgressReport.note).where(ProgressReport.item_id == item.id)).all()
        assert sorted(notes) == sorted(f"进展 {n}" for n in range(1, 31))
        assert s.get(Item, item.id).version == before + 30
        assert len(s.exec(select(AuditEvent).where(AuditEvent.action == "item.progress",
                                                   AuditEvent.subject_id == item.id)).all()) == 30


def test_a_stale_edit_of_an_item_is_refused_not_lost(web):
    """Two people load the same item; the second write, made from what it read before the
    first one's change, is refused by the version check instead of overwriting it."""
    item = web.world.published_item()
    first = web.world.session
    with session_for(web.db_url) as other:
        stale = other.get(Item, item.id)  # read before the change below
        it.post_progress(first, first.get(Item, item.id), by=web.world.liaisons["power"], now=at("2026-03-01"),
                         note="开工", percent=20)
        try:
            it.extend_deadline(other, stale, stale.deadline.replace(month=6), by=web.world.chair, now=at("2026-03-01"),
                               reason="材料延迟")
        except Conflict as exc:
            assert "冲突" in exc.message("zh")
        else:
            raise AssertionError("a stale write went through")
    first.expire_all()
    fresh = first.get(Item, item.id)
    assert fresh.latest_percent == 20 and fresh.extensions == 0


def test_web_writes_while_sweeps_and_dispatches_run_never_meet_a_locked_database(web, tmp_path):
    """The scheduler's work in another process (a sweep queuing 4,000 reminders in batches,
    then a dispatch sending them) on the same SQLite file while three liaisons post progress and
    ten readers load the item list and the dashboard over HTTP: every request answered
    normally, none 5xx, no "database is locked"; the sweep and dispatch finish their work too.
    (Measured here: ~65 progress posts and ~400 reads during the ~15 s of sweeping and sending.
    The PostgreSQL pass of `.ci/run` runs the same test on PostgreSQL.)"""
    import subprocess
    import sys
    import threading
    import time
    from pathlib import Path

    from cobuild.models import Delivery, Notification
    from tests.support.worlds import build

    root = Path(__file__).resolve().parents[2]
    w = web.world
    w.open_window()
    items = {lead: w.submit("community", title=f"共建事项{lead}") for lead in ("power", "hospital", "company")}
    w.hold()
    for lead, item in items.items():
        w.accept(item, lead=lead)
    w.publish()
    web.clock.moment = at("2026-03-01")
    build(web.db_url, councils=2, open_items=6_000, due=4_000)

    done = threading.Event()
    answers: list[tuple[str, int, str]] = []

    def writer(lead: str, item_id: int) -> None:
        url = f"{site}/api/v1/councils/{web.cid}/items/{item_id}/progress"
        headers = {"Authorization": f"Bearer {web.tokens[f'{lead}-liaison']}"}
        percent = 1
        with httpx.Client(timeout=120) as client:
            while not done.is_set() and percent < 99:
                r = client.post(url, json={"note": f"第{percent}次进展", "percent": percent}, headers=headers)
                answers.append(("progress", r.status_code, r.text))
                percent += 1

    def reader(n: int) -> None:
        headers = {"Authorization": f"Bearer {web.tokens['secretary']}"}
        with httpx.Client(timeout=120) as client:
            while not done.is_set():
                path = "/items" if n % 2 else ""  # the item list, the dashboard
                r = client.get(f"{site}/api/v1/councils/{web.cid}{path}", headers=headers)
                answers.append(("read", r.status_code, r.text[:300]))

    with live_server(web.app) as site:
        threads = [threading.Thread(target=writer, args=(lead, item.id)) for lead, item in items.items()]
        threads += [threading.Thread(target=reader, args=(n,)) for n in range(10)]
        for thread in threads:
            thread.start()
        try:
            for role in ("sweep", "dispatch"):
                child = subprocess.run([sys.executable, "-m", "tests.integration.worker_child", role, web.db_url,
                                        str(tmp_path), "--batch", "500"], cwd=root, capture_output=True, text=True,
                                       timeout=300)
                assert child.returncode == 0, child.stderr[-2000:]
            time.sleep(0.5)
        finally:
            done.set()
            for thread in threads:
                thread.join(timeout=120)

    writes = [a for a in answers if a[0] == "progress"]
    reads = [a for a in answers if a[0] == "read"]
    assert len(writes) >= 3 and len(reads) >= 10, (len(writes), len(reads))
    assert {code for _, code, _ in writes} == {201}, [a for a in writes if a[1] != 201][:3]
    assert {code for _, code, _ in reads} == {200}, [a for a in reads if a[1] != 200][:3]
    assert not [a for a in answers if "locked" in a[2]]
    with session_for(web.db_url) as s:
        queued = s.exec(select(Notification).where(Notification.subject_type == "item")).all()
        assert len({n.subject_id for n in queued}) >= 4_000
        # every reminder the sweep queued was sent (the progress posts' hand-offs keep coming meanwhile)
        assert not s.exec(select(Delivery).join(Notification, Notification.id == Delivery.notification_id).where(
            Delivery.status == "pending", Notification.kind.not_in(HANDOFF_KINDS))).all()


def test_a_page_form_waiting_for_the_write_lock_does_not_hold_up_other_requests(web):
    """Another connection holds SQLite's write lock for 2.5 s while a liaison posts progress through
    the page form: the form waits (in the thread pool), and other requests are answered meanwhile."""
    import re
    import sqlite3
    import threading
    import time

    import pytest

    if not web.db_url.startswith("sqlite:///"):
        pytest.skip("SQLite's write lock")
    item = web.world.published_item()
    web.clock.moment = at("2026-03-01")
    with live_server(web.app) as site, httpx.Client(base_url=site, timeout=60) as liaison, \
            httpx.Client(base_url=site, timeout=60) as other:
        csrf = re.search(r'name="csrf" value="([^"]+)"', liaison.get("/signin").text).group(1)
        liaison.post("/signin", data={"login": "power-liaison", "password": PASSWORD, "csrf": csrf, "next": "/"})
        page = liaison.get(f"/c/{web.cid}/items/{item.id}").text
        csrf = re.search(r'name="csrf" value="([^"]+)"', page).group(1)
        holder = sqlite3.connect(web.db_url.removeprefix("sqlite:///"), timeout=30)
        holder.execute("BEGIN IMMEDIATE")
        posted = {}
        form = threading.Thread(target=lambda: posted.setdefault("answer", liaison.post(
            f"/c/{web.cid}/items/{item.id}/progress", data={"csrf": csrf, "note": "锁等待中的进展", "percent": "40"})))
        try:
            form.start()
            time.sleep(0.5)  # the form is now waiting for the lock
            started = time.monotonic()
            assert other.get("/healthz").status_code == 200
            waited = time.monotonic() - started
        finally:
            time.sleep(max(0.0, 2.5 - 0.5))
            holder.rollback()
            holder.close()
        form.join(30)
    # before, the form held the event loop until the lock came free (30 s: the busy timeout)
    assert waited < 0.5, f"another request waited {waited:.2f} s behind the form"
    assert posted["answer"].status_code in (200, 303)
    with session_for(web.db_url) as session:
        from cobuild.models import ProgressReport

        assert session.exec(select(ProgressReport).where(ProgressReport.note == "锁等待中的进展")).one()


def _hold_the_write_lock(web):
    import sqlite3

    import pytest

    if not web.db_url.startswith("sqlite:///"):
        pytest.skip("SQLite's write lock")
    holder = sqlite3.connect(web.db_url.removeprefix("sqlite:///"), timeout=30)
    holder.execute("BEGIN IMMEDIATE")
    return holder


def test_an_api_action_waiting_for_the_write_lock_lets_the_event_loop_serve_reads(web):
    """Another connection holds SQLite's write lock while a liaison posts progress through the API:
    the action waits for it on the event loop without blocking it (deps.quick_write), an item read
    meanwhile is answered at once, and once the lock is free the action is answered 201. Waiting in
    SQLite's busy handler on the loop, the read would wait the whole 30 s busy timeout."""
    import threading
    import time

    from cobuild.models import ProgressReport

    item = web.world.published_item()
    web.clock.moment = at("2026-03-01")
    headers = {"Authorization": f"Bearer {web.tokens['power-liaison']}"}
    with live_server(web.app) as site, httpx.Client(base_url=site, timeout=10, headers=headers) as client:
        # the token's last use is noted now: that write would wait for the lock too
        assert client.get("/api/v1/me").status_code == 200
        holder = _hold_the_write_lock(web)
        posted = {}
        action = threading.Thread(target=lambda: posted.setdefault("answer", client.post(
            f"/api/v1/councils/{web.cid}/items/{item.id}/progress", json={"note": "锁等待中的进展", "percent": 40})))
        try:
            action.start()
            time.sleep(0.5)  # the action is now waiting for the lock
            started = time.monotonic()
            read = client.get(f"/api/v1/councils/{web.cid}/items/{item.id}")
            waited = time.monotonic() - started
            assert "answer" not in posted  # still waiting
        finally:
            holder.rollback()
            holder.close()
        action.join(30)
    assert read.status_code == 200 and waited < 0.5, f"the read waited {waited:.2f} s behind the action"
    assert posted["answer"].status_code == 201, posted["answer"].text
    with session_for(web.db_url) as session:
        assert session.exec(select(ProgressReport).where(ProgressReport.note == "锁等待中的进展")).one()


def test_an_api_action_that_never_gets_the_write_lock_is_answered_busy_and_writes_nothing(web, monkeypatch):
    from cobuild.models import ProgressReport
    from cobuild.web import deps

    monkeypatch.setattr(deps, "WRITE_PATIENCE", 0.3)
    item = web.world.published_item()
    web.clock.moment = at("2026-03-01")
    client = web.api("power-liaison")
    assert client.get("/api/v1/me").status_code == 200  # the token's last use, noted before the lock is taken
    holder = _hold_the_write_lock(web)
    try:
        answer = client.post(f"/api/v1/councils/{web.cid}/items/{item.id}/progress",
                             json={"note": "不会写入的进展", "percent": 40})
    finally:
        holder.rollback()
        holder.close()
    assert answer.status_code == 503
    assert answer.json()["error"] == "busy" and answer.json()["message"] == "系统繁忙,未作任何更改,请稍后重试"
    with session_for(web.db_url) as session:
        assert not session.exec(select(ProgressReport).where(ProgressReport.note == "不会写入的进展")).all()
    # the connection it tried with went back to the pool waiting for locks as every other user expects
    from contextlib import ExitStack

    from cobuild.platform.db import BUSY_TIMEOUT_MS, engine_for

    with ExitStack() as stack:  # more at once than the pool keeps: every pooled connection among them
        pooled = [stack.enter_context(engine_for(web.db_url).connect()) for _ in range(12)]
        assert {c.exec_driver_sql("PRAGMA busy_timeout").scalar() for c in pooled} == {BUSY_TIMEOUT_MS}


def test_a_retried_api_action_takes_the_write_lock_without_waiting_on_the_event_loop(web):
    """`perform` runs an action again after a conflict, from a fresh read inside the write lock. On
    the event loop (deps.quick_write marks the session) that lock is taken without waiting: when
    another connection holds it, the retry is answered busy at once instead of stalling every
    request of the process in SQLite's 30 s busy handler."""
    import time

    import pytest

    from cobuild.models import Busy, Council
    from cobuild.platform.db import ON_EVENT_LOOP
    from cobuild.web.operations import BY_NAME, Ctx, _lock_for_retry

    item = web.world.published_item()
    holder = _hold_the_write_lock(web)
    try:
        with session_for(web.db_url) as session:
            session.info[ON_EVENT_LOOP] = True
            ctx = Ctx(session=session, council=session.get(Council, web.cid), member=None, now=at("2026-03-02"))
            started = time.monotonic()
            with pytest.raises(Busy):
                _lock_for_retry(ctx, BY_NAME["item.progress"], item.id)
            assert time.monotonic() - started < 5
    finally:
        holder.rollback()
        holder.close()
