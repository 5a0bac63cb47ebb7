"""Web capacity (issue 34), side by side in one run on one machine, open-loop load from another
process (bench/load.py):

- item reads of one `cobuild serve` process on the demo database (the API item with its history,
  by token) against a hello-world FastAPI endpoint served by the same uvicorn the same way;
- overload: item reads at 3 × that capacity for 20 s, with admission control answering what it
  cannot serve in time with a fast 503;
- the page a person opens from a message: the item page, signed in by cookie, at 200/s.

The mixed load (claim / progress / list / item) is bench/web.py's. Run: `python -m bench --only capacity`.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import httpx

from bench.web import _generator, server_cpu
from tests.support.server import ROOT, Server, answers, free_port

RATES = (100, 200, 300, 400, 500, 600, 800)
HELLO_RATES = (200, 400, 800, 1200, 1600, 2000, 2400)


class Hello:
    """A hello-world FastAPI endpoint in a process of its own, on the uvicorn `cobuild serve` uses,
    with the same options (uvloop and httptools when installed, no access log)."""

    def __init__(self) -> None:
        self.port = free_port()
        self.process = subprocess.Popen([sys.executable, "-m", "bench.hello", str(self.port)], cwd=ROOT,
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.base = f"http://127.0.0.1:{self.port}"
        if not answers(f"{self.base}/hello", self.process, 30):
            self.close()
            raise RuntimeError("the hello-world server did not start")

    def close(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=10)


def demo_database(folder: Path) -> tuple[str, int, int, str]:
    """The demo's database; the main council, its in-progress item with the longest history, and
    the sign-in of a liaison of the item's lead unit."""
    subprocess.run([sys.executable, "-m", "cobuild", "demo"], cwd=folder, check=True, capture_output=True,
                   env={**os.environ, "COBUILD_DELIVERY": "file"})
    url = f"sqlite:///{folder}/cobuild-demo.db"
    from sqlalchemy import func
    from sqlmodel import select

    from cobuild.models import Account, Item, ItemStatus, Member, ProgressReport
    from cobuild.platform.db import session_for

    with session_for(url) as session:
        council, item = session.exec(
            select(Item.council_id, Item.id).join(ProgressReport, ProgressReport.item_id == Item.id)
            .where(Item.council_id == 1, Item.status == ItemStatus.in_progress)
            .group_by(Item.id).order_by(func.count(ProgressReport.id).desc())).first()
        lead = session.get(Item, item).lead_unit_id
        login = session.exec(select(Account.login).join(Member, Member.account_id == Account.id).where(
            Member.unit_id == lead, Member.is_liaison == True, Member.active == True)).first()  # noqa: E712
    return url, council, item, login


def sign_in(base: str, login: str) -> tuple[str, str]:
    """An API token and a signed-in page cookie for a demo account."""
    with httpx.Client(base_url=base, timeout=30) as http:
        token = http.post("/api/v1/tokens", json={"login": login, "password": "cobuild-demo"}).json()["token"]
        csrf = re.search(r'name="csrf" value="([^"]+)"', http.get("/signin").text).group(1)  # type: ignore[union-attr]
        http.post("/signin", data={"login": login, "password": "cobuild-demo", "csrf": csrf, "next": "/"})
        cookie = "; ".join(f"{k}={v}" for k, v in http.cookies.items())
    return token, f"cookie:{cookie}"


def _written(url: str, item: int) -> tuple[int, int]:
    """The item's progress reports and their audit events, counted in the database."""
    from sqlalchemy import func
    from sqlmodel import select

    from cobuild.models import AuditEvent, ProgressReport
    from cobuild.platform.db import session_for

    with session_for(url) as session:
        rows = session.exec(select(func.count()).select_from(ProgressReport).where(ProgressReport.item_id == item)).one()
        events = session.exec(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.action == "item.progress", AuditEvent.subject_type == "item", AuditEvent.subject_id == item)).one()
    return rows, events


def cost_by_kind(folder: Path, server: Server, kinds: dict[str, list], rate: int = 50, seconds: float = 4) -> dict:
    """Each kind of request alone at a low rate: the server process's CPU per request (ms)."""
    out = {}
    for kind, request in kinds.items():
        _generator({"base": server.base, "clients": 10, "rate": rate, "seconds": 1, "requests": [request]}, folder)
        cpu = server_cpu([server])
        run = _generator({"base": server.base, "clients": 10, "rate": rate, "seconds": seconds, "requests": [request]}, folder)
        out[kind] = {"cpu_ms": round(1000 * (server_cpu([server]) - cpu) / max(1, run["requests"]), 2),
                     "statuses": run["statuses"]}
    return out


