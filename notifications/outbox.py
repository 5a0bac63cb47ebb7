"""Putting messages in the outbox, exactly once.

`enqueue` renders the message in the recipient's language, computes when it may go out
(quiet hours), and inserts it with INSERT … ON CONFLICT DO NOTHING on its dedupe key — the
database, not a flag in memory, decides that a second sweeper, a re-run or a restart after a
crash adds nothing. Deliveries (one per channel of the person) are inserted with it, in the
same transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache

from sqlalchemy import select as sa_select
from sqlalchemy import update
from sqlmodel import Session, select

from cobuild.models import (
    ContactChannel,
    Council,
    Delivery,
    DeliveryStatus,
    Member,
    Notification,
    NotificationStatus,
    TemplateOverride,
)
from cobuild.models.base import local_date
from cobuild.models.reminders import Policy, release_time
from cobuild.models.workdays import WorkCalendar, calendar_of  # noqa: F401 — calendar_of is read from here too
from cobuild.notifications.rendering import language_of, render_jobs
from cobuild.platform import action_links
from cobuild.platform.bulk import among_param, among_values, insert_many, insert_many_unless_exist, insert_tuples, insert_unless_exists
from cobuild.platform.links import page_link, public_base
from cobuild.platform.settings import get_settings

# deliveries go in through the table (a core INSERT: the ORM's bulk path builds its own
# command per row)
DELIVERIES = Delivery.__table__
_KEY = Notification.__table__.c.dedupe_key
_CHANNEL = ContactChannel.__table__.c
_OVERRIDE = TemplateOverride.__table__.c

# a delivery as the sweep inserts it (`write`), the other columns their defaults
DELIVERY_COLUMNS = ("notification_id", "channel", "address", "status", "attempts", "next_attempt_at")

# what never waits for a digest: the digests themselves
UNHELD = frozenset({"daily_digest", "weekly_digest"})


@dataclass
class PreparedBatch:
    """Messages checked against the outbox, waiting for their rendering (`jobs`, in order)."""
    messages: list[tuple]
    jobs: list[tuple]


def dedupe_key(kind: str, step: str, subject_type: str, subject_id, basis: str, member_id: int) -> str:
    return f"{kind}|{step}|{subject_type}:{subject_id}|{basis}|{member_id}"




class Outbox:
    """Per-sweep caches (calendars, overrides, channels) around `enqueue`."""

    def __init__(self, session: Session, batched: bool = False):
        self.session = session
        self._calendars: dict[int, tuple[WorkCalendar, Policy]] = {}
        self._overrides: dict[int, dict] = {}
        self._override_parts: dict[tuple[int, str, str], dict[str, str] | None] = {}
        self._channels: dict[int, list[tuple[str, str]]] = {}
        self._release: dict[tuple[int, datetime], datetime] = {}
        # (calendar and policy's number, date, now) -> computed steps: items that share a deadline
        # share a ladder (`for_items`)
        self.ladders: dict[tuple, tuple] = {}
        self._families: dict[tuple, int] = {}
        self._for_items: dict[tuple[int, datetime], tuple] = {}
        self.inserted: dict[str, int] = {}
        # (council id, kind, reason) of each council wording that failed in `enqueue` and gave way
        # to the packaged wording: the sweep tells the council's secretary
        self.template_failures: list[tuple[int, str, str]] = []
        # batched: `enqueue` only collects; `prepare` + `write` check, render and insert a whole batch at
        # once (one existence query, one multi-row INSERT … ON CONFLICT DO NOTHING RETURNING,
        # one delivery INSERT) — the sweep's path. Unbatched: one message at a time.
        self.pending: list[tuple] | None = [] if batched else None
        # a person with no contact channel: with COBUILD_DELIVERY=file every message is written
        # to the file all the same (a trial, the demo); live, nobody to send to is a failure
        settings = get_settings()
        self._nobody: list[tuple[str, str]] = [("file", "-")] if settings.delivery == "file" else []
        self._base = public_base(settings.public_url)  # links into the web app (None: unset)

    def calendar(self, council: Council) -> tuple[WorkCalendar, Policy]:
        if council.id not in self._calendars:
            self._calendars[council.id] = (calendar_of(council), Policy.of(council))
        return self._calendars[council.id]

    def for_items(self, council: Council, now: datetime) -> tuple[WorkCalendar, Policy, date, int]:
        """What working out each item of a council needs at `now`, asked once per item: its
        calendar, policy and local date, and the number of its (calendar, policy) pair among this
        sweep's — councils with the same pair share ladders (`ladders`) keyed by that number
        (hashing the policy itself for every item cost more than this)."""
        key = (council.id, now)
        found = self._for_items.get(key)
        if found is None:
            cal, policy = self.calendar(council)
            family = self._families.setdefault((cal.key, policy), len(self._families))
            found = self._for_items[key] = (cal, policy, local_date(now, council.timezone), family)
        return found

    def load_overrides(self, council_ids) -> None:
        """The template overrides of these councils, in one query (the sweep asks per batch: one
        query per council was a cost a tick that reaches every council paid)."""
        ids = [i for i in dict.fromkeys(council_ids) if i not in self._overrides]
        for start in range(0, len(ids), 500):
            chunk = ids[start:start + 500]
            found: dict[int, dict] = {i: {} for i in chunk}
            dialect = self.session.get_bind().dialect.name
            for council_id, kind, language, part, source in self.session.execute(
                    _overrides_of(dialect), {"councils": among_values(dialect, chunk)}).all():
                found[council_id][(kind, language, part)] = source
            self._overrides.update(found)

    def overrides(self, council_id: int, kind: str, lang: str) -> dict[str, str] | None:
        if council_id not in self._overrides:
            self.load_overrides([council_id])
        # asked once per message: the answer is kept per (council, kind, language)
        if (council_id, kind, lang) not in self._override_parts:
            found = {part: source for (k, language, part), source in self._overrides[council_id].items()
                     if k == kind and language == lang}
            self._override_parts[(council_id, kind, lang)] = found or None
        return self._override_parts[(council_id, kind, lang)]

    def channels(self, member: Member) -> list[tuple[str, str]]:
        if member.id not in self._channels:
            rows = self.session.exec(select(ContactChannel).where(ContactChannel.member_id == member.id,
                                                                  ContactChannel.enabled == True)).all()  # noqa: E712
            self._channels[member.id] = [(str(r.kind), r.address) for r in rows] or self._nobody
        return self._channels[member.id]

    def exists(self, key: str) -> bool:
        return self.session.exec(select(Notification.id).where(Notification.dedupe_key == key)).first() is not None

    def release(self, council: Council, now: datetime) -> datetime:
        key = (council.id, now)
        found = self._release.get(key)
        if found is None:
            try:
                cal, policy = self.calendar(council)
                found = release_time(now, cal, policy)
            except (ValueError, OverflowError):  # a council calendar that cannot be read holds nothing back
                found = now
            self._release[key] = found
        return found

    def _job(self, council: Council, member: Member, kind: str, context: dict, step: str,
             subject_type: str = "", subject_id: int | None = None, basis: str = "") -> tuple:
        """What `render_jobs` needs for one message (plain data: it may be rendered in another process)."""
        lang = language_of(member.language)
        link = page_link(self._base, council.id, subject_type, subject_id)
        token = action_links.make(member.id, kind, subject_id, basis) if link and kind in action_links.ACTIONS else None
        return (kind, lang, {**context, "recipient": member.name, "council": council.name, "step": step, "link": link,
                             "action_link": f"{self._base}/a/{token}" if token else None},
                self.overrides(council.id, kind, lang))

    def _row(self, council: Council, member: Member, kind: str, now: datetime, step: str, subject_type: str,
             subject_id: int | None, basis: str, key: str, rendered: tuple[str, str, str], lang: str) -> tuple[dict, bool]:
        """`lang`: the language the message was rendered in (`_job`)."""
        held = member.delivery == "digest" and kind not in UNHELD
        row = dict(council_id=council.id, member_id=member.id, kind=kind, step=step, dedupe_key=key,
                   subject_type=subject_type, subject_id=subject_id, basis=basis, language=lang,
                   subject=rendered[0], body_text=rendered[1], body_html=rendered[2],
                   status=NotificationStatus.held if held else NotificationStatus.pending,
                   not_before=self.release(council, now), created_at=now)
        return row, held

    def enqueue(self, council: Council, member: Member, kind: str, *, now: datetime, context: dict,
                step: str = "", subject_type: str = "", subject_id: int | None = None, basis: str = "") -> int | None:
        """The new notification's id, or None if this exact message was already queued (or,
        batched, always None: the batch is written by `prepare` and `write`)."""
        key = dedupe_key(kind, step, subject_type, subject_id, basis, member.id)
        if self.pending is not None:
            self.pending.append((council, member, kind, now, context, step, subject_type, subject_id, basis, key))
            return None
        if self.exists(key):
            return None
        job = self._job(council, member, kind, context, step, subject_type, subject_id, basis)
        failed: list[tuple[int, str]] = []
        rendered = render_jobs([job], failed)[0]
        self.template_failures += [(council.id, kind, reason) for _, reason in failed]
        row, held = self._row(council, member, kind, now, step, subject_type, subject_id, basis, key, rendered, job[1])
        notification_id = insert_once(self.session, row)
        if notification_id is None:
            return None  # another sweeper won the race; its row stands
        if not held:
            add_deliveries(self.session, notification_id, self.channels(member), row["not_before"])
        self.inserted[kind] = self.inserted.get(kind, 0) + 1
        return notification_id


    def prepare(self, ask_outbox: bool = True) -> PreparedBatch:
        """Take the collected messages and drop those already in the outbox (one query per 500
        keys): what is left is rendered (here or in another process: `jobs`) and then given,
        with its rendering, to `write`. Without `ask_outbox` only repeats within the batch are
        dropped, and `write`'s INSERT drops the rest."""
        pending, self.pending = self.pending or [], []
        keys = list(dict.fromkeys(p[-1] for p in pending)) if ask_outbox else []
        existing: set[str] = set()
        dialect = self.session.get_bind().dialect.name
        for start in range(0, len(keys), 500):
            existing.update(self.session.execute(_queued_of(dialect), {"keys": among_values(dialect, keys[start:start + 500])})
                            .scalars())
        batch = PreparedBatch([], [])
        for council, member, kind, now, context, step, subject_type, subject_id, basis, key in pending:
            if key in existing:
                continue
            existing.add(key)  # the same message twice in one batch goes in once
            batch.messages.append((council, member, kind, now, step, subject_type, subject_id, basis, key))
            batch.jobs.append(self._job(council, member, kind, context, step, subject_type, subject_id, basis))
        return batch

    def write_pending(self) -> int:
        """Render and write what `enqueue` collected (batched), here and now: a use case's
        hand-offs. Returns how many messages were new. The outbox is not asked first: a hand-off's
        key names the step that caused it, so it is nearly always new, and the INSERT drops a
        repeat all the same (asking cost a query of every action that tells someone)."""
        batch = self.prepare(ask_outbox=False)
        failed: list[tuple[int, str]] = []
        rendered = render_jobs(batch.jobs, failed)
        self.template_failures += [(batch.messages[index][0].id, batch.messages[index][2], reason)
                                   for index, reason in failed]
        return self.write(self.rows(batch, rendered))

    def rows(self, batch: PreparedBatch, rendered: list[tuple[str, str, str]]) -> list[dict]:
        """A prepared batch with its rendering as the notification rows `write` inserts (plain
        dicts, one INSERT for the batch)."""
        return [self._row(council, member, kind, now, step, subject_type, subject_id, basis, key, text, job[1])[0]
                for (council, member, kind, now, step, subject_type, subject_id, basis, key), job, text in zip(
                    batch.messages, batch.jobs, rendered, strict=True)]

    def write(self, rows: list[dict]) -> int:
        """Insert a batch's notification rows (`rows`): the database drops any another sweeper
        got in first; the new ones get their deliveries. Returns how many messages were new."""
        if not rows:
            return 0
        session = self.session
        held = NotificationStatus.held
        # everything but the new ids worked out before the INSERT: on SQLite a batch's first write
        # takes the database's one write lock, which the sweep's worker waits for, until the commit
        self._prefetch_channels([row["member_id"] for row in rows if row["status"] != held])
        channels_of = self._channels
        plans = [(row["dedupe_key"], row["kind"], row["status"] == held, row["not_before"],
                  () if row["status"] == held else channels_of[row["member_id"]]) for row in rows]
        ids = insert_many_once(session, rows)
        deliveries, nobody = [], []
        for key, kind, is_held, at, channels in plans:
            notification_id = ids.get(key)
            if notification_id is None:
                continue  # another sweeper won the race; its row stands
            self.inserted[kind] = self.inserted.get(kind, 0) + 1
            if is_held:
                continue
            if not channels:
                nobody.append((notification_id, at))
            deliveries += delivery_tuples(notification_id, channels, at)
        insert_tuples(session, DELIVERIES, DELIVERY_COLUMNS, deliveries)
        undeliverable(session, nobody)  # the batch's together: two statements a message were most of an escalation tick
        return len(ids)

    def _prefetch_channels(self, member_ids: list[int]) -> None:
        missing = [m for m in dict.fromkeys(member_ids) if m not in self._channels]
        for start in range(0, len(missing), 500):
            chunk = missing[start:start + 500]
            found: dict[int, list[tuple[str, str]]] = {m: [] for m in chunk}
            dialect = self.session.get_bind().dialect.name
            for member_id, kind, address in self.session.execute(
                    _channels_of(dialect), {"members": among_values(dialect, chunk)}).all():
                found[member_id].append((kind, address))
            self._channels.update({m: channels or self._nobody for m, channels in found.items()})


