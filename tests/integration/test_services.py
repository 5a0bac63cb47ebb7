"""The service menu (SPEC.md §9): offers, in-service party members, and orders from 下单 to
双向反馈 — the state machine, the rights, the audit trail, the hand-offs and the counts."""

from __future__ import annotations

from datetime import date

import pytest
from sqlmodel import select

from cobuild.actions import services as sv
from cobuild.models import AuditEvent, DomainError, Member, Notification, PermissionDenied
from cobuild.models.services import ORDER_TRANSITIONS, Order, OrderStatus
from cobuild.reports.services import order_summary, service_record, unit_service
from tests.integration.conftest import at


def _menu(world):
    offer = sv.publish_offer(world.session, world.council, world.units["hospital"], by=world.liaisons["hospital"],
                             now=at("2026-03-02"), title="老年人健康义诊", category="公共服务", team="医疗服务队",
                             capacity_per_month=2, availability="每月第二个周六上午")
    doctor = sv.register_volunteer(world.session, world.council, world.units["hospital"], by=world.liaisons["hospital"],
                                   now=at("2026-03-02"), name="王医生", contact="13800000000", skills="全科",
                                   posts=["健康义诊"], team="教育医疗")
    return offer, world.session.get(Member, doctor.member_id)


def _order(world, offer, by=None):
    return sv.place_order(world.session, world.council, offer, by=by or world.secretary, now=at("2026-03-03"),
                          need="测血压、血糖", place="社区服务中心", residents=40, wanted_on=date(2026, 3, 14))


def test_an_order_goes_from_placed_to_closed_with_a_record_a_rating_and_an_answer(world):
    offer, doctor = _menu(world)
    order = _order(world, offer)
    assert order.status == OrderStatus.placed and order.unit_id == world.units["hospital"].id
    told = world.session.exec(select(Notification).where(Notification.kind == "order_step")).all()
    assert {n.member_id for n in told} == {world.liaisons["hospital"].id}  # the offering unit hears at once
    assert "向人民医院下了一个服务订单" in told[0].body_text and told[0].subject.startswith("【服务订单】新订单待接单")
    sv.take_order(world.session, order, by=doctor, now=at("2026-03-04"), service_on=date(2026, 3, 14))
    assert order.status == OrderStatus.scheduled and order.taken_by == doctor.id
    sv.record_service(world.session, order, by=doctor, now=at("2026-03-14", 15), served_on=date(2026, 3, 14), hours=3,
                      residents_served=36, note="测血压 36 人", evidence=["1-photo.jpg"])
    assert order.status == OrderStatus.served and order.served_by == [doctor.id]
    sv.rate_order(world.session, order, by=world.secretary, now=at("2026-03-16"), rating=5, comment="讲解耐心")
    sv.answer_order(world.session, order, by=doctor, now=at("2026-03-17"), answer="下月继续")
    assert order.status == OrderStatus.closed
    actions = [e.action for e in world.session.exec(select(AuditEvent).where(AuditEvent.subject_type == "order")
                                                     .order_by(AuditEvent.id)).all()]
    assert actions == ["order.place", "order.take", "order.serve", "order.rate", "order.answer"]
    record = service_record(world.session, world.council, doctor)
    assert record["totals"] == {"services": 1, "hours": 3.0, "residents_served": 36, "average_rating": 5.0}
    assert unit_service(world.session, world.council)[world.units["hospital"].id]["orders_served"] == 1
    assert order_summary(world.session, world.council)["by_state"] == {"closed": 1}
    from cobuild.reports.tracking import ranking

    hospital = next(r for r in ranking(world.session, world.council, date(2026, 3, 20), term_id=world.term.id)["rows"]
                    if r["unit"] == "人民医院")
    assert hospital["breakdown"]["order_served"] == {"count": 1, "points": 3}
    assert hospital["breakdown"]["residents_served_10"] == {"count": 3, "points": 3} and hospital["points"] == 6


