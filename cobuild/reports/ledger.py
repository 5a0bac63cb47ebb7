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

# (Chinese header, English header, width, key) — the import reads these headers back, and the
# other names offices give the same columns (HEADER_ALIASES)
COLUMNS = [
    ("编号", "No.", 13, "number"), ("共建事项", "Item", 30, "title"), ("类别", "Category", 12, "category"),
    ("提出单位", "Raised by", 18, "raised_by"), ("目标任务", "Goal", 34, "goal"), ("牵头单位", "Lead unit", 18, "lead_unit"),
    ("配合单位", "Cooperating", 24, "cooperating"), ("责任人", "Responsible", 12, "responsible_person"),
    ("完成时限", "Deadline", 12, "deadline"), ("原定时限", "Original deadline", 12, "original_deadline"),
    ("延期次数", "Extensions", 9, "extensions"), ("状态", "Status", 12, "status"), ("进度%", "Progress %", 9, "percent"),
    ("办结日期", "Closed on", 12, "closed_on"), ("按期", "On time", 8, "on_time"), ("逾期天数", "Days overdue", 9, "days_overdue"),
    ("满意度", "Satisfaction", 9, "satisfaction"), ("退回次数", "Sent back", 9, "send_backs"),
]
REQUIRED = 9  # the first nine columns: an imported row needs them
HEADER_ALIASES = {  # what other ledgers call the same columns (read on import, never written)
    "number": ("序号", "事项编号", "清单编号"), "title": ("事项", "事项名称", "共建事项名称", "项目名称"),
    "category": ("事项类别", "类型"), "raised_by": ("提出方", "需求单位"), "goal": ("目标", "工作目标"),
    "lead_unit": ("牵头部门", "责任单位"), "cooperating": ("配合部门", "协办单位"), "responsible_person": ("负责人", "联系人"),
    "deadline": ("办结时限", "完成期限", "截止日期", "时限"), "status": ("办理状态", "进展状态"),
    "closed_on": ("销号日期", "完成日期"),
}
DATE_KEYS = {"deadline", "original_deadline", "closed_on"}
NOT_SET = "(未明确)"  # an item without a responsible person
SUMMARY = [("单位", "Unit", 24, "label"), ("提交", "Submitted", 10, "submitted"), ("确认", "Confirmed", 10, "confirmed"),
           ("配合", "Cooperating", 10, "claimed_cooperating"), ("办结", "Closed", 10, "closed"), ("按期", "On time", 10, "on_time"),
           ("逾期", "Overdue", 10, "overdue"), ("未到期", "Not yet due", 10, "not_due"), ("办结率", "Completion", 12, "completion_rate"),
           ("按期办结率", "On-time rate", 14, "on_time_rate"), ("平均办结天数", "Avg days", 12, "avg_days_to_close")]
HEADERS_BY_TEXT = {name.lower(): key for zh, en, _, key in COLUMNS for name in (zh, en, f"{zh} {en}")} | {
    alias.lower(): key for key, aliases in HEADER_ALIASES.items() for alias in aliases}
STATUS_BY_NAME = {**{s.value: s for s in ItemStatus}, **{state_name(s.value): s for s in ItemStatus}}


# the service orders' sheet (SPEC.md §9)
ORDER_COLUMNS = [
    ("序号", "No.", 7, "id"), ("服务需求", "Need", 26, "title"), ("下单方", "Ordered by", 14, "placed_by_unit"),
    ("服务单位", "Serving unit", 18, "unit"), ("状态", "Status", 12, "status"), ("下单日期", "Placed on", 12, "placed_on"),
    ("服务日期", "Served on", 12, "served_on"), ("时长(小时)", "Hours", 9, "hours"), ("服务人次", "Residents served", 9, "residents_served"),
    ("参与服务人员", "Served by", 16, "served_by"), ("评价", "Rating", 7, "rating"), ("意见", "Comment", 20, "comment"),
    ("单位回复", "Answer", 20, "answer"),
]


