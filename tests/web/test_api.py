"""The API end to end: auth, errors, a whole item's life, uploads, and what users expect of security."""

from __future__ import annotations

from datetime import timedelta

import pytest

from cobuild.actions import items as it
from tests.integration.conftest import SH
from tests.web.conftest import PASSWORD, Web, at


def _council(web: Web, path: str = "") -> str:
    return f"/api/v1/councils/{web.cid}{path}"


def test_a_token_from_name_and_password_opens_the_api(web):
    client = web.api()
    response = client.post("/api/v1/tokens", json={"login": "Power-Liaison", "password": PASSWORD, "name": "小程序"})
    assert response.status_code == 201
    token = response.json()["token"]
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).json()
    assert me["login"] == "power-liaison" and me["memberships"][0]["is_liaison"]
    assert client.get("/api/v1/councils", headers={"Authorization": f"Bearer {token}"}).json() == [
        {"id": web.cid, "name": web.world.council.name}]
    # revoked: refused from then on
    assert client.delete(f"/api/v1/tokens/{response.json()['id']}", headers={"Authorization": f"Bearer {token}"}).status_code == 200
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).status_code == 401


def test_a_wrong_password_and_an_unknown_name_get_the_same_answer_and_guessing_is_limited(web):
    client = web.api()
    wrong = client.post("/api/v1/tokens", json={"login": "chair", "password": "nope"})
    unknown = client.post("/api/v1/tokens", json={"login": "nobody", "password": "nope"})
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json()["message"] == unknown.json()["message"] == "账号或密码不正确"
    for _ in range(4):
        client.post("/api/v1/tokens", json={"login": "chair", "password": "nope"})
    limited = client.post("/api/v1/tokens", json={"login": "chair", "password": PASSWORD})
    assert limited.status_code == 429 and "秒后再试" in limited.json()["message"]


def test_spaces_or_capitals_around_a_name_do_not_buy_more_guesses(web):
    client = web.api()
    for login in ("chair", " chair", "chair ", "CHAIR", " Chair "):
        assert client.post("/api/v1/tokens", json={"login": login, "password": "nope"}).status_code == 401
    limited = client.post("/api/v1/tokens", json={"login": "\tchair", "password": PASSWORD})
    assert limited.status_code == 429


def test_no_token_a_bad_token_and_another_council(web):
    assert web.api().get(_council(web)).status_code == 401
    bad = web.api()
    bad.headers["Authorization"] = "Bearer cb_forged"
    assert bad.get(_council(web)).status_code == 401
    from cobuild.actions.council import create_council

    other, _ = create_council(web.world.session, now=at("2026-01-01"), name="另一个大党委", community_name="另一个社区",
                              secretary_name="赵书记")
    response = web.api("secretary").get(f"/api/v1/councils/{other.id}")
    assert response.status_code == 403 and response.json()["message"] == "您不是该大党委的成员"


def test_rows_of_another_council_are_not_found(web):
    from cobuild.actions.council import create_council
    from tests.integration.conftest import World

    item = web.world.published_item()
    response = web.api("secretary").get(_council(web, f"/items/{item.id + 1000}"))
    assert response.status_code == 404 and "找不到" in response.json()["message"]
    del World  # (one council is enough: ids are global, and the look-up checks the council)
    other, _ = create_council(web.world.session, now=at("2026-01-01"), name="另一个大党委", community_name="另一个社区",
                              secretary_name="赵书记")
    assert other.id != web.cid


def test_bad_input_is_a_422_with_field_messages_and_writes_nothing(web, count_rows):
    web.world.open_window()
    web.clock.moment = web.world.conference().window_opens_at + timedelta(hours=10)
    client = web.api("company-liaison")
    before = count_rows()
    response = client.post(_council(web, "/items"), json={"title": "x", "category": 7, "asks": "everyone"})
    assert response.status_code == 422
    fields = {f["field"] for f in response.json()["fields"]}
    assert {"title", "asks"} <= fields
    assert client.post(_council(web, "/items"), content=b"{not json", headers={"Content-Type": "application/json"}).status_code == 422
    assert client.get("/api/v1/councils/abc").status_code == 422
    assert client.post(_council(web, "/items"), json={"title": "未知类别", "category": "天文"}).status_code == 422
    en = web.api("company-liaison", lang="en").post(_council(web, "/items"), json={"title": "x", "category": "c"})
    assert en.json()["message"].startswith("Invalid input")
    assert count_rows() == before


