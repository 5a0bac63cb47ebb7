"""Reads of an appraisal round (SPEC.md §10): before publication only its progress — who has
evaluated themselves, how many ratings and residents' codes are in, never a score — and after
publication the frozen result, as a page, a 通报 (HTML/PDF) and an xlsx for the street's 综合考核."""

from __future__ import annotations

from sqlalchemy import func
from sqlmodel import Session, select

from cobuild.models import Council, Street, Unit, UnitKind
from cobuild.models.appraisal import AppraisalRound, Rating, ResidentCode, RoundStatus, SelfEvaluation

GRADES = ("优秀", "良好", "一般", "较差")
GRADES_EN = {"优秀": "excellent", "良好": "good", "一般": "fair", "较差": "poor"}


def rounds_for(session: Session, council: Council) -> list[AppraisalRound]:
    """The council's own rounds and its street's."""
    scope = AppraisalRound.council_id == council.id
    if council.street_id is not None:
        scope = scope | (AppraisalRound.street_id == council.street_id)
    return list(session.exec(select(AppraisalRound).where(scope).order_by(AppraisalRound.year.desc())).all())


def progress(session: Session, row: AppraisalRound) -> dict:
    """How far a round is — counts only: raters' scores stay secret until publication."""
    if row.council_id is not None:
        council_ids = [row.council_id]
    else:
        council_ids = list(session.exec(select(Council.id).where(Council.street_id == row.street_id)).all())
    units = session.exec(select(Unit.id, Unit.name).where(Unit.council_id.in_(council_ids), Unit.kind != UnitKind.community,
                                                          Unit.active == True).order_by(Unit.council_id, Unit.rotation_position)).all()  # noqa: E712
    selves = set(session.exec(select(SelfEvaluation.unit_id).where(SelfEvaluation.round_id == row.id)).all())
    rated = dict(session.exec(select(Rating.unit_id, func.count()).where(Rating.round_id == row.id).group_by(Rating.unit_id)).all())
    issued = session.exec(select(func.count()).select_from(ResidentCode).where(ResidentCode.round_id == row.id)).one()
    used = session.exec(select(func.count()).select_from(ResidentCode).where(ResidentCode.round_id == row.id,
                                                                            ResidentCode.used_at.is_not(None))).one()
    return {"units": [{"unit_id": u, "unit": name, "self_evaluated": u in selves, "ratings": rated.get(u, 0)} for u, name in units],
            "codes_issued": issued, "codes_used": used}


def round_view(session: Session, row: AppraisalRound) -> dict:
    street = session.get(Street, row.street_id) if row.street_id else None
    council = session.get(Council, row.council_id) if row.council_id else None
    view = {"id": row.id, "year": row.year, "status": str(row.status), "scope": street.name if street else council.name if council else "-",
            "street_id": row.street_id, "council_id": row.council_id, "weights": row.weights, "excellent_cap": row.excellent_cap,
            "self_due": row.self_due, "closes_on": row.closes_on, "published_at": row.published_at}
    if row.status == RoundStatus.published and row.result:
        view["result"] = row.result
    else:
        view["progress"] = progress(session, row)
    return view


def result_xlsx(row: AppraisalRound, title: str, path) -> None:
    """The published result for the street's yearly assessment (综合考核): one row per unit with its
    indicators, the raters' averages, the residents' and its own score side by side."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    result = row.result or {}
    book = Workbook()
    sheet = book.active
    sheet.title = "考评结果"
    columns = ["名次", "单位", "所属社区", "等次", "总分", "定量", "按期办结率分", "出席率分", "服务订单分", "积分分",
               "街道评分", "社区评分", "群众评分", "群众评议票数", "自评分", "自评报告"]
    sheet.append([title])
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(columns))
    sheet["A1"].font, sheet["A1"].alignment = Font(bold=True, size=15), Alignment(horizontal="center")
    sheet.append([result.get("formula", {}).get("score", "")])
    sheet.append(columns)
    for cell in sheet[3]:
        cell.font = Font(bold=True)
    for u in result.get("units", []):
        i = u["indicators"]
        sheet.append([u["rank"], u["unit"], u["council"], u["grade"], u["score"], u["quantitative"], i["on_time"], i["attendance"],
                      i["service"], i["points"], u["street"], u["community"], u["residents"], u["resident_votes"], u["self_score"],
                      u["self_report"]])
    for letter, width in zip("ABCDEFGHIJKLMNOP", (6, 24, 18, 8, 8, 8, 10, 10, 10, 8, 9, 9, 9, 10, 8, 40)):
        sheet.column_dimensions[letter].width = width
    sheet.freeze_panes = "C4"
    sheet.page_setup.orientation, sheet.page_setup.paperSize = "landscape", sheet.PAPERSIZE_A4
    sheet.page_setup.fitToWidth, sheet.page_setup.fitToHeight = 1, 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.print_title_rows = "3:3"
    book.save(path)


def result_html(session: Session, row: AppraisalRound, lang: str = "zh") -> str:
    """The published result as a 通报 in the documents' official layout."""
    from zoneinfo import ZoneInfo

    from cobuild.models import NotFound
    from cobuild.reports.documents import LABELS, day_text, environment

    if row.status != RoundStatus.published or not row.result:
        raise NotFound("not_found", subject="appraisal", key=row.id)
    view = round_view(session, row)
    zh = lang != "en"
    grades = {g: sum(1 for u in row.result["units"] if u["grade"] == g) for g in GRADES}
    title = f"关于{row.year}年度驻区单位参与共建考评结果的通报" if zh else f"Appraisal of the member units, {row.year}"
    lead = ("根据驻区单位参与考评办法,坚持定量与定性相结合、群众评议与自我评价相统一,由街道党工委、社区党组织和居民群众共同评议,"
            f"现将{row.year}年度考评结果通报如下:优秀 {grades['优秀']} 个、良好 {grades['良好']} 个、一般 {grades['一般']} 个、"
            f"较差 {grades['较差']} 个。") if zh else (
        f"Rated by the street, the community and the residents, quantitative and qualitative together: "
        f"{grades['优秀']} excellent, {grades['良好']} good, {grades['一般']} fair, {grades['较差']} poor.")
    published = row.published_at.astimezone(ZoneInfo("Asia/Shanghai")).date() if row.published_at else row.closes_on
    return environment().get_template("appraisal.html").render(
        L=LABELS["en" if lang == "en" else "zh"], lang=lang, title=title, lead=lead, scope=view["scope"], result=row.result,
        grades_en=GRADES_EN, signed_day=day_text(published, lang))
