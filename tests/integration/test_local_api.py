"""One-shot flow commands on a machine where Prefect has never run: the CLI starts its own
temporary Prefect server (flows.local_api), waits for its first start (24 s on a fresh
PREFECT_HOME here, past Prefect's 20 s default), keeps the server's output out of the
terminal, and stops it. Slow: a fresh Prefect home per test."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from cobuild.db import session_for
from tests.integration.conftest import World

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.slow


def test_a_sweep_and_a_dispatch_on_a_fresh_prefect_home_run_quietly(tmp_path):
    url = f"sqlite:///{tmp_path}/c.db"
    from cobuild.db import upgrade

    upgrade(url)
    with session_for(url) as session:
        World(session).published_item(deadline="2026-03-13")
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    env.update(PREFECT_HOME=str(tmp_path / "prefect-home"), COBUILD_DELIVERY="file",
               COBUILD_OUTBOX_DIR=str(tmp_path / "outbox"))
    cli = [sys.executable, "-m", "cobuild"]
    servers_before = _prefect_servers()

    swept = subprocess.run([*cli, "reminders", "sweep", "--db", url, "--now", "2026-03-16T08:45+08:00", "--json"],
                           env=env, cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert swept.returncode == 0, swept.stderr
    assert json.loads(swept.stdout)["queued"] == {"overdue": 1}
    sent = subprocess.run([*cli, "notifications", "dispatch", "--db", url, "--now", "2026-03-16T08:46+08:00", "--json"],
                          env=env, cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert sent.returncode == 0, sent.stderr
    assert json.loads(sent.stdout)["sent"] == 1
    for run in (swept, sent):
        assert "Traceback" not in run.stderr and "Error" not in run.stderr, run.stderr
    assert (tmp_path / "prefect-home" / "cobuild-server.log").exists()
    assert _prefect_servers() == servers_before  # each command stopped the server it started


def _prefect_servers() -> set[str]:
    found = subprocess.run(["pgrep", "-f", "prefect.server.api.server:create_app"], capture_output=True, text=True)
    return set(found.stdout.split())


def test_the_early_server_leaves_at_once_where_an_api_url_is_configured(tmp_path):
    """`cobuild demo` starts the server before it imports Prefect; the child checks Prefect's
    settings itself and exits (code 3) when the command will use a configured server."""
    from flows.local_api import start_early

    env_before = dict(os.environ)
    os.environ.update(PREFECT_HOME=str(tmp_path / "home"), PREFECT_API_URL="http://127.0.0.1:9/api")
    try:
        early = start_early()
        assert early.process.wait(timeout=120) == 3
    finally:
        os.environ.clear()
        os.environ.update(env_before)
