"""The conference cycle and the chair cycle as Prefect flows.

Both are safe to re-run at any time: the passes they call act only on what is due at `now` in
its current state (see cobuild/actions/cycles.py).
"""

from __future__ import annotations

from prefect import flow, task
from prefect.cache_policies import NO_CACHE

from cobuild.actions import cycles
from cobuild.flows import runs
from cobuild.flows.runs import run_name
from cobuild.platform.db import session_for


# Retries cover the database being briefly unavailable; domain refusals are reported in the
# result, not raised, so they never trigger a retry.
@task(retries=3, retry_delay_seconds=[1, 5, 15], cache_policy=NO_CACHE, task_run_name="chair pass {now}")
def chair_pass(db_url: str | None, now: str) -> dict:
    with session_for(runs.database(db_url)) as session:
        return cycles.chair_cycle(session, runs.at(now))


@task(retries=3, retry_delay_seconds=[1, 5, 15], cache_policy=NO_CACHE, task_run_name="conference pass {now}")
def conference_pass(db_url: str | None, now: str) -> dict:
    with session_for(runs.database(db_url)) as session:
        return cycles.conference_cycle(session, runs.at(now))


@flow(name="chair-cycle", flow_run_name=run_name("chair cycle"))
def chair_cycle(db_url: str | None = None, now: str | None = None) -> dict:
    """Open evaluations, publish term reports, open/close elections, start terms."""
    return chair_pass(db_url, now or runs.at(None).isoformat())


@flow(name="conference-cycle", flow_run_name=run_name("conference cycle"))
def conference_cycle(db_url: str | None = None, now: str | None = None) -> dict:
    """Open submission windows, lock agendas with carry-over."""
    return conference_pass(db_url, now or runs.at(None).isoformat())


@task(retries=3, retry_delay_seconds=[1, 5, 15], cache_policy=NO_CACHE, task_run_name="advance {now}")
def advance_pass(db_url: str | None, now: str) -> dict:
    """Both passes in one task: chair first, so that a term starts before its conferences move."""
    with session_for(runs.database(db_url)) as session:
        return cycles.advance(session, runs.at(now))


@task(retries=3, retry_delay_seconds=[1, 5, 15], cache_policy=NO_CACHE, task_run_name="report cards {now}")
def cards_pass(db_url: str | None, now: str) -> int:
    """The kept report cards of units whose items changed since the last tick (cobuild.tracking)."""
    from cobuild.reports.tracking import refresh_kept_cards

    with session_for(runs.database(db_url)) as session:
        return refresh_kept_cards(session)


@flow(name="advance", flow_run_name=run_name("advance"))
def advance(db_url: str | None = None, now: str | None = None) -> dict:
    """The chair cycle and the conference cycle in one run, then the kept report cards, so that
    a report finds only the last few minutes' changes to count."""
    now = now or runs.at(None).isoformat()
    result = advance_pass(db_url, now)
    return {**result, "cards_refreshed": cards_pass(db_url, now)}


@task(retries=3, retry_delay_seconds=[1, 5, 15], cache_policy=NO_CACHE, task_run_name="prune uploads {now}")
def prune_pass(db_url: str | None, now: str) -> int:
    from cobuild.platform.uploads import prune_unused

    with session_for(runs.database(db_url)) as session:
        return prune_unused(session, runs.at(now))


@flow(name="prune-uploads", flow_run_name=run_name("prune uploads"))
def prune_uploads(db_url: str | None = None, now: str | None = None) -> dict:
    """Remove evidence files no report names, a week after they were uploaded."""
    return {"removed": prune_pass(db_url, now or runs.at(None).isoformat())}
