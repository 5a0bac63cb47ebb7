from datetime import date

import pytest
from sqlmodel import select

from cobuild.actions import terms as tm
from cobuild.models import (
    AuditEvent,
    Candidate,
    Conference,
    Conflict,
    Election,
    IllegalTransition,
    InvalidInput,
    PermissionDenied,
    Term,
)
from cobuild.reports.todo import todo
from cobuild.reports.tracking import evaluation_summary
from cobuild.reports.views import election_row

from .conftest import SH, World, at


def _election(world) -> Election:
    world.advance("2026-06-17")
    return world.session.exec(select(Election).where(Election.status == "open")).one()


def _vote(world, election, votes: dict[str, str], day="2026-06-18"):
    people = {**world.heads, "secretary": world.secretary, "member": world.member}
    for voter, candidate in votes.items():
        tm.cast_vote(world.session, election, world.heads[candidate], by=people[voter], now=at(day))


def _term(world, number) -> Term:
    return world.session.exec(select(Term).where(Term.number == number)).one()


def test_the_election_opens_fourteen_days_before_the_term_ends_without_the_chairs_unit(world):
    assert world.advance("2026-06-16")["elections_opened"] == 0
    election = _election(world)
    candidates = set(world.session.exec(select(Candidate.member_id).where(Candidate.election_id == election.id)).all())
    assert candidates == {world.heads[k].id for k in ("hospital", "power", "company")}
    assert election.closes_at.astimezone(SH).date() == date(2026, 6, 24)
    assert _term(world, 2).starts_on == date(2026, 7, 1) and _term(world, 2).status == "scheduled"
    assert world.advance("2026-06-18")["elections_opened"] == 0  # once only


def test_each_member_votes_once_for_a_candidate_within_the_window(world, count_rows):
    election = _election(world)
    tm.cast_vote(world.session, election, world.heads["power"], by=world.member, now=at("2026-06-18"))
    before = count_rows()
    with pytest.raises(Conflict):
        tm.cast_vote(world.session, election, world.heads["hospital"], by=world.member, now=at("2026-06-18"))
    with pytest.raises(PermissionDenied):  # a staff liaison is not a council member
        tm.cast_vote(world.session, election, world.heads["power"], by=world.liaisons["power"], now=at("2026-06-18"))
    with pytest.raises(InvalidInput):
        tm.cast_vote(world.session, election, world.heads["school"], by=world.secretary, now=at("2026-06-18"))
    with pytest.raises(IllegalTransition):
        tm.cast_vote(world.session, election, world.heads["power"], by=world.secretary, now=at("2026-06-25"))
    assert count_rows() == before


def test_ballots_are_secret(world):
    election = _election(world)
    _vote(world, election, {"member": "power", "secretary": "hospital"})
    assert election_row(world.session, election)["tally"] is None  # no running count while open
    events = world.session.exec(select(AuditEvent).where(AuditEvent.action == "election.vote")).all()
    assert len(events) == 2 and all(e.after is None for e in events)


def test_plurality_elects_the_next_chair_who_takes_office_when_the_term_starts(world):
    election = _election(world)
    _vote(world, election, {"member": "power", "secretary": "power", "hospital": "hospital", "power": "power"})
    assert world.advance("2026-06-24")["elections_closed"] == 1
    assert world.reload(election).status == "decided" and election.decided_by == "election"
    term2 = _term(world, 2)
    assert term2.chair_member_id == world.heads["power"].id and term2.status == "scheduled"
    result = world.advance("2026-07-01")
    assert (result["reports_published"], result["terms_started"]) == (1, 1)
    assert world.reload(world.term).status == "reported" and world.reload(term2).status == "active"
    codes = world.session.exec(select(Conference.code).where(Conference.term_id == term2.id)).all()
    assert sorted(codes) == ["2026-Q3", "2026-Q4"]


