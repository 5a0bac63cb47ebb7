"""The resolution and the term report as Word files (.docx), which offices edit and re-issue in
Word or WPS: the same content as the HTML/PDF documents, in the same official layout (a red
masthead, the 文号, a centred title, tables whose header row repeats and whose rows never split,
the 落款 with the date in Chinese numerals)."""

from __future__ import annotations

from datetime import date
from zoneinfo import ZoneInfo

from sqlmodel import Session, select

from cobuild.models import Conference, Council, NotFound, Resolution, Term
from cobuild.models.messages import word

RED = (0xC0, 0x00, 0x00)
SERIF, SANS = "Noto Serif CJK SC", "Noto Sans CJK SC"


def _document(landscape: bool):
    from docx import Document
    from docx.enum.section import WD_ORIENT
    from docx.shared import Mm, Pt

    doc = Document()
    section = doc.sections[0]
    section.page_width, section.page_height = (Mm(297), Mm(210)) if landscape else (Mm(210), Mm(297))
    section.orientation = WD_ORIENT.LANDSCAPE if landscape else WD_ORIENT.PORTRAIT
    section.top_margin, section.bottom_margin, section.left_margin, section.right_margin = Mm(25), Mm(22), Mm(24), Mm(22)
    style = doc.styles["Normal"]
    style.font.name, style.font.size = SERIF, Pt(11.5)
    _east_asian(style.element, SERIF)
    return doc


def _east_asian(element, font: str) -> None:
    """Word picks CJK glyphs from the east-Asian font slot, not the Latin one."""
    from docx.oxml.ns import qn

    rpr = element.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = rpr.makeelement(qn("w:rFonts"), {})
        rpr.append(fonts)
    fonts.set(qn("w:eastAsia"), font)


def _line(doc, text: str, *, size: float = 11.5, bold: bool = False, red: bool = False, align: str = "left",
          font: str = SERIF, indent: bool = False):
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Pt, RGBColor

    paragraph = doc.add_paragraph()
    paragraph.alignment = {"left": WD_ALIGN_PARAGRAPH.LEFT, "center": WD_ALIGN_PARAGRAPH.CENTER,
                           "right": WD_ALIGN_PARAGRAPH.RIGHT}[align]
    if indent:
        paragraph.paragraph_format.first_line_indent = Pt(size * 2)
    run = paragraph.add_run(text)
    run.font.size, run.font.bold, run.font.name = Pt(size), bold, font
    _east_asian(run._element, font)
    if red:
        run.font.color.rgb = RGBColor(*RED)
    return paragraph


def _red_rule(paragraph) -> None:
    from docx.oxml.ns import qn

    ppr = paragraph._p.get_or_add_pPr()
    borders = ppr.makeelement(qn("w:pBdr"), {})
    bottom = borders.makeelement(qn("w:bottom"), {qn("w:val"): "single", qn("w:sz"): "16", qn("w:space"): "4",
                                                  qn("w:color"): "C00000"})
    borders.append(bottom)
    ppr.append(borders)


def _masthead(doc, council: str, number: str | None, masthead: str) -> None:
    _line(doc, f"{council}{masthead}", size=26, bold=True, red=True, align="center", font=SANS)
    last = _line(doc, number or "", size=12, align="center", font=SANS)
    _red_rule(last)


def _table(doc, headers: list[str], rows: list[list]) -> None:
    """A grid whose header row repeats on every page and whose rows never split across pages."""
    from docx.oxml.ns import qn
    from docx.shared import Pt

    table = doc.add_table(rows=1, cols=len(headers))
    table.style = "Table Grid"
    for cell, text in zip(table.rows[0].cells, headers):
        cell.text = str(text)
        for run in cell.paragraphs[0].runs:
            run.font.bold, run.font.size, run.font.name = True, Pt(10), SANS
            _east_asian(run._element, SANS)
    header = table.rows[0]._tr.get_or_add_trPr()
    header.append(header.makeelement(qn("w:tblHeader"), {}))
    for values in rows:
        row = table.add_row()
        row._tr.get_or_add_trPr().append(row._tr.makeelement(qn("w:cantSplit"), {}))
        for cell, value in zip(row.cells, values):
            cell.text = "-" if value in (None, "") else str(value)
            for run in cell.paragraphs[0].runs:
                run.font.size = Pt(9.5)


def _picture(doc, png: bytes, width_mm: float) -> None:
    import io

    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Mm

    doc.add_picture(io.BytesIO(png), width=Mm(width_mm))
    doc.paragraphs[-1].alignment = WD_ALIGN_PARAGRAPH.CENTER


