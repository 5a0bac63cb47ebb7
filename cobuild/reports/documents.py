"""The documents councils hand on: the written resolution (书面决议) and the term report
(通报), as HTML and as PDF (WeasyPrint, with a CJK font from the system), Chinese by default."""

from __future__ import annotations

from datetime import date
from functools import lru_cache
from zoneinfo import ZoneInfo

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from sqlmodel import Session, select

from cobuild.models import Amendment, Conference, Council, NotFound, Resolution, Term
from cobuild.models.base import local_text
from cobuild.models.messages import word
from cobuild.platform.links import configured_base, page_link
from cobuild.reports import charts
from cobuild.reports.tracking import item_stats, ranking

LABELS = {
    "zh": {"resolution": "党建联席会议书面决议", "report": "轮值主席任期工作通报", "number": "编号", "item": "共建事项",
           "category": "类别", "raised_by": "提出单位", "goal": "目标任务", "lead": "牵头单位", "coop": "配合单位",
           "person": "责任人", "deadline": "完成时限", "held_on": "会议日期", "chair": "轮值主席", "present": "出席",
           "not_accepted": "未列入清单的事项", "decision": "决定", "reason": "理由", "amendments": "修正",
           "published": "发布时间", "digest": "内容校验码", "term": "任期", "statement": "就职演说",
           "commitments": "承诺履职事项", "status": "状态", "totals": "共建事项总体情况", "units": "各单位情况",
           "ranking": "积分排名", "points": "积分", "rank": "名次", "evaluation": "测评结果", "ballots": "票数",
           "avg_score": "平均分", "confirmed": "确认", "closed": "办结", "on_time": "按期", "overdue": "逾期",
           "completion": "办结率", "on_time_rate": "按期办结率", "avg_days": "平均办结天数", "p90_days": "90%办结天数",
           "extensions": "延期", "satisfaction": "满意度", "submitted": "提交", "kept": "已兑现", "dropped": "未兑现",
           "open": "未办结", "source": "产生方式", "rules": "积分规则", "as_of": "统计截至", "chairless": "无", "online": "网上查看",
           "masthead": "文件", "resolution_title": "{code} 党建联席会议书面决议", "absent": "缺席", "none": "无",
           "resolution_lead": "{day},{council}召开 {code} 党建联席会议,轮值主席{chair}主持。会议研究确定共建事项 {count} 项,"
                              "形成决议如下:",
           "when": "时间", "change": "修正内容", "report_title": "第 {number} 届轮值主席任期工作通报",
           "services": "服务菜单与在职党员服务", "orders_served": "完成订单", "residents_served": "服务群众(人次)",
           "hours": "服务时长(小时)", "average_rating": "平均评价", "declined": "婉拒",
           "ranking_order": "积分从高到低排列,积分相同按办结率。", "not_due": "未到期", "rate_note": "注:办结率 = 已办结 ÷ 应办结;"
                                               "按期办结率 = 按期办结 ÷ 应办结。"
                                               "应办结指列入清单的事项中已办结的和已过完成时限的;"
                                               "未到完成时限且尚在办理的事项计为“未到期”,不计入分母。"},
    "en": {"resolution": "Written resolution of the joint conference", "report": "Term report of the rotating chair",
           "number": "No.", "item": "Item", "category": "Category", "raised_by": "Raised by", "goal": "Goal",
           "lead": "Lead unit", "coop": "Cooperating", "person": "Responsible", "deadline": "Deadline",
           "held_on": "Held on", "chair": "Chair", "present": "Present", "not_accepted": "Items not on the list",
           "decision": "Decision", "reason": "Reason", "amendments": "Amendments", "published": "Published",
           "digest": "Checksum", "term": "Term", "statement": "Inaugural statement", "commitments": "Commitments",
           "status": "Status", "totals": "Items overall", "units": "Per unit", "ranking": "Ranking by points",
           "points": "Points", "rank": "Rank", "evaluation": "Evaluation", "ballots": "Ballots",
           "avg_score": "Average score", "confirmed": "Confirmed", "closed": "Closed", "on_time": "On time",
           "overdue": "Overdue", "completion": "Completion", "on_time_rate": "On-time rate",
           "avg_days": "Avg days to close", "p90_days": "P90 days to close", "extensions": "Extensions",
           "satisfaction": "Satisfaction", "submitted": "Submitted", "kept": "kept", "dropped": "not kept",
           "open": "open", "source": "Chosen by", "rules": "Point rules", "as_of": "As of", "chairless": "none", "online": "Online",
           "masthead": "", "resolution_title": "Written resolution of the {code} joint conference", "absent": "Absent",
           "none": "none", "resolution_lead": "On {day} {council} held its {code} joint conference, chaired by {chair}. "
                                               "It settled {count} co-building items as follows:",
           "when": "When", "change": "Change", "report_title": "Report of the rotating chair, term {number}",
           "services": "The service menu and party members' service", "orders_served": "Orders served",
           "residents_served": "Residents served", "hours": "Hours", "average_rating": "Average rating", "declined": "Declined",
           "ranking_order": "By points, then completion rate.", "not_due": "Not yet due", "rate_note": "Completion = closed ÷ due; "
                                                  "on-time rate = closed on time ÷ due. "
                                                  "Due items are "
                                                  "the closed ones and those past their deadline; items still within their "
                                                  "deadline count as not yet due and stay out of the denominator."},
}


