"""The item ladders: which items' reminders are due, in batches, worked out (`plan_batch`) and
written (one commit a batch); with a second process for big ticks where the executor allows it."""

from __future__ import annotations

import logging
from collections import defaultdict, deque, namedtuple
from contextlib import ExitStack, nullcontext
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache, partial
from zoneinfo import ZoneInfo

from sqlalchemy import Select, bindparam
from sqlalchemy import select as sa_select
from sqlmodel import Session

from cobuild.actions.common import event_values, once_many, record_many
from cobuild.models import (
    Claim,
    ClaimRole,
    ClaimStatus,
    Item,
    ItemStatus,
)
from cobuild.models.items import ITEM_COLUMNS
from cobuild.models.kinds import ESCALATION_KINDS
from cobuild.models.reminders import deadline_steps, due_steps, verify_steps
from cobuild.notifications.outbox import Outbox
from cobuild.notifications.rendering import render_jobs
from cobuild.platform.bulk import among_param, among_values, update_many
from cobuild.platform.checkpoints import Checkpoints, checkpoints_deferred, sqlite_file
from cobuild.platform.db import engine_for
from cobuild.reports.views import item_message
from cobuild.sweep.audience import audience
from cobuild.sweep.directory import Directory
from cobuild.sweep.executor import Answer, RenderWorker, borrow, can_help, fewer_collections, keep, speed_paths
from cobuild.sweep.problems import DATABASE_DOWN, PROBLEM_RETRY, Problem, report_problems

log = logging.getLogger(__name__)


FAR_FUTURE = datetime(9999, 1, 1, tzinfo=UTC)


LADDER_STATES = [ItemStatus.claimed, ItemStatus.in_progress, ItemStatus.reopened]


SCHEDULED_STATES = [*LADDER_STATES, ItemStatus.close_requested, ItemStatus.accepted]


def item_context(item: Item, directory: Directory) -> dict:
    return {"item": item_message(item, lambda unit_id: directory.units[unit_id].name)}


def sweep_items(session: Session, now: datetime, outbox: Outbox, batch: int = 500,
                directory: Directory | None = None, render_worker: bool | None = None) -> dict:
    """`render_worker`: share big ticks' batches with a second process, which works them out,
    renders and writes them itself (None: when there is a second core and the database is a
    SQLite file, which the worker opens by its path). On PostgreSQL, more sweepers use more
    cores: each takes the batches no other one holds (row locks)."""
    counts = {"items": 0, "escalations": 0, "overdue_marked": 0}
    tuned = speed_paths()
    render_worker = (tuned and can_help()) if render_worker is None else render_worker
    outbox.pending = []  # batched: each batch's messages are checked, rendered and inserted together
    try:
        with fewer_collections() if tuned else nullcontext():
            return _sweep_batches(session, now, outbox, batch, counts, directory or Directory(session, set()),
                                  render_worker)
    finally:
        outbox.pending = None


# what the sweep reads of an item: plain rows, not ORM objects (a third of the batch's time was
# building and tracking objects that are never changed through the ORM), through the table's
# columns (a core SELECT: the ORM's row loading was work for no use)
SWEPT = tuple(ITEM_COLUMNS[name] for name in ("id", "council_id", "status", "deadline", "close_requested_at",
                                              "lead_unit_id", "raised_by_unit_id", "responsible_person", "number",
                                              "title", "goal"))


_CLAIMS = Claim.__table__.c


def _due_batch(session: Session, now: datetime, batch: int, in_flight: list[int], parts: list[int]) -> list:
    """Up to `batch` numbered items whose next reminder is due: first those with a schedule to
    compute (NULL), then those whose time has come. Each is one range of ix_item_next_reminder —
    no sort and no scan of the open items that are not due, however many there are. `in_flight`:
    the batches with the worker, not written yet (still due in the database). `parts`: the parts
    still asked for in this tick (the caller's, changed here): once the NULLs run out, they are
    not asked for again — an item a change resets meanwhile waits for the next tick, as it would
    had the change come a moment later (a read less per batch)."""
    dialect = session.get_bind().dialect.name
    items: list = []
    for part in list(parts):
        params: dict = {"now": now, "limit": batch - len(items)}
        if in_flight:
            params["in_flight"] = among_values(dialect, in_flight)
        items += session.execute(_due_query(dialect, part, bool(in_flight)), params).all()
        if len(items) >= batch:
            break
        if part == 0:
            parts.remove(0)  # fewer than asked for: every NULL of the tick is read
    return items


_DUE_QUERIES: dict[tuple[str, int, bool], Select] = {}


