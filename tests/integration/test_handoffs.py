"""Every hand-off reaches the right people at once, once, with a link (issue 29)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlmodel import select

from cobuild.actions import items as it
from cobuild.models import Claim, Conflict, Notification, PermissionDenied
from cobuild.models.base import local_date
from cobuild.reports.todo import todo

from .conftest import World, at

BASE = "https://cobuild.example.gov.cn"


@pytest.fixture(autouse=True)
def public_url(monkeypatch):
    monkeypatch.setenv("COBUILD_PUBLIC_URL", BASE + "/")


def messages(world: World, kind: str) -> list[Notification]:
    world.session.expire_all()
    return list(world.session.exec(select(Notification).where(Notification.kind == kind).order_by(Notification.id)).all())


def to(world: World, kind: str) -> list[str]:
    return sorted(world.session.get(it.Member, n.member_id).name for n in messages(world, kind))


def test_one_item_through_every_hand_off(world):
    w = world
    w.open_window()
    item = w.submit("company", title="路灯维修")
    w.hold()
    w.accept(item, lead="power", cooperating_unit_ids=[w.units["hospital"].id])
    w.publish()
    link = f"{BASE}/c/{w.council.id}/items/{item.id}"
    # the resolution: the lead's and the cooperating unit's liaisons, at once, with the item's page
    assigned = messages(w, "item_assigned")
    assert to(w, "item_assigned") == sorted([w.liaisons["power"].name, w.liaisons["hospital"].name])
    assert all(link in n.body_text and link in n.body_html for n in assigned)

    # a claim waits for the chair; the chair's answer goes back to the claimant
    claim = it.claim(w.session, w.reload(item), w.units["school"], "cooperating", by=w.liaisons["school"], now=at("2026-03-20"))
    assert to(w, "claim_pending") == [w.chair.name]
    it.decide_claim(w.session, claim, by=w.chair, now=at("2026-03-21"), confirm=False, reason="已有配合单位")
    (answer,) = messages(w, "claim_decided")
    assert answer.member_id == w.liaisons["school"].id and "已有配合单位" in answer.body_text

    # progress to the raising unit; an extension to the lead and the raising unit
    it.post_progress(w.session, w.reload(item), by=w.liaisons["power"], now=at("2026-03-25"), note="已更换6盏", percent=40)
    assert to(w, "progress_posted") == [w.liaisons["company"].name]
    it.extend_deadline(w.session, w.reload(item), date(2026, 5, 31), by=w.chair, now=at("2026-03-26"), reason="材料延迟")
    assert to(w, "deadline_extended") == sorted([w.liaisons["power"].name, w.liaisons["company"].name])

    # 催办, once a day
    it.hurry(w.session, w.reload(item), by=w.chair, now=at("2026-03-27"))
    with pytest.raises(Conflict):
        it.hurry(w.session, w.reload(item), by=w.secretary, now=at("2026-03-27", 15))
    it.hurry(w.session, w.reload(item), by=w.secretary, now=at("2026-03-30"))
    assert to(w, "hurry") == [w.liaisons["power"].name] * 2
    with pytest.raises(PermissionDenied):
        it.hurry(w.session, w.reload(item), by=w.liaisons["company"], now=at("2026-03-31"))

    # close-out sent back, then verified; reopened
    it.request_close_out(w.session, w.reload(item), by=w.liaisons["power"], now=at("2026-04-01"), note="完成")
    it.send_back(w.session, w.reload(item), by=w.liaisons["company"], now=at("2026-04-02"), reason="还有两盏不亮")
    it.request_close_out(w.session, w.reload(item), by=w.liaisons["power"], now=at("2026-04-03"), note="全部完成")
    it.verify_close_out(w.session, w.reload(item), by=w.liaisons["company"], now=at("2026-04-06"), satisfaction=5)
    answers = messages(w, "close_out_answered")
    assert [n.member_id for n in answers] == [w.liaisons["power"].id] * 2
    assert "还有两盏不亮" in answers[0].body_text and "5/5" in answers[1].body_text
    it.reopen(w.session, w.reload(item), by=w.liaisons["company"], now=at("2026-04-10"), reason="又坏了")
    assert to(w, "item_reopened") == [w.liaisons["power"].name]

    # every hand-off once, each with the item's link
    handoffs = ("item_assigned", "claim_pending", "claim_decided", "progress_posted", "deadline_extended", "hurry",
                "close_out_answered", "item_reopened")
    sent = [n for kind in handoffs for n in messages(w, kind)]
    assert len({n.dedupe_key for n in sent}) == len(sent)
    assert all(link in n.body_text for n in sent)


def test_a_lead_that_declines_tells_the_chair_and_a_later_lead_learns_its_item(world):
    w = world
    item = w.published_item(raiser="company", lead="power")
    it.decline_assignment(w.session, w.reload(item), by=w.liaisons["power"], now=at("2026-03-20"), reason="不属于职责")
    assert to(w, "assignment_declined") == [w.chair.name]
    it.assign(w.session, w.reload(item), by=w.chair, now=at("2026-03-21"), lead_unit_id=w.units["hospital"].id)
    assert w.liaisons["hospital"].name in to(w, "item_assigned")


def test_without_a_public_address_messages_say_where_to_look(world, monkeypatch):
    monkeypatch.delenv("COBUILD_PUBLIC_URL")
    world.published_item(raiser="company", lead="power")
    (message,) = messages(world, "item_assigned")
    assert "http" not in message.body_text and "请登录共建事项清单网页查看" in message.body_text


def test_the_to_do_lists_what_waits_for_each_person(world):
    w = world
    item = w.published_item(raiser="company", lead="power", deadline="2026-04-30")
    it.claim(w.session, w.reload(item), w.units["school"], "cooperating", by=w.liaisons["school"], now=at("2026-03-20"))
    now = at("2026-05-12")  # past the deadline
    lead = todo(w.session, w.council, w.liaisons["power"], now)
    assert [(e["kind"], e["subject_id"], e["overdue"]) for e in lead] == [("progress", item.id, True)]
    assert lead[0]["path"] == f"/c/{w.council.id}/items/{item.id}"
    assert [e["kind"] for e in todo(w.session, w.council, w.chair, now)] == ["confirm_claim"]
    assert "escalated" in [e["kind"] for e in todo(w.session, w.council, w.secretary, now)]
    it.post_progress(w.session, w.reload(item), by=w.liaisons["power"], now=at("2026-05-12"), note="完成", percent=100)
    it.request_close_out(w.session, w.reload(item), by=w.liaisons["power"], now=at("2026-05-12"), note="完成")
    assert [e["kind"] for e in todo(w.session, w.council, w.liaisons["company"], now)] == ["verify"]
    assert todo(w.session, w.council, w.liaisons["power"], now) == []
    it.send_back(w.session, w.reload(item), by=w.liaisons["company"], now=now, reason="路灯仍不亮")
    assert [e["kind"] for e in todo(w.session, w.council, w.liaisons["power"], now)] == ["sent_back"]
    assert todo(w.session, w.council, w.liaisons["company"], now) == []
    assert todo(w.session, w.council, w.session.exec(select(it.Member).where(it.Member.name == "李委员")).one(), now) == []
    assert w.session.exec(select(Claim)).all()


def test_the_to_do_asks_each_unit_for_its_items_while_the_window_is_open(world):
    w = world
    conference = w.open_window()
    now = conference.window_opens_at + timedelta(hours=12)
    submit = [e for e in todo(w.session, w.council, w.liaisons["company"], now) if e["kind"] == "submit"]
    closes = local_date(conference.window_closes_at, w.council.timezone)
    assert [(e["subject_id"], e["due"]) for e in submit] == [(conference.id, closes.isoformat())]
    w.submit("company")
    assert "submit" not in [e["kind"] for e in todo(w.session, w.council, w.liaisons["company"], now)]
    assert "submit" in [e["kind"] for e in todo(w.session, w.council, w.liaisons["power"], now)]


def test_a_window_opened_by_hand_is_told_at_once_and_not_again_by_the_sweep(world):
    from cobuild.actions import conferences as conf
    from cobuild.sweep.run import sweep

    w = world
    conference = w.conference()
    early = conference.window_opens_at - timedelta(days=2)
    conf.open_window(w.session, conference, by=w.chair, now=early)
    told = to(w, "window_open")
    assert told == sorted(m.name for m in w.liaisons.values())
    sweep(w.session, early + timedelta(hours=1))
    assert to(w, "window_open") == told


def test_an_agenda_locked_by_hand_and_a_moved_conference_are_told_at_once(world):
    from cobuild.actions import conferences as conf
    from cobuild.sweep.run import sweep

    w = world
    conference = w.conference()
    was = conference.held_on
    conf.reschedule(w.session, conference, was + timedelta(days=7), by=w.chair, now=at("2026-01-05"))
    moved = messages(w, "conference_rescheduled")
    assert {n.member_id for n in moved} == {m.id for m in w.voters} | {m.id for m in w.liaisons.values()}
    assert was.isoformat() in moved[0].body_text and f"{BASE}/c/{w.council.id}/conferences/{conference.id}" in moved[0].body_text
    w.open_window()
    w.submit("company")
    conf.lock_agenda(w.session, w.reload(conference), by=w.chair, now=conference.window_opens_at + timedelta(days=1))
    (first, *_) = agenda = messages(w, "agenda")
    assert {n.member_id for n in agenda} == {m.id for m in w.voters} and "新提交" in first.body_text
    sweep(w.session, conference.window_opens_at + timedelta(days=1, hours=1))
    assert len(messages(w, "agenda")) == len(agenda)  # the sweep does not send it again


def test_a_council_wording_that_fails_for_a_hand_off_falls_back_and_tells_the_secretary_once_a_day(world):
    """A hand-off is queued by the use case, not by a sweep: a council's own wording that fails
    for its real recipient still gives way to the packaged wording, and the secretary hears of
    it, as from a sweep — once that day."""
    from cobuild.actions.council import set_template
    from cobuild.notifications.rendering import check_override
    from cobuild.notifications.samples import COMMON, SAMPLES

    w = world
    # passes the trial render (its sample recipient is 王丽华) and fails for anyone else
    source = '{% if recipient == "王丽华" %}{{ item.title }}{% else %}{{ item.no_such_field }}{% endif %}'
    assert check_override("progress_posted", "text", source, {**COMMON, **SAMPLES["progress_posted"]}) is None
    set_template(w.session, w.council, "progress_posted", "text", "zh", source, by=w.secretary, now=at("2026-01-02"))
    w.open_window()
    item = w.submit("company", title="路灯维修")
    w.hold()
    w.accept(item, lead="power")
    w.publish()

    it.post_progress(w.session, w.reload(item), by=w.liaisons["power"], now=at("2026-03-25"), note="已更换6盏", percent=40)
    (told,) = messages(w, "progress_posted")
    assert told.member_id == w.liaisons["company"].id
    assert "已更换6盏" in told.body_text and "no_such_field" not in told.body_text  # the packaged wording
    (notice,) = messages(w, "council_problem")
    assert notice.member_id == w.secretary.id
    assert "默认措辞" in notice.body_text and "no_such_field" in notice.body_text

    it.post_progress(w.session, w.reload(item), by=w.liaisons["power"], now=at("2026-03-25", 15), note="已更换8盏", percent=60)
    assert len(messages(w, "progress_posted")) == 2 and len(messages(w, "council_problem")) == 1
