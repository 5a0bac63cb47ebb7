"""`cobuild backup` and `cobuild restore`: SQLite's online backup API (a consistent copy while
the server and the scheduler keep writing) and pg_dump / pg_restore on PostgreSQL."""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
from pathlib import Path

from sqlalchemy.engine import make_url


class BackupError(RuntimeError):
    pass


def _sqlite_path(url: str) -> Path:
    database = make_url(url).database
    if not database or database == ":memory:":
        raise BackupError("an in-memory database has nothing to back up")
    return Path(database)


def _pg_args(url: str) -> tuple[list[str], dict]:
    """libpq connection options for pg_dump/pg_restore; the password goes by environment."""
    parsed = make_url(url)
    args = []
    if parsed.host:
        args += ["-h", parsed.host]
    if parsed.port:
        args += ["-p", str(parsed.port)]
    if parsed.username:
        args += ["-U", parsed.username]
    env = {"PGPASSWORD": parsed.password} if parsed.password else {}
    return args, env


def _run(command: list[str], env: dict) -> None:
    import os

    if shutil.which(command[0]) is None:
        raise BackupError(f"{command[0]} is not installed (Debian: apt-get install postgresql-client)")
    done = subprocess.run(command, env={**os.environ, **env}, capture_output=True, text=True)
    if done.returncode != 0:
        raise BackupError(f"{command[0]} failed: {done.stderr.strip()[-500:]}")


def backup(url: str, destination: str | Path) -> dict:
    destination = Path(destination)
    if destination.exists():
        raise BackupError(f"{destination} exists; choose a new file name")
    destination.parent.mkdir(parents=True, exist_ok=True)
    if url.startswith("sqlite"):
        source = _sqlite_path(url)
        if not source.exists():
            raise BackupError(f"no database at {source}")
        try:
            with sqlite3.connect(source) as src, sqlite3.connect(destination) as dst:
                src.backup(dst)  # page by page, consistent, while others keep writing
        except sqlite3.DatabaseError as exc:
            destination.unlink(missing_ok=True)
            raise BackupError(f"{source} cannot be read as a SQLite database ({exc})") from None
        return {"kind": "sqlite", "file": str(destination), "bytes": destination.stat().st_size}
    if url.startswith("postgresql"):
        args, env = _pg_args(url)
        _run(["pg_dump", "-Fc", *args, "-f", str(destination), make_url(url).database or ""], env)
        return {"kind": "pg_dump", "file": str(destination), "bytes": destination.stat().st_size}
    raise BackupError(f"cannot back up {make_url(url).drivername} databases")


def restore(url: str, source: str | Path, force: bool = False) -> dict:
    """Put a backup in place of the database at `url` (which must be empty unless `force`)."""
    source = Path(source)
    if not source.is_file():
        raise BackupError(f"no backup file at {source}")
    if url.startswith("sqlite"):
        target = _sqlite_path(url)
        if target.exists() and not force:
            raise BackupError(f"{target} exists; restore into a new file, or pass --force to replace it")
        try:
            with sqlite3.connect(source) as src:
                if src.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
                    raise BackupError(f"{source} is not an intact SQLite database")
                for suffix in ("-wal", "-shm"):
                    Path(f"{target}{suffix}").unlink(missing_ok=True)
                with sqlite3.connect(target) as dst:
                    src.backup(dst)
        except sqlite3.DatabaseError as exc:
            raise BackupError(f"{source} is not a SQLite backup ({exc})") from None
        return {"kind": "sqlite", "database": str(target)}
    if url.startswith("postgresql"):
        args, env = _pg_args(url)
        command = ["pg_restore", *args, "-d", make_url(url).database or "", "--no-owner"]
        if force:
            command += ["--clean", "--if-exists"]
        _run([*command, str(source)], env)
        return {"kind": "pg_restore", "database": make_url(url).database}
    raise BackupError(f"cannot restore {make_url(url).drivername} databases")
