"""The embedded scheduler: APScheduler 3.x in this process, calling the Prefect flows.

A local Prefect server records the runs but does not run schedules, so on one machine
APScheduler does the timing; the runs go to the shared local server of this Prefect home, which
the process running the scheduler starts and owns (flows.local_api). When a Prefect API URL is configured (distributed mode)
Prefect server runs the same schedules from deployment.yaml and this scheduler refuses to
start, so that no schedule ever runs twice. Each process has its own in-memory job store —
a job store is never shared by two schedulers.
"""

from __future__ import annotations

import importlib
import logging
import os
from datetime import UTC, datetime
from pathlib import Path

from cobuild.flows.schedules import SCHEDULES, Schedule

log = logging.getLogger("cobuild.scheduler")

MISFIRE_GRACE_SECONDS = 120


class SchedulerRefused(RuntimeError):
    pass


def prefect_api_url() -> str | None:
    """The configured Prefect API URL (environment or Prefect profile), if any."""
    if os.environ.get("PREFECT_API_URL"):
        return os.environ["PREFECT_API_URL"]
    from prefect.settings import get_current_settings

    url = get_current_settings().api.url
    return str(url) if url else None


def load_flow(schedule: Schedule):
    path, function = schedule.entrypoint.split(":")
    module = importlib.import_module(Path(path).with_suffix("").as_posix().replace("/", "."))
    return getattr(module, function)


def run_job(schedule_id: str, db_url: str) -> None:
    """One scheduled run, against the shared local Prefect server (flows.local_api): it waits
    while the server starts, and starts it again if it has gone."""
    from cobuild.flows.local_api import local_api
    from cobuild.flows.runs import masked

    schedule = next(s for s in SCHEDULES if s.id == schedule_id)
    try:
        with local_api(shared=True):
            result = load_flow(schedule)(masked(db_url), datetime.now(UTC).isoformat())
        log.info("%s: %s", schedule.id, result)
    except Exception:  # noqa: BLE001 — a failed run is logged; the next tick tries again
        log.exception("%s failed", schedule.id)


def build_scheduler(db_url: str, *, background: bool = True, catch_up: bool = True):
    """Every job of SCHEDULES, in UTC, with stable ids, coalesced, never two at once."""
    url = prefect_api_url()
    if url:
        raise SchedulerRefused(
            f"PREFECT_API_URL is set ({url}): schedules run on Prefect server from deployment.yaml; "
            "run `cobuild serve --no-scheduler` here")
    from apscheduler.schedulers.background import BackgroundScheduler
    from apscheduler.schedulers.blocking import BlockingScheduler
    from apscheduler.triggers.interval import IntervalTrigger

    scheduler_class = BackgroundScheduler if background else BlockingScheduler
    scheduler = scheduler_class(timezone=UTC)
    options = {
        "coalesce": True,  # after a pause, one catch-up run, not one per missed tick
        "max_instances": 1,  # a slow sweep is never overlapped by the next
        "misfire_grace_time": MISFIRE_GRACE_SECONDS,
        "replace_existing": True,
    }
    # the catch-up at start-up: one run of each job right away covers what fell due while we
    # were down (every pass is idempotent and works from the database, not from memory)
    start = {"next_run_time": datetime.now(UTC)} if catch_up else {}
    for schedule in SCHEDULES:
        scheduler.add_job(run_job, IntervalTrigger(seconds=schedule.every_seconds, timezone=UTC),
                          id=schedule.id, name=schedule.description, args=[schedule.id, db_url],
                          **options, **start)
    return scheduler
