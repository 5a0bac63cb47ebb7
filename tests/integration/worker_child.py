"""One sweeper or dispatcher process for the multi-process tests:

    python -m tests.integration.worker_child sweep|dispatch DB_URL OUTBOX_DIR [--minutes M] [--start T] [--batch N]

It sweeps at the bench tick (or dispatches M minutes after it, to the file channel in
OUTBOX_DIR), starting at the time.time() stamp T when given so that several start together."""

from __future__ import annotations

import argparse
import time
from datetime import timedelta


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("role", choices=["sweep", "dispatch"])
    parser.add_argument("url")
    parser.add_argument("folder")
    parser.add_argument("--minutes", type=int, default=60)
    parser.add_argument("--start", type=float, default=0.0)
    parser.add_argument("--batch", type=int, default=20)
    args = parser.parse_args()

    from cobuild.notifications.channels import Channels
    from cobuild.notifications.dispatch import dispatch
    from cobuild.notifications.outbox import Outbox
    from cobuild.platform.db import session_for
    from cobuild.sweep.items import sweep_items
    from tests.support.worlds import TICK

    with session_for(args.url) as session:
        time.sleep(max(0.0, args.start - time.time()))
        if args.role == "sweep":
            sweep_items(session, TICK, Outbox(session), batch=args.batch)
        else:
            dispatch(session, TICK + timedelta(minutes=args.minutes), Channels(outbox_dir=args.folder, file_only=True),
                     batch=args.batch)


if __name__ == "__main__":
    main()
