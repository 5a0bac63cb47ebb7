"""One simulated year as one Prefect flow.

Each simulated day runs one scheduler tick — the same three passes the scheduled flows run
(chair and conference cycles, the reminder sweep, dispatch) — then the simulated people's
actions for that day. One task run a week: each task run costs milliseconds of Prefect's
own work with its server, a sub-flow about a second (bench/limits.md), so the year is never a sub-flow per day and never a task per item. A retry of
a week resumes at the day that failed: the days already done are not simulated twice.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from prefect import flow, task
from prefect.cache_policies import NO_CACHE

from cobuild.flows import runs
from cobuild.platform.db import session_for


def scheduler_tick(db_url: str, now: str) -> dict:
    """What the embedded scheduler does at `now`: advance, sweep, dispatch."""
    from cobuild.actions.cycles import advance
    from cobuild.notifications.dispatch import dispatch
    from cobuild.sweep.run import sweep

    at = runs.at(now)
    with session_for(runs.database(db_url)) as session:
        result = advance(session, at)
        swept = sweep(session, at)
        sent = dispatch(session, at)
    return {**{k: v for k, v in result.items() if isinstance(v, int)}, "queued": swept["queued"],
            "escalations": swept["escalations"], **{f"delivery_{k}": v for k, v in sent.items()}}


# days simulated in this process, per database, with what each did: a retried week skips them
# and still counts them
_DONE: dict[tuple[str, str], dict] = {}


@task(retries=1, cache_policy=NO_CACHE, task_run_name="week of {days[0]}")
def simulated_week(db_url: str, days: list[str], mornings: list[str], seed: int) -> dict:
    """Up to seven simulated days: each the scheduler's morning tick, then the people's actions.
    A retry runs the failed day again from its tick (every pass is idempotent) and goes on."""
    from cobuild.demo import simulate_day

    totals: dict = {}
    for day, morning in zip(days, mornings):
        if (db_url, day) not in _DONE:
            day_totals = scheduler_tick(db_url, morning)
            _add(day_totals, simulate_day(db_url, date.fromisoformat(day), seed))
            _DONE[(db_url, day)] = day_totals
        _add(totals, _DONE[(db_url, day)])
    return totals


@task(retries=1, cache_policy=NO_CACHE, task_run_name="tick {now}")
def closing_tick(db_url: str, now: str) -> dict:
    return scheduler_tick(db_url, now)


def _add(totals: dict, more: dict) -> None:
    for key, value in more.items():
        if isinstance(value, dict):
            _add(totals.setdefault(key, {}), value)
        else:
            totals[key] = totals.get(key, 0) + value


@flow(name="demo-year", flow_run_name="demo year {first}..{last}")
def demo_year(db_url: str, first: str, last: str, seed: int, timezone: str = "Asia/Shanghai",
              progress: bool = True) -> dict:
    from rich.progress import Progress

    tz = ZoneInfo(timezone)
    start, end = date.fromisoformat(first), date.fromisoformat(last)
    days = [start + timedelta(days=n) for n in range((end - start).days + 1)]
    totals: dict = {}
    for key in [key for key in _DONE if key[0] == db_url]:  # a new year on this database
        del _DONE[key]
    with Progress(disable=not progress, transient=True) as bar:
        job = bar.add_task("模拟一年 simulating 2026", total=len(days))
        for start_of_week in range(0, len(days), 7):
            week = days[start_of_week:start_of_week + 7]
            # the scheduler's morning run (reminders at 08:30, the weekly digest at 09:00), then the working day
            _add(totals, simulated_week(db_url, [d.isoformat() for d in week],
                                        [datetime.combine(d, time(9, 5), tzinfo=tz).isoformat() for d in week], seed))
            bar.advance(job, len(week))
        # the first minute of the next year: the second term ends and its report goes out
        _add(totals, closing_tick(db_url, datetime.combine(end + timedelta(days=1), time(0, 0), tzinfo=tz).isoformat()))
    return totals
