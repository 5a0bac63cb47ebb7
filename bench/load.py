"""A load generator in its own process: `python -m bench.load PLAN.json` prints JSON results.

Open loop: each of `clients` clients keeps its own keep-alive connection and sends at
rate/clients requests per second on a fixed schedule, so a slow answer does not lower the
offered load (a closed loop would hide queueing). Latency is measured from the scheduled
send time, so time spent waiting behind a late request counts too.
"""

from __future__ import annotations

import json
import sys
import threading
import time

import httpx


def _request_bytes(host: str, method: str, path: str, body, token: str) -> bytes:
    """`token` is an API token, or `cookie:NAME=VALUE` for a page read as a signed-in person's
    browser reads it."""
    payload = json.dumps(body, ensure_ascii=False).encode() if body is not None else b""
    who = f"Cookie: {token[7:]}\r\nAccept: text/html" if token.startswith("cookie:") else \
        f"Authorization: Bearer {token}\r\nAccept: application/json"
    head = (f"{method} {path} HTTP/1.1\r\nHost: {host}\r\n{who}\r\nContent-Length: {len(payload)}\r\n")
    if body is not None:
        head += "Content-Type: application/json\r\n"
    return (head + "\r\n").encode() + payload


async def _answer(reader) -> int:
    """Read one HTTP/1.1 response (Content-Length or chunked); its status code."""
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.split(b"\r\n")
    status = int(lines[0].split(b" ", 2)[1])
    headers = {k.strip().lower(): v.strip() for k, _, v in (line.partition(b":") for line in lines[1:] if line)}
    if b"content-length" in headers:
        await reader.readexactly(int(headers[b"content-length"]))
    elif headers.get(b"transfer-encoding", b"").lower() == b"chunked":
        while True:
            size = int((await reader.readuntil(b"\r\n")).strip().split(b";")[0], 16)
            await reader.readexactly(size + 2)
            if size == 0:
                break
    return status


