"""The local Prefect server (flows.local_api) as a user meets it, with a fresh PREFECT_HOME per
test: one-shot commands start a private server, keep its output out of the terminal and stop
it; `cobuild serve` owns one shared server that one-shot commands use meanwhile; whatever a
command starts is gone after the command is killed with SIGKILL or stopped with SIGTERM.

Each command runs in a session of its own (start_new_session), and "what it left" is the
processes of that session: never a count of processes the test did not start. Slow: real
servers, a fresh Prefect home each."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from cobuild.platform.db import session_for
from tests.integration.conftest import World

ROOT = Path(__file__).resolve().parents[2]
CLI = [sys.executable, "-m", "cobuild"]
pytestmark = pytest.mark.slow


def session_members(sid: int) -> list[int]:
    """The live processes of session `sid` (a session this test started)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if os.getsid(int(entry.name)) != sid or "State:\tZ" in (entry / "status").read_text():
                continue
        except (ProcessLookupError, PermissionError, FileNotFoundError):
            continue
        found.append(int(entry.name))
    return found


def wait_for(condition, seconds: float = 60.0):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.2)
    return condition()


def server_of(sid: int) -> list[int]:
    """The local Prefect server processes in session `sid`."""
    servers = []
    for pid in session_members(sid):
        try:
            if "cobuild.flows.local_api" in Path(f"/proc/{pid}/cmdline").read_text(errors="replace"):
                servers.append(pid)
        except FileNotFoundError:
            continue
    return servers


@pytest.fixture
def home(tmp_path):
    """A database with one overdue item, and the environment of a machine where Prefect has never
    run (no API URL, a fresh PREFECT_HOME)."""
    from cobuild.platform.db import upgrade

    url = f"sqlite:///{tmp_path}/c.db"
    upgrade(url)
    with session_for(url) as session:
        world = World(session)
        world.published_item(deadline="2026-03-13")
        world.drop_handoffs()  # the counts below are the sweep's reminders
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    env.update(PREFECT_HOME=str(tmp_path / "prefect-home"), COBUILD_DELIVERY="file",
               COBUILD_OUTBOX_DIR=str(tmp_path / "outbox"), COBUILD_SECRET_KEY="k" * 40)
    # serve and the scheduler get a database of their own: their start-up runs (at today's date)
    # must not take the test database's reminder before the test's own sweep
    scheduled = f"sqlite:///{tmp_path}/scheduled.db"
    upgrade(scheduled)
    return {"url": url, "scheduled_url": scheduled, "env": env, "folder": tmp_path}


def start(command: list[str], home: dict, db: str | None = None) -> subprocess.Popen:
    return subprocess.Popen([*CLI, *command, "--db", db or home["url"]], env=home["env"], cwd=home["folder"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)


def finish(process: subprocess.Popen, timeout: float = 300) -> tuple[str, str]:
    try:
        return process.communicate(timeout=timeout)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)


def nothing_left_of(process: subprocess.Popen) -> None:
    """Everything the command started is gone within 20 s (SIGKILL for what is left, then fail)."""
    process.wait(timeout=60)
    if wait_for(lambda: not session_members(process.pid), 20):
        return
    left = session_members(process.pid)
    if left:
        descriptions = [Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ")[:120] for pid in left
                        if Path(f"/proc/{pid}/cmdline").exists()]
        for pid in left:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        pytest.fail(f"left running after the command ended: {descriptions}")


def test_a_sweep_and_a_dispatch_on_a_fresh_prefect_home_run_quietly_and_leave_nothing(home):
    swept = start(["reminders", "sweep", "--now", "2026-03-16T08:45+08:00", "--json"], home)
    out, err = finish(swept)
    assert swept.returncode == 0, err
    assert json.loads(out)["queued"] == {"overdue": 1}
    nothing_left_of(swept)
    sent = start(["notifications", "dispatch", "--now", "2026-03-16T08:46+08:00", "--json"], home)
    out, err2 = finish(sent)
    assert sent.returncode == 0, err2
    assert json.loads(out)["sent"] == 1
    nothing_left_of(sent)
    for stderr in (err, err2):
        assert "Traceback" not in stderr and "Error" not in stderr, stderr
    assert (home["folder"] / "prefect-home" / "cobuild-server.log").exists()


