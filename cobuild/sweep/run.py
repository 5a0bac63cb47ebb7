"""The reminder sweep: everything SPEC.md section 4 sends by itself.

Three parts, each idempotent and each proportional to what is due, not to what exists:
- items: one indexed query finds the items whose `next_reminder_at` has come (or was reset by
  a change); their ladder is computed (models/reminders.py), the due steps are queued, and
  the time of the next step is stored. Items are worked in batches, one commit per batch.
- council events: window opened, non-submitters, the agenda, elections, hand-over,
  evaluation, the term report — each claimed once by a unique key (`once`).
- digests: a daily digest for people who prefer one, the weekly digest on Monday morning.
"""

from __future__ import annotations

import logging
from collections import defaultdict, deque, namedtuple
from contextlib import ExitStack, nullcontext
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from functools import lru_cache, partial
from zoneinfo import ZoneInfo

from sqlalchemy import Select, bindparam, or_, update
from sqlalchemy import select as sa_select
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlmodel import Session, select

from cobuild.actions.common import event_values, local_text, once, once_many, record_many
from cobuild.models import (
    VOTING_ROLES,
    AgendaEntry,
    AgendaKind,
    Ballot,
    Candidate,
    Claim,
    ClaimRole,
    ClaimStatus,
    Conference,
    ConferenceStatus,
    Council,
    CouncilEvent,
    Election,
    ElectionStatus,
    EvaluationBallot,
    Item,
    ItemStatus,
    Member,
    MemberRole,
    Notification,
    NotificationStatus,
    Term,
    TermStatus,
    Unit,
)
from cobuild.models.base import aware, local_date, today_for
from cobuild.models.kinds import ESCALATION_KINDS
from cobuild.models.messages import kind_name
from cobuild.models.reminders import deadline_steps, due_steps, verify_steps
from cobuild.notifications.outbox import Outbox
from cobuild.notifications.rendering import render_jobs
from cobuild.platform.bulk import among_param, among_values, update_many
from cobuild.platform.checkpoints import Checkpoints, checkpoints_deferred, sqlite_file
from cobuild.platform.db import engine_for
from cobuild.sweep.executor import Answer, RenderWorker, borrow, can_help, fewer_collections, keep, speed_paths

log = logging.getLogger(__name__)

FAR_FUTURE = datetime(9999, 1, 1, tzinfo=UTC)
LADDER_STATES = [ItemStatus.claimed, ItemStatus.in_progress, ItemStatus.reopened]
SCHEDULED_STATES = [*LADDER_STATES, ItemStatus.close_requested, ItemStatus.accepted]


@dataclass(slots=True)
class Person:
    """A member as the sweep reads them: plain, not an ORM object (loading tens of thousands of
    those for a province's tick, and reading their attributes per message, was costly)."""
    id: int
    council_id: int
    unit_id: int
    name: str
    role: str
    is_liaison: bool
    language: str
    delivery: str
    active: bool

    @property
    def votes(self) -> bool:
        return self.role in VOTING_ROLES and self.active


@dataclass(slots=True)
class UnitName:
    id: int
    council_id: int
    name: str
    active: bool


_PERSON = [Member.__table__.c[f] for f in Person.__slots__]
_UNIT = [Unit.__table__.c[f] for f in UnitName.__slots__]
_TERM = Term.__table__.c


