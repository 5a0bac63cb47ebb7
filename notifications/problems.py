"""What went wrong in one council, told to its secretaries: a sweep's failed item or council
(`sweep/problems.py`), or the council's own wording that failed for a message and gave way to the
packaged wording (a sweep's or a use case's hand-off)."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from cobuild.models.base import local_date
from cobuild.models.messages import kind_name
from cobuild.notifications.outbox import Outbox

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Problem:
    """One council's part of a tick that failed (its data, its own wording): logged with the
    council and the cause, and told to the council's secretaries once a day (`tell_secretaries`)
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


def tell_secretaries(outbox: Outbox, councils: dict, secretaries: dict, problems: list[Problem], now: datetime) -> None:
    """Log each problem; queue a `council_problem` message to its council's secretaries
    (`secretaries[council id]`), once per problem and local day (the dedupe key carries both)."""
    for problem in {(p.council_id, p.code, p.key): p for p in problems}.values():
        log.warning("council %s: %s %s failed: %s", problem.council_id, problem.code, problem.key,
                    problem.context["detail"])
        council = councils.get(problem.council_id)
        if council is None:
            continue
        day = local_date(now, council.timezone).isoformat()
        for person in secretaries.get(council.id, []):
            outbox.enqueue(council, person, "council_problem", now=now, context={"problem": problem.context},
                           subject_type="council", subject_id=council.id, basis=f"{problem.code}|{problem.key}|{day}")
