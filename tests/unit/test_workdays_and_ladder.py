import logging
from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

import pytest

from cobuild.models.reminders import Policy, deadline_steps, due_steps, release_time, verify_steps
from cobuild.models.workdays import WorkCalendar

SH = ZoneInfo("Asia/Shanghai")
CAL = WorkCalendar()


def local(moment: datetime, tz=SH) -> datetime:
    return moment.astimezone(tz).replace(tzinfo=None)


def sh(day: str, clock: str = "08:30") -> datetime:
    return datetime.combine(date.fromisoformat(day), time.fromisoformat(clock), tzinfo=SH).astimezone(UTC)


def test_the_2026_spring_festival_is_off_and_its_make_up_saturdays_are_worked():
    assert not CAL.is_workday(date(2026, 2, 16)) and not CAL.is_workday(date(2026, 2, 23))
    assert CAL.is_workday(date(2026, 2, 14)) and CAL.is_workday(date(2026, 2, 28))  # Saturdays, 调休


def test_counting_working_days_across_the_spring_festival():
    # Friday 13 Feb + 1 working day = Saturday 14 Feb (make-up day); + 2 = Tuesday 24 Feb
    assert CAL.add_workdays(date(2026, 2, 13), 1) == date(2026, 2, 14)
    assert CAL.add_workdays(date(2026, 2, 13), 2) == date(2026, 2, 24)
    assert CAL.add_workdays(date(2026, 2, 24), -2) == date(2026, 2, 13)
    assert CAL.workdays_between(date(2026, 2, 13), date(2026, 2, 24)) == 2


def test_an_unknown_year_falls_back_to_monday_to_friday_and_warns_once(caplog):
    from cobuild.models import workdays

    workdays._warned_years.discard(2027)
    workdays.official_workday.cache_clear()
    with caplog.at_level(logging.WARNING, logger="cobuild.workdays"):
        assert CAL.is_workday(date(2027, 3, 1))  # a Monday
        assert not CAL.is_workday(date(2027, 3, 6))  # a Saturday
        assert CAL.is_workday(date(2027, 3, 2))
    assert len([r for r in caplog.records if "2027" in r.getMessage()]) == 1


def test_council_overrides_win_over_the_official_calendar():
    cal = WorkCalendar(extra_holidays=["2026-03-02"], extra_workdays=["2027-03-06"])
    assert not cal.is_workday(date(2026, 3, 2)) and cal.is_workday(date(2027, 3, 6))


def _ladder(deadline, now, cal=CAL, policy=Policy()):
    return due_steps(deadline_steps(deadline, cal, policy), now)


def test_the_deadline_ladder_is_7_3_1_working_days_and_the_due_day_at_half_past_eight():
    steps = []
    for step in deadline_steps(date(2026, 4, 30), CAL, Policy()):
        if step.kind == "overdue":
            break
        steps.append((step.kind, step.step, step.audience, local(step.at)))
    # 30 Apr 2026 is a Thursday; Labour Day make-up Saturday 9 May is after it
    assert steps == [
        ("deadline_approaching", "7", "lead", datetime(2026, 4, 21, 8, 30)),
        ("deadline_approaching", "3", "cooperating", datetime(2026, 4, 27, 8, 30)),
        ("deadline_approaching", "3", "lead", datetime(2026, 4, 27, 8, 30)),
        ("deadline_approaching", "1", "lead", datetime(2026, 4, 29, 8, 30)),
        ("deadline_due", "0", "lead", datetime(2026, 4, 30, 8, 30)),
    ]


def test_overdue_every_two_working_days_and_escalation_after_three_and_seven():
    steps = {}
    for step in deadline_steps(date(2026, 3, 13), CAL, Policy()):  # a Friday
        if step.at > sh("2026-03-25", "12:00"):
            break
        steps.setdefault((step.kind, step.step), local(step.at).date())
    assert steps[("overdue", "overdue-1")] == date(2026, 3, 16)  # Monday
    assert steps[("overdue", "overdue-2")] == date(2026, 3, 18)
    assert steps[("overdue", "overdue-3")] == date(2026, 3, 20)
    assert steps[("escalation", "chair")] == date(2026, 3, 18)  # 3rd working day after
    assert steps[("escalation", "secretary")] == date(2026, 3, 24)  # 7th


def test_a_deadline_on_a_holiday_is_reminded_on_the_working_day_before_it():
    # Monday 16 Feb 2026 is in the Spring Festival; the last working day before is Sat 14 Feb
    due = next(s for s in deadline_steps(date(2026, 2, 16), CAL, Policy()) if s.kind == "deadline_due")
    assert local(due.at) == datetime(2026, 2, 14, 8, 30)
    first_overdue = next(s for s in deadline_steps(date(2026, 2, 16), CAL, Policy()) if s.kind == "overdue")
    assert local(first_overdue.at).date() == date(2026, 2, 24)


def test_after_a_pause_only_the_latest_step_of_each_family_is_due():
    due, following = _ladder(date(2026, 4, 30), sh("2026-04-28", "12:00"))
    assert [(s.kind, s.step, s.audience) for s in due] == [
        ("deadline_approaching", "3", "cooperating"), ("deadline_approaching", "3", "lead")]
    assert local(following) == datetime(2026, 4, 29, 8, 30)


def test_a_moved_deadline_gives_a_new_ladder():
    before, _ = _ladder(date(2026, 4, 30), sh("2026-04-29", "09:00"))
    after, following = _ladder(date(2026, 5, 29), sh("2026-04-29", "09:00"))
    assert [s.step for s in before if s.audience == "lead"] == ["1"]
    assert after == [] and local(following) == datetime(2026, 5, 20, 8, 30)


