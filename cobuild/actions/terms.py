"""Chair elections, terms, commitments, end-of-term evaluation and the term report."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlmodel import Session, func, select

from cobuild.actions.common import current_term, get, invalid, record, require_voter, required_text, snapshot, use_case
from cobuild.models import (
    GRADES,
    Ballot,
    Candidate,
    ChairSource,
    Commitment,
    CommitmentStatus,
    Conflict,
    Council,
    Election,
    ElectionStatus,
    EvaluationBallot,
    EvaluationScale,
    IllegalTransition,
    InvalidInput,
    Member,
    MemberRole,
    PermissionDenied,
    Term,
    TermStatus,
    Unit,
    require_state,
    require_transition,
)
from cobuild.models.base import add_months, local_text, today_for
from cobuild.models.terms import (
    evaluation_opens_at,
    least_recently_chaired,
    next_in_rotation,
    tally,
    term_end_at,
    term_start_at,
)
from cobuild.models.workdays import working_moment
from cobuild.reports.tracking import term_report_data


def next_term(session: Session, council: Council, after: Term) -> Term:
    """The term that follows `after`, created (scheduled, no chair yet) if it does not exist."""
    existing = session.exec(
        select(Term).where(Term.council_id == council.id, Term.number == after.number + 1)
    ).first()
    if existing:
        return existing
    starts = after.ends_on + timedelta(days=1)
    term = Term(council_id=council.id, number=after.number + 1, starts_on=starts,
                ends_on=add_months(starts, council.term_months) - timedelta(days=1))
    session.add(term)
    session.flush()
    return term


def barred_unit(council: Council, previous: Term | None) -> int | None:
    return previous.chair_unit_id if (council.no_consecutive_terms and previous) else None


def _set_chair(session: Session, term: Term, member: Member, source: ChairSource) -> None:
    term.chair_member_id = member.id
    term.chair_unit_id = member.unit_id
    term.chair_source = source
    session.add(term)


# ---- elections ----------------------------------------------------------------------------


@use_case
def open_election(
    session: Session, council: Council, *, now: datetime, by: Member | None = None,
    candidate_ids: list[int] | None = None,
) -> Election:
    """Open the election for the term after the current one (scheduler or secretary)."""
    if by is not None and by.role != MemberRole.secretary:
        raise PermissionDenied("not_secretary", action="open_election")
    term = current_term(session, council.id)
    if term is None:
        raise invalid("no_current_term")
    upcoming = next_term(session, council, term)
    if upcoming.chair_member_id is not None:
        raise Conflict("duplicate", subject="term", key=f"#{upcoming.number} chair")
    if session.exec(select(Election).where(Election.term_id == upcoming.id)).first():
        raise Conflict("duplicate", subject="election", key=f"term #{upcoming.number}")
    barred = barred_unit(council, term)
    members = session.exec(select(Member).where(Member.council_id == council.id, Member.active == True)).all()  # noqa: E712
    if candidate_ids is None:
        chosen = [m for m in members if m.role == MemberRole.deputy and m.unit_id != barred]
    else:
        by_id = {m.id: m for m in members}
        chosen = []
        for member_id in candidate_ids:
            member = by_id.get(member_id)
            if member is None or not member.votes:
                raise invalid("bad_candidate", key=f"#{member_id}")
            if member.unit_id == barred:
                unit = session.get(Unit, barred)
                raise InvalidInput("consecutive_term", unit=unit.name if unit else barred)
            chosen.append(member)
    if not chosen:
        raise invalid("no_candidates")
    # voting ends on a working day (at the same hour), and before the new term starts
    closes = working_moment(council, now + timedelta(days=council.election_duration_days), term_start_at(council, upcoming),
                            opened=now)
    if closes <= now:
        raise invalid("election_too_late")
    election = Election(council_id=council.id, term_id=upcoming.id, opens_at=now, closes_at=closes)
    session.add(election)
    session.flush()
    for member in chosen:
        session.add(Candidate(election_id=election.id, member_id=member.id))
    record(session, council_id=council.id, by=by, action="election.open", subject=election, now=now,
           after={"term": upcoming.number, "candidates": [m.name for m in chosen], "closes_at": closes})
    return election


@use_case
def cast_vote(session: Session, election: Election, candidate: Member, *, by: Member | None, now: datetime) -> Ballot:
    council = get(session, Council, election.council_id, "council")
    voter = require_voter(by, council, "vote")
    require_state("election", election.status, {ElectionStatus.open}, "vote")
    if not (election.opens_at <= now < election.closes_at):
        raise IllegalTransition("election_window", opens=local_text(council, election.opens_at),
                                closes=local_text(council, election.closes_at))
    candidates = set(session.exec(select(Candidate.member_id).where(Candidate.election_id == election.id)).all())
    if candidate.id not in candidates:
        raise InvalidInput("not_candidate", person=candidate.name)
    if session.exec(select(Ballot).where(Ballot.election_id == election.id, Ballot.voter_id == voter.id)).first():
        raise Conflict("already_voted", person=voter.name)
    ballot = Ballot(election_id=election.id, voter_id=voter.id, candidate_id=candidate.id, cast_at=now)
    session.add(ballot)
    session.flush()
    # the audit event records that a member voted, not for whom: ballots are secret
    record(session, council_id=council.id, by=voter, action="election.vote", subject=election, now=now)
    return ballot


@use_case
def close_election(session: Session, election: Election, *, now: datetime, force: bool = False) -> Election:
    """Count the votes: plurality; on a tie a runoff, else the least recently chaired unit."""
    council = get(session, Council, election.council_id, "council")
    require_transition("election", election.status, ElectionStatus.closed, "close_election")
    if now < election.closes_at and not force:
        raise IllegalTransition("too_early", action="close_election", when=local_text(council, election.closes_at))
    term = get(session, Term, election.term_id, "term")
    candidate_ids = list(session.exec(select(Candidate.member_id).where(Candidate.election_id == election.id)).all())
    votes = list(session.exec(select(Ballot.candidate_id).where(Ballot.election_id == election.id)).all())
    result = tally(candidate_ids, votes)
    election.tally = {str(k): v for k, v in result.counts.items()}
    election.status = ElectionStatus.closed
    winner_id: int | None = None
    source = ChairSource.runoff if election.round > 1 else ChairSource.election
    if result.leaders and not result.tied:
        winner_id = result.leaders[0]
    elif result.tied:
        runoff_closes = working_moment(council, now + timedelta(days=council.runoff_days), term_start_at(council, term),
                                       opened=now)
        if council.runoff_enabled and election.round == 1 and runoff_closes > now:
            election.status = ElectionStatus.runoff
            session.add(election)
            runoff = Election(council_id=council.id, term_id=term.id, round=2, parent_id=election.id,
                              opens_at=now, closes_at=runoff_closes)
            session.add(runoff)
            session.flush()
            for member_id in result.leaders:
                session.add(Candidate(election_id=runoff.id, member_id=member_id))
            record(session, council_id=council.id, by=None, action="election.runoff", subject=election, now=now,
                   after={"tied": list(result.leaders), "runoff_id": runoff.id, "closes_at": runoff_closes})
            return election
        winner_id = _least_recently_chaired(session, council, list(result.leaders))
        source = ChairSource.tie_break
    if winner_id is not None:
        election.status = ElectionStatus.decided
        election.winner_member_id = winner_id
        election.decided_by = source
        _set_chair(session, term, get(session, Member, winner_id, "member"), source)
    session.add(election)
    record(session, council_id=council.id, by=None, action="election.close", subject=election, now=now,
           after={"status": election.status, "tally": election.tally, "winner": winner_id,
                  "decided_by": election.decided_by})
    return election


def _least_recently_chaired(session: Session, council: Council, member_ids: list[int]) -> int:
    members = [session.get(Member, m) for m in member_ids]
    units = {u.id: u for u in session.exec(select(Unit).where(Unit.council_id == council.id)).all()}
    last = dict(session.exec(
        select(Term.chair_unit_id, func.max(Term.starts_on))
        .where(Term.council_id == council.id, Term.status != TermStatus.scheduled, Term.chair_unit_id.is_not(None))
        .group_by(Term.chair_unit_id)
    ).all())
    return least_recently_chaired(
        [(m.id, m.unit_id, units[m.unit_id].rotation_position) for m in members], last
    )


# ---- terms --------------------------------------------------------------------------------


@use_case
def start_term(session: Session, term: Term, *, now: datetime) -> Term:
    """Scheduled -> active. Nobody elected in time: the next unit in rotation order chairs."""
    council = get(session, Council, term.council_id, "council")
    require_transition("term", term.status, TermStatus.active, "start_term")
    if now < term_start_at(council, term):
        raise IllegalTransition("too_early", action="start_term", when=local_text(council, term_start_at(council, term)))
    previous = session.exec(
        select(Term).where(Term.council_id == council.id, Term.number == term.number - 1)
    ).first()
    if previous is not None and previous.status in (TermStatus.active, TermStatus.evaluating):
        raise IllegalTransition("wrong_state", subject="term", state=previous.status, action="start_term",
                                allowed=[TermStatus.reported])
    if term.chair_member_id is None:
        _fallback_chair(session, council, term, previous, now)
    term.status = TermStatus.active
    term.activated_at = now
    session.add(term)
    record(session, council_id=council.id, by=None, action="term.start", subject=term, now=now,
           before={"status": TermStatus.scheduled},
           after=snapshot(term, "status", "chair_member_id", "chair_unit_id", "chair_source"))
    from cobuild.actions.conferences import plan_conferences

    plan_conferences(session, council, term, now=now)
    return term


def _fallback_chair(session: Session, council: Council, term: Term, previous: Term | None, now: datetime) -> None:
    members = session.exec(select(Member).where(Member.council_id == council.id, Member.active == True)).all()  # noqa: E712
    heads: dict[int, Member] = {}
    for member in sorted(members, key=lambda m: (m.role != MemberRole.deputy, m.id)):
        if member.votes and member.role != MemberRole.secretary:
            heads.setdefault(member.unit_id, member)
    units = session.exec(select(Unit).where(Unit.council_id == council.id, Unit.active == True)).all()  # noqa: E712
    eligible = [(u.id, u.rotation_position) for u in units if u.id in heads]
    unit_id = next_in_rotation(eligible, previous.chair_unit_id if previous else None, barred_unit(council, previous))
    if unit_id is None:
        raise invalid("no_chair_unit")
    _set_chair(session, term, heads[unit_id], ChairSource.fallback)
    record(session, council_id=council.id, by=None, action="term.fallback_chair", subject=term, now=now,
           after={"chair_member_id": heads[unit_id].id, "unit_id": unit_id})


def _require_term_chair(term: Term, by: Member | None, action: str) -> Member:
    if by is None or by.id != term.chair_member_id:
        raise PermissionDenied("not_chair", action=action, chair=f"#{term.chair_member_id}")
    return by


@use_case
def publish_statement(session: Session, term: Term, text: str, *, by: Member | None, now: datetime) -> Term:
    chair = _require_term_chair(term, by, "statement")
    require_state("term", term.status, {TermStatus.scheduled, TermStatus.active}, "statement")
    text = required_text(text, "empty_statement")
    before = {"inaugural_statement": term.inaugural_statement}
    term.inaugural_statement = text
    session.add(term)
    record(session, council_id=term.council_id, by=chair, action="term.statement", subject=term, now=now,
           before=before, after={"inaugural_statement": term.inaugural_statement})
    return term


@use_case
def add_commitment(
    session: Session, term: Term, title: str, *, by: Member | None, now: datetime,
    description: str = "", due_on: date | None = None,
) -> Commitment:
    chair = _require_term_chair(term, by, "commit")
    require_state("term", term.status, {TermStatus.scheduled, TermStatus.active}, "commit")
    title = required_text(title, "empty_commitment")
    due = due_on or term.ends_on
    if not (term.starts_on <= due <= term.ends_on):
        raise invalid("commitment_due", starts=term.starts_on, ends=term.ends_on)
    seq = (session.exec(select(func.count()).select_from(Commitment).where(Commitment.term_id == term.id)).one()) + 1
    commitment = Commitment(term_id=term.id, seq=seq, title=title, description=description, due_on=due)
    session.add(commitment)
    session.flush()
    record(session, council_id=term.council_id, by=chair, action="commitment.add", subject=commitment, now=now,
           after=snapshot(commitment, "seq", "title", "due_on"))
    return commitment


@use_case
def close_commitment(
    session: Session, commitment: Commitment, *, by: Member | None, now: datetime, fulfilled: bool = True, note: str = ""
) -> Commitment:
    term = get(session, Term, commitment.term_id, "term")
    chair = _require_term_chair(term, by, "complete_commitment")
    require_state("term", term.status, {TermStatus.active, TermStatus.evaluating}, "complete_commitment")
    require_state("commitment", commitment.status, {CommitmentStatus.open}, "complete_commitment")
    if not fulfilled:
        required_text(note, "reason_drop")
    commitment.status = CommitmentStatus.done if fulfilled else CommitmentStatus.dropped
    commitment.closed_at = now
    commitment.closing_note = note.strip() or None
    session.add(commitment)
    record(session, council_id=term.council_id, by=chair, action="commitment.close", subject=commitment, now=now,
           before={"status": CommitmentStatus.open}, after=snapshot(commitment, "status", "closing_note"))
    return commitment


@use_case
def open_evaluation(session: Session, term: Term, *, now: datetime) -> Term:
    council = get(session, Council, term.council_id, "council")
    require_transition("term", term.status, TermStatus.evaluating, "open_evaluation")
    opens = evaluation_opens_at(council, term)
    if now < opens:
        raise IllegalTransition("too_early", action="open_evaluation", when=local_text(council, opens))
    term.status = TermStatus.evaluating
    term.evaluation_opened_at = now
    session.add(term)
    record(session, council_id=council.id, by=None, action="term.evaluation_open", subject=term, now=now,
           before={"status": TermStatus.active}, after={"status": TermStatus.evaluating})
    return term


@use_case
def cast_evaluation(
    session: Session, term: Term, *, by: Member | None, now: datetime,
    grade: str | None = None, score: int | None = None, comment: str | None = None,
) -> EvaluationBallot:
    council = get(session, Council, term.council_id, "council")
    voter = require_voter(by, council, "evaluate")
    require_state("term", term.status, {TermStatus.evaluating}, "evaluate")
    if voter.id == term.chair_member_id:
        raise PermissionDenied("self_evaluation")
    if council.evaluation_scale == EvaluationScale.grades:
        if grade not in GRADES or score is not None:
            raise invalid("rate_grades", grades=" / ".join(GRADES))
    else:
        if score is None or not (1 <= score <= 100) or grade is not None:
            raise invalid("rate_score")
    if session.exec(select(EvaluationBallot).where(EvaluationBallot.term_id == term.id,
                                                   EvaluationBallot.voter_id == voter.id)).first():
        raise Conflict("already_evaluated", person=voter.name)
    ballot = EvaluationBallot(term_id=term.id, voter_id=voter.id, grade=grade, score=score,
                              comment=(comment or "").strip() or None, cast_at=now)
    session.add(ballot)
    session.flush()
    record(session, council_id=council.id, by=voter, action="term.evaluate", subject=term, now=now)
    return ballot


@use_case
def publish_term_report(session: Session, term: Term, *, now: datetime, by: Member | None = None) -> Term:
    """Evaluating -> reported, at the end of the term (or earlier by the chair)."""
    council = get(session, Council, term.council_id, "council")
    require_transition("term", term.status, TermStatus.reported, "report")
    if by is not None:
        _require_term_chair(term, by, "report")
    elif now < term_end_at(council, term):
        raise IllegalTransition("too_early", action="report", when=local_text(council, term_end_at(council, term)))

    term.report = term_report_data(session, council, term, today_for(council, now))
    term.status = TermStatus.reported
    term.reported_at = now
    session.add(term)
    record(session, council_id=council.id, by=by, action="term.report", subject=term, now=now,
           before={"status": TermStatus.evaluating}, after={"status": TermStatus.reported})
    return term