def resolution_docx(session: Session, council: Council, code: str, path, lang: str = "zh") -> None:
    from cobuild.reports.documents import LABELS, _absent, _amendments, day_text, document_number

    conference = session.exec(select(Conference).where(Conference.council_id == council.id, Conference.code == code)).first()
    resolution = session.exec(select(Resolution).where(Resolution.conference_id == conference.id)).first() if conference else None
    if resolution is None:
        raise NotFound("not_found", subject="resolution", key=code)
    L, r = LABELS["en" if lang == "en" else "zh"], resolution.content
    doc = _document(landscape=True)
    _masthead(doc, r["council"], document_number(session, council, resolution), L["masthead"])
    _line(doc, L["resolution_title"].format(code=r["code"]), size=18, bold=True, align="center", font=SANS)
    _line(doc, L["resolution_lead"].format(day=day_text(date.fromisoformat(str(r["held_on"])), lang), council=r["council"],
                                           code=r["code"], chair=r.get("chair") or "-", count=len(r["items"])), indent=True)
    absent = _absent(session, conference)
    _line(doc, f"{L['present']}:{'、'.join(r.get('present') or []) or '-'};{L['absent']}:{'、'.join(absent) or L['none']}。",
          indent=True)
    _table(doc, [L[k] for k in ("number", "item", "category", "raised_by", "goal", "lead", "coop", "person", "deadline")],
           [[i["number"], i["title"], i["category"], i["raised_by"], i.get("goal"), i.get("lead_unit"),
             "、".join(i.get("cooperating_units") or []), i.get("responsible_person"), i.get("deadline")] for i in r["items"]])
    if r.get("not_accepted"):
        _line(doc, L["not_accepted"], size=13, bold=True, font=SANS)
        _table(doc, [L["item"], L["raised_by"], L["decision"], L["reason"]],
               [[i["title"], i["raised_by"], word("decision", i["decision"], lang), i.get("reason")] for i in r["not_accepted"]])
    signed = day_text(resolution.published_at.astimezone(ZoneInfo(council.timezone)).date(), lang)
    for text in (r["council"], f"{L['chair']}:{r.get('chair') or '-'}", signed):
        _line(doc, text, align="right")
    amendments = _amendments(session, council, resolution, lang)
    if amendments:
        _line(doc, L["amendments"], size=13, bold=True, font=SANS)
        _table(doc, ["#", L["when"], L["item"], L["change"], L["reason"]],
               [[a["seq"], a["when"], a["item"], a["change"], a["reason"]] for a in amendments])
    doc.core_properties.title = f"{r['council']} {L['resolution_title'].format(code=r['code'])}"
    doc.save(str(path))


def term_report_docx(session: Session, council: Council, term: Term, today: date, path, lang: str = "zh") -> None:
    from cobuild.reports import charts
    from cobuild.reports.documents import LABELS, day_text
    from cobuild.reports.tracking import item_stats, ranking, term_report_data

    L = LABELS["en" if lang == "en" else "zh"]
    report = term.report or term_report_data(session, council, term, today)
    as_of = date.fromisoformat(report["as_of"])
    doc = _document(landscape=False)
    _masthead(doc, report["council"], None, L["masthead"])
    _line(doc, L["report_title"].format(number=report["term"]), size=18, bold=True, align="center", font=SANS)
    _line(doc, f"{L['term']} {report['term']} · {report['starts_on']} ~ {report['ends_on']} · {L['chair']} "
               f"{report.get('chair') or L['chairless']}", align="center")
    if term.report is None:
        _line(doc, f"草稿 / draft — {L['as_of']} {report['as_of']}", bold=True, red=True, align="center")
    if report.get("inaugural_statement"):
        _line(doc, L["statement"], size=13, bold=True, font=SANS)
        _line(doc, report["inaugural_statement"], indent=True)
    _line(doc, f"{L['commitments']}({report['commitments_kept']}/{len(report['commitments'])})", size=13, bold=True, font=SANS)
    _table(doc, ["#", L["commitments"], L["status"]],
           [[c["seq"], c["title"], L["kept"] if c["status"] == "done" else L["dropped"] if c["status"] == "dropped" else L["open"]]
            for c in report["commitments"]])

    def pct(v):
        return "-" if v is None else f"{v:.1%}"

    t = report["totals"]
    _line(doc, L["totals"], size=13, bold=True, font=SANS)
    _table(doc, [L[k] for k in ("submitted", "confirmed", "closed", "on_time", "overdue", "not_due", "completion", "on_time_rate")],
           [[t["submitted"], t["confirmed"], t["closed"], t["on_time"], t["overdue"], t.get("not_due", "-"),
             pct(t["completion_rate"]), pct(t["on_time_rate"])]])
    quarters = report.get("quarters") or item_stats(session, council, as_of, "quarter", term_id=term.id)
    if quarters:
        _picture(doc, charts.png(charts.quarter_chart(quarters, lang)), 150)
    _line(doc, L["units"], size=13, bold=True, font=SANS)
    _table(doc, ["", L["submitted"], L["confirmed"], L["closed"], L["on_time"], L["overdue"], L["not_due"], L["completion"]],
           [[u["label"], u["submitted"], u["confirmed"], u["closed"], u["on_time"], u["overdue"], u.get("not_due", "-"),
             pct(u["completion_rate"])] for u in report["units"]])
    _line(doc, L["rate_note"], size=9)
    if report["units"]:
        _picture(doc, charts.png(charts.unit_chart(report["units"], lang)), 150)
    board = report.get("ranking") or ranking(session, council, as_of, term_id=term.id)
    _line(doc, L["ranking"], size=13, bold=True, font=SANS)
    _table(doc, [L["rank"], "", L["points"], L["completion"]],
           [[row["rank"], row["unit"], row["points"], pct(row["completion_rate"])] for row in board["rows"]])
    if report.get("services"):
        _line(doc, L["services"], size=13, bold=True, font=SANS)
        _table(doc, ["", L["orders_served"], L["residents_served"], L["hours"], L["average_rating"], L["declined"]],
               [[row["unit"], row["orders_served"], row["residents_served"], row["hours"], row["average_rating"], row["declined"]]
                for row in report["services"]])
    _line(doc, report["council"], align="right")
    _line(doc, day_text(as_of, lang), align="right")
    doc.core_properties.title = f"{report['council']} {L['report_title'].format(number=report['term'])}"
    doc.save(str(path))
