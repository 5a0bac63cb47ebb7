import json

from sqlmodel import select
from typer.testing import CliRunner

from cobuild.cli.main import app
from cobuild.flows.reminders import dispatch_notifications, reminder_sweep
from cobuild.models import Notification
from cobuild.platform.db import session_for
from tests.integration.conftest import World, at, db_url  # noqa: F401 — SQLite, or PostgreSQL in the second pass


def _world(url: str) -> str:
    with session_for(url) as session:
        world = World(session)
        world.published_item(deadline="2026-03-13")
        world.drop_handoffs()  # these count the sweep's reminders (hand-offs: tests/integration/test_handoffs.py)
    return url


def test_the_sweep_and_dispatch_flows_queue_and_send_each_reminder_once(db_url, tmp_path, monkeypatch):
    monkeypatch.setenv("COBUILD_DELIVERY", "file")
    monkeypatch.setenv("COBUILD_OUTBOX_DIR", str(tmp_path / "outbox"))
    url = _world(db_url)
    first = reminder_sweep(url, at("2026-03-18", 9).isoformat())
    again = reminder_sweep(url, at("2026-03-18", 9, 5).isoformat())
    assert first["queued"]["overdue"] >= 1 and first["escalations"] == 1 and again["queued"] == {}
    sent = dispatch_notifications(url, at("2026-03-18", 9, 6).isoformat())
    assert sent["sent"] == sum(first["queued"].values())
    lines = (tmp_path / "outbox" / "outbox.jsonl").read_text().splitlines()
    assert len(lines) == sent["sent"] and any("督办" in json.loads(line)["subject"] for line in lines)
    assert dispatch_notifications(url, at("2026-03-18", 9, 7).isoformat())["sent"] == 0


def test_the_cli_runs_one_sweep_and_one_dispatch_and_lists_what_happened(db_url, tmp_path, monkeypatch):
    monkeypatch.setenv("COBUILD_DELIVERY", "file")
    monkeypatch.setenv("COBUILD_OUTBOX_DIR", str(tmp_path / "outbox"))
    url = _world(db_url)
    runner = CliRunner()
    swept = runner.invoke(app, ["reminders", "sweep", "--db", url, "--now", "2026-03-16T08:45+08:00", "--json"])
    assert swept.exit_code == 0, swept.output
    assert json.loads(swept.stdout)["queued"] == {"overdue": 1}
    sent = runner.invoke(app, ["notifications", "dispatch", "--db", url, "--now", "2026-03-16T08:46+08:00", "--json"])
    assert json.loads(sent.stdout)["sent"] == 1
    listed = json.loads(runner.invoke(app, ["notifications", "list", "--db", url, "--json"]).stdout)
    assert listed[0]["kind"] == "overdue" and listed[0]["deliveries"][0]["status"] == "sent"
    with session_for(url) as session:
        assert session.exec(select(Notification)).one().status == "sent"


def _flow_run(state):
    """The flow run a state belongs to, as the Prefect server keeps it."""
    import asyncio

    from prefect import get_client
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId

    async def read():
        async with get_client() as client:
            (run,) = await client.read_flow_runs(flow_run_filter=FlowRunFilter(
                id=FlowRunFilterId(any_=[state.state_details.flow_run_id])))
            return run

    return asyncio.run(read())


def test_a_run_started_without_now_is_named_after_its_moment_not_none(db_url):
    """A deployment's schedule starts the flows without `now`: the run's name carries the time."""
    from cobuild.flows.cycles import advance

    state = advance(db_url, return_state=True)
    assert state.is_completed()
    name = _flow_run(state).name
    assert name.startswith("advance 20") and "None" not in name, name


def test_a_flow_run_records_the_database_without_its_password():
    """The Prefect server keeps a run's parameters (its UI and API show them)."""
    import pytest

    from cobuild.flows import runs
    from cobuild.platform.db import upgrade
    from tests.integration.conftest import postgres_databases, postgres_reachable

    if not postgres_reachable():
        pytest.skip("needs the local PostgreSQL")
    with postgres_databases("cobuild_pw") as (name,):
        url = f"postgresql+psycopg://postgres:TopSecret42@127.0.0.1:5432/{name}"  # trust auth: any password
        upgrade(url)
        state = reminder_sweep(runs.masked(url), at("2026-03-18", 9).isoformat(), return_state=True)
        assert state.is_completed()
        recorded = _flow_run(state).parameters
        assert "TopSecret42" not in json.dumps(recorded) and recorded["db_url"].endswith(name)
