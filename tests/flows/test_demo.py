"""`cobuild demo`: one simulated year through the flows, checked against the database it wrote."""

from datetime import date

import pytest
from sqlmodel import select

from cobuild.cli.demo import run_demo
from cobuild.models import AuditEvent, Council
from cobuild.platform.db import session_for
from cobuild.reports.tracking import item_stats
from tests.integration.conftest import throwaway_database


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    import os

    folder = tmp_path_factory.mktemp("demo")
    saved = {name: os.environ.get(name) for name in ("COBUILD_DELIVERY", "COBUILD_OUTBOX_DIR")}
    try:
        with throwaway_database(folder) as url:  # SQLite, or PostgreSQL in the second pass
            yield url, run_demo(url, progress=False, outbox_dir=str(folder / "outbox"), output_dir=str(folder / "output"))
    finally:  # the demo writes its messages to a file by setting these for its process: not for the tests after it
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def test_the_demo_year_has_two_reported_terms_and_four_resolved_conferences(demo):
    _, summary = demo
    reported = [t for t in summary["terms"] if t["status"] == "reported"]
    assert [t["number"] for t in reported] == [1, 2]
    assert all(t["commitments"] >= 1 and t["evaluations"] >= 1 for t in reported)
    by_number = {t["number"]: t["id"] for t in summary["terms"]}
    assert {e["term_id"] for e in summary["elections"]} == {by_number[2], by_number[3]}  # two chair elections in the year
    resolved = [c["code"] for c in summary["conferences"] if c["status"] == "resolved"]
    assert resolved == ["2026-Q1", "2026-Q2", "2026-Q3", "2026-Q4"]
    assert summary["members"] >= 14 and summary["units"] == 7


def test_the_demo_items_flow_in_both_directions_and_some_are_overdue_at_year_end(demo):
    url, summary = demo
    assert summary["items"]["closed"] > 0 and summary["overdue_at_year_end"] > 0
    assert summary["extensions"] > 0
    assert sum(r["send_backs"] for r in summary["by_quarter"]) > 0
    with session_for(url) as session:
        from cobuild.models import Item, Unit

        council = session.exec(select(Council).where(Council.name == summary["council"])).one()
        community = session.exec(select(Unit).where(Unit.kind == "community", Unit.council_id == council.id)).one()
        raised = session.exec(select(Item.raised_by_unit_id).where(Item.council_id == council.id)).all()
        assert community.id in raised and any(r != community.id for r in raised)


def test_the_demo_numbers_are_the_tracking_queries_numbers(demo):
    url, summary = demo
    with session_for(url) as session:
        council = session.exec(select(Council).where(Council.name == summary["council"])).one()
        row = item_stats(session, council, date(2026, 12, 31))[0]
        assert summary["completion_rate"] == row["completion_rate"] and summary["on_time_rate"] == row["on_time_rate"]
        assert summary["audit_events"] == len(session.exec(select(AuditEvent.id).where(AuditEvent.council_id == council.id)).all())
    assert summary["items_total"] == sum(summary["items"].values())
    for key in ("terms", "conferences", "items", "completion_rate", "on_time_rate", "audit_events"):
        assert key in summary


def test_the_demo_sends_reminders_and_escalates(demo):
    _, summary = demo
    for kind in ("deadline_approaching", "overdue", "escalation", "verify_request", "window_open", "agenda",
                 "election_open", "election_result", "evaluation_open", "term_report", "daily_digest", "weekly_digest"):
        assert summary["reminders"].get(kind, 0) > 0, kind
    from cobuild.models.kinds import HANDOFF_KINDS

    for kind in sorted(HANDOFF_KINDS):  # every hand-off happens in the simulated year
        assert summary["reminders"].get(kind, 0) > 0, kind
    assert summary["escalations"] > 0 and summary["deliveries"]["sent"] > 100
    assert summary["deliveries"].get("dead", 0) == 0


def test_the_demo_writes_the_documents_a_council_hands_on(demo):
    from pathlib import Path

    _, summary = demo
    files = summary["files"]
    for key in ("term_1_report_html", "term_2_report_html", "resolution_html", "ledger", "calendar"):
        assert Path(files[key]).is_file() and Path(files[key]).stat().st_size > 0, key
    assert "牡丹社区大党委" in Path(files["term_2_report_html"]).read_text(encoding="utf-8")


def test_a_retried_week_resumes_at_the_day_that_failed(tmp_path, monkeypatch):
    """The demo runs a task a week; a retry must not simulate the days already done twice."""
    import cobuild.demo as demo_module
    import cobuild.flows.demo as demo_flows

    done: list[str] = []
    failed: list[str] = []

    def fake_day(db_url, day, seed):
        if day.isoformat() == "2026-03-04" and not failed:
            failed.append(day.isoformat())
            raise RuntimeError("a transient failure on the third day")
        done.append(day.isoformat())
        return {"simulated": 1}

    monkeypatch.setattr(demo_flows, "scheduler_tick", lambda db_url, now: {"ticks": 1})
    monkeypatch.setattr(demo_module, "simulate_day", fake_day)
    days = [f"2026-03-{d:02d}" for d in range(2, 9)]
    totals = demo_flows.simulated_week.with_options(retry_delay_seconds=0)(
        f"sqlite:///{tmp_path}/unused.db", days, [f"{d}T09:05:00+08:00" for d in days], 2026)
    assert failed == ["2026-03-04"]
    assert done == days  # each day once, in order, the failed one after its retry
    assert totals == {"ticks": 7, "simulated": 7}  # the days before the failure still count


def test_the_demo_has_a_street_with_two_communities_and_a_service_menu(demo):
    _, summary = demo
    street = summary["street"]
    assert [c["council"] for c in street["councils"]] == ["牡丹社区大党委", "芍药社区大党委"]
    assert all(c["conferences_held"] == 4 for c in street["councils"])
    assert [b["period"] for b in street["racing"]["halves"]] == ["2026-H1", "2026-H2"]
    assert {r["council"] for r in street["racing"]["quarters"][-1]["rows"]} == {"牡丹社区大党委", "芍药社区大党委"}
    assert summary["offers"]["total"] == 15 and 30 <= summary["orders"]["total"] <= 60
    assert summary["orders"]["residents_served"] > 0 and summary["orders"]["average_rating"] is not None
    assert {"street", "c2-secretary", "unit2-volunteer1"} <= {a["login"] for a in summary["accounts"]}


def test_the_demo_street_appraises_its_units_with_residents_codes(demo):
    _, summary = demo
    appraisal = summary["appraisal"]
    assert 50 <= appraisal["codes_used"] <= 70
    assert len(appraisal["units"]) == 9 and [u["rank"] for u in appraisal["units"]][0] == 1
    grades = [u["grade"] for u in appraisal["units"]]
    assert set(grades) <= {"优秀", "良好", "一般", "较差"} and grades.count("优秀") <= 2  # a 30 % cap on nine units
    assert all(u["residents"] is not None for u in appraisal["units"])
