import pytest

from cobuild.models import IllegalTransition, ItemStatus
from cobuild.models.lifecycle import (
    CONFERENCE_TRANSITIONS,
    ELECTION_TRANSITIONS,
    ITEM_TRANSITIONS,
    OPEN_STATES,
    TERM_TRANSITIONS,
    WORKING_STATES,
    can_transition,
    require_state,
    require_transition,
)


def test_item_lifecycle_matches_the_spec():
    S = ItemStatus
    assert ITEM_TRANSITIONS[S.submitted] == {S.accepted, S.merged, S.deferred, S.rejected, S.cancelled}
    assert ITEM_TRANSITIONS[S.accepted] == {S.claimed, S.cancelled}
    assert ITEM_TRANSITIONS[S.claimed] == {S.in_progress, S.accepted, S.cancelled}  # accepted: lead declines
    assert ITEM_TRANSITIONS[S.in_progress] == {S.close_requested, S.cancelled}
    assert ITEM_TRANSITIONS[S.close_requested] == {S.closed, S.in_progress, S.cancelled}
    assert ITEM_TRANSITIONS[S.closed] == {S.reopened}
    assert ITEM_TRANSITIONS[S.reopened] == {S.in_progress, S.cancelled}
    for final in (S.merged, S.rejected, S.cancelled):
        assert ITEM_TRANSITIONS[final] == frozenset()


def test_every_open_state_can_be_cancelled_and_closed_cannot():
    for state in OPEN_STATES:
        assert can_transition("item", state, ItemStatus.cancelled), state
    assert not can_transition("item", ItemStatus.closed, ItemStatus.cancelled)


def test_working_states_are_those_of_a_published_item_not_yet_closed():
    assert ItemStatus.closed not in WORKING_STATES
    assert ItemStatus.submitted not in WORKING_STATES
    assert ItemStatus.close_requested in WORKING_STATES


def test_conference_election_and_term_lifecycles_are_linear():
    assert list(CONFERENCE_TRANSITIONS) == ["planned", "collecting", "agenda_locked", "held", "resolved"]
    assert ELECTION_TRANSITIONS["closed"] == {"decided", "runoff"}
    assert TERM_TRANSITIONS["active"] == {"evaluating"}


def test_refused_transition_names_the_state_and_what_can_be_done_next_in_chinese_and_english():
    with pytest.raises(IllegalTransition) as caught:
        require_transition("item", "closed", "close_requested", "request_close")
    zh, en = caught.value.message("zh"), caught.value.message("en")
    assert zh == "事项当前状态为「已销号」,不能申请销号。现在可以:重启"
    assert "closed" in en and "request close-out" in en and "What can happen next: reopen it" in en


def test_final_state_message_says_nothing_is_allowed():
    with pytest.raises(IllegalTransition) as caught:
        require_transition("item", "rejected", "accepted", "accept")
    assert "nothing: this is a final state" in caught.value.message("en")
    assert "无,这已是最终状态" in caught.value.message("zh")


def test_require_state_lists_the_needed_states():
    with pytest.raises(IllegalTransition) as caught:
        require_state("conference", "planned", {"collecting"}, "submit")
    assert "征集中" in caught.value.message("zh")
