"""The service menu in a real browser at phone width: the secretary orders from the menu, the
offering unit's liaison takes the order and, after the service, records it with a photo; the
secretary rates it and the liaison answers (SPEC.md §9)."""

from __future__ import annotations

import pytest
from sqlmodel import select

from cobuild.actions import services as sv
from cobuild.models.services import Order, OrderStatus
from tests.web.browser import chromium_path
from tests.web.conftest import at
from tests.web.test_browser import PHONE, browser, no_sideways_scroll, sign_in, site, submit  # noqa: F401 — fixtures

pytestmark = [pytest.mark.browser,
              pytest.mark.skipif(chromium_path() is None, reason="needs Debian's chromium (apt-get install chromium)")]


def test_a_liaison_takes_an_order_on_a_phone_and_records_the_service_with_a_photo(web, site, browser, tmp_path):  # noqa: F811
    w = web.world
    offer = sv.publish_offer(w.session, w.council, w.units["power"], by=w.liaisons["power"], now=at("2026-03-02"),
                             title="居民用电安全检查", category="公共服务", team="共产党员服务队", availability="工作日")
    web.clock.moment = at("2026-03-02", 9)

    secretary = sign_in(browser, site, "secretary", PHONE)
    secretary.goto(f"{site}/c/{web.cid}/menu")
    assert "居民用电安全检查" in secretary.inner_text("main")
    no_sideways_scroll(secretary)
    card = secretary.locator(f"#offer-{offer.id}")
    card.locator("summary:has-text('下单')").click()
    card.locator("textarea[name=need]").fill("独居老人家中线路老化")
    card.locator("input[name=residents]").fill("12")
    submit(secretary, card.locator("button:has-text('下单')"))
    order = w.session.exec(select(Order)).one()
    assert secretary.url.endswith(f"/orders/{order.id}")

    liaison = sign_in(browser, site, "power-liaison", PHONE)
    assert "服务订单待接单" in liaison.inner_text("main")  # 我的待办 on the dashboard
    liaison.goto(f"{site}/c/{web.cid}/orders/{order.id}")
    liaison.fill("#take-date", "2026-03-05")
    submit(liaison, "#take")
    assert "已约定时间" in liaison.inner_text("#order-status")
    assert liaison.locator("#record-later").count() == 1  # the record form waits for the service day
    no_sideways_scroll(liaison)

    web.clock.moment = at("2026-03-05", 17)
    photo = tmp_path / "入户检查.png"
    photo.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * 64)
    liaison.goto(f"{site}/c/{web.cid}/orders/{order.id}")
    liaison.fill("#hours", "3")
    liaison.fill("#residents-served", "12")
    liaison.fill("#record-note", "更换老化插座 8 处")
    liaison.set_input_files("#photos", str(photo))
    submit(liaison, "#record")
    assert liaison.locator("#service-record a:has-text('入户检查.png')").count() == 1
    no_sideways_scroll(liaison)

    secretary.goto(f"{site}/c/{web.cid}/orders/{order.id}")
    secretary.select_option("#rating", "5")
    secretary.fill("#comment", "老人很满意")
    submit(secretary, "#rate")
    secretary.context.close()

    liaison.goto(f"{site}/c/{web.cid}/orders/{order.id}")
    liaison.fill("textarea[name=answer]", "感谢社区,下月继续")
    submit(liaison, "button:has-text('回复并办结')")
    assert "已办结" in liaison.inner_text("#order-status")
    liaison.context.close()
    w.session.expire_all()
    done = w.session.get(Order, order.id)
    assert done.status == OrderStatus.closed and done.residents_served == 12 and len(done.evidence) == 1


def test_a_resident_rates_the_units_on_a_phone_with_a_code(web, site, browser):  # noqa: F811
    from datetime import date

    from cobuild.actions import appraisal as ap
    from cobuild.models.appraisal import ResidentRating

    w = web.world
    row = ap.open_round(w.session, now=at("2026-12-01"), year=2026, self_due=date(2026, 12, 15), closes_on=date(2026, 12, 31),
                        council=w.council, by=w.secretary)
    code = ap.issue_codes(w.session, row, w.council, 1, by=w.secretary, now=at("2026-12-01"))[0]
    web.clock.moment = at("2026-12-05")
    context = browser.new_context(viewport=PHONE, locale="zh-CN")
    page = context.new_page()
    page.goto(f"{site}/r/{row.id}")  # from the QR code: no sign-in
    page.fill("#code", code.lower())
    page.click("#check-code")
    page.select_option(f"#stars-{w.units['power'].id}", "5")
    page.fill(f"#comment-{w.units['power'].id}", "停电抢修很及时")
    page.select_option(f"#stars-{w.units['school'].id}", "4")
    no_sideways_scroll(page)
    page.click("#send-rating")
    assert "感谢您的评议" in page.inner_text("#thanks")
    context.close()
    w.session.expire_all()
    assert sorted(r.stars for r in w.session.exec(select(ResidentRating)).all()) == [4, 5]