def _due_query(dialect: str, part: int, excluding: bool) -> Select:
    """`_due_batch`'s statements, built once with bound values: building the expression again for
    every batch (operators, coercions, its cache key) was half of reading a batch."""
    key = (dialect, part, excluding)
    query = _DUE_QUERIES.get(key)
    if query is None:
        reminder_at = ITEM_COLUMNS.next_reminder_at
        due = reminder_at.is_(None) if part == 0 else reminder_at <= bindparam("now")
        query = sa_select(*SWEPT).where(ITEM_COLUMNS.status.in_([s.value for s in SCHEDULED_STATES]),
                                        ITEM_COLUMNS.number.is_not(None), due)
        if excluding:
            query = query.where(ITEM_COLUMNS.id.not_in(among_param("in_flight", dialect)))
        if dialect == "postgresql":
            # several sweepers at once each take a batch nobody else holds (row locks until the
            # batch commits); the unique dedupe keys stay the last line of defence
            query = query.with_for_update(skip_locked=True, of=Item.__table__)
        query = _DUE_QUERIES[key] = query.limit(bindparam("limit"))
    return query


@lru_cache(maxsize=4)
def _cooperating_of(dialect: str) -> Select:
    """Some items' confirmed cooperating units, built once with bound values (as `_due_query`)."""
    return sa_select(_CLAIMS.item_id, _CLAIMS.unit_id).where(
        _CLAIMS.item_id.in_(among_param("items", dialect)), _CLAIMS.role == ClaimRole.cooperating.value,
        _CLAIMS.status == ClaimStatus.confirmed.value)


# an item as the sweep works it out: the fields of SWEPT, by name (a plain tuple: it may be
# handed to the worker)
SweptItem = namedtuple("SweptItem", [c.name for c in SWEPT])  # type: ignore[misc]


@dataclass(slots=True)
class Planned:
    """One batch worked out (`plan_batch`): its new messages as notification rows, rendered;
    when each item is next due; its escalation and overdue marks (`record_marks`)."""
    rows: list[dict]
    schedule: list[tuple[int, datetime]]
    marks: list[tuple]


def plan_batch(session: Session, items: list, now: datetime, outbox: Outbox, directory: Directory) -> Planned:
    """Work out a batch of due items: each one's due steps and audience, the messages not in the
    outbox yet, rendered. Only reads: `_write` then writes the batch. Runs in the sweep's
    process or, for a big tick, in its worker (`sweep_in_worker`) on a connection of its own."""
    items = [SweptItem._make(item) for item in items]
    councils = {i.council_id for i in items}
    directory.load(session, councils)
    outbox.load_overrides(councils)
    cooperating: dict[int, list[int]] = defaultdict(list)
    dialect = session.get_bind().dialect.name
    for item_id, unit_id in session.execute(_cooperating_of(dialect), {"items": among_values(dialect, [i.id for i in items])}).all():
        cooperating[item_id].append(unit_id)
    schedule: list[tuple[int, datetime]] = []
    marks: list[tuple] = []
    problems: list[Problem] = []
    for item in items:
        council = directory.councils[item.council_id]
        queued, marked = len(outbox.pending), len(marks)
        try:
            following = _remind_item(item, council, directory, cooperating[item.id], outbox, now, marks)
        except DATABASE_DOWN:
            raise
        except Exception as error:  # noqa: BLE001 — one council's data must not stop the others' reminders
            del outbox.pending[queued:], marks[marked:]  # nothing half-done of this item
            problems.append(Problem.of(council.id, "item", item.number or f"#{item.id}", error, item=item.number))
            following = now + PROBLEM_RETRY  # tried again next tick, not again in this one
        schedule.append((item.id, following))
    prepared = outbox.prepare()
    failed: list[tuple[int, str]] = []
    rows = outbox.rows(prepared, render_jobs(prepared.jobs, failed))
    problems += [Problem.template(prepared.messages[index][0].id, prepared.messages[index][2], detail)
                 for index, detail in failed]
    if problems:
        report_problems(outbox, directory, problems, now)
        notices = outbox.prepare()
        rows += outbox.rows(notices, render_jobs(notices.jobs))
    return Planned(rows, schedule, marks)


_worker_state: tuple | None = None


