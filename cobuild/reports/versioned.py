"""Reads that stay true until the council next changes.

Every change to a council's data is an audit event of that council (the chain, `actions/common.py`
`record`), so the council's latest event — its id and hash — names the state its data is in. A read
that depends only on that state and the day (the dashboard's figures; an item with its history,
the same for everyone who may see it) is made once per state and process and kept: when a resolution
sends a crowd to the same pages within minutes, the first reader makes it and the rest read it. A
new event is a new state: the council's answers of the state before are dropped as soon as an
answer of the new one is kept. Nobody reads them again; left to age out of an LRU, under a steady
stream of writes they were most of what a web process had made since start-up, for the garbage
collector to walk in every full collection (bench/limits.md). The hash, not the id alone: an id
freed by a rolled-back transaction may name another event later, and two databases served by one
process have the same ids.

What is kept is shared between requests: callers read it and never change it.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Any, Callable

from sqlmodel import Session

from cobuild.models.audit import LATEST_EVENT
from cobuild.platform.db import memo

# (database, council) -> (its state, {key: answer}); councils least recently read first
_KEPT: OrderedDict[tuple, tuple[tuple, OrderedDict]] = OrderedDict()
_MAX_COUNCILS = 256
_MAX_ANSWERS = 512  # a council's answers in one state (an item each, the dashboard)
_lock = threading.Lock()


def council_state(session: Session, council_id: int) -> tuple:
    """The council's latest audit event (id, hash), once per request."""
    return memo(session, ("council_state", council_id),
                lambda: tuple(session.execute(LATEST_EVENT, {"council": council_id}).first() or (0, None)))


def versioned(session: Session, council_id: int, key: tuple, compute: Callable[[], Any]) -> Any:
    """`compute()`, or what it gave for this council in this state before. A session with changes
    not yet flushed computes afresh (its state has no event yet), and so does a read that began
    before the council's latest change was kept (its answer is kept for nobody)."""
    if session.new or session.dirty or session.deleted:
        return compute()
    council = (str(session.get_bind().url), council_id)
    state = council_state(session, council_id)
    with _lock:
        kept = _KEPT.get(council)
        if kept is not None and kept[0] == state:
            _KEPT.move_to_end(council)
            answers = kept[1]
            if key in answers:
                answers.move_to_end(key)
                return answers[key]
    value = compute()
    with _lock:
        kept = _KEPT.get(council)
        if kept is None or kept[0] != state:
            if kept is not None and kept[0][0] > state[0]:
                return value  # a newer state is kept already: this answer is out of date
            kept = _KEPT[council] = (state, OrderedDict())
        _KEPT.move_to_end(council)
        kept[1][key] = value
        if len(kept[1]) > _MAX_ANSWERS:
            kept[1].popitem(last=False)
        while len(_KEPT) > _MAX_COUNCILS:
            _KEPT.popitem(last=False)
    return value
