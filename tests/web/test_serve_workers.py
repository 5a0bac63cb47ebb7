"""`cobuild serve --workers N`: N worker processes that the parent hands its connections to in
turn (Linux), supervised by it: requests on many connections are answered and shared evenly, a
worker that dies is replaced, SIGTERM stops them all, and a port that is taken gives a clear
message and no workers."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from cobuild.web.asgi import balanced
from tests.support.server import Server

pytestmark = pytest.mark.skipif(not balanced(), reason="handing connections to workers is Linux's")

ROOT = Path(__file__).resolve().parents[2]


def children(pid: int) -> set[int]:
    found: set[int] = set()
    for task in Path(f"/proc/{pid}/task").iterdir():
        found |= {int(p) for p in (task / "children").read_text().split()}
    return found


def workers_of(server: Server) -> set[int]:
    # spawned workers run multiprocessing's spawn_main (the resource tracker, also a child, does not)
    return {pid for pid in children(server.process.pid)
            if "spawn_main" in Path(f"/proc/{pid}/cmdline").read_text(errors="replace")}


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    status = Path(f"/proc/{pid}/status")
    return status.exists() and "State:\tZ" not in status.read_text()


def wait_for(condition, seconds: float = 30) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return condition()


def test_workers_answer_are_replaced_when_they_die_and_stop_with_the_parent(web):
    server = Server(web.db_url, workers=2, env={"COBUILD_SECRET_KEY": "k" * 40})
    try:
        assert wait_for(lambda: len(workers_of(server)) == 2), workers_of(server)
        first = workers_of(server)
        # 40 fresh connections (a new client each): every one answered
        token = web.tokens["power-liaison"]
        for _ in range(40):
            with httpx.Client(timeout=30) as client:
                answer = client.get(f"{server.base}/api/v1/councils/{web.cid}/items",
                                    headers={"Authorization": f"Bearer {token}"})
                assert answer.status_code == 200, answer.text

        victim = min(first)
        os.kill(victim, signal.SIGKILL)
        assert wait_for(lambda: len(workers_of(server)) == 2 and victim not in workers_of(server)), workers_of(server)
        replacement = (workers_of(server) - first).pop()
        assert wait_for(lambda: all(httpx.get(f"{server.base}/healthz", timeout=5).status_code == 200
                                    for _ in range(10)))

        everyone = workers_of(server)
        assert replacement in everyone
        server.process.send_signal(signal.SIGTERM)
        server.process.wait(timeout=30)
        assert wait_for(lambda: not any(alive(pid) for pid in everyone), 15), [p for p in everyone if alive(p)]
    finally:
        server.close()


def connections_of(pid: int, port: int) -> int:
    """How many established TCP connections on the server's `port` the process holds. Its other
    sockets (pooled database connections on the PostgreSQL pass, the parent's channel) are not
    counted: one of those closing meanwhile made an even split look uneven."""
    inodes = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            target = os.readlink(fd)
        except OSError:  # closed meanwhile
            continue
        if target.startswith("socket:["):
            inodes.add(target[len("socket:["):-1])
    count = 0
    for table in ("tcp", "tcp6"):
        path = Path(f"/proc/{pid}/net/{table}")
        if not path.exists():
            continue
        for line in path.read_text().splitlines()[1:]:
            fields = line.split()
            local_port = int(fields[1].rsplit(":", 1)[1], 16)
            established = fields[3] == "01"
            count += established and local_port == port and fields[9] in inodes
    return count


def test_keep_alive_clients_are_shared_evenly_between_the_workers(web):
    """40 clients that each keep one connection open (a reverse proxy's pool, the bench's load
    generator): each worker serves 20 of them. With a socket per worker and the kernel hashing
    the clients' ports over them (SO_REUSEPORT), an even split came only by chance."""
    server = Server(web.db_url, workers=2, env={"COBUILD_SECRET_KEY": "k" * 40})
    clients = []
    try:
        assert wait_for(lambda: len(workers_of(server)) == 2), workers_of(server)
        pids = sorted(workers_of(server))
        for _ in range(40):
            client = httpx.Client(timeout=30)
            clients.append(client)
            assert client.get(f"{server.base}/healthz").status_code == 200
        held = {pid: connections_of(pid, server.port) for pid in pids}
        assert sorted(held.values()) == [20, 20], held
    finally:
        for client in clients:
            client.close()
        server.close()


def test_a_port_that_is_taken_is_refused_with_a_message_and_no_worker_starts(web):
    taken = socket.socket()
    taken.bind(("127.0.0.1", 0))
    taken.listen()
    port = taken.getsockname()[1]
    try:
        env = {**os.environ, "COBUILD_SECRET_KEY": "k" * 40}
        env.pop("PREFECT_API_URL", None)
        done = subprocess.run([sys.executable, "-m", "cobuild", "serve", "--no-scheduler", "--workers", "2",
                               "--port", str(port), "--db", web.db_url],
                              cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
        assert done.returncode != 0
        assert f"cannot listen on 127.0.0.1:{port}" in done.stderr and "Traceback" not in done.stderr, done.stderr
    finally:
        taken.close()
