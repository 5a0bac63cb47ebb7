"""Completion numbers checked against a hand-computed fixture."""

from datetime import date

import pytest

from cobuild.actions import conferences as conf
from cobuild.actions import items as it
from cobuild.tracking import item_stats, status_counts

from .conftest import at

TODAY = date(2026, 3, 20)


@pytest.fixture
def ledger(world):
    """Q1: A closed on time, B closed late, C overdue, D extended, E cancelled, F rejected, G deferred."""
    world.open_window()
    a = world.submit("community", title="事项A")
    b = world.submit("community", title="事项B")
    c = world.submit("community", title="事项C")
    d = world.submit("hospital", title="事项D")
    e = world.submit("hospital", title="事项E")
    f = world.submit("school", title="事项F")
    g = world.submit("power", title="事项G")
    meeting = world.hold()
    world.accept(a, lead="power", deadline="2026-03-31")
    world.accept(b, lead="power", deadline="2026-03-01")
    world.accept(c, lead="company", deadline="2026-03-15")
    world.accept(d, lead="company", deadline="2026-04-30")
    world.accept(e, lead=None, deadline="2026-04-30")
    conf.decide(world.session, f, "reject", by=world.chair, now=meeting.scheduled_at, reason="不属于共建范围")
    conf.decide(world.session, g, "defer", by=world.chair, now=meeting.scheduled_at)
    world.publish()
    for item, closed_on, satisfaction in ((a, "2026-03-03", 5), (b, "2026-03-05", 3)):
        it.post_progress(world.session, item, by=world.liaisons["power"], now=at("2026-02-20"), percent=100)
        it.request_close_out(world.session, item, by=world.liaisons["power"], now=at("2026-02-21"), note="完成")
        it.verify_close_out(world.session, item, by=world.secretary, now=at(closed_on), satisfaction=satisfaction)
    it.post_progress(world.session, c, by=world.liaisons["company"], now=at("2026-03-01"), percent=30)
    it.extend_deadline(world.session, d, date(2026, 5, 30), by=world.chair, now=at("2026-03-10"), reason="材料未到")
    conf.amend(world.session, e, by=world.chair, now=at("2026-03-11"), reason="街道已解决", cancel=True)
    helper = it.claim(world.session, c, world.units["hospital"], "cooperating", by=world.liaisons["hospital"],
                      now=at("2026-03-02"))
    it.decide_claim(world.session, helper, by=world.chair, now=at("2026-03-03"))
    return world


def test_council_totals(ledger):
    row = item_stats(ledger.session, ledger.council, TODAY)[0]
    expected = {"submitted": 7, "accepted": 5, "rejected": 1, "deferred": 1, "merged": 0, "confirmed": 4,
                "cancelled": 1, "claimed_lead": 4, "claimed_cooperating": 1, "in_progress": 1, "closed": 2,
                "on_time": 1, "overdue": 1, "days_overdue": 5, "extensions": 1, "send_backs": 0, "reopens": 0,
                "completion_rate": 0.5, "on_time_rate": 0.25, "avg_days_to_close": 17.0, "satisfaction": 4.0}
    assert {k: row[k] for k in expected} == expected


def test_per_unit_rows_count_the_lead_units_work_and_what_each_unit_raised(ledger):
    rows = {r["label"]: r for r in item_stats(ledger.session, ledger.council, TODAY, "unit")}
    power, company, hospital, community = rows["供电所"], rows["华信公司"], rows["人民医院"], rows["测试社区"]
    assert (power["confirmed"], power["closed"], power["on_time"], power["completion_rate"], power["on_time_rate"]) == (2, 2, 1, 1.0, 0.5)
    assert (company["confirmed"], company["closed"], company["overdue"], company["extensions"]) == (2, 0, 1, 1)
    assert company["completion_rate"] == 0.0
    assert (hospital["submitted"], hospital["claimed_cooperating"], hospital["confirmed"]) == (2, 1, 0)
    assert hospital["completion_rate"] is None  # led nothing: no rate rather than 0 %
    assert community["submitted"] == 3 and rows["火炬小学"]["rejected"] == 1


def test_quarter_and_term_groupings_agree_with_the_council_total(ledger):
    total = item_stats(ledger.session, ledger.council, TODAY)[0]
    (quarter,) = item_stats(ledger.session, ledger.council, TODAY, "quarter")
    (term,) = item_stats(ledger.session, ledger.council, TODAY, "term")
    for key in ("submitted", "confirmed", "closed", "on_time", "overdue", "completion_rate"):
        assert quarter[key] == term[key] == total[key], key
    assert quarter["label"] == "2026-Q1"


def test_a_reopened_item_no_longer_counts_as_closed(ledger):
    from sqlmodel import select

    from models import Item

    a = ledger.session.exec(select(Item).where(Item.title == "事项A")).one()
    it.reopen(ledger.session, a, by=ledger.secretary, now=at("2026-03-20"), reason="复发")
    row = item_stats(ledger.session, ledger.council, TODAY)[0]
    assert (row["closed"], row["on_time"], row["reopens"], row["in_progress"]) == (1, 0, 1, 2)


def test_a_deferred_item_counts_where_it_was_raised_and_where_it_was_confirmed(ledger):
    from sqlmodel import select

    from models import Item

    world = ledger
    g = world.session.exec(select(Item).where(Item.title == "事项G")).one()
    c2 = world.conference(2)
    world.open_window(c2)
    world.hold(c2)
    world.accept(g, lead="company", deadline="2026-06-30")
    world.publish(c2)
    rows = {r["label"]: r for r in item_stats(world.session, world.council, date(2026, 5, 20), "quarter")}
    assert rows["2026-Q1"]["submitted"] == 7 and rows["2026-Q1"]["confirmed"] == 4
    assert rows["2026-Q2"]["submitted"] == 0 and rows["2026-Q2"]["confirmed"] == 1
    assert world.reload(g).number == "2026-Q2-01"


def test_a_council_with_no_items_has_zero_counts_and_no_rates(world):
    row = item_stats(world.session, world.council, TODAY)[0]
    assert row["submitted"] == row["confirmed"] == 0
    assert row["completion_rate"] is None and row["on_time_rate"] is None and row["avg_days_to_close"] is None
    assert sum(status_counts(world.session, world.council.id).values()) == 0


def test_when_everything_is_overdue_the_rates_are_zero(world):
    world.published_item(deadline="2026-03-01")
    row = item_stats(world.session, world.council, date(2026, 4, 1))[0]
    assert (row["overdue"], row["days_overdue"], row["completion_rate"], row["on_time_rate"]) == (1, 31, 0.0, 0.0)
