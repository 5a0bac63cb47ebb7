"""A sweeper or a dispatcher killed with SIGKILL mid-run, then started again: nothing lost,
nothing queued twice; deliveries at least once, the repeats carrying the same dedupe key."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

from sqlalchemy import create_engine, text

ROOT = Path(__file__).resolve().parents[2]


def _count(url: str, sql: str) -> int:
    engine = create_engine(url)
    with engine.connect() as connection:
        value = connection.execute(text(sql)).scalar_one()
    engine.dispose()
    return value


def _start(role: str, url: str, folder: Path, minutes: int = 60) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "tests.integration.worker_child", role, url, str(folder),
                             "--minutes", str(minutes), "--batch", "20"], cwd=ROOT,
                            stderr=subprocess.PIPE, text=True)


def _kill_when(child: subprocess.Popen, ready, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while not ready():
        assert child.poll() is None, "finished before it could be killed; make the work bigger"
        assert time.monotonic() < deadline
        time.sleep(0.01)
    child.send_signal(signal.SIGKILL)
    child.wait()


def test_a_killed_sweeper_restarted_loses_nothing_and_queues_nothing_twice(tmp_path):
    sys.path.insert(0, str(ROOT))
    from tests.support.worlds import build

    url = f"sqlite:///{tmp_path}/kill.db"
    build(url, councils=3, open_items=6_000, due=3_000)
    child = _start("sweep", url, tmp_path)
    _kill_when(child, lambda: _count(url, "SELECT count(*) FROM notification") >= 200)
    partial = _count(url, "SELECT count(*) FROM notification")
    assert 0 < partial < 3_000  # killed mid-run, after some batches committed
    again = _start("sweep", url, tmp_path)
    assert again.wait(timeout=300) == 0, again.stderr.read()[-2000:]
    assert _count(url, "SELECT count(DISTINCT subject_id) FROM notification WHERE subject_type = 'item'") == 3_000
    assert _count(url, "SELECT count(*) FROM notification") == 3_000
    assert _count(url, "SELECT count(*) FROM delivery") == 3_000


def test_a_killed_dispatcher_restarted_delivers_everything(tmp_path):
    sys.path.insert(0, str(ROOT))
    from tests.support.worlds import build

    url = f"sqlite:///{tmp_path}/kill.db"
    build(url, councils=3, open_items=3_000, due=1_500)
    assert _start("sweep", url, tmp_path).wait(timeout=300) == 0
    outbox = tmp_path / "outbox.jsonl"
    child = _start("dispatch", url, tmp_path)
    _kill_when(child, lambda: outbox.exists() and outbox.stat().st_size > 20_000)
    assert _count(url, "SELECT count(*) FROM delivery WHERE status = 'sent'") < 1_500
    # started again after the dead one's leases ran out (5 minutes)
    again = _start("dispatch", url, tmp_path, minutes=70)
    assert again.wait(timeout=300) == 0, again.stderr.read()[-2000:]
    assert _count(url, "SELECT count(*) FROM delivery WHERE status = 'sent'") == 1_500
    keys = Counter(json.loads(line)["key"] for line in outbox.read_text(encoding="utf-8").splitlines())
    assert len(keys) == 1_500  # nothing lost
    repeats = sum(n - 1 for n in keys.values())
    assert repeats <= 20  # at most the batch that was in flight, each with its dedupe key for the receiver
