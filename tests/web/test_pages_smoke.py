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
             f"/c/{cid}/todo",
             "/account"]
    for lang in ("zh", "en"):
        client.get(f"/lang/{lang}")
        for page in pages:
            response = client.get(page)
            assert response.status_code == 200, (page, response.text[-2000:])
            assert ("工作台" in response.text) == (lang == "zh") or page == "/account"


def test_a_liaison_lands_on_their_to_do_and_the_chair_can_hurry(web):
    world = web.world
    item = world.published_item(raiser="company", lead="power", deadline="2026-03-20")
    web.clock.moment = at("2026-03-25")
    liaison = web.browser("power-liaison")
    page = liaison.get(f"/c/{web.cid}").text
    assert "我的待办" in page and f"/c/{web.cid}/items/{item.id}" in page and "报告进展" in page
    assert 'id="nav-todo"' in page and 'class="count">1<' in page
    assert "催办" not in liaison.get(f"/c/{web.cid}/items/{item.id}").text
    chair = web.browser("chair")
    assert 'id="hurry"' in chair.get(f"/c/{web.cid}/items/{item.id}").text


def test_my_to_do_over_the_api(web, monkeypatch):
    monkeypatch.setenv("COBUILD_PUBLIC_URL", "https://cobuild.example.org")
    item = web.world.published_item(raiser="company", lead="power", deadline="2026-03-20")
    web.clock.moment = at("2026-03-25")
    entries = web.api("power-liaison").get("/api/v1/me/todo").json()
    assert [(e["kind"], e["subject_id"], e["overdue"]) for e in entries] == [("progress", item.id, True)]
    assert entries[0]["link"] == f"https://cobuild.example.org/c/{web.cid}/items/{item.id}"
    hurried = web.api("chair").post(f"/api/v1/councils/{web.cid}/items/{item.id}/hurry")
    assert hurried.status_code == 200, hurried.text
    again = web.api("secretary").post(f"/api/v1/councils/{web.cid}/items/{item.id}/hurry")
    assert again.status_code == 409 and again.json()["error"] == "hurried_today"
