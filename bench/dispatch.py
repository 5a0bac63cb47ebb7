"""Dispatch figure: N messages to a real webhook receiver on loopback (another process), once
cleanly and once with 10 % transient failures (HTTP 500 on the first attempt)."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
from sqlalchemy import insert

from bench import free_port

ROOT = Path(__file__).resolve().parent.parent
NOW = datetime(2026, 6, 2, 1, 0, tzinfo=UTC)



def build(url: str, n: int, hook: str) -> None:
    """One council, one person with a webhook channel, N queued messages (bulk insert)."""
    from cobuild.actions.council import add_channel, create_council
    from cobuild.models import Delivery, Notification
    from cobuild.platform.db import session_for, upgrade

    upgrade(url)
    with session_for(url) as session:
        council, secretary = create_council(session, now=NOW, name="派送测试大党委", community_name="派送社区",
                                            secretary_name="派送书记")
        add_channel(session, council, secretary, "webhook", hook, by=secretary, now=NOW)
        rows = [dict(council_id=council.id, member_id=secretary.id, kind="window_open", step="",
                     dedupe_key=f"bench|{i}", subject_type="council", subject_id=council.id, basis="", language="zh",
                     subject=f"提醒 {i}", body_text="今天到期", body_html="<p>今天到期</p>", status="pending",
                     not_before=NOW, created_at=NOW) for i in range(n)]
        session.execute(insert(Notification), rows)
        ids = session.exec(__import__("sqlmodel").select(Notification.id)).all()
        session.execute(insert(Delivery), [dict(notification_id=i, channel="webhook", address=hook, status="pending",
                                                attempts=0, next_attempt_at=NOW) for i in ids])
        session.commit()


def _receiver(folder: Path, fail_percent: int, name: str) -> tuple[subprocess.Popen, int, Path]:
    """bench.receiver in its own process, answering before this returns."""
    port, out = free_port(), folder / name
    receiver = subprocess.Popen([sys.executable, "-m", "bench.receiver", str(port), str(fail_percent), str(out)],
                                cwd=ROOT)
    for _ in range(100):
        try:
            httpx.post(f"http://127.0.0.1:{port}/", headers={"X-Cobuild-Dedupe-Key": "warm-up"}, timeout=1)
            break
        except httpx.HTTPError:
            time.sleep(0.05)
    return receiver, port, out


def run(folder: Path, n: int, fail_percent: int) -> dict:
    from cobuild.notifications.channels import Channels
    from cobuild.notifications.dispatch import dispatch
    from cobuild.platform.db import session_for

    receiver, port, out = _receiver(folder, fail_percent, f"received-{fail_percent}.json")
    url = f"sqlite:///{folder}/dispatch-{fail_percent}.db"
    build(url, n, f"http://127.0.0.1:{port}/hook")
    counts = {"sent": 0, "retry": 0, "dead": 0}
    start = time.perf_counter()
    now = NOW
    with session_for(url) as session:
        for _ in range(6):  # the first pass, then the retries as their back-off comes due
            for k, v in dispatch(session, now, Channels(allow_private=True)).items():
                counts[k] = counts.get(k, 0) + v
            now += timedelta(minutes=31)
    seconds = time.perf_counter() - start
    receiver.terminate()
    receiver.wait(timeout=10)
    received = json.loads(out.read_text(encoding="utf-8"))
    accepted = received["accepted"]
    accepted.pop("warm-up", None)
    return {"seconds": seconds, "per_second": n / seconds, "counts": counts, "delivered": len(accepted),
            "twice": sum(1 for v in accepted.values() if v > 1), "refused": received["refused"]}


def send_alone(folder: Path, n: int, batch: int = 500) -> dict:
    """The baseline: the same N webhook POSTs to the same kind of receiver through the same
    channel code, in the dispatcher's batches — no database, no leases, no bookkeeping."""
    from cobuild.notifications.channels import Outgoing, WebhookChannel

    receiver, port, _ = _receiver(folder, 0, "received-alone.json")
    channel, url = WebhookChannel(allow_private=True), f"http://127.0.0.1:{port}/hook"
    messages = [Outgoing(subject=f"提醒 {i}", text="今天到期", html="<p>今天到期</p>", dedupe_key=f"alone|{i}",
                         recipient="派送书记") for i in range(n)]
    start = time.perf_counter()
    errors = []
    for first in range(0, n, batch):
        errors += channel.send_many([(m, url) for m in messages[first:first + batch]])
    seconds = time.perf_counter() - start
    receiver.terminate()
    receiver.wait(timeout=10)
    return {"seconds": seconds, "per_second": n / seconds, "failed": sum(1 for e in errors if e is not None)}


if __name__ == "__main__":
    import tempfile

    n = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    folder = Path(tempfile.mkdtemp())
    print(json.dumps({"alone": send_alone(folder, n), "clean": run(folder, n, 0), "faults": run(folder, n, 10)},
                     indent=1))
