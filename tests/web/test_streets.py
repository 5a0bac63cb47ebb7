"""The street office (SPEC.md §10): its staff read every council of the street — pages and API —
and change nothing; its dashboard shows each community's own numbers; the racing boards rank the
communities by quarter and half-year with their movement."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from cobuild.actions.accounts import create_account, issue_token
from cobuild.actions.council import create_council
from cobuild.actions.streets import add_staff, attach_council, create_street
from cobuild.reports.streets import council_figures, racing_board
from cobuild.reports.tracking import item_stats
from tests.web.conftest import PASSWORD, Web, at


@pytest.fixture
def street_web(db_url, world, tmp_path):
    web = Web(db_url, world, tmp_path)
    s = world.session
    street = create_street(s, now=at("2026-01-01"), name="测试街道")
    attach_council(s, street, world.council, now=at("2026-01-01"))
    account = create_account(s, login="street", password=PASSWORD, now=at("2026-01-01"))
    add_staff(s, street, account, now=at("2026-01-01"), name="街道周敏")
    web.tokens["street"] = issue_token(s, account, "t", now=datetime.now(UTC))[0]
    web.street = street
    return web


def test_street_staff_read_every_page_of_their_councils_and_change_nothing(street_web, count_rows):
    web = street_web
    item = web.world.published_item(raiser="company", lead="power")
    web.clock.moment = at("2026-03-01")
    api = web.api("street")
    assert api.get(f"/api/v1/councils/{web.cid}").status_code == 200
    assert api.get(f"/api/v1/councils/{web.cid}/items/{item.id}").status_code == 200
    assert api.get(f"/api/v1/streets/{web.street.id}").json()["councils"][0]["council"] == web.world.council.name
    before = count_rows()
    for method, path, body in (("POST", f"/items/{item.id}/progress", {"note": "x", "percent": 10}),
                               ("POST", f"/items/{item.id}/hurry", None), ("PATCH", "/settings", {"items_max_per_unit": 2}),
                               ("POST", "/orders", {"title": "街道代下单", "need": "x"})):
        refused = api.request(method, f"/api/v1/councils/{web.cid}{path}", json=body)
        assert refused.status_code == 403 and "不能修改" in refused.json()["message"], (path, refused.text)
    assert count_rows() == before
    pages = web.browser("street")
    home = pages.get("/", follow_redirects=False)
    assert home.status_code == 303 and home.headers["location"] == f"/s/{web.street.id}"
    street_page = pages.get(f"/s/{web.street.id}")
    assert street_page.status_code == 200 and "季度赛马" in street_page.text and "半年晾晒" in street_page.text
    for path in ("", "/items", f"/items/{item.id}", "/conferences", "/menu", "/orders", "/terms", "/settings"):
        page = pages.get(f"/c/{web.cid}{path}")
        assert page.status_code == 200 and 'id="street-reader"' in page.text, path
        assert "可执行的操作" not in page.text or "claim-lead" not in page.text
    csrf = web.csrf(pages, f"/c/{web.cid}/items/{item.id}")
    posted = pages.post(f"/c/{web.cid}/items/{item.id}/hurry", data={"csrf": csrf}, follow_redirects=True)
    assert "不能修改" in posted.text and count_rows() == before


def test_a_council_outside_the_street_and_a_stranger_are_refused(street_web):
    web = street_web
    s = web.world.session
    other, _ = create_council(s, now=at("2026-01-01"), name="别的社区大党委", community_name="别的社区", secretary_name="外人")
    api = web.api("street")
    assert api.get(f"/api/v1/councils/{other.id}").status_code == 403
    assert web.api("secretary").get(f"/api/v1/streets/{web.street.id}").status_code == 403  # a secretary is not street staff
    assert web.browser("secretary").get(f"/s/{web.street.id}").status_code == 403


def test_the_street_dashboard_shows_each_councils_own_numbers(street_web):
    web = street_web
    w = web.world
    w.open_window()
    items = [w.submit(unit, title=f"路灯维修{n}") for n, unit in enumerate(("company", "hospital"))]
    w.hold()
    for item in items:
        w.accept(item, deadline="2026-03-10")
    w.publish()
    today = date(2026, 3, 20)
    figures = council_figures(w.session, w.council, at("2026-03-20"))
    own = item_stats(w.session, w.council, today, "council")[0]
    for key in ("confirmed", "closed", "overdue", "completion_rate", "on_time_rate"):
        assert figures[key] == own[key], key
    assert figures["overdue"] == 2 and figures["conferences_held"] == 1 and figures["conferences_on_time"] == 1
    web.clock.moment = at("2026-03-20")
    shown = web.api("street").get(f"/api/v1/streets/{web.street.id}").json()["councils"][0]
    assert shown["overdue"] == 2


def test_the_racing_board_ranks_shares_ties_and_shows_movement(session):
    class C:  # racing_board reads item_stats; here the councils' quarter rows are given
        def __init__(self, cid, name):
            self.id, self.name = cid, name

    rows = {1: [("2026-Q1", 3, 3, 4), ("2026-Q2", 1, 1, 4)], 2: [("2026-Q1", 2, 1, 4), ("2026-Q2", 4, 4, 4)],
            3: [("2026-Q1", 3, 2, 4), ("2026-Q2", 1, 1, 4)]}
    import cobuild.reports.streets as streets

    def fake(_session, council, _today, group_by):
        return [{"label": label, "closed": closed, "on_time": on_time, "due": due} for label, closed, on_time, due in rows[council.id]]

    original = streets.item_stats
    streets.item_stats = fake
    try:
        board = racing_board(session, [C(1, "甲社区"), C(2, "乙社区"), C(3, "丙社区")], date(2026, 7, 1))
    finally:
        streets.item_stats = original
    q1, q2 = board["quarters"]
    assert [(r["council"], r["rank"]) for r in q1["rows"]] == [("甲社区", 1), ("丙社区", 2), ("乙社区", 3)]
    assert [(r["council"], r["rank"], r["movement"]) for r in q2["rows"]] == [("乙社区", 1, 2), ("丙社区", 2, 0), ("甲社区", 2, -1)]
    h1 = board["halves"][0]
    assert h1["period"] == "2026-H1" and [r["council"] for r in h1["rows"]][0] == "乙社区"  # 6/8 beats 4/8


def _round(web):
    from cobuild.actions import appraisal as ap

    w = web.world
    row = ap.open_round(w.session, now=at("2026-12-01"), year=2026, self_due=date(2026, 12, 15), closes_on=date(2026, 12, 31),
                        council=w.council, by=w.secretary)
    return row, ap.issue_codes(w.session, row, w.council, 2, by=w.secretary, now=at("2026-12-01"))


def test_a_resident_rates_with_a_code_without_signing_in_once(street_web, count_rows):
    import re

    web = street_web
    row, codes = _round(web)
    web.clock.moment = at("2026-12-05")
    resident = web.browser()  # nobody signed in
    page = resident.get(f"/r/{row.id}")
    assert page.status_code == 200 and 'id="code"' in page.text
    csrf = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)
    units = resident.post(f"/r/{row.id}", data={"csrf": csrf, "code": codes[0]})
    assert "供电所" in units.text and 'name="stars_' in units.text
    power = web.world.units["power"].id
    done = resident.post(f"/r/{row.id}", data={"csrf": csrf, "code": codes[0], "rate": "1", f"stars_{power}": "4",
                                               f"comment_{power}": "抢修及时"})
    assert 'id="thanks"' in done.text
    before = count_rows()
    again = resident.post(f"/r/{row.id}", data={"csrf": csrf, "code": codes[0], "rate": "1", f"stars_{power}": "5"})
    assert "只能评议一次" in again.text and count_rows() == before
    for _ in range(10):  # guessing: ten wrong codes, then the client waits
        wrong = resident.post(f"/r/{row.id}", data={"csrf": csrf, "code": "AAAAA-AAAAA"})
    assert "评议码不正确" in wrong.text
    blocked = resident.post(f"/r/{row.id}", data={"csrf": csrf, "code": codes[1]})
    assert "次数过多" in blocked.text and count_rows() == before


def test_the_secretary_runs_a_round_in_the_pages_and_downloads_the_result(street_web, tmp_path):
    import re
    import zipfile

    web = street_web
    w = web.world
    web.clock.moment = at("2026-12-01")
    secretary = web.browser("secretary")
    csrf = web.csrf(secretary, f"/c/{web.cid}/appraisal")
    back = f"/c/{web.cid}/appraisal"
    opened = secretary.post(f"/c/{web.cid}/appraisals", data={"csrf": csrf, "next": back, "year": "2026", "self_due": "2026-12-15",
                                                               "closes_on": "2026-12-31", "excellent_cap": "0.25"})
    assert opened.status_code == 200 and "进行中" in opened.text
    rid = int(re.search(r'id="round-(\d+)"', opened.text).group(1))
    liaison = web.browser("power-liaison")
    page = liaison.get(f"/c/{web.cid}/appraisal")
    assert "提交本单位自评" in page.text and "社区党组织评分" not in page.text  # a liaison evaluates, does not rate
    sent = liaison.post(f"/c/{web.cid}/appraisals/{rid}/self", data={"csrf": web.csrf(liaison, back), "next": back,
                                                                  "report": "全年按期办结", "duty": "90", "results": "88", "service": "92"})
    assert "已完成" in sent.text
    rated = secretary.post(f"/c/{web.cid}/appraisals/{rid}/ratings", data={"csrf": csrf, "next": back, "unit_id": str(w.units["power"].id),
                                                                        "duty": "95", "results": "90", "service": "85"})
    # secret until published (the page's random form tokens left out: one may hold "95")
    seen = re.sub(r'name="csrf" value="[^"]*"', "", liaison.get(f"/c/{web.cid}/appraisal").text)
    assert "已完成" in rated.text and "95" not in seen
    codes = secretary.post(f"/c/{web.cid}/appraisals/{rid}/codes", data={"csrf": csrf, "count": "3"})
    shown = set(re.findall(r">([2-9A-Z]{5}-[2-9A-Z]{5})<", codes.text))
    assert codes.status_code == 200 and len(shown) == 3 and f"/r/{rid}" in codes.text
    assert codes.text.count("<svg") == 3  # a QR code each, for the printed sheet
    scanned = web.browser().get(f"/r/{rid}?code={sorted(shown)[0]}")  # what a phone opens from one of them
    assert f'value="{sorted(shown)[0]}"' in scanned.text
    web.clock.moment = at("2026-12-31", 18)
    published = secretary.post(f"/c/{web.cid}/appraisals/{rid}/publish", data={"csrf": csrf, "next": back})
    assert "已发布" in published.text and "下载通报" in published.text
    xlsx = secretary.get(f"/c/{web.cid}/appraisals/{rid}/result.xlsx")
    assert xlsx.status_code == 200
    path = tmp_path / "result.xlsx"
    path.write_bytes(xlsx.content)
    assert zipfile.is_zipfile(path)
    from openpyxl import load_workbook

    sheet = load_workbook(path).active
    assert sheet["B3"].value == "单位" and {sheet.cell(row=r, column=2).value for r in range(4, 8)} == {"火炬小学", "人民医院", "供电所", "华信公司"}
    html = secretary.get(f"/c/{web.cid}/appraisals/{rid}/result.html")
    assert "考评结果的通报" in html.text and "供电所" in html.text


def test_the_street_opens_rates_and_publishes_its_round_in_its_pages(street_web, count_rows):
    import re

    web = street_web
    web.clock.moment = at("2026-12-01")
    staff = web.browser("street")
    csrf = web.csrf(staff, f"/s/{web.street.id}")
    opened = staff.post(f"/s/{web.street.id}/appraisals", data={"csrf": csrf, "year": "2026", "self_due": "2026-12-15",
                                                                 "closes_on": "2026-12-31"})
    rid = int(re.search(r'id="round-(\d+)"', opened.text).group(1))
    power = web.world.units["power"].id
    rated = staff.post(f"/s/{web.street.id}/appraisals/{rid}/ratings", data={"csrf": csrf, "unit_id": str(power), "duty": "90",
                                                                          "results": "80", "service": "70", "comment": "好"})
    assert "评分已保存" in rated.text
    before = count_rows()
    bad = staff.post(f"/s/{web.street.id}/appraisals/{rid}/ratings", data={"csrf": csrf, "unit_id": str(power), "duty": "900",
                                                                        "results": "80", "service": "70"})
    assert "0–100" in bad.text and count_rows() == before
    secretary = web.browser("secretary")  # the council's secretary cannot publish the street's round
    refused = secretary.post(f"/c/{web.cid}/appraisals/{rid}/publish", data={"csrf": web.csrf(secretary, f"/c/{web.cid}/appraisal")})
    assert "您不是该街道的工作人员" in refused.text
    assert count_rows() == before
    web.clock.moment = at("2026-12-31", 18)
    published = staff.post(f"/s/{web.street.id}/appraisals/{rid}/publish", data={"csrf": csrf})
    assert "结果已发布" in published.text and "供电所" in published.text


def test_the_dashboard_counts_service_and_a_members_record_downloads(street_web, tmp_path):
    from datetime import date as day

    from openpyxl import load_workbook

    from cobuild.actions import services as sv

    web = street_web
    w = web.world
    offer = sv.publish_offer(w.session, w.council, w.units["hospital"], by=w.liaisons["hospital"], now=at("2026-03-02"),
                             title="健康义诊", category="公共服务", capacity_per_month=1)
    doctor = sv.register_volunteer(w.session, w.council, w.units["hospital"], by=w.liaisons["hospital"], now=at("2026-03-02"),
                                   name="王医生", posts=["义诊"])
    order = sv.place_order(w.session, w.council, offer, by=w.secretary, now=at("2026-03-03"), need="测血压", residents=30)
    member = w.session.get(type(w.secretary), doctor.member_id)
    sv.take_order(w.session, order, by=member, now=at("2026-03-04"), service_on=day(2026, 3, 10))
    sv.record_service(w.session, order, by=member, now=at("2026-03-10", 17), served_on=day(2026, 3, 10), hours=2,
                      residents_served=28)
    web.clock.moment = at("2026-03-12")
    secretary = web.browser("secretary")
    board = secretary.get(f"/c/{web.cid}")
    assert 'id="services"' in board.text and "服务群众 28 人次" in board.text
    assert "本月已约 1 次,已满" in secretary.get(f"/c/{web.cid}/menu").text  # its capacity is one a month
    record = secretary.get(f"/c/{web.cid}/members/{doctor.member_id}/service.xlsx")
    assert record.status_code == 200
    (tmp_path / "r.xlsx").write_bytes(record.content)
    sheet = load_workbook(tmp_path / "r.xlsx").active
    assert "王医生" in sheet["A1"].value and sheet["B4"].value == "健康义诊" and sheet["E4"].value == 28