def test_verification_is_asked_then_reminded_then_escalated():
    steps = list(verify_steps(sh("2026-03-02", "15:00"), CAL, Policy()))
    assert [(s.step, local(s.at)) for s in steps] == [
        ("request", datetime(2026, 3, 2, 15, 0)), ("reminder", datetime(2026, 3, 5, 8, 30)),
        ("chair", datetime(2026, 3, 9, 8, 30))]


@pytest.mark.parametrize("created, released", [
    ("2026-03-02 14:00", "2026-03-02 14:00"),  # working hours: at once
    ("2026-03-02 22:15", "2026-03-03 08:30"),  # evening: next working morning
    ("2026-03-03 06:00", "2026-03-03 08:30"),  # early morning: the same morning
    ("2026-03-06 23:00", "2026-03-09 08:30"),  # Friday night: Monday
    ("2026-02-13 21:30", "2026-02-14 08:30"),  # before the Spring Festival make-up Saturday
    ("2026-02-14 21:30", "2026-02-24 08:30"),  # into the Spring Festival
])
def test_quiet_hours_hold_messages_until_the_next_working_morning(created, released):
    moment = datetime.fromisoformat(created).replace(tzinfo=SH)
    assert local(release_time(moment, CAL, Policy())) == datetime.fromisoformat(released)


def test_a_council_in_a_daylight_saving_timezone_gets_its_reminders_at_local_half_past_eight():
    berlin = Policy(tz="Europe/Berlin")
    cal = WorkCalendar()
    # 29 Mar 2026: clocks go forward in Berlin. The due-day reminder is 08:30 local either side.
    winter = next(s for s in deadline_steps(date(2026, 3, 27), cal, berlin) if s.kind == "deadline_due")
    summer = next(s for s in deadline_steps(date(2026, 3, 31), cal, berlin) if s.kind == "deadline_due")
    assert winter.at.hour == 7 and summer.at.hour == 6  # UTC
    assert local(winter.at, ZoneInfo("Europe/Berlin")).time() == local(summer.at, ZoneInfo("Europe/Berlin")).time() == time(8, 30)
    night = datetime(2026, 3, 28, 23, 0, tzinfo=ZoneInfo("Europe/Berlin"))
    assert local(release_time(night, cal, berlin), ZoneInfo("Europe/Berlin")) == datetime(2026, 3, 30, 8, 30)


def test_once_overdue_the_due_day_reminder_is_not_sent_late():
    due, _ = _ladder(date(2026, 3, 13), sh("2026-03-16", "09:00"))
    assert [(s.kind, s.step) for s in due] == [("overdue", "overdue-1")]


def test_overdue_reminders_thin_out_with_age_and_escalations_keep_their_steps():
    """Every 2 working days for the first 10 working days overdue, then weekly: an item 165 days
    overdue is no longer reminded every other day."""
    import itertools

    from cobuild.models.reminders import Policy, deadline_steps

    policy = Policy()
    steps = list(itertools.islice(deadline_steps(date(2026, 3, 31), CAL, policy), 40))
    overdue = [s.at.date() for s in steps if s.kind == "overdue"]
    late = [sum(1 for d in range(1, 400) if CAL.add_workdays(date(2026, 3, 31), d) <= day) for day in overdue]
    assert late[:6] == [1, 3, 5, 7, 9, 11]  # every 2 working days …
    assert all(b - a == 5 for a, b in zip(late[5:], late[6:]))  # … then every 5 (a working week)
    assert [s.step for s in steps if s.kind == "escalation"] == ["chair", "secretary"]


def test_a_council_sets_its_own_overdue_cadence():
    import itertools

    from cobuild.models import CouncilSettings
    from cobuild.models.reminders import Policy, deadline_steps

    settings = CouncilSettings(overdue_every_working_days=3, overdue_weekly_after_working_days=0)
    policy = Policy.of(settings)
    assert (policy.overdue_every, policy.overdue_slower_after) == (3, 0)
    steps = [s for s in itertools.islice(deadline_steps(date(2026, 3, 31), CAL, policy), 12) if s.kind == "overdue"]
    late = [sum(1 for d in range(1, 200) if CAL.add_workdays(date(2026, 3, 31), d) <= s.at.date()) for s in steps]
    assert all(b - a == 5 for a, b in zip(late, late[1:]))  # weekly from the start


def test_a_vote_never_ends_on_a_day_off():
    from datetime import UTC, datetime
    from types import SimpleNamespace
    from zoneinfo import ZoneInfo

    from cobuild.models.workdays import working_moment

    council = SimpleNamespace(timezone="Asia/Shanghai", extra_holidays=[], extra_workdays=[])
    sh = ZoneInfo("Asia/Shanghai")

    def local(text):
        return datetime.fromisoformat(text).replace(tzinfo=sh).astimezone(UTC)

    # ends Saturday 00:05: its last day is Friday, a working day — unchanged
    assert working_moment(council, local("2026-06-27T00:05")) == local("2026-06-27T00:05")
    # ends Saturday 15:00: at the end of Friday
    assert working_moment(council, local("2026-06-27T15:00")) == local("2026-06-27T00:00")
    # inside the Spring Festival holiday (02-15 … 02-23): back to the end of 02-14, a Saturday worked
    assert working_moment(council, local("2026-02-20T10:00")) == local("2026-02-15T00:00")
    # opened in the holiday itself: the end of the first working day after it, never before opening
    assert working_moment(council, local("2026-02-20T10:00"), opened=local("2026-02-17T10:00")) == local("2026-02-25T00:00")
    # never after the new term starts
    assert working_moment(council, local("2026-02-20T10:00"), latest=local("2026-02-10T00:00")) == local("2026-02-10T00:00")
