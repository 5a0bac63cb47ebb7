"""Documents and files: the resolution and term report (HTML, PDF), the ledger, the calendar."""

from __future__ import annotations

import shutil
import subprocess
from datetime import date

import pytest
from sqlmodel import select

from cobuild.actions import items as it
from cobuild.actions.ledger import import_ledger
from cobuild.models import InvalidInput, Item
from cobuild.reports.calendar_feed import feed
from cobuild.reports.documents import resolution_html, term_report_html, to_pdf
from cobuild.reports.ledger import COLUMNS, write_ledger

from .conftest import at

needs_pdftotext = pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils not installed")


@pytest.fixture
def busy(world):
    world.open_window()
    items = [world.submit("community", title="老旧小区路灯维修"), world.submit("hospital", title="<script>alert(1)</script>"),
             world.submit("school", title="校门口交通疏导")]
    world.hold()
    world.accept(items[0], lead="power", deadline="2026-03-31")
    world.accept(items[1], lead="company", deadline="2026-03-01")
    world.accept(items[2], lead="community", deadline="2026-04-30", cooperating_unit_ids=[world.units["power"].id])
    world.publish()
    it.post_progress(world.session, items[0], by=world.liaisons["power"], now=at("2026-03-01"), percent=100)
    it.request_close_out(world.session, items[0], by=world.liaisons["power"], now=at("2026-03-02"), note="完成")
    it.verify_close_out(world.session, items[0], by=world.secretary, now=at("2026-03-03"), satisfaction=5)
    return world


def test_the_resolution_document_lists_every_item_and_escapes_titles(busy):
    page = resolution_html(busy.session, busy.council, "2026-Q1")
    assert "测试社区大党委" in page and "党建联席会议书面决议" in page and "2026-Q1-03" in page
    assert "<script>alert" not in page and "&lt;script&gt;" in page
    assert "Written resolution" in resolution_html(busy.session, busy.council, "2026-Q1", lang="en")


def test_the_term_report_is_a_draft_until_published_and_has_charts(busy):
    page = term_report_html(busy.session, busy.council, busy.term, date(2026, 3, 20))
    assert "草稿" in page and "<svg" in page and "积分排名" in page and "供电所" in page


@needs_pdftotext
def test_the_pdf_has_its_pages_and_chinese_text(busy, tmp_path):
    path = tmp_path / "resolution.pdf"
    to_pdf(resolution_html(busy.session, busy.council, "2026-Q1"), path)
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout
    assert "党建联席会议书面决议" in text and "2026-Q1-01" in text and "老旧小区路灯维修" in text
    import re

    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
    assert int(re.search(r"Pages:\s+(\d+)", info).group(1)) >= 1
    assert re.search(r"Page size:\s+841\.\d+ x 595", info)  # A4 landscape: nine columns need the width


def test_the_ledger_has_every_field_frozen_headers_filters_and_real_dates(busy, tmp_path):
    from openpyxl import load_workbook

    path = tmp_path / "ledger.xlsx"
    assert write_ledger(busy.session, busy.council, at("2026-03-20"), path) == 3
    book = load_workbook(path)
    items, summary = book["共建事项台账"], book["各单位汇总"]
    assert [c.value for c in items[1]] == [c[0] for c in COLUMNS]
    assert items.freeze_panes == "A2" and items.auto_filter.ref.startswith("A1")
    rows = {r[0]: r for r in items.iter_rows(min_row=2, values_only=True)}
    first = rows["2026-Q1-01"]
    assert first[1] == "老旧小区路灯维修" and first[5] == "供电所" and first[11] == "已销号"
    assert first[8].date() == date(2026, 3, 31) and items.cell(row=2, column=9).number_format == "yyyy-mm-dd"
    # numbered in rotation order of the raising unit: community 01, school 02, hospital 03
    assert rows["2026-Q1-03"][15] == 19  # 19 days overdue on 20 March
    assert rows["2026-Q1-02"][6] == "供电所"  # cooperating
    assert items.column_dimensions["B"].width == 30 and summary.freeze_panes == "A2"
    assert [r[0] for r in summary.iter_rows(min_row=2, values_only=True)][0] == "测试社区"


