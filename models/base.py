"""Column types and time helpers shared by every table.

Datetimes are stored in UTC and always come back timezone-aware, even from SQLite, which
has no timezone type and would otherwise hand back naive values.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from enum import Enum
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import JSON, DateTime
from sqlalchemy.types import TypeDecorator


class UTCDateTime(TypeDecorator):
    """A timestamp that refuses naive datetimes and always returns aware UTC ones."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime refused: rules work in aware UTC datetimes")
        value = value.astimezone(UTC)
        # SQLite stores text; keep every value in UTC without an offset so that string
        # comparison in SQL orders correctly.
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def bind_processor(self, dialect):
        """The conversion above and the driver's, kept for values seen lately: a sweep writes the
        same few instants (its tick, each council's release time) on every row, ~4 a message,
        and converting them was a tenth of a big sweep."""
        process = super().bind_processor(dialect)
        if process is None:
            return None
        seen: dict[datetime, object] = {}

        def cached(value):
            if value is None:
                return None
            try:
                return seen[value]  # equal aware datetimes are the same instant: the same stored value
            except KeyError:
                pass
            converted = process(value)  # a naive datetime raises here, and is never kept
            if len(seen) >= 1024:  # ~0.2 MB a datetime column at most
                seen.clear()
            seen[value] = converted
            return converted

        return cached

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


JSONType = JSON().with_variant(JSON(), "sqlite")


def aware(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        raise ValueError("naive datetime: pass an aware datetime")
    return moment.astimezone(UTC)


def local_date(moment: datetime, tz: str) -> date:
    """The calendar date at `moment` in the council's timezone."""
    return aware(moment).astimezone(ZoneInfo(tz)).date()


def local_start(day: date, tz: str, at: time = time(0, 0)) -> datetime:
    """The UTC instant of `at` o'clock local time on `day`."""
    return datetime.combine(day, at, tzinfo=ZoneInfo(tz)).astimezone(UTC)


def day_end(day: date, tz: str) -> datetime:
    """The first instant after `day` ends, local time, in UTC."""
    return local_start(day + timedelta(days=1), tz)


def add_months(day: date, months: int) -> date:
    month_index = day.month - 1 + months
    year = day.year + month_index // 12
    month = month_index % 12 + 1
    # clamp to the month's last day (Jan 31 + 1 month = Feb 28/29)
    for candidate in (day.day, 30, 29, 28):
        try:
            return date(year, month, min(day.day, candidate))
        except ValueError:
            continue
    raise ValueError(day)


def quarter_of(day: date) -> int:
    return (day.month - 1) // 3 + 1


def plain_text(value: object, multiline: bool = False) -> object:
    """Text as people type it: trimmed, and refused if it holds control characters (NUL, escape
    sequences …; line breaks and tabs only where `multiline`), which no one types and which break
    the exports. Non-strings are left to the schema's own type check."""
    if not isinstance(value, str):
        return value
    allowed = "\n\r\t" if multiline else ""
    for char in value:
        code = ord(char)
        if (code < 32 or 127 <= code < 160 or code in (0x2028, 0x2029)) and char not in allowed:
            raise ValueError("v_control")
    return value.strip()


@classmethod  # type: ignore[misc]
def numbers_not_booleans(cls, value, info):
    """A before-validator for every field: JSON's true or false where a number (int) is expected
    is refused, not read as 1 or 0 (a percent, a limit of items …)."""
    annotation = cls.model_fields[info.field_name].annotation
    if isinstance(value, bool) and annotation in (int, int | None):
        raise ValueError("v_number")
    return value


def jsonable(value: Any) -> Any:
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    return value


def today_for(council, now: datetime) -> date:
    """The council's own calendar day at `now`."""
    return local_date(now, council.timezone)


def local_text(council, moment: datetime) -> str:
    """A moment as the council's people read it: local date and time."""
    return moment.astimezone(ZoneInfo(council.timezone)).strftime("%Y-%m-%d %H:%M")


def share_ranks(ordered: list[dict], key) -> list[dict]:
    """Competition ranks (1, 2, 2, 4) over rows already in their order: rows whose `key(row)` is
    equal share a rank. The racing boards, the points ranking and the appraisal all rank so."""
    previous, rank = object(), 0
    for position, row in enumerate(ordered, start=1):
        if key(row) != previous:
            rank, previous = position, key(row)
        row["rank"] = rank
    return ordered
