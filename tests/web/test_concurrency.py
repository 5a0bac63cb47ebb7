"""Simultaneous requests on a live server (uvicorn, SQLite in WAL mode): exactly one winner,
the others a clear 409, nothing half-written, no "database is locked" for a user."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import httpx
from sqlmodel import select

from cobuild.actions import items as it
from cobuild.db import session_for
from models import AuditEvent, Claim, Conflict, Item
from tests.web.browser import live_server
from tests.web.conftest import at


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