def test_an_illegal_transition_is_a_409_naming_the_state(web, count_rows):
    item = web.world.published_item(raiser="company")
    web.clock.moment = at("2026-03-01")
    before = count_rows()
    response = web.api("company-liaison").post(_council(web, f"/items/{item.id}/verification"), json={"satisfaction": 5})
    assert response.status_code == 409
    assert "「已认领」" in response.json()["message"] and "现在可以:" in response.json()["message"]
    assert "退回牵头任务" in response.json()["message"]  # what the lead can do from here, in its words
    english = web.api("company-liaison", lang="en").post(_council(web, f"/items/{item.id}/verification"),
                                                         json={"satisfaction": 5})
    assert "claimed" in english.json()["message"]
    assert count_rows() == before


def test_an_item_from_submission_to_close_out_over_the_api(web):
    w = web.world
    w.open_window()
    web.clock.moment = w.conference().window_opens_at + timedelta(hours=10)
    company = web.api("company-liaison")
    created = company.post(_council(web, "/items"), json={"title": "小区路灯维修", "category": "基础设施建设",
                                                          "description": "3号楼前路灯不亮"})
    assert created.status_code == 201, created.text
    item_id = created.json()["id"]
    for n in range(2):
        assert company.post(_council(web, "/items"), json={"title": f"第{n + 2}项", "category": "环境卫生"}).status_code == 201
    fourth = company.post(_council(web, "/items"), json={"title": "第四项", "category": "环境卫生"})
    assert fourth.status_code == 409 and "上限 3 项" in fourth.json()["message"]
    listed = company.get(_council(web, "/items"), params={"q": "路灯"}).json()
    assert listed["total"] == 1 and listed["items"][0]["id"] == item_id

    w.advance(w.conference().window_closes_at.astimezone(SH).date(), 0, 5)
    chair = web.api("chair")
    conference = w.conference()
    web.clock.moment = conference.scheduled_at
    assert chair.post(_council(web, f"/conferences/{conference.id}/hold"),
                      json={"present_ids": [m.id for m in w.voters]}).status_code == 200
    agenda = chair.get(_council(web, f"/conferences/{conference.id}")).json()["agenda"]
    for entry in agenda:
        decision = {"decision": "accept"} if entry["item_id"] == item_id else {"decision": "defer", "reason": "下季度再议"}
        assert chair.post(_council(web, f"/items/{entry['item_id']}/decision"), json=decision).status_code == 200
    assert chair.post(_council(web, f"/items/{item_id}/assignment"), json={
        "goal": "路灯恢复照明", "responsible_person": "张工", "deadline": "2026-04-30"}).status_code == 200
    published = chair.post(_council(web, f"/conferences/{conference.id}/publish"))
    assert published.status_code == 200, published.text
    assert len(published.json()["resolution"]["sha256"]) == 64

    web.clock.moment = conference.scheduled_at + timedelta(days=1)
    power = web.api("power-liaison")
    claimed = power.post(_council(web, f"/items/{item_id}/claims"), json={"role": "lead"})
    assert claimed.status_code == 201 and claimed.json()["claim"]["status"] == "pending"
    assert chair.post(_council(web, f"/claims/{claimed.json()['claim']['id']}/decision"), json={"confirm": True}).status_code == 200

    upload = power.post(_council(web, "/uploads"), files={"file": ("现场照片.png", b"\x89PNG\r\n\x1a\n" + b"0" * 100, "image/png")})
    assert upload.status_code == 201, upload.text
    ref = upload.json()["ref"]
    progress = power.post(_council(web, f"/items/{item_id}/progress"), json={"note": "已更换灯具", "percent": 80,
                                                                              "evidence": [ref]})
    assert progress.status_code == 201, progress.text
    assert progress.json()["percent"] == 80
    assert company.get(_council(web, f"/items/{item_id}")).json()["progress"][-1]["evidence"] == [ref]
    assert power.get(_council(web, f"/files/{ref}")).content.startswith(b"\x89PNG")
    assert power.post(_council(web, f"/items/{item_id}/close-out"), json={"note": "已修好"}).status_code == 200
    verified = company.post(_council(web, f"/items/{item_id}/verification"), json={"satisfaction": 5, "comment": "满意"})
    assert verified.status_code == 200 and verified.json()["status"] == "closed"
    timeline = [e["action"] for e in company.get(_council(web, f"/items/{item_id}")).json()["timeline"]]
    assert timeline[0] == "item.submit" and "item.close" in " ".join(timeline)
    dashboard = company.get(_council(web)).json()
    assert dashboard["totals"]["closed"] == 1 and dashboard["chair"]["name"] == w.chair.name