@lru_cache(maxsize=1)
def environment() -> Environment:
    env = Environment(loader=PackageLoader("cobuild.reports", "templates"), autoescape=select_autoescape(["html"]),
                      undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    env.filters["pct"] = lambda v: "-" if v is None else f"{v:.1%}"
    env.filters["dash"] = lambda v: "-" if v in (None, "") else v
    env.globals["word"] = word
    return env


def resolution_html(session: Session, council: Council, code: str, lang: str = "zh") -> str:
    conference = session.exec(select(Conference).where(Conference.council_id == council.id, Conference.code == code)).first()
    resolution = session.exec(select(Resolution).where(Resolution.conference_id == conference.id)).first() if conference else None
    if resolution is None:
        raise NotFound("not_found", subject="resolution", key=code)
    en = lang == "en"
    return environment().get_template("resolution.html").render(
        L=LABELS["en" if en else "zh"], lang=lang, r=resolution.content, resolution=resolution,
        amendments=_amendments(session, council, resolution, lang), doc_number=document_number(session, council, resolution),
        absent=_absent(session, conference), held_day=day_text(date.fromisoformat(str(resolution.content["held_on"])), lang),
        signed_day=day_text(resolution.published_at.astimezone(ZoneInfo(council.timezone)).date(), lang),
        published_local=local_text(council, resolution.published_at),
        link=page_link(configured_base(), council.id, "conference", conference.id))


CN_DIGITS = "〇一二三四五六七八九"


def day_text(day: date, lang: str = "zh") -> str:
    """A date as an official document writes it: 二〇二六年十一月十六日 (GB/T 9704's 成文日期)."""
    if lang == "en":
        return f"{day.day} {day.strftime('%B')} {day.year}"

    def small(n: int) -> str:  # 1–31
        tens, ones = divmod(n, 10)
        return (("" if tens == 1 else CN_DIGITS[tens]) + "十" if tens else "") + (CN_DIGITS[ones] if ones else "")

    return f"{''.join(CN_DIGITS[int(d)] for d in str(day.year))}年{small(day.month)}月{small(day.day)}日"


def document_number(session: Session, council: Council, resolution: Resolution) -> str:
    """The 文号: the council, the year in 〔〕, and the resolution's place among the council's that year."""
    year = resolution.published_at.astimezone(ZoneInfo(council.timezone)).year
    same_year = [r for r in session.exec(select(Resolution.id, Resolution.published_at)
                                         .where(Resolution.council_id == council.id)).all()
                 if r[1].astimezone(ZoneInfo(council.timezone)).year == year and r[0] <= resolution.id]
    return f"{council.name}〔{year}〕{len(same_year)}号"


def _absent(session: Session, conference: Conference) -> list[str]:
    from cobuild.models import Attendance, Member

    return sorted(session.exec(select(Member.name).join(Attendance, Attendance.member_id == Member.id)
                               .where(Attendance.conference_id == conference.id, Attendance.present == False)).all())  # noqa: E712


def _amendments(session: Session, council: Council, resolution: Resolution, lang: str) -> list[dict]:
    """Each amendment in words: when, which item, what changed from what to what, and why."""
    from cobuild.models import Item, Unit
    from cobuild.models.messages import FIELD_NAMES, lang_index

    i = lang_index(lang)
    units = {u.id: u.name for u in session.exec(select(Unit).where(Unit.council_id == council.id)).all()}

    def shown(key: str, value) -> str:
        if key in ("lead_unit_id",):
            return units.get(value, "-") if value else "-"
        if key in ("cooperating_unit_ids", "cooperating"):
            return "、".join(units.get(u, str(u)) for u in value or []) or "-"
        if key == "status":
            return word("state", value, lang)
        return str(value) if value not in (None, "") else "-"

    rows = []
    for a in session.exec(select(Amendment).where(Amendment.resolution_id == resolution.id).order_by(Amendment.seq)).all():
        item = session.get(Item, a.item_id)
        keys = [k for k in dict.fromkeys([*a.before, *a.after]) if a.before.get(k) != a.after.get(k)]
        change = ";".join(f"{FIELD_NAMES[k][i] if k in FIELD_NAMES else k}:{shown(k, a.before.get(k))} → {shown(k, a.after.get(k))}"
                          for k in keys)
        if a.kind == "cancel":
            change = ("撤销该事项" if i == 0 else "item cancelled") + (f"({change})" if change else "")
        rows.append({"seq": a.seq, "when": local_text(council, a.at), "item": f"{item.number} {item.title}" if item else a.item_id,
                     "change": change or "-", "reason": a.reason})
    return rows


def term_report_html(session: Session, council: Council, term: Term, today: date, lang: str = "zh") -> str:
    from cobuild.reports.tracking import term_report_data

    report = term.report or term_report_data(session, council, term, today)
    # a published report is a snapshot: every number in it is as of its date, never recomputed
    as_of = date.fromisoformat(report["as_of"])
    quarters = report.get("quarters") or item_stats(session, council, as_of, "quarter", term_id=term.id)
    board = report.get("ranking") or ranking(session, council, as_of, term_id=term.id)
    return environment().get_template("term_report.html").render(
        L=LABELS["en" if lang == "en" else "zh"], lang=lang, report=report, draft=term.report is None,
        signed_day=day_text(as_of, lang),
        quarters=quarters, board=board,
        quarter_chart=charts.completion_by_quarter(quarters, lang), unit_chart=charts.units_bars(report["units"], lang),
        link=page_link(configured_base(), council.id, "term", term.id))


def to_pdf(html: str, path) -> None:
    from weasyprint import HTML

    HTML(string=html).write_pdf(str(path))


def to_pdfs(jobs: list[tuple[str, str]]) -> None:
    """Several PDFs at once: layout takes seconds a document, so two processes halve it."""
    if len(jobs) < 2:
        for html, path in jobs:
            to_pdf(html, path)
        return
    from concurrent.futures import ProcessPoolExecutor

    with ProcessPoolExecutor(max_workers=2) as pool:
        list(pool.map(to_pdf, [h for h, _ in jobs], [str(p) for _, p in jobs]))
