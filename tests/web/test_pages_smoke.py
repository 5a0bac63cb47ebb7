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


def test_a_message_opens_in_full_for_its_reader_only(web):
    from sqlmodel import select

    from cobuild.models import Notification

    item = web.world.published_item(raiser="company", lead="power")
    mine = web.world.session.exec(select(Notification).where(Notification.member_id == web.member("power-liaison").id)).first()
    assert mine is not None and item.id
    liaison = web.browser("power-liaison")
    page = liaison.get(f"/c/{web.cid}/notifications/{mine.id}")
    assert page.status_code == 200 and mine.subject in page.text and "已发送" in page.text or "待发送" in page.text
    assert web.browser("company-liaison").get(f"/c/{web.cid}/notifications/{mine.id}").status_code == 404
    listing = web.browser("secretary").get(f"/c/{web.cid}/notifications").text
    assert 'id="message-counts"' in listing and "共" in listing


def test_a_calendar_subscription_works_without_signing_in_until_it_is_renewed(web):
    import re

    client = web.browser("power-liaison")
    csrf = web.csrf(client, f"/c/{web.cid}/calendar")
    client.post(f"/c/{web.cid}/calendar-subscription", data={"csrf": csrf, "renew": "1"}, follow_redirects=False)
    first = re.search(r'id="feed-address" value="[^"]*(/feeds/[^"]+)"', client.get(f"/c/{web.cid}/calendar").text).group(1)
    anonymous = web.api()
    assert anonymous.get(first).text.startswith("BEGIN:VCALENDAR")
    assert "feed-address" not in client.get(f"/c/{web.cid}/calendar").text  # the secret is shown once
    client.post(f"/c/{web.cid}/calendar-subscription", data={"csrf": csrf, "renew": "1"})
    assert anonymous.get(first).status_code == 404  # the old address stops at once
    client.post(f"/c/{web.cid}/calendar-subscription", data={"csrf": csrf, "renew": "0"})
    assert web.world.session.get(type(web.member("power-liaison")), web.member("power-liaison").id).calendar_key_hash is None


def test_what_was_typed_comes_back_after_a_refusal(web):
    item = web.world.published_item(raiser="company", lead="power")
    web.clock.moment = at("2026-03-01")
    client = web.browser("power-liaison")
    page = f"/c/{web.cid}/items/{item.id}"
    csrf = web.csrf(client, page)
    # a percentage out of range is refused; the note typed with it is not lost
    client.post(f"{page}/progress", data={"csrf": csrf, "next": page, "note": "已联系施工队,下周进场", "percent": "180"},
                follow_redirects=False)
    shown = client.get(page).text
    assert "完成百分比:不能大于 100" in shown and "已联系施工队,下周进场</textarea>" in shown
    assert "已联系施工队" not in client.get(page).text  # once only


def test_validation_errors_name_the_field_in_words(web):
    answer = web.api("company-liaison").post(f"/api/v1/councils/{web.cid}/items", json={"title": "x", "category": "其他"})
    assert answer.status_code == 422 and "标题:至少 2 个字" in answer.json()["message"], answer.text


def test_the_documents_download_as_word_from_their_pages(web):
    item = web.world.published_item()
    client = web.browser("secretary")
    conference = web.world.conference()
    page = client.get(f"/c/{web.cid}/conferences/{conference.id}").text
    assert 'id="resolution-docx"' in page and item.id
    for url in (f"/c/{web.cid}/conferences/{conference.id}/resolution.docx", f"/c/{web.cid}/terms/{web.world.term.id}/report.docx"):
        answer = client.get(url)
        assert answer.status_code == 200 and answer.content[:2] == b"PK", url
        assert ".docx" in answer.headers["content-disposition"]


def test_an_item_pages_kept_history_is_per_language_and_new_at_the_next_change(web):
    """The item page's progress and timeline are rendered once per council state and language
    (pages.kept_fragment): a reader in English never gets the Chinese one, and a report shows at once."""
    item = web.world.published_item(raiser="company", lead="power")
    web.clock.moment = at("2026-03-01")
    client = web.browser("power-liaison")
    page = f"/c/{web.cid}/items/{item.id}"
    client.get("/lang/zh")
    assert "时间线" in client.get(page).text
    client.get("/lang/en")
    english = client.get(page).text
    assert "Timeline" in english and "时间线" not in english
    client.get("/lang/zh")
    csrf = web.csrf(client, page)
    posted = client.post(f"{page}/progress", data={"csrf": csrf, "next": page, "note": "路面已开挖,本周回填<b>!</b>",
                                                   "percent": "40"}, follow_redirects=False)
    assert posted.status_code == 303, posted.text
    shown = client.get(page).text
    assert "路面已开挖,本周回填" in shown and "40%" in shown
    assert "&lt;b&gt;!&lt;/b&gt;" in shown and "<b>!</b>" not in shown  # the kept piece is escaped as the page is
    assert "路面已开挖,本周回填" in web.browser("chair").get(page).text  # another reader: the same new state