def test_the_ledger_and_the_term_report_carry_the_service_orders(world, tmp_path):
    from openpyxl import load_workbook

    from cobuild.reports.documents import term_report_html
    from cobuild.reports.ledger import write_ledger

    offer, doctor = _menu(world)
    order = _order(world, offer)
    sv.take_order(world.session, order, by=doctor, now=at("2026-03-04"), service_on=date(2026, 3, 14))
    sv.record_service(world.session, order, by=doctor, now=at("2026-03-14", 15), served_on=date(2026, 3, 14), hours=3,
                      residents_served=36)
    sv.rate_order(world.session, order, by=world.secretary, now=at("2026-03-16"), rating=4, comment="讲解耐心")
    write_ledger(world.session, world.council, at("2026-03-20"), tmp_path / "ledger.xlsx")
    sheet = load_workbook(tmp_path / "ledger.xlsx")["服务订单"]
    assert [c.value for c in sheet[3]][:5] == ["序号", "服务需求", "下单方", "服务单位", "状态"]
    row = [c.value for c in sheet[4]]
    assert row[1] == "老年人健康义诊" and row[3] == "人民医院" and row[4] == "已评价" and row[8] == 36 and row[9] == "王医生"
    page = term_report_html(world.session, world.council, world.term, date(2026, 3, 20))
    section = page.split('id="services"')[1]
    assert "人民医院" in section and ">36<" in section and ">4.0<" in section


def test_every_step_the_state_machine_refuses_changes_nothing(world, count_rows):
    offer, doctor = _menu(world)
    steps = {
        OrderStatus.taken: lambda o: sv.take_order(world.session, o, by=world.liaisons["hospital"], now=at("2026-03-04")),
        OrderStatus.declined: lambda o: sv.decline_order(world.session, o, by=world.liaisons["hospital"],
                                                         now=at("2026-03-04"), reason="人手不足"),
        OrderStatus.served: lambda o: sv.record_service(world.session, o, by=world.liaisons["hospital"], now=at("2026-03-20"),
                                                        served_on=date(2026, 3, 14), hours=2, residents_served=10),
        OrderStatus.rated: lambda o: sv.rate_order(world.session, o, by=world.secretary, now=at("2026-03-21"), rating=4),
        OrderStatus.closed: lambda o: sv.close_order(world.session, o, by=world.secretary, now=at("2026-03-22")),
        OrderStatus.cancelled: lambda o: sv.cancel_order(world.session, o, by=world.secretary, now=at("2026-03-22"),
                                                         reason="需求已由他人满足"),
    }
    # reach each state, then try every step from it: allowed ones pass, the others are refused cleanly
    paths = {OrderStatus.placed: [], OrderStatus.taken: [OrderStatus.taken],
             OrderStatus.served: [OrderStatus.taken, "schedule", OrderStatus.served],
             OrderStatus.rated: [OrderStatus.taken, "schedule", OrderStatus.served, OrderStatus.rated],
             OrderStatus.declined: [OrderStatus.declined], OrderStatus.cancelled: [OrderStatus.cancelled]}
    for state, path in paths.items():
        for target, step in steps.items():
            order = _order(world, offer)
            for move in path:
                if move == "schedule":
                    sv.schedule_order(world.session, order, by=world.liaisons["hospital"], now=at("2026-03-05"),
                                      service_on=date(2026, 3, 14))
                else:
                    steps[move](order)
            assert order.status == state
            if target in ORDER_TRANSITIONS[state]:
                step(order)
                assert order.status == target
            else:
                before = count_rows()
                with pytest.raises(DomainError) as refused:
                    step(order)
                assert refused.value.code == "order_state" and count_rows() == before
                assert "现在可以" in refused.value.message("zh")


def test_rights_a_unit_cannot_take_another_units_order_and_a_member_records_only_their_own(world, count_rows):
    offer, doctor = _menu(world)
    order = _order(world, offer)
    before = count_rows()
    with pytest.raises(PermissionDenied):  # the power company's liaison, for the hospital's order
        sv.take_order(world.session, order, by=world.liaisons["power"], now=at("2026-03-04"))
    with pytest.raises(PermissionDenied):  # a head of the hospital who did not report (not a volunteer, not a liaison)
        sv.take_order(world.session, order, by=world.heads["hospital"], now=at("2026-03-04"))
    with pytest.raises(DomainError):  # a unit orders its own service
        _order(world, offer, by=world.liaisons["hospital"])
    assert count_rows() == before
    sv.take_order(world.session, order, by=world.liaisons["hospital"], now=at("2026-03-04"), service_on=date(2026, 3, 14))
    before = count_rows()
    with pytest.raises(PermissionDenied):  # the volunteer did not take this one: the liaison did
        sv.record_service(world.session, order, by=doctor, now=at("2026-03-15"), served_on=date(2026, 3, 14), hours=1,
                          residents_served=5)
    with pytest.raises(PermissionDenied):  # only who ordered (or the secretary) rates
        sv.rate_order(world.session, order, by=world.liaisons["power"], now=at("2026-03-15"), rating=1)
    with pytest.raises(DomainError) as future:  # a service is recorded after it happened
        sv.record_service(world.session, order, by=world.liaisons["hospital"], now=at("2026-03-10"),
                          served_on=date(2026, 3, 14), hours=1, residents_served=5)
    assert "还没到" in future.value.message("zh")
    assert count_rows() == before
    assert world.session.get(Order, order.id).status == OrderStatus.scheduled


