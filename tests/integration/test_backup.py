"""Backup and restore: the restored database holds exactly the same rows."""

from __future__ import annotations

import threading
import time

import pytest
from sqlalchemy import create_engine, text
from sqlmodel import SQLModel
from typer.testing import CliRunner

from cobuild.cli.main import app
from cobuild.platform.db import session_for, upgrade

from .conftest import World
from .test_migrations import pg_url  # noqa: F401 — the throw-away PostgreSQL database fixture


def _dump(url: str) -> dict[str, list]:
    engine = create_engine(url)
    with engine.connect() as connection:
        data = {name: sorted(map(tuple, connection.execute(text(f'SELECT * FROM "{name}"')).all()), key=repr)
                for name in SQLModel.metadata.tables}
    engine.dispose()
    return data


def test_a_sqlite_backup_taken_while_writing_restores_to_the_same_data(tmp_path):
    url = f"sqlite:///{tmp_path}/live.db"
    upgrade(url)
    with session_for(url) as session:
        World(session).published_item()
    stop = threading.Event()

    def keep_writing():  # the scheduler and the web app do not stop for a backup
        engine = create_engine(url)
        while not stop.is_set():
            with engine.begin() as connection:
                connection.execute(text("UPDATE item SET updated_at = updated_at"))
            time.sleep(0.001)
        engine.dispose()

    writer = threading.Thread(target=keep_writing)
    writer.start()
    try:
        result = CliRunner().invoke(app, ["backup", str(tmp_path / "copy.db"), "--db", url, "--json"])
    finally:
        stop.set()
        writer.join()
    assert result.exit_code == 0, result.output
    restored = f"sqlite:///{tmp_path}/restored.db"
    again = CliRunner().invoke(app, ["restore", str(tmp_path / "copy.db"), "--db", restored])
    assert again.exit_code == 0, again.output
    assert _dump(restored) == _dump(url)
    # never over an existing database by accident, never over a file that is not a backup
    refused = CliRunner().invoke(app, ["restore", str(tmp_path / "copy.db"), "--db", restored])
    assert refused.exit_code == 2 and "--force" in refused.output
    (tmp_path / "junk.db").write_bytes(b"not a database")
    junk = CliRunner().invoke(app, ["restore", str(tmp_path / "junk.db"), "--db", f"sqlite:///{tmp_path}/x.db"])
    assert junk.exit_code == 2 and "Traceback" not in junk.output
    existing = CliRunner().invoke(app, ["backup", str(tmp_path / "copy.db"), "--db", url])
    assert existing.exit_code == 2 and "exists" in existing.output


def test_a_postgres_backup_restores_to_the_same_data(pg_url, tmp_path):  # noqa: F811
    import shutil

    if shutil.which("pg_dump") is None:
        pytest.skip("pg_dump is not installed")
    upgrade(pg_url)
    with session_for(pg_url) as session:
        World(session).published_item()
    result = CliRunner().invoke(app, ["backup", str(tmp_path / "cobuild.dump"), "--db", pg_url])
    assert result.exit_code == 0, result.output
    from tests.integration.conftest import PG_SERVER, postgres_databases

    with postgres_databases("cobuild_restore") as (name,):
        target = f"{PG_SERVER}/{name}"
        again = CliRunner().invoke(app, ["restore", str(tmp_path / "cobuild.dump"), "--db", target])
        assert again.exit_code == 0, again.output
        assert _dump(target) == _dump(pg_url)
