"""Timed sweeps in a process of their own, so that the peak RSS is the sweep's and not the
data set-up's:

    python -m bench.sweep_child URL REPEATS [MODES] [--fresh] [--floor]

MODES is a comma-separated list of `auto` (the sweep as it runs in production: big ticks are
shared with a second process, kept from an earlier big tick, as every big tick of a scheduler
after its first finds it: the one the run before used, or one started and up before the clock),
`cold` (the same, the first big tick of a process: the worker is started within the tick, which
works alone until it is up; give it first, so that this process has swept nothing before),
`serial` (everything in this process) and `plain` (serial, and the collector left at Python's
own thresholds: no speed path at all, as inside `cobuild serve`); each mode runs
REPEATS times, each mode on its own copy of the database (made before any sweep, with
SQLite's backup API), and within a mode the due set is put back before every run after the
first and after the last (its messages deleted, its next_reminder_at restored: `put_back`, so
that the next child finds it due again) — or, with `--fresh`, every run has a copy of its own.
`--floor`: right after each `auto` run, its floor (bench/__main__.py,
`measure_floor`: the same number of messages rendered alone and inserted alone, in a process of
its own) on that run's database, so that each run and its floor are seconds apart on this noisy machine. Prints one
JSON line: the runs of each mode (seconds, messages), the CPU time each run took in this process
and in the sweep's worker (from the worker's start for `cold`, over the tick alone for `auto`),
the floors, and peak RSS (the sweeper's plus its worker's, of the first sweep)."""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import time


def main() -> None:
    if sys.argv[1] == "floor":  # python -m bench.sweep_child floor URL MESSAGES
        from bench.__main__ import measure_floor

        print(json.dumps(measure_floor(sys.argv[2], int(sys.argv[3]))))
        return
    flags = {a for a in sys.argv[1:] if a.startswith("--")}
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    url, repeats = args[0], int(args[1])
    modes = (args[2] if len(args) > 2 else "auto").split(",")
    fresh = "--fresh" in flags
    from sqlmodel import select

    from cobuild.models import Item
    from cobuild.platform.db import session_for
    from cobuild.sweep import executor as render_worker
    from cobuild.sweep.run import sweep
    from tests.support.worlds import TICK

    runs: dict[str, list] = {mode: [] for mode in modes}
    cpu: dict[str, list] = {mode: [] for mode in modes}  # [the sweeper's, its worker's] CPU seconds, per run
    # with --fresh each run gets a copy of its own (the sweep figure's 100,000 messages); the
    # repeats of the growth figure, at 10,000 due, delete theirs (`put_back`)
    runs_of = [(mode, n) for mode in modes for n in range(repeats if fresh else 1)]
    urls = {run: url if k == 0 else copy_of(url, f"{run[0]}{run[1]}") for k, run in enumerate(runs_of)}
    floors: list[dict] = []
    log_back: list[float] = []  # seconds to copy each `auto` run's log back once it had returned
    peaks: tuple[float, float] | None = None
    for mode, first in runs_of:
        with session_for(urls[(mode, first)]) as session:
            original = [{"item_id": i, "next": at} for i, at in session.exec(
                select(Item.id, Item.next_reminder_at).where(Item.next_reminder_at <= TICK)).all()]
            for n in [first] if fresh else range(repeats):
                if n and not fresh:  # the same copy again: the due set put back
                    put_back(session, original)
                if mode == "cold":  # this process's first big tick, as far as the worker goes
                    render_worker.close_kept()
                kept = render_worker._kept
                if mode == "auto" and kept is None:  # as if kept from an earlier big tick: up before the clock
                    kept = render_worker.RenderWorker(planner=True)
                    if not kept.wait_ready(120):
                        raise SystemExit("the sweep's worker did not start")
                    render_worker.keep(kept)
                worker_before = worker_usage(kept)[0] if kept is not None and mode != "cold" else 0.0
                cpu_before = own_cpu()
                start = time.perf_counter()
                if mode == "plain":  # no speed path at all: what `cobuild serve` runs (COBUILD_SWEEP_TUNING=serial)
                    os.environ["COBUILD_SWEEP_TUNING"] = "serial"
                result = sweep(session, TICK, render_worker=None if mode == "plain" else mode != "serial")
                os.environ.pop("COBUILD_SWEEP_TUNING", None)
                runs[mode].append((time.perf_counter() - start, sum(result["queued"].values())))
                own = own_cpu() - cpu_before
                used = render_worker._kept  # the worker the tick used, given back to be kept for the next
                worker_cpu, worker_peak = worker_usage(used) if used and mode not in ("serial", "plain") \
                    else (worker_before, 0.0)
                cpu[mode].append([round(own, 3), round(worker_cpu - worker_before, 3)])
                session.expunge_all()
                if peaks is None:  # the first sweep's
                    peaks = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, worker_peak)
                if mode == "auto" and "--floor" in flags:
                    # the sweep's write-ahead log copied back first (not timed), so that the floor's
                    # insert starts from an empty log, as after the sweep's process has gone; the
                    # floor in a fresh process, as it was measured before (not in the sweep's heap)
                    # (the sweep left that copying to a thread, after the tick: how long it still took)
                    # (a checkpoint running elsewhere makes this one answer "busy" at once: asked again)
                    start = time.perf_counter()
                    while session.connection().exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)").one()[0]:
                        session.commit()
                        time.sleep(0.01)
                    session.commit()
                    log_back.append(time.perf_counter() - start)
                    done = subprocess.run([sys.executable, "-m", "bench.sweep_child", "floor", urls[(mode, first)],
                                           str(runs[mode][-1][1])], capture_output=True, text=True, check=True)
                    floors.append(json.loads(done.stdout.strip().splitlines()[-1]))
            if not fresh:  # as it was, for the next child (bench/__main__.py, measure_growth)
                put_back(session, original)
        if fresh and urls[(mode, first)] != url:
            remove(urls[(mode, first)])
    render_worker.close_kept()
    own, worker = peaks or (0.0, 0.0)
    print(json.dumps({"runs": runs[modes[0]], "modes": runs, "cpu": cpu, "floors": floors, "log_back": log_back, "peak_mb": own + worker,
                      "sweeper_mb": own, "worker_mb": worker}))