def order_ledger_rows(session: Session, council: Council) -> list[dict]:
    from cobuild.models.base import local_date
    from cobuild.reports.services import orders

    return [{**o, "placed_on": local_date(o["placed_at"], council.timezone), "status": o["status_name"],
             "served_by": "、".join(o["served_by"]), "unit": o["unit"] or ""}
            for o in reversed(orders(session, council, limit=100_000)["orders"])]


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
            "responsible_person": item.responsible_person or NOT_SET, "deadline": item.deadline,
            "original_deadline": item.original_deadline, "extensions": item.extensions,
            "status": state_name(item.status), "percent": item.latest_percent, "closed_on": item.closed_on,
            "on_time": {True: "是", False: "否"}.get(item.closed_on_time, ""),
            # overdue now, or how late a late close-out came
            "days_overdue": (days_overdue(item.status, item.deadline, today)
                             or ((item.closed_on - item.deadline).days if item.closed_on and item.deadline
                                 and item.closed_on > item.deadline else None)),
            "satisfaction": item.satisfaction, "send_backs": item.send_backs,
        })
    return rows


# what a spreadsheet reads as the start of a formula (OWASP, "CSV Injection")
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _lines(text: str, width: float) -> int:
    """How many lines `text` wraps to in a column `width` characters wide (a Chinese character takes
    two), so that printed rows grow to show long titles and goals instead of cutting them."""
    if not text:
        return 1
    lines = 0
    for part in text.split("\n"):
        shown = sum(2 if ord(ch) > 0x2E7F else 1 for ch in part)
        lines += max(1, -(-shown // max(1, int(width - 1))))
    return lines


def _as_text(cells) -> None:
    """Text that looks like a formula (an item titled `=HYPERLINK(…)`) stays text: stored as a
    string with Excel's quote prefix, never evaluated, shown as typed."""
    for cell in cells:
        if isinstance(cell.value, str) and cell.value.startswith(FORMULA_START):
            cell.data_type = "s"
            cell.quotePrefix = True


def write_ledger(session: Session, council: Council, now: datetime, path, progress: Callable[[int, int], None] | None = None,
                 lang: str = "zh"):
    """The 台账 as an office files and prints it: a title row (council, as of, exported), headers in
    the reader's language, landscape A4 one page wide with the header row and the number column on
    every page, dates as dates, filters and frozen headers."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
    from openpyxl.utils import get_column_letter

    from cobuild.models.base import local_text

    en = lang.lower().startswith("en")
    today = today_for(council, now)
    rows = ledger_rows(session, council, today)
    book = Workbook()
    sheet = book.active
    sheet.title = "Items" if en else "共建事项台账"
    header_font, header_fill = Font(bold=True), PatternFill("solid", fgColor="F3E5E5")
    thin = Side(style="thin", color="999999")
    grid = Border(left=thin, right=thin, top=thin, bottom=thin)

    def titled(ws, columns, title: str, count_line: str) -> None:
        last = get_column_letter(len(columns))
        ws.append([title])
        ws.merge_cells(f"A1:{last}1")
        ws["A1"].font, ws["A1"].alignment = Font(bold=True, size=16), Alignment(horizontal="center")
        ws.row_dimensions[1].height = 28
        ws.append([count_line])
        ws.merge_cells(f"A2:{last}2")
        ws["A2"].alignment = Alignment(horizontal="right")
        ws.append([c[1] if en else c[0] for c in columns])
        for index, (_, _, width, _key) in enumerate(columns, start=1):
            cell = ws.cell(row=3, column=index)
            cell.font, cell.fill, cell.border = header_font, header_fill, grid
            cell.alignment = Alignment(wrap_text=True, vertical="center", horizontal="center")
            ws.column_dimensions[cell.column_letter].width = width
        ws.freeze_panes = "B4"
        # print: landscape A4, one page wide, the header row and the first column on every page
        ws.page_setup.orientation, ws.page_setup.paperSize = "landscape", ws.PAPERSIZE_A4
        ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
        ws.sheet_properties.pageSetUpPr.fitToPage = True
        ws.print_title_rows, ws.print_title_cols = "3:3", "A:A"
        ws.print_options.horizontalCentered = True
        ws.page_margins.left = ws.page_margins.right = 0.4
        ws.oddFooter.center.text = "第 &P 页,共 &N 页" if not en else "Page &P of &N"

    exported = local_text(council, now)
    titled(sheet, COLUMNS, f"{council.name} Item ledger" if en else f"{council.name}共建事项台账",
           f"As of {today} · exported {exported} · {len(rows)} items" if en
           else f"统计截至 {today} · 导出时间 {exported} · 共 {len(rows)} 项")
    wrap = Alignment(wrap_text=True, vertical="top")
    for n, row in enumerate(rows, start=1):
        sheet.append([row[key] for _, _, _, key in COLUMNS])
        _as_text(sheet[sheet.max_row])
        for cell in sheet[sheet.max_row]:
            cell.border, cell.alignment = grid, wrap
        # an explicit height: spreadsheet programs do not grow a row to its wrapped text on opening
        tallest = max(_lines(str(v), w) for (_, _, w, _), v in zip(COLUMNS, (row[key] for _, _, _, key in COLUMNS))
                      if isinstance(v, str))
        sheet.row_dimensions[sheet.max_row].height = 15 * tallest + 3
        if progress:
            progress(n, len(rows))
    for index, (_, _, _, key) in enumerate(COLUMNS, start=1):
        if key in DATE_KEYS:
            for cell in sheet.iter_cols(min_col=index, max_col=index, min_row=4):
                for c in cell:
                    c.number_format = "yyyy-mm-dd"
    last = f"{get_column_letter(len(COLUMNS))}{max(sheet.max_row, 3)}"
    sheet.auto_filter.ref = f"A3:{last}"
    sheet.print_area = f"A1:{last}"
    summary = book.create_sheet("By unit" if en else "各单位汇总")
    stats = item_stats(session, council, today, "unit")
    titled(summary, SUMMARY, f"{council.name} By unit" if en else f"{council.name}各单位汇总",
           f"As of {today} · completion = closed ÷ due" if en else f"统计截至 {today} · 办结率 = 已办结 ÷ 应办结(不含未到期)")
    for row in stats:
        summary.append([row[key] for _, _, _, key in SUMMARY])
        _as_text(summary[summary.max_row])
        for cell in summary[summary.max_row]:
            cell.border = grid
    for column in ("I", "J"):
        for cell in summary[column][3:]:
            cell.number_format = "0.0%"
    summary.auto_filter.ref = f"A3:{get_column_letter(len(SUMMARY))}{max(summary.max_row, 3)}"
    orders = order_ledger_rows(session, council)
    if orders:
        sheet3 = book.create_sheet("Service orders" if en else "服务订单")
        titled(sheet3, ORDER_COLUMNS, f"{council.name} Service orders" if en else f"{council.name}服务订单台账",
               f"As of {today} · {len(orders)} orders" if en else f"统计截至 {today} · 共 {len(orders)} 单")
        for row in orders:
            sheet3.append([row[key] for _, _, _, key in ORDER_COLUMNS])
            _as_text(sheet3[sheet3.max_row])
            for cell in sheet3[sheet3.max_row]:
                cell.border, cell.alignment = grid, wrap
        for index, (_, _, _, key) in enumerate(ORDER_COLUMNS, start=1):
            if key in ("placed_on", "served_on"):
                for column in sheet3.iter_cols(min_col=index, max_col=index, min_row=4):
                    for c in column:
                        c.number_format = "yyyy-mm-dd"
        sheet3.auto_filter.ref = f"A3:{get_column_letter(len(ORDER_COLUMNS))}{max(sheet3.max_row, 3)}"
    book.properties.title = f"{council.name} 共建事项台账"
    book.save(path)
    return len(rows)
