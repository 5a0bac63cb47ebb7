"""An escalation-heavy tick (no target in issue 6; a measurement kept with the others):

    python -m bench.escalation_tick [COUNCILS OPEN DUE DAYS]   (default 400 200000 20000 40)

builds the sweep figure's data at that size and sweeps it DAYS days after the bench tick, when
most open items are overdue and escalated to the chair and the secretary: each item's marks
(recorded once, with an audit event) and messages to people without a channel, which the
figure's tick, all reminders before the deadline, never meets. Prints one JSON line.
"""

from __future__ import annotations

import json
import shutil
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path


def main() -> None:
    councils, open_items, due, days = (int(a) for a in (sys.argv[1:5] if len(sys.argv) > 4 else (400, 200_000, 20_000, 40)))
    from cobuild.platform.db import session_for
    from cobuild.sweep.run import sweep
    from tests.support.worlds import TICK, build

    folder = Path(tempfile.mkdtemp(prefix="cobuild-escalation-"))
    try:
        url = f"sqlite:///{folder}/escalation.db"
        build(url, councils, open_items, due)
        with session_for(url) as session:
            start = time.perf_counter()
            counts = sweep(session, TICK + timedelta(days=days))
            seconds = time.perf_counter() - start
        print(json.dumps({"seconds": round(seconds, 3), "items": counts["items"], "escalations": counts["escalations"],
                          "overdue_marked": counts["overdue_marked"], "queued": counts["queued"]}, ensure_ascii=False))
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
