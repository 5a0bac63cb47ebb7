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


def run(plan: dict) -> dict:
    """50 client coroutines on one event loop, each with its own keep-alive connection
    (measured here: 50 *threads* in one Python process add a ~0.5 s tail by themselves, even
    against a trivial ASGI app, so the generator would be measuring its own GIL)."""
    import asyncio

    clients, rate, seconds = plan["clients"], plan["rate"], plan["seconds"]
    requests = plan["requests"]  # [method, path, json-or-null, token] cycled per client
    per_client = rate / clients
    latencies: list[float] = []
    statuses: dict[str, int] = {}
    errors: list[str] = []

    async def client(n: int, start: float, http) -> None:
        k = 0
        while True:
            due = start + (k + n / clients) / per_client
            if due - start >= seconds:
                return
            pause = due - time.perf_counter()
            if pause > 0:
                await asyncio.sleep(pause)
            method, path, body, token = requests[(n + k * clients) % len(requests)]
            try:
                response = await http.request(method, path, json=body, headers={"Authorization": f"Bearer {token}"})
                code = str(response.status_code)
            except httpx.HTTPError as exc:
                code = "transport"
                errors.append(type(exc).__name__)
            latencies.append(time.perf_counter() - due)
            statuses[code] = statuses.get(code, 0) + 1
            k += 1

    async def main() -> float:
        pools = [httpx.AsyncClient(base_url=plan["base"], timeout=10) for _ in range(clients)]
        await asyncio.gather(*(http.get("/static/app.css") for http in pools))  # connect before the clock
        start = time.perf_counter() + 0.2
        await asyncio.gather(*(client(n, start, http) for n, http in enumerate(pools)))
        elapsed = time.perf_counter() - start
        await asyncio.gather(*(http.aclose() for http in pools))
        return elapsed

    elapsed = asyncio.run(main())
    latencies.sort()

    def pct(p: float) -> float:
        return latencies[min(len(latencies) - 1, int(p * len(latencies)))] * 1000 if latencies else 0.0

    return {"requests": len(latencies), "elapsed": elapsed, "rate": len(latencies) / elapsed,
            "p50_ms": pct(0.50), "p90_ms": pct(0.90), "p95_ms": pct(0.95), "p99_ms": pct(0.99),
            "max_ms": latencies[-1] * 1000 if latencies else 0.0, "statuses": statuses, "errors": errors[:10]}


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
