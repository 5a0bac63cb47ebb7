"""Evidence files: kept on disk under <upload_dir>/<council id>/, size- and type-limited.

A file is accepted only when its name ends in an allowed extension *and* its first bytes match
that type (a renamed executable is refused). It is stored under a random name; the reference
kept in the database is `<random hex>-<cleaned original name>`, served back only to members of
the same council.
"""

from __future__ import annotations

import os
import re
import secrets
from datetime import datetime, timedelta
from pathlib import Path

from cobuild.models import InvalidInput, NotFound

MAX_BYTES = 10 * 1024 * 1024
# a file uploaded for a report that was never sent is removed after this (`prune_unused`)
PRUNE_AFTER = timedelta(days=7)
MAX_MB = MAX_BYTES // (1024 * 1024)
# extension -> accepted leading bytes (None: plain text, checked by decoding)
TYPES: dict[str, tuple[bytes, ...] | None] = {
    ".jpg": (b"\xff\xd8\xff",), ".jpeg": (b"\xff\xd8\xff",), ".png": (b"\x89PNG\r\n\x1a\n",),
    ".pdf": (b"%PDF-",), ".docx": (b"PK\x03\x04",), ".xlsx": (b"PK\x03\x04",), ".txt": None,
}
# an Office file is a ZIP with these parts; any other ZIP renamed .docx / .xlsx is refused
OOXML_PARTS = {".docx": "word/document.xml", ".xlsx": "xl/workbook.xml"}
_REF = re.compile(r"^[0-9a-f]{16}-[\w.\-]{1,120}$")


def quota_bytes() -> int:
    from cobuild.platform.settings import get_settings

    return get_settings().upload_quota_mb * 1024 * 1024


def _is_ooxml(data: bytes, ext: str) -> bool:
    import io
    import zipfile

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, ValueError, OSError):
        return False
    return "[Content_Types].xml" in names and OOXML_PARTS[ext] in names


def root() -> Path:
    from cobuild.platform.settings import get_settings

    return Path(get_settings().upload_dir)


def _clean(name: str) -> str:
    base = Path(name.replace("\\", "/")).name
    cleaned = re.sub(r"[^\w.\-]", "_", base)[-100:].lstrip(".") or "file"
    return cleaned


def save(council_id: int, filename: str, data: bytes) -> str:
    name = _clean(filename or "file")
    ext = Path(name).suffix.lower()
    allowed = "、".join(sorted(TYPES))
    if ext not in TYPES:
        raise InvalidInput("upload_type", name=name, allowed=allowed)
    if len(data) > MAX_BYTES:
        raise InvalidInput("upload_too_large", name=name, limit=MAX_MB)
    magic = TYPES[ext]
    if magic is None:
        try:
            data.decode("utf-8")
        except UnicodeDecodeError:
            raise InvalidInput("upload_type", name=name, allowed=allowed) from None
    elif not any(data.startswith(m) for m in magic) or (ext in OOXML_PARTS and not _is_ooxml(data, ext)):
        raise InvalidInput("upload_type", name=name, allowed=allowed)
    ref = f"{secrets.token_hex(8)}-{name}"
    folder = root() / str(council_id)
    folder.mkdir(parents=True, exist_ok=True)
    used, quota = sum(entry.stat().st_size for entry in os.scandir(folder) if entry.is_file()), quota_bytes()
    if used + len(data) > quota:
        raise InvalidInput("upload_quota", limit=quota // (1024 * 1024))
    (folder / ref).write_bytes(data)
    return ref


def check_reference(council_id: int, ref: str) -> str:
    if not isinstance(ref, str) or not _REF.match(ref) or not (root() / str(council_id) / ref).is_file():
        raise InvalidInput("unknown_file", key=ref)
    return ref


def path_of(council_id: int, ref: str) -> Path:
    if not _REF.match(ref or ""):
        raise NotFound("not_found", subject="file", key=ref)
    path = root() / str(council_id) / ref
    if not path.is_file():
        raise NotFound("not_found", subject="file", key=ref)
    return path


def prune_unused(session, now: datetime, grace: timedelta = PRUNE_AFTER) -> int:
    """Remove evidence files that no progress report or close-out names and that are older than
    `grace` (uploaded, then the report never sent); returns how many were removed."""
    from sqlmodel import select

    from cobuild.models import CloseOut, Item, ProgressReport

    base = root()
    if not base.is_dir():
        return 0
    removed = 0
    cutoff = (now - grace).timestamp()
    for folder in base.iterdir():
        if not (folder.is_dir() and folder.name.isdigit()):
            continue
        council_id = int(folder.name)
        named: set[str] = set()
        for table in (ProgressReport, CloseOut):
            for evidence in session.exec(select(table.evidence).join(Item, Item.id == table.item_id)
                                         .where(Item.council_id == council_id)).all():
                named.update(evidence or [])
        for entry in os.scandir(folder):
            if entry.is_file() and _REF.match(entry.name) and entry.name not in named \
                    and entry.stat().st_mtime < cutoff:
                os.unlink(entry.path)
                removed += 1
    return removed
