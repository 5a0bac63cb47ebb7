"""Rules take `now` as an argument: the real clock has no say in any outcome."""

from datetime import date

import time_machine

from cobuild.reports.tracking import item_stats

from .conftest import World


def _run(session) -> tuple:
    world = World(session)
    item = world.published_item(deadline="2026-03-01")
    row = item_stats(session, world.council, date(2026, 3, 11))[0]
    return item.number, item.published_at, row["overdue"], row["days_overdue"]


def test_outcomes_are_the_same_whatever_the_real_clock_says(tmp_path):
    from cobuild.platform.db import session_for, upgrade

    results = []
    for n, real_now in enumerate(("1999-12-31T23:59:00+00:00", "2031-07-01T12:00:00+00:00")):
        url = f"sqlite:///{tmp_path}/clock{n}.db"
        with time_machine.travel(real_now, tick=False):
            upgrade(url)
            with session_for(url) as session:
                results.append(_run(session))
    assert results[0] == results[1]
    assert results[0][0] == "2026-Q1-01" and results[0][2:] == (1, 10)
