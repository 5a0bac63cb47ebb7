"""One timed sweep in a process of its own, so that its peak RSS is the sweep's and not the
data set-up's:

    python -m bench.sweep_child URL REPEATS

With REPEATS > 1 the due set is put back after each run (its messages deleted, its
next_reminder_at restored). Prints one JSON line: the runs (seconds, messages) and peak RSS."""

from __future__ import annotations

import json
import resource
import sys
import time


def main() -> None:
    url, repeats = sys.argv[1], int(sys.argv[2])
    from sqlalchemy import bindparam, delete, update
    from sqlmodel import select

    from bench.data import TICK
    from cobuild.actions.reminders import sweep
    from cobuild.db import session_for
    from models import Delivery, Item, Notification

    runs = []
    with session_for(url) as session:
        original = None
        for n in range(repeats):
            if n:
                if original is None:
                    raise SystemExit("no due set to restore")
                session.execute(delete(Delivery))
                session.execute(delete(Notification))
                table = Item.__table__
                session.execute(update(table).where(table.c.id == bindparam("item_id"))
                                .values(next_reminder_at=bindparam("next")), original)
                session.commit()
            elif repeats > 1:
                original = [{"item_id": i, "next": at} for i, at in session.exec(
                    select(Item.id, Item.next_reminder_at).where(Item.next_reminder_at <= TICK)).all()]
            start = time.perf_counter()
            result = sweep(session, TICK)
            runs.append((time.perf_counter() - start, sum(result["queued"].values())))
            session.expunge_all()
    print(json.dumps({"runs": runs, "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))


if __name__ == "__main__":
    main()
