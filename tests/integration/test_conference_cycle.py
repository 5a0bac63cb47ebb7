from datetime import date, timedelta

import pytest
from sqlmodel import select

from cobuild.actions import conferences as conf
from cobuild.actions import items as it
from cobuild.models import (
    AgendaEntry,
    Amendment,
    Conflict,
    IllegalTransition,
    InvalidInput,
    Item,
    PermissionDenied,
    Resolution,
)

from .conftest import SH, at


def test_the_window_opens_and_the_agenda_locks_on_schedule(world):
    c = world.conference()
    assert (c.held_on, c.window_opens_at.astimezone(SH).date()) == (date(2026, 2, 15), date(2026, 2, 1))
    assert c.window_closes_at.astimezone(SH).date() == date(2026, 2, 14)  # closes as the 13th ends
    assert world.advance("2026-01-31")["windows_opened"] == 0
    assert world.advance("2026-02-01")["windows_opened"] == 1
    assert world.advance("2026-02-01")["windows_opened"] == 0  # re-running changes nothing
    assert world.reload(c).status == "collecting"
    assert world.advance("2026-02-14")["agendas_locked"] == 1
    assert world.reload(c).status == "agenda_locked"


def test_submitting_before_the_window_opens_is_refused(world, count_rows):
    before = count_rows()
    with pytest.raises(IllegalTransition) as caught:
        world.submit("hospital", when=at("2026-01-20"))
    assert "已计划" in caught.value.message("zh")
    assert count_rows() == before


def test_a_unit_may_submit_three_items_and_the_fourth_is_refused(world, count_rows):
    world.open_window()
    for n in range(3):
        world.submit("hospital", title=f"事项{n}")
    before = count_rows()
    with pytest.raises(Conflict) as caught:
        world.submit("hospital", title="第四项")
    assert "上限 3" in caught.value.message("zh")
    assert count_rows() == before
    world.submit("power", title="其他单位不受影响")


def test_the_limit_follows_the_council_setting(session):
    from .conftest import World

    small = World(session, items_max_per_unit=1)
    small.open_window()
    small.submit("hospital")
    with pytest.raises(Conflict):
        small.submit("hospital", title="第二项")


def test_only_the_units_own_liaison_submits_for_it(world):
    world.open_window()
    c = world.conference()
    with pytest.raises(PermissionDenied) as caught:
        it.submit_item(world.session, c, world.units["hospital"], by=world.liaisons["power"],
                       now=c.window_opens_at + timedelta(hours=1), title="代交", category="其他")
    assert "联络员" in caught.value.message("zh")
    with pytest.raises(PermissionDenied):  # a unit head who is not a liaison
        it.submit_item(world.session, c, world.units["hospital"], by=world.heads["hospital"],
                       now=c.window_opens_at + timedelta(hours=1), title="代交", category="其他")


def test_unknown_categories_and_self_requests_are_refused(world):
    world.open_window()
    with pytest.raises(InvalidInput):
        world.submit("hospital", category="天文观测")
    with pytest.raises(InvalidInput):
        world.submit("hospital", asks="unit", asks_unit_id=world.units["hospital"].id)
    with pytest.raises(InvalidInput):
        world.submit("community", asks="community")


def test_two_way_list_community_asks_a_unit_and_a_unit_asks_the_community(world):
    world.open_window()
    down = world.submit("community", title="学校操场课后开放", asks="unit", asks_unit_id=world.units["school"].id)
    up = world.submit("school", title="校门口交通疏导", asks="community")
    assert (down.asks, down.asks_unit_id, up.asks) == ("unit", world.units["school"].id, "community")


def test_only_the_chair_holds_and_decides(world):
    world.open_window()
    item = world.submit("hospital")
    c = world.conference()
    world.advance("2026-02-14")
    with pytest.raises(PermissionDenied) as caught:
        conf.hold(world.session, c, by=world.heads["power"], now=c.scheduled_at)
    assert "轮值主席" in caught.value.message("zh")
    conf.hold(world.session, c, by=world.chair, now=c.scheduled_at)
    with pytest.raises(PermissionDenied):
        conf.decide(world.session, item, "accept", by=world.secretary, now=c.scheduled_at)


