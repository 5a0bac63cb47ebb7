"""The local Prefect server: one per Prefect home, shared, and gone when the process that
started it goes.

Prefect with no API URL starts a temporary server of its own in every process that runs a flow
(seconds to start, hundreds of MB each). cobuild runs its own instead:

- `cobuild serve` and `cobuild scheduler` use the **shared** server of their Prefect home
  (PREFECT_HOME): they start it at start-up if none is up, and then own it. Other cobuild
  processes find it through `PREFECT_HOME/cobuild-server.json`; its owner holds a lock on
  `cobuild-server.lock`, which the kernel lets go when the owner dies, however it dies. A
  scheduled run waits for the server while it starts rather than failing; if the owner has gone,
  the next process that needs the server starts one and owns it.
- One-shot commands (`demo`, `cycle`, `reminders sweep`, `notifications dispatch`) use the
  shared server when one is up; otherwise they start a private one for the command and stop it
  afterwards.
- Every server cobuild starts dies with the process that started it (cobuild.lifeline): on a
  clean exit, SIGTERM, Ctrl-C and SIGKILL alike.
- A server's output goes to PREFECT_HOME/cobuild-server.log, never to the user's terminal; its
  first start on a fresh PREFECT_HOME (creating its database) is waited for up to 120 s.

Where an API URL is configured (a Prefect server, or a test harness), none of this happens.

`start_early()` starts a private server before the command has imported Prefect (`cobuild demo`
imports and sets up while it boots). This module imports Prefect only inside its functions.
"""

from __future__ import annotations

import atexit
import http.client
import json
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

try:
    import fcntl
except ImportError:  # Windows: no shared server, every process starts its own
    fcntl = None  # type: ignore[assignment]

START_TIMEOUT_SECONDS = 120
APP = "prefect.server.api.server:create_app"
# what Prefect sets for its own temporary server: no UI, the ephemeral set of services
SERVER_ENV = {"PREFECT_UI_ENABLED": "0", "PREFECT__SERVER_EPHEMERAL": "1", "PREFECT__SERVER_FINAL": "1"}
STATE_FILE, LOCK_FILE, LOG_FILE = "cobuild-server.json", "cobuild-server.lock", "cobuild-server.log"
CONFIGURED = 3  # the server process's exit code where Prefect has an API URL configured
# Flow-run heartbeats let a Prefect server's automations find crashed runs; the local server runs
# none, and at its end every flow run waited up to a second for its heartbeat thread to notice.
# Off against the local server unless the user sets them.
HEARTBEAT_SETTINGS = ("PREFECT_FLOWS_HEARTBEAT_FREQUENCY", "PREFECT_RUNNER_HEARTBEAT_FREQUENCY")


class LocalServerFailed(RuntimeError):
    pass


def prefect_home(configured: str | os.PathLike | None = None) -> Path:
    return Path(configured or os.environ.get("PREFECT_HOME") or "~/.prefect").expanduser()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _answers(port: int, timeout: float = 2.0) -> bool:
    """Does a Prefect server answer its health check on 127.0.0.1:port?"""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        connection.request("GET", "/api/health")
        return connection.getresponse().status == 200
    except (OSError, http.client.HTTPException):
        return False
    finally:
        connection.close()


