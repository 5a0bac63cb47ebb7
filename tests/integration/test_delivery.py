"""Delivery through real receivers: an SMTP server and an HTTP webhook on loopback."""

from __future__ import annotations

import json
import logging
from datetime import timedelta

import pytest
from aiosmtpd.controller import Controller
from sqlmodel import select

from cobuild.actions.council import add_channel
from cobuild.models import ContactChannel, Delivery, Notification
from cobuild.notifications.channels import Channels
from cobuild.notifications.dispatch import claim, dispatch, retry_dead
from cobuild.sweep.run import sweep

from .conftest import at


class Inbox:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append((envelope.rcpt_tos, envelope.content.decode("utf-8", "replace")))
        return "250 OK"


@pytest.fixture
def smtp():
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    yield inbox, port
    controller.stop()


def _only_channel(world, member, kind, address):
    for row in world.session.exec(select(ContactChannel).where(ContactChannel.member_id == member.id)).all():
        world.session.delete(row)
    world.session.commit()
    add_channel(world.session, world.council, member, kind, address, by=world.secretary, now=at("2026-01-02"))


def _due_reminder(world, when=("2026-04-21", 9)):
    world.published_item()
    world.drop_handoffs()
    sweep(world.session, at(*when))
    return world.session.exec(select(Notification).where(Notification.subject_type == "item")).one()


def test_an_email_reaches_a_real_smtp_server(world, smtp):
    inbox, port = smtp
    _due_reminder(world)
    channels = Channels(smtp_url=f"mailto://127.0.0.1:{port}?from=cobuild@example.org&mode=insecure", timeout=5)
    assert dispatch(world.session, at("2026-04-21", 9, 5), channels)["sent"] == 1
    (recipients, content), = inbox.messages
    assert recipients == ["liaison-power@example.org"]
    assert "2026-Q1-01" in content
    world.session.expire_all()
    assert world.session.exec(select(Notification).where(Notification.subject_type == "item")).one().status == "sent"


def test_a_webhook_receives_the_message_with_its_dedupe_key(world, httpserver):
    _only_channel(world, world.liaisons["power"], "webhook", httpserver.url_for("/hook"))
    httpserver.expect_request("/hook", method="POST").respond_with_data("ok")
    row = _due_reminder(world)
    assert dispatch(world.session, at("2026-04-21", 9, 5), Channels(timeout=5))["sent"] == 1
    (request, _), = httpserver.log
    body = json.loads(request.get_data())
    assert "2026-Q1-01" in body["title"] and "7 个工作日" in body["message"]
    assert request.headers["X-Cobuild-Dedupe-Key"] == row.dedupe_key


def test_a_robot_key_comes_from_the_environment_and_never_shows_in_errors(world, monkeypatch, httpserver):
    _only_channel(world, world.liaisons["power"], "webhook", "secret:power_hook")
    monkeypatch.setenv("COBUILD_SECRET_POWER_HOOK", httpserver.url_for("/private-token-123"))
    httpserver.expect_request("/private-token-123").respond_with_data("nope", status=500)
    _due_reminder(world)
    dispatch(world.session, at("2026-04-21", 9, 5), Channels(timeout=5))
    delivery = world.session.exec(select(Delivery)).one()
    assert delivery.address == "secret:power_hook" and delivery.status == "retry"
    assert "private-token-123" not in (delivery.last_error or "") and delivery.last_error


def test_a_channel_that_fails_twice_then_succeeds_is_retried_with_backoff(world, httpserver):
    _only_channel(world, world.liaisons["power"], "webhook", httpserver.url_for("/flaky"))
    httpserver.expect_ordered_request("/flaky").respond_with_data("busy", status=503)
    httpserver.expect_ordered_request("/flaky").respond_with_data("busy", status=503)
    httpserver.expect_ordered_request("/flaky").respond_with_data("ok")
    _due_reminder(world)
    start = at("2026-04-21", 9, 5)
    assert dispatch(world.session, start, Channels(timeout=5)) == {"sent": 0, "retry": 1, "dead": 0, "dropped": 0}
    assert dispatch(world.session, start + timedelta(seconds=30), Channels(timeout=5))["retry"] == 0  # backing off
    assert dispatch(world.session, start + timedelta(minutes=1), Channels(timeout=5))["retry"] == 1
    assert dispatch(world.session, start + timedelta(minutes=7), Channels(timeout=5))["sent"] == 1
    delivery = world.session.exec(select(Delivery)).one()
    assert (delivery.attempts, delivery.status, delivery.last_error) == (3, "sent", None)
    assert len(httpserver.log) == 3


def test_after_the_last_attempt_the_delivery_is_dead_with_its_error_kept(world, httpserver):
    _only_channel(world, world.liaisons["power"], "webhook", httpserver.url_for("/down"))
    httpserver.expect_request("/down").respond_with_data("down", status=500)
    _due_reminder(world)
    moment = at("2026-04-21", 9, 5)
    for _ in range(4):
        dispatch(world.session, moment, Channels(timeout=5), max_attempts=3)
        moment += timedelta(hours=3)
    delivery = world.session.exec(select(Delivery)).one()
    assert (delivery.status, delivery.attempts) == ("dead", 3) and "500" in delivery.last_error
    assert world.session.exec(select(Notification).where(Notification.subject_type == "item")).one().status == "failed"
    retry_dead(world.session, delivery.id, moment)
    assert world.session.get(Delivery, delivery.id).status == "retry"