def put_back(session, original: list[dict]) -> None:
    """The due set as it was before the sweep: its messages deleted, its next times restored.
    The messages are deleted on a connection of its own without foreign-key checks: with them,
    SQLite looks for rows pointing at each deleted one through the unindexed self-reference
    `notification.digest_id` (a scan per row: ~40 s for 10,000 messages); nothing points at
    them from outside the two tables deleted."""
    import sqlite3
    from contextlib import closing

    from sqlalchemy import bindparam, update

    from cobuild.models import Item

    if not original:
        raise SystemExit("no due set to restore")
    session.commit()
    with closing(sqlite3.connect(session.get_bind().url.database, timeout=60)) as plain:
        plain.execute("PRAGMA foreign_keys=OFF")
        plain.execute("DELETE FROM delivery")
        plain.execute("DELETE FROM notification")
        plain.commit()
    table = Item.__table__
    session.execute(update(table).where(table.c.id == bindparam("item_id")).values(next_reminder_at=bindparam("next")),
                    original)
    session.commit()


def worker_usage(worker) -> tuple[float, float]:
    """CPU seconds (user + system) so far and peak RSS (MB) of the sweep's worker, a live child
    process (Linux: /proc). Its peak is reported added to the sweeper's, as if both had come at
    the same moment."""
    import os
    from pathlib import Path

    pid = worker._process.pid
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()  # from the state on
    cpu = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime
    hwm = next(line for line in Path(f"/proc/{pid}/status").read_text().splitlines() if line.startswith("VmHWM:"))
    return cpu, int(hwm.split()[1]) / 1024


def remove(url: str) -> None:
    import os

    path = url.removeprefix("sqlite:///")
    for suffix in ("", "-wal", "-shm"):
        try:
            os.remove(path + suffix)
        except FileNotFoundError:
            pass


def own_cpu() -> float:
    """CPU time (user + system) of this process."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    return own.ru_utime + own.ru_stime


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
