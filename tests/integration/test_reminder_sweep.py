"""The sweep on a real SQLite file: what is queued, to whom, once."""

from __future__ import annotations

import threading
from datetime import date

from sqlmodel import select

from cobuild.actions import items as it
from cobuild.actions import terms as tm
from cobuild.actions.council import add_channel, set_template
from cobuild.models import AuditEvent, Delivery, Notification
from cobuild.platform.db import session_for
from cobuild.sweep.items import FAR_FUTURE
from cobuild.sweep.run import sweep

from .conftest import SH, at


def queued(world, **where) -> list[Notification]:
    """What the sweep queued (the use cases' hand-offs left out, unless asked for by kind)."""
    from cobuild.models.kinds import HANDOFF_KINDS

    query = select(Notification).order_by(Notification.id)
    if "kind" not in where:
        query = query.where(Notification.kind.not_in(HANDOFF_KINDS))
    for column, value in where.items():
        query = query.where(getattr(Notification, column) == value)
    world.session.expire_all()
    return world.session.exec(query).all()


def names(world, rows) -> set[tuple[str, str, str]]:
    people = {m.id: m.name for m in world.voters + list(world.liaisons.values())}
    return {(n.kind, n.step, people.get(n.member_id, n.member_id)) for n in rows}


def test_the_ladder_reaches_the_lead_liaison_and_the_responsible_person(world):
    item = world.published_item()  # lead: 供电所, responsible 张责任 (not a member), deadline Thu 30 Apr
    sweep(world.session, at("2026-04-21", 9))
    assert names(world, queued(world, subject_type="item")) == {("deadline_approaching", "7", "供电所联络员")}
    assert world.reload(item).next_reminder_at.astimezone(SH).date() == date(2026, 4, 27)
    assert "7 个工作日" in queued(world, subject_type="item")[0].subject


def test_rerunning_the_sweep_queues_nothing_new(world):
    world.published_item()
    first = sweep(world.session, at("2026-04-27", 8, 40))
    again = sweep(world.session, at("2026-04-27", 8, 45))
    assert first["queued"] == {"deadline_approaching": 1} and again["queued"] == {}
    assert len(queued(world, subject_type="item")) == 1


def test_cooperating_units_hear_three_days_before(world):
    world.open_window()
    item = world.submit("community")
    world.hold()
    world.accept(item, cooperating_unit_ids=[world.units["company"].id])
    world.publish()
    sweep(world.session, at("2026-04-27", 9))
    assert names(world, queued(world, subject_type="item")) == {
        ("deadline_approaching", "3", "供电所联络员"), ("deadline_approaching", "3", "华信公司联络员")}


def test_overdue_reminders_and_escalations_to_chair_then_secretary(world):
    item = world.published_item(deadline="2026-03-13")
    for day in ("2026-03-16", "2026-03-18", "2026-03-24"):
        sweep(world.session, at(day, 9))
    got = names(world, queued(world, subject_type="item"))
    assert ("overdue", "overdue-1", "供电所联络员") in got and ("overdue", "overdue-2", "供电所联络员") in got
    assert ("escalation", "chair", "火炬小学负责人") in got and ("escalation", "secretary", "王书记") in got
    actions = [e.action for e in world.session.exec(select(AuditEvent).where(AuditEvent.subject_id == item.id,
                                                                             AuditEvent.subject_type == "item")).all()]
    assert actions.count("item.overdue") == 1 and "item.escalate_chair" in actions and "item.escalate_secretary" in actions