class Directory:
    """Who is who, loaded once per sweep for the councils it meets (councils as ORM objects; units
    and people as plain records, read-only)."""

    def __init__(self, session: Session, council_ids: set[int]):
        self.councils: dict[int, Council] = {}
        self.units: dict[int, UnitName] = {}
        self.members: dict[int, Person] = {}
        self.liaisons: dict[int, list[Person]] = defaultdict(list)
        self.by_name: dict[tuple[int, str], Person] = {}
        self.secretaries: dict[int, list[Person]] = defaultdict(list)
        self.voters: dict[int, list[Person]] = defaultdict(list)
        self.chairs: dict[int, Person | None] = {}
        # who each step goes to (`_audience`): a council's entries come from its own people,
        # loaded with it, so what is kept stays true while the directory only grows
        self.audiences: dict[tuple, list[Person]] = {}
        self.load(session, council_ids)

    def load(self, session: Session, council_ids: set[int]) -> None:
        """Add the councils not loaded yet (the sweep keeps one directory for all its batches)."""
        ids = [i for i in council_ids if i not in self.councils]
        if not ids:
            return
        self.councils.update({c.id: c for c in session.exec(select(Council).where(Council.id.in_(ids))).all()})
        self.units.update({u.id: u for u in (UnitName(*row) for row in session.execute(
            sa_select(*_UNIT).where(_UNIT[1].in_(ids))).all())})
        members = [Person(*row) for row in session.execute(
            sa_select(*_PERSON).where(_PERSON[1].in_(ids), _PERSON[-1] == True)).all()]  # noqa: E712
        self.members.update({m.id: m for m in members})
        for m in members:
            if m.is_liaison:
                self.liaisons[m.unit_id].append(m)
            if m.role == MemberRole.secretary:
                self.secretaries[m.council_id].append(m)
            if m.votes:
                self.voters[m.council_id].append(m)
            self.by_name[(m.council_id, m.name)] = m
        terms = session.execute(sa_select(_TERM.council_id, _TERM.chair_member_id).where(
            _TERM.council_id.in_(ids), _TERM.status.in_([TermStatus.active.value, TermStatus.evaluating.value]))).all()
        self.chairs.update({council_id: self.members.get(chair_id) for council_id, chair_id in terms})

    def chair(self, council_id: int) -> list[Person]:
        chair = self.chairs.get(council_id)
        return [chair] if chair else []

    def unit_people(self, unit_ids) -> list[Person]:
        return [m for u in unit_ids for m in self.liaisons.get(u, [])]


def _item_context(item: Item, directory: Directory) -> dict:
    units = directory.units
    return {"item": {
        "number": item.number, "title": item.title, "deadline": item.deadline.isoformat() if item.deadline else "-",
        "lead_unit": units[item.lead_unit_id].name if item.lead_unit_id else "-",
        "raised_by": units[item.raised_by_unit_id].name, "goal": item.goal or "-",
        "responsible_person": item.responsible_person or "-"}}


def _unique(people: list[Person]) -> list[Person]:
    return list({m.id: m for m in people}.values())


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
_ITEMS = Item.__table__.c
SWEPT = (_ITEMS.id, _ITEMS.council_id, _ITEMS.status, _ITEMS.deadline, _ITEMS.close_requested_at,
         _ITEMS.lead_unit_id, _ITEMS.raised_by_unit_id, _ITEMS.responsible_person, _ITEMS.number, _ITEMS.title,
         _ITEMS.goal)
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
        due = _ITEMS.next_reminder_at.is_(None) if part == 0 else _ITEMS.next_reminder_at <= bindparam("now")
        query = sa_select(*SWEPT).where(_ITEMS.status.in_([s.value for s in SCHEDULED_STATES]),
                                        _ITEMS.number.is_not(None), due)
        if excluding:
            query = query.where(_ITEMS.id.not_in(among_param("in_flight", dialect)))
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


# an item whose reminders could not be worked out is tried again after this (the next tick)
PROBLEM_RETRY = timedelta(minutes=5)
# the database itself failing is no council's problem: raised, for the flow task's retries
DATABASE_DOWN = (OperationalError, InterfaceError)


@dataclass(frozen=True)
class Problem:
    """One council's part of a tick that failed (its data, its own wording): logged with the
    council and the cause, and told to the council's secretaries once a day (`report_problems`)
    while every other council's part goes on."""
    council_id: int
    code: str  # "item", "template" or "council"
    key: str  # what failed: an item number, a message kind, a conference code …
    context: dict

    @classmethod
    def of(cls, council_id: int, code: str, key: str, error: BaseException, **context) -> "Problem":
        text = str(error).strip()
        detail = text.splitlines()[0][:300] if text else "unexpected error"
        return cls(council_id, code, key, {"code": code, "detail": detail, **context})

    @classmethod
    def template(cls, council_id: int, kind: str, detail: str) -> "Problem":
        return cls(council_id, "template", kind, {"code": "template", "detail": detail,
                                                  "kind_label": kind_name(kind, "zh"),
                                                  "kind_label_en": kind_name(kind, "en")})


