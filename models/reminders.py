"""The reminder ladder (SPEC.md section 4) as pure functions of a deadline and a calendar.

Nothing here reads the clock or the database: the sweep passes `now`, the item's dates and the
council's calendar and gets back the steps that are due and the time of the next one.

Deadlines on non-working days: the "due day" reminder and the "N working days before" ones
count from the last working day on or before the deadline (people act on working days), while
overdue counts from the deadline itself — the first overdue reminder goes on the first working
day after the deadline, then every `overdue_every` working days; escalations go on the 3rd and
7th working day after the deadline.
"""

from __future__ import annotations

import heapq
import itertools
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Iterator
from zoneinfo import ZoneInfo

from cobuild.models.workdays import WorkCalendar


@dataclass(frozen=True)
class Policy:
    tz: str = "Asia/Shanghai"
    morning: time = time(8, 30)
    approach_days: tuple[int, ...] = (7, 3, 1)
    cooperating_days: tuple[int, ...] = (3,)
    overdue_every: int = 2
    # overdue reminders thin out with age: every `overdue_every` working days while the item is up
    # to this many working days overdue, then every `overdue_later_every` (escalations keep their steps)
    overdue_slower_after: int = 10
    overdue_later_every: int = 5
    escalate_chair_after: int = 3
    escalate_secretary_after: int = 7
    verify_remind_after: int = 3
    verify_escalate_after: int = 5
    quiet_start: time = time(21, 0)
    quiet_end: time = time(8, 0)

    @classmethod
    def of(cls, council) -> "Policy":
        def clock(text: str) -> time:
            hours, minutes = (int(x) for x in text.split(":"))
            return time(hours, minutes)

        return cls(tz=council.timezone, morning=clock(council.morning_send),
                   verify_remind_after=council.verify_remind_working_days,
                   verify_escalate_after=council.verify_escalate_working_days,
                   overdue_every=council.overdue_every_working_days,
                   overdue_slower_after=council.overdue_weekly_after_working_days,
                   quiet_start=clock(council.quiet_start), quiet_end=clock(council.quiet_end))


@dataclass(frozen=True, order=True)
class Step:
    at: datetime  # UTC
    kind: str  # deadline_approaching | deadline_due | overdue | escalation | verify_request | verify_escalation
    step: str  # "7", "3", "1", "0", "overdue-1", "chair", "secretary", "request", "reminder"
    audience: str  # lead | cooperating | chair | secretary | raiser
    family: str  # on catch-up only the latest due step of a family (per audience) is sent


def _morning(day: date, policy: Policy) -> datetime:
    return datetime.combine(day, policy.morning, tzinfo=ZoneInfo(policy.tz)).astimezone(UTC)


def deadline_steps(deadline: date, cal: WorkCalendar, policy: Policy) -> Iterator[Step]:
    """Every step for a deadline, in time order; the overdue steps never end."""
    effective = cal.on_or_before(deadline)
    finite = [Step(_morning(effective, policy), "deadline_due", "0", "lead", "approach")]
    for days in policy.approach_days:
        day = cal.add_workdays(effective, -days)
        finite.append(Step(_morning(day, policy), "deadline_approaching", str(days), "lead", "approach"))
        if days in policy.cooperating_days:
            finite.append(Step(_morning(day, policy), "deadline_approaching", str(days), "cooperating", "approach"))
    finite.append(Step(_morning(cal.add_workdays(deadline, policy.escalate_chair_after), policy),
                       "escalation", "chair", "chair", "escalation"))
    finite.append(Step(_morning(cal.add_workdays(deadline, policy.escalate_secretary_after), policy),
                       "escalation", "secretary", "secretary", "escalation"))

    def overdue() -> Iterator[Step]:
        day, late = cal.add_workdays(deadline, 1), 1  # working days overdue on `day`
        for n in itertools.count(1):
            yield Step(_morning(day, policy), "overdue", f"overdue-{n}", "lead", "overdue")
            every = policy.overdue_every if late < policy.overdue_slower_after else policy.overdue_later_every
            day, late = cal.add_workdays(day, every), late + every

    return heapq.merge(sorted(finite), overdue())


def verify_steps(requested_at: datetime, cal: WorkCalendar, policy: Policy) -> Iterator[Step]:
    """Close-out to verify: on request, again after N working days, to the chair after M."""
    asked_on = requested_at.astimezone(ZoneInfo(policy.tz)).date()
    yield Step(requested_at, "verify_request", "request", "raiser", "verify")
    yield Step(_morning(cal.add_workdays(asked_on, policy.verify_remind_after), policy),
               "verify_request", "reminder", "raiser", "verify")
    yield Step(_morning(cal.add_workdays(asked_on, policy.verify_escalate_after), policy),
               "verify_escalation", "chair", "chair", "verify_escalation")


def due_steps(steps: Iterator[Step], now: datetime) -> tuple[list[Step], datetime | None]:
    """The steps to send at `now` and the time of the next step.

    After a pause (a stopped scheduler, a new item whose early steps are already past) only
    the latest due step of each family and audience is sent: a stale "7 days left" after the
    "3 days left" is noise, not a reminder."""
    latest: dict[tuple[str, str], Step] = {}
    following = None
    for step in steps:
        if step.at > now:
            following = step.at
            break
        latest[(step.family, step.audience)] = step
    if any(family == "overdue" for family, _ in latest):
        # "due today" after the item is already overdue would be wrong, not just late
        latest = {key: step for key, step in latest.items() if key[0] != "approach"}
    return sorted(latest.values()), following


def release_time(moment: datetime, cal: WorkCalendar, policy: Policy) -> datetime:
    """When a message created at `moment` may go out: at once, or — inside quiet hours — on
    the next working morning."""
    tz = ZoneInfo(policy.tz)
    local = moment.astimezone(tz)
    clock = local.time()
    quiet = (clock >= policy.quiet_start or clock < policy.quiet_end) if policy.quiet_start > policy.quiet_end \
        else policy.quiet_start <= clock < policy.quiet_end
    if not quiet:
        return moment
    day = local.date() if clock < policy.quiet_end else local.date() + timedelta(days=1)
    return _morning(cal.on_or_after(day), policy)


# ---- council events -------------------------------------------------------------------------
# Beside the item ladder: when the sweep sends each council event's second message. The first
# (a window opened, an election opened, evaluation opened, a result, a report) goes out on the
# tick that finds the event; these go out from a moment before the event's own deadline.

EVENT_LEAD_TIMES: dict[str, timedelta] = {
    "submission_reminder": timedelta(days=3),   # before the submission window closes: units yet to submit
    "election_reminder": timedelta(days=2),     # before the election closes: members yet to vote
    "handover": timedelta(days=7),              # before the term starts: the incoming chair
    "evaluation_reminder": timedelta(days=3),   # before the term ends: members yet to evaluate the chair
}
# a decided election or a published term report is still announced if the sweep finds it this late
ANNOUNCE_WITHIN = timedelta(days=7)


def event_due(kind: str, now: datetime, deadline: datetime) -> bool:
    """Whether the council event `kind`, counted back from `deadline`, is due at `now`."""
    return now >= deadline - EVENT_LEAD_TIMES[kind]