@pytest.mark.parametrize("command", [["reminders", "sweep"], ["notifications", "dispatch"], ["cycle"]])
def test_a_one_shot_command_killed_with_sigkill_takes_its_prefect_server_with_it(home, command):
    process = start([*command, "--now", "2026-03-16T08:45+08:00"], home)
    try:
        assert wait_for(lambda: server_of(process.pid), 120), "no local Prefect server was started"
        os.kill(process.pid, signal.SIGKILL)
        nothing_left_of(process)
    finally:
        finish(process, 10)


def _serve(home: dict, command: tuple[str, ...] = ("serve", "--port", "0")) -> subprocess.Popen:
    return start(list(command), home, db=home["scheduled_url"])


def _shared_port(home: dict) -> int:
    state = home["folder"] / "prefect-home" / "cobuild-server.json"

    def answering():
        from cobuild.flows.local_api import _answers

        try:
            port = json.loads(state.read_text())["port"]
        except (OSError, ValueError, KeyError):
            return None
        return port if _answers(port) else None

    port = wait_for(answering, 120)
    assert port, "cobuild serve did not start its shared Prefect server"
    return port


def test_serve_runs_one_prefect_server_which_one_shot_commands_use_and_which_goes_with_sigkill(home):
    serving = _serve(home)
    try:
        port = _shared_port(home)
        assert len(server_of(serving.pid)) == 1

        swept = start(["reminders", "sweep", "--now", "2026-03-16T08:45+08:00", "--json"], home)
        out, err = finish(swept)
        assert swept.returncode == 0, err
        assert json.loads(out)["queued"] == {"overdue": 1}
        assert not server_of(swept.pid)  # it used the shared server rather than starting its own
        import httpx

        runs = httpx.post(f"http://127.0.0.1:{port}/api/flow_runs/filter", json={"limit": 200}, timeout=30).json()
        assert any(run["name"].startswith("reminder sweep 2026-03-16") for run in runs), [r["name"] for r in runs]
        assert len(server_of(serving.pid)) == 1  # and the scheduler's own runs went there too

        os.kill(serving.pid, signal.SIGKILL)
        nothing_left_of(serving)
    finally:
        finish(serving, 10)


@pytest.mark.parametrize("command", [("serve", "--port", "0"), ("scheduler",)])
@pytest.mark.parametrize("stop", [signal.SIGTERM, signal.SIGINT, signal.SIGKILL])
def test_serve_and_the_scheduler_stopped_in_any_way_stop_their_prefect_server(home, command, stop):
    serving = _serve(home, command)
    try:
        _shared_port(home)
        os.kill(serving.pid, stop)
        nothing_left_of(serving)
        if stop != signal.SIGKILL:  # stopped cleanly: the next owner finds no stale address
            assert not (home["folder"] / "prefect-home" / "cobuild-server.json").exists()
    finally:
        finish(serving, 10)


def test_the_early_server_leaves_at_once_where_an_api_url_is_configured(tmp_path):
    """`cobuild demo` starts the server before it imports Prefect; the child checks Prefect's
    settings itself and exits (code 3) when the command will use a configured server."""
    from cobuild.flows.local_api import CONFIGURED, start_early

    env_before = dict(os.environ)
    os.environ.update(PREFECT_HOME=str(tmp_path / "home"), PREFECT_API_URL="http://127.0.0.1:9/api")
    try:
        early = start_early()
        assert early.process.wait(timeout=120) == CONFIGURED
        early.stop()
    finally:
        os.environ.clear()
        os.environ.update(env_before)
