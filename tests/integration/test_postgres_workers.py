"""Four sweeper and four dispatcher processes at once on PostgreSQL over the same due set:
every reminder is queued once and delivered once."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

from sqlalchemy import create_engine, text

from .test_migrations import pg_url  # noqa: F401 — the throw-away PostgreSQL database fixture

ROOT = Path(__file__).resolve().parents[2]


def _together(role: str, url: str, folder: Path, n: int = 4) -> None:
    start = time.time() + 3.0
    batch = "50" if role == "sweep" else "20"
    children = [subprocess.Popen([sys.executable, "-m", "tests.integration.worker_child", role, url, str(folder),
                                  "--start", str(start), "--batch", batch], cwd=ROOT,
                                 stderr=subprocess.PIPE, text=True) for _ in range(n)]
    for child in children:
        _, err = child.communicate(timeout=300)
        assert child.returncode == 0, err[-2000:]


def test_four_sweepers_and_four_dispatchers_queue_and_deliver_each_reminder_once(pg_url, tmp_path):  # noqa: F811
    sys.path.insert(0, str(ROOT))
    from tests.support.worlds import build

    build(pg_url, councils=3, open_items=2_000, due=600)
    _together("sweep", pg_url, tmp_path)
    engine = create_engine(pg_url)
    with engine.connect() as connection:
        queued = connection.execute(text("SELECT count(*) FROM notification WHERE subject_type = 'item'")).scalar_one()
        reminded = connection.execute(text(
            "SELECT count(DISTINCT subject_id) FROM notification WHERE subject_type = 'item'")).scalar_one()
        pending = connection.execute(text("SELECT count(*) FROM delivery WHERE status = 'pending'")).scalar_one()
    assert reminded == 600 and queued == 600  # one lead liaison each: once per due item, none twice

    _together("dispatch", pg_url, tmp_path)
    lines = [json.loads(line) for line in (tmp_path / "outbox.jsonl").read_text(encoding="utf-8").splitlines()]
    per_key = Counter(line["key"] for line in lines)
    assert len(per_key) == pending and set(per_key.values()) == {1}
    with engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM delivery WHERE status = 'sent'")).scalar_one() == pending
    engine.dispose()
