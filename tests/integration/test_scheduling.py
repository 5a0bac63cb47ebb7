"""One list of schedules drives both modes; the embedded scheduler refuses distributed mode."""

from pathlib import Path

import pytest
import yaml

from cobuild.flows.schedules import SCHEDULES, deployment_document, render_deployment_yaml
from cobuild.scheduler import MISFIRE_GRACE_SECONDS, SchedulerRefused, build_scheduler, load_flow

ROOT = Path(__file__).resolve().parents[2]


def test_deployment_yaml_matches_the_schedules_in_code():
    on_disk = yaml.safe_load((ROOT / "deployment.yaml").read_text(encoding="utf-8"))
    assert on_disk == deployment_document()
    assert (ROOT / "deployment.yaml").read_text(encoding="utf-8") == render_deployment_yaml()
    names = [d["name"] for d in on_disk["deployments"]]
    assert names == [s.id for s in SCHEDULES]
    assert {d["schedules"][0]["interval"] for d in on_disk["deployments"]} == {s.every_seconds for s in SCHEDULES}


def test_every_entrypoint_is_a_real_flow():
    for schedule in SCHEDULES:
        flow = load_flow(schedule)
        assert hasattr(flow, "fn") and flow.name, schedule.entrypoint


@pytest.fixture
def no_prefect_server(monkeypatch):
    """Embedded mode: no Prefect API URL (the flows folder's harness may have set one)."""
    monkeypatch.delenv("PREFECT_API_URL", raising=False)
    monkeypatch.setattr("cobuild.scheduler.prefect_api_url", lambda: None)


def test_the_embedded_scheduler_has_one_stable_job_per_schedule(no_prefect_server, tmp_path):
    scheduler = build_scheduler(f"sqlite:///{tmp_path}/s.db")
    jobs = {job.id: job for job in scheduler.get_jobs()}
    assert list(jobs) == [s.id for s in SCHEDULES]
    for schedule in SCHEDULES:
        job = jobs[schedule.id]
        assert job.coalesce is True and job.max_instances == 1 and job.misfire_grace_time == MISFIRE_GRACE_SECONDS
        assert job.trigger.interval.total_seconds() == schedule.every_seconds
        assert str(job.trigger.timezone) == "UTC"
        assert job.next_run_time is not None  # the catch-up run at start-up
    assert str(scheduler.timezone) == "UTC"


def test_with_a_prefect_api_url_the_embedded_scheduler_refuses(monkeypatch, tmp_path):
    monkeypatch.setenv("PREFECT_API_URL", "http://127.0.0.1:4200/api")
    with pytest.raises(SchedulerRefused) as caught:
        build_scheduler(f"sqlite:///{tmp_path}/s.db")
    assert "deployment.yaml" in str(caught.value)


def test_the_serve_health_endpoint_reports_jobs_and_outbox(no_prefect_server, tmp_path):
    from fastapi.testclient import TestClient

    from cobuild.platform.db import upgrade
    from cobuild.web.app import make_app

    url = f"sqlite:///{tmp_path}/h.db"
    upgrade(url)
    scheduler = build_scheduler(url, catch_up=False)
    with TestClient(make_app(url, secret_key="k" * 40, scheduler=scheduler)) as client:
        response = client.get("/healthz")
    health = response.json()
    assert response.status_code == 200
    assert health["status"] == "ok" and [j["id"] for j in health["jobs"]] == [s.id for s in SCHEDULES]
