"""Real browser runs (Playwright + Debian's Chromium) against the live app: a chair runs a
conference and publishes the resolution, a liaison claims and closes out an item, a member
votes — on a desktop and at phone width (390 px)."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlmodel import select

from cobuild.models import Election, Item
from tests.integration.conftest import SH
from tests.web.browser import chromium, chromium_path, live_server
from tests.web.conftest import PASSWORD, at

pytestmark = [pytest.mark.browser,
              pytest.mark.skipif(chromium_path() is None, reason="needs Debian's chromium (apt-get install chromium)")]

DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}


@pytest.fixture(scope="module")
def browser():
    with chromium() as b:
        yield b


@pytest.fixture
def site(web):
    with live_server(web.app) as url:
        yield url


def sign_in(browser, site, login, viewport=DESKTOP):
    context = browser.new_context(viewport=viewport, locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(10_000)
    page.on("dialog", lambda dialog: dialog.accept())  # "are you sure?" before locking, publishing …
    page.goto(f"{site}/signin")
    page.fill("#login", login)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r"/c/\d+$"))
    return page


def flash_ok(page):
    assert page.locator(".flash.ok").count() >= 1, page.locator(".flash").all_inner_texts()


def submit(page, target):
    """Click a button that posts a form, wait for the page it leads to, and check that it says
    the action succeeded. (Checking right after the click raced the navigation: the check could
    run on the old page, which has no message yet.)"""
    button = page.locator(target) if isinstance(target, str) else target
    with page.expect_navigation():
        button.click()
    flash_ok(page)


def no_sideways_scroll(page):
    assert page.evaluate("document.documentElement.scrollWidth") <= page.viewport_size["width"] + 1


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_a_chair_runs_a_conference_and_publishes_the_resolution(web, site, browser, viewport):
    w = web.world
    w.open_window()
    lamp = w.submit("company", title="小区路灯维修")
    bins = w.submit("hospital", title="垃圾分类站点改造", category="环境卫生")
    w.advance(w.conference().window_closes_at.astimezone(SH).date(), 0, 5)
    conference = w.conference()
    web.clock.moment = conference.scheduled_at

    page = sign_in(browser, site, "chair", viewport)
    page.click(f"a[href='/c/{web.cid}/conferences/{conference.id}']")
    submit(page, "#hold")
    assert "已召开" in page.inner_text("h1")

    lamp_box = page.locator(f"#item-{lamp.id}")
    lamp_box.locator("select[name=decision]").select_option("accept")
    submit(page, lamp_box.locator("button:has-text('决定')"))
    bins_box = page.locator(f"#item-{bins.id}")
    bins_box.locator("select[name=decision]").select_option("defer")
    bins_box.locator("input[name=reason]").fill("下季度与其他环境事项一并研究")
    submit(page, bins_box.locator("button:has-text('决定')"))

    lamp_box = page.locator(f"#item-{lamp.id}")
    lamp_box.locator("input[name=goal]").fill("4月底前恢复3号楼前路灯照明")
    lamp_box.locator("select[name=lead_unit_id]").select_option(str(w.units["power"].id))
    lamp_box.locator("input[name=responsible_person]").fill("周工")
    lamp_box.locator("input[name=deadline]").fill("2026-04-30")
    submit(page, lamp_box.locator("button:has-text('保存')"))
    if viewport is PHONE:
        no_sideways_scroll(page)
    submit(page, "#publish")
    assert "决议已发布" in page.inner_text("h1")
    w.session.expire_all()
    assert w.session.get(Item, lamp.id).number and w.session.get(Item, lamp.id).status == "claimed"
    assert w.session.get(Item, bins.id).status == "deferred"
    page.context.close()


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_a_liaison_claims_works_and_closes_out_an_item(web, site, browser, viewport, tmp_path):
    w = web.world
    item = w.published_item(raiser="company", lead=None)
    web.clock.moment = at("2026-02-20")

    liaison = sign_in(browser, site, "power-liaison", viewport)
    liaison.goto(f"{site}/c/{web.cid}/items/{item.id}")
    submit(liaison, "#claim-lead")

    chair = sign_in(browser, site, "chair", viewport)
    chair.goto(f"{site}/c/{web.cid}/items/{item.id}")
    submit(chair, "button:has-text('确认')")
    chair.context.close()

    photo = tmp_path / "现场照片.png"
    photo.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * 64)
    liaison.goto(f"{site}/c/{web.cid}/items/{item.id}")
    liaison.fill("#note", "已更换灯具,正在调试")
    liaison.fill("#percent", "80")
    liaison.set_input_files("#evidence", str(photo))
    submit(liaison, "#post-progress")
    assert liaison.locator("a:has-text('现场照片.png')").count() == 1
    liaison.click("summary:has-text('申请销号')")
    liaison.fill("#co-note", "路灯已恢复照明")
    submit(liaison, "#request-close")
    assert "待验收" in liaison.inner_text("main")
    if viewport is PHONE:
        no_sideways_scroll(liaison)
    liaison.context.close()

    raiser = sign_in(browser, site, "company-liaison", viewport)
    raiser.goto(f"{site}/c/{web.cid}/items/{item.id}")
    raiser.select_option("#satisfaction", "5")
    submit(raiser, "#verify")
    assert "已销号" in raiser.inner_text("main")
    raiser.context.close()


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_a_member_votes(web, site, browser, viewport):
    w = web.world
    w.advance("2026-06-17")
    election = w.session.exec(select(Election).where(Election.status == "open")).one()
    web.clock.moment = at("2026-06-18")

    page = sign_in(browser, site, "member", viewport)
    page.click("a:has-text('去投票')")
    page.check(f"input[name=candidate_id][value='{w.heads['power'].id}']")
    submit(page, "#vote")
    assert "您已投票" in page.inner_text("main")
    if viewport is PHONE:
        no_sideways_scroll(page)
    w.session.expire_all()
    from cobuild.models import Ballot

    assert len(w.session.exec(select(Ballot).where(Ballot.election_id == election.id)).all()) == 1
    page.context.close()


def test_a_liaison_sees_the_limit_before_submitting_at_phone_width(web, site, browser):
    w = web.world
    w.open_window()
    web.clock.moment = w.conference().window_opens_at + timedelta(hours=10)
    w.submit("company", title="第一项", when=web.clock.moment)
    w.submit("company", title="第二项", when=web.clock.moment)

    page = sign_in(browser, site, "company-liaison", PHONE)
    page.goto(f"{site}/c/{web.cid}/submit")
    assert "已提交 2 项,最多 3 项" in page.inner_text("#limit")
    page.fill("#title", "<b>楼道</b>堆物清理")
    page.select_option("#category", "环境卫生")
    submit(page, "#submit-item")
    assert "<b>楼道</b>堆物清理" in page.inner_text("h1")  # shown as text, not markup
    page.goto(f"{site}/c/{web.cid}/submit")
    assert "已达到本次会议的提交上限" in page.inner_text("main")
    no_sideways_scroll(page)
    page.goto(f"{site}/lang/en?next=/c/{web.cid}/items")
    assert "Items" in page.inner_text("h1")
    no_sideways_scroll(page)
    page.context.close()


def test_the_secretary_downloads_every_document_and_changes_a_rule_at_phone_width(web, site, browser):
    """Everything in the browser: the resolution, the term report, the ledger, the calendar and a
    calendar subscription address, and a rule changed on the settings page — no command line."""
    w = web.world
    w.published_item()
    web.clock.moment = at("2026-03-01")
    page = sign_in(browser, site, "secretary", PHONE)
    conference = w.conference()
    page.goto(f"{site}/c/{web.cid}/conferences/{conference.id}")
    for link, magic in (("#resolution-downloads a:has-text('下载 PDF')", b"%PDF"),):
        with page.expect_download() as download:
            page.click(link)
        assert download.value.suggested_filename.endswith("书面决议.pdf")
        assert open(download.value.path(), "rb").read(4) == magic
    page.goto(f"{site}/c/{web.cid}/calendar")
    for link, magic, suffix in (("#download-ledger", b"PK", ".xlsx"), ("#download-ics", b"BEGIN:VCALENDAR", ".ics")):
        with page.expect_download() as download:
            page.click(link)
        assert download.value.suggested_filename.endswith(suffix)
        assert open(download.value.path(), "rb").read(len(magic)) == magic
    submit(page, "#subscribe")
    address = page.input_value("#feed-address")
    assert "/feeds/" in address and page.request.get(address).body().startswith(b"BEGIN:VCALENDAR")
    no_sideways_scroll(page)
    page.goto(f"{site}/c/{web.cid}/terms/{w.term.id}")
    with page.expect_download() as download:
        page.click("#term-report-pdf")
    assert open(download.value.path(), "rb").read(4) == b"%PDF"

    page.goto(f"{site}/c/{web.cid}/settings")
    assert "每单位至多提交(项)" in page.inner_text("main") and "items_max_per_unit" not in page.inner_text("main")
    page.fill("#s-items_max_per_unit", "5")
    submit(page, "#save-settings")
    no_sideways_scroll(page)
    w.session.expire_all()
    assert w.session.get(type(w.council), w.council.id).items_max_per_unit == 5
    page.context.close()


def test_the_chair_holds_a_meeting_with_two_absentees_and_saves_twice(web, site, browser):
    w = web.world
    w.open_window()
    w.submit("company", title="小区路灯维修")
    w.advance(w.conference().window_closes_at.astimezone(SH).date(), 0, 5)
    conference = w.conference()
    web.clock.moment = conference.scheduled_at
    absent = [w.member, w.heads["hospital"]]

    page = sign_in(browser, site, "chair", PHONE)
    page.goto(f"{site}/c/{web.cid}/conferences/{conference.id}")
    for person in absent:
        page.uncheck(f"input[name=present_ids][value='{person.id}']")
    submit(page, "#hold")
    for _ in range(2):  # what was saved is what is shown: saving again changes nothing
        for person in absent:
            assert not page.is_checked(f"input[name=present_ids][value='{person.id}']")
        assert page.is_checked(f"input[name=present_ids][value='{w.chair.id}']")
        assert "缺席 2 人" in page.inner_text("main")
        submit(page, "#hold")
    from cobuild.models import Attendance

    w.session.expire_all()
    marks = {a.member_id: a.present for a in w.session.exec(select(Attendance).where(Attendance.conference_id == conference.id))}
    assert [marks[p.id] for p in absent] == [False, False] and marks[w.chair.id]
    no_sideways_scroll(page)
    page.context.close()