def run(plan: dict) -> dict:
    """50 client coroutines on one event loop, each with its own keep-alive connection, written
    on raw asyncio streams. Measured here: httpx's AsyncClient spent ~3.3 ms of the generator's
    CPU per request — at 300 requests/s a whole core of this 2-core machine, taken from the
    server it measures; raw streams ~0.1 ms. (50 *threads* in one Python process add a ~0.5 s
    tail by themselves, even against a trivial ASGI app.)"""
    import asyncio
    from urllib.parse import urlsplit

    clients, rate, seconds = plan["clients"], plan["rate"], plan["seconds"]
    # client n talks to bases[n % len(bases)]: several servers with the clients split evenly, as
    # a proxy that balances per request would
    bases = [urlsplit(b) for b in plan.get("bases") or [plan["base"]]]
    # [method, path, json-or-null, token] cycled per client, encoded once
    requests = [_request_bytes(bases[0].netloc, *r[:4]) for r in plan["requests"]]
    # an optional fifth element names the request's kind, for percentiles per kind
    kinds = [r[4] if len(r) > 4 else r[0] for r in plan["requests"]]
    by_kind: dict[str, list[float]] = {}
    by_status: dict[str, list[float]] = {}
    sent_to_answer: dict[str, list[float]] = {}  # from the moment it was written, the client's lateness left out
    per_client = rate / clients
    latencies: list[float] = []
    # per tenth of a second of the schedule: [answers due in it, the latest of them (s)]. Late
    # answers bunched in a few windows are stalls; spread over many, queueing.
    windows: dict[int, list] = {}
    statuses: dict[str, int] = {}
    errors: list[str] = []

    async def connect(n: int):
        base = bases[n % len(bases)]
        return await asyncio.open_connection(base.hostname, base.port)

    async def client(n: int, start: float, conn) -> None:
        reader, writer = conn
        k = 0
        while True:
            due = start + (k + n / clients) / per_client
            if due - start >= seconds:
                break
            pause = due - time.perf_counter()
            if pause > 0:
                await asyncio.sleep(pause)
            try:
                # each client walks the whole list from its own point, the points spread over it:
                # every client sends every kind, as a proxy's pooled connection would. (Before
                # 2026-12-06 21:00, client n sent requests n, n + 50, n + 100 …: with 44 requests, even
                # clients never sent a progress report or an item read.)
                index = (n * len(requests) // clients + k) % len(requests)
                sent = time.perf_counter()
                writer.write(requests[index])
                code = str(await asyncio.wait_for(_answer(reader), timeout=120))
            except (OSError, asyncio.IncompleteReadError, asyncio.TimeoutError, ValueError) as exc:
                code = "transport"
                errors.append(type(exc).__name__)
                writer.close()
                reader, writer = await connect(n)
            latencies.append(time.perf_counter() - due)
            window = windows.setdefault(int((due - start) * 10), [0, 0.0])
            window[0] += 1
            window[1] = max(window[1], latencies[-1])
            by_kind.setdefault(kinds[index], []).append(latencies[-1])
            by_status.setdefault(code, []).append(latencies[-1])
            sent_to_answer.setdefault(code, []).append(time.perf_counter() - sent)
            statuses[code] = statuses.get(code, 0) + 1
            k += 1
        writer.close()

    async def main() -> float:
        conns = [await connect(n) for n in range(clients)]  # connect before the clock
        start = time.perf_counter() + 0.2
        await asyncio.gather(*(client(n, start, conn) for n, conn in enumerate(conns)))
        return time.perf_counter() - start

    cpu = time.process_time()
    elapsed = asyncio.run(main())
    cpu = time.process_time() - cpu
    latencies.sort()

    def pct(p: float, values: list[float] = latencies) -> float:
        return values[min(len(values) - 1, int(p * len(values)))] * 1000 if values else 0.0

    for values in (*by_kind.values(), *by_status.values(), *sent_to_answer.values()):
        values.sort()

    return {"requests": len(latencies), "elapsed": elapsed, "rate": len(latencies) / elapsed,
            "p50_ms": pct(0.50), "p90_ms": pct(0.90), "p95_ms": pct(0.95), "p99_ms": pct(0.99),
            "max_ms": latencies[-1] * 1000 if latencies else 0.0, "statuses": statuses, "errors": errors[:10],
            "generator_cpu_ms_per_request": 1000 * cpu / max(1, len(latencies)),
            "p99_ms_by_kind": {kind: round(pct(0.99, values), 1) for kind, values in sorted(by_kind.items())},
            "p99_ms_by_status": {code: round(pct(0.99, values), 1) for code, values in sorted(by_status.items())},
            "p99_ms_sent_to_answer_by_status": {code: round(pct(0.99, values), 1)
                                                for code, values in sorted(sent_to_answer.items())},
            "windows": len(windows),
            # all of them (ten a second of the run): the figure's note counts them
            "late_windows": [[w / 10, n, round(1000 * latest, 1)] for w, (n, latest) in sorted(windows.items())
                             if latest > 0.05]}


def contested(plan: dict) -> dict:
    """`n` simultaneous identical requests released together by a barrier."""
    n = plan["n"]
    barrier = threading.Barrier(n)
    results: list[int] = []
    lock = threading.Lock()
    method, path, body, token = plan["request"]

    def one() -> None:
        with httpx.Client(base_url=plan["base"], timeout=60) as http:
            http.get("/healthz")  # connect first, so the requests really start together
            barrier.wait()
            code = http.request(method, path, json=body, headers={"Authorization": f"Bearer {token}"}).status_code
            with lock:
                results.append(code)

    threads = [threading.Thread(target=one) for _ in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return {"statuses": {str(c): results.count(c) for c in sorted(set(results))}}


if __name__ == "__main__":
    plan = json.loads(open(sys.argv[1], encoding="utf-8").read())
    print(json.dumps(contested(plan) if plan.get("mode") == "contested" else run(plan)))