def test_a_failing_channel_does_not_hold_up_another(world, httpserver, tmp_path):
    add_channel(world.session, world.council, world.liaisons["power"], "webhook", httpserver.url_for("/down"),
                by=world.secretary, now=at("2026-01-02"))
    httpserver.expect_request("/down").respond_with_data("down", status=500)
    _due_reminder(world)

    class EmailToFile(Channels):
        def send(self, channel, address, message):
            if channel == "email":
                return self.file.send(message, address, channel)
            return super().send(channel, address, message)

    counts = dispatch(world.session, at("2026-04-21", 9, 5), EmailToFile(outbox_dir=tmp_path, timeout=5))
    assert (counts["sent"], counts["retry"]) == (1, 1)
    assert "liaison-power@example.org" in (tmp_path / "outbox.jsonl").read_text()


def test_a_dispatcher_that_dies_mid_send_loses_nothing(world, tmp_path):
    _due_reminder(world)
    now = at("2026-04-21", 9, 5)
    (leased,) = claim(world.session, now, 10)  # a dispatcher leased it … and died before sending
    assert claim(world.session, now + timedelta(minutes=1), 10) == []  # nobody else takes a live lease
    later = now + timedelta(minutes=6)
    assert dispatch(world.session, later, Channels(outbox_dir=tmp_path, file_only=True))["sent"] == 1
    assert world.session.get(Delivery, leased).status == "sent"


def test_stale_reminders_are_dropped_at_dispatch(world, tmp_path):
    from datetime import date

    item = world.published_item()
    world.drop_handoffs()
    sweep(world.session, at("2026-04-21", 9))
    # the deadline moves in a session that skips the use case's clean-up: dispatch still checks
    item.deadline = date(2026, 5, 30)
    world.session.add(item)
    world.session.commit()
    assert dispatch(world.session, at("2026-04-21", 9, 5), Channels(outbox_dir=tmp_path, file_only=True))["dropped"] == 1
    assert not (tmp_path / "outbox.jsonl").exists()



def test_quiet_hours_hold_delivery_until_the_morning(world, tmp_path):
    _due_reminder(world, ("2026-04-21", 22))  # swept at night
    channels = Channels(outbox_dir=tmp_path, file_only=True)
    assert dispatch(world.session, at("2026-04-21", 23), channels)["sent"] == 0
    assert dispatch(world.session, at("2026-04-22", 8, 31), channels)["sent"] == 1


def test_nothing_secret_is_logged_even_at_debug_level(world, monkeypatch, caplog, httpserver):
    # a private webhook on loopback stands in for a robot: tests never reach real chat services
    _only_channel(world, world.liaisons["power"], "webhook", "secret:power_group")
    monkeypatch.setenv("COBUILD_SECRET_POWER_GROUP", httpserver.url_for("/robot/SECRET987"))
    httpserver.expect_request("/robot/SECRET987").respond_with_data("down", status=502)
    _due_reminder(world)
    with caplog.at_level(logging.DEBUG):
        dispatch(world.session, at("2026-04-21", 9, 5), Channels(timeout=1))
    ours = "\n".join(r.getMessage() for r in caplog.records if not r.name.startswith("werkzeug"))  # the receiver's own log
    assert "SECRET987" not in ours and "webhook" in ours
    assert "SECRET987" not in (world.session.exec(select(Delivery)).one().last_error or "")



def test_a_channel_that_hangs_is_cut_off_by_the_timeout_and_retried(world):
    import socket
    import time

    silent = socket.socket()  # accepts connections (backlog) and never answers
    silent.bind(("127.0.0.1", 0))
    silent.listen(8)
    try:
        _only_channel(world, world.liaisons["power"], "webhook", f"http://127.0.0.1:{silent.getsockname()[1]}/hook")
        _due_reminder(world)
        start = time.monotonic()
        counts = dispatch(world.session, at("2026-04-21", 9, 5), Channels(timeout=1))
        assert time.monotonic() - start < 10
    finally:
        silent.close()
    assert counts["retry"] == 1
    delivery = world.session.exec(select(Delivery)).one()
    assert delivery.status == "retry" and "Timeout" in delivery.last_error


@pytest.mark.parametrize("delivery", ["file", "live"])
def test_a_person_with_no_contact_channel_is_written_to_the_file_in_file_mode(world, tmp_path, monkeypatch, delivery):
    """COBUILD_DELIVERY=file writes every message (a trial, the demo); live, nobody to send to
    is a failure the secretary sees."""
    monkeypatch.setenv("COBUILD_DELIVERY", delivery)
    for row in world.session.exec(select(ContactChannel)).all():
        world.session.delete(row)
    world.session.commit()
    reminder = _due_reminder(world)
    if delivery == "live":
        assert reminder.status == "failed"
        return
    assert reminder.status == "pending"
    assert dispatch(world.session, at("2026-04-21", 9, 5), Channels(outbox_dir=tmp_path, file_only=True))["sent"] >= 1
    written = [json.loads(line) for line in (tmp_path / "outbox.jsonl").read_text(encoding="utf-8").splitlines()]
    assert reminder.dedupe_key in {line["key"] for line in written}
    mine = next(line for line in written if line["key"] == reminder.dedupe_key)
    assert mine["html"].lstrip().lower().startswith(("<!doctype", "<html")) and mine["text"]  # both parts, as e-mailed