def _fine(run: dict, rate: int, target_ms: float = 50) -> bool:
    return run["rate"] >= 0.97 * rate and run["p99_ms"] < target_ms and set(run["statuses"]) == {"200"}


def capacity(folder: Path, base: str, request: list, rates: tuple, seconds: float) -> tuple[int, list]:
    """The highest offered rate served in full at p99 < 50 ms with only 200s, and every step's run."""
    _generator({"base": base, "clients": 50, "rate": 50, "seconds": 2, "requests": [request]}, folder)  # warm
    best, steps = 0, []
    for rate in rates:
        run = _generator({"base": base, "clients": 50, "rate": rate, "seconds": seconds, "requests": [request]}, folder)
        steps.append({"rate": rate, "served": round(run["rate"]), "p99_ms": round(run["p99_ms"], 1),
                      "statuses": run["statuses"]})
        if not _fine(run, rate):
            break
        best = rate
        time.sleep(1)  # a backlog of one step does not spill into the next
    return best, steps


def measure(folder: Path, seconds: float = 5, overload_seconds: float = 20) -> dict:
    url, council, item, lead_login = demo_database(folder)
    out: dict = {"item": item}
    hello = Hello()
    try:
        out["hello"], out["hello_steps"] = capacity(folder, hello.base, ["GET", "/hello", None, "-", "hello"],
                                                    HELLO_RATES, seconds)
    finally:
        hello.close()
    server = Server(url)
    try:
        token, cookie = sign_in(server.base, "unit2-liaison")
        read = ["GET", f"/api/v1/councils/{council}/items/{item}", None, token, "item"]
        api = f"/api/v1/councils/{council}"
        out["cost"] = cost_by_kind(folder, server, {
            "health check: /healthz": ["GET", "/healthz", None, token],
            "who am I: /api/v1/me": ["GET", "/api/v1/me", None, token],
            "item (API)": read,
            "item page (cookie)": ["GET", f"/c/{council}/items/{item}", None, cookie],
            "item list (API, in progress)": ["GET", f"{api}/items?status=in_progress", None, token],
            "dashboard (API)": ["GET", api, None, token],
            "my to-do (API)": ["GET", "/api/v1/me/todo", None, token],
            "dashboard page (cookie)": ["GET", f"/c/{council}", None, cookie],
        })
        out["item_capacity"], out["item_steps"] = capacity(folder, server.base, read, RATES, seconds)
        # overload: three times what one process serves, from 300 connections (a crowd tapping a
        # link); one request in five a progress report by the lead unit, to see nothing half-written
        lead_token, _ = sign_in(server.base, lead_login)
        write = ["POST", f"/api/v1/councils/{council}/items/{item}/progress", {"note": "巡查进展", "percent": 90},
                 lead_token, "progress"]
        before = _written(url, item)
        offered = 3 * max(out["item_capacity"], 100)
        out["overload"] = _generator({"base": server.base, "clients": 300, "rate": offered, "seconds": overload_seconds,
                                      "requests": [read, read, write, read, read]}, folder)
        out["overload"]["offered"] = offered
        after = _written(url, item)
        out["overload"]["written"] = {"progress_rows": after[0] - before[0], "audit_events": after[1] - before[1],
                                      "answered_201": out["overload"]["statuses"].get("201", 0)}
        time.sleep(2)
        out["page_one"] = _item_page(folder, server, council, item, seconds * 2)
    finally:
        server.close()
    # the page again on two worker processes, one a core
    server = Server(url, workers=2)
    try:
        out["page_two"] = _item_page(folder, server, council, item, seconds * 2)
    finally:
        server.close()
    return out


CROWD = ("unit2-liaison", "unit3-liaison", "unit4-liaison", "unit5-liaison", "unit6-liaison", "unit7-liaison",
         "community-liaison", "secretary")


def _item_page(folder: Path, server: Server, council: int, item: int, seconds: float) -> dict:
    """The item page as its readers open it from a message, 200 a second (warmed first): each signed
    in by cookie, the units' liaisons and the secretary in turn (each page has its reader's nav,
    to-do count and buttons; the item's history is the same for all)."""
    pages = [["GET", f"/c/{council}/items/{item}", None, sign_in(server.base, login)[1], "page"] for login in CROWD]
    _generator({"base": server.base, "clients": 50, "rate": 50, "seconds": 2, "requests": pages}, folder)
    return _generator({"base": server.base, "clients": 50, "rate": 200, "seconds": seconds, "requests": pages}, folder)


if __name__ == "__main__":
    import tempfile

    print(json.dumps(measure(Path(tempfile.mkdtemp()), seconds=float(sys.argv[1]) if len(sys.argv) > 1 else 5),
                     ensure_ascii=False, indent=1))