def test_holding_before_the_agenda_is_locked_names_the_state(world):
    c = world.open_window()
    with pytest.raises(IllegalTransition) as caught:
        conf.hold(world.session, c, by=world.chair, now=c.window_opens_at)
    assert "征集中" in caught.value.message("zh") and "现在可以:锁定议程" in caught.value.message("zh")


def test_attendance_is_recorded_for_every_member(world):
    world.open_window()
    world.submit("hospital")
    c = world.hold()
    rows = conf.record_attendance(world.session, c, [world.chair.id], by=world.chair, now=c.scheduled_at)
    assert sum(r.present for r in rows) == 1 and len(rows) == len(world.voters)


def test_decisions_accept_merge_defer_reject(world):
    world.open_window()
    a = world.submit("hospital", title="路灯维修")
    b = world.submit("power", title="路灯维修(重复)")
    d = world.submit("company", title="下季度再议")
    r = world.submit("school", title="不属于共建范围")
    c = world.hold()
    now = c.scheduled_at
    conf.decide(world.session, a, "accept", by=world.chair, now=now)
    conf.decide(world.session, b, "merge", by=world.chair, now=now, merge_into=a)
    conf.decide(world.session, d, "defer", by=world.chair, now=now)
    with pytest.raises(InvalidInput):
        conf.decide(world.session, r, "reject", by=world.chair, now=now)  # needs a reason
    conf.decide(world.session, r, "reject", by=world.chair, now=now, reason="转交街道办理")
    assert [x.status for x in (a, b, d, r)] == ["accepted", "merged", "deferred", "rejected"]
    assert b.merged_into_id == a.id and r.decision_reason == "转交街道办理"
    with pytest.raises(IllegalTransition):
        conf.decide(world.session, r, "accept", by=world.chair, now=now)


def test_publishing_needs_every_item_decided_and_assigned(world):
    world.open_window()
    a = world.submit("hospital")
    b = world.submit("power", title="第二项")
    c = world.hold()
    conf.decide(world.session, a, "accept", by=world.chair, now=c.scheduled_at)
    with pytest.raises(IllegalTransition) as caught:
        world.publish()
    assert "第二项" in caught.value.message("zh")
    conf.decide(world.session, b, "reject", by=world.chair, now=c.scheduled_at, reason="重复")
    with pytest.raises(InvalidInput) as caught:
        world.publish()
    assert "goal" in caught.value.message("en")


def test_the_resolution_numbers_items_in_rotation_order_and_freezes_them(world):
    world.open_window()
    items = [world.submit(k, title=f"{k}的事项") for k in ("company", "community", "hospital")]
    world.hold()
    for item in items:
        world.accept(item, lead="power" if item.raised_by_unit_id != world.units["power"].id else "school")
    resolution = world.publish()
    numbers = {i.title: world.reload(i).number for i in items}
    assert numbers == {"community的事项": "2026-Q1-01", "hospital的事项": "2026-Q1-02", "company的事项": "2026-Q1-03"}
    assert all(world.reload(i).status == "claimed" for i in items)
    assert resolution.content["items"][0]["lead_unit"] == "供电所"
    assert len(resolution.content_sha256) == 64
    assert world.reload(world.conference()).status == "resolved"
    with pytest.raises(IllegalTransition) as caught:
        it.assign(world.session, items[0], by=world.chair, now=at("2026-02-20"), goal="改目标")
    assert "修正决议" in caught.value.message("zh")
    with pytest.raises(IllegalTransition):
        world.publish()


def test_an_amendment_changes_a_published_item_and_leaves_the_resolution_untouched(world):
    item = world.published_item()
    resolution = world.session.exec(select(Resolution)).one()
    frozen = dict(resolution.content)
    conf.amend(world.session, item, by=world.chair, now=at("2026-03-01"), reason="调整牵头单位",
               lead_unit_id=world.units["company"].id, goal="新目标")
    conf.amend(world.session, item, by=world.chair, now=at("2026-03-02"), reason="问题已由街道解决", cancel=True)
    amendments = world.session.exec(select(Amendment).order_by(Amendment.seq)).all()
    assert [(a.seq, a.kind) for a in amendments] == [(1, "change"), (2, "cancel")]
    assert amendments[0].before["lead_unit_id"] == world.units["power"].id
    assert amendments[0].after["lead_unit_id"] == world.units["company"].id
    assert world.reload(item).status == "cancelled"
    assert world.reload(resolution).content == frozen
    with pytest.raises(IllegalTransition):
        conf.amend(world.session, item, by=world.chair, now=at("2026-03-03"), reason="再撤销", cancel=True)


