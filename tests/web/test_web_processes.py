"""Several `cobuild serve --no-scheduler` processes over one database, as behind a proxy that
spreads requests among them: they share nothing but the database, the secret key and the
upload folder. A session signed in on one is good on the other, a form's CSRF token from one
is accepted by the other, a file uploaded through one is served by the other, and 50 lead
claims spread over both still give exactly one winner. (The PostgreSQL pass of `.ci/run`
runs this on PostgreSQL, the first pass on one SQLite file.)"""

from __future__ import annotations

import os
import re
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from pathlib import Path

import httpx
from sqlmodel import select

from cobuild.models import ApiToken, AuditEvent, Claim
from cobuild.platform.db import session_for
from tests.web.conftest import PASSWORD


@contextmanager
def serve(db_url: str, uploads: Path):
    from tests.support.server import Server

    server = Server(db_url, env={"COBUILD_SECRET_KEY": "k" * 40, "COBUILD_UPLOAD_DIR": str(uploads)})
    try:
        yield server.base
    finally:
        server.close()


def _csrf(html: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', html)
    assert found, html[:500]
    return found.group(1)


def test_two_web_processes_share_sessions_files_and_one_claim_winner(web, tmp_path):
    item = web.world.published_item(raiser="company", lead=None)
    uploads = tmp_path / "shared-uploads"
    with ExitStack() as stack:
        a, b = (stack.enter_context(serve(web.db_url, uploads)) for _ in range(2))

        # 50 simultaneous lead claims, alternating between the two processes
        token = web.tokens["power-liaison"]

        def claim(n: int) -> httpx.Response:
            site = (a, b)[n % 2]
            with httpx.Client(timeout=60) as client:
                return client.post(f"{site}/api/v1/councils/{web.cid}/items/{item.id}/claims", json={"role": "lead"},
                                   headers={"Authorization": f"Bearer {token}"})

        with ThreadPoolExecutor(max_workers=50) as pool:
            responses = list(pool.map(claim, range(50)))
        codes = sorted(r.status_code for r in responses)
        assert codes == [201] + [409] * 49, codes
        with session_for(web.db_url) as s:
            assert len(s.exec(select(Claim).where(Claim.item_id == item.id)).all()) == 1
            assert len(s.exec(select(AuditEvent).where(AuditEvent.action == "claim.lead")).all()) == 1

        # a file uploaded through one process is served by the other
        headers = {"Authorization": f"Bearer {token}"}
        png = b"\x89PNG\r\n\x1a\n" + os.urandom(64)
        upload = httpx.post(f"{a}/api/v1/councils/{web.cid}/uploads", headers=headers,
                            files={"file": ("现场.png", png, "image/png")})
        assert upload.status_code == 201, upload.text
        fetched = httpx.get(f"{b}/api/v1/councils/{web.cid}/files/{upload.json()['ref']}", headers=headers)
        assert fetched.status_code == 200 and fetched.content == png

        # sign in on one process; the cookie and a CSRF token from it work on the other
        with httpx.Client(timeout=30) as browser:
            page = browser.get(f"{a}/signin")
            signed_in = browser.post(f"{a}/signin", data={"login": "power-liaison", "password": PASSWORD,
                                                          "csrf": _csrf(page.text), "next": "/"})
            assert signed_in.status_code == 303 and "signin" not in signed_in.headers["location"]
            account = browser.get(f"{b}/account")
            assert account.status_code == 200 and "power-liaison" in account.text
            made = browser.post(f"{b}/account/tokens", data={"csrf": _csrf(browser.get(f"{a}/account").text),
                                                             "name": "跨进程"})
            assert made.status_code in (200, 303), made.text[:500]
    with session_for(web.db_url) as s:
        assert s.exec(select(ApiToken).where(ApiToken.name == "跨进程")).first() is not None
