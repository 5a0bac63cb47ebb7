import json

import pytest
from sqlalchemy import delete
from sqlmodel import select

from cobuild.actions import items as it
from cobuild.models import AuditEvent, AuditLogIsAppendOnly, DomainError

from .conftest import at


def _events(world, subject_id):
    return world.session.exec(select(AuditEvent).where(AuditEvent.subject_type == "item",
                                                       AuditEvent.subject_id == subject_id).order_by(AuditEvent.id)).all()


def test_every_change_of_an_items_state_is_an_audit_event_with_before_and_after(world):
    item = world.published_item()
    it.post_progress(world.session, item, by=world.liaisons["power"], now=at("2026-03-01"), percent=100)
    actions = [e.action for e in _events(world, item.id)]
    assert actions == ["item.submit", "item.accept", "item.assign", "item.publish", "item.progress"]
    last = _events(world, item.id)[-1]
    assert (last.before["status"], last.after["status"]) == ("claimed", "in_progress")
    assert last.actor_id == world.liaisons["power"].id and last.at == at("2026-03-01")


def test_scheduler_actions_are_recorded_without_a_person(world):
    opened = world.session.exec(select(AuditEvent).where(AuditEvent.action == "term.start")).one()
    assert opened.actor_id is None


def test_audit_events_cannot_be_edited_or_deleted_through_the_orm(world):
    event = world.session.exec(select(AuditEvent)).first()
    event.action = "tampered"
    with pytest.raises(AuditLogIsAppendOnly):
        world.session.flush()
    world.session.rollback()
    world.session.delete(world.session.exec(select(AuditEvent)).first())
    with pytest.raises(AuditLogIsAppendOnly):
        world.session.flush()
    world.session.rollback()


def test_a_refused_command_writes_no_audit_event(world):
    item = world.published_item()
    before = len(world.session.exec(select(AuditEvent)).all())
    with pytest.raises(DomainError):
        it.verify_close_out(world.session, item, by=world.secretary, now=at("2026-03-01"), satisfaction=5)
    assert len(world.session.exec(select(AuditEvent)).all()) == before
    assert world.session.execute(delete(AuditEvent).where(AuditEvent.id < 0)).rowcount == 0


def test_the_audit_log_is_a_hash_chain_and_verify_finds_the_first_broken_link(world, db_url):
    from sqlalchemy import create_engine, text
    from typer.testing import CliRunner

    from cobuild.cli.main import app

    world.published_item()
    runner = CliRunner()
    intact = runner.invoke(app, ["audit", "verify", "--db", db_url, "--json"])
    assert intact.exit_code == 0, intact.output
    assert json.loads(intact.output)["ok"] and json.loads(intact.output)["checked"] > 10
    engine = create_engine(db_url)  # behind the ORM's back, as someone with the database file would
    with engine.begin() as connection:
        ids = [r[0] for r in connection.execute(text("SELECT id FROM auditevent WHERE council_id IS NOT NULL ORDER BY id"))]
        edited = ids[5]
        connection.execute(text("UPDATE auditevent SET action = 'item.reject' WHERE id = :i"), {"i": edited})
    broken = runner.invoke(app, ["audit", "verify", "--db", db_url, "--json"])
    assert broken.exit_code == 1 and json.loads(broken.output)["broken_at"] == edited
    assert "edited" in json.loads(broken.output)["reason"]
    engine.dispose()


def test_a_deleted_audit_event_breaks_the_chain_at_the_next_one(world, db_url):
    from sqlalchemy import create_engine, text

    from cobuild.actions.common import verify_audit

    world.published_item()
    assert verify_audit(world.session)["ok"]
    engine = create_engine(db_url)
    with engine.begin() as connection:
        ids = [r[0] for r in connection.execute(text(
            "SELECT id FROM auditevent WHERE council_id = :c ORDER BY id"), {"c": world.council.id})]
        connection.execute(text("DELETE FROM auditevent WHERE id = :i"), {"i": ids[3]})
    engine.dispose()
    world.session.expire_all()
    result = verify_audit(world.session)
    assert not result["ok"] and result["broken_at"] == ids[4] and "removed" in result["reason"]


@pytest.fixture
def anchored(world, db_url, tmp_path, monkeypatch):
    """A published item's events, their council's head anchored to a file with the key set."""
    from typer.testing import CliRunner

    from cobuild.cli.main import app

    monkeypatch.setenv("COBUILD_AUDIT_KEY", "a" * 40)
    world.published_item()
    runner, anchors = CliRunner(), str(tmp_path / "anchors.jsonl")
    written = runner.invoke(app, ["audit", "anchor", "--file", anchors, "--db", db_url, "--now", "2026-03-01T10:00", "--json"])
    assert written.exit_code == 0, written.output

    def verify():
        result = runner.invoke(app, ["audit", "verify", "--anchors", anchors, "--db", db_url, "--json"])
        return result.exit_code, json.loads(result.stdout)

    assert verify() == (0, verify()[1]) and verify()[1]["ok"]
    return verify, anchors


def _behind_the_orms_back(db_url, *statements):
    from sqlalchemy import create_engine, text

    engine = create_engine(db_url)
    with engine.begin() as connection:
        for sql, params in statements:
            connection.execute(text(sql), params)
    engine.dispose()


def test_removing_the_newest_events_is_found_against_the_anchor(world, db_url, anchored):
    from cobuild.actions.common import verify_audit

    verify, _ = anchored
    _behind_the_orms_back(db_url, ("DELETE FROM auditevent WHERE id IN (SELECT id FROM auditevent WHERE council_id = :c "
                                   "ORDER BY id DESC LIMIT 3)", {"c": world.council.id}))
    world.session.expire_all()
    assert verify_audit(world.session)["ok"]  # the chain alone is whole, only shorter
    code, result = verify()
    assert code == 1 and "removed" in result["reason"]


def test_a_rehashed_chain_is_found_against_the_anchor(world, db_url, anchored):
    from cobuild.actions.common import event_hash, verify_audit

    verify, _ = anchored
    # someone who can write the database edits an event and re-hashes everything after it
    events = world.session.exec(select(AuditEvent).where(AuditEvent.council_id == world.council.id)
                                .order_by(AuditEvent.id)).all()
    statements, previous = [], None
    for n, event in enumerate(events):
        if n == 5:
            event.action = "item.reject"
        new_hash = event_hash(event, previous)
        statements.append(("UPDATE auditevent SET action = :a, prev_hash = :p, hash = :h WHERE id = :i",
                           {"a": event.action, "p": previous, "h": new_hash, "i": event.id}))
        previous = new_hash
    world.session.expunge_all()
    _behind_the_orms_back(db_url, *statements)
    assert verify_audit(world.session)["ok"]  # the chain alone cannot tell
    code, result = verify()
    assert code == 1 and "re-hashed" in result["reason"]


def test_an_edited_anchor_file_or_no_key_is_said_plainly(world, db_url, anchored, monkeypatch):
    from typer.testing import CliRunner

    from cobuild.cli.main import app

    verify, anchors = anchored
    with open(anchors, encoding="utf-8") as f:
        line = json.loads(f.readline())
    with open(anchors, "w", encoding="utf-8") as f:
        f.write(json.dumps({**line, "count": line["count"] - 3}) + "\n")
    code, result = verify()
    assert code == 1 and "signature" in result["reason"]
    monkeypatch.delenv("COBUILD_AUDIT_KEY")
    refused = CliRunner().invoke(app, ["audit", "anchor", "--file", anchors, "--db", db_url])
    assert refused.exit_code == 2 and "COBUILD_AUDIT_KEY" in refused.output and "Traceback" not in refused.output