def test_an_open_order_goes_to_every_other_unit_and_cannot_be_declined(world):
    _menu(world)
    order = sv.place_order(world.session, world.council, None, by=world.secretary, now=at("2026-03-03"),
                           title="社区环境整治志愿服务", need="清理楼道杂物", residents=200)
    told = {n.member_id for n in world.session.exec(select(Notification).where(Notification.kind == "order_step")).all()}
    assert told == {world.liaisons[k].id for k in ("school", "hospital", "power", "company")}
    with pytest.raises(DomainError) as refused:
        sv.decline_order(world.session, order, by=world.liaisons["power"], now=at("2026-03-04"), reason="忙")
    assert refused.value.code == "open_order_no_decline"
    sv.take_order(world.session, order, by=world.liaisons["power"], now=at("2026-03-04"))
    assert order.unit_id == world.units["power"].id and order.status == OrderStatus.taken


def test_a_paused_offer_takes_no_orders_and_a_withdrawn_one_is_final(world):
    offer, _ = _menu(world)
    sv.set_offer_status(world.session, offer, "pause", by=world.liaisons["hospital"], now=at("2026-03-05"))
    with pytest.raises(DomainError) as refused:
        _order(world, offer)
    assert "未上架" in refused.value.message("zh")
    sv.set_offer_status(world.session, offer, "withdraw", by=world.liaisons["hospital"], now=at("2026-03-06"))
    with pytest.raises(DomainError) as final:
        sv.set_offer_status(world.session, offer, "list", by=world.liaisons["hospital"], now=at("2026-03-07"))
    assert "最终状态" in final.value.message("zh")
    with pytest.raises(PermissionDenied):  # another unit's liaison cannot touch it
        sv.edit_offer(world.session, offer, by=world.liaisons["power"], now=at("2026-03-07"), title="改名")


def test_reminders_follow_the_working_day_calendar_and_go_once(world):
    from cobuild.sweep.run import sweep

    offer, doctor = _menu(world)
    order = _order(world, offer)  # Tuesday 2026-03-03

    def reminders(step):
        return sorted(n.member_id for n in world.session.exec(select(Notification).where(
            Notification.kind == "order_reminder", Notification.dedupe_key.contains(f"|{step}|"))).all())

    sweep(world.session, at("2026-03-05", 10))  # two working days: nothing yet
    assert reminders("not_taken") == []
    sweep(world.session, at("2026-03-06", 10))  # the third working day: the offering unit
    sweep(world.session, at("2026-03-07", 10))  # Saturday: nothing more, nothing twice
    assert reminders("not_taken") == [world.liaisons["hospital"].id] and reminders("escalated") == []
    nudge = world.session.exec(select(Notification).where(Notification.kind == "order_reminder")).first()
    assert "已 3 个工作日无人接单" in nudge.body_text
    sweep(world.session, at("2026-03-10", 10))  # the fifth working day: the secretary (who also ordered)
    assert reminders("escalated") == [world.secretary.id]
    sv.take_order(world.session, order, by=doctor, now=at("2026-03-10", 11), service_on=date(2026, 3, 16))  # a Monday
    sweep(world.session, at("2026-03-12", 10))  # Thursday: not yet the working day before
    assert reminders("service_soon") == []
    sweep(world.session, at("2026-03-13", 10))  # Friday, the working day before Monday's service
    assert reminders("service_soon") == sorted([world.liaisons["hospital"].id, doctor.id])
    sweep(world.session, at("2026-03-17", 10))  # the day after, nothing recorded
    assert reminders("not_recorded") == sorted([world.liaisons["hospital"].id, doctor.id])
    sv.record_service(world.session, order, by=doctor, now=at("2026-03-17", 11), served_on=date(2026, 3, 16), hours=2,
                      residents_served=20)
    sweep(world.session, at("2026-03-19", 10))
    assert reminders("not_rated") == []
    sweep(world.session, at("2026-03-20", 10))  # three working days after the record
    assert reminders("not_rated") == [world.secretary.id]
    before = world.session.exec(select(Notification).where(Notification.kind == "order_reminder")).all()
    sweep(world.session, at("2026-03-23", 10))
    assert len(world.session.exec(select(Notification).where(Notification.kind == "order_reminder")).all()) == len(before)
