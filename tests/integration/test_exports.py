"""Documents and files: the resolution and term report (HTML, PDF), the ledger, the calendar."""

from __future__ import annotations

import shutil
import subprocess
from datetime import date

import pytest
from sqlmodel import select

from cobuild.actions import conferences as conf
from cobuild.actions import items as it
from cobuild.actions.ledger import import_ledger
from cobuild.actions.ledger import read_ledger as read_rows
from cobuild.models import InvalidInput, Item
from cobuild.reports.calendar_feed import feed
from cobuild.reports.documents import resolution_html, term_report_html, to_pdf
from cobuild.reports.ledger import COLUMNS, write_ledger

from .conftest import SH, at

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
    assert items["A1"].value == "测试社区大党委共建事项台账" and items["A2"].value.startswith("统计截至 2026-03-20 · 导出时间")
    assert [c.value for c in items[3]] == [c[0] for c in COLUMNS]  # Chinese headers, no English beside them
    assert items.freeze_panes == "B4" and items.auto_filter.ref.startswith("A3")
    # printed as offices print it: landscape A4, one page wide, header row and number column on every page
    assert (items.page_setup.orientation, items.page_setup.fitToWidth, items.page_setup.fitToHeight) == ("landscape", 1, 0)
    assert items.print_title_rows == "$3:$3" and items.print_title_cols == "$A:$A"
    assert str(items.print_area).endswith("$R$6") or "A1" in str(items.print_area)
    rows = {r[0]: r for r in items.iter_rows(min_row=4, values_only=True)}
    first = rows["2026-Q1-01"]
    assert first[1] == "老旧小区路灯维修" and first[5] == "供电所" and first[11] == "已销号"
    assert first[8].date() == date(2026, 3, 31) and items.cell(row=4, column=9).number_format == "yyyy-mm-dd"
    # numbered in rotation order of the raising unit: community 01, school 02, hospital 03
    assert rows["2026-Q1-03"][15] == 19  # 19 days overdue on 20 March
    assert rows["2026-Q1-02"][6] == "供电所"  # cooperating
    assert items.column_dimensions["B"].width == 30 and summary.freeze_panes == "B4"
    assert [r[0] for r in summary.iter_rows(min_row=4, values_only=True)][0] == "测试社区"
    english = tmp_path / "ledger-en.xlsx"
    write_ledger(busy.session, busy.council, at("2026-03-20"), english, lang="en")
    assert [c.value for c in load_workbook(english).worksheets[0][3]][:3] == ["No.", "Item", "Category"]


def test_an_item_closed_late_shows_how_late_and_one_without_a_responsible_person_says_so(busy, tmp_path):
    from openpyxl import load_workbook

    late = busy.session.exec(select(Item).where(Item.number == "2026-Q1-03")).one()
    busy.liaisons["company"]  # noqa: B018 — the world's lead units post and close as usual
    it.post_progress(busy.session, late, by=busy.liaisons[_lead_key(busy, late)], now=at("2026-03-21"), percent=100)
    it.request_close_out(busy.session, late, by=busy.liaisons[_lead_key(busy, late)], now=at("2026-03-21"), note="完成")
    raiser = next(k for k, u in busy.units.items() if u.id == late.raised_by_unit_id)
    it.verify_close_out(busy.session, late, by=busy.liaisons[raiser], now=at("2026-03-25"), satisfaction=4)
    late.responsible_person = None
    busy.session.add(late)
    busy.session.commit()
    path = tmp_path / "ledger.xlsx"
    write_ledger(busy.session, busy.council, at("2026-03-26"), path)
    rows = {r[0]: r for r in load_workbook(path).worksheets[0].iter_rows(min_row=4, values_only=True)}
    assert rows["2026-Q1-03"][14] == "否" and rows["2026-Q1-03"][15] == 24  # closed 03-25, due 03-01
    assert rows["2026-Q1-03"][7] == "(未明确)"


def _lead_key(busy, item) -> str:
    return next(k for k, u in busy.units.items() if u.id == item.lead_unit_id)


