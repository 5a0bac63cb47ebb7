from datetime import date

import pytest
from sqlmodel import select

from cobuild.actions import items as it
from cobuild.models import Claim, Conflict, DeadlineExtension, IllegalTransition, InvalidInput, PermissionDenied

from .conftest import World, at


def _claimable(world):
    """A published item with no lead yet, raised by the community."""
    return world.published_item(lead=None)


def test_a_lead_claim_confirmed_by_the_chair_makes_the_item_claimed(world):
    item = _claimable(world)
    assert item.status == "accepted"
    claim = it.claim(world.session, item, world.units["hospital"], "lead", by=world.liaisons["hospital"], now=at("2026-02-16"))
    assert claim.status == "pending" and world.reload(item).status == "accepted"
    it.decide_claim(world.session, claim, by=world.chair, now=at("2026-02-17"))
    assert world.reload(item).status == "claimed" and item.lead_unit_id == world.units["hospital"].id


def test_conflicting_lead_claims_are_the_chairs_decision(world):
    item = _claimable(world)
    first = it.claim(world.session, item, world.units["hospital"], "lead", by=world.liaisons["hospital"], now=at("2026-02-16"))
    second = it.claim(world.session, item, world.units["company"], "lead", by=world.liaisons["company"], now=at("2026-02-16"))
    it.decide_claim(world.session, second, by=world.chair, now=at("2026-02-17"))
    assert world.reload(first).status == "declined" and world.reload(second).status == "confirmed"
    with pytest.raises(Conflict):
        it.claim(world.session, item, world.units["power"], "lead", by=world.liaisons["power"], now=at("2026-02-18"))
    with pytest.raises(IllegalTransition):
        it.decide_claim(world.session, first, by=world.chair, now=at("2026-02-18"))


def test_the_raising_unit_cannot_lead_by_default(world, count_rows):
    world.open_window()
    item = world.submit("hospital")
    world.hold()
    before = count_rows()
    with pytest.raises(Conflict) as caught:  # 409: the rule does not allow it
        world.accept(item, lead="hospital")
    assert "不能牵头" in caught.value.message("zh")
    assert world.reload(item).status == "accepted"  # the accept committed, the assignment did not
    assert count_rows()["claim"] == before["claim"]


def test_a_council_can_let_the_raising_unit_lead(session):
    world = World(session, raiser_cannot_lead=False)
    item = world.published_item(raiser="hospital", lead="hospital")
    assert item.lead_unit_id == world.units["hospital"].id


def test_cooperating_units_claim_and_are_confirmed(world):
    item = world.published_item()
    claim = it.claim(world.session, item, world.units["company"], "cooperating", by=world.liaisons["company"], now=at("2026-02-16"))
    it.decide_claim(world.session, claim, by=world.chair, now=at("2026-02-17"))
    assert world.reload(claim).status == "confirmed"
    with pytest.raises(Conflict):
        it.claim(world.session, item, world.units["company"], "cooperating", by=world.liaisons["company"], now=at("2026-02-18"))
    with pytest.raises(InvalidInput):  # the lead is not also cooperating
        it.claim(world.session, item, world.units["power"], "cooperating", by=world.liaisons["power"], now=at("2026-02-18"))


def test_declining_a_claim_needs_a_reason(world):
    item = _claimable(world)
    claim = it.claim(world.session, item, world.units["hospital"], "lead", by=world.liaisons["hospital"], now=at("2026-02-16"))
    with pytest.raises(InvalidInput):
        it.decide_claim(world.session, claim, by=world.chair, now=at("2026-02-17"), confirm=False)
    it.decide_claim(world.session, claim, by=world.chair, now=at("2026-02-17"), confirm=False, reason="请配合")
    assert world.reload(claim).status == "declined" and world.reload(item).status == "accepted"


