"""Working days: the official Chinese calendar with make-up working weekends (调休).

`chinese-calendar` knows the years the State Council has published. For a year it does not
know we fall back to Monday–Friday and warn once per year; a council's own extra holidays and
extra working days always win.
"""

from __future__ import annotations

import logging
from datetime import date, timedelta
from functools import lru_cache

log = logging.getLogger("cobuild.workdays")
_warned_years: set[int] = set()

# dates a council may name (its own holidays and working days, deadlines): real dates of years a
# calendar can work with, so that nothing stored can stop the date arithmetic of a sweep
FIRST_YEAR, LAST_YEAR = 2000, 2100


def parse_day(value: object) -> date:
    """A real date (YYYY-MM-DD) between FIRST_YEAR and LAST_YEAR; ValueError otherwise."""
    text = str(value).strip()
    try:
        day = date.fromisoformat(text)
    except ValueError:
        raise ValueError(text) from None
    if len(text) != 10 or not FIRST_YEAR <= day.year <= LAST_YEAR:
        raise ValueError(text)
    return day


def parse_days(values) -> list[str]:
    """Each a real date (`parse_day`), as sorted unique ISO strings."""
    return sorted({parse_day(value).isoformat() for value in values})


@lru_cache(maxsize=4096)
def official_workday(day: date) -> bool:
    import chinese_calendar

    try:
        return chinese_calendar.is_workday(day)
    except NotImplementedError:
        if day.year not in _warned_years:
            _warned_years.add(day.year)
            log.warning("chinese-calendar has no data for %s; Monday–Friday is used for that year "
                        "(add official holidays as council overrides)", day.year)
        return day.weekday() < 5


class WorkCalendar:
    """Working days of one council: the official calendar plus the council's overrides."""

    def __init__(self, extra_holidays=(), extra_workdays=()):
        self.holidays = {date.fromisoformat(str(d)) for d in extra_holidays}
        self.workdays = {date.fromisoformat(str(d)) for d in extra_workdays}

    @property
    def key(self) -> tuple[frozenset, frozenset]:
        """Equal for councils with the same overrides: what a cache of computed dates is keyed on."""
        return frozenset(self.holidays), frozenset(self.workdays)

    def is_workday(self, day: date) -> bool:
        if day in self.workdays:
            return True
        if day in self.holidays:
            return False
        return official_workday(day)

    def add_workdays(self, day: date, count: int) -> date:
        """The `count`-th working day after `day` (before it when negative); `day` itself is
        not counted. add_workdays(d, 0) is d."""
        step = 1 if count >= 0 else -1
        remaining = abs(count)
        current = day
        while remaining:
            current += timedelta(days=step)
            if self.is_workday(current):
                remaining -= 1
        return current

    def on_or_before(self, day: date) -> date:
        while not self.is_workday(day):
            day -= timedelta(days=1)
        return day

    def on_or_after(self, day: date) -> date:
        while not self.is_workday(day):
            day += timedelta(days=1)
        return day

    def workdays_between(self, start: date, end: date) -> int:
        """Working days after `start` up to and including `end` (0 if end <= start)."""
        count, current = 0, start
        while current < end:
            current += timedelta(days=1)
            count += self.is_workday(current)
        return count


def calendar_of(council) -> WorkCalendar:
    """A council's working days: the official calendar with its own holidays and swapped days."""
    return WorkCalendar(council.extra_holidays, council.extra_workdays)


def working_moment(council, moment, latest=None, opened=None):
    """When a vote that would end at `moment` (aware) ends on the council's calendar. If its last
    day (the local day of the hour before `moment`) is a working day, at `moment`; otherwise at the
    end of the working day before — or, when that leaves less than a day after `opened`, at the end
    of the next working day. Never after `latest`. Nobody's last chance to vote falls on a holiday."""
    from datetime import datetime, timedelta
    from zoneinfo import ZoneInfo

    zone = ZoneInfo(council.timezone)
    cal = calendar_of(council)
    last_day = (moment - timedelta(hours=1)).astimezone(zone).date()

    def end_of(day):
        return datetime.combine(day + timedelta(days=1), datetime.min.time(), tzinfo=zone).astimezone(moment.tzinfo)

    ends = moment
    if not cal.is_workday(last_day):
        ends = end_of(cal.on_or_before(last_day))
        if opened is not None and ends <= opened + timedelta(days=1):
            ends = end_of(cal.on_or_after(last_day))
    return min(ends, latest) if latest is not None else ends
