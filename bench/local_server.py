"""The shared local Prefect server (flows.local_api), measured as a user meets it.

- `cobuild cycle` by hand on the demo database while `cobuild serve` runs (its shared server
  up), against the same command with no server up (it starts and stops a private one);
- `cobuild serve` idle with its Prefect server: the resident memory of every process of its
  session (serve itself and the server it started), after its start-up runs are done.

Every command runs in a session of its own with one fresh PREFECT_HOME, whose server database
is made before the clock starts.
"""

from __future__ import annotations

import json
import os
import signal
import statistics
import subprocess
import sys
import time
from pathlib import Path

from bench import free_port


def _session_rss_mb(sid: int) -> tuple[float, list[tuple[str, float]]]:
    parts = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if os.getsid(int(entry.name)) != sid:
                continue
            status = (entry / "status").read_text()
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except (ProcessLookupError, FileNotFoundError, PermissionError):
            continue
        rss = next((int(line.split()[1]) for line in status.splitlines() if line.startswith("VmRSS:")), 0) / 1024
        parts.append(("prefect server" if "cobuild.flows.local_api" in cmdline else "cobuild serve", rss))
    return sum(rss for _, rss in parts), parts


def _wait_for_shared(home: Path, seconds: float = 180) -> int:
    from cobuild.flows.local_api import _answers

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            port = json.loads((home / "cobuild-server.json").read_text())["port"]
            if _answers(port):
                return port
        except (OSError, ValueError, KeyError):
            pass
        time.sleep(0.2)
    raise RuntimeError("cobuild serve did not start its shared Prefect server")


def measure_local(folder: Path, demo_db: str, quick: bool = False) -> dict:
    cobuild = str(Path(sys.executable).parent / "cobuild")
    home = folder / "local-prefect-home"
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    env.update(PREFECT_HOME=str(home), COBUILD_DELIVERY="file", COBUILD_OUTBOX_DIR=str(folder / "local-outbox"),
               COBUILD_SECRET_KEY="b" * 40)
    cycle = [cobuild, "cycle", "--db", demo_db, "--now", "2026-12-31T10:00+08:00"]

    def timed(runs: int) -> list[float]:
        samples = []
        for _ in range(runs):
            start = time.perf_counter()
            subprocess.run(cycle, env=env, cwd=folder, capture_output=True, check=True)
            samples.append(time.perf_counter() - start)
        return samples

    # no server up: each run starts a private one (the first also makes the server's database)
    timed(1)
    private = timed(1 if quick else 3)
    serve_db = f"sqlite:///{folder}/local-serve.db"
    subprocess.run([cobuild, "init", "--db", serve_db], env=env, capture_output=True, check=True)
    serving = subprocess.Popen([cobuild, "serve", "--port", str(free_port()), "--db", serve_db], env=env, cwd=folder,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        started = time.perf_counter()
        _wait_for_shared(home)
        up_after = time.perf_counter() - started
        shared = timed(3 if quick else 7)
        time.sleep(5 if quick else 20)  # its start-up runs done, the server's services settled
        idle_mb, parts = _session_rss_mb(serving.pid)
    finally:
        os.killpg(serving.pid, signal.SIGTERM)
        serving.wait(timeout=60)
    return {"shared": statistics.median(shared), "shared_runs": shared, "private": statistics.median(private),
            "private_runs": private, "server_up_after": up_after, "idle_mb": idle_mb, "parts": parts}