def _zip(parts: dict[str, bytes]) -> bytes:
    import io
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for part, data in parts.items():
            archive.writestr(part, data)
    return buffer.getvalue()


@pytest.mark.parametrize("name,data,message", [
    ("tool.exe", b"MZ\x90\x00", "类型不允许"),
    ("photo.png", b"GIF89a not a png", "类型不允许"),
    ("notes.txt", b"\xff\xfe\x00bad", "类型不允许"),
    ("big.pdf", b"%PDF-" + b"0" * (10 * 1024 * 1024), "超过 10 MB"),
    ("report.docx", _zip({"run.sh": b"#!/bin/sh\nrm -rf /"}), "类型不允许"),  # any ZIP renamed .docx
    ("sheet.xlsx", b"PK\x03\x04 not a zip at all", "类型不允许"),
])
def test_uploads_are_limited_by_type_content_and_size(web, name, data, message):
    response = web.api("power-liaison").post(_council(web, "/uploads"), files={"file": (name, data)})
    assert response.status_code == 422 and message in response.json()["message"]


def test_evidence_must_be_an_uploaded_file_of_this_council(web, count_rows):
    item = web.world.published_item()
    web.clock.moment = at("2026-03-01")
    before = count_rows()
    response = web.api("power-liaison").post(_council(web, f"/items/{item.id}/progress"),
                                             json={"note": "x", "evidence": ["../../etc/passwd"]})
    assert response.status_code == 422 and count_rows() == before


def test_members_see_their_own_messages_and_the_secretary_sees_all(web):
    from cobuild.sweep.run import sweep

    web.world.published_item(deadline="2026-03-10")
    sweep(web.world.session, at("2026-03-02", 9))
    everything = web.api("secretary").get(_council(web, "/notifications")).json()
    own = web.api("power-liaison").get(_council(web, "/notifications")).json()
    assert everything and own and len(own) < len(everything)
    assert {n["to"] for n in own} == {web.world.liaisons["power"].name}


def test_the_openapi_document_lists_every_action_with_its_body():
    from cobuild.web.app import make_app
    from cobuild.web.operations import OPERATIONS

    spec = make_app("sqlite://", secret_key="k" * 40).openapi()
    operations = {op.get("operationId", ""): op for path in spec["paths"].values() for op in path.values()}
    summaries = {op["summary"] for op in operations.values()}
    assert {op.summary for op in OPERATIONS} <= summaries
    assert "HTTPBearer" in spec["components"]["securitySchemes"]
    submit = spec["paths"]["/api/v1/councils/{cid}/items"]["post"]
    assert submit["requestBody"]["content"]["application/json"]["schema"]["$ref"].endswith("SubmitBody")


def test_the_openapi_document_shows_the_real_error_body(web):
    """Every endpoint documents {"error", "message", "fields"} for its refusals (not FastAPI's
    default 422 schema), and an actual refusal has that shape."""
    from cobuild.web.app import make_app

    spec = make_app("sqlite://", secret_key="k" * 40).openapi()
    assert "HTTPValidationError" not in spec["components"]["schemas"]
    for path, methods in spec["paths"].items():
        for method, op in methods.items():
            for status in ("401", "403", "404", "409", "422"):
                schema = op["responses"][status]["content"]["application/json"]["schema"]
                assert schema["$ref"].endswith("/ErrorBody"), (method, path, status)
    body = web.api("power-liaison").post(f"/api/v1/councils/{web.cid}/items", json={"title": ""}).json()
    assert set(body) == {"error", "message", "fields"} and body["error"] == "invalid"
    assert set(spec["components"]["schemas"]["ErrorBody"]["properties"]) == set(body)