def report_problems(outbox: Outbox, directory: Directory, problems: list[Problem], now: datetime) -> None:
    """Log each problem; queue a `council_problem` message to its council's secretaries, once per
    problem and local day (the dedupe key carries both)."""
    for problem in {(p.council_id, p.code, p.key): p for p in problems}.values():
        log.warning("council %s: %s %s failed: %s", problem.council_id, problem.code, problem.key,
                    problem.context["detail"])
        council = directory.councils.get(problem.council_id)
        if council is None:
            continue
        day = local_date(now, council.timezone).isoformat()
        for person in directory.secretaries.get(council.id, []):
            outbox.enqueue(council, person, "council_problem", now=now, context={"problem": problem.context},
                           subject_type="council", subject_id=council.id, basis=f"{problem.code}|{problem.key}|{day}")


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
        context = _item_context(item, directory)
        context["days_left"] = days_left
        context["days_overdue"] = max(0, (today - item.deadline).days)
    elif item.status == ItemStatus.close_requested and item.close_requested_at:
        steps, following = due_steps(verify_steps(item.close_requested_at, cal, policy), now)
        if not steps:
            return following or FAR_FUTURE
        basis = item.close_requested_at.isoformat()
        requested_on = item.close_requested_at.astimezone(ZoneInfo(council.timezone)).date()
        context = _item_context(item, directory)
        context["requested_on"] = requested_on.isoformat()
        context["waiting_days"] = cal.workdays_between(requested_on, today)
    else:
        return FAR_FUTURE  # no lead or no deadline yet: a change of the item reschedules it
    for step in steps:
        for person in _audience(step.audience, item, council, directory, cooperating_units):
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


def _audience(audience: str, item, council: Council, directory: Directory, cooperating_units: list[int]) -> list[Person]:
    """Who one step of an item's ladder goes to, each person once (not to be changed by the
    caller: kept per sweep, as items that share a lead unit and responsible person share it)."""
    if audience == "lead":
        key: tuple = (audience, item.lead_unit_id, item.council_id, item.responsible_person)
    elif audience == "cooperating":
        key = (audience, *cooperating_units)
    elif audience == "raiser":
        key = (audience, item.raised_by_unit_id)
    elif audience in ("chair", "secretary"):
        key = (audience, item.council_id)
    else:
        raise ValueError(f"unknown audience {audience!r}")
    people = directory.audiences.get(key)
    if people is None:
        people = directory.audiences[key] = _audience_of(audience, item, council, directory, cooperating_units)
    return people


def _audience_of(audience: str, item, council: Council, directory: Directory, cooperating_units: list[int]) -> list[Person]:
    if audience == "lead":
        people = directory.unit_people([item.lead_unit_id])
        responsible = directory.by_name.get((council.id, item.responsible_person))
        if responsible is not None:
            people.append(responsible)
    elif audience == "cooperating":
        people = directory.unit_people(cooperating_units)
    elif audience == "chair":
        people = directory.chair(council.id)
    elif audience == "secretary":
        people = directory.secretaries[council.id]
    else:  # raiser
        people = directory.unit_people([item.raised_by_unit_id])
    return people if len(people) < 2 else _unique(people)


# ---- council events ------------------------------------------------------------------------


def sweep_council_events(session: Session, now: datetime, outbox: Outbox, directory: Directory | None = None) -> dict:
    counts: defaultdict[str, int] = defaultdict(int)
    conferences = session.exec(select(Conference).where(Conference.status.in_(
        [ConferenceStatus.collecting, ConferenceStatus.agenda_locked]))).all()
    elections = session.exec(select(Election).where(or_(
        Election.status == ElectionStatus.open,
        (Election.status == ElectionStatus.decided) & (Election.closes_at >= now - timedelta(days=7))))).all()
    terms = session.exec(select(Term).where(or_(
        Term.status.in_([TermStatus.scheduled, TermStatus.evaluating]),
        (Term.status == TermStatus.reported) & (Term.reported_at >= now - timedelta(days=7))))).all()
    council_ids = {c.council_id for c in conferences} | {e.council_id for e in elections} | {t.council_id for t in terms}
    if not council_ids:
        return dict(counts)
    directory = directory or Directory(session, set())
    directory.load(session, council_ids)
    problems: list[Problem] = []
    for conference in conferences:
        _isolated(session, problems, conference.council_id, ("会议 " + conference.code + " 的通知",
                                                              f"The notices of conference {conference.code}"),
                  partial(_conference_events, session, conference, directory, outbox, now, counts))
    for election in elections:
        _isolated(session, problems, election.council_id, ("选举通知", "The election notices"),
                  partial(_election_events, session, election, directory, outbox, now, counts))
    for term in terms:
        _isolated(session, problems, term.council_id, ("任期通知", "The term notices"),
                  partial(_term_events, session, term, directory, outbox, now, counts))
    _report(session, outbox, directory, problems, now)
    return dict(counts)


