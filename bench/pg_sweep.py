"""Postgres sweep figure: the same due set swept by 1 and by 4 sweeper processes at once.

`python -m bench.pg_sweep child URL` is one sweeper: it imports and connects, says "ready" on
stdout, waits for "go" on stdin, runs the item sweep at the bench tick and prints its end time,
so process start-up is not counted. The data is built once and each run sweeps a copy of it
(CREATE DATABASE … TEMPLATE), so one and four sweepers see the same rows.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

from sqlalchemy import create_engine, text

ROOT = Path(__file__).resolve().parent.parent
ADMIN = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"


def child(url: str) -> None:
    from cobuild.notifications.outbox import Outbox
    from cobuild.platform.db import session_for
    from cobuild.sweep.items import sweep_items
    from tests.support.worlds import TICK

    with session_for(url) as session:
        session.exec(text("SELECT 1"))
        print("ready", flush=True)
        sys.stdin.readline()
        cpu = time.process_time()
        outbox = Outbox(session)
        sweep_items(session, TICK, outbox)
        cpu = time.process_time() - cpu
    print(json.dumps({"end": time.time(), "queued": sum(outbox.inserted.values()), "cpu": cpu}))


def busy_seconds() -> float | None:
    """CPU seconds the whole machine has spent busy since boot (every core, every process: the
    sweepers and PostgreSQL's backends alike), from /proc/stat; None where there is none."""
    try:
        fields = Path("/proc/stat").read_text().splitlines()[0].split()[1:]
    except OSError:
        return None
    user, nice, system, idle, iowait, irq, softirq, steal = (int(f) for f in fields[:8])
    return (user + nice + system + irq + softirq + steal) / os.sysconf("SC_CLK_TCK")


def _database(admin, name: str, template: str | None = None) -> str:
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else "")))
    return f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"


def _drop(admin, name: str) -> None:
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def run(admin, template: str, sweepers: int) -> dict:
    """`sweepers` processes sweep a fresh copy of the template database at once."""
    from cobuild.platform.db import engine_for

    name = f"{template}_{sweepers}"
    url = _database(admin, name, template)
    try:
        children = [subprocess.Popen([sys.executable, "-m", "bench.pg_sweep", "child", url], cwd=ROOT,
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True) for _ in range(sweepers)]
        for c in children:  # every child has imported and connected
            if c.stdout.readline().strip() != "ready":
                raise RuntimeError(f"sweeper {c.pid} did not start (exit {c.wait()})")
        start, busy_before = time.time(), busy_seconds()
        for c in children:
            c.stdin.write("go\n")
            c.stdin.flush()
        outputs = [json.loads(c.communicate()[0].strip().splitlines()[-1]) for c in children]
        busy_after, window = busy_seconds(), time.time() - start  # the window ends once every child has exited
        seconds = max(o["end"] for o in outputs) - start
        # how many cores the run kept busy, sweepers and database server together: one sweeper's
        # figure says how far more sweepers can go on this machine's cores
        busy = (busy_after - busy_before) if busy_before is not None and busy_after is not None else None
        engine = create_engine(url)
        with engine.connect() as connection:
            notifications = connection.execute(text("SELECT count(*) FROM notification")).scalar_one()
            per_item = connection.execute(text(
                "SELECT count(*) FROM (SELECT subject_id FROM notification WHERE subject_type = 'item' "
                "GROUP BY subject_id, member_id, kind, step HAVING count(*) > 1) AS twice")).scalar_one()
            reminded = connection.execute(text(
                "SELECT count(DISTINCT subject_id) FROM notification WHERE subject_type = 'item'")).scalar_one()
        engine.dispose()
        return {"sweepers": sweepers, "seconds": seconds, "queued": sum(o["queued"] for o in outputs),
                "cpu": sum(o["cpu"] for o in outputs), "machine_cpu": busy,
                "busy_cores": busy / window if busy is not None and window > 0 else None,
                "notifications": notifications, "duplicates": per_item, "items_reminded": reminded,
                "per_second": notifications / seconds if seconds > 0 else None}
    finally:
        engine_for.cache_clear()
        _drop(admin, name)


def measure(councils: int, items: int, due: int) -> dict:
    from cobuild.platform.db import engine_for
    from tests.support.worlds import build

    admin = create_engine(ADMIN, isolation_level="AUTOCOMMIT")
    template = f"cobuild_bench_{uuid.uuid4().hex[:8]}"
    url = _database(admin, template)
    try:
        build(url, councils, items, due)
        engine_for(url).dispose()  # a template database must have no connections left
        engine_for.cache_clear()
        return {"one": run(admin, template, 1), "four": run(admin, template, 4)}
    finally:
        engine_for.cache_clear()
        _drop(admin, template)
        admin.dispose()


if __name__ == "__main__":
    if sys.argv[1] == "child":
        child(sys.argv[2])
    else:
        print(json.dumps(measure(int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])), indent=1))