# ---- the pages: what users expect of security ------------------------------------------------

def test_a_script_in_a_title_is_shown_as_text(web):
    w = web.world
    w.open_window()
    item = w.submit("company", title="<script>alert(1)</script>路灯")
    web.clock.moment = w.conference().window_opens_at + timedelta(hours=11)
    browser = web.browser("secretary")
    for page in (f"/c/{web.cid}/items", f"/c/{web.cid}/items/{item.id}", f"/c/{web.cid}/conferences/{w.conference().id}"):
        html = browser.get(page).text
        assert "<script>alert(1)</script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_session_cookies_are_httponly_and_samesite_and_sign_in_renews_the_session(web):
    client = web.api()
    csrf = web.csrf(client, "/signin")
    response = client.post("/signin", data={"login": "secretary", "password": PASSWORD, "csrf": csrf},
                           follow_redirects=False)
    cookie = response.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=lax" in cookie
    assert client.get(f"/c/{web.cid}").status_code == 200
    assert web.api().get(f"/c/{web.cid}", follow_redirects=False).headers["location"].startswith("/signin")


def test_a_form_without_the_csrf_token_changes_nothing(web, count_rows):
    item = web.world.published_item()
    web.clock.moment = at("2026-03-01")
    browser = web.browser("power-liaison")
    before = count_rows()
    response = browser.post(f"/c/{web.cid}/items/{item.id}/progress", data={"note": "伪造", "percent": "10"})
    assert response.status_code == 200 and "表单已过期" in response.text
    assert count_rows() == before
    csrf = web.csrf(browser, f"/c/{web.cid}/items/{item.id}")
    ok = browser.post(f"/c/{web.cid}/items/{item.id}/progress", data={"note": "真的", "percent": "10", "csrf": csrf})
    assert ok.status_code == 200 and "已完成" in ok.text and count_rows()["progressreport"] == before["progressreport"] + 1


def test_a_refused_form_shows_the_reason_and_changes_nothing(web, count_rows):
    item = web.world.published_item()
    web.clock.moment = at("2026-03-01")
    browser = web.browser("hospital-liaison")  # not the lead unit
    csrf = web.csrf(browser, f"/c/{web.cid}/items/{item.id}")
    before = count_rows()
    page = browser.post(f"/c/{web.cid}/items/{item.id}/progress", data={"note": "x", "csrf": csrf,
                                                                        "next": f"/c/{web.cid}/items/{item.id}"})
    assert page.status_code == 200 and 'class="flash error"' in page.text and "人民医院" in page.text
    assert count_rows() == before


def test_sign_in_is_rate_limited_on_the_form_too(web):
    client = web.api()
    for _ in range(5):
        csrf = web.csrf(client, "/signin")
        client.post("/signin", data={"login": "chair", "password": "wrong", "csrf": csrf})
    csrf = web.csrf(client, "/signin")
    page = client.post("/signin", data={"login": "chair", "password": PASSWORD, "csrf": csrf})
    assert "秒后再试" in page.text and f"/c/{web.cid}" not in str(page.url)


def test_the_server_refuses_a_default_secret_outside_demo_mode():
    from cobuild.web.security import SecretRefused, secret_key

    for configured in (None, "", "change-me", "short"):
        with pytest.raises(SecretRefused):
            secret_key(configured, demo=False)
        assert len(secret_key(configured, demo=True)) >= 32
    assert secret_key("s" * 40, demo=False) == "s" * 40