def _isolated(session: Session, problems: list[Problem], council_id: int, what: tuple[str, str], work) -> None:
    """One council's part of a pass, committed on its own; if it fails, it alone is rolled back
    and reported (`_report`), and tried again next tick. The database going away is not a
    council's problem: that is raised, for the task's retries."""
    try:
        work()
        session.commit()
    except DATABASE_DOWN:
        raise
    except Exception as error:  # noqa: BLE001 — one council's data must not stop the others'
        session.rollback()
        problems.append(Problem.of(council_id, "council", what[1], error, what=what[0], what_en=what[1]))


def _report(session: Session, outbox: Outbox, directory: Directory, problems: list[Problem], now: datetime) -> None:
    """Report a pass's problems, and the council wordings that failed in it (`Outbox.template_failures`)."""
    problems = problems + [Problem.template(*failure) for failure in outbox.template_failures]
    outbox.template_failures.clear()
    if not problems:
        return
    try:
        directory.load(session, {p.council_id for p in problems})
        report_problems(outbox, directory, problems, now)
        session.commit()
    except DATABASE_DOWN:
        raise
    except Exception:  # noqa: BLE001 — the problems are logged; telling the secretary waits for the next tick
        session.rollback()
        log.exception("could not tell the councils' secretaries of their problems")


def _send(outbox, council, people, kind, now, context, subject_type, subject_id, counts) -> None:
    for person in _unique(people):
        outbox.enqueue(council, person, kind, now=now, context=context, subject_type=subject_type, subject_id=subject_id)
    counts[kind] += 1


def _conference_events(session, conference, directory, outbox, now, counts) -> None:
    council = directory.councils[conference.council_id]
    context = {"conference": {"code": conference.code, "held_on": conference.held_on.isoformat(),
                              "held_at": local_text(council, conference.scheduled_at),
                              "closes": local_text(council, conference.window_closes_at)},
               "limit_min": council.items_min_per_unit, "limit_max": council.items_max_per_unit}
    units = [u for u in directory.units.values() if u.council_id == council.id and u.active]
    if conference.status == ConferenceStatus.collecting:
        if once(session, council.id, f"window_open|conference:{conference.id}", now):
            _send(outbox, council, directory.unit_people([u.id for u in units]), "window_open", now, context,
                  "conference", conference.id, counts)
        if now >= conference.window_closes_at - timedelta(days=3) and \
                once(session, council.id, f"submission_reminder|conference:{conference.id}", now):
            submitted = set(session.exec(select(Item.raised_by_unit_id).where(
                Item.raised_conference_id == conference.id, Item.status != ItemStatus.cancelled)).all())
            for unit in units:
                if unit.id not in submitted:
                    _send(outbox, council, directory.unit_people([unit.id]), "submission_reminder", now,
                          {**context, "unit": unit.name}, "conference", conference.id, counts)
    elif once(session, council.id, f"agenda|conference:{conference.id}", now):
        labels = {AgendaKind.new: ("新提交", "new"), AgendaKind.carried: ("暂缓后再议", "carried over"),
                  AgendaKind.review: ("推进情况审议", "review")}
        rows = session.exec(select(AgendaEntry, Item).join(Item, Item.id == AgendaEntry.item_id)
                            .where(AgendaEntry.conference_id == conference.id).order_by(AgendaEntry.position)).all()
        agenda = [{"label": labels[AgendaKind(e.kind)][0], "label_en": labels[AgendaKind(e.kind)][1],
                   "title": f"{i.number + ' ' if i.number else ''}{i.title}"} for e, i in rows]
        _send(outbox, council, directory.voters[council.id], "agenda", now, {**context, "agenda": agenda},
              "conference", conference.id, counts)


def _term_dict(term: Term) -> dict:
    return {"number": term.number, "starts_on": term.starts_on.isoformat(), "ends_on": term.ends_on.isoformat()}