# statements the sweep runs for every batch, built once with bound values (building one again, its
# coercions and cache key, cost about as much as running it)

@lru_cache(maxsize=4)
def _queued_of(dialect: str):
    """Which of some dedupe keys are in the outbox already."""
    return sa_select(_KEY).where(_KEY.in_(among_param("keys", dialect)))


@lru_cache(maxsize=4)
def _overrides_of(dialect: str):
    """Some councils' own wordings, as plain rows."""
    return sa_select(_OVERRIDE.council_id, _OVERRIDE.kind, _OVERRIDE.language, _OVERRIDE.part, _OVERRIDE.source).where(
        _OVERRIDE.council_id.in_(among_param("councils", dialect)))


@lru_cache(maxsize=4)
def _channels_of(dialect: str):
    """Some people's enabled channels, as plain rows (ORM objects were half of this read)."""
    return sa_select(_CHANNEL.member_id, _CHANNEL.kind, _CHANNEL.address).where(
        _CHANNEL.member_id.in_(among_param("members", dialect)), _CHANNEL.enabled == True).order_by(_CHANNEL.id)  # noqa: E712


def insert_many_once(session: Session, rows: list[dict]) -> dict[str, int]:
    """A multi-row INSERT … ON CONFLICT (dedupe_key) DO NOTHING RETURNING: the ids of the rows
    that went in, by dedupe key (the database decides, as in `insert_once`)."""
    return insert_many_unless_exist(session, Notification.__table__, rows, "dedupe_key")


