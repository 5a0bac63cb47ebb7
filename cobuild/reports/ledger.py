"""The Excel ledger (台账): every item with its assignment and status, a per-unit summary —
the layout `cobuild.actions.ledger` reads back, for councils moving off spreadsheets."""

from __future__ import annotations

from datetime import date, datetime
from typing import Callable

from sqlmodel import Session, select

from cobuild.models import (
    Claim,
    ClaimRole,
    ClaimStatus,
    Council,
    Item,
    ItemStatus,
    Unit,
    days_overdue,
)
from cobuild.models.base import today_for
from cobuild.models.messages import state_name
from cobuild.reports.tracking import item_stats

# (header, width, key) — the import reads the same headers
COLUMNS = [
    ("编号 No.", 13, "number"), ("共建事项 Item", 30, "title"), ("类别 Category", 12, "category"),
    ("提出单位 Raised by", 18, "raised_by"), ("目标任务 Goal", 34, "goal"), ("牵头单位 Lead unit", 18, "lead_unit"),
    ("配合单位 Cooperating", 24, "cooperating"), ("责任人 Responsible", 12, "responsible_person"),
    ("完成时限 Deadline", 12, "deadline"), ("原定时限 Original deadline", 12, "original_deadline"),
    ("延期次数 Extensions", 9, "extensions"), ("状态 Status", 12, "status"), ("进度% Progress", 9, "percent"),
    ("办结日期 Closed on", 12, "closed_on"), ("按期 On time", 8, "on_time"), ("逾期天数 Days overdue", 9, "days_overdue"),
    ("满意度 Satisfaction", 9, "satisfaction"), ("退回次数 Sent back", 9, "send_backs"),
]
DATE_KEYS = {"deadline", "original_deadline", "closed_on"}
SUMMARY = [("单位 Unit", 24, "label"), ("提交 Submitted", 10, "submitted"), ("确认 Confirmed", 10, "confirmed"),
           ("配合 Cooperating", 10, "claimed_cooperating"), ("办结 Closed", 10, "closed"), ("按期 On time", 10, "on_time"),
           ("逾期 Overdue", 10, "overdue"), ("办结率 Completion", 12, "completion_rate"),
           ("按期办结率 On-time rate", 14, "on_time_rate"), ("平均办结天数 Avg days", 12, "avg_days_to_close")]
STATUS_BY_NAME = {**{s.value: s for s in ItemStatus}, **{state_name(s.value): s for s in ItemStatus}}


def ledger_rows(session: Session, council: Council, today: date) -> list[dict]:
    units = {u.id: u.name for u in session.exec(select(Unit).where(Unit.council_id == council.id)).all()}
    cooperating: dict[int, list[str]] = {}
    for item_id, unit_id in session.exec(select(Claim.item_id, Claim.unit_id).join(Item, Item.id == Claim.item_id).where(
            Item.council_id == council.id, Claim.role == ClaimRole.cooperating, Claim.status == ClaimStatus.confirmed)
            .order_by(Claim.id)).all():
        cooperating.setdefault(item_id, []).append(units[unit_id])
    rows = []
    for item in session.exec(select(Item).where(Item.council_id == council.id, Item.number.is_not(None))
                             .order_by(Item.number)).all():
        rows.append({
            "number": item.number, "title": item.title, "category": item.category,
            "raised_by": units[item.raised_by_unit_id], "goal": item.goal or "",
            "lead_unit": units.get(item.lead_unit_id, ""), "cooperating": "、".join(cooperating.get(item.id, [])),
            "responsible_person": item.responsible_person or "", "deadline": item.deadline,
            "original_deadline": item.original_deadline, "extensions": item.extensions,
            "status": state_name(item.status), "percent": item.latest_percent, "closed_on": item.closed_on,
            "on_time": {True: "是", False: "否"}.get(item.closed_on_time, ""),
            "days_overdue": days_overdue(item.status, item.deadline, today) or None,
            "satisfaction": item.satisfaction, "send_backs": item.send_backs,
        })
    return rows


# what a spreadsheet reads as the start of a formula (OWASP, "CSV Injection")
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _as_text(cells) -> None:
    """Text that looks like a formula (an item titled `=HYPERLINK(…)`) stays text: stored as a
    string with Excel's quote prefix, never evaluated, shown as typed."""
    for cell in cells:
        if isinstance(cell.value, str) and cell.value.startswith(FORMULA_START):
            cell.data_type = "s"
            cell.quotePrefix = True


def write_ledger(session: Session, council: Council, now: datetime, path, progress: Callable[[int, int], None] | None = None):
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill

    today = today_for(council, now)
    rows = ledger_rows(session, council, today)
    book = Workbook()
    sheet = book.active
    sheet.title = "共建事项台账"
    header_font, header_fill = Font(bold=True), PatternFill("solid", fgColor="F3E5E5")

    def header(ws, columns):
        ws.append([c[0] for c in columns])
        for index, (_, width, _key) in enumerate(columns, start=1):
            cell = ws.cell(row=1, column=index)
            cell.font, cell.fill = header_font, header_fill
            cell.alignment = Alignment(wrap_text=True, vertical="center")
            ws.column_dimensions[cell.column_letter].width = width
        ws.freeze_panes = "A2"

    header(sheet, COLUMNS)
    for n, row in enumerate(rows, start=1):
        sheet.append([row[key] for _, _, key in COLUMNS])
        _as_text(sheet[sheet.max_row])
        if progress:
            progress(n, len(rows))
    for index, (_, _, key) in enumerate(COLUMNS, start=1):
        if key in DATE_KEYS:
            for cell in sheet.iter_cols(min_col=index, max_col=index, min_row=2):
                for c in cell:
                    c.number_format = "yyyy-mm-dd"
    sheet.auto_filter.ref = sheet.dimensions
    summary = book.create_sheet("各单位汇总")
    header(summary, SUMMARY)
    for row in item_stats(session, council, today, "unit"):
        summary.append([row[key] for _, _, key in SUMMARY])
        _as_text(summary[summary.max_row])
    for column in ("H", "I"):
        for cell in summary[column][1:]:
            cell.number_format = "0.0%"
    summary.auto_filter.ref = summary.dimensions
    book.properties.title = f"{council.name} 共建事项台账"
    book.save(path)
    return len(rows)