class LocalServer:
    """A Prefect server process that this process started. Its stdin is a pipe whose write end
    only this process holds: when this process is gone, the server sees end-of-file and leaves."""

    def __init__(self, home: Path, env: dict[str, str]):
        from cobuild.platform.lifeline import started_from_main_thread

        self.port, self.log_path = _free_port(), home / LOG_FILE
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        command = [sys.executable, "-m", "cobuild.flows.local_api", str(self.port), str(os.getpid())]
        if started_from_main_thread():
            command.append("--pdeathsig")
        lifeline_in, lifeline_out = os.pipe()
        self._lifeline: int | None = lifeline_out
        # the server's own process group: Ctrl-C in the terminal reaches the command, which then
        # stops the server after it has sent its last logs there
        group = {"process_group": 0} if os.name == "posix" else {}
        try:
            with open(self.log_path, "ab") as log:
                self.process = subprocess.Popen(command, env={**env, **SERVER_ENV}, stdin=lifeline_in, stdout=log,  # type: ignore[call-overload]
                                                stderr=log, **group)  # (process_group: a keyword only POSIX takes)
        finally:
            os.close(lifeline_in)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api"

    def wait_until_healthy(self, timeout: float = START_TIMEOUT_SECONDS) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise LocalServerFailed(f"the local Prefect server exited with code {self.process.returncode}; "
                                        f"its output is in {self.log_path}")
            if _answers(self.port):
                return
            time.sleep(0.1)
        raise LocalServerFailed(f"the local Prefect server did not answer within {timeout:.0f} s; "
                                f"its output is in {self.log_path}")

    def stop(self) -> None:
        if self._lifeline is not None:
            os.close(self._lifeline)
            self._lifeline = None
        if self.process.poll() is None:
            self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


# ---- the shared server of a Prefect home -----------------------------------------------------

class _Owned:
    """The shared server this process owns, if any, and the lock that says so."""
    guard = threading.Lock()
    server: LocalServer | None = None
    home: Path | None = None
    lock_fd: int | None = None


def _owner_alive(home: Path) -> bool:
    """Does another process hold the shared server's lock (is its owner alive)?"""
    if fcntl is None:
        return False
    try:
        fd = os.open(home / LOCK_FILE, os.O_RDONLY)
    except OSError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        return False
    except BlockingIOError:
        return True
    finally:
        os.close(fd)


