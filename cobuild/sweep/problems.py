"""One council's failure stays its own: what went wrong, kept per council, told to its
secretary once (`council_problem`), retried later."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy.exc import InterfaceError, OperationalError
from sqlmodel import Session

from cobuild.notifications.outbox import Outbox
from cobuild.notifications.problems import Problem, tell_secretaries
from cobuild.sweep.directory import Directory

# an item whose reminders could not be worked out is tried again after this (the next tick)
PROBLEM_RETRY = timedelta(minutes=5)

log = logging.getLogger(__name__)


# the database itself failing is no council's problem: raised, for the flow task's retries
DATABASE_DOWN = (OperationalError, InterfaceError)


def report_problems(outbox: Outbox, directory: Directory, problems: list[Problem], now: datetime) -> None:
    """Log each problem; queue a `council_problem` message to its council's secretaries, once per
    problem and local day (`notifications.problems`)."""
    tell_secretaries(outbox, directory.councils, directory.secretaries, problems, now)


def isolated(session: Session, problems: list[Problem], council_id: int, what: tuple[str, str], work) -> None:
    """One council's part of a pass, committed on its own; if it fails, it alone is rolled back
    and reported (`report`), and tried again next tick. The database going away is not a
    council's problem: that is raised, for the task's retries."""
    try:
        work()
        session.commit()
    except DATABASE_DOWN:
        raise
    except Exception as error:  # noqa: BLE001 — one council's data must not stop the others'
        session.rollback()
        problems.append(Problem.of(council_id, "council", what[1], error, what=what[0], what_en=what[1]))


def report(session: Session, outbox: Outbox, directory: Directory, problems: list[Problem], now: datetime) -> None:
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