def test_a_batch_of_escalations_is_audited_once_each_and_the_chain_holds(world, db_url):
    # the sweep claims a batch's escalation and overdue marks in one statement and appends their
    # audit events together; the chain must read as if they had been recorded one by one
    import json

    from typer.testing import CliRunner

    from cobuild.cli.main import app

    world.open_window()
    items = [world.submit(unit) for unit in ("community", "company", "school")]
    world.hold()
    for item in items:
        world.accept(item, lead="power", deadline="2026-03-13")
    world.publish()
    first = sweep(world.session, at("2026-03-24", 9), batch=2)  # two batches
    again = sweep(world.session, at("2026-03-24", 9, 30), batch=2)
    assert first["escalations"] == 6 and first["overdue_marked"] == 3  # each item: chair and secretary, overdue
    assert again["escalations"] == again["overdue_marked"] == 0
    for item in items:
        actions = sorted(e.action for e in world.session.exec(select(AuditEvent).where(
            AuditEvent.subject_type == "item", AuditEvent.subject_id == item.id)).all()
            if e.action.startswith(("item.overdue", "item.escalate")))
        assert actions == ["item.escalate_chair", "item.escalate_secretary", "item.overdue"]
    verified = CliRunner().invoke(app, ["audit", "verify", "--db", db_url, "--json"])
    assert verified.exit_code == 0 and json.loads(verified.output)["ok"], verified.output


def test_the_councils_own_wording_is_used_by_the_sweep(world):
    # the sweep reads every council's overrides of a batch at once; this council's wording wins,
    # the other part (the text) keeps the default
    set_template(world.session, world.council, "deadline_approaching", "subject", "zh",
                 "【本社区】{{ item.title }}:还剩 {{ days_left }} 个工作日", by=world.secretary, now=at("2026-04-20", 9))
    item = world.published_item()
    sweep(world.session, at("2026-04-21", 9))
    [message] = queued(world, subject_type="item")
    assert message.subject == f"【本社区】{world.reload(item).title}:还剩 7 个工作日"
    assert "7 个工作日" in message.body_text and "【本社区】" not in message.body_text


def test_a_moved_deadline_drops_pending_reminders_and_computes_new_ones(world):
    item = world.published_item()
    sweep(world.session, at("2026-04-27", 9))
    stale = queued(world, subject_type="item")
    assert {n.status for n in stale} == {"pending"}
    it.extend_deadline(world.session, item, date(2026, 5, 29), by=world.chair, now=at("2026-04-27", 10), reason="雨季")
    assert {n.status for n in queued(world, subject_type="item")} == {"dropped"}
    assert world.reload(item).next_reminder_at is None
    sweep(world.session, at("2026-04-27", 11))
    assert world.reload(item).next_reminder_at.astimezone(SH).date() == date(2026, 5, 20)
    sweep(world.session, at("2026-05-20", 9))
    fresh = [n for n in queued(world, subject_type="item") if n.status == "pending"]
    assert [(n.step, n.basis) for n in fresh] == [("7", "2026-05-29")]


def test_closing_an_item_stops_its_reminders(world):
    item = world.published_item()
    it.post_progress(world.session, item, by=world.liaisons["power"], now=at("2026-03-01"), percent=100)
    it.request_close_out(world.session, item, by=world.liaisons["power"], now=at("2026-03-02"), note="完成")
    sweep(world.session, at("2026-03-02", 15))
    assert names(world, queued(world, subject_type="item")) == {("verify_request", "request", "王书记")}
    it.verify_close_out(world.session, item, by=world.secretary, now=at("2026-03-03"), satisfaction=5)
    assert {n.status for n in queued(world, subject_type="item")} == {"dropped"}
    assert sweep(world.session, at("2026-05-06", 9))["items"] == 0  # closed items are not looked at
    assert len(queued(world, subject_type="item")) == 1


def test_an_unverified_close_out_is_reminded_then_escalated_to_the_chair(world):
    item = world.published_item(raiser="hospital")
    it.post_progress(world.session, item, by=world.liaisons["power"], now=at("2026-03-01"), percent=100)
    it.request_close_out(world.session, item, by=world.liaisons["power"], now=at("2026-03-02", 15), note="完成")
    for day in ("2026-03-02", "2026-03-05", "2026-03-09"):
        sweep(world.session, at(day, 16))
    assert names(world, queued(world, subject_type="item")) == {
        ("verify_request", "request", "人民医院联络员"), ("verify_request", "reminder", "人民医院联络员"),
        ("verify_escalation", "chair", "火炬小学负责人")}


