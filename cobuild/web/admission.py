"""Admission control: at most `limit` requests in flight in this process and at most `queue` more
waiting; a newcomer is let into the queue only if its turn should come within `wait` seconds — by
the recent time a request takes, and while the request that last left the queue did not wait more
than half of that — and is otherwise answered at once with 503 and Retry-After (the API in JSON,
pages with a short page in the reader's language). So the requests that are served stay fast, and
those refused learn it at once, instead of everyone waiting in an unbounded queue. Health checks and
static files are never refused.

Requests that run straight through on the event loop (SQLite reads and short writes) never wait at
the limit: while one runs, the others wait for the loop itself, in its sockets, where no count sees
them. So the loop is watched too, by a timer due every TICK seconds. While it is behind — it has
worked for more than `lag` seconds without coming back to its timer — a newcomer, and everyone
after it while the line is not empty, waits in the loop's line. The line is let in one request
at a time, in order, one at each of the loop's turns, so the loop reads its sockets between any
two; a newcomer is refused at once when the line, at the pace it has lately moved, would keep it
longer than `wait`, or as above."""

from __future__ import annotations

import asyncio
import json
from collections import deque

from cobuild.models.messages import render

# A request let into the queue waits for its turn — refusing it after its wait would make it a slow
# refusal — and is given up only after this many times the wait (a process that has stalled).
GIVE_UP = 4
EXEMPT = ("/healthz", "/static/", "/favicon.ico", "/api/docs/static/")
# the loop's timer: due every TICK seconds; while it is late by more than the lag, the loop is behind
TICK = 0.005


class _Loop:
    """What admission control knows of one event loop: its places in flight, and its line — the
    requests that came while the loop was behind, let in one at a time, in order, each time the
    loop comes back from reading its sockets."""

    def __init__(self, loop: asyncio.AbstractEventLoop, admission: Admission) -> None:
        self.places = asyncio.Semaphore(admission.limit)
        self.line: deque[asyncio.Future] = deque()
        self.waited = 0.0  # how long the request that last left the line had waited in it
        # the time between two requests leaving the line while it was not empty, a moving average:
        # how fast the loop works through it, whatever else it does meanwhile
        self.gap = 0.0
        self.left = 0.0  # when a request last left the line
        self.woken = False  # one of the line is let in and has not yet begun
        self.ticked = loop.time()  # when the timer last ran
        self._loop, self._admission = loop, admission
        loop.call_later(TICK, self._tick)

    def behind(self) -> bool:
        """The loop has worked for longer than the lag without coming back to its timer: the
        requests now arriving wait in its sockets, where no count sees them."""
        return self._loop.time() - self.ticked > self._admission.lag

    def wake(self) -> None:
        """Let the first of the line in: it begins at the loop's next turn, after the loop has read
        its sockets (and answered or lined up what came meanwhile)."""
        while self.line:
            waiter = self.line.popleft()
            if not waiter.done():  # not given up
                waiter.set_result(None)
                self.woken = True
                return

    def _tick(self) -> None:
        self.ticked = self._loop.time()
        if not self.woken:  # the chain of the line stopped while the loop was behind
            self.wake()
        self._loop.call_later(TICK, self._tick)


