"""Every page renders for a signed-in person, in Chinese and English."""

from __future__ import annotations

from tests.web.conftest import at


def test_every_page_renders(web):
    world = web.world
    item = world.published_item()
    web.clock.moment = at("2026-03-01")
    client = web.browser("secretary")
    cid = web.cid
    conference = world.conference()
    pages = [f"/c/{cid}", f"/c/{cid}/conferences", f"/c/{cid}/conferences/{conference.id}", f"/c/{cid}/items",
             f"/c/{cid}/items?status=claimed&overdue=1&q=路灯", f"/c/{cid}/items/{item.id}", f"/c/{cid}/submit",
             f"/c/{cid}/terms", f"/c/{cid}/terms/{world.term.id}", f"/c/{cid}/settings", f"/c/{cid}/notifications",
             "/account"]
    for lang in ("zh", "en"):
        client.get(f"/lang/{lang}")
        for page in pages:
            response = client.get(page)
            assert response.status_code == 200, (page, response.text[-2000:])
            assert ("工作台" in response.text) == (lang == "zh") or page == "/account"