def sweep_in_worker(url: str, now: datetime, items: list[tuple]) -> tuple[dict, dict]:
    """A whole batch in the sweep's worker process (cobuild/sweep/executor.py): worked out
    (`plan_batch`) and written (`_write`, its own commit) on a connection, directory and caches of
    its own, kept for the sweep's batches (a worker serves one sweep). Returns the batch's counts
    and the messages it inserted, by kind."""
    global _worker_state
    if _worker_state is None or _worker_state[0] != (url, now):
        session = Session(engine_for(url), expire_on_commit=False)
        outbox = Outbox(session, batched=True)
        _worker_state = ((url, now), session, outbox, Directory(session, set()))
    _, session, outbox, directory = _worker_state
    counts = {"escalations": 0, "overdue_marked": 0}
    outbox.inserted = {}  # this batch's, for the sweep to count
    try:
        with checkpoints_deferred(session.get_bind()):  # the sweep's Checkpoints thread copies the log back
            _sweep_batch(session, items, now, outbox, directory, counts)
    except BaseException:
        # the sweep does this batch itself (nothing of it was committed); the next starts clean
        session.rollback()
        outbox.pending = []
        raise
    return counts, outbox.inserted


def end_worker() -> None:
    """The worker's database connection closed, before its process leaves."""
    global _worker_state
    if _worker_state is not None:
        session = _worker_state[1]
        session.close()
        session.get_bind().dispose()
        _worker_state = None


class _Batch:
    """One batch handed to the worker and not finished yet (still due in the database)."""

    def __init__(self, items: list, answer: Answer):
        self.items, self.answer = items, answer

    @property
    def item_ids(self) -> list[int]:
        return [item[0] for item in self.items]


def _worker_url(session: Session) -> str | None:
    """Where the worker can open the same database: a SQLite file (`sqlite_file`)."""
    return session.get_bind().url.render_as_string(hide_password=False) if sqlite_file(session) else None


# full batches worked here before a worker is started: a tick this small is over before the
# worker would be up and pay for itself. A worker kept from an earlier big tick
# (`borrow`) is up already: it takes batches from the first full one on.
WORKER_AFTER_BATCHES = 4


# batches handed to the worker and not finished: one it works on, one waiting for it, so that
# it never waits for the sweep
WORKER_QUEUE = 2


def _sweep_batches(session: Session, now: datetime, outbox: Outbox, batch: int, counts: dict,
                   directory: Directory, render_worker: bool) -> dict:
    """Read a batch, work it out (`plan_batch`), write it and commit. With a worker, batches
    are shared out as they are read: the worker takes one whenever it has fewer than
    WORKER_QUEUE, and works it out and writes it itself; the sweep does the others. Each commit
    holds one whole batch's messages, marks and next times, so a crash leaves each item either
    done or still due."""
    worker: RenderWorker | None = None
    url = _worker_url(session) if render_worker else None
    handed: deque[_Batch] = deque()  # with the worker, not finished (still due in the database)
    full_batches, tried = 0, False
    parts = [0, 1]  # what `_due_batch` still asks for
    checkpoints = None
    deferral = ExitStack()  # from the worker's start: the log is copied back after the tick (Checkpoints)

    def here(items: list) -> None:
        _sweep_batch(session, items, now, outbox, directory, counts)

    def finish(done: _Batch) -> None:
        answer = done.answer.result()  # a batch the worker failed is done here meanwhile (None)
        if answer is not None:
            batch_counts, inserted = answer
            for key, n in batch_counts.items():
                counts[key] += n
            for kind, n in inserted.items():
                outbox.inserted[kind] = outbox.inserted.get(kind, 0) + n

    try:
        while True:
            if checkpoints is not None:
                checkpoints.nudge()
            while handed and handed[0].answer.done:
                finish(handed.popleft())
            items = _due_batch(session, now, batch, [i for b in handed for i in b.item_ids], parts)
            counts["items"] += len(items)
            if items:
                answer = None
                if worker is not None and len(handed) < WORKER_QUEUE:
                    answer = worker.call("sweep", (url, now, [tuple(item) for item in items]), partial(here, items))
                if answer is not None and answer.in_worker:
                    handed.append(_Batch(items, answer))
                else:
                    here(items)
            if len(items) < batch:
                # a short batch was every due item (each one's next step is after `now`): no need
                # to ask again (on PostgreSQL the rows another sweeper holds are that sweeper's)
                while handed:
                    finish(handed.popleft())
                return counts
            full_batches += 1
            if url and not tried and full_batches in (1, WORKER_AFTER_BATCHES):
                # after the first full batch, the worker kept from an earlier big tick if it is up;
                # else one of our own once the tick has shown it is big (one try per sweep)
                worker = borrow() if full_batches == 1 else None
                if worker is None and full_batches >= WORKER_AFTER_BATCHES:
                    worker = _start_worker()
                tried = worker is not None or full_batches >= WORKER_AFTER_BATCHES
                if tried:
                    checkpoints = Checkpoints.start(session)
                    if checkpoints is not None:
                        deferral.enter_context(checkpoints_deferred(session.get_bind()))
    finally:
        if worker is not None:
            # the worker lets go of this sweep's connection and caches, and is kept for the next
            # big tick (cobuild/sweep/executor.py, `keep`)
            worker.call("sweep_over", (), lambda: None)
            keep(worker)
        deferral.close()
        if checkpoints is not None:
            checkpoints.close()  # copies the log back beside whatever runs next; not waited for