def test_the_chair_assigns_a_lead_directly_after_publication(world):
    item = _claimable(world)
    it.assign(world.session, item, by=world.chair, now=at("2026-02-16"), lead_unit_id=world.units["company"].id)
    assert world.reload(item).status == "claimed"
    with pytest.raises(IllegalTransition):  # changing an existing lead is an amendment (409)
        it.assign(world.session, item, by=world.chair, now=at("2026-02-17"), lead_unit_id=world.units["power"].id)


def test_the_lead_posts_progress_and_cooperating_units_post_notes(world):
    item = world.published_item()
    report = it.post_progress(world.session, item, by=world.liaisons["power"], now=at("2026-03-01"), percent=40,
                              note="已完成勘察", evidence=["photos/勘察.jpg"])
    assert world.reload(item).status == "in_progress" and item.latest_percent == 40 and report.evidence == ["photos/勘察.jpg"]
    with pytest.raises(PermissionDenied) as caught:
        it.post_progress(world.session, item, by=world.liaisons["company"], now=at("2026-03-02"), note="旁观")
    assert "既不是" in caught.value.message("zh") or "neither" in caught.value.message("en")
    with pytest.raises(InvalidInput):
        it.post_progress(world.session, item, by=world.liaisons["power"], now=at("2026-03-02"), percent=140)


def test_a_cooperating_unit_may_post_a_note_but_no_percentage(world):
    world.open_window()
    item = world.submit("community")
    world.hold()
    world.accept(item, cooperating_unit_ids=[world.units["company"].id])
    world.publish()
    it.post_progress(world.session, item, by=world.liaisons["company"], now=at("2026-03-01"), note="已派人配合")
    with pytest.raises(InvalidInput):
        it.post_progress(world.session, item, by=world.liaisons["company"], now=at("2026-03-01"), percent=50, note="x")
    assert world.reload(item).status == "claimed"


def test_only_the_chair_extends_a_deadline_with_a_reason_and_it_is_counted(world):
    item = world.published_item()
    with pytest.raises(PermissionDenied):
        it.extend_deadline(world.session, item, date(2026, 5, 30), by=world.liaisons["power"], now=at("2026-04-20"), reason="x")
    with pytest.raises(InvalidInput):
        it.extend_deadline(world.session, item, date(2026, 5, 30), by=world.chair, now=at("2026-04-20"), reason=" ")
    with pytest.raises(InvalidInput):
        it.extend_deadline(world.session, item, date(2026, 4, 1), by=world.chair, now=at("2026-04-20"), reason="提前")
    it.extend_deadline(world.session, item, date(2026, 5, 30), by=world.chair, now=at("2026-04-20"), reason="雨季施工")
    assert (world.reload(item).deadline, item.extensions, item.original_deadline) == (date(2026, 5, 30), 1, date(2026, 4, 30))
    assert world.session.exec(select(DeadlineExtension)).one().reason == "雨季施工"


def test_close_out_is_requested_by_the_lead_and_verified_by_the_raising_unit(world):
    item = world.published_item(raiser="hospital")
    with pytest.raises(IllegalTransition):  # no progress yet: claimed, not in progress
        it.request_close_out(world.session, item, by=world.liaisons["power"], now=at("2026-03-01"), note="完成")
    it.post_progress(world.session, item, by=world.liaisons["power"], now=at("2026-03-01"), percent=100)
    with pytest.raises(InvalidInput):
        it.request_close_out(world.session, item, by=world.liaisons["power"], now=at("2026-03-02"))
    it.request_close_out(world.session, item, by=world.liaisons["power"], now=at("2026-03-02"), note="已完成",
                         evidence=["验收.pdf"])
    with pytest.raises(PermissionDenied) as caught:
        it.verify_close_out(world.session, item, by=world.liaisons["power"], now=at("2026-03-03"), satisfaction=5)
    assert "人民医院" in caught.value.message("zh")
    with pytest.raises(InvalidInput):
        it.verify_close_out(world.session, item, by=world.liaisons["hospital"], now=at("2026-03-03"), satisfaction=9)
    it.verify_close_out(world.session, item, by=world.liaisons["hospital"], now=at("2026-03-03"), satisfaction=4)
    assert world.reload(item).status == "closed" and item.closed_on_time and item.satisfaction == 4
    assert item.days_to_close == 16  # published 2026-02-15, closed 2026-03-03


