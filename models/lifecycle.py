"""States and the transitions allowed between them (SPEC.md section 3).

Pure data and one checking function: the use-case layer calls `require_transition` before it
changes anything, so a refused command changes nothing.
"""

from __future__ import annotations

from enum import StrEnum

from cobuild.models.errors import IllegalTransition


class ItemStatus(StrEnum):
    submitted = "submitted"
    accepted = "accepted"
    merged = "merged"
    deferred = "deferred"
    rejected = "rejected"
    claimed = "claimed"
    in_progress = "in_progress"
    close_requested = "close_requested"
    closed = "closed"
    reopened = "reopened"
    cancelled = "cancelled"


class ConferenceStatus(StrEnum):
    planned = "planned"
    collecting = "collecting"
    agenda_locked = "agenda_locked"
    held = "held"
    resolved = "resolved"


class ElectionStatus(StrEnum):
    open = "open"
    closed = "closed"
    decided = "decided"
    runoff = "runoff"


class TermStatus(StrEnum):
    scheduled = "scheduled"
    active = "active"
    evaluating = "evaluating"
    reported = "reported"


S = ItemStatus
ITEM_TRANSITIONS: dict[ItemStatus, frozenset[ItemStatus]] = {
    S.submitted: frozenset({S.accepted, S.merged, S.deferred, S.rejected, S.cancelled}),
    # a deferred item re-enters the next conference's agenda as submitted
    S.deferred: frozenset({S.submitted, S.cancelled}),
    S.accepted: frozenset({S.claimed, S.cancelled}),
    # claimed -> accepted: the lead unit declines the assignment before starting work
    S.claimed: frozenset({S.in_progress, S.accepted, S.cancelled}),
    S.in_progress: frozenset({S.close_requested, S.cancelled}),
    S.close_requested: frozenset({S.closed, S.in_progress, S.cancelled}),
    S.closed: frozenset({S.reopened}),
    S.reopened: frozenset({S.in_progress, S.cancelled}),
    S.merged: frozenset(),
    S.rejected: frozenset(),
    S.cancelled: frozenset(),
}

# Items that are part of a published resolution and still being worked.
WORKING_STATES = frozenset({S.accepted, S.claimed, S.in_progress, S.close_requested, S.reopened})
# Every state from which an item can still change.
OPEN_STATES = frozenset(s for s, targets in ITEM_TRANSITIONS.items() if targets) - {S.closed}
FINAL_STATES = frozenset(s for s, targets in ITEM_TRANSITIONS.items() if not targets)

C = ConferenceStatus
CONFERENCE_TRANSITIONS: dict[ConferenceStatus, frozenset[ConferenceStatus]] = {
    C.planned: frozenset({C.collecting}),
    C.collecting: frozenset({C.agenda_locked}),
    C.agenda_locked: frozenset({C.held}),
    C.held: frozenset({C.resolved}),
    C.resolved: frozenset(),
}

E = ElectionStatus
ELECTION_TRANSITIONS: dict[ElectionStatus, frozenset[ElectionStatus]] = {
    E.open: frozenset({E.closed}),
    E.closed: frozenset({E.decided, E.runoff}),
    E.decided: frozenset(),
    E.runoff: frozenset(),
}

T = TermStatus
TERM_TRANSITIONS: dict[TermStatus, frozenset[TermStatus]] = {
    T.scheduled: frozenset({T.active}),
    T.active: frozenset({T.evaluating}),
    T.evaluating: frozenset({T.reported}),
    T.reported: frozenset(),
}

_TABLES = {
    "item": ITEM_TRANSITIONS,
    "conference": CONFERENCE_TRANSITIONS,
    "election": ELECTION_TRANSITIONS,
    "term": TERM_TRANSITIONS,
}


def _targets(subject: str, current: str):
    """The current state as its enum, and the states it may move to."""
    table: dict = _TABLES[subject]  # type: ignore[assignment]  # each value is a transitions table
    state = type(next(iter(table)))(current)
    return state, table[state]


def can_transition(subject: str, current: str, target: str) -> bool:
    return target in _targets(subject, current)[1]


def require_transition(subject: str, current: str, target: str, action: str) -> None:
    """Refuse with a message naming the current state and the allowed ones."""
    state, targets = _targets(subject, current)
    if target not in targets:
        raise IllegalTransition(
            "illegal_transition",
            subject=subject,
            state=state.value,
            action=action,
            allowed=[s.value for s in targets],
        )


def require_state(subject: str, current: str, allowed: set[str] | frozenset, action: str) -> None:
    """Refuse unless the subject is in one of `allowed` states."""
    if str(current) not in {str(a) for a in allowed}:
        raise IllegalTransition(
            "wrong_state", subject=subject, state=str(current), action=action,
            allowed=[str(a) for a in allowed],
        )
