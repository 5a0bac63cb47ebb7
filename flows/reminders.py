"""The reminder sweep and notification dispatch as Prefect flows.

One task per pass — never one per item or per message: the pass itself works in batches.
"""

from __future__ import annotations

from prefect import flow, task
from prefect.cache_policies import NO_CACHE

from cobuild.flows import runs
from cobuild.flows.runs import run_name
from cobuild.platform.db import session_for


@task(retries=3, retry_delay_seconds=[1, 5, 15], cache_policy=NO_CACHE, task_run_name="sweep {now}")
def sweep_pass(db_url: str | None, now: str) -> dict:
    from cobuild.sweep.run import sweep

    with session_for(runs.database(db_url)) as session:
        return sweep(session, runs.at(now))


@task(retries=3, retry_delay_seconds=[1, 5, 15], cache_policy=NO_CACHE, task_run_name="dispatch {now}")
def dispatch_pass(db_url: str | None, now: str) -> dict:
    from cobuild.notifications.dispatch import dispatch

    with session_for(runs.database(db_url)) as session:
        return dispatch(session, runs.at(now))


@flow(name="reminder-sweep", flow_run_name=run_name("reminder sweep"))
def reminder_sweep(db_url: str | None = None, now: str | None = None) -> dict:
    """Queue due reminders and escalations, council messages and digests."""
    return sweep_pass(db_url, now or runs.at(None).isoformat())


@flow(name="dispatch-notifications", flow_run_name=run_name("dispatch"))
def dispatch_notifications(db_url: str | None = None, now: str | None = None) -> dict:
    """Send what is due in the outbox through each person's channels, with retries."""
    return dispatch_pass(db_url, now or runs.at(None).isoformat())
