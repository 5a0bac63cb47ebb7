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
            timed_out = await queued  # let in, but its turn never came: given up after 4 × its 0.2 s
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


def test_while_the_queue_drains_slower_than_estimated_newcomers_are_refused_at_once():
    """Requests learnt as quick (~10 ms); then one holds its place 0.2 s (a write behind the lock).
    Two wait; the first gets in after ~0.2 s, more than half the 0.3 s allowed, and holds its place
    too, while the second still waits: a newcomer now is refused at once, though the estimate alone
    (two waiting × 10 ms) would let it wait."""
    async def scenario():
        releases = {"a": asyncio.Event(), "b": asyncio.Event()}

        async def quick(request):
            await asyncio.sleep(0.01)
            return PlainTextResponse("done")

        async def held(request):
            await releases[request.path_params["which"]].wait()
            return PlainTextResponse("done")

        guarded = Admission(Starlette(routes=[Route("/api/v1/quick", quick), Route("/api/v1/held/{which}", held)]),
                            limit=1, queue=10, wait=0.3)
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=guarded), base_url="http://t") as client:
            for _ in range(3):
                await client.get("/api/v1/quick")
            loop = asyncio.get_running_loop()
            holding = asyncio.create_task(client.get("/api/v1/held/a"))
            await asyncio.sleep(0.01)
            first = asyncio.create_task(client.get("/api/v1/held/b"))  # waits, then holds its place too
            await asyncio.sleep(0.01)
            second = asyncio.create_task(client.get("/api/v1/quick"))
            await asyncio.sleep(0.2)
            releases["a"].set()  # the first waiter gets in after ~0.2 s; the second still waits
            await asyncio.sleep(0.02)
            asked = loop.time()
            newcomer = await client.get("/api/v1/quick")
            answered_in = loop.time() - asked
            releases["b"].set()
            answers = await asyncio.gather(holding, first, second)
        return newcomer, answered_in, answers

    newcomer, answered_in, answers = asyncio.run(scenario())
    assert newcomer.status_code == 503 and answered_in < 0.05
    assert [r.status_code for r in answers] == [200, 200, 200]


def test_while_the_event_loop_is_behind_newcomers_wait_in_its_line_or_are_refused_at_once():
    """Requests that run straight through on the event loop (SQLite reads and short writes) never
    hold a place across an await, so the in-flight limit never sees them queue. Ten come at once to
    an endpoint that keeps the loop for 30 ms: the first runs; the nine that find the loop behind
    (past its 10 ms lag) meet its line, where three wait and are then served in the order they
    came, and six are refused at once. A health check is never refused."""
    import time

    async def scenario():
        served: list[int] = []

        async def blocking(request):
            time.sleep(0.03)  # a straight-through request: the loop does nothing else meanwhile
            served.append(int(request.query_params.get("n", -1)))
            return PlainTextResponse("done")

        async def healthz(request):
            return JSONResponse({"status": "ok"})

        guarded = Admission(Starlette(routes=[Route("/api/v1/work", blocking), Route("/healthz", healthz)]),
                            limit=100, queue=3, wait=10, lag=0.01)
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=guarded), base_url="http://t") as client:
            answers = await asyncio.gather(*(client.get("/api/v1/work", params={"n": n}) for n in range(10)),
                                           client.get("/healthz"))
            after = await client.get("/api/v1/work")  # the line drained: let in at once
        return answers, after, guarded.refused, served

    answers, after, refused, served = asyncio.run(scenario())
    work, health = answers[:-1], answers[-1]
    assert sorted(r.status_code for r in work) == [200] * 4 + [503] * 6 and refused == 6
    assert all(r.json()["error"] == "overloaded" for r in work if r.status_code == 503)
    assert health.status_code == 200 and after.status_code == 200
    assert served == [0, 1, 2, 3, -1]


def test_the_app_is_guarded_outermost_with_the_configured_limits(monkeypatch, tmp_path):
    from cobuild.web.app import make_app

    monkeypatch.setenv("COBUILD_MAX_IN_FLIGHT", "3")
    monkeypatch.setenv("COBUILD_MAX_QUEUE", "5")
    app = make_app(f"sqlite:///{tmp_path}/x.db", secret_key="k" * 40)
    outermost = app.user_middleware[0]
    assert outermost.cls is Admission and outermost.kwargs["limit"] == 3 and outermost.kwargs["queue"] == 5
