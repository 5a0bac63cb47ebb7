"""The distributed mode for real: a `prefect server`, a process work pool, `prefect deploy`
from deployment.yaml, a worker, and a scheduled reminder sweep that queues reminders which the
scheduled dispatch then delivers. Slow (about a minute): it waits for the server's scheduler.

Where the machine's PostgreSQL runs, both the Prefect server and cobuild keep their data in it
(two throw-away databases), as a city would run them; otherwise both use SQLite files."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml
from sqlalchemy import create_engine, text

from tests.web.browser import free_port

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.slow
PG = "postgresql+psycopg://postgres@127.0.0.1:5432"


@pytest.fixture
def databases(tmp_path):
    """(cobuild's URL, the Prefect server's URL or None for its default SQLite)."""
    from tests.integration.conftest import postgres_databases, postgres_reachable

    if not postgres_reachable():  # no PostgreSQL here: SQLite for both
        yield f"sqlite:///{tmp_path}/cobuild.db", None
        return
    with postgres_databases("cobuild_prefect", "cobuild_data") as (prefect_db, data_db):
        yield f"{PG}/{data_db}", f"postgresql+asyncpg://postgres@127.0.0.1:5432/{prefect_db}"



def _wait(predicate, seconds: float, what: str, logs: list[Path]) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(1)
    tails = "\n".join(f"--- {p.name}\n{p.read_text(errors='replace')[-3000:]}" for p in logs if p.exists())
    raise AssertionError(f"timed out waiting for {what}\n{tails}")


def test_a_scheduled_sweep_runs_on_a_prefect_server_worker_from_deployment_yaml(tmp_path, databases):
    if shutil.which("prefect") is None:
        pytest.skip("the prefect command is not installed")
    sys.path.insert(0, str(ROOT))
    from tests.support.worlds import build

    db_url, prefect_db = databases
    build(db_url, councils=1, open_items=60, due=30)
    # no quiet hours: the test runs on the real clock, and inside the council's quiet hours (21:00-08:00
    # in Beijing, so 13:00-24:00 UTC) the sweep's messages would rightly wait for the morning
    with create_engine(db_url).begin() as connection:
        connection.execute(text("UPDATE council SET quiet_start = '00:00', quiet_end = '00:00'"))
    port = free_port()
    env = {**os.environ, "PREFECT_HOME": str(tmp_path / "prefect-home"), "PREFECT_API_URL": f"http://127.0.0.1:{port}/api",
           "PREFECT_SERVER_ANALYTICS_ENABLED": "false", "PREFECT_SERVER_SERVICES_SCHEDULER_LOOP_SECONDS": "5",
           "PREFECT_SERVER_LOGGING_LEVEL": "WARNING", "COBUILD_DB_URL": db_url, "COBUILD_HOME": str(ROOT),
           "COBUILD_DELIVERY": "file", "COBUILD_OUTBOX_DIR": str(tmp_path / "outbox")}
    if prefect_db:
        env["PREFECT_API_DATABASE_CONNECTION_URL"] = prefect_db
    # deployment.yaml as it is, but the sweep every 15 s instead of 5 min so the test need not wait
    spec = yaml.safe_load((ROOT / "deployment.yaml").read_text(encoding="utf-8"))
    for deployment in spec["deployments"]:
        if deployment["name"] == "reminder-sweep":
            deployment["schedules"] = [{"interval": 15, "timezone": "UTC"}]
    prefect_file = tmp_path / "deployment.yaml"
    prefect_file.write_text(yaml.safe_dump(spec, allow_unicode=True), encoding="utf-8")

    logs = [tmp_path / "server.log", tmp_path / "worker.log"]
    processes = []
    try:
        server = subprocess.Popen(["prefect", "server", "start", "--host", "127.0.0.1", "--port", str(port)], env=env,
                                  stdout=open(logs[0], "w"), stderr=subprocess.STDOUT, start_new_session=True)
        processes.append(server)

        def healthy() -> bool:
            import httpx

            try:
                return httpx.get(f"http://127.0.0.1:{port}/api/health", timeout=1).status_code == 200
            except httpx.HTTPError:
                return False

        _wait(healthy, 90, "the Prefect server", logs)
        for command in (["prefect", "work-pool", "create", "cobuild", "--type", "process"],
                        ["prefect", "--no-prompt", "deploy", "--all", "--prefect-file", str(prefect_file)]):
            done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
            assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
        worker = subprocess.Popen(["prefect", "worker", "start", "--pool", "cobuild"], cwd=ROOT, env=env,
                                  stdout=open(logs[1], "w"), stderr=subprocess.STDOUT, start_new_session=True)
        processes.append(worker)

        data = create_engine(db_url)

        def count(sql: str) -> int:
            with data.connect() as connection:
                return connection.execute(text(sql)).scalar_one()

        _wait(lambda: count("SELECT count(*) FROM notification WHERE subject_type = 'item'") > 0, 150,
              "reminders from a scheduled sweep", logs)
        _wait(lambda: count("SELECT count(*) FROM delivery WHERE status = 'sent'") > 0, 120,
              "a scheduled dispatch to deliver them", logs)
        # and the server's own record says a scheduled reminder-sweep run completed on the worker
        import httpx

        api = f"http://127.0.0.1:{port}/api"
        names = {d["id"]: d["name"] for d in httpx.post(f"{api}/deployments/filter", json={
            "limit": 50, "offset": 0, "sort": "NAME_ASC"}, timeout=10).json()}
        runs = httpx.post(f"{api}/flow_runs/filter", json={
            "limit": 200, "offset": 0, "sort": "EXPECTED_START_TIME_DESC",
            "flow_runs": {"state": {"type": {"any_": ["COMPLETED"]}}}}, timeout=10).json()
        swept = [r for r in runs if names.get(r["deployment_id"]) == "reminder-sweep"]
        assert swept and all(r["auto_scheduled"] for r in swept), runs[:3]
        # every item whose reminder is due by now (the 30 due at the bench tick, and the later ones that
        # the real clock has overtaken) was reminded, and none twice however often the sweep ran
        assert count("SELECT count(DISTINCT subject_id) FROM notification WHERE subject_type = 'item'") >= 30
        assert count("SELECT count(*) FROM (SELECT 1 FROM notification WHERE subject_type = 'item' "
                     "GROUP BY subject_id, member_id, kind, step HAVING count(*) > 1) AS twice") == 0
        if prefect_db:  # the server really kept its state in PostgreSQL
            server_data = create_engine(prefect_db.replace("+asyncpg", "+psycopg"))
            with server_data.connect() as connection:
                assert connection.execute(text("SELECT count(*) FROM flow_run")).scalar_one() >= len(swept)
            server_data.dispose()
        data.dispose()
    finally:
        for process in reversed(processes):
            try:
                os.killpg(process.pid, signal.SIGTERM)
                process.wait(timeout=20)
            except (ProcessLookupError, subprocess.TimeoutExpired):
                os.killpg(process.pid, signal.SIGKILL)
