"""Reads that stay true until the council next changes.

Every change to a council's data is an audit event of that council (the chain, `actions/common.py`
`record`), so the council's latest event — its id and hash — names the state its data is in. A read
that depends only on that state and the day (the dashboard's figures; an item with its history,
the same for everyone who may see it) is made once per state and process and kept: when a resolution
sends a crowd to the same pages within minutes, the first reader makes it and the rest read it. A
new event is a new state; the old answers age out of a small LRU. The hash, not the id alone: an id
freed by a rolled-back transaction may name another event later, and two databases served by one
process have the same ids.

What is kept is shared between requests: callers read it and never change it.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Any, Callable

from sqlalchemy import bindparam
from sqlmodel import Session, select

from cobuild.models import AuditEvent
from cobuild.platform.db import memo

_LATEST = (select(AuditEvent.id, AuditEvent.hash).where(AuditEvent.council_id == bindparam("council"))
           .order_by(AuditEvent.id.desc()).limit(1))
_KEPT: OrderedDict[tuple, Any] = OrderedDict()
_MAX = 512
_lock = threading.Lock()


def council_state(session: Session, council_id: int) -> tuple:
    """The council's latest audit event (id, hash), once per request."""
    return memo(session, ("council_state", council_id),
                lambda: tuple(session.exec(_LATEST, params={"council": council_id}).first() or (0, None)))


def versioned(session: Session, council_id: int, key: tuple, compute: Callable[[], Any]) -> Any:
    """`compute()`, or what it gave for this council in this state before. A session with changes
    not yet flushed computes afresh (its state has no event yet)."""
    if session.new or session.dirty or session.deleted:
        return compute()
    name = (str(session.get_bind().url), council_id, council_state(session, council_id), key)
    with _lock:
        if name in _KEPT:
            _KEPT.move_to_end(name)
            return _KEPT[name]
    value = compute()
    with _lock:
        _KEPT[name] = value
        while len(_KEPT) > _MAX:
            _KEPT.popitem(last=False)
    return value
