"""The street office's view across its communities (SPEC.md §10): each council's figures — the
same numbers the council's own dashboard shows — and the racing board by quarter (季度赛马) and
half-year (半年晾晒), with each community's movement since the period before."""

from __future__ import annotations

from datetime import date, datetime

from sqlmodel import Session, select

from cobuild.models import Conference, ConferenceStatus, Council, Street, StreetStaff
from cobuild.models.base import local_date, share_ranks, today_for
from cobuild.reports.tracking import item_stats, ranking

HELD = (ConferenceStatus.held, ConferenceStatus.resolved)


def streets_of(session: Session, account_id: int) -> list[Street]:
    """The streets whose staff the account is on."""
    return list(session.exec(select(Street).join(StreetStaff, StreetStaff.street_id == Street.id).where(
        StreetStaff.account_id == account_id, StreetStaff.active == True).order_by(Street.id)).all())  # noqa: E712


def councils_of(session: Session, street: Street) -> list[Council]:
    return list(session.exec(select(Council).where(Council.street_id == street.id).order_by(Council.id)).all())


def _rate(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def council_figures(session: Session, council: Council, now: datetime) -> dict:
    """One community's line on the street dashboard."""
    today = today_for(council, now)
    whole = item_stats(session, council, today, "council")[0]
    board = ranking(session, council, today)
    conferences = session.exec(select(Conference).where(Conference.council_id == council.id,
                                                        Conference.scheduled_at <= now)).all()
    held = [c for c in conferences if c.status in HELD]
    on_time = [c for c in held if c.held_on <= local_date(c.scheduled_at, council.timezone)]
    return {"council_id": council.id, "council": council.name, "confirmed": whole["confirmed"], "closed": whole["closed"],
            "due": whole["due"], "on_time": whole["on_time"], "overdue": whole["overdue"], "not_due": whole["not_due"],
            "completion_rate": whole["completion_rate"], "on_time_rate": whole["on_time_rate"],
            "points": sum(row["points"] for row in board["rows"]),
            "conferences_due": len(conferences), "conferences_held": len(held), "conferences_on_time": len(on_time)}


def _ranked(rows: list[dict]) -> list[dict]:
    rows.sort(key=lambda r: (-(r["completion_rate"] or 0), -(r["on_time_rate"] or 0), r["council"]))
    return share_ranks(rows, lambda r: (r["completion_rate"], r["on_time_rate"]))


def racing_board(session: Session, councils: list[Council], today: date) -> dict:
    """Per quarter and per half-year: each community's completion and on-time rates for the items
    of that period's conferences, ranked (completion, then on-time rate; equal rates share a
    rank), with `movement`: places gained (+) or lost (−) since the period before."""
    quarters: dict[str, dict[int, dict]] = {}
    for council in councils:
        for row in item_stats(session, council, today, "quarter"):
            quarters.setdefault(row["label"], {})[council.id] = {"council": council.name, "council_id": council.id,
                                                                 "closed": row["closed"], "on_time": row["on_time"],
                                                                 "due": row["due"]}
    halves: dict[str, dict[int, dict]] = {}
    for code, by_council in quarters.items():
        year, q = code.split("-Q") if "-Q" in code else (code, "1")
        half = f"{year}-H{1 if int(q) <= 2 else 2}"
        for council_id, row in by_council.items():
            total = halves.setdefault(half, {}).setdefault(council_id, {"council": row["council"], "council_id": council_id,
                                                                        "closed": 0, "on_time": 0, "due": 0})
            for key in ("closed", "on_time", "due"):
                total[key] += row[key]

    def boards(periods: dict[str, dict[int, dict]]) -> list[dict]:
        out: list[dict] = []
        before: dict[int, int] = {}
        for period in sorted(periods):
            rows = [{**r, "completion_rate": _rate(r["closed"], r["due"]), "on_time_rate": _rate(r["on_time"], r["due"])}
                    for r in periods[period].values()]
            rows = _ranked(rows)
            for row in rows:
                row["movement"] = before[row["council_id"]] - row["rank"] if row["council_id"] in before else None
            before = {row["council_id"]: row["rank"] for row in rows}
            out.append({"period": period, "rows": rows})
        return out

    return {"quarters": boards(quarters), "halves": boards(halves),
            "order": "办结率从高到低,相同按按期办结率 / completion rate, then on-time rate"}


def street_dashboard(session: Session, street: Street, now: datetime) -> dict:
    councils = councils_of(session, street)
    today = local_date(now, street.timezone)
    return {"street": street.name, "street_id": street.id, "as_of": today.isoformat(),
            "councils": [council_figures(session, c, now) for c in councils],
            "racing": racing_board(session, councils, today)}
