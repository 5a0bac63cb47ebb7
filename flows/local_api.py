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

`start_early()` starts the server's process before the command has imported Prefect (the
parent needs ~2 s to import it, the server ~4 s to boot): `cobuild demo` starts it first and
does its imports and set-up while the server boots. The child itself checks Prefect's
settings and leaves at once where an API URL is configured. This module imports Prefect only
inside its functions.
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

START_TIMEOUT_SECONDS = 120
APP = "prefect.server.api.server:create_app"
# what Prefect sets for its own temporary server: no UI, the ephemeral set of services
SERVER_ENV = {"PREFECT_UI_ENABLED": "0", "PREFECT__SERVER_EPHEMERAL": "1", "PREFECT__SERVER_FINAL": "1"}


class LocalServerFailed(RuntimeError):
    pass


class EarlyServer:
    """A server process started before Prefect was imported (see start_early)."""

    def __init__(self, process: subprocess.Popen, port: int, log_path: Path):
        self.process, self.port, self.log_path = process, port, log_path

    def stop(self) -> None:
        _stop(self.process)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _spawn(command: list[str], env: dict[str, str], log_path: Path) -> subprocess.Popen:
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with open(log_path, "ab") as log:
        return subprocess.Popen(command, env=env, stdout=log, stderr=log, stdin=subprocess.DEVNULL)


def start_early() -> EarlyServer:
    """Start the temporary server's process now, without importing Prefect here; pass the result
    to local_api(). The child reads Prefect's settings itself (the same environment and profile)
    and exits at once if an API URL is configured."""
    home = Path(os.environ.get("PREFECT_HOME") or "~/.prefect").expanduser()
    port, log_path = _free_port(), home / "cobuild-server.log"
    process = _spawn([sys.executable, "-m", "flows.local_api", str(port), APP], {**os.environ, **SERVER_ENV}, log_path)
    return EarlyServer(process, port, log_path)


@contextmanager
def local_api(timeout: float = START_TIMEOUT_SECONDS, early: EarlyServer | None = None) -> Iterator[str | None]:
    """Run the block against a temporary local Prefect server; yields its API URL."""
    from prefect.settings import PREFECT_API_URL, get_current_settings, temporary_settings

    settings = get_current_settings()
    if settings.api.url:
        if early is not None:
            early.stop()
        yield str(settings.api.url)
        return
    if early is not None:
        process, port, log_path = early.process, early.port, early.log_path
    else:
        home = Path(settings.home).expanduser()
        port, log_path = _free_port(), home / "cobuild-server.log"
        env = {**os.environ, **settings.to_environment_variables(exclude_unset=True), **SERVER_ENV}
        process = _spawn([sys.executable, "-m", "uvicorn", "--factory", APP, "--host", "127.0.0.1", "--port", str(port),
                          "--log-level", "error", "--lifespan", "on"], env, log_path)
    url = f"http://127.0.0.1:{port}/api"
    try:
        _wait_until_healthy(process, url, timeout, log_path)
        with temporary_settings(updates={PREFECT_API_URL: url}):
            try:
                yield url
            finally:
                _drain()
    finally:
        _stop(process)


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
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
    import httpx

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


def _serve_unless_configured(port: int, app: str) -> int:
    """The early server's process: exit 3 if Prefect has an API URL configured, else serve."""
    from prefect.settings import get_current_settings

    if get_current_settings().api.url:
        return 3
    import uvicorn

    uvicorn.run(app, factory=True, host="127.0.0.1", port=port, log_level="error", lifespan="on")
    return 0


if __name__ == "__main__":
    sys.exit(_serve_unless_configured(int(sys.argv[1]), sys.argv[2]))