def test_cobuild_serve_without_a_secret_says_so_and_exits(tmp_path, monkeypatch):
    from typer.testing import CliRunner

    from cobuild.cli.main import app
    from cobuild.platform.db import upgrade

    upgrade(f"sqlite:///{tmp_path}/s.db")
    monkeypatch.delenv("COBUILD_SECRET_KEY", raising=False)
    monkeypatch.setattr("cobuild.scheduler.prefect_api_url", lambda: None, raising=False)
    result = CliRunner().invoke(app, ["serve", "--no-scheduler", "--db", f"sqlite:///{tmp_path}/s.db", "--port", "0"])
    assert result.exit_code == 2 and "COBUILD_SECRET_KEY" in result.output
    assert "Traceback" not in result.output


def test_the_item_list_filters(web):
    first = web.world.published_item(raiser="company", lead="power")
    client = web.api("secretary")
    web.clock.moment = at("2026-06-01")  # after the deadline (2026-04-30): overdue
    by_status = client.get(_council(web, "/items"), params={"status": "claimed"}).json()
    assert [i["id"] for i in by_status["items"]] == [first.id]
    assert client.get(_council(web, "/items"), params={"overdue": True}).json()["total"] == 1
    assert client.get(_council(web, "/items"), params={"unit": web.world.units["hospital"].id}).json()["total"] == 0
    assert client.get(_council(web, "/items"), params={"category": "环境卫生"}).json()["total"] == 0
    assert client.get(_council(web, "/items"), params={"quarter": web.world.conference().code}).json()["total"] == 1
    it.post_progress(web.world.session, first, by=web.world.liaisons["power"], now=at("2026-03-02"), note="开工", percent=10)
    assert client.get(_council(web, "/items"), params={"status": "in_progress"}).json()["total"] == 1


def test_sign_in_never_sends_the_user_to_another_site(web):
    from cobuild.web.pages import safe_next

    for evil in ("https://evil.example/", "//evil.example/", "/\\evil.example/", "javascript:alert(1)", "/ok\r\nX: y"):
        assert safe_next(evil) == "/"
    assert safe_next("/c/1/items?status=closed") == "/c/1/items?status=closed"
    client = web.api()
    csrf = web.csrf(client, "/signin")
    response = client.post("/signin", data={"login": "secretary", "password": PASSWORD, "csrf": csrf,
                                            "next": "//evil.example/"}, follow_redirects=False)
    assert response.headers["location"] == "/"


def test_an_oversized_request_is_refused_before_it_is_read(web):
    response = web.api("power-liaison").post(_council(web, "/uploads"), content=b"x" * 10,
                                             headers={"Content-Length": str(200 * 1024 * 1024),
                                                      "Content-Type": "multipart/form-data; boundary=x"})
    assert response.status_code == 413


@pytest.mark.parametrize("bad", ["abc", "9" * 30, "999"])
def test_revoking_a_token_that_is_not_yours_or_not_a_number_says_so(web, count_rows, bad):
    browser = web.browser("power-liaison")
    before = count_rows()
    csrf = web.csrf(browser, "/account")
    page = browser.post("/account/tokens", data={"csrf": csrf, "revoke": bad})
    assert page.status_code == 200 and "没有这个令牌" in page.text
    assert count_rows() == before


def test_ids_beyond_any_integer_column_are_bad_input_on_every_database(web, count_rows):
    """PostgreSQL refuses such a number in the query itself (found by the PostgreSQL pass):
    a 422 with a message, in the API and on the pages, and nothing written."""
    before = count_rows()
    api, browser = web.api("secretary"), web.browser("secretary")
    big = "9" * 14
    for path in (f"/api/v1/councils/{big}", f"/api/v1/councils/{web.cid}/items/{big}"):
        response = api.get(path)
        assert response.status_code in (404, 422) and response.json()["message"], (path, response.text)
    claim = api.post(f"/api/v1/councils/{web.cid}/items/{big}/claims", json={"role": "lead"})
    assert claim.status_code in (404, 422) and claim.json()["message"]
    for path in (f"/c/{big}", f"/c/{web.cid}/items/{big}"):
        page = browser.get(path)
        assert page.status_code in (404, 422) and "Traceback" not in page.text
    assert count_rows() == before


