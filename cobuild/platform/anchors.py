"""Anchors of the audit log: each council's chain head, signed with a key kept outside the
database, written to a file outside it.

The hash chain (cobuild/actions/common.py) shows an edit, a deletion or an insertion inside the
chain. It cannot show the newest events deleted (the chain is still whole, only shorter) or the
whole chain re-hashed by someone who can write the database. An anchor can: `cobuild audit
anchor` appends one line per council (its newest event's id and hash, HMAC-SHA256 with
COBUILD_AUDIT_KEY); `cobuild audit verify --anchors FILE` then requires every anchored event to
be in the chain with the anchored hash. Anchor from the scheduler's machine daily (cron) and keep
the file where the database's writers cannot change it.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
from datetime import datetime
from pathlib import Path

from sqlalchemy import func
from sqlmodel import Session, select

from cobuild.models import AuditEvent

MIN_KEY = 32


class AnchorError(Exception):
    pass


def anchor_key() -> bytes:
    key = os.environ.get("COBUILD_AUDIT_KEY", "")
    if len(key) < MIN_KEY:
        raise AnchorError(f"设置 COBUILD_AUDIT_KEY(至少 {MIN_KEY} 个字符,不要存放在数据库里)/ "
                          f"set COBUILD_AUDIT_KEY ({MIN_KEY}+ characters, kept outside the database)")
    return key.encode()


def _mac(key: bytes, council_id: int, event_id: int, event_hash: str, count: int) -> str:
    return hmac.new(key, f"{council_id}|{event_id}|{event_hash}|{count}".encode(), hashlib.sha256).hexdigest()


def write_anchors(session: Session, path: str | Path, now: datetime) -> list[dict]:
    """Append each council's signed chain head to `path`; returns what was written."""
    key = anchor_key()
    heads = session.exec(select(AuditEvent.council_id, func.max(AuditEvent.id), func.count())
                         .group_by(AuditEvent.council_id)).all()
    lines = []
    for council_id, event_id, count in heads:
        event_hash = session.get(AuditEvent, event_id).hash
        lines.append({"council_id": council_id, "event_id": event_id, "hash": event_hash, "count": count,
                      "at": now.isoformat(), "mac": _mac(key, council_id, event_id, event_hash, count)})
    with open(path, "a", encoding="utf-8") as out:
        for line in lines:
            out.write(json.dumps(line) + "\n")
    return lines


def check_anchors(session: Session, path: str | Path, council_id: int | None = None) -> dict | None:
    """None when every anchor in `path` holds; else what failed, as verify_audit reports it."""
    key = anchor_key()
    try:
        rows = [json.loads(line) for line in Path(path).read_text(encoding="utf-8").splitlines() if line.strip()]
    except (OSError, ValueError) as error:
        raise AnchorError(f"无法读取锚点文件 cannot read the anchor file {path}: {error}") from None
    for row in rows:
        if council_id is not None and row.get("council_id") != council_id:
            continue
        try:
            expected = _mac(key, int(row["council_id"]), int(row["event_id"]), str(row["hash"]), int(row["count"]))
        except (KeyError, TypeError, ValueError):
            expected = None
        if expected is None or not hmac.compare_digest(expected, str(row.get("mac", ""))):
            return {"broken_at": row.get("event_id"), "reason": "an anchor's signature does not match (the anchor "
                                                                 "file was changed, or another key is set)"}
        event = session.get(AuditEvent, int(row["event_id"]))
        if event is None or event.council_id != row["council_id"]:
            return {"broken_at": row["event_id"], "reason": f"the anchored event of {row['at']} is gone (the "
                                                            "newest events of the chain were removed)"}
        if event.hash != row["hash"]:
            return {"broken_at": row["event_id"], "reason": f"the anchored event of {row['at']} has another hash "
                                                            "now (the chain was re-hashed)"}
        before = session.exec(select(func.count()).where(AuditEvent.council_id == row["council_id"],
                                                         AuditEvent.id <= row["event_id"])).one()
        if before != row["count"]:
            return {"broken_at": row["event_id"], "reason": f"the chain up to the anchored event of {row['at']} "
                                                            f"holds {before} events, not {row['count']}"}
    return None
