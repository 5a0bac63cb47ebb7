"""One-tap action links (issue 29): signed, bound to the person, the subject, the action and the
basis, used once, refused when expired, forged, moved on or opened by someone else signed in."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import select

from cobuild.actions import items as it
from cobuild.models import Item, Notification
from cobuild.platform import action_links
from cobuild.sweep.run import sweep
from tests.web.conftest import at

BASE = "https://cobuild.example.org"


@pytest.fixture(autouse=True)
def keys(monkeypatch):
    monkeypatch.setenv("COBUILD_PUBLIC_URL", BASE)
    monkeypatch.setenv("COBUILD_SECRET_KEY", "k" * 48)


def _close_requested(web) -> Item:
    w = web.world
    item = w.published_item(raiser="company", lead="power")
    it.post_progress(w.session, item, by=w.liaisons["power"], now=at("2026-03-20"), note="完成", percent=100)
    it.request_close_out(w.session, w.reload(item), by=w.liaisons["power"], now=at("2026-03-21"), note="完成")
    return w.reload(item)


def _link(web, kind: str, member_id: int) -> str:
    """The action link in the message of `kind` to `member_id`, as the message carries it."""
    web.world.session.expire_all()
    message = web.world.session.exec(select(Notification).where(Notification.kind == kind,
                                                                Notification.member_id == member_id)).one()
    (found,) = re.findall(rf"{BASE}(/a/[\w.\-]+)", message.body_text)
    assert f'href="{BASE}{found}"' in message.body_html
    return found


def test_a_close_out_verified_in_one_tap_and_the_link_spent(web):
    item = _close_requested(web)
    sweep(web.world.session, at("2026-03-21", 10))  # the verify request, with its action link
    path = _link(web, "verify_request", web.world.liaisons["company"].id)
    web.clock.moment = at("2026-03-22")
    phone = web.browser()  # not signed in
    page = phone.get(path)
    assert page.status_code == 200 and "验收通过" in page.text and item.title in page.text
    done = phone.post(path, data={"choice": "accept", "satisfaction": "4"})
    assert done.status_code == 200 and "已办理" in done.text
    assert web.world.reload(item).status == "closed" and web.world.reload(item).satisfaction == 4
    again = phone.get(path)
    assert again.status_code == 410 and "已经用过" in again.text


def test_a_claim_confirmed_in_one_tap(web):
    w = web.world
    item = w.published_item(raiser="company", lead=None)
    it.claim(w.session, item, w.units["power"], "lead", by=w.liaisons["power"], now=at("2026-03-20"))
    path = _link(web, "claim_pending", w.chair.id)
    web.clock.moment = at("2026-03-21")
    assert web.browser().post(path, data={"choice": "confirm"}).status_code == 200
    assert w.reload(item).lead_unit_id == w.units["power"].id


def test_an_overdue_reminder_answered_with_a_note(web):
    w = web.world
    item = w.published_item(raiser="company", lead="power", deadline="2026-03-20")
    sweep(w.session, at("2026-03-23", 9))
    path = _link(web, "overdue", w.liaisons["power"].id)
    web.clock.moment = at("2026-03-23", 10)
    done = web.browser().post(path, data={"choice": "note", "note": "材料已到,本周完成"})
    assert done.status_code == 200
    assert "材料已到" in w.session.exec(select(it.ProgressReport).where(it.ProgressReport.item_id == item.id)).all()[-1].note


def test_refused_when_moved_on_expired_forged_or_opened_by_someone_else_signed_in(web):
    w = web.world
    item = _close_requested(web)
    sweep(w.session, at("2026-03-21", 10))
    path = _link(web, "verify_request", w.liaisons["company"].id)
    web.clock.moment = at("2026-03-22")
    # someone else signed in on this phone
    other = web.browser("power-liaison").get(path)
    assert other.status_code == 410 and w.liaisons["company"].name in other.text
    # forged: a changed signature, or a payload signed with another key
    assert "无效" in web.browser().get(path[:-3] + ("aaa" if not path.endswith("aaa") else "bbb")).text
    # expired: 8 days after it was signed
    web.clock.moment = datetime.now(UTC) + action_links.MAX_AGE + timedelta(days=1)
    assert "已过期" in web.browser().get(path).text
    # moved on: the close-out was sent back on the item page meanwhile
    web.clock.moment = at("2026-03-22")
    it.send_back(w.session, w.reload(item), by=w.liaisons["company"], now=at("2026-03-22"), reason="还没好")
    moved = web.browser().post(path, data={"choice": "accept", "satisfaction": "5"})
    assert moved.status_code == 410 and "已有变化" in moved.text
    assert w.reload(item).status == "in_progress"


def test_no_action_links_without_a_secret_key(web, monkeypatch):
    monkeypatch.delenv("COBUILD_SECRET_KEY")
    _close_requested(web)
    sweep(web.world.session, at("2026-03-21", 10))
    web.world.session.expire_all()
    message = web.world.session.exec(select(Notification).where(Notification.kind == "verify_request")).first()
    assert "/a/" not in message.body_text and f"{BASE}/c/" in message.body_text
