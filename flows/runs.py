"""What every flow shares: reading its `now` parameter, and naming its runs.

A deployment's schedule starts a flow without `now` (the flow then works at the current
time); its run is named after that moment, not "None".
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime


def at(now: str | None) -> datetime:
    """The moment a flow works at: its `now` parameter (ISO 8601, UTC if naive), or the clock."""
    if now is None:
        return datetime.now(UTC)
    moment = datetime.fromisoformat(now)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def run_name(label: str) -> Callable[[], str]:
    """A flow_run_name: `label` and the run's `now`, or the current UTC time where none was given."""

    def name() -> str:
        from prefect.runtime import flow_run

        now = (flow_run.parameters or {}).get("now")
        return f"{label} {now or datetime.now(UTC).isoformat(timespec='seconds')}"

    return name
