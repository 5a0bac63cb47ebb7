"""Appraisal reminders (SPEC.md §10): three working days before a round's self-evaluations are
due, the liaisons of each unit that has not evaluated itself yet — once per round and unit."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from functools import partial

from sqlmodel import Session, select

from cobuild.actions.appraisal import councils_of_round, units_of_round
from cobuild.actions.common import once
from cobuild.actions.handoffs import liaisons
from cobuild.models.appraisal import AppraisalRound, RoundStatus, SelfEvaluation
from cobuild.models.base import today_for
from cobuild.models.workdays import calendar_of
from cobuild.notifications.outbox import Outbox
from cobuild.sweep.directory import Directory
from cobuild.sweep.problems import Problem, isolated, report

AHEAD = 3  # working days before the self-evaluations are due


def sweep_appraisals(session: Session, now: datetime, outbox: Outbox, directory: Directory | None = None) -> dict:
    counts: defaultdict[str, int] = defaultdict(int)
    rounds = session.exec(select(AppraisalRound).where(AppraisalRound.status == RoundStatus.open)).all()
    if not rounds:
        return {}
    directory = directory or Directory(session, set())
    problems: list[Problem] = []
    for row in rounds:
        for council in councils_of_round(session, row):
            directory.load(session, {council.id})
            isolated(session, problems, council.id, ("年度考评提醒", "The appraisal reminders"),
                     partial(_remind, session, row, council, outbox, now, counts))
    report(session, outbox, directory, problems, now)
    return dict(counts)


def _remind(session, row, council, outbox, now, counts) -> None:
    today = today_for(council, now)
    if not today <= row.self_due <= calendar_of(council).add_workdays(today, AHEAD):
        return
    done = set(session.exec(select(SelfEvaluation.unit_id).where(SelfEvaluation.round_id == row.id)).all())
    for unit in units_of_round(session, row):
        if unit.council_id != council.id or unit.id in done:
            continue
        if not once(session, council.id, f"appraisal_self|round:{row.id}|unit:{unit.id}", now):
            continue
        for person in liaisons(session, unit.id):
            outbox.enqueue(council, person, "appraisal_reminder", now=now, subject_type="appraisal", subject_id=row.id,
                           context={"year": row.year, "unit": unit.name, "due": row.self_due.isoformat()})
        counts["appraisal_reminder"] += 1
