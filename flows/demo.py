"""One simulated year as one Prefect flow.

Each simulated day runs the same chair and conference passes the scheduler runs, then the
simulated people's actions for that day. One flow run, two task runs a day: a sub-flow
costs about a second here, a task a few milliseconds.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from prefect import flow, task
from prefect.cache_policies import NO_CACHE

from flows.cycles import advance_pass, chair_pass


@task(retries=1, cache_policy=NO_CACHE, task_run_name="people {day}")
def people_act(db_url: str, day: str, seed: int) -> dict:
    from cobuild.demo import simulate_day

    return simulate_day(db_url, date.fromisoformat(day), seed)


@flow(name="demo-year", flow_run_name="demo year {first}..{last}")
def demo_year(db_url: str, first: str, last: str, seed: int, timezone: str = "Asia/Shanghai",
              progress: bool = True) -> dict:
    from rich.progress import Progress

    tz = ZoneInfo(timezone)
    start, end = date.fromisoformat(first), date.fromisoformat(last)
    days = [start + timedelta(days=n) for n in range((end - start).days + 1)]
    totals: dict = {}
    with Progress(disable=not progress, transient=True) as bar:
        job = bar.add_task("模拟一年 simulating 2026", total=len(days))
        for day in days:
            # the scheduler's pass just after local midnight, then the people's working day
            tick = datetime.combine(day, time(0, 5), tzinfo=tz).isoformat()
            for key, value in advance_pass(db_url, tick).items():
                if isinstance(value, int):
                    totals[key] = totals.get(key, 0) + value
            for key, value in people_act(db_url, day.isoformat(), seed).items():
                totals[key] = totals.get(key, 0) + value
            bar.advance(job)
        # the last tick: the first minute of the next year closes the second term
        tick = datetime.combine(end + timedelta(days=1), time(0, 0), tzinfo=tz).isoformat()
        for key, value in chair_pass(db_url, tick).items():
            if isinstance(value, int):
                totals[key] = totals.get(key, 0) + value
    return totals
