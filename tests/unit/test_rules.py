from datetime import date

import pytest
from pydantic import ValidationError

from cobuild.models import CouncilSettings, ItemSubmit, days_overdue, is_overdue
from cobuild.models.base import add_months, quarter_of
from cobuild.models.items import within_reopen_window
from cobuild.models.messages import render
from cobuild.models.terms import least_recently_chaired, next_in_rotation, summarise_evaluation, tally


def test_plurality_winner_is_the_single_leader():
    result = tally([1, 2, 3], [1, 2, 2, 3, 2])
    assert result.leaders == (2,) and not result.tied
    assert result.counts == {1: 1, 2: 3, 3: 1}


def test_a_tie_has_several_leaders():
    result = tally([1, 2, 3], [1, 2, 3, 1, 2])
    assert result.leaders == (1, 2) and result.tied


def test_no_votes_means_no_leader():
    assert tally([1, 2], []).leaders == ()


def test_votes_for_non_candidates_are_not_counted():
    assert tally([1, 2], [1, 9, 9]).leaders == (1,)


def test_tie_break_prefers_a_unit_that_never_chaired_then_the_oldest_chair():
    last = {10: date(2025, 1, 1), 20: date(2024, 1, 1)}
    # (member, unit, rotation)
    assert least_recently_chaired([(1, 10, 1), (2, 20, 2), (3, 30, 3)], last) == 3
    assert least_recently_chaired([(1, 10, 1), (2, 20, 2)], last) == 2


def test_tie_break_between_units_that_never_chaired_follows_rotation_order():
    assert least_recently_chaired([(5, 50, 4), (6, 60, 2)], {}) == 6


def test_next_in_rotation_wraps_and_skips_the_barred_unit():
    units = [(1, 1), (2, 2), (3, 3)]
    assert next_in_rotation(units, 1, None) == 2
    assert next_in_rotation(units, 3, None) == 1
    assert next_in_rotation(units, 1, 2) == 3
    assert next_in_rotation(units, None, None) == 1
    assert next_in_rotation([(1, 1)], 1, 1) is None


def test_overdue_is_derived_from_deadline_status_and_today():
    assert is_overdue("in_progress", date(2026, 3, 1), date(2026, 3, 2))
    assert not is_overdue("in_progress", date(2026, 3, 1), date(2026, 3, 1))  # the due day itself is not late
    assert not is_overdue("closed", date(2026, 3, 1), date(2026, 4, 1))
    assert not is_overdue("submitted", date(2026, 3, 1), date(2026, 4, 1))
    assert days_overdue("claimed", date(2026, 3, 1), date(2026, 3, 11)) == 10


def test_reopen_window_counts_calendar_days_inclusive():
    assert within_reopen_window(date(2026, 3, 1), date(2026, 3, 31), 30)
    assert not within_reopen_window(date(2026, 3, 1), date(2026, 4, 1), 30)


def test_add_months_clamps_to_the_end_of_short_months():
    assert add_months(date(2026, 1, 31), 1) == date(2026, 2, 28)
    assert add_months(date(2026, 7, 1), 6) == date(2027, 1, 1)
    assert add_months(date(2024, 1, 31), 1) == date(2024, 2, 29)


def test_quarters():
    assert [quarter_of(date(2026, m, 1)) for m in (1, 3, 4, 7, 12)] == [1, 1, 2, 3, 4]


def test_evaluation_summary_shows_counts_not_ballots():
    summary = summarise_evaluation(["优秀", "称职", "优秀", "不称职"], [None] * 4)
    assert summary["grades"] == {"优秀": 2, "称职": 1, "基本称职": 0, "不称职": 1}
    assert summary["excellent_or_competent"] == 0.75
    assert summarise_evaluation([None, None], [80, 91])["average_score"] == 85.5


def test_settings_refuse_an_unknown_timezone_and_bad_limits():
    with pytest.raises(ValidationError):
        CouncilSettings.model_validate({"timezone": "Mars/Base"})
    with pytest.raises(ValidationError):
        CouncilSettings.model_validate({"items_min_per_unit": 4, "items_max_per_unit": 3})
    with pytest.raises(ValidationError):
        CouncilSettings.model_validate({"conference_time": "25:00"})
    assert CouncilSettings.model_validate({"conference_time": "9:5"}).conference_time == "09:05"


def test_default_settings_are_the_spec_defaults():
    settings = CouncilSettings()
    assert (settings.term_months, settings.items_min_per_unit, settings.items_max_per_unit) == (6, 1, 3)
    assert settings.timezone == "Asia/Shanghai" and settings.reopen_window_days == 30
    assert settings.categories[:2] == ["环境卫生", "绿化美化"]
    assert settings.no_consecutive_terms and settings.raiser_cannot_lead


def test_item_submission_needs_a_title_and_a_named_unit_when_asking_one():
    with pytest.raises(ValidationError):
        ItemSubmit.model_validate({"category": "其他", "title": " "})
    with pytest.raises(ValidationError):
        ItemSubmit.model_validate({"category": "其他", "title": "路灯维修", "asks": "unit"})
    with pytest.raises(ValidationError):
        ItemSubmit.model_validate({"category": "其他", "title": "路灯维修", "asks": "any", "asks_unit_id": 3})
    assert ItemSubmit.model_validate({"category": "其他", "title": " 路灯维修 "}).title == "路灯维修"


def test_unknown_message_code_still_renders():
    assert "zzz" in render("zzz", "en", a=1)
