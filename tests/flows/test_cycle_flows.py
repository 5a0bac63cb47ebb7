import json

from sqlmodel import select
from typer.testing import CliRunner

from cobuild.cli.main import app
from cobuild.flows.cycles import advance, chair_cycle, conference_cycle
from cobuild.models import Conference, Term
from cobuild.platform.db import session_for
from tests.integration.conftest import World, at, db_url  # noqa: F401 — SQLite, or PostgreSQL in the second pass


def _world(url: str) -> str:
    with session_for(url) as session:
        world = World(session)
        world.open_window()
        world.submit("hospital")
    return url


def test_the_conference_cycle_flow_locks_the_agenda_and_is_safe_to_rerun(db_url):
    url = _world(db_url)
    first = conference_cycle(url, at("2026-02-14", 0, 5).isoformat())
    again = conference_cycle(url, at("2026-02-14", 0, 6).isoformat())
    assert (first["agendas_locked"], again["agendas_locked"]) == (1, 0)
    with session_for(url) as session:
        assert session.exec(select(Conference.status).where(Conference.code == "2026-Q1")).one() == "agenda_locked"


def test_the_chair_cycle_flow_opens_the_election_and_starts_the_next_term(db_url):
    url = _world(db_url)
    assert chair_cycle(url, at("2026-06-17", 0, 5).isoformat())["elections_opened"] == 1
    result = advance(url, at("2026-07-01", 0, 5).isoformat())
    # a late pass catches up in order: the unvoted election closes, evaluation opens, the report
    # is published, and the next term starts under the rotation fallback
    assert (result["elections_closed"], result["evaluations_opened"], result["reports_published"],
            result["terms_started"]) == (1, 1, 1, 1)
    with session_for(url) as session:
        terms = session.exec(select(Term).order_by(Term.number)).all()
        assert [(t.status, t.chair_source) for t in terms] == [("reported", "appointed"), ("active", "fallback")]


def test_the_advance_flow_refreshes_the_kept_report_cards(db_url):
    from sqlalchemy import text

    url = _world(db_url)
    first = advance(url, at("2026-02-14", 0, 5).isoformat())["cards_refreshed"]
    again = advance(url, at("2026-02-14", 0, 10).isoformat())["cards_refreshed"]
    assert first > 0 and again == 0  # every unit at first (nothing kept yet), then nothing changed
    with session_for(url) as session:
        assert session.execute(text("SELECT count(*) FROM unitcardstale")).scalar_one() == 0
        assert session.execute(text("SELECT count(*) FROM unitcard")).scalar_one() > 0


def test_the_cycle_command_runs_both_flows(db_url):
    url = _world(db_url)
    result = CliRunner().invoke(app, ["cycle", "--db", url, "--now", "2026-02-14T00:05+08:00", "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["conference"]["agendas_locked"] == 1


def test_the_prune_flow_runs_and_counts(db_url, tmp_path, monkeypatch):
    from cobuild.flows.cycles import prune_uploads

    monkeypatch.setenv("COBUILD_UPLOAD_DIR", str(tmp_path / "uploads"))
    assert prune_uploads(_world(db_url)) == {"removed": 0}