def _start_worker() -> RenderWorker | None:
    try:
        return RenderWorker(planner=True)
    except OSError as error:  # no process to be had (limits, no executable): work here
        log.warning("could not start the sweep's worker (%s); working in the sweep", error)
        return None


def _sweep_batch(session: Session, items: list, now: datetime, outbox: Outbox, directory: Directory,
                 counts: dict) -> None:
    """One batch, start to commit: worked out, then written — in the sweep or in its worker."""
    _write(session, outbox, plan_batch(session, items, now, outbox, directory), now, counts)


def _write(session: Session, outbox: Outbox, planned: Planned, now: datetime, counts: dict) -> None:
    record_marks(session, planned.marks, now, counts)
    outbox.write(planned.rows)
    # one executemany UPDATE of just this column (core, not the ORM: it neither checks nor
    # bumps the item's version, so it never refuses or overwrites a user's concurrent change)
    update_many(session, Item.__table__, "next_reminder_at", planned.schedule)
    session.commit()


def _remind_item(item, council, directory, cooperating_units, outbox, now, marks: list) -> datetime:
    """Queue the item's due steps; its escalation and overdue marks go to `marks` (`record_marks`).
    Returns when the item is next due."""
    cal, policy, today, family = outbox.for_items(council, now)
    if item.status in LADDER_STATES and item.deadline and item.lead_unit_id:
        key = (family, item.deadline, now)
        ladder = outbox.ladders.get(key)
        if ladder is None:  # pure in these inputs: computed once per deadline and calendar
            ladder = outbox.ladders[key] = (*due_steps(deadline_steps(item.deadline, cal, policy), now),
                                            cal.workdays_between(today, cal.on_or_before(item.deadline)))
        steps, following, days_left = ladder
        if not steps:
            return following or FAR_FUTURE
        basis = item.deadline.isoformat()
        context = item_context(item, directory)
        context["days_left"] = days_left
        context["days_overdue"] = max(0, (today - item.deadline).days)
    elif item.status == ItemStatus.close_requested and item.close_requested_at:
        steps, following = due_steps(verify_steps(item.close_requested_at, cal, policy), now)
        if not steps:
            return following or FAR_FUTURE
        basis = item.close_requested_at.isoformat()
        requested_on = item.close_requested_at.astimezone(ZoneInfo(council.timezone)).date()
        context = item_context(item, directory)
        context["requested_on"] = requested_on.isoformat()
        context["waiting_days"] = cal.workdays_between(requested_on, today)
    else:
        return FAR_FUTURE  # no lead or no deadline yet: a change of the item reschedules it
    for step in steps:
        for person in audience(step.audience, item, council, directory, cooperating_units):
            outbox.enqueue(council, person, step.kind, now=now, context=context, step=step.step,
                           subject_type="item", subject_id=item.id, basis=basis)
        if step.kind in ESCALATION_KINDS:
            marks.append((council.id, f"escalation|item:{item.id}|{basis}|{step.step}", f"item.escalate_{step.step}",
                          item.id, {"kind": step.kind, "deadline": item.deadline, "to": step.audience}, "escalations"))
        if step.kind == "overdue":
            marks.append((council.id, f"overdue|item:{item.id}|{basis}", "item.overdue", item.id,
                          {"deadline": item.deadline}, "overdue_marked"))
    return following or FAR_FUTURE


def record_marks(session: Session, marks: list[tuple], now: datetime, counts: dict) -> None:
    """Each escalation and overdue of an item is marked once, ever: the batch's keys are claimed
    in one statement (the database decides, as `once` does) and the new ones audited together
    (`record_many`). Their messages are queued either way: the outbox's keys keep those once."""
    if not marks:
        return
    new = once_many(session, [(m[0], m[1]) for m in marks], now)
    events = []
    for council_id, key, action, item_id, after, counter in marks:
        if key in new:
            new.discard(key)
            counts[counter] += 1
            events.append(event_values(council_id=council_id, by=None, action=action, subject_type="item",
                                       subject_id=item_id, now=now, after=after))
    record_many(session, events)
