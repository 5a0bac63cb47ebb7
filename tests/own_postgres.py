"""A PostgreSQL server of the test's own: `initdb` into a temporary folder, `pg_ctl` on a free
port of 127.0.0.1, trust authentication, stopped and removed afterwards.

For tests that must restart or kill the database: the machine's own PostgreSQL service is
shared with everything else running there (another test suite, a developer's work), so no test
ever restarts it. The binaries come from the Debian `postgresql` package
(/usr/lib/postgresql/*/bin) or PATH; the test is skipped where there are none. As root, initdb
refuses to run, so the server runs as the `postgres` account (the package creates it).
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest


def _binaries() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(Path(p).parts[-3]))
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb and shutil.which("pg_ctl") else None


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class OwnPostgres:
    """One throw-away server: `url(database)`, `restart()`, `start()`."""

    def __init__(self, folder: Path, bin_dir: Path, as_user: list[str]):
        self.folder, self.bin_dir, self.as_user = folder, bin_dir, as_user
        self.data = folder / "data"
        self.port = _free_port()

    def _run(self, tool: str, *args: str, timeout: float = 120) -> subprocess.CompletedProcess:
        return subprocess.run([*self.as_user, str(self.bin_dir / tool), *args], capture_output=True, text=True,
                              timeout=timeout, stdin=subprocess.DEVNULL)

    def _pg_ctl(self, action: str, *extra: str) -> subprocess.CompletedProcess:
        options = f"-h 127.0.0.1 -p {self.port} -k {self.folder} -c fsync=off -c full_page_writes=off"
        return self._run("pg_ctl", action, "-D", str(self.data), "-w", "-t", "60", "-l",
                         str(self.folder / "server.log"), "-o", options, *extra)

    def init(self) -> None:
        done = self._run("initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust", "-E", "UTF8",
                         "--locale=C", "--no-sync")
        if done.returncode != 0:
            raise RuntimeError(f"initdb failed: {done.stderr.strip()}")

    def start(self) -> None:
        done = self._pg_ctl("start")
        if done.returncode != 0:
            raise RuntimeError(f"pg_ctl start failed: {done.stderr.strip()} {self.log()}")

    def restart(self) -> None:
        """-m fast: every connection is cut, open transactions are rolled back by the server."""
        done = self._pg_ctl("restart", "-m", "fast")
        if done.returncode != 0:
            raise RuntimeError(f"pg_ctl restart failed: {done.stderr.strip()} {self.log()}")

    def stop(self) -> None:
        self._run("pg_ctl", "stop", "-D", str(self.data), "-m", "immediate", "-w", "-t", "60")

    def log(self) -> str:
        path = self.folder / "server.log"
        return path.read_text(errors="replace")[-2000:] if path.exists() else ""

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{database}"


@contextmanager
def own_postgres() -> Iterator[OwnPostgres]:
    bin_dir = _binaries()
    if bin_dir is None:
        pytest.skip("no PostgreSQL server binaries (initdb, pg_ctl) on this machine")
    as_user: list[str] = []
    folder = Path(tempfile.mkdtemp(prefix="cobuild-own-pg-"))
    if os.geteuid() == 0:
        try:
            account = pwd.getpwnam("postgres")
        except KeyError:
            shutil.rmtree(folder, ignore_errors=True)
            pytest.skip("running a PostgreSQL server as root needs the postgres account")
        os.chown(folder, account.pw_uid, account.pw_gid)
        as_user = ["runuser", "-u", "postgres", "--"]
    server = OwnPostgres(folder, bin_dir, as_user)
    try:
        server.init()
        server.start()
        yield server
    finally:
        server.stop()
        shutil.rmtree(folder, ignore_errors=True)