def test_a_tie_goes_to_a_runoff_among_the_tied(world):
    election = _election(world)
    _vote(world, election, {"member": "power", "secretary": "hospital", "company": "company",
                            "hospital": "hospital", "power": "power"})
    world.advance("2026-06-24")
    assert world.reload(election).status == "runoff"
    runoff = world.session.exec(select(Election).where(Election.round == 2)).one()
    tied = set(world.session.exec(select(Candidate.member_id).where(Candidate.election_id == runoff.id)).all())
    assert tied == {world.heads["power"].id, world.heads["hospital"].id}
    _vote(world, runoff, {"member": "power", "secretary": "power", "hospital": "hospital"}, day="2026-06-25")
    world.advance("2026-06-27")
    assert world.reload(runoff).decided_by == "runoff" and runoff.winner_member_id == world.heads["power"].id


def test_a_tied_runoff_goes_to_the_unit_that_chaired_least_recently(world):
    election = _election(world)
    _vote(world, election, {"member": "power", "secretary": "hospital"})
    world.advance("2026-06-24")
    runoff = world.session.exec(select(Election).where(Election.round == 2)).one()
    _vote(world, runoff, {"member": "power", "secretary": "hospital"}, day="2026-06-25")
    world.advance("2026-06-27")
    # neither has chaired: rotation order decides (hospital was added before power)
    assert world.reload(runoff).decided_by == "tie_break"
    assert runoff.winner_member_id == world.heads["hospital"].id


def test_without_runoffs_a_tie_is_broken_at_once(session):
    world = World(session, runoff_enabled=False)
    election = _election(world)
    _vote(world, election, {"member": "company", "secretary": "power"})
    world.advance("2026-06-24")
    assert world.reload(election).decided_by == "tie_break"
    assert election.winner_member_id == world.heads["power"].id  # power comes before company in rotation


def test_nobody_elected_in_time_the_next_unit_in_rotation_chairs(world):
    election = _election(world)
    world.advance("2026-06-24")
    assert world.reload(election).status == "closed" and election.winner_member_id is None
    world.advance("2026-07-01")
    term2 = _term(world, 2)
    # rotation: community, school (chair of term 1), hospital, power, company
    assert (term2.status, term2.chair_source, term2.chair_member_id) == ("active", "fallback", world.heads["hospital"].id)


def test_the_chairs_unit_cannot_stand_for_a_second_term_in_a_row(world):
    world.advance("2026-06-16")
    with pytest.raises(InvalidInput) as caught:
        tm.open_election(world.session, world.council, by=world.secretary, now=at("2026-06-16"),
                         candidate_ids=[world.heads["school"].id, world.heads["power"].id])
    assert "连续" in caught.value.message("zh")


def test_consecutive_terms_may_be_allowed(session):
    world = World(session, no_consecutive_terms=False)
    election = _election(world)
    candidates = set(world.session.exec(select(Candidate.member_id).where(Candidate.election_id == election.id)).all())
    assert world.heads["school"].id in candidates


def test_the_chair_publishes_a_statement_and_commitments_tracked_to_closure(world):
    with pytest.raises(PermissionDenied):
        tm.publish_statement(world.session, world.term, "我来说两句", by=world.heads["power"], now=at("2026-01-02"))
    tm.publish_statement(world.session, world.term, "难题同解、大事同办", by=world.chair, now=at("2026-01-02"))
    kept = tm.add_commitment(world.session, world.term, "每季度召开联席会议", by=world.chair, now=at("2026-01-02"))
    dropped = tm.add_commitment(world.session, world.term, "新建文化广场", by=world.chair, now=at("2026-01-02"),
                                due_on=date(2026, 5, 1))
    with pytest.raises(InvalidInput):
        tm.add_commitment(world.session, world.term, "任期外", by=world.chair, now=at("2026-01-02"), due_on=date(2026, 9, 1))
    tm.close_commitment(world.session, kept, by=world.chair, now=at("2026-05-20"))
    with pytest.raises(InvalidInput):
        tm.close_commitment(world.session, dropped, by=world.chair, now=at("2026-05-20"), fulfilled=False)
    tm.close_commitment(world.session, dropped, by=world.chair, now=at("2026-05-20"), fulfilled=False, note="资金未落实")
    assert (kept.status, dropped.status, dropped.closing_note) == ("done", "dropped", "资金未落实")
    with pytest.raises(IllegalTransition):
        tm.close_commitment(world.session, kept, by=world.chair, now=at("2026-05-21"))


