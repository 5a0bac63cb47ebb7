"""What every flow shares: reading its `now` and `db_url` parameters, and naming its runs.

A deployment's schedule starts a flow without `now` (the flow then works at the current
time); its run is named after that moment, not "None".

A flow run's parameters are kept by the Prefect server and shown in its UI and API: a database
URL goes there without its password (`masked`). The flow gets the real one back (`database`) from
this process, which passed it, or from COBUILD_DB_URL in the worker's environment; a deployment
passes none and the worker's COBUILD_DB_URL is used.
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


_PASSWORDS: dict[str, str] = {}  # masked URL -> the URL it was made from, in this process


def masked(url: str) -> str:
    """The database URL a flow run records: without its password, which this process keeps."""
    from cobuild.platform.db import shown_url

    shown = shown_url(url)
    if shown != url:
        _PASSWORDS[shown] = url
    return shown


def database(url: str | None) -> str:
    """The database a flow works on: `url` as passed (masked or not), or COBUILD_DB_URL."""
    from cobuild.platform.db import shown_url
    from cobuild.platform.settings import get_settings

    configured = get_settings().db_url
    if url is None:
        return configured
    if url in _PASSWORDS:
        return _PASSWORDS[url]
    if url != configured and shown_url(configured) == url:
        return configured
    return url


def run_name(label: str) -> Callable[[], str]:
    """A flow_run_name: `label` and the run's `now`, or the current UTC time where none was given."""

    def name() -> str:
        from prefect.runtime import flow_run

        now = (flow_run.parameters or {}).get("now")
        return f"{label} {now or datetime.now(UTC).isoformat(timespec='seconds')}"

    return name