def _election_events(session, election, directory, outbox, now, counts) -> None:
    council = directory.councils[election.council_id]
    term = session.get(Term, election.term_id)
    candidates = [directory.members[c].name for c in session.exec(
        select(Candidate.member_id).where(Candidate.election_id == election.id)).all() if c in directory.members]
    context = {"term": _term_dict(term), "closes": local_text(council, election.closes_at), "candidates": candidates}
    voters = directory.voters[council.id]
    if election.status == ElectionStatus.open:
        if once(session, council.id, f"election_open|election:{election.id}", now):
            _send(outbox, council, voters, "election_open", now, context, "election", election.id, counts)
        if now >= election.closes_at - timedelta(days=2) and \
                once(session, council.id, f"election_reminder|election:{election.id}", now):
            voted = set(session.exec(select(Ballot.voter_id).where(Ballot.election_id == election.id)).all())
            _send(outbox, council, [m for m in voters if m.id not in voted], "election_reminder", now, context,
                  "election", election.id, counts)
    elif election.winner_member_id and once(session, council.id, f"election_result|election:{election.id}", now):
        winner = directory.members.get(election.winner_member_id) or session.get(Member, election.winner_member_id)
        how = {"election": ("得票最多", "by plurality"), "runoff": ("经第二轮投票", "in a runoff"),
               "tie_break": ("得票相同,按最久未任主席的单位确定", "on a tie, as the unit that chaired least recently")}
        zh, en = how.get(election.decided_by or "election", how["election"])
        _send(outbox, council, voters, "election_result", now,
              {**context, "winner": winner.name, "unit": directory.units[winner.unit_id].name, "how": zh, "how_en": en},
              "election", election.id, counts)


def _term_events(session, term, directory, outbox, now, counts) -> None:
    from cobuild.models.terms import term_end_at, term_start_at

    council = directory.councils[term.council_id]
    chair = directory.members.get(term.chair_member_id) if term.chair_member_id else None
    context = {"term": _term_dict(term), "chair": chair.name if chair else "-",
               "closes": local_text(council, term_end_at(council, term))}
    voters = [m for m in directory.voters[council.id] if m.id != term.chair_member_id]
    if term.status == TermStatus.scheduled:
        if chair and now >= term_start_at(council, term) - timedelta(days=7) and \
                once(session, council.id, f"handover|term:{term.id}", now):
            _send(outbox, council, [chair], "handover", now, context, "term", term.id, counts)
    elif term.status == TermStatus.evaluating:
        if once(session, council.id, f"evaluation_open|term:{term.id}", now):
            _send(outbox, council, voters, "evaluation_open", now, context, "term", term.id, counts)
        if now >= term_end_at(council, term) - timedelta(days=3) and \
                once(session, council.id, f"evaluation_reminder|term:{term.id}", now):
            done = set(session.exec(select(EvaluationBallot.voter_id).where(EvaluationBallot.term_id == term.id)).all())
            _send(outbox, council, [m for m in voters if m.id not in done], "evaluation_reminder", now, context,
                  "term", term.id, counts)
    elif term.report and once(session, council.id, f"term_report|term:{term.id}", now):
        report = term.report
        totals = report["totals"]

        def pct(value):
            return "-" if value is None else f"{value:.1%}"

        people = directory.voters[council.id] + [m for units in directory.liaisons.values() for m in units
                                                 if m.council_id == council.id]
        _send(outbox, council, people, "term_report", now,
              {**context, "totals": totals, "commitments": len(report["commitments"]),
               "commitments_kept": report["commitments_kept"], "completion": pct(totals["completion_rate"]),
               "on_time": pct(totals["on_time_rate"]), "evaluations": report["evaluation"]["ballots"]},
              "term", term.id, counts)


# ---- digests -------------------------------------------------------------------------------