def test_an_item_with_a_long_history_shows_the_latest_and_says_how_many_there_are(web):
    """The item page and its API answer stay the same size however long the item has run: the
    latest 50 progress reports and events, newest last, the totals, and everything on request."""
    from cobuild.actions.items import post_progress

    w = web.world
    item = w.published_item()
    for n in range(60):
        post_progress(w.session, item, by=w.liaisons["power"], now=at("2026-02-01") + timedelta(minutes=n),
                      note=f"第{n}次巡查", percent=n)
    web.clock.moment = at("2026-03-01")
    api = web.api("power-liaison")
    latest = api.get(f"/api/v1/councils/{web.cid}/items/{item.id}").json()
    assert [p["note"] for p in latest["progress"]] == [f"第{n}次巡查" for n in range(10, 60)]
    assert latest["progress_total"] == 60
    assert len(latest["timeline"]) == 50 and latest["timeline_total"] > 60
    assert latest["timeline"][-1]["action"] == "item.progress"
    everything = api.get(f"/api/v1/councils/{web.cid}/items/{item.id}?history=0").json()
    assert len(everything["progress"]) == 60 and len(everything["timeline"]) == everything["timeline_total"]
    assert api.get(f"/api/v1/councils/{web.cid}/items/{item.id}?history=-1").status_code == 422
    page = web.browser("power-liaison").get(f"/c/{web.cid}/items/{item.id}").text
    assert "第9次巡查" not in page and "第59次巡查" in page and 'href="?history=all"' in page
    full = web.browser("power-liaison").get(f"/c/{web.cid}/items/{item.id}?history=all").text
    assert "第0次巡查" in full and 'href="?history=all"' not in full