def test_a_sent_back_item_returns_to_work_and_a_late_close_is_not_on_time(world):
    item = world.published_item(deadline="2026-03-01")
    it.post_progress(world.session, item, by=world.liaisons["power"], now=at("2026-02-20"), percent=100)
    it.request_close_out(world.session, item, by=world.liaisons["power"], now=at("2026-02-25"), note="完成")
    with pytest.raises(InvalidInput):
        it.send_back(world.session, item, by=world.secretary, now=at("2026-02-26"), reason="")
    it.send_back(world.session, item, by=world.secretary, now=at("2026-02-26"), reason="仍有遗留问题")
    assert world.reload(item).status == "in_progress" and item.send_backs == 1
    it.request_close_out(world.session, item, by=world.liaisons["power"], now=at("2026-03-04"), note="整改完成")
    it.verify_close_out(world.session, item, by=world.secretary, now=at("2026-03-05"), satisfaction=3)
    assert world.reload(item).closed_on_time is False


def _closed(world, on="2026-03-03"):
    item = world.published_item()
    it.post_progress(world.session, item, by=world.liaisons["power"], now=at("2026-03-01"), percent=100)
    it.request_close_out(world.session, item, by=world.liaisons["power"], now=at("2026-03-02"), note="完成")
    it.verify_close_out(world.session, item, by=world.secretary, now=at(on), satisfaction=5)
    return item


def test_the_raising_unit_reopens_within_thirty_days(world):
    item = _closed(world)
    it.reopen(world.session, item, by=world.secretary, now=at("2026-04-02"), reason="问题复发")
    assert world.reload(item).status == "reopened" and item.closed_on is None and item.reopens == 1
    it.post_progress(world.session, item, by=world.liaisons["power"], now=at("2026-04-03"), percent=50)
    assert world.reload(item).status == "in_progress"


def test_reopening_after_the_window_is_refused(world, count_rows):
    item = _closed(world)
    before = count_rows()
    with pytest.raises(IllegalTransition) as caught:
        it.reopen(world.session, item, by=world.secretary, now=at("2026-04-03"), reason="问题复发")
    assert "30" in caught.value.message("zh")
    assert count_rows() == before and world.reload(item).status == "closed"


def test_a_closed_item_accepts_no_more_work(world):
    item = _closed(world)
    with pytest.raises(IllegalTransition):
        it.post_progress(world.session, item, by=world.liaisons["power"], now=at("2026-03-04"), percent=10)
    with pytest.raises(IllegalTransition):
        it.extend_deadline(world.session, item, date(2026, 6, 1), by=world.chair, now=at("2026-03-04"), reason="x")


def test_a_stale_item_cannot_be_claimed_twice_in_parallel_sessions(db_url, world):
    """Two sessions read the same item; the second lead confirmation is refused."""
    from cobuild.models import Item
    from cobuild.platform.db import session_for

    item = _claimable(world)
    a = it.claim(world.session, item, world.units["hospital"], "lead", by=world.liaisons["hospital"], now=at("2026-02-16"))
    b = it.claim(world.session, item, world.units["company"], "lead", by=world.liaisons["company"], now=at("2026-02-16"))
    it.decide_claim(world.session, a, by=world.chair, now=at("2026-02-17"))
    with session_for(db_url) as other:
        claim_b = other.get(Claim, b.id)
        chair = other.get(type(world.chair), world.chair.id)
        with pytest.raises(IllegalTransition):
            it.decide_claim(other, claim_b, by=chair, now=at("2026-02-17"))
        assert other.get(Item, item.id).lead_unit_id == world.units["hospital"].id
