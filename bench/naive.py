"""The naive baseline: one Prefect task per reminder (what the design card warns against).

`python -m bench.naive URL N` sweeps the first N due items of URL's database, each in its own
Prefect task run (the same per-item work as the real sweep: ladder, people, render, enqueue,
reschedule), and prints JSON: seconds, reminders queued, seconds per reminder. Prefect's
temporary server (flows.local_api) starts before the clock starts.
"""

from __future__ import annotations

import json
import sys
import time

from prefect import flow, task
from sqlmodel import select

from cobuild.flows.local_api import local_api
from cobuild.models import Claim, ClaimRole, ClaimStatus, Item, Notification
from cobuild.notifications.outbox import Outbox
from cobuild.platform.db import session_for
from cobuild.sweep.directory import Directory
from cobuild.sweep.items import _remind_item, record_marks
from tests.support.worlds import TICK


@task
def remind_one(url: str, item_id: int) -> None:
    with session_for(url) as session:
        item = session.get(Item, item_id)
        directory = Directory(session, {item.council_id})
        cooperating = list(session.exec(select(Claim.unit_id).where(
            Claim.item_id == item.id, Claim.role == ClaimRole.cooperating, Claim.status == ClaimStatus.confirmed)).all())
        counts, marks = {"items": 0, "escalations": 0, "overdue_marked": 0}, []
        item.next_reminder_at = _remind_item(item, directory.councils[item.council_id], directory, cooperating,
                                             Outbox(session), TICK, marks)
        record_marks(session, marks, TICK, counts)
        session.add(item)
        session.commit()


@flow(log_prints=False)
def naive_sweep(url: str, item_ids: list[int]) -> None:
    for item_id in item_ids:
        remind_one(url, item_id)


@flow
def warm_up() -> None:
    pass


def main() -> None:
    url, n = sys.argv[1], int(sys.argv[2])
    with session_for(url) as session:
        before = session.exec(select(Notification.id)).all()
        ids = list(session.exec(select(Item.id).where(Item.next_reminder_at <= TICK).order_by(Item.id).limit(n)).all())
    with local_api():  # the temporary server starts here, outside the measurement
        warm_up()
        start = time.perf_counter()
        naive_sweep(url, ids)
        seconds = time.perf_counter() - start
    with session_for(url) as session:
        queued = len(session.exec(select(Notification.id)).all()) - len(before)
    print(json.dumps({"seconds": seconds, "items": len(ids), "queued": queued,
                      "per_reminder": seconds / queued if queued else None}))


if __name__ == "__main__":
    main()
