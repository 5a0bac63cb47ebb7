"""Instructions a request of the mixed load costs, counted by callgrind: `python -m bench.web_instructions [ROUNDS]`.

The mixed load of bench/web.py (list / progress / claim / item, on the same world), run in one
process straight through the app (ASGI, no HTTP and no server), one request at a time. Warmed up
first; callgrind counts only the measured rounds (`--instr-atstart=no`, switched on and off around
them with callgrind_control). This machine's clock swings ±20 % and more within minutes, so the
CPU a request is a poor judge of a change of a few per cent; the instruction count of the same code
repeats to 0.1 %. Compare two versions of the code by running this in each checkout, with the same
ROUNDS (the items' histories grow round by round). Needs Debian's valgrind.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WARM_ROUNDS = 3


def _requests(data: dict) -> list[tuple[dict, bytes]]:
    """The mix's 44 requests (4 kinds × 11 items, bench/web.py's `mix`) as ASGI scopes with their bodies."""
    from bench.web import mix

    made = []
    for method, target, body, token, _kind in mix(data):
        payload = json.dumps(body, ensure_ascii=False).encode() if body is not None else b""
        path, _, query = target.partition("?")
        headers = [(b"host", b"bench"), (b"authorization", f"Bearer {token}".encode()),
                   (b"accept", b"application/json"), (b"content-length", str(len(payload)).encode())]
        if body is not None:
            headers.append((b"content-type", b"application/json"))
        made.append(({"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": method,
                      "scheme": "http", "path": path, "raw_path": path.encode(), "query_string": query.encode(),
                      "root_path": "", "headers": headers, "client": ("127.0.0.1", 1), "server": ("127.0.0.1", 80)},
                     payload))
    return made


async def _call(app, scope: dict, payload: bytes) -> int:
    sent, status = False, 0

    async def receive():
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": payload, "more_body": False}
        await asyncio.Event().wait()  # the client stays connected

    async def send(message) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]

    await app(scope, receive, send)
    return status


def _instrument(on: bool) -> None:
    if os.environ.get("BENCH_UNDER_CALLGRIND"):
        subprocess.run(["callgrind_control", "-i", "on" if on else "off", str(os.getpid())], check=True,
                       capture_output=True)


def run(rounds: int) -> dict:
    """In this process: build the world, warm up, run `rounds` rounds of the mix (instrumented
    when under callgrind); the answers' statuses."""
    import gc

    from bench.web import build
    from cobuild.web.app import make_app

    url = f"sqlite:///{tempfile.mkdtemp()}/instructions.db"
    app = make_app(url, secret_key="k" * 40)
    requests = _requests(build(url))
    statuses: dict[str, int] = {}

    async def rounds_of(n: int, counted: bool) -> None:
        for _ in range(n):
            for scope, payload in requests:
                status = await _call(app, scope, payload)
                if counted:
                    statuses[str(status)] = statuses.get(str(status), 0) + 1
                await asyncio.sleep(0)  # as a server's loop would between requests (admission control)

    async def main() -> None:  # the app has no start-up or shutdown of its own (no lifespan to run)
        gc.collect()
        gc.freeze()  # as `cobuild serve` does once the app is built
        await rounds_of(WARM_ROUNDS, False)
        _instrument(True)
        await rounds_of(rounds, True)
        _instrument(False)

    asyncio.run(main())
    return {"requests": rounds * len(requests), "statuses": statuses}


def measure(rounds: int = 3) -> dict:
    """`run` in a child process under callgrind: instructions a request of the mix."""
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "callgrind.out"
        done = subprocess.run(
            ["valgrind", "--tool=callgrind", "--instr-atstart=no", f"--callgrind-out-file={out}",
             sys.executable, "-m", "bench.web_instructions", "--child", str(rounds)],
            cwd=ROOT, capture_output=True, text=True, env={**os.environ, "BENCH_UNDER_CALLGRIND": "1",
                                                            "PYTHONHASHSEED": "0", "COBUILD_DELIVERY": "file"})
        if done.returncode != 0:
            raise RuntimeError(done.stderr[-2000:])
        collected = re.search(r"Collected : (\d+)", done.stderr)
        if collected is None:
            raise RuntimeError(f"callgrind reported no count: {done.stderr[-2000:]}")
        child = json.loads(done.stdout.strip().splitlines()[-1])
    instructions = int(collected.group(1))
    return {**child, "rounds": rounds, "instructions": instructions,
            "instructions_per_request": round(instructions / child["requests"])}


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    if sys.argv[1:2] == ["--child"]:
        print(json.dumps(run(int(sys.argv[2]))))
    else:
        print(json.dumps(measure(int(sys.argv[1]) if len(sys.argv) > 1 else 3), indent=1))
