"""The reminder sweep: everything SPEC.md section 4 sends by itself.

Three parts, each idempotent and each proportional to what is due, not to what exists:
- items: one indexed query finds the items whose `next_reminder_at` has come (or was reset by
  a change); their ladder is computed (models/reminders.py), the due steps are queued, and
  the time of the next step is stored. Items are worked in batches, one commit per batch.
- council events: window opened, non-submitters, the agenda, elections, hand-over,
  evaluation, the term report — each claimed once by a unique key (`once`).
- service orders: untaken, coming, unrecorded and unrated orders (cobuild/sweep/orders.py);
  self-evaluations of the yearly appraisal coming due (cobuild/sweep/appraisal.py).
- digests: a daily digest for people who prefer one, the weekly digest on Monday morning."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from cobuild.models.base import aware
from cobuild.notifications.outbox import Outbox
from cobuild.sweep.appraisal import sweep_appraisals
from cobuild.sweep.digests import sweep_digests
from cobuild.sweep.directory import Directory
from cobuild.sweep.events import sweep_council_events
from cobuild.sweep.items import sweep_items
from cobuild.sweep.orders import sweep_orders


def sweep(session: Session, now: datetime, batch: int = 500, render_worker: bool | None = None) -> dict:
    """One full pass; returns counts, including messages queued by kind. `render_worker`: see
    `sweep_items`."""
    now = aware(now)
    outbox = Outbox(session)
    directory = Directory(session, set())  # who is who, loaded once for the three passes
    result = sweep_items(session, now, outbox, batch, directory, render_worker)
    result.update(sweep_council_events(session, now, outbox, directory))
    result.update(sweep_orders(session, now, outbox, directory))
    result.update(sweep_appraisals(session, now, outbox, directory))
    result.update(sweep_digests(session, now, outbox, directory))
    result["queued"] = dict(outbox.inserted)
    return result
