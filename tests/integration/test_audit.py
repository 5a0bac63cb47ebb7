import json

import pytest
from sqlalchemy import delete
from sqlmodel import select

from cobuild.actions import items as it
from models import AuditEvent, AuditLogIsAppendOnly, DomainError

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

    from cobuild.cli import app

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
