"""What moves the mechanism forward in time. Each pass is idempotent: it looks only at what is
due at `now` in its current state, so re-running it, or running it late, is always safe."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy.exc import InterfaceError, OperationalError
from sqlmodel import Session, select

from cobuild.actions import conferences as conference_actions
from cobuild.actions import terms as term_actions
from cobuild.models import (
    Conference,
    ConferenceStatus,
    Council,
    DomainError,
    Election,
    ElectionStatus,
    Term,
    TermStatus,
)
from cobuild.models.base import aware

log = logging.getLogger(__name__)


def _run(result: dict, key: str, fn, session: Session, *args, **kwargs) -> None:
    """One council's step: refused or failed, it is reported and rolled back, and the others go on
    (the database itself going away is raised, for the flow task's retries)."""
    try:
        fn(session, *args, **kwargs)
        result[key] = result.get(key, 0) + 1
    except DomainError as exc:
        result.setdefault("errors", []).append(f"{key}: {exc.message('en')}")
        log.warning("%s skipped: %s", key, exc.message("en"))
    except (OperationalError, InterfaceError):
        raise
    except Exception as exc:  # noqa: BLE001 — one council's data must not stop every council's cycle
        session.rollback()
        result.setdefault("errors", []).append(f"{key}: {exc}")
        log.exception("%s failed; tried again next tick", key)


def conference_cycle(session: Session, now: datetime) -> dict:
    """Open submission windows that are due and lock agendas whose window has closed."""
    now = aware(now)
    result: dict = {"windows_opened": 0, "agendas_locked": 0}
    for conference in session.exec(select(Conference).where(
            Conference.status == ConferenceStatus.planned, Conference.window_opens_at <= now)).all():
        _run(result, "windows_opened", conference_actions.open_window, session, conference, now=now)
    for conference in session.exec(select(Conference).where(
            Conference.status == ConferenceStatus.collecting, Conference.window_closes_at <= now)).all():
        _run(result, "agendas_locked", conference_actions.lock_agenda, session, conference, now=now)
    return result


def chair_cycle(session: Session, now: datetime) -> dict:
    """Evaluations, term reports, elections and term starts that are due at `now`."""
    now = aware(now)
    result: dict = {"evaluations_opened": 0, "reports_published": 0, "elections_opened": 0,
                    "elections_closed": 0, "terms_started": 0}
    current = session.exec(select(Term).where(Term.status.in_([TermStatus.active, TermStatus.evaluating]))).all()
    # only the councils with a term to look at (a tick used to load every council)
    councils = {c.id: c for c in session.exec(select(Council).where(Council.id.in_(
        {t.council_id for t in current}))).all()} if current else {}
    for term in current:
        council = councils[term.council_id]
        if term.status == TermStatus.active and now >= term_actions.evaluation_opens_at(council, term):
            _run(result, "evaluations_opened", term_actions.open_evaluation, session, term, now=now)
        if term.status == TermStatus.evaluating and now >= term_actions.term_end_at(council, term):
            _run(result, "reports_published", term_actions.publish_term_report, session, term, now=now)
        window_opens = term_actions.term_end_at(council, term) - timedelta(days=council.election_window_days)
        if term.status != TermStatus.reported and now >= window_opens and not _successor_settled(session, term):
            _run(result, "elections_opened", term_actions.open_election, session, council, now=now)
    for election in session.exec(select(Election).where(Election.status == ElectionStatus.open,
                                                        Election.closes_at <= now)).all():
        _run(result, "elections_closed", term_actions.close_election, session, election, now=now)
    for term in session.exec(select(Term).where(Term.status == TermStatus.scheduled)).all():
        council = councils.get(term.council_id) or session.get(Council, term.council_id)
        if now < term_actions.term_start_at(council, term):
            continue
        for election in session.exec(select(Election).where(Election.term_id == term.id,
                                                            Election.status == ElectionStatus.open)).all():
            _run(result, "elections_closed", term_actions.close_election, session, election, now=now, force=True)
        _run(result, "terms_started", term_actions.start_term, session, term, now=now)
    return result


def _successor_settled(session: Session, term: Term) -> bool:
    """The next term already has a chair or an election under way."""
    successor = session.exec(select(Term).where(Term.council_id == term.council_id,
                                                Term.number == term.number + 1)).first()
    if successor is None:
        return False
    if successor.chair_member_id is not None:
        return True
    return session.exec(select(Election).where(Election.term_id == successor.id)).first() is not None


def advance(session: Session, now: datetime) -> dict:
    """Both cycles, chair first (a term must start before its conferences move)."""
    chair, conference = chair_cycle(session, now), conference_cycle(session, now)
    errors = chair.pop("errors", []) + conference.pop("errors", [])
    return {**chair, **conference, **({"errors": errors} if errors else {})}