@pytest.mark.skipif(shutil.which("soffice") is None and shutil.which("libreoffice") is None,
                    reason="LibreOffice not installed")
def test_libreoffice_opens_the_ledger(busy, tmp_path):
    path = tmp_path / "ledger.xlsx"
    write_ledger(busy.session, busy.council, at("2026-03-20"), path)
    office = shutil.which("soffice") or shutil.which("libreoffice")
    subprocess.run([office, "--headless", f"-env:UserInstallation=file://{tmp_path}/lo", "--convert-to", "csv",
                    "--outdir", str(tmp_path), str(path)], capture_output=True, timeout=180, check=True)
    csv = (tmp_path / "ledger.csv").read_text(encoding="utf-8", errors="replace")
    assert "2026-Q1-01" in csv and "2026-03-31" in csv


def _rewrite(path, rows):
    from openpyxl import Workbook

    book = Workbook()
    book.active.append([c[0] for c in COLUMNS])
    for row in rows:
        book.active.append(row)
    book.save(path)


def test_importing_a_ledger_takes_all_rows(busy, tmp_path):
    path = tmp_path / "old.xlsx"
    row = ["2025-Q4-01", "楼道照明改造", "基础设施建设", "人民医院", "年底前完成", "供电所", "华信公司", "张三", "2025-12-31"]
    closed = ["2025-Q4-02", "垃圾站点迁移", "环境卫生", "测试社区", "迁移到位", "华信公司", "", "", "2025-12-20"]
    _rewrite(path, [row + [None, 0, "推进中"], closed + [None, 0, "已销号", 100, "2025-12-18"]])
    c2 = busy.conference(2)
    assert import_ledger(busy.session, busy.council, c2, path, by=busy.secretary, now=at("2026-03-21")) == 2
    imported = busy.session.exec(select(Item).where(Item.number == "2025-Q4-02")).one()
    assert (imported.status, imported.closed_on_time, imported.closed_on) == ("closed", True, date(2025, 12, 18))


def test_a_ledger_with_bad_rows_imports_nothing_and_names_each_row(busy, tmp_path, count_rows):
    path = tmp_path / "bad.xlsx"
    good = ["2025-Q4-01", "楼道照明改造", "基础设施建设", "人民医院", "", "供电所", "", "", "2025-12-31", None, 0, "推进中"]
    _rewrite(path, [good,
                    ["2026-Q1-01", "编号重复", "其他", "人民医院", "", "供电所", "", "", "2025-12-31", None, 0, "推进中"],
                    ["2025-Q4-03", "未知单位", "其他", "火星单位", "", "供电所", "", "", "2025-12-31", None, 0, "推进中"],
                    ["2025-Q4-04", "坏日期", "其他", "人民医院", "", "供电所", "", "", "明年", None, 0, "推进中"],
                    ["2025-Q4-05", "已销号没日期", "其他", "人民医院", "", "供电所", "", "", "2025-12-31", None, 0, "已销号"]])
    before = count_rows()
    with pytest.raises(InvalidInput) as caught:
        import_ledger(busy.session, busy.council, busy.conference(2), path, by=busy.secretary, now=at("2026-03-21"))
    message = caught.value.message("zh")
    for row in ("第3行", "第4行", "第5行", "第6行"):
        assert row in message
    assert "第2行" not in message and count_rows() == before


def test_a_sheet_with_the_wrong_columns_is_refused(busy, tmp_path):
    from openpyxl import Workbook

    book = Workbook()
    book.active.append(["名称", "日期"])
    book.save(tmp_path / "wrong.xlsx")
    with pytest.raises(InvalidInput) as caught:
        import_ledger(busy.session, busy.council, busy.conference(2), tmp_path / "wrong.xlsx", by=busy.secretary,
                      now=at("2026-03-21"))
    assert "lacks the columns" in caught.value.message("en")


