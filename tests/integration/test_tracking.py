"""Completion numbers checked against a hand-computed fixture."""

from datetime import date

import pytest

from cobuild.actions import conferences as conf
from cobuild.actions import items as it
from cobuild.reports.tracking import item_stats, status_counts

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
                "not_due": 1, "due": 3,  # D, extended to 05-30, is not yet due: it counts against nobody
                "completion_rate": 0.6667, "on_time_rate": 0.3333, "avg_days_to_close": 17.0, "satisfaction": 4.0}
    assert {k: row[k] for k in expected} == expected


def test_items_not_yet_due_count_apart_until_their_deadline_passes(ledger):
    """办结率 is defined on items due: on 03-20 D (due 05-30) is not yet due; by 06-01 it is, and late."""
    march = item_stats(ledger.session, ledger.council, TODAY)[0]
    june = item_stats(ledger.session, ledger.council, date(2026, 6, 1))[0]
    assert (march["not_due"], march["due"], march["completion_rate"]) == (1, 3, 0.6667)
    assert (june["not_due"], june["due"], june["overdue"], june["completion_rate"]) == (0, 4, 2, 0.5)
    units = {r["label"]: r for r in item_stats(ledger.session, ledger.council, TODAY, "unit")}
    assert (units["华信公司"]["not_due"], units["华信公司"]["completion_rate"]) == (1, 0.0)


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

    from cobuild.models import Item

    a = ledger.session.exec(select(Item).where(Item.title == "事项A")).one()
    it.reopen(ledger.session, a, by=ledger.secretary, now=at("2026-03-20"), reason="复发")
    row = item_stats(ledger.session, ledger.council, TODAY)[0]
    assert (row["closed"], row["on_time"], row["reopens"], row["in_progress"]) == (1, 0, 1, 2)


def test_a_deferred_item_counts_where_it_was_raised_and_where_it_was_confirmed(ledger):
    from sqlmodel import select

    from cobuild.models import Item

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


def test_p90_days_to_close_is_the_nearest_rank(ledger):
    row = item_stats(ledger.session, ledger.council, TODAY)[0]
    assert row["p90_days_to_close"] == 18  # closed after 16 and 18 days: nearest rank of 2 values is the 2nd


def test_points_follow_the_rule_table_with_a_breakdown(ledger):
    from cobuild.reports.tracking import points

    scores = {r["unit"]: r for r in points(ledger.session, ledger.council, TODAY)}
    power, company, hospital, community = scores["供电所"], scores["华信公司"], scores["人民医院"], scores["测试社区"]
    # 供电所 led A (on time, +10) and B (closed 4 days late: +4, 4 overdue days -4)
    assert power["breakdown"]["lead_closed_on_time"] == {"count": 1, "points": 10}
    assert power["breakdown"]["overdue_day"] == {"count": 4, "points": -4}
    assert power["points"] == 10 + 4 - 4
    # 华信公司 leads C, overdue since 15 Mar: 5 days at 20 Mar; D is not overdue
    assert company["points"] == -5
    # 人民医院 cooperates on C, which is not closed yet: nothing; raised nothing that closed
    assert hospital["points"] == 0
    # 测试社区 raised A and B and verified both
    assert community["breakdown"]["raised_verified"] == {"count": 2, "points": 4}


def test_a_council_may_change_the_rules(ledger):
    from cobuild.actions.council import update_settings
    from cobuild.reports.tracking import points

    update_settings(ledger.session, ledger.council, by=ledger.secretary, now=at("2026-03-20"),
                    points_rules={"lead_closed_on_time": 20})
    power = next(r for r in points(ledger.session, ledger.council, TODAY) if r["unit"] == "供电所")
    assert power["points"] == 20 + 4 - 4


def test_declining_an_assignment_costs_points_and_hands_the_item_back(ledger):
    from sqlmodel import select

    from cobuild.models import Item
    from cobuild.reports.tracking import points

    d = ledger.session.exec(select(Item).where(Item.title == "事项D")).one()
    it.decline_assignment(ledger.session, d, by=ledger.liaisons["company"], now=at("2026-03-20"), reason="无施工力量")
    assert (ledger.reload(d).status, d.lead_unit_id) == ("accepted", None)
    company = next(r for r in points(ledger.session, ledger.council, TODAY) if r["unit"] == "华信公司")
    assert company["breakdown"]["declined"] == {"count": 1, "points": -5}


def test_the_ranking_board_orders_by_points_and_shares_ranks_on_ties(ledger):
    from cobuild.reports.tracking import ranking

    board = ranking(ledger.session, ledger.council, TODAY, conference_code="2026-Q1")
    ranks = [(r["unit"], r["points"], r["rank"]) for r in board["rows"]]
    assert ranks[0] == ("供电所", 10, 1) and ranks[1][0] == "测试社区"
    assert ranks[-1] == ("华信公司", -5, len(ranks))
    tied = [r for r in board["rows"] if r["points"] == 0]
    assert len({r["rank"] for r in tied}) == 1 and board["rules"]["lead_closed_on_time"] == 10


def test_scorecards_for_all_councils_at_once_are_each_councils_own(ledger, world):
    """A city's view: per-unit rows and points for every council in one query set equal what
    each council's own report says — a second council with its own work and its own rules."""
    from cobuild.actions.council import update_settings
    from cobuild.reports.tracking import points, scorecards

    from .conftest import World

    other = World(world.session, name="第二社区大党委", community_name="第二社区", secretary_name="赵书记")
    other.published_item(raiser="community", lead="hospital", title="别的社区事项")
    rules = {**other.council.points_rules, "lead_closed_on_time": 7}
    update_settings(world.session, other.council, by=other.secretary, now=at("2026-03-01"), points_rules=rules)
    councils = [world.council, other.council]
    per_council = [row for c in councils for row in item_stats(world.session, c, TODAY, "unit")]
    assert item_stats(world.session, None, TODAY, "unit") == per_council
    per_council_points = [row for c in councils for row in points(world.session, c, TODAY)]
    assert points(world.session, None, TODAY) == per_council_points
    assert scorecards(world.session, None, TODAY) == [{**stats, **score} for stats, score in zip(per_council, per_council_points)]
    assert any(card["claimed_cooperating"] for card in scorecards(world.session, world.council, TODAY))
    by_council = item_stats(world.session, None, TODAY, "council")
    assert [r["key"] for r in by_council] == [c.id for c in councils]
    assert by_council[0] | {"key": None} == item_stats(world.session, world.council, TODAY)[0] | {"key": None}
    with pytest.raises(ValueError):
        item_stats(world.session, None, TODAY, "term")