def _take_lock(home: Path) -> int | None:
    """The shared server's lock, held until this process ends; None while another holds it."""
    if fcntl is None:
        return -1
    home.mkdir(parents=True, exist_ok=True)
    fd = os.open(home / LOCK_FILE, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        return None
    os.set_inheritable(fd, False)
    return fd


def find_shared(home: Path, wait: float = 0.0) -> str | None:
    """The API URL of `home`'s shared server, if a live owner runs one; waits up to `wait` s for
    it to answer while it starts."""
    if _Owned.server is not None and _Owned.home == home and _Owned.server.process.poll() is None:
        try:
            _Owned.server.wait_until_healthy(max(wait, 0.1))
        except LocalServerFailed:
            return None
        return _Owned.server.url
    deadline = time.monotonic() + wait
    while True:
        if not _owner_alive(home):
            return None
        try:
            port = int(json.loads((home / STATE_FILE).read_text())["port"])
        except (OSError, ValueError, KeyError, TypeError):
            port = None
        if port is not None and _answers(port):
            return f"http://127.0.0.1:{port}/api"
        if time.monotonic() >= deadline:
            return None
        time.sleep(0.2)


def ensure_shared(home: Path, env: dict[str, str], timeout: float = START_TIMEOUT_SECONDS) -> str:
    """The API URL of `home`'s shared server: another process's if it is up, else one that this
    process starts and owns (it stops when this process ends)."""
    deadline = time.monotonic() + timeout
    with _Owned.guard:
        while True:
            if _Owned.server is not None and _Owned.server.process.poll() is None:
                _Owned.server.wait_until_healthy(max(deadline - time.monotonic(), 0.1))
                return _Owned.server.url
            if _Owned.lock_fd is None:
                _Owned.lock_fd = _take_lock(home)
            if _Owned.lock_fd is not None:  # ours to run (again, if the one we ran has died)
                if _Owned.server is not None:
                    _Owned.server.stop()
                _Owned.server, _Owned.home = LocalServer(home, env), home
                (home / STATE_FILE).write_text(json.dumps({"port": _Owned.server.port, "pid": os.getpid()}))
                atexit.register(stop_shared)
                continue
            url = find_shared(home, wait=min(1.0, max(deadline - time.monotonic(), 0)))
            if url:
                return url
            if time.monotonic() >= deadline:
                raise LocalServerFailed(f"the shared Prefect server of {home} did not answer within {timeout:.0f} s")


def stop_shared() -> None:
    """Stop the shared server this process owns (at exit) and let others start their own."""
    with _Owned.guard:
        server, home, fd = _Owned.server, _Owned.home, _Owned.lock_fd
        _Owned.server = _Owned.lock_fd = None
    if server is not None:
        server.stop()
        if home is not None:
            (home / STATE_FILE).unlink(missing_ok=True)
    if fd is not None and fd >= 0:
        os.close(fd)


def start_shared_in_background() -> threading.Thread:
    """`cobuild serve` / `cobuild scheduler`: start (or find) the shared server now, without
    holding up the web; the scheduled runs wait for it."""
    home, env = _settings_home_and_env()

    def start() -> None:
        try:
            ensure_shared(home, env)
        except LocalServerFailed as error:  # each scheduled run tries again and reports it
            import logging

            logging.getLogger("cobuild.scheduler").warning("%s", error)

    thread = threading.Thread(target=start, name="prefect-server-start", daemon=True)
    thread.start()
    return thread


def _settings_home_and_env() -> tuple[Path, dict[str, str]]:
    from prefect.settings import get_current_settings

    settings = get_current_settings()
    return prefect_home(settings.home), {**os.environ, **settings.to_environment_variables(exclude_unset=True)}


# ---- what the commands call --------------------------------------------------------------------

def start_early() -> LocalServer | None:
    """Start a private server's process now, without importing Prefect here, unless the shared
    server is up; pass the result to local_api(). The child reads Prefect's settings itself (the
    same environment and profile) and exits at once if an API URL is configured."""
    home = prefect_home()
    if find_shared(home) is not None:
        return None
    return LocalServer(home, dict(os.environ))


@contextmanager
def local_api(timeout: float = START_TIMEOUT_SECONDS, early: LocalServer | None = None,
              shared: bool = False) -> Iterator[str]:
    """Run the block against a local Prefect server; yields its API URL.

    `shared` (the scheduler's runs): the shared server, started and owned by this process if
    none is up. Otherwise the shared server if one is up, else a private one for the block
    (`early`, if the command started it already)."""
    from prefect.settings import PREFECT_API_URL, PREFECT_FLOWS_HEARTBEAT_FREQUENCY, get_current_settings, temporary_settings

    configured = get_current_settings().api.url
    if configured:
        if early is not None:
            early.stop()
        yield str(configured)
        return
    home, env = _settings_home_and_env()
    private = None
    url: str | None
    if shared:
        url = ensure_shared(home, env, timeout)
    else:
        url = find_shared(home, wait=timeout if _owner_alive(home) else 0.0)
        if url is None:
            private = early or LocalServer(home, env)
            early = None
    if early is not None:
        early.stop()
    try:
        if private is not None:
            private.wait_until_healthy(timeout)
            url = private.url
        assert url is not None  # a shared server's, or the private one's
        updates: dict = {PREFECT_API_URL: url}
        if not any(name in os.environ for name in HEARTBEAT_SETTINGS):
            updates[PREFECT_FLOWS_HEARTBEAT_FREQUENCY] = None
        with temporary_settings(updates=updates):
            try:
                yield url
            finally:
                _drain()
    finally:
        if private is not None:
            private.stop()


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


# ---- the server process ------------------------------------------------------------------------

def _serve(port: int, parent_pid: int, pdeathsig: bool) -> int:
    """The server's process: gone with its parent; exit 3 if Prefect has an API URL configured,
    else serve until SIGTERM."""
    from cobuild.platform.lifeline import die_with_parent, exit_at_end_of

    if pdeathsig:
        die_with_parent(parent_pid)
    exit_at_end_of(sys.stdin.fileno())
    from prefect.settings import get_current_settings

    if get_current_settings().api.url:
        return CONFIGURED
    import uvicorn

    uvicorn.run(APP, factory=True, host="127.0.0.1", port=port, log_level="error", lifespan="on")
    return 0


if __name__ == "__main__":
    sys.exit(_serve(int(sys.argv[1]), int(sys.argv[2]), "--pdeathsig" in sys.argv[3:]))