@pytest.mark.skipif(shutil.which("soffice") is None and shutil.which("libreoffice") is None,
                    reason="LibreOffice not installed")
def test_libreoffice_opens_the_ledger_and_prints_it_one_page_wide_with_its_headers(busy, tmp_path):
    import re

    path = tmp_path / "ledger.xlsx"
    write_ledger(busy.session, busy.council, at("2026-03-20"), path)
    office = shutil.which("soffice") or shutil.which("libreoffice")
    for target in ("csv", "pdf"):
        subprocess.run([office, "--headless", f"-env:UserInstallation=file://{tmp_path}/lo", "--convert-to", target,
                        "--outdir", str(tmp_path), str(path)], capture_output=True, timeout=180, check=True)
    csv = (tmp_path / "ledger.csv").read_text(encoding="utf-8", errors="replace")
    assert "2026-Q1-01" in csv and "2026-03-31" in csv
    info = subprocess.run(["pdfinfo", str(tmp_path / "ledger.pdf")], capture_output=True, text=True, check=True).stdout
    width, height = (float(x) for x in re.search(r"Page size:\s+([\d.]+) x ([\d.]+)", info).groups())
    assert width > height  # landscape
    pages = int(re.search(r"Pages:\s+(\d+)", info).group(1))
    text = subprocess.run(["pdftotext", "-layout", str(tmp_path / "ledger.pdf"), "-"], capture_output=True, text=True,
                          check=True).stdout.split("\f")
    items_pages = [page for page in text if "编号" in page and "退回次数" in page]
    assert items_pages, text[:1]  # every column on one page: the first and the last header together
    assert pages <= 2  # the item sheet on one page, the per-unit summary on the next


@pytest.mark.skipif(shutil.which("soffice") is None or shutil.which("pdftotext") is None,
                    reason="needs LibreOffice and poppler-utils")
def test_a_long_ledger_prints_on_pages_with_their_headers_and_rows_tall_enough_for_their_text(world, tmp_path):
    """Thirty items with long titles and goals: every printed page of the item sheet carries the header
    row, every item's number is on one page, and the end of every title and goal is printed (a row
    of default height would cut them after the first line)."""
    world.council.items_max_per_unit = 10
    world.open_window()
    items = []
    for n in range(30):
        unit = ("school", "hospital", "power", "company")[n % 4]
        items.append(world.submit(unit, asks="community",
                                  title=f"老旧小区楼道照明与无障碍设施改造、坡道与扶手加装及物业社区共建单位三方长效管护机制建设尾{n:02d}号"))
    c = world.conference()
    world.advance(c.window_closes_at.astimezone(SH).date(), 0, 5)
    conf.hold(world.session, c, by=world.chair, now=c.scheduled_at, present_ids=[m.id for m in world.voters])
    for n, item in enumerate(items):
        world.accept(item, lead="community", deadline=f"2026-{4 + n % 6:02d}-{10 + n % 18:02d}")
    world.publish()
    path = tmp_path / "ledger.xlsx"
    write_ledger(world.session, world.council, at("2026-03-20"), path)
    office = shutil.which("soffice") or shutil.which("libreoffice")
    subprocess.run([office, "--headless", f"-env:UserInstallation=file://{tmp_path}/lo", "--convert-to", "pdf",
                    "--outdir", str(tmp_path), str(path)], capture_output=True, timeout=180, check=True)
    pages = subprocess.run(["pdftotext", "-raw", str(tmp_path / "ledger.pdf"), "-"], capture_output=True, text=True,
                           check=True).stdout.split("\f")
    pages = ["".join(page.split()) for page in pages if page.strip()]
    world.session.expire_all()
    numbers = [world.session.get(Item, i.id).number for i in items]
    item_pages = [p for p in pages if any(number in p for number in numbers)]
    assert len(item_pages) >= 2  # the test means something only if the sheet runs over pages
    assert all("编号" in p and "退回次数" in p for p in item_pages)  # header row and every column on each page
    for n, number in enumerate(numbers):
        holding = [p for p in item_pages if number in p]
        assert len(holding) == 1, number
        assert holding[0].count(f"尾{n:02d}号") == 2, (number, holding[0][:300])  # in the title and in the goal (完成…)


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


