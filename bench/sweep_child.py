"""Timed sweeps in a process of their own, so that the peak RSS is the sweep's and not the
data set-up's:

    python -m bench.sweep_child URL REPEATS [MODES]

MODES is a comma-separated list of `auto` (the sweep as it runs in production: big ticks
render in a second process) and `serial` (everything in this process); each mode runs
REPEATS times, each mode on its own copy of the database (made before any sweep, with
SQLite's backup API), and within a mode the due set is put back before every run after the
first (its messages deleted, its next_reminder_at restored). Prints one JSON line: the runs of each mode
(seconds, messages), the CPU time each run took in this process and in the sweep's worker, and
peak RSS (the sweeper's plus its worker's)."""

from __future__ import annotations

import json
import resource
import sys
import time


def main() -> None:
    url, repeats = sys.argv[1], int(sys.argv[2])
    modes = (sys.argv[3] if len(sys.argv) > 3 else "auto").split(",")
    from sqlalchemy import bindparam, delete, update
    from sqlmodel import select

    from bench.data import TICK
    from cobuild.actions.reminders import sweep
    from cobuild.db import session_for
    from models import Delivery, Item, Notification

    runs: dict[str, list] = {mode: [] for mode in modes}
    cpu: dict[str, list] = {mode: [] for mode in modes}  # [the sweeper's, its worker's] CPU seconds, per run
    # deleting 100,000 messages to put the due set back is quadratic in SQLite (the unindexed
    # self-reference notification.digest_id is checked for every deleted row): each mode gets a
    # copy instead (the repeats of the growth figure, at 10,000 due, still delete)
    urls = {mode: url if n == 0 else copy_of(url, mode) for n, mode in enumerate(modes)}
    for mode in modes:
        with session_for(urls[mode]) as session:
            original = [{"item_id": i, "next": at} for i, at in session.exec(
                select(Item.id, Item.next_reminder_at).where(Item.next_reminder_at <= TICK)).all()]
            for n in range(repeats):
                if n:
                    if not original:
                        raise SystemExit("no due set to restore")
                    session.execute(delete(Delivery))
                    session.execute(delete(Notification))
                    table = Item.__table__
                    session.execute(update(table).where(table.c.id == bindparam("item_id"))
                                    .values(next_reminder_at=bindparam("next")), original)
                    session.commit()
                cpu_before = cpu_seconds()
                start = time.perf_counter()
                result = sweep(session, TICK, render_worker=None if mode == "auto" else False)
                runs[mode].append((time.perf_counter() - start, sum(result["queued"].values())))
                cpu[mode].append([round(after - before, 3) for before, after in zip(cpu_before, cpu_seconds())])
                session.expunge_all()
    # the sweep's render worker (a child process, waited for at the end of each sweep) counts too:
    # both peaks added, as if they had come at the same moment
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    worker = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(json.dumps({"runs": runs[modes[0]], "modes": runs, "cpu": cpu, "peak_mb": own + worker, "sweeper_mb": own,
                      "worker_mb": worker}))


def cpu_seconds() -> tuple[float, float]:
    """CPU time (user + system) of this process and of its children waited for (the sweep's
    worker is waited for before the sweep returns)."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime, children.ru_utime + children.ru_stime


def copy_of(url: str, mode: str) -> str:
    import sqlite3

    path = url.removeprefix("sqlite:///")
    copy = path.removesuffix(".db") + f"-{mode}.db"
    source, target = sqlite3.connect(path), sqlite3.connect(copy)
    with target:
        source.backup(target)
    source.close()
    target.close()
    return "sqlite:///" + copy


if __name__ == "__main__":
    main()