def test_a_chunked_body_past_the_limit_is_refused_as_it_arrives_without_signing_in(web):
    """A body with no Content-Length (Transfer-Encoding: chunked), sent to a live server over a
    socket: counted as it is read, answered 413 once past 25 MB; the app reads no more of it (uvicorn
drains and drops the rest)."""
    import socket
    from urllib.parse import urlsplit

    from tests.web.browser import live_server

    chunk, read = b"x" * 2**20, {"bytes": 0}

    async def counting(scope, receive, send):  # what the app took of the body
        async def counted():
            message = await receive()
            read["bytes"] += len(message.get("body", b""))
            return message

        await web.app(scope, counted, send)

    with live_server(counting) as base:
        address = urlsplit(base)
        with socket.create_connection((address.hostname, address.port), timeout=10) as sock:
            sock.sendall(b"POST /api/v1/tokens HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                         b"Transfer-Encoding: chunked\r\n\r\n")
            sent = 0
            try:
                for _ in range(60):  # 60 MB offered
                    sock.sendall(b"%x\r\n%s\r\n" % (len(chunk), chunk))
                    sent += 1
            except OSError:  # the server answered and closed: the rest is not read
                pass
            answer = b""
            try:
                while data := sock.recv(65536):
                    answer += data
            except OSError:
                pass
    assert answer.startswith(b"HTTP/1.1 413"), answer[:200]
    assert "25 MB".encode() in answer
    assert read["bytes"] <= 26 * 2**20 < sent * len(chunk)  # the app stopped reading at the limit


# ---- sessions end when they should (issue 27) -------------------------------------------------

def _copied(web, client):
    """Another client with the same cookies: a stolen or copied session."""
    from fastapi.testclient import TestClient

    copy = TestClient(web.app, raise_server_exceptions=False)
    copy.cookies.update(dict(client.cookies))
    return copy


def test_signing_out_ends_the_session_a_copied_cookie_included(web):
    browser = web.browser("power-liaison")
    copy = _copied(web, browser)
    assert copy.get(f"/c/{web.cid}", follow_redirects=False).status_code == 200
    browser.post("/signout", data={"csrf": web.csrf(browser, f"/c/{web.cid}")})
    answer = copy.get(f"/c/{web.cid}", follow_redirects=False)
    assert answer.status_code == 303 and "/signin" in answer.headers["location"]


def test_a_new_password_signs_out_every_other_session_and_keeps_this_one(web):
    browser, elsewhere = web.browser("power-liaison"), web.browser("power-liaison")
    csrf = web.csrf(browser, "/account")
    for current, new, message in (("wrong password", "a fresh passphrase", "当前密码不正确"),
                                  (PASSWORD, "12345678", "最常见的密码")):
        page = browser.post("/account/password", data={"csrf": csrf, "current": current, "new": new, "repeat": new})
        assert message in page.text
    browser.post("/account/password", data={"csrf": csrf, "current": PASSWORD, "new": "a fresh passphrase",
                                            "repeat": "a fresh passphrase"})
    assert browser.get(f"/c/{web.cid}", follow_redirects=False).status_code == 200
    assert elsewhere.get(f"/c/{web.cid}", follow_redirects=False).status_code == 303
    assert web.api().post("/api/v1/tokens", json={"login": "power-liaison", "password": "a fresh passphrase"}).status_code == 201


def test_the_secretary_can_stop_and_allow_a_members_sign_in(web):
    from typer.testing import CliRunner

    from cobuild.cli.main import app

    browser = web.browser("power-liaison")
    runner = CliRunner()
    name = web.member("power-liaison").name
    refused = runner.invoke(app, ["account", "disable", str(web.cid), "--member", name, "--as", web.member("chair").name,
                                  "--db", web.db_url])
    assert refused.exit_code == 2 and "社区书记" in refused.output
    stopped = runner.invoke(app, ["account", "disable", str(web.cid), "--member", name, "--as",
                                  web.member("secretary").name, "--db", web.db_url])
    assert stopped.exit_code == 0, stopped.output
    assert browser.get(f"/c/{web.cid}", follow_redirects=False).status_code == 303
    assert web.api("power-liaison").get(f"/api/v1/councils/{web.cid}").status_code == 401
    runner.invoke(app, ["account", "enable", str(web.cid), "--member", name, "--as", web.member("secretary").name,
                        "--db", web.db_url])
    assert web.api("power-liaison").get(f"/api/v1/councils/{web.cid}").status_code == 200


def test_an_api_token_expires(web):
    from sqlmodel import select

    from cobuild.models import ApiToken
    from cobuild.models.accounts import TOKEN_DAYS

    assert web.api("power-liaison").get(f"/api/v1/councils/{web.cid}").status_code == 200
    token = web.world.session.exec(select(ApiToken).order_by(ApiToken.id.desc())).first()
    assert token.expires_at - token.created_at == timedelta(days=TOKEN_DAYS)
    web.clock.moment = token.expires_at + timedelta(minutes=1)
    answer = web.api("power-liaison").get(f"/api/v1/councils/{web.cid}")
    assert answer.status_code == 401 and answer.json()["message"]


def test_a_real_office_file_is_taken_and_a_council_past_its_quota_is_refused(web, monkeypatch):
    docx = _zip({"[Content_Types].xml": b"<Types/>", "word/document.xml": b"<w:document/>"})
    power = web.api("power-liaison")
    assert power.post(_council(web, "/uploads"), files={"file": ("报告.docx", docx)}).status_code == 201
    monkeypatch.setenv("COBUILD_UPLOAD_QUOTA_MB", "0")
    refused = power.post(_council(web, "/uploads"), files={"file": ("报告.docx", docx)})
    assert refused.status_code == 422 and "上限" in refused.json()["message"]


def test_a_state_or_rule_that_does_not_allow_the_action_is_409_as_the_readme_says(web):
    item = web.world.published_item(raiser="company", lead=None)
    web.clock.moment = at("2026-03-01")
    own_lead = web.api("company-liaison").post(_council(web, f"/items/{item.id}/claims"), json={"role": "lead"})
    assert own_lead.status_code == 409 and "不能牵头" in own_lead.json()["message"]
    edit = web.api("chair").post(_council(web, f"/items/{item.id}/assignment"), json={"goal": "改写目标"})
    assert edit.status_code == 409 and "修正决议" in edit.json()["message"]


def test_evidence_no_report_names_is_removed_a_week_after_upload(web):
    import os

    from cobuild.platform import uploads
    from cobuild.platform.db import session_for

    item = web.world.published_item()
    web.clock.moment = at("2026-03-01")
    power = web.api("power-liaison")
    png = b"\x89PNG\r\n\x1a\n" + b"0" * 10
    used, unused, recent = (power.post(_council(web, "/uploads"), files={"file": (name, png)}).json()["ref"]
                            for name in ("used.png", "unused.png", "recent.png"))
    assert power.post(_council(web, f"/items/{item.id}/progress"), json={"note": "照片", "percent": 30, "evidence": [used]}).status_code == 201
    folder = uploads.root() / str(web.cid)
    week_ago = at("2026-03-01").timestamp() - 8 * 86400
    for ref in (used, unused):
        os.utime(folder / ref, (week_ago, week_ago))
    os.utime(folder / recent, (at("2026-03-01").timestamp(),) * 2)
    with session_for(web.db_url) as session:
        assert uploads.prune_unused(session, at("2026-03-01")) == 1
    assert sorted(p.name for p in folder.iterdir()) == sorted([used, recent])


def test_true_is_not_a_percent_nor_a_limit(web, count_rows):
    item = web.world.published_item()
    web.clock.moment = at("2026-03-01")
    before = count_rows()
    progress = web.api("power-liaison").post(_council(web, f"/items/{item.id}/progress"), json={"note": "x", "percent": True})
    settings = web.api("secretary").patch(_council(web, "/settings"), json={"items_max_per_unit": True})
    assert progress.status_code == settings.status_code == 422
    assert count_rows() == before


def test_a_write_whose_database_connection_is_cut_answers_try_again_not_an_internal_error(web, monkeypatch, count_rows):
    from sqlalchemy.exc import OperationalError

    from cobuild.actions import items

    item = web.world.published_item()
    web.clock.moment = at("2026-03-01")
    def cut(*args, **kwargs):  # the connection goes in the middle of the use case's writes
        raise OperationalError("UPDATE item …", {}, Exception("server closed the connection unexpectedly"),
                               connection_invalidated=True)

    monkeypatch.setattr(items, "touch", cut)
    before = count_rows()
    answer = web.api("power-liaison").post(_council(web, f"/items/{item.id}/progress"), json={"note": "x", "percent": 5})
    assert answer.status_code == 503 and "稍后重试" in answer.json()["message"]
    assert count_rows() == before


def test_the_item_list_filters_counts_and_pages(web):
    """Each filter of GET /items picks its items, `total` counts them all and limit/offset page
    them, newest first; the rows name their units and say whether they are overdue."""
    w = web.world
    w.open_window()
    lamps = w.submit("community", title="路灯维修", category="基础设施建设")
    bins = w.submit("company", title="垃圾分类宣传", category="环境卫生")
    ramp = w.submit("hospital", title="无障碍坡道", category="基础设施建设", description="门诊楼前的路灯也暗")
    w.hold()
    w.accept(lamps, lead="power", deadline="2026-03-10")
    w.accept(bins, lead="school")
    w.accept(ramp, lead="power")
    w.publish()
    w.session.commit()
    code = w.conference().code
    web.clock.moment = at("2026-03-20")  # the lamps' deadline has passed
    client = web.api("hospital-liaison")

    def listed(query: str = "") -> tuple[int, list[int]]:
        body = client.get(f"/api/v1/councils/{web.cid}/items{query}").json()
        return body["total"], [row["id"] for row in body["items"]]

    everything = listed()
    assert everything == (3, [ramp.id, bins.id, lamps.id])
    assert listed(f"?unit={w.units['power'].id}") == (2, [ramp.id, lamps.id])  # raised by or led by
    assert listed("?category=环境卫生") == (1, [bins.id])
    assert listed("?q=路灯") == (2, [ramp.id, lamps.id])  # the title or the description
    assert listed("?overdue=true") == (1, [lamps.id])
    assert listed(f"?quarter={code}") == everything and listed("?quarter=1999Q1") == (0, [])
    assert listed("?status=in_progress") == (0, [])
    assert listed("?limit=1&offset=1") == (3, [bins.id])
    [row] = client.get(f"/api/v1/councils/{web.cid}/items?overdue=true").json()["items"]
    assert row["lead_unit"] == w.units["power"].name and row["raised_by"] == w.units["community"].name
    assert row["overdue"] is True and row["days_overdue"] == 10 and row["deadline"] == "2026-03-10"