def test_an_item_without_a_lead_is_parked_until_it_changes(world):
    item = world.published_item(lead=None)
    sweep(world.session, at("2026-04-29", 9))
    assert world.reload(item).next_reminder_at == FAR_FUTURE and queued(world, subject_type="item") == []
    it.assign(world.session, item, by=world.chair, now=at("2026-04-29", 10), lead_unit_id=world.units["power"].id)
    sweep(world.session, at("2026-04-29", 11))
    assert names(world, queued(world, subject_type="item")) == {("deadline_approaching", "1", "供电所联络员")}


def test_two_sweepers_at_once_queue_each_reminder_once(world, db_url):
    world.published_item(deadline="2026-03-13")
    barrier = threading.Barrier(2)
    errors = []

    def sweeper():
        try:
            with session_for(db_url) as session:
                barrier.wait()
                sweep(session, at("2026-03-24", 9))
        except Exception as exc:  # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=sweeper) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    rows = queued(world, subject_type="item")
    keys = [n.dedupe_key for n in rows]
    assert len(keys) == len(set(keys))
    assert {(n.kind, n.step) for n in rows} == {("overdue", "overdue-4"), ("escalation", "chair"), ("escalation", "secretary")}
    assert world.session.exec(select(AuditEvent).where(AuditEvent.action == "item.overdue")).all().__len__() == 1


def test_messages_inside_quiet_hours_wait_for_the_next_working_morning(world):
    world.published_item()
    sweep(world.session, at("2026-04-24", 22))  # Friday night; the 7-day step came on Tue 21 Apr
    (row,) = queued(world, subject_type="item")
    # Sat 25 Apr 2026 is not a make-up day … Labour Day make-up is Sat 9 May; Monday 27 Apr 08:30
    assert row.not_before.astimezone(SH).replace(tzinfo=None).isoformat() == "2026-04-27T08:30:00"


def test_the_conference_cycle_sends_window_reminder_and_agenda(world):
    c = world.open_window()
    sweep(world.session, c.window_opens_at)
    window = queued(world, kind="window_open")
    assert len(window) == len(world.liaisons)  # every unit's liaison, the secretary for the community
    world.submit("hospital")
    sweep(world.session, at("2026-02-11", 9))
    reminded = names(world, queued(world, kind="submission_reminder"))
    assert ("submission_reminder", "", "人民医院联络员") not in reminded and ("submission_reminder", "", "供电所联络员") in reminded
    world.advance("2026-02-14")
    sweep(world.session, at("2026-02-14", 0, 10))
    agenda = queued(world, kind="agenda")
    assert len(agenda) == len(world.voters) and "人民医院" not in agenda[0].body_text
    assert "老旧小区路灯维修" in agenda[0].body_text
    sweep(world.session, at("2026-02-14", 0, 20))
    assert len(queued(world, kind="agenda")) == len(world.voters)


def test_election_and_term_messages(world):
    world.advance("2026-06-17")
    sweep(world.session, at("2026-06-17", 9))
    assert len(queued(world, kind="election_open")) == len(world.voters)
    election = world.session.exec(select(__import__("cobuild.models", fromlist=["Election"]).Election)).one()
    tm.cast_vote(world.session, election, world.heads["power"], by=world.member, now=at("2026-06-18"))
    sweep(world.session, at("2026-06-22", 9))
    reminded = {n.member_id for n in queued(world, kind="election_reminder")}
    assert world.member.id not in reminded and world.secretary.id in reminded
    world.advance("2026-06-24")
    sweep(world.session, at("2026-06-24", 9))
    result = queued(world, kind="election_result")
    assert result and "供电所负责人" in result[0].subject
    assert [n.member_id for n in queued(world, kind="handover")] == [world.heads["power"].id]
    assert world.chair.id not in {n.member_id for n in queued(world, kind="evaluation_open")}
    world.advance("2026-07-01")
    sweep(world.session, at("2026-07-01", 9))
    report = queued(world, kind="term_report")
    assert report and "第1届" in report[0].subject


