"""Importing a council's ledger (台账) from Excel: all rows or none, each refusal naming its row."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlmodel import Session, select

from cobuild.actions.common import record, require_secretary, use_case
from cobuild.models import (
    AskKind,
    Claim,
    ClaimRole,
    ClaimStatus,
    Conference,
    Council,
    InvalidInput,
    Item,
    ItemStatus,
    Member,
    Unit,
)
from cobuild.models.messages import state_name

# (header, width, key) — the import reads the same headers
from cobuild.reports.ledger import COLUMNS, HEADERS_BY_TEXT, NOT_SET, REQUIRED, STATUS_BY_NAME

HEADER_SEARCH_ROWS = 10



@dataclass
class RowError:
    row: int
    column: str
    message: str

    def __str__(self) -> str:
        return f"第{self.row}行 row {self.row}, {self.column}: {self.message}"


IMPORTABLE = {ItemStatus.accepted, ItemStatus.claimed, ItemStatus.in_progress, ItemStatus.closed}
MAX_ROWS = 20000


MAX_UNPACKED = 200 * 1024 * 1024  # an .xlsx is a zip: refuse one that would unpack to more than this


def check_workbook(path) -> None:
    """Refuse what is not an .xlsx, and a zip bomb, before openpyxl unpacks anything."""
    import zipfile

    if not zipfile.is_zipfile(path):
        raise InvalidInput("not_xlsx")
    with zipfile.ZipFile(path) as archive:
        unpacked = sum(info.file_size for info in archive.infolist())
        packed = sum(info.compress_size for info in archive.infolist()) or 1
    if unpacked > MAX_UNPACKED or unpacked / packed > 1000:
        raise InvalidInput("xlsx_too_big", limit=MAX_UNPACKED // 1024 // 1024)


def read_ledger(path) -> list[dict]:
    from openpyxl import load_workbook

    check_workbook(path)
    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except Exception:  # noqa: BLE001 — a damaged workbook is bad input, not a crash
        raise InvalidInput("xlsx_unreadable") from None
    sheet = book.worksheets[0]
    rows = sheet.iter_rows(values_only=True)
    # the header row is the first of the top rows that names the columns (our export has a title
    # and a count line above it; another office's ledger may have none, or its own title)
    header_row, keys = 0, {}
    for n, values in enumerate(rows, start=1):
        found = {i: HEADERS_BY_TEXT[str(v).strip().lower()] for i, v in enumerate(values or ())
                 if v is not None and str(v).strip().lower() in HEADERS_BY_TEXT}
        if len(found) >= 3 or n >= HEADER_SEARCH_ROWS:
            header_row, keys = n, found
            break
    missing = [zh for zh, _, _, key in COLUMNS[:REQUIRED] if key not in keys.values()]
    if missing:
        raise InvalidInput("xlsx_columns", names=missing)
    parsed = []
    for n, values in enumerate(rows, start=header_row + 1):
        if n - header_row > MAX_ROWS:
            raise InvalidInput("xlsx_rows", limit=MAX_ROWS)
        if values is None or all(v in (None, "") for v in values):
            continue
        parsed.append({"_row": n, **{keys[i]: v for i, v in enumerate(values) if i in keys}})
    book.close()
    return parsed


@use_case
def import_ledger(session: Session, council: Council, conference: Conference, path, *, by: Member | None,
                  now: datetime) -> int:
    """Validate every row first; import all of them, or none and say which rows are wrong."""
    require_secretary(council, by)
    rows = read_ledger(path)
    units = {u.name: u for u in session.exec(select(Unit).where(Unit.council_id == council.id)).all()}
    taken = set(session.exec(select(Item.number).where(Item.council_id == council.id, Item.number.is_not(None))).all())
    errors: list[RowError] = []
    seen: set[str] = set()
    cleaned = []

    def as_date(row, key, label, required):
        value = row.get(key)
        if value in (None, ""):
            if required:
                errors.append(RowError(row["_row"], label, "必填 required"))
            return None
        if isinstance(value, datetime):
            return value.date()
        if isinstance(value, date):
            return value
        try:
            return date.fromisoformat(str(value).strip())
        except ValueError:
            errors.append(RowError(row["_row"], label, f"不是日期 not a date: {value!r}"))
            return None

    def unit_of(row, key, label, required):
        name = str(row.get(key) or "").strip()
        if not name:
            if required:
                errors.append(RowError(row["_row"], label, "必填 required"))
            return None
        if name not in units:
            errors.append(RowError(row["_row"], label, f"没有这个单位 unknown unit: {name}"))
            return None
        return units[name]

    for row in rows:
        before = len(errors)
        number = str(row.get("number") or "").strip()
        title = str(row.get("title") or "").strip()
        category = str(row.get("category") or "").strip()
        if not number:
            errors.append(RowError(row["_row"], "编号", "必填 required"))
        elif number in taken or number in seen:
            errors.append(RowError(row["_row"], "编号", f"编号重复 duplicate number: {number}"))
        seen.add(number)
        if len(title) < 2 or len(title) > 120:
            errors.append(RowError(row["_row"], "共建事项", "2-120 个字 2 to 120 characters"))
        if category not in council.categories:
            errors.append(RowError(row["_row"], "类别", f"未知类别 unknown category: {category}"))
        raised = unit_of(row, "raised_by", "提出单位", True)
        lead = unit_of(row, "lead_unit", "牵头单位", False)
        cooperating = [unit_of({"_row": row["_row"], "u": n}, "u", "配合单位", True)
                       for n in str(row.get("cooperating") or "").replace(",", "、").split("、") if n.strip()]
        deadline = as_date(row, "deadline", "完成时限", True)
        status = STATUS_BY_NAME.get(str(row.get("status") or "").strip())
        if status not in IMPORTABLE:
            errors.append(RowError(row["_row"], "状态", f"只能导入 importable: {'、'.join(state_name(s) for s in IMPORTABLE)}"))
        if status in (ItemStatus.claimed, ItemStatus.in_progress, ItemStatus.closed) and lead is None:
            errors.append(RowError(row["_row"], "牵头单位", "此状态需要牵头单位 this status needs a lead unit"))
        closed_on = as_date(row, "closed_on", "办结日期", status == ItemStatus.closed)
        if len(errors) == before:
            cleaned.append((number, title, category, raised, lead, [c for c in cooperating if c], deadline, status,
                            closed_on, row))
    if errors:
        shown = "; ".join(str(e) for e in errors[:20])
        more = f" (+{len(errors) - 20})" if len(errors) > 20 else ""
        raise InvalidInput("xlsx_errors", count=len(errors), detail=f"{shown}{more}")
    for number, title, category, raised, lead, cooperating, deadline, status, closed_on, row in cleaned:
        item = Item(council_id=council.id, raised_conference_id=conference.id, conference_id=conference.id,
                    resolution_conference_id=conference.id, number=number, raised_by_unit_id=raised.id,
                    asks=AskKind.any, category=category, title=title, goal=str(row.get("goal") or "").strip() or title,
                    lead_unit_id=lead.id if lead else None,
                    responsible_person=str(row.get("responsible_person") or "").strip().replace(NOT_SET, "") or None,
                    deadline=deadline, original_deadline=deadline, status=status, submitted_at=now, accepted_at=now,
                    published_at=now, updated_at=now, latest_percent=100 if status == ItemStatus.closed else 0,
                    closed_on=closed_on, closed_on_time=(closed_on <= deadline) if closed_on else None)
        session.add(item)
        session.flush()
        for unit in ([lead] if lead else []):
            session.add(Claim(item_id=item.id, unit_id=unit.id, role=ClaimRole.lead, status=ClaimStatus.confirmed,
                              claimed_at=now, decided_at=now, decided_by=by.id))
        for unit in cooperating:
            session.add(Claim(item_id=item.id, unit_id=unit.id, role=ClaimRole.cooperating, status=ClaimStatus.confirmed,
                              claimed_at=now, decided_at=now, decided_by=by.id))
        record(session, council_id=council.id, by=by, action="item.import", subject=item, now=now,
               after={"number": number, "status": status, "row": row["_row"]})
    return len(cleaned)
