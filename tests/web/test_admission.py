"""Admission control (cobuild/web/admission.py): past the in-flight limit and the short queue a
request is answered 503 with Retry-After and a message in the reader's language; health checks
and static files never are."""

from __future__ import annotations

import asyncio

import httpx
from starlette.applications import Starlette
from starlette.responses import JSONResponse, PlainTextResponse
from starlette.routing import Route

from cobuild.web.admission import Admission


def _slow_app(release: asyncio.Event):
    async def slow(request):
        await release.wait()  # held until the test lets go: the limit is full for as long as it wants
        return PlainTextResponse("done")

    async def healthz(request):
        return JSONResponse({"status": "ok"})

    return Starlette(routes=[Route("/api/v1/slow", slow), Route("/slow", slow), Route("/healthz", healthz)])


def test_past_the_limit_and_the_queue_requests_are_refused_with_503_and_health_checks_are_not():
    async def scenario():
        release = asyncio.Event()
        guarded = Admission(_slow_app(release), limit=2, queue=1, wait=0.2, retry_after=2)
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=guarded), base_url="http://t") as client:
            held = [asyncio.create_task(client.get("/api/v1/slow")) for _ in range(2)]
            await asyncio.sleep(0.05)  # both in flight
            queued = asyncio.create_task(client.get("/api/v1/slow"))  # waits in the queue …
            await asyncio.sleep(0.05)
            refused_api = await client.get("/api/v1/slow")  # … which is full: refused at once
            refused_page = await client.get("/slow", headers={"cookie": "lang=en"})
            health = await client.get("/healthz")
            timed_out = await queued  # waited its 0.2 s, then refused
            release.set()
            served = await asyncio.gather(*held)
            after = await client.get("/api/v1/slow")  # room again
        return refused_api, refused_page, health, timed_out, served, after, guarded.refused

    refused_api, refused_page, health, timed_out, served, after, count = asyncio.run(scenario())
    assert refused_api.status_code == 503 and refused_api.headers["retry-after"] == "2"
    assert refused_api.json() == {"error": "overloaded", "message": "现在访问的人太多,请过几秒钟再试"}
    assert refused_page.status_code == 503 and "text/html" in refused_page.headers["content-type"]
    assert "Too many people" in refused_page.text
    assert health.status_code == 200
    assert timed_out.status_code == 503
    assert [r.status_code for r in served] == [200, 200] and after.status_code == 200
    assert count == 3


def test_a_request_that_would_wait_longer_than_the_wait_is_refused_at_once():
    """By the time a request has lately taken: with one place and requests of ~0.1 s, the first two
    waiting (0.1 and 0.2 s expected) wait and are served; the third would wait ~0.3 s, past the
    0.25 s allowed, and is refused at once rather than after its 0.25 s."""
    async def scenario():
        async def tenth(request):
            await asyncio.sleep(0.1)
            return PlainTextResponse("done")

        guarded = Admission(Starlette(routes=[Route("/api/v1/work", tenth)]), limit=1, queue=10, wait=0.25)
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=guarded), base_url="http://t") as client:
            for _ in range(3):  # what a request takes, learnt
                await client.get("/api/v1/work")
            loop = asyncio.get_running_loop()
            first = asyncio.create_task(client.get("/api/v1/work"))
            await asyncio.sleep(0.01)
            waiting = [asyncio.create_task(client.get("/api/v1/work")) for _ in range(2)]
            await asyncio.sleep(0.01)
            asked = loop.time()
            third = await client.get("/api/v1/work")
            answered_in = loop.time() - asked
            served = await asyncio.gather(first, *waiting)
        return third, answered_in, served

    third, answered_in, served = asyncio.run(scenario())
    assert third.status_code == 503 and answered_in < 0.05
    assert [r.status_code for r in served] == [200, 200, 200]


def test_the_app_is_guarded_outermost_with_the_configured_limits(monkeypatch, tmp_path):
    from cobuild.web.app import make_app

    monkeypatch.setenv("COBUILD_MAX_IN_FLIGHT", "3")
    monkeypatch.setenv("COBUILD_MAX_QUEUE", "5")
    app = make_app(f"sqlite:///{tmp_path}/x.db", secret_key="k" * 40)
    outermost = app.user_middleware[0]
    assert outermost.cls is Admission and outermost.kwargs["limit"] == 3 and outermost.kwargs["queue"] == 5