def sweep_digests(session: Session, now: datetime, outbox: Outbox, directory: Directory | None = None) -> dict:
    counts = {"daily_digest": 0, "weekly_digest": 0}
    known = directory or Directory(session, set())
    held_by = session.exec(select(Notification.member_id, Notification.council_id).where(
        Notification.status == NotificationStatus.held).distinct()).all()
    # only the councils with held messages or a weekly digest to send now, and of those only the
    # ones whose digest is not out yet this week: an idle tick does not load every council
    weekly: dict[int, str] = {}  # council id -> this week's name, for councils whose digest is due now
    week_of: dict[str, str | None] = {}  # the same per time zone
    for council_id, timezone in session.exec(select(Council.id, Council.timezone)).all():
        if timezone not in week_of:
            local = now.astimezone(ZoneInfo(timezone))
            year, week, _ = local.isocalendar()
            week_of[timezone] = f"{year}-W{week:02d}" if local.weekday() == 0 and local.time() >= time(9, 0) else None
        if week_of[timezone]:
            weekly[council_id] = week_of[timezone]  # type: ignore[assignment]
    if weekly:
        done = set(session.exec(select(CouncilEvent.key).where(CouncilEvent.key.in_(
            [_weekly_key(cid, week) for cid, week in weekly.items()]))).all())
        weekly = {cid: week for cid, week in weekly.items() if _weekly_key(cid, week) not in done}
    needed = {council_id for _, council_id in held_by} | set(weekly)
    councils = {c.id: c for c in session.exec(select(Council).where(Council.id.in_(list(needed)))).all()} \
        if needed else {}
    problems: list[Problem] = []

    def daily(member_id: int, council: Council) -> None:
        cal, policy = outbox.calendar(council)
        local = now.astimezone(ZoneInfo(council.timezone))
        if not cal.is_workday(local.date()) or local.time() < policy.morning:
            return
        member = session.get(Member, member_id)
        held = session.exec(select(Notification).where(Notification.member_id == member_id,
                                                       Notification.status == NotificationStatus.held)
                            .order_by(Notification.id)).all()
        digest_id = outbox.enqueue(council, member, "daily_digest", now=now, step=local.date().isoformat(),
                                   subject_type="member", subject_id=member_id,
                                   context={"count": len(held),
                                            "messages": [{"subject": n.subject, "text": n.body_text} for n in held]})
        if digest_id is None:
            return  # today's digest is out; what was held since waits for tomorrow's
        session.execute(update(Notification).where(Notification.id.in_([n.id for n in held]))
                        .values(status=NotificationStatus.digested, digest_id=digest_id))
        counts["daily_digest"] += 1

    def weekly_digest(council: Council, week_text: str) -> None:
        known.load(session, {council.id})
        people = known.chair(council.id) + [m for m in known.members.values()
                                                if m.council_id == council.id and m.delivery == "digest"]
        if not people or not once(session, council.id, _weekly_key(council.id, week_text), now):
            return
        context = weekly_context(session, council, known, now) | {"week": week_text}
        for person in _unique(people):
            outbox.enqueue(council, person, "weekly_digest", now=now, step=week_text, subject_type="council",
                           subject_id=council.id, context=context)
        counts["weekly_digest"] += 1

    directory = directory or Directory(session, set())
    for member_id, council_id in held_by:
        _isolated(session, problems, council_id, ("每日汇总", "The daily digest"),
                  partial(daily, member_id, councils[council_id]))
    for council_id, week_text in weekly.items():
        _isolated(session, problems, council_id, ("每周汇总", "The weekly digest"),
                  partial(weekly_digest, councils[council_id], week_text))
    _report(session, outbox, directory, problems, now)
    return counts


def _weekly_key(council_id: int, week: str) -> str:
    return f"weekly_digest|council:{council_id}|{week}"


def weekly_context(session: Session, council: Council, directory: Directory, now: datetime) -> dict:
    from cobuild.reports.tracking import item_stats
    from cobuild.reports.views import item_row

    today = today_for(council, now)
    totals = item_stats(session, council, today)[0]
    names = {u.id: u.name for u in directory.units.values()}
    rows = [item_row(i, names, today) for i in session.exec(select(Item).where(
        Item.council_id == council.id, Item.number.is_not(None),
        Item.status.in_([*LADDER_STATES, ItemStatus.close_requested, ItemStatus.accepted]))
        .order_by(Item.deadline)).all()]
    week_end = today + timedelta(days=7)

    def brief(row):
        return {"number": row["number"], "title": row["title"], "lead_unit": row["lead_unit"] or "-",
                "deadline": str(row["deadline"]), "days_overdue": row["days_overdue"], "raised_by": row["raised_by"]}

    return {
        "totals": totals,
        "completion": "-" if totals["completion_rate"] is None else f"{totals['completion_rate']:.1%}",
        "overdue": [brief(r) for r in rows if r["overdue"]][:20],
        "due_soon": [brief(r) for r in rows if not r["overdue"] and r["deadline"] and r["deadline"] <= week_end
                     and r["status"] != ItemStatus.close_requested][:20],
        "waiting": [brief(r) for r in rows if r["status"] == ItemStatus.close_requested][:20],
    }


def sweep(session: Session, now: datetime, batch: int = 500, render_worker: bool | None = None) -> dict:
    """One full pass; returns counts, including messages queued by kind. `render_worker`: see
    `sweep_items`."""
    now = aware(now)
    outbox = Outbox(session)
    directory = Directory(session, set())  # who is who, loaded once for the three passes
    result = sweep_items(session, now, outbox, batch, directory, render_worker)
    result.update(sweep_council_events(session, now, outbox, directory))
    result.update(sweep_digests(session, now, outbox, directory))
    result["queued"] = dict(outbox.inserted)
    return result