def test_deferred_items_come_back_on_the_next_agenda_and_open_items_are_reviewed(world):
    world.open_window()
    deferred = world.submit("hospital", title="暂缓事项")
    working = world.submit("company", title="推进中事项")
    c1 = world.hold()
    conf.decide(world.session, deferred, "defer", by=world.chair, now=c1.scheduled_at)
    world.accept(working)
    world.publish()
    c2 = world.conference(2)
    world.open_window(c2)
    fresh = world.submit("school", title="新事项", conference=c2)
    world.advance(c2.window_closes_at.astimezone(SH).date())
    agenda = world.session.exec(select(AgendaEntry).where(AgendaEntry.conference_id == c2.id)
                                .order_by(AgendaEntry.position)).all()
    assert [(a.item_id, a.kind) for a in agenda] == [(fresh.id, "new"), (deferred.id, "carried"), (working.id, "review")]
    assert world.reload(deferred).status == "submitted" and deferred.conference_id == c2.id
    assert deferred.raised_conference_id == c1.id and deferred.deferrals == 1


def test_the_chair_may_reschedule_a_planned_conference(world):
    c = world.conference(2)
    conf.reschedule(world.session, c, date(2026, 5, 28), by=world.chair, now=at("2026-03-01"))
    assert c.held_on == date(2026, 5, 28) and c.window_opens_at.astimezone(SH).date() == date(2026, 5, 14)
    with pytest.raises(InvalidInput):
        conf.reschedule(world.session, c, date(2026, 3, 5), by=world.chair, now=at("2026-03-01"))


def test_withdrawing_an_undecided_item_frees_a_place(world):
    world.open_window()
    items = [world.submit("hospital", title=f"事项{n}") for n in range(3)]
    it.withdraw_item(world.session, items[0], by=world.liaisons["hospital"], now=at("2026-02-03"))
    world.submit("hospital", title="替换事项")
    assert world.session.exec(select(Item).where(Item.status == "cancelled")).one().id == items[0].id


def test_conferences_meet_on_working_days_of_the_2026_calendar(session):
    """Without the test council's extra working days: the rule's 02-15 is a Sunday inside the Spring
    Festival holiday, 05-16 a Saturday — the council meets on the next working day, and the window's
    last day is a working day too."""
    from cobuild.models.workdays import calendar_of

    from .conftest import World

    world = World(session, extra_workdays=[])
    first, second = world.conference(1), world.conference(2)
    assert (first.held_on, second.held_on) == (date(2026, 2, 24), date(2026, 5, 18))
    cal = calendar_of(world.council)
    for c in (first, second):
        last_day = (c.window_closes_at.astimezone(SH) - timedelta(minutes=1)).date()
        assert cal.is_workday(c.held_on) and cal.is_workday(last_day), (c.code, last_day)
    assert (first.window_closes_at.astimezone(SH).date(), first.window_opens_at.astimezone(SH).date()) == \
        (date(2026, 2, 15), date(2026, 2, 10))  # last day 02-14, the Saturday worked for the holiday
    # the chair moves Q2 to a Sunday: it lands on the Monday after
    moved = conf.reschedule(session, second, date(2026, 6, 7), by=world.chair, now=at("2026-03-01"))
    assert moved.held_on == date(2026, 6, 8)


def test_a_conference_held_early_carries_its_real_date(world):
    c = world.conference()
    world.open_window(c)
    world.submit("hospital")
    world.advance(c.window_closes_at.astimezone(SH).date(), 0, 5)
    conf.hold(world.session, c, by=world.chair, now=at("2026-02-14", 9, 30), present_ids=[world.chair.id])
    assert world.reload(c).held_on == date(2026, 2, 14)
