"""A temporary local Prefect server for one command (`cobuild demo`, `cycle`, `reminders sweep`,
`notifications dispatch`), started as Prefect starts its own when no API URL is set, with two
differences users see:

- the server's output goes to PREFECT_HOME/cobuild-server.log, not to the user's terminal:
  Prefect's own temporary server inherits the terminal, and on some shutdowns its web server
  printed a CancelledError traceback after the demo's summary;
- it waits up to 120 s for the first start: on a fresh PREFECT_HOME the server creates its
  database first, which took 24 s on a 2-core machine, past Prefect's 20 s, and the demo failed
  with "Timed out while attempting to connect to ephemeral Prefect API server".

Where an API URL is configured (a Prefect server, or a test harness) it does nothing.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
from prefect.settings import PREFECT_API_URL, get_current_settings, temporary_settings

START_TIMEOUT_SECONDS = 120


class LocalServerFailed(RuntimeError):
    pass


@contextmanager
def local_api(timeout: float = START_TIMEOUT_SECONDS) -> Iterator[str | None]:
    """Run the block against a temporary local Prefect server; yields its API URL."""
    settings = get_current_settings()
    if settings.api.url:
        yield str(settings.api.url)
        return
    home = Path(settings.home).expanduser()
    home.mkdir(parents=True, exist_ok=True)
    log_path = home / "cobuild-server.log"
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {**os.environ, **settings.to_environment_variables(exclude_unset=True),
           # what Prefect sets for its own temporary server: no UI, the ephemeral set of services
           "PREFECT_UI_ENABLED": "0", "PREFECT__SERVER_EPHEMERAL": "1", "PREFECT__SERVER_FINAL": "1"}
    with open(log_path, "ab") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "--factory", "prefect.server.api.server:create_app",
             "--host", "127.0.0.1", "--port", str(port), "--log-level", "error", "--lifespan", "on"],
            env=env, stdout=log, stderr=log, stdin=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}/api"
    try:
        _wait_until_healthy(process, url, timeout, log_path)
        with temporary_settings(updates={PREFECT_API_URL: url}):
            try:
                yield url
            finally:
                _drain()
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _drain() -> None:
    """Send the run logs and events still queued while the server is up: left for Prefect's own
    exit handler they met a stopped server and printed "Error logging to API"."""
    from prefect.events.worker import EventsWorker
    from prefect.logging.handlers import APILogWorker

    for worker in (APILogWorker, EventsWorker):
        try:
            worker.drain_all(timeout=5)
        except Exception:  # noqa: BLE001 — the command's result stands; its log lines are best effort
            pass


def _wait_until_healthy(process: subprocess.Popen, url: str, timeout: float, log_path: Path) -> None:
    deadline = time.monotonic() + timeout
    with httpx.Client(timeout=5) as client:
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise LocalServerFailed(f"the local Prefect server exited with code {process.returncode}; "
                                        f"its output is in {log_path}")
            try:
                if client.get(f"{url}/health").status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.1)
    raise LocalServerFailed(f"the local Prefect server did not answer within {timeout:.0f} s; its output is in {log_path}")
