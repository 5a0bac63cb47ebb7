"""A council (the integration World) with a sign-in account per person, served by the real app.

`web.clock` is the app's clock: tests move it to the moment an action belongs to (a window
open, a conference held), exactly as the use-case tests pass `now`.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient

from cobuild.actions.accounts import create_account, issue_token, link_member
from cobuild.models import Member
from tests.integration.conftest import World, at, count_rows, db_url, session, world  # noqa: F401 — shared fixtures

PASSWORD = "correct horse battery"


class Clock:
    def __init__(self, moment: datetime) -> None:
        self.moment = moment

    def __call__(self) -> datetime:
        return self.moment


class Web:
    """The app, its clock, and a way in for every role."""

    def __init__(self, db_url: str, world: World, tmp_path) -> None:
        from cobuild.web.app import make_app

        self.db_url, self.world = db_url, world
        self.clock = Clock(at("2026-01-02"))
        self.app = make_app(db_url, secret_key="t" * 40, clock=self.clock)
        s = world.session
        now = at("2026-01-01", 0, 2)
        people = {"secretary": world.secretary, "member": world.member, "chair": world.chair}
        for key in ("school", "hospital", "power", "company"):
            people[f"{key}-liaison"] = world.liaisons[key]
            people[f"{key}-head"] = world.heads[key]
        people.pop("school-head")  # the chair
        self.people = people
        self.tokens: dict[str, str] = {}
        for login, member in people.items():
            account = create_account(s, login=login, password=PASSWORD, now=now)
            link_member(s, world.council, member, account, by=None, now=now)
            # made now, on the real clock: a separate server process (cobuild serve) checks a token's
            # expiry against it, while this app's clock is moved about in 2026
            self.tokens[login] = issue_token(s, account, "test", now=datetime.now(UTC))[0]

    def api(self, login: str | None = None, lang: str = "zh") -> TestClient:
        client = TestClient(self.app, raise_server_exceptions=False)
        if login:
            client.headers["Authorization"] = f"Bearer {self.tokens[login]}"
        client.headers["Accept-Language"] = lang
        return client

    def browser(self, login: str | None = None) -> TestClient:
        """A cookie client, signed in through the real form when `login` is given."""
        client = TestClient(self.app, raise_server_exceptions=False)
        if login:
            csrf = self.csrf(client, "/signin")
            response = client.post("/signin", data={"login": login, "password": PASSWORD, "csrf": csrf, "next": "/"},
                                   follow_redirects=False)
            assert response.status_code == 303 and "signin" not in response.headers["location"], response.text
        return client

    @staticmethod
    def csrf(client: TestClient, page: str) -> str:
        import re

        html = client.get(page).text
        found = re.search(r'name="csrf" value="([^"]+)"', html)
        assert found, html[:500]
        return found.group(1)

    def member(self, login: str) -> Member:
        return self.people[login]

    @property
    def cid(self) -> int:
        return self.world.council.id


@pytest.fixture(autouse=True)
def cheap_password_hashing(monkeypatch):
    """Argon2id at its smallest cost: the same code path, milliseconds instead of ~50 ms a hash."""
    from argon2 import PasswordHasher

    from cobuild.actions import accounts

    monkeypatch.setattr(accounts, "_hasher", PasswordHasher(time_cost=1, memory_cost=64, parallelism=1))


@pytest.fixture
def web(db_url, world, tmp_path, monkeypatch) -> Web:
    monkeypatch.setenv("COBUILD_UPLOAD_DIR", str(tmp_path / "uploads"))
    return Web(db_url, world, tmp_path)


@pytest.fixture(autouse=True)
def admission_out_of_the_way(monkeypatch):
    """The web tests fire bursts (50 claims at once) to test what the use cases do with them, on a
    CI machine that may be slow: admission control (tested on its own in test_admission.py) lets
    them all wait rather than refuse some."""
    monkeypatch.setenv("COBUILD_MAX_QUEUE", "10000")
    monkeypatch.setenv("COBUILD_QUEUE_WAIT_SECONDS", "60")