def test_digest_people_get_one_daily_digest_instead_of_single_messages(world):
    world.liaisons["power"].delivery = "digest"
    world.session.add(world.liaisons["power"])
    world.session.commit()
    world.published_item(deadline="2026-03-13")
    sweep(world.session, at("2026-03-16", 8))  # before the morning: the overdue step waits (08:30)
    sweep(world.session, at("2026-03-16", 8, 45))
    rows = queued(world, member_id=world.liaisons["power"].id)
    kinds = {n.kind: n.status for n in rows}
    assert kinds["overdue"] == "digested" and kinds["daily_digest"] == "pending"
    digest = next(n for n in rows if n.kind == "daily_digest")
    assert "逾期" in digest.body_text and world.session.exec(select(Delivery).where(
        Delivery.notification_id == digest.id)).all()
    # one greeting, and each embedded message keeps its lines as paragraphs in the HTML
    name = world.liaisons["power"].name
    assert digest.body_text.count(f"{name},您好") == 1 and digest.body_html.count(f"{name},您好") == 1
    overdue = next(n for n in rows if n.kind == "overdue")
    lines = [line for line in overdue.body_text.splitlines()[1:] if line.strip()]
    assert len(lines) >= 2 and all(f">{line}</p>" in digest.body_html for line in lines[:2])


def test_the_chair_gets_a_weekly_digest_on_monday_morning(world):
    world.published_item(deadline="2026-03-13")
    sweep(world.session, at("2026-03-23", 8, 50))  # Monday, before nine
    assert queued(world, kind="weekly_digest") == []
    sweep(world.session, at("2026-03-23", 9, 5))
    sweep(world.session, at("2026-03-23", 11))
    (digest,) = queued(world, kind="weekly_digest")
    assert digest.member_id == world.chair.id and "2026-Q1-01" in digest.body_text and "2026-W13" in digest.subject


def test_the_weekly_digest_waits_for_the_first_working_day_when_monday_is_a_holiday(world):
    """2026-02-16 (Mon) to 02-23 (Mon) are Spring Festival holidays: the week of 16 Feb has no
    working day, the week of 23 Feb starts on Tuesday 24 Feb."""
    world.published_item(deadline="2026-03-13")
    sweep(world.session, at("2026-02-16", 9, 5))
    sweep(world.session, at("2026-02-23", 9, 5))
    assert queued(world, kind="weekly_digest") == []
    sweep(world.session, at("2026-02-24", 9, 5))
    sweep(world.session, at("2026-02-25", 9, 5))
    (digest,) = queued(world, kind="weekly_digest")
    assert "2026-W09" in digest.subject


def test_a_person_without_a_channel_shows_up_as_a_failed_delivery(world, monkeypatch):
    monkeypatch.setenv("COBUILD_DELIVERY", "live")  # with "file" (the demo's) every message is written instead
    from cobuild.models import ContactChannel

    for channel in world.session.exec(select(ContactChannel).where(ContactChannel.member_id == world.liaisons["power"].id)):
        world.session.delete(channel)
    world.session.commit()
    world.published_item()
    sweep(world.session, at("2026-04-21", 9))
    (row,) = queued(world, subject_type="item")
    (delivery,) = world.session.exec(select(Delivery).where(Delivery.notification_id == row.id)).all()
    assert (row.status, delivery.status, delivery.channel) == ("failed", "dead", "none")
    add_channel(world.session, world.council, world.liaisons["power"], "wecom", "secret:power_group",
                by=world.secretary, now=at("2026-04-21", 10))
    sweep(world.session, at("2026-04-27", 9))
    newest = queued(world, subject_type="item")[-1]
    assert [d.channel for d in world.session.exec(select(Delivery).where(Delivery.notification_id == newest.id)).all()] == ["wecom"]