def test_evaluation_opens_ten_days_before_the_end_and_the_chair_cannot_rate_themselves(world):
    assert world.advance("2026-06-20")["evaluations_opened"] == 0
    with pytest.raises(IllegalTransition):
        tm.cast_evaluation(world.session, world.term, by=world.member, now=at("2026-06-20"), grade="优秀")
    assert world.advance("2026-06-21")["evaluations_opened"] == 1
    with pytest.raises(PermissionDenied):
        tm.cast_evaluation(world.session, world.term, by=world.chair, now=at("2026-06-22"), grade="优秀")
    with pytest.raises(InvalidInput):
        tm.cast_evaluation(world.session, world.term, by=world.member, now=at("2026-06-22"), grade="很好")
    with pytest.raises(InvalidInput):
        tm.cast_evaluation(world.session, world.term, by=world.member, now=at("2026-06-22"), score=90)
    tm.cast_evaluation(world.session, world.term, by=world.member, now=at("2026-06-22"), grade="优秀", comment="辛苦了")
    with pytest.raises(Conflict):
        tm.cast_evaluation(world.session, world.term, by=world.member, now=at("2026-06-22"), grade="称职")
    tm.cast_evaluation(world.session, world.term, by=world.heads["power"], now=at("2026-06-23"), grade="称职")
    assert evaluation_summary(world.session, world.term)["grades"]["优秀"] == 1


def test_a_council_may_rate_with_a_score(session):
    world = World(session, evaluation_scale="score")
    world.advance("2026-06-21")
    with pytest.raises(InvalidInput):
        tm.cast_evaluation(world.session, world.term, by=world.member, now=at("2026-06-22"), score=101)
    tm.cast_evaluation(world.session, world.term, by=world.member, now=at("2026-06-22"), score=88)
    tm.cast_evaluation(world.session, world.term, by=world.secretary, now=at("2026-06-22"), score=93)
    assert evaluation_summary(world.session, world.term)["average_score"] == 90.5


def test_the_term_report_is_published_at_the_end_with_commitments_work_and_evaluation(world):
    tm.add_commitment(world.session, world.term, "每季度召开联席会议", by=world.chair, now=at("2026-01-02"))
    world.published_item()
    world.advance("2026-06-21")
    tm.cast_evaluation(world.session, world.term, by=world.member, now=at("2026-06-22"), grade="优秀")
    with pytest.raises(IllegalTransition):
        tm.publish_term_report(world.session, world.term, now=at("2026-06-29"))
    world.advance("2026-07-01")
    report = world.reload(world.term).report
    assert world.term.status == "reported"
    assert report["chair"] == world.chair.name and report["commitments_kept"] == 0 and len(report["commitments"]) == 1
    assert report["totals"]["confirmed"] == 1 and report["totals"]["overdue"] == 1  # deadline 2026-04-30 passed
    assert report["evaluation"]["ballots"] == 1
    assert {u["label"] for u in report["units"]} >= {"供电所", "测试社区"}


def test_a_term_cannot_start_while_the_previous_one_is_running(world):
    world.advance("2026-06-17")  # opens the election, creating term 2
    with pytest.raises(IllegalTransition):
        tm.start_term(world.session, _term(world, 2), now=at("2026-07-01"))


def _kinds(world, member, day: str) -> list[str]:
    return [e["kind"] for e in todo(world.session, world.council, member, at(day, 9))]


def test_the_to_do_asks_voters_to_vote_and_rate_the_chair_until_they_have(world):
    election = _election(world)
    assert "vote" in _kinds(world, world.member, "2026-06-18")
    _vote(world, election, {"member": "power"})
    assert "vote" not in _kinds(world, world.member, "2026-06-18")
    assert "vote" in _kinds(world, world.secretary, "2026-06-18")
    world.advance("2026-06-21")
    assert "evaluate" in _kinds(world, world.member, "2026-06-22")
    assert "evaluate" not in _kinds(world, world.chair, "2026-06-22")  # a chair does not rate themselves
    tm.cast_evaluation(world.session, world.term, by=world.member, now=at("2026-06-22"), grade="优秀")
    assert "evaluate" not in _kinds(world, world.member, "2026-06-22")
    assert "evaluate" in _kinds(world, world.heads["power"], "2026-06-22")