def test_another_offices_ledger_imports_by_its_header_names_in_any_order(busy, tmp_path):
    """A street office's own sheet: a title above, columns in its own order and its own names."""
    from openpyxl import Workbook

    path = tmp_path / "street.xlsx"
    book = Workbook()
    book.active.append(["2025年第四季度共建事项清单"])
    book.active.append(["事项名称", "事项编号", "责任单位", "需求单位", "类别", "办结时限", "负责人", "目标", "配合部门",
                        "办理状态"])
    book.active.append(["楼道照明改造", "2025-Q4-07", "供电所", "人民医院", "基础设施建设", "2025-12-31", "张三",
                        "年底前完成", "华信公司", "推进中"])
    book.save(path)
    assert import_ledger(busy.session, busy.council, busy.conference(2), path, by=busy.secretary,
                         now=at("2026-03-21")) == 1
    item = busy.session.exec(select(Item).where(Item.number == "2025-Q4-07")).one()
    assert (item.title, item.responsible_person, item.deadline, item.status) == ("楼道照明改造", "张三", date(2025, 12, 31),
                                                                               "in_progress")
    assert item.lead_unit_id == busy.units["power"].id and item.raised_by_unit_id == busy.units["hospital"].id


def test_our_own_export_reads_back_past_its_title_rows(busy, tmp_path):
    path = tmp_path / "ours.xlsx"
    write_ledger(busy.session, busy.council, at("2026-03-20"), path)
    rows = read_rows(path)
    assert [r["number"] for r in rows] == ["2026-Q1-01", "2026-Q1-02", "2026-Q1-03"] and rows[0]["_row"] == 4


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
    closed = [e for e in events.values() if "2026-Q1-01" in str(e["summary"])]  # a closed item stays, marked
    assert len(closed) == 1 and str(closed[0]["summary"]).startswith("【已销号") and not closed[0].walk("VALARM")
    it.extend_deadline(busy.session, item, date(2026, 5, 20), by=busy.chair, now=at("2026-03-20"), reason="材料未到")
    moved = {str(e["uid"]): e for e in Calendar.from_ical(feed(busy.session, busy.council, at("2026-03-21"))).walk("VEVENT")}
    assert moved[uid].decoded("dtstart") == date(2026, 5, 20) and int(moved[uid]["sequence"]) == 1