def insert_once(session: Session, row: dict) -> int | None:
    return insert_unless_exists(session, Notification.__table__, row, "dedupe_key")


def add_deliveries(session: Session, notification_id: int, channels: list[tuple[str, str]], at: datetime) -> None:
    # a core INSERT, not ORM objects: an ORM object per delivery is flushed one by one by the
    # next query of the sweep (measured: two thirds of the sweep's time)
    if not channels:
        undeliverable(session, [(notification_id, at)])
        return
    insert_tuples(session, DELIVERIES, DELIVERY_COLUMNS, delivery_tuples(notification_id, channels, at))


def undeliverable(session: Session, messages: list[tuple[int, datetime]]) -> None:
    """Messages to people with no contact channel: nobody to send to is a failure the secretary
    must see (a dead delivery, the message failed), not a silent success."""
    if not messages:
        return
    insert_many(session, DELIVERIES, [
        {"notification_id": notification_id, "channel": "none", "address": "-", "status": DeliveryStatus.dead.value,
         "attempts": 0, "next_attempt_at": at, "last_error": "该人员没有可用的联系方式 / the person has no contact channel"}
        for notification_id, at in messages])
    ids = [notification_id for notification_id, _ in messages]
    for start in range(0, len(ids), 500):
        session.execute(update(Notification).where(Notification.id.in_(ids[start:start + 500]))
                        .values(status=NotificationStatus.failed))


def delivery_tuples(notification_id: int, channels: Sequence[tuple[str, str]], at: datetime) -> list[tuple]:
    """One pending delivery per channel of the person, due at `at` (DELIVERY_COLUMNS)."""
    return [(notification_id, kind, address, DeliveryStatus.pending.value, 0, at) for kind, address in channels]


def drop_pending(session: Session, notification_ids: list[int]) -> int:
    """Drop messages that were computed from something that has changed."""
    if not notification_ids:
        return 0
    session.execute(update(Delivery).where(Delivery.notification_id.in_(notification_ids),
                                           Delivery.status.in_([DeliveryStatus.pending, DeliveryStatus.retry]))
                    .values(status=DeliveryStatus.dropped))
    result = session.execute(update(Notification).where(Notification.id.in_(notification_ids),
                                                        Notification.status.in_([NotificationStatus.pending, NotificationStatus.held]))
                             .values(status=NotificationStatus.dropped))
    return result.rowcount or 0


