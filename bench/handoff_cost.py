"""What a hand-off message adds to the request that causes it (issue 29: ≤ 5 ms at p50).

Posts progress through the API (FastAPI's test client, a SQLite file, the raising unit's
liaison told at once) in interleaved rounds, with the hand-off and with `handoffs.tell`
replaced by a no-op; prints one JSON line with the p50 of each and their difference.

    python -m bench.handoff_cost [POSTS_PER_ROUND] [ROUNDS]
"""

from __future__ import annotations

import json
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path


def main() -> None:
    from fastapi.testclient import TestClient

    from cobuild.actions import handoffs
    from cobuild.actions.accounts import create_account, issue_token, link_member
    from cobuild.platform.db import session_for, upgrade
    from cobuild.web.app import make_app
    from tests.integration.conftest import World, at

    per_round = int(sys.argv[1]) if len(sys.argv) > 1 else 100
    rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 5
    folder = Path(tempfile.mkdtemp(prefix="cobuild-handoff-"))
    url = f"sqlite:///{folder}/handoff.db"
    upgrade(url)
    with session_for(url) as session:
        world = World(session)
        item = world.published_item(raiser="company", lead="power", deadline="2026-06-30")
        account = create_account(session, login="power", password="bench-password", now=at("2026-01-02"))
        link_member(session, world.council, world.liaisons["power"], account, by=None, now=at("2026-01-02"))
        token = issue_token(session, account, "bench", now=datetime.now(UTC))[0]  # checked against the real clock
        council_id, item_id = world.council.id, item.id
    client = TestClient(make_app(url, secret_key="b" * 48))
    headers = {"Authorization": f"Bearer {token}"}
    real = handoffs.tell
    percent = [1]

    def post() -> float:
        percent[0] = percent[0] % 99 + 1
        start = time.perf_counter()
        answer = client.post(f"/api/v1/councils/{council_id}/items/{item_id}/progress", headers=headers,
                             json={"note": "进展", "percent": percent[0]})
        took = time.perf_counter() - start
        assert answer.status_code == 201, answer.text
        return took

    with_handoff, without = [], []
    for _ in range(rounds):  # interleaved, so that the machine's drift falls on both
        handoffs.tell = real
        with_handoff += [post() for _ in range(per_round)]
        handoffs.tell = lambda *args, **kwargs: 0
        without += [post() for _ in range(per_round)]
    handoffs.tell = real
    with session_for(url) as session:  # each post with the hand-off queued one message, the others none
        from sqlmodel import func, select

        from cobuild.models import Notification

        told = session.exec(select(func.count()).select_from(Notification).where(Notification.kind == "progress_posted")).one()
    assert told == per_round * rounds, (told, per_round * rounds)
    p50_with, p50_without = (1000 * statistics.median(runs) for runs in (with_handoff, without))
    print(json.dumps({"posts": per_round * rounds, "p50_ms_with": round(p50_with, 2),
                      "p50_ms_without": round(p50_without, 2), "added_ms": round(p50_with - p50_without, 2)}))


if __name__ == "__main__":
    main()