class Admission:
    def __init__(self, app, limit: int = 4, queue: int = 64, wait: float = 0.5, retry_after: int = 2,
                 lag: float = 0.01) -> None:
        self.app, self.limit, self.queue, self.wait, self.retry_after = app, limit, queue, wait, retry_after
        self.lag = lag
        self.waiting = 0
        self.refused = 0  # since start: what an operator's metrics read
        # how long a request holds its place, a moving average: a request that would wait longer
        # than `wait` behind those already waiting is refused at once, not after waiting in vain
        self.service = 0.0
        # how long the request that last left the queue had waited in it: past half the wait, while
        # others still wait, the queue drains slower than estimated (a write holding its place behind
        # the database's lock) and a newcomer is refused at once, not after waiting in vain
        self.waited = 0.0
        # one per event loop: a server has one; tests start an app in several
        self._loops: dict[asyncio.AbstractEventLoop, _Loop] = {}

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http" or scope["path"].startswith(EXEMPT):
            await self.app(scope, receive, send)
            return
        loop = asyncio.get_running_loop()
        watched = self._loops.get(loop)
        if watched is None:
            watched = self._loops[loop] = _Loop(loop, self)
        if (watched.line or watched.behind()) and not await self._in_line(loop, watched):
            await self._refuse(scope, send)
            return
        semaphore = watched.places
        if semaphore.locked():
            if self._would_wait_too_long(self.waiting, self.service / self.limit, self.waited):
                await self._refuse(scope, send)
                return
            self.waiting += 1
            queued = loop.time()
            try:
                await asyncio.wait_for(semaphore.acquire(), GIVE_UP * self.wait)
            except asyncio.TimeoutError:
                self.waited = self.wait
                await self._refuse(scope, send)
                return
            finally:
                self.waiting -= 1
            self.waited = loop.time() - queued
        else:
            await semaphore.acquire()
        started = loop.time()
        try:
            await self.app(scope, receive, send)
        finally:
            semaphore.release()
            took = loop.time() - started
            self.service = took if not self.service else self.service + 0.1 * (took - self.service)

    def _would_wait_too_long(self, ahead: int, pace: float, last_waited: float) -> bool:
        """Whether a newcomer with `ahead` requests before it, served one every `pace` seconds,
        is refused at once: the queue is full, its turn would come after `wait`, or the one that
        last left waited more than half of `wait` while others still wait (the queue drains slower
        than its pace says)."""
        slow = ahead > 0 and last_waited > self.wait / 2
        return ahead >= self.queue or (ahead + 1) * pace > self.wait or slow

    async def _in_line(self, loop: asyncio.AbstractEventLoop, watched: _Loop) -> bool:
        """Wait in the loop's line; False: refused, at once when the line is longer than the wait
        allows (the loop serves one request at a time) or drains slower than estimated, or after
        waiting in vain."""
        ahead = len(watched.line)
        if self._would_wait_too_long(ahead, watched.gap or self.service, watched.waited):
            return False
        waiter = loop.create_future()
        watched.line.append(waiter)
        queued = loop.time()
        try:
            await asyncio.wait_for(waiter, GIVE_UP * self.wait)
        except asyncio.TimeoutError:
            watched.waited = self.wait
            return False
        except asyncio.CancelledError:
            if waiter.done() and not waiter.cancelled():  # let in, then cancelled: the next one's turn
                watched.woken = False
                watched.wake()
            raise
        moment = loop.time()
        watched.woken = False
        if ahead:  # the line was working: how long since the one before left
            watched.gap += 0.1 * (moment - watched.left - watched.gap) if watched.gap else moment - watched.left
        watched.left, watched.waited = moment, moment - queued
        if not watched.behind():  # the next of the line, at the loop's next turn
            watched.wake()
        return True

    async def _refuse(self, scope, send) -> None:
        self.refused += 1
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}
        lang = _language(scope, headers)
        message = render("overloaded", lang)
        if scope["path"].startswith("/api/"):
            body = json.dumps({"error": "overloaded", "message": message}, ensure_ascii=False).encode()
            kind = b"application/json"
        else:
            body = (f'<!doctype html><html lang="{"en" if lang == "en" else "zh-CN"}"><head><meta charset="utf-8">'
                    f'<meta name="viewport" content="width=device-width, initial-scale=1"><title>{message}</title></head>'
                    f'<body style="font-family:sans-serif;max-width:32rem;margin:3rem auto;padding:0 1rem">'
                    f'<h1 style="font-size:1.3rem">{message}</h1><p><a href="">{render("retry", lang)}</a></p>'
                    f'</body></html>').encode()
            kind = b"text/html; charset=utf-8"
        await send({"type": "http.response.start", "status": 503,
                    "headers": [(b"content-type", kind), (b"retry-after", str(self.retry_after).encode()),
                                (b"content-length", str(len(body)).encode()), (b"cache-control", b"no-store")]})
        await send({"type": "http.response.body", "body": body})


def _language(scope, headers: dict[str, str]) -> str:
    query = scope.get("query_string", b"").decode("latin-1")
    if "lang=en" in query or "lang=en" in headers.get("cookie", ""):
        return "en"
    if scope["path"].startswith("/api/") and headers.get("accept-language", "").lower().startswith("en"):
        return "en"
    return "zh"