def test_two_independent_parsers_read_the_alarms_and_links_of_the_feed(busy, monkeypatch):
    """icalendar made it; vobject (another project's parser) reads it as a phone's calendar would."""
    import vobject

    monkeypatch.setenv("COBUILD_PUBLIC_URL", "https://cobuild.example.org")
    text = feed(busy.session, busy.council, at("2026-03-20")).decode()
    calendar = vobject.readOne(text)
    events = {e.uid.value: e for e in calendar.vevent_list}
    item = busy.session.exec(select(Item).where(Item.number == "2026-Q1-02")).one()
    deadline = events[f"item-{item.id}-deadline@council-{busy.council.id}.cobuild"]
    triggers = sorted(str(a.trigger.value) for a in deadline.valarm_list)
    assert triggers == ["-1 day, 9:00:00", "-3 days, 9:00:00"]  # 09:00 the day before, and three days ahead
    assert "明天到期" in " ".join(a.description.value for a in deadline.valarm_list)
    assert deadline.url.value == f"https://cobuild.example.org/c/{busy.council.id}/items/{item.id}"
    meeting = next(e for e in events.values() if "党建联席会议" in e.summary.value)
    assert len(meeting.valarm_list) == 2 and "状态:" not in meeting.summary.value
    assert "状态:" in deadline.description.value and "lead" not in deadline.description.value


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


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="needs poppler-utils")
def test_no_row_of_the_resolution_is_split_across_pdf_pages(world, tmp_path):
    """Read each page's text back: every item's number, title and deadline are on one page, and the
    header row is on every page; the document carries its 文号, absentees and 落款 in Chinese numerals."""
    from cobuild.reports.documents import resolution_html, to_pdf

    world.open_window()
    items = []
    for unit in ("community", "school", "hospital", "power", "company"):
        for n in range(3):
            title = f"{world.units[unit].name}第{n + 1}项:老旧小区楼道照明与无障碍设施改造及长效管护机制建设"
            items.append(world.submit(unit, title=title, asks="any" if unit == "community" else "community"))
    c = world.conference()
    world.advance(c.window_closes_at.astimezone(SH).date(), 0, 5)
    conf.hold(world.session, c, by=world.chair, now=c.scheduled_at, present_ids=[m.id for m in world.voters][:-2])
    for n, item in enumerate(items):
        world.accept(item, lead="power" if item.raised_by_unit_id != world.units["power"].id else "company",
                     deadline=f"2026-{4 + n % 6:02d}-{10 + n:02d}")
    world.publish()
    path = tmp_path / "resolution.pdf"
    to_pdf(resolution_html(world.session, world.council, c.code), path)
    pages = subprocess.run(["pdftotext", "-raw", str(path), "-"], capture_output=True, text=True, check=True).stdout.split("\f")
    pages = ["".join(page.split()) for page in pages if page.strip()]
    assert len(pages) >= 2  # the test means something only if the table runs over pages
    world.session.expire_all()
    for item in items:
        row = world.session.get(Item, item.id)
        holding = [p for p in pages if row.number in p]
        assert len(holding) == 1, row.number
        assert row.title in holding[0] and row.deadline.isoformat() in holding[0], (row.number, row.title)
    table_pages = [p for p in pages if any(world.session.get(Item, i.id).number in p for i in items)]
    assert all("编号共建事项类别" in p for p in table_pages)  # the header row repeats
    assert "测试社区大党委〔2026〕1号" in pages[0] and "缺席:" in pages[0]
    assert any("二〇二六年二月十五日" in p for p in pages)  # held and signed on the 15th


@pytest.mark.skipif(shutil.which("soffice") is None and shutil.which("libreoffice") is None,
                    reason="LibreOffice not installed")
def test_libreoffice_opens_the_word_files_of_the_resolution_and_the_term_report(busy, tmp_path):
    from cobuild.reports.word import resolution_docx, term_report_docx

    resolution_docx(busy.session, busy.council, "2026-Q1", tmp_path / "resolution.docx")
    term_report_docx(busy.session, busy.council, busy.term, date(2026, 3, 20), tmp_path / "report.docx")
    office = shutil.which("soffice") or shutil.which("libreoffice")
    subprocess.run([office, "--headless", f"-env:UserInstallation=file://{tmp_path}/lo", "--convert-to", "txt:Text",
                    "--outdir", str(tmp_path), str(tmp_path / "resolution.docx"), str(tmp_path / "report.docx")],
                   capture_output=True, timeout=180, check=True)
    resolution = (tmp_path / "resolution.txt").read_text(encoding="utf-8-sig")
    assert "测试社区大党委文件" in resolution and "测试社区大党委〔2026〕1号" in resolution
    assert "2026-Q1-01" in resolution and "老旧小区路灯维修" in resolution and "二〇二六年" in resolution
    report = (tmp_path / "report.txt").read_text(encoding="utf-8-sig")
    assert "第 1 届轮值主席任期工作通报" in report and "未到期" in report
    import zipfile

    from PIL import Image

    with zipfile.ZipFile(tmp_path / "report.docx") as docx:  # the two charts, as pictures Word can hold
        pictures = [Image.open(docx.open(name)) for name in docx.namelist() if name.startswith("word/media/")]
    assert len(pictures) == 2 and all(p.format == "PNG" and p.width >= 1500 for p in pictures)
    assert all(len(set(p.convert("RGB").getdata())) > 3 for p in pictures)  # drawn, not blank
