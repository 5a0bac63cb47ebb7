"""Council events: a window opened, units yet to submit, the agenda, elections, the hand-over, evaluation, the term report — each claimed once."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from functools import partial

from sqlalchemy import or_
from sqlmodel import Session, select

from cobuild.actions.common import once
from cobuild.models import (
    Ballot,
    Candidate,
    Conference,
    ConferenceStatus,
    Election,
    ElectionStatus,
    EvaluationBallot,
    Item,
    ItemStatus,
    Member,
    Term,
    TermStatus,
)
from cobuild.models.base import local_text
from cobuild.models.reminders import ANNOUNCE_WITHIN, event_due
from cobuild.notifications.outbox import Outbox
from cobuild.reports.views import agenda_lines, conference_message
from cobuild.sweep.directory import Directory, unique
from cobuild.sweep.problems import Problem, isolated, report


def sweep_council_events(session: Session, now: datetime, outbox: Outbox, directory: Directory | None = None) -> dict:
    counts: defaultdict[str, int] = defaultdict(int)
    conferences = session.exec(select(Conference).where(Conference.status.in_(
        [ConferenceStatus.collecting, ConferenceStatus.agenda_locked]))).all()
    elections = session.exec(select(Election).where(or_(
        Election.status == ElectionStatus.open,
        (Election.status == ElectionStatus.decided) & (Election.closes_at >= now - ANNOUNCE_WITHIN)))).all()
    terms = session.exec(select(Term).where(or_(
        Term.status.in_([TermStatus.scheduled, TermStatus.evaluating]),
        (Term.status == TermStatus.reported) & (Term.reported_at >= now - ANNOUNCE_WITHIN)))).all()
    council_ids = {c.council_id for c in conferences} | {e.council_id for e in elections} | {t.council_id for t in terms}
    if not council_ids:
        return dict(counts)
    directory = directory or Directory(session, set())
    directory.load(session, council_ids)
    problems: list[Problem] = []
    for conference in conferences:
        isolated(session, problems, conference.council_id, ("会议 " + conference.code + " 的通知",
                                                              f"The notices of conference {conference.code}"),
                  partial(_conference_events, session, conference, directory, outbox, now, counts))
    for election in elections:
        isolated(session, problems, election.council_id, ("选举通知", "The election notices"),
                  partial(_election_events, session, election, directory, outbox, now, counts))
    for term in terms:
        isolated(session, problems, term.council_id, ("任期通知", "The term notices"),
                  partial(_term_events, session, term, directory, outbox, now, counts))
    report(session, outbox, directory, problems, now)
    return dict(counts)


def _send(outbox, council, people, kind, now, context, subject_type, subject_id, counts) -> None:
    for person in unique(people):
        outbox.enqueue(council, person, kind, now=now, context=context, subject_type=subject_type, subject_id=subject_id)
    counts[kind] += 1


def _conference_events(session, conference, directory, outbox, now, counts) -> None:
    council = directory.councils[conference.council_id]
    context = conference_message(council, conference)
    units = [u for u in directory.units.values() if u.council_id == council.id and u.active]
    if conference.status == ConferenceStatus.collecting:
        if once(session, council.id, f"window_open|conference:{conference.id}", now):
            _send(outbox, council, directory.unit_people([u.id for u in units]), "window_open", now, context,
                  "conference", conference.id, counts)
        if event_due("submission_reminder", now, conference.window_closes_at) and \
                once(session, council.id, f"submission_reminder|conference:{conference.id}", now):
            submitted = set(session.exec(select(Item.raised_by_unit_id).where(
                Item.raised_conference_id == conference.id, Item.status != ItemStatus.cancelled)).all())
            for unit in units:
                if unit.id not in submitted:
                    _send(outbox, council, directory.unit_people([unit.id]), "submission_reminder", now,
                          {**context, "unit": unit.name}, "conference", conference.id, counts)
    elif once(session, council.id, f"agenda|conference:{conference.id}", now):
        agenda = agenda_lines(session, conference)
        _send(outbox, council, directory.voters[council.id], "agenda", now, {**context, "agenda": agenda},
              "conference", conference.id, counts)


def _term_dict(term: Term) -> dict:
    return {"number": term.number, "starts_on": term.starts_on.isoformat(), "ends_on": term.ends_on.isoformat()}


def _election_events(session, election, directory, outbox, now, counts) -> None:
    council = directory.councils[election.council_id]
    term = session.get(Term, election.term_id)
    candidates = [directory.members[c].name for c in session.exec(
        select(Candidate.member_id).where(Candidate.election_id == election.id)).all() if c in directory.members]
    context = {"term": _term_dict(term), "closes": local_text(council, election.closes_at), "candidates": candidates}
    voters = directory.voters[council.id]
    if election.status == ElectionStatus.open:
        if once(session, council.id, f"election_open|election:{election.id}", now):
            _send(outbox, council, voters, "election_open", now, context, "election", election.id, counts)
        if event_due("election_reminder", now, election.closes_at) and \
                once(session, council.id, f"election_reminder|election:{election.id}", now):
            voted = set(session.exec(select(Ballot.voter_id).where(Ballot.election_id == election.id)).all())
            _send(outbox, council, [m for m in voters if m.id not in voted], "election_reminder", now, context,
                  "election", election.id, counts)
    elif election.winner_member_id and once(session, council.id, f"election_result|election:{election.id}", now):
        winner = directory.members.get(election.winner_member_id) or session.get(Member, election.winner_member_id)
        how = {"election": ("得票最多", "by plurality"), "runoff": ("经第二轮投票", "in a runoff"),
               "tie_break": ("得票相同,按最久未任主席的单位确定", "on a tie, as the unit that chaired least recently")}
        zh, en = how.get(election.decided_by or "election", how["election"])
        _send(outbox, council, voters, "election_result", now,
              {**context, "winner": winner.name, "unit": directory.units[winner.unit_id].name, "how": zh, "how_en": en},
              "election", election.id, counts)


def _term_events(session, term, directory, outbox, now, counts) -> None:
    from cobuild.models.terms import term_end_at, term_start_at

    council = directory.councils[term.council_id]
    chair = directory.members.get(term.chair_member_id) if term.chair_member_id else None
    context = {"term": _term_dict(term), "chair": chair.name if chair else "-",
               "closes": local_text(council, term_end_at(council, term))}
    voters = [m for m in directory.voters[council.id] if m.id != term.chair_member_id]
    if term.status == TermStatus.scheduled:
        if chair and event_due("handover", now, term_start_at(council, term)) and \
                once(session, council.id, f"handover|term:{term.id}", now):
            _send(outbox, council, [chair], "handover", now, context, "term", term.id, counts)
    elif term.status == TermStatus.evaluating:
        if once(session, council.id, f"evaluation_open|term:{term.id}", now):
            _send(outbox, council, voters, "evaluation_open", now, context, "term", term.id, counts)
        if event_due("evaluation_reminder", now, term_end_at(council, term)) and \
                once(session, council.id, f"evaluation_reminder|term:{term.id}", now):
            done = set(session.exec(select(EvaluationBallot.voter_id).where(EvaluationBallot.term_id == term.id)).all())
            _send(outbox, council, [m for m in voters if m.id not in done], "evaluation_reminder", now, context,
                  "term", term.id, counts)
    elif term.report and once(session, council.id, f"term_report|term:{term.id}", now):
        report = term.report
        totals = report["totals"]

        def pct(value):
            return "-" if value is None else f"{value:.1%}"

        people = directory.voters[council.id] + [m for units in directory.liaisons.values() for m in units
                                                 if m.council_id == council.id]
        _send(outbox, council, people, "term_report", now,
              {**context, "totals": totals, "commitments": len(report["commitments"]),
               "commitments_kept": report["commitments_kept"], "completion": pct(totals["completion_rate"]),
               "on_time": pct(totals["on_time_rate"]), "evaluations": report["evaluation"]["ballots"]},
              "term", term.id, counts)