def test_the_calendar_parses_and_moves_an_event_when_its_deadline_moves(busy):
    from icalendar import Calendar

    events = {str(e["uid"]): e for e in Calendar.from_ical(feed(busy.session, busy.council, at("2026-03-20"))).walk("VEVENT")}
    item = busy.session.exec(select(Item).where(Item.number == "2026-Q1-02")).one()
    uid = f"item-{item.id}-deadline@council-{busy.council.id}.cobuild"
    assert events[uid].decoded("dtstart") == date(2026, 4, 30) and int(events[uid]["sequence"]) == 0
    assert any("党建联席会议" in str(e["summary"]) for e in events.values())
    assert not any("2026-Q1-01" in str(e["summary"]) for e in events.values())  # closed items leave the calendar
    it.extend_deadline(busy.session, item, date(2026, 5, 20), by=busy.chair, now=at("2026-03-20"), reason="材料未到")
    moved = {str(e["uid"]): e for e in Calendar.from_ical(feed(busy.session, busy.council, at("2026-03-21"))).walk("VEVENT")}
    assert moved[uid].decoded("dtstart") == date(2026, 5, 20) and int(moved[uid]["sequence"]) == 1


def test_a_units_calendar_has_only_what_concerns_it(busy):
    from icalendar import Calendar

    school = Calendar.from_ical(feed(busy.session, busy.council, at("2026-03-20"), busy.units["school"])).walk("VEVENT")
    deadlines = [str(e["summary"]) for e in school if "到期" in str(e["summary"])]
    assert deadlines == ["【到期】2026-Q1-02 校门口交通疏导"]


def test_a_100k_row_ledger_is_refused_with_a_clear_message_in_bounded_memory(busy, tmp_path, count_rows):
    import resource

    from openpyxl import Workbook

    path = tmp_path / "huge.xlsx"
    book = Workbook(write_only=True)
    sheet = book.create_sheet()
    sheet.append([c[0] for c in COLUMNS])
    for n in range(100_000):
        sheet.append([f"2025-Q4-{n:06d}", "楼道照明改造", "基础设施建设", "人民医院", "", "供电所", "", "", "2025-12-31",
                      None, 0, "推进中"])
    book.save(path)
    before, peak = count_rows(), resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    with pytest.raises(InvalidInput) as caught:
        import_ledger(busy.session, busy.council, busy.conference(2), path, by=busy.secretary, now=at("2026-03-21"))
    assert "split the file" in caught.value.message("en") and count_rows() == before
    # streamed (read-only workbook), stopped at the row limit: the process grew by well under 200 MB
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - peak < 200 * 1024


def test_a_zip_bomb_or_a_file_that_is_not_a_workbook_is_refused_before_unpacking(busy, tmp_path, count_rows):
    import zipfile

    bomb = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(bomb, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as member:
            chunk = b"\0" * (1024 * 1024)
            for _ in range(300):
                member.write(chunk)
    assert bomb.stat().st_size < 2 * 1024 * 1024
    not_excel = tmp_path / "notes.xlsx"
    not_excel.write_text("just text", encoding="utf-8")
    before = count_rows()
    for path, expected in ((bomb, "suspiciously compressed"), (not_excel, "not an Excel")):
        with pytest.raises(InvalidInput) as caught:
            import_ledger(busy.session, busy.council, busy.conference(2), path, by=busy.secretary, now=at("2026-03-21"))
        assert expected in caught.value.message("en")
    assert count_rows() == before


def test_calendar_events_link_to_their_pages_when_the_public_address_is_set(busy, monkeypatch):
    from icalendar import Calendar

    monkeypatch.setenv("COBUILD_PUBLIC_URL", "https://cobuild.example.org")
    events = Calendar.from_ical(feed(busy.session, busy.council, at("2026-03-20"))).walk("VEVENT")
    deadlines = [e for e in events if "-deadline@" in str(e["uid"])]
    assert deadlines and all(str(e["url"]).startswith(f"https://cobuild.example.org/c/{busy.council.id}/items/")
                             for e in deadlines)
    monkeypatch.delenv("COBUILD_PUBLIC_URL")
    assert all("url" not in e for e in Calendar.from_ical(feed(busy.session, busy.council, at("2026-03-20"))).walk("VEVENT"))
