"""`cobuild demo`: a realistic council and its simulated people, run for one year (2026).

Every change goes through the use-case layer, exactly as a user's would; the passes that move
time forward run as Prefect tasks inside one flow (flows/demo.py). The people's choices are
random but reproducible: each is drawn from a generator seeded by (seed, day, subject).
"""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlmodel import Session, func, select

from cobuild.actions import conferences as conf_actions
from cobuild.actions import items as item_actions
from cobuild.actions import services as service_actions
from cobuild.actions import terms as term_actions
from cobuild.actions.common import current_term
from cobuild.actions.council import (
    add_channel,
    add_member,
    add_unit,
    appoint_first_chair,
    create_council,
    set_preferences,
)
from cobuild.models import (
    GRADES,
    AgendaEntry,
    AgendaKind,
    AskKind,
    AuditEvent,
    Ballot,
    Candidate,
    Claim,
    ClaimStatus,
    Commitment,
    CommitmentStatus,
    Conference,
    ConferenceStatus,
    Council,
    Delivery,
    DomainError,
    Election,
    ElectionStatus,
    EvaluationBallot,
    Item,
    ItemStatus,
    Member,
    MemberRole,
    Notification,
    Term,
    TermStatus,
    Unit,
    UnitKind,
)
from cobuild.platform.db import session_for

TZ = "Asia/Shanghai"
YEAR = 2026

UNITS = [
    ("西安区人民医院", UnitKind.hospital, "赵建国", "孙晓梅"),
    ("火炬小学", UnitKind.school, "钱文博", "李春燕"),
    ("国网牡丹供电所", UnitKind.state_enterprise, "周志强", "吴海涛"),
    ("区市场监督管理局", UnitKind.government, "郑国栋", "冯丽娟"),
    ("华信房地产开发有限公司", UnitKind.private_enterprise, "陈向东", "褚佳宁"),
    ("牡丹社区志愿者协会", UnitKind.social_org, "卫红霞", "蒋晓军"),
]
COMMUNITY_MEMBERS = [("沈玉兰", MemberRole.member), ("韩立新", MemberRole.member), ("杨秀英", MemberRole.member)]

TITLES = {
    "环境卫生": ["老旧小区垃圾分类站点改造", "背街小巷卫生死角清理", "农贸市场周边环境整治", "楼道堆物清理专项行动",
              "公共厕所保洁提升", "餐饮油烟扰民治理"],
    "绿化美化": ["小区绿地补植复绿", "街心花园改造提升", "学校周边绿化带修剪", "楼前空地改建口袋公园", "行道树病虫害防治"],
    "治安联防": ["校园周边流动摊贩整治", "夜间巡逻队伍组建", "老旧小区监控探头补装", "电动车违规充电排查", "上下学时段交通疏导"],
    "党员教育管理": ["在职党员进社区报到服务", "流动党员联系台账建立", "非公企业党支部共建活动", "党员志愿服务积分管理",
                "七一主题党日联合开展"],
    "基础设施建设": ["老旧小区路灯维修", "雨污管网疏通改造", "居民楼无障碍坡道加装", "社区日间照料室建设", "停车位规划与划线",
                "破损人行道修补"],
    "其他": ["困难群众结对帮扶", "学校操场课后向居民开放", "招工招聘会联合举办", "老年人防诈骗宣传", "社区文化宣传队服装添置"],
}
MORE_TITLES = {  # a year of real lists rarely repeats a title: enough for four quarters
    "环境卫生": ["小区化粪池清掏", "沿街商铺门前三包落实", "建筑垃圾临时堆放点清运", "二次供水水箱清洗", "小广告集中清理"],
    "绿化美化": ["小区围墙垂直绿化", "社区花坛认养", "枯死树木补种", "屋顶绿化试点", "健身步道两侧绿化"],
    "治安联防": ["独居老人家门智能门磁安装", "小区出入口门禁改造", "防汛应急物资储备", "消防通道占用清理", "群租房安全检查"],
    "党员教育管理": ["党员先锋岗设立", "红色观影联学活动", "党员楼栋长选配", "退休党员组织关系转接", "党课进企业"],
    "基础设施建设": ["电梯加装意见征集", "小区供暖管道保温", "充电桩安装选址", "楼道扶手加装", "社区食堂选址改造"],
    "其他": ["青少年暑期托管班", "法律援助进社区", "家政服务技能培训", "社区图书角共建", "义诊进楼栋"],
}
for _category, _titles in MORE_TITLES.items():
    TITLES[_category] = TITLES[_category] + _titles
REJECT_REASONS = ["不属于共建范围,转交街道办理", "与已有事项重复", "本季度条件不具备,建议单位自行解决"]
COMMITMENTS = ["每季度按时召开党建联席会议并通报事项进展", "牵头协调解决校园周边交通秩序问题",
               "组织成员单位开展在职党员进社区活动不少于两次", "推动老旧小区基础设施改造事项全部落实"]


# the service menu (SPEC.md §9): what each unit offers (by its position in UNITS) and who reported
OFFERS = [
    (0, "老年人健康义诊", "公共服务", "医疗服务队", "测血压、血糖,慢病用药咨询", 2, "每月第二个周六上午"),
    (0, "家庭医生签约咨询", "公共服务", "家庭医生团队", "签约政策讲解、建档", 4, "工作日下午"),
    (0, "急救知识培训", "社会服务", "急诊科志愿队", "心肺复苏、海姆立克急救演示", 1, "每月一次,提前一周预约"),
    (1, "青少年课后托管", "社会服务", "教师志愿队", "作业辅导、阅读陪伴", 8, "工作日 16:30-18:00"),
    (1, "学校操场错峰开放", "公共服务", "", "周末和假期向居民开放操场", None, "周末 7:00-9:00"),
    (1, "家庭教育讲座", "社会服务", "心理教师", "亲子沟通、青春期教育", 1, "每学期两次"),
    (2, "居民用电安全检查", "公共服务", "共产党员服务队", "入户检查老化线路、插座", 6, "工作日"),
    (2, "电动车充电设施咨询", "市场服务", "营销班", "充电桩报装流程指导", 4, "工作日上午"),
    (3, "食品安全进社区", "公共服务", "食品安全科", "过期食品识别、消费维权", 2, "每月一次"),
    (3, "小餐饮证照办理指导", "市场服务", "登记注册科", "证照办理流程现场辅导", 2, "每周三下午"),
    (4, "物业管理咨询", "市场服务", "物业服务中心", "维修基金、物业费政策解答", 2, "工作日"),
    (4, "小区公共设施维修", "社会服务", "工程部", "楼道灯、单元门等小修", 4, "工作日"),
    (5, "独居老人探访", "社会服务", "邻里守望队", "上门陪伴、代购代办", 10, "每周二、四"),
    (5, "法律咨询", "公共服务", "法律咨询服务队", "婚姻家庭、劳动纠纷咨询", 2, "每月最后一个周五"),
    (5, "环境整治志愿服务", "社会服务", "环境保护服务队", "清理楼道、绿地捡拾垃圾", 4, "周末上午"),
]
VOLUNTEERS = [(0, "刘建华", "全科医生", ["健康义诊"], "教育医疗"), (0, "马晓雯", "护士", ["健康义诊", "急救培训"], "教育医疗"),
              (1, "高明", "语文教师", ["课后托管"], "教育医疗"), (2, "林志勇", "电工", ["用电检查"], "治安维稳"),
              (5, "何淑芬", "退休律师", ["法律咨询"], "法律咨询"), (5, "唐国庆", "社区志愿者", ["独居老人探访", "环境整治"], "环境保护")]
NEEDS = ["辖区老年人较多,希望定期上门服务", "居民反映需求集中,请安排服务", "群众议事会提出的需求", "网格员走访收集的需求"]
PLACES = ["牡丹社区党群服务中心", "牡丹花园小区 3 号楼", "社区广场", "锦绣家园小区活动室"]


def _rng(seed: int, *parts: object) -> random.Random:
    return random.Random("|".join(str(p) for p in (seed, *parts)))


def _at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=ZoneInfo(TZ)).astimezone(UTC)


def _local_day(moment: datetime) -> date:
    return moment.astimezone(ZoneInfo(TZ)).date()


def set_up(session: Session, now: datetime) -> Council:
    council, secretary = create_council(session, now=now, name="牡丹社区大党委", community_name="牡丹社区",
                                        secretary_name="王丽华", timezone=TZ)
    community = session.get(Unit, secretary.unit_id)
    add_member(session, council, community, by=secretary, now=now, name="刘晓东", role=MemberRole.staff,
               is_liaison=True, email="liuxd@example.org")
    add_channel(session, council, secretary, "email", "wanglihua@example.org", by=secretary, now=now)
    for n, (name, role) in enumerate(COMMUNITY_MEMBERS):
        member = add_member(session, council, community, by=secretary, now=now, name=name, role=role,
                            email=f"member{n}@example.org")
        if n == 0:
            # one member prefers a single daily digest to separate messages
            set_preferences(session, council, member, by=secretary, now=now, delivery="digest")
    heads = []
    for unit_name, kind, head, liaison in UNITS:
        unit = add_unit(session, council, by=secretary, now=now, name=unit_name, kind=kind)
        heads.append(add_member(session, council, unit, by=secretary, now=now, name=head, role=MemberRole.deputy,
                                email=f"head{unit.id}@example.org", language="en" if kind == UnitKind.hospital else "zh"))
        contact = add_member(session, council, unit, by=secretary, now=now, name=liaison, role=MemberRole.staff,
                             is_liaison=True, email=f"liaison{unit.id}@example.org", phone=f"1390000{unit.id:04d}")
        if kind == UnitKind.state_enterprise:
            # the power station's liaison reads the unit's WeCom group; the robot key is a secret
            add_channel(session, council, contact, "wecom", "secret:power_station_group", by=secretary, now=now)
    # the founding meeting names the school's head as the first chair
    appoint_first_chair(session, council, heads[1], date(YEAR, 1, 1), by=secretary, now=now)
    _menu(session, council, [session.get(Unit, h.unit_id) for h in heads], now)
    return council


SECOND = ("芍药社区大党委", "芍药社区", "赵秀兰", "高志远", [
    ("芍药社区卫生服务站", UnitKind.hospital, "许文静", "邓丽"), ("市实验中学", UnitKind.school, "彭建军", "曾晓燕"),
    ("芍药物业服务有限公司", UnitKind.private_enterprise, "吕振华", "苏敏")])
SECOND_OFFERS = [(0, "慢病随访", "公共服务", "家庭医生团队", "高血压、糖尿病随访", 4, "工作日上午"),
                 (1, "周末自习室开放", "公共服务", "", "周末开放图书馆给社区学生自习", None, "周末 9:00-17:00")]
STREET = ("牡丹街道", "周敏")


def set_up_second(session: Session, now: datetime) -> Council:
    """A smaller second community of the same street (SPEC.md §10): three member units."""
    name, community_name, secretary_name, staff_liaison, units = SECOND
    council, secretary = create_council(session, now=now, name=name, community_name=community_name,
                                        secretary_name=secretary_name, timezone=TZ)
    community = session.get(Unit, secretary.unit_id)
    add_member(session, council, community, by=secretary, now=now, name=staff_liaison, role=MemberRole.staff,
               is_liaison=True, email="c2-liaison@example.org")
    add_member(session, council, community, by=secretary, now=now, name="马春梅", role=MemberRole.member,
               email="c2-member@example.org")
    heads, rows = [], []
    for unit_name, kind, head, liaison in units:
        unit = add_unit(session, council, by=secretary, now=now, name=unit_name, kind=kind)
        rows.append(unit)
        heads.append(add_member(session, council, unit, by=secretary, now=now, name=head, role=MemberRole.deputy,
                                email=f"c2-head{unit.id}@example.org"))
        add_member(session, council, unit, by=secretary, now=now, name=liaison, role=MemberRole.staff, is_liaison=True,
                   email=f"c2-liaison{unit.id}@example.org")
    appoint_first_chair(session, council, heads[1], date(YEAR, 1, 1), by=secretary, now=now)
    for position, title, category, team, description, capacity, availability in SECOND_OFFERS:
        unit = rows[position]
        contact = session.exec(select(Member).where(Member.unit_id == unit.id, Member.is_liaison == True)).first()  # noqa: E712
        service_actions.publish_offer(session, council, unit, by=contact, now=now, title=title, category=category, team=team,
                                      description=description, capacity_per_month=capacity, availability=availability)
    return council


def set_up_street(session: Session, councils: list[Council], now: datetime):
    """The street office both communities belong to."""
    from cobuild.actions.streets import attach_council, create_street

    street = create_street(session, now=now, name=STREET[0], timezone=TZ)
    for council in councils:
        attach_council(session, street, council, now=now)
    return street


def _menu(session: Session, council: Council, units: list[Unit], now: datetime) -> None:
    """The units' service menu and the party members who reported, put in by each unit's liaison."""
    for position, title, category, team, description, capacity, availability in OFFERS:
        unit = units[position]
        contact = session.exec(select(Member).where(Member.unit_id == unit.id, Member.is_liaison == True)).first()  # noqa: E712
        service_actions.publish_offer(session, council, unit, by=contact, now=now, title=title, category=category,
                                      team=team, description=description, capacity_per_month=capacity,
                                      availability=availability, how_to_order="在服务菜单中下单,或电话联系本单位联络员")
    for position, name, skills, posts, team in VOLUNTEERS:
        unit = units[position]
        contact = session.exec(select(Member).where(Member.unit_id == unit.id, Member.is_liaison == True)).first()  # noqa: E712
        service_actions.register_volunteer(session, council, unit, by=contact, now=now, name=name, skills=skills,
                                           posts=posts, team=team, contact=f"1380000{len(name):04d}")


def write_documents(session: Session, council: Council, folder: Path, pdf: bool = False) -> dict[str, str]:
    """What a council hands on at year end: both term reports, the last resolution, the
    ledger and the calendar. PDFs only when asked: ~3-4 s of layout each here."""
    from cobuild.reports.calendar_feed import feed
    from cobuild.reports.documents import resolution_html, term_report_html, to_pdfs
    from cobuild.reports.ledger import write_ledger

    folder.mkdir(parents=True, exist_ok=True)
    year_end = _at(date(YEAR, 12, 31), 18)
    files: dict[str, str] = {}
    pdfs: list[tuple[str, str]] = []

    def document(name: str, key: str, page: str) -> None:
        (folder / f"{name}.html").write_text(page, encoding="utf-8")
        files[f"{key}_html"] = str(folder / f"{name}.html")
        if pdf:
            pdfs.append((page, str(folder / f"{name}.pdf")))
            files[f"{key}_pdf"] = str(folder / f"{name}.pdf")

    for term in session.exec(select(Term).where(Term.council_id == council.id, Term.status == TermStatus.reported)
                             .order_by(Term.number)).all():
        document(f"term-{term.number}-report", f"term_{term.number}_report",
                 term_report_html(session, council, term, date(YEAR, 12, 31)))
    last = session.exec(select(Conference).where(Conference.council_id == council.id,
                                                 Conference.status == ConferenceStatus.resolved)
                        .order_by(Conference.held_on.desc())).first()
    if last is not None:
        document(f"resolution-{last.code}", "resolution", resolution_html(session, council, last.code))
    to_pdfs(pdfs)
    write_ledger(session, council, year_end, folder / "ledger.xlsx")
    files["ledger"] = str(folder / "ledger.xlsx")
    (folder / "calendar.ics").write_bytes(feed(session, council, year_end))
    files["calendar"] = str(folder / "calendar.ics")
    return files


# ---- one simulated day ---------------------------------------------------------------------


def simulate_day(db_url: str, day: date, seed: int) -> dict:
    done: dict[str, int] = {}

    def attempt(key: str, fn, *args, **kwargs):
        # a simulated person may try something the rules refuse; like a real user they are
        # told no and nothing changes — the demo counts those refusals
        try:
            result = fn(*args, **kwargs)
            done[key] = done.get(key, 0) + 1
            return result
        except DomainError:
            done["refused"] = done.get("refused", 0) + 1
            return None

    with session_for(db_url) as session:
        for council in session.exec(select(Council)).all():
            _council_day(session, council, day, seed, attempt)
    return done


def _council_day(session: Session, council: Council, day: date, seed: int, attempt) -> None:
    members = session.exec(select(Member).where(Member.council_id == council.id)).all()
    units = session.exec(select(Unit).where(Unit.council_id == council.id).order_by(Unit.rotation_position)).all()
    liaison = {u.id: next(m for m in members if m.unit_id == u.id and m.is_liaison and m.role == MemberRole.staff) for u in units}
    voters = [m for m in members if m.votes]
    term = current_term(session, council.id)
    chair = session.get(Member, term.chair_member_id) if term and term.chair_member_id else None

    _terms_day(session, council, day, seed, attempt, voters, term, chair)
    for conference in session.exec(select(Conference).where(Conference.council_id == council.id,
                                                            Conference.status == ConferenceStatus.collecting)).all():
        _submissions(session, council, conference, units, liaison, day, seed, attempt)
    for conference in session.exec(select(Conference).where(Conference.council_id == council.id,
                                                            Conference.status == ConferenceStatus.agenda_locked,
                                                            Conference.held_on == day)).all():
        if chair:
            _hold_conference(session, council, conference, units, voters, chair, day, seed, attempt)
    if chair:
        _claims(session, council, units, liaison, chair, day, seed, attempt)
        _work(session, council, units, liaison, chair, day, seed, attempt)
    _services(session, council, liaison, day, seed, attempt)


def _services(session, council, liaison, day, seed, attempt) -> None:
    """The secretary orders from the menu on about one working day in six (now and then a need
    open to every unit); units take orders — some late, a few decline — serve, record, and
    answer the community's rating. Orders placed late in the year are still open at its end."""
    from cobuild.models.services import Offer, OfferStatus, Order, OrderStatus, Volunteer
    from cobuild.models.workdays import calendar_of

    secretary = session.exec(select(Member).where(Member.council_id == council.id,
                                                  Member.role == MemberRole.secretary)).first()
    r = _rng(seed, "order", council.id, day)
    if calendar_of(council).is_workday(day) and r.random() < 0.15:
        offers = session.exec(select(Offer).where(Offer.council_id == council.id, Offer.status == OfferStatus.listed)
                              .order_by(Offer.id)).all()
        offer = None if r.random() < 0.15 else r.choice(offers)
        attempt("orders_placed", service_actions.place_order, session, council, offer, by=secretary, now=_at(day, 9, 30),
                title=None if offer else r.choice(["楼道杂物清理", "防汛沙袋搬运", "老旧小区义务巡逻"]),
                need=r.choice(NEEDS), place=r.choice(PLACES), residents=r.randrange(10, 80),
                wanted_on=day + timedelta(days=r.randrange(7, 21)))
    volunteers: dict[int, list[Member]] = {}
    for row in session.exec(select(Volunteer).where(Volunteer.council_id == council.id)).all():
        volunteers.setdefault(row.unit_id, []).append(session.get(Member, row.member_id))
    units = [u.id for u in session.exec(select(Unit).where(Unit.council_id == council.id, Unit.kind != UnitKind.community)
                                        .order_by(Unit.id)).all()]
    for order in session.exec(select(Order).where(Order.council_id == council.id, Order.status.in_(
            [OrderStatus.placed, OrderStatus.taken, OrderStatus.scheduled, OrderStatus.served, OrderStatus.rated]))
            .order_by(Order.id)).all():
        o = _rng(seed, "order", order.id)
        placed = _local_day(order.placed_at)
        fate = o.choices(["take", "late", "decline", "cancel", "never"], weights=[66, 14, 7, 8, 5])[0]
        if order.status == OrderStatus.placed:
            unit_id = order.unit_id or o.choice(units)
            people = volunteers.get(unit_id, []) if o.random() < 0.5 else []
            taker = o.choice(people) if people else liaison[unit_id]
            wait = {"take": o.randrange(0, 3), "late": o.randrange(4, 8)}.get(fate)
            if fate == "decline" and day == placed + timedelta(days=1) and order.offer_id:
                attempt("orders_declined", service_actions.decline_order, session, order, by=liaison[unit_id],
                        now=_at(day, 11), reason="本月服务已排满,建议下月再约")
            elif fate == "cancel" and day == placed + timedelta(days=2):
                attempt("orders_cancelled", service_actions.cancel_order, session, order, by=secretary, now=_at(day, 11),
                        reason="需求已由网格员协调解决")
            elif wait is not None and day == placed + timedelta(days=wait):
                # most agree the date when they take it; some first take it and agree the date later
                attempt("orders_taken", service_actions.take_order, session, order, by=taker, now=_at(day, 14),
                        service_on=day + timedelta(days=o.randrange(3, 12)) if o.random() < 0.7 else None)
        elif order.status == OrderStatus.taken and day == _local_day(order.taken_at) + timedelta(days=3):
            attempt("orders_scheduled", service_actions.schedule_order, session, order, by=session.get(Member, order.taken_by),
                    now=_at(day, 10), service_on=day + timedelta(days=o.randrange(2, 8)))
        elif order.status == OrderStatus.scheduled and day == order.service_on + timedelta(days=o.randrange(0, 3)):
            taker = session.get(Member, order.taken_by)
            attempt("services_recorded", service_actions.record_service, session, order, by=taker, now=_at(day, 17),
                    served_on=order.service_on, hours=o.choice([1.5, 2, 3, 4]), residents_served=o.randrange(5, 60),
                    note="服务顺利完成,群众反响良好", evidence=[f"evidence/order-{order.id}/服务照片.jpg"])
        elif order.status == OrderStatus.served and day == order.served_on + timedelta(days=o.randrange(1, 6)):
            attempt("orders_rated", service_actions.rate_order, session, order, by=secretary, now=_at(day, 10),
                    rating=o.choices([5, 4, 3], weights=[60, 30, 10])[0], comment=o.choice(["服务热情周到", "群众很满意", "希望增加服务频次"]))
        elif order.status == OrderStatus.rated and day == _local_day(order.rated_at) + timedelta(days=o.randrange(1, 10)):
            if o.random() < 0.75:
                attempt("orders_answered", service_actions.answer_order, session, order, by=liaison[order.unit_id],
                        now=_at(day, 16), answer="感谢社区评价,我们将持续做好服务")
            else:
                attempt("orders_closed", service_actions.close_order, session, order, by=secretary, now=_at(day, 16))


def _terms_day(session, council, day, seed, attempt, voters, term, chair) -> None:
    at = _at(day, 10)
    for election in session.exec(select(Election).where(Election.council_id == council.id,
                                                        Election.status == ElectionStatus.open)).all():
        candidates = session.exec(select(Candidate.member_id).where(Candidate.election_id == election.id)).all()
        voted = set(session.exec(select(Ballot.voter_id).where(Ballot.election_id == election.id)).all())
        for voter in voters:
            r = _rng(seed, "vote", election.id, voter.id)
            if voter.id in voted or r.random() > 0.92:
                continue  # some never vote
            vote_day = _local_day(election.opens_at) + timedelta(days=r.randrange(0, 5))
            if vote_day == day:
                # people lean toward heads of larger units, but opinions differ
                choice = r.choices(candidates, weights=[1 + (c % 3) for c in candidates])[0]
                attempt("votes", term_actions.cast_vote, session, election, session.get(Member, choice), by=voter, now=at)
    if term is None or chair is None:
        return
    if term.status == TermStatus.active and term.inaugural_statement is None:
        attempt("statements", term_actions.publish_statement, session, term,
                f"感谢各位委员的信任。本届任期内,我将和大家一道,坚持难题同解、大事同办,把共建事项逐条落实销号。——{chair.name}",
                by=chair, now=at)
        r = _rng(seed, "commit", term.id)
        for title in r.sample(COMMITMENTS, 3):
            attempt("commitments", term_actions.add_commitment, session, term, title, by=chair, now=at)
    if term.status in (TermStatus.active, TermStatus.evaluating):
        for commitment in session.exec(select(Commitment).where(Commitment.term_id == term.id,
                                                                Commitment.status == CommitmentStatus.open)).all():
            r = _rng(seed, "commitment", commitment.id)
            close_day = term.starts_on + timedelta(days=r.randrange(40, 175))
            if day == close_day:
                kept = r.random() < 0.85
                attempt("commitments_closed", term_actions.close_commitment, session, commitment, by=chair, now=at,
                        fulfilled=kept, note="" if kept else "受资金所限,转入下届继续推进")
    if term.status == TermStatus.evaluating:
        done_ids = set(session.exec(select(EvaluationBallot.voter_id).where(EvaluationBallot.term_id == term.id)).all())
        for voter in voters:
            r = _rng(seed, "evaluate", term.id, voter.id)
            if voter.id in done_ids or voter.id == term.chair_member_id or r.random() > 0.9:
                continue
            if _local_day(term.evaluation_opened_at) + timedelta(days=r.randrange(0, 7)) == day:
                grade = r.choices(GRADES, weights=[55, 35, 8, 2])[0]
                attempt("evaluations", term_actions.cast_evaluation, session, term, by=voter, now=at, grade=grade)


def _submissions(session, council, conference, units, liaison, day, seed, attempt) -> None:
    window_start = _local_day(conference.window_opens_at)
    window_days = max(1, (_local_day(conference.window_closes_at) - window_start).days)
    for unit in units:
        r = _rng(seed, "submit", conference.id, unit.id)
        if window_start + timedelta(days=r.randrange(0, window_days)) != day:
            continue
        raised = set(session.exec(select(Item.title).where(Item.council_id == council.id)).all())
        for n in range(r.choice([1, 2, 2, 3, 3])):
            category = r.choice(council.categories)
            fresh = [title for title in TITLES[category] if title not in raised]
            same_now = session.exec(select(Item.title).where(Item.raised_conference_id == conference.id,
                                                             Item.category == category,
                                                             Item.raised_by_unit_id != unit.id)).all()
            if same_now and r.random() < 0.35:  # two units raise the same problem: the meeting merges them
                title = r.choice(same_now)
            else:
                title = r.choice(fresh) if fresh else f"{r.choice(TITLES[category])}(续)"
            if unit.kind == UnitKind.community:
                others = [u for u in units if u.id != unit.id]
                asks, asked = (AskKind.unit, r.choice(others).id) if r.random() < 0.6 else (AskKind.any, None)
            else:
                asks, asked = (AskKind.community, None) if r.random() < 0.6 else (AskKind.any, None)
            attempt("items_submitted", item_actions.submit_item, session, conference, unit, by=liaison[unit.id],
                    now=_at(day, 9 + n), title=title, category=category, asks=asks, asks_unit_id=asked,
                    description=f"{unit.name}提出:{title},请大党委协调推进。")


def _hold_conference(session, council, conference, units, voters, chair, day, seed, attempt) -> None:
    r = _rng(seed, "conference", conference.id)
    at = _at(day, 9, 30)
    present = [m.id for m in voters if m.id == chair.id or r.random() < 0.88]
    attempt("conferences_held", conf_actions.hold, session, conference, by=chair, now=at, present_ids=present)
    agenda = session.exec(select(AgendaEntry).where(AgendaEntry.conference_id == conference.id,
                                                    AgendaEntry.kind != AgendaKind.review)
                          .order_by(AgendaEntry.position)).all()
    accepted: list[Item] = []
    for entry in agenda:
        item = session.get(Item, entry.item_id)
        roll = r.random()
        same = [a for a in accepted if a.title == item.title]
        if same:
            attempt("merged", conf_actions.decide, session, item, "merge", by=chair, now=at, merge_into=same[0],
                    reason="与同类事项合并办理")
        elif roll < 0.80 or entry.kind == AgendaKind.carried:
            if attempt("accepted", conf_actions.decide, session, item, "accept", by=chair, now=at):
                accepted.append(item)
        elif roll < 0.90:
            attempt("deferred", conf_actions.decide, session, item, "defer", by=chair, now=at, reason="下次会议再议")
        else:
            attempt("rejected", conf_actions.decide, session, item, "reject", by=chair, now=at, reason=r.choice(REJECT_REASONS))
    heads = {m.unit_id: m for m in voters if m.role in (MemberRole.deputy, MemberRole.secretary)}
    for item in accepted:
        candidates = [u for u in units if u.id != item.raised_by_unit_id]
        lead = None
        if r.random() < 0.6:  # the chair names the lead; the rest are left for units to claim
            if item.asks == AskKind.unit:
                lead = item.asks_unit_id
            elif item.asks == AskKind.community:
                lead = next(u.id for u in units if u.kind == UnitKind.community)
            else:
                lead = r.choice(candidates).id
        cooperating = [u.id for u in r.sample(candidates, r.choice([0, 1, 1, 2])) if u.id != lead]
        attempt("assigned", item_actions.assign, session, item, by=chair, now=at,
                goal=f"{item.title},{r.choice(['按期完成并经提出单位验收', '形成长效机制', '居民满意度达到90%以上'])}",
                deadline=day + timedelta(days=r.randrange(35, 110)), lead_unit_id=lead, cooperating_unit_ids=cooperating,
                responsible_person=heads[lead].name if lead in heads else None)
    attempt("resolutions", conf_actions.publish_resolution, session, conference, by=chair, now=_at(day, 16))


def _claims(session, council, units, liaison, chair, day, seed, attempt) -> None:
    at = _at(day, 11)
    open_items = session.exec(select(Item).where(Item.council_id == council.id, Item.status == ItemStatus.accepted,
                                                 Item.number.is_not(None), Item.lead_unit_id.is_(None))).all()
    for item in open_items:
        r = _rng(seed, "claim", item.id)
        if _local_day(item.published_at) + timedelta(days=r.randrange(1, 6)) != day:
            continue
        if item.asks == AskKind.unit:
            unit_id = item.asks_unit_id
        elif item.asks == AskKind.community:
            unit_id = next(u.id for u in units if u.kind == UnitKind.community)
        else:
            unit_id = r.choice([u.id for u in units if u.id != item.raised_by_unit_id])
        attempt("claims", item_actions.claim, session, item, session.get(Unit, unit_id), "lead", by=liaison[unit_id], now=at)
        # now and then a second unit claims the lead too: the chair decides the conflict
        if r.random() < 0.15:
            rival = r.choice([u.id for u in units if u.id not in (unit_id, item.raised_by_unit_id)])
            attempt("claims", item_actions.claim, session, item, session.get(Unit, rival), "lead", by=liaison[rival], now=at)
        if r.random() < 0.3:
            helper = r.choice([u.id for u in units if u.id not in (unit_id, item.raised_by_unit_id)])
            attempt("claims", item_actions.claim, session, item, session.get(Unit, helper), "cooperating", by=liaison[helper], now=at)
    # the chair goes through pending claims the next working morning
    for claim_row in session.exec(select(Claim).join(Item, Item.id == Claim.item_id).where(
            Item.council_id == council.id, Claim.status == ClaimStatus.pending)).all():
        if _local_day(claim_row.claimed_at) < day:
            item = session.get(Item, claim_row.item_id)
            if claim_row.role == "lead" and item.lead_unit_id is not None:
                attempt("claims_declined", item_actions.decide_claim, session, claim_row, by=chair, now=_at(day, 9),
                        confirm=False, reason="已确定其他牵头单位,请作为配合单位参与")
            else:
                attempt("claims_confirmed", item_actions.decide_claim, session, claim_row, by=chair, now=_at(day, 9))


def _work(session, council, units, liaison, chair, day, seed, attempt) -> None:
    at = _at(day, 15)
    working = session.exec(select(Item).where(Item.council_id == council.id, Item.status.in_(
        [ItemStatus.claimed, ItemStatus.in_progress, ItemStatus.close_requested, ItemStatus.reopened]))).all()
    raiser_liaison = liaison
    for item in working:
        r = _rng(seed, "work", item.id)
        published = _local_day(item.published_at)
        planned = (item.original_deadline - published).days
        # most finish before the deadline; some run late; a few stall and are overdue at year end
        pace = r.choices([0.6, 0.85, 1.15, 1.6, 4.0], weights=[33, 32, 15, 8, 12])[0]
        finish = published + timedelta(days=max(7, int(planned * pace)))
        lead_liaison = liaison[item.lead_unit_id]
        # now and then a lead gives an item back before starting; the chair names another lead
        if item.status == ItemStatus.claimed and day == published + timedelta(days=2) and r.random() < 0.15:
            attempt("declined", item_actions.decline_assignment, session, item, by=lead_liaison, now=_at(day, 10),
                    reason="本单位近期人手不足,难以牵头")
            other = r.choice([u.id for u in units if u.id not in (item.raised_by_unit_id, item.lead_unit_id or 0)])
            attempt("reassigned", item_actions.assign, session, item, by=chair, now=_at(day, 16), lead_unit_id=other)
            continue
        if item.status in (ItemStatus.claimed, ItemStatus.in_progress, ItemStatus.reopened):
            if day >= finish:
                if item.status != ItemStatus.in_progress or item.latest_percent < 100:
                    attempt("progress", item_actions.post_progress, session, item, by=lead_liaison, now=at, percent=100,
                            note="已全部完成,申请验收", evidence=[f"evidence/{item.number}/完成照片.jpg"])
                attempt("close_requests", item_actions.request_close_out, session, item, by=lead_liaison, now=at,
                        note="事项已办结,请提出单位验收", evidence=[f"evidence/{item.number}/验收材料.pdf"])
            elif (day - published).days % 10 == r.randrange(0, 10):
                percent = min(95, max(item.latest_percent + 5, int(100 * (day - published).days / max(1, (finish - published).days))))
                attempt("progress", item_actions.post_progress, session, item, by=lead_liaison, now=at, percent=percent,
                        note=f"推进中:已完成约{percent}%")
            # a late item gets one extension, asked for in the week before its deadline
            if pace > 1 and item.extensions == 0 and item.deadline - timedelta(days=5) == day and r.random() < 0.5:
                attempt("extensions", item_actions.extend_deadline, session, item, item.deadline + timedelta(days=30),
                        by=chair, now=at, reason="施工受天气影响,经联席会议同意延期30天")
            # the chair hurries (催办) an item two weeks overdue, and again every fortnight it stays so
            elif item.deadline and day > item.deadline and (day - item.deadline).days % 14 == 0:
                attempt("hurried", item_actions.hurry, session, item, by=chair, now=_at(day, 11))
        elif item.status == ItemStatus.close_requested:
            requested = _local_day(item.close_requested_at)
            if day == requested + timedelta(days=r.randrange(1, 5)):
                verifier = raiser_liaison[item.raised_by_unit_id]
                if item.send_backs == 0 and r.random() < 0.15:
                    attempt("sent_back", item_actions.send_back, session, item, by=verifier, now=_at(day, 10),
                            reason="现场查看仍有遗留问题,请整改后再申请销号")
                else:
                    attempt("closed", item_actions.verify_close_out, session, item, by=verifier, now=_at(day, 10),
                            satisfaction=r.choices([5, 4, 3], weights=[60, 30, 10])[0], comment="问题已解决,同意销号")
    # a few closed items come back within the reopen window: the problem returned
    for item in session.exec(select(Item).where(Item.council_id == council.id, Item.status == ItemStatus.closed,
                                                Item.reopens == 0, Item.closed_on == day - timedelta(days=6))).all():
        if _rng(seed, "reopen", item.id).random() < 0.12:
            attempt("reopened", item_actions.reopen, session, item, by=raiser_liaison[item.raised_by_unit_id],
                    now=_at(day, 14), reason="问题反弹,请继续跟进")


# ---- the summary ---------------------------------------------------------------------------


DEMO_PASSWORD = "cobuild-demo"


def demo_accounts(session: Session, council: Council, prefix: str = "") -> list[dict]:
    """Sign-in accounts for every demo person, one shared demo password, so that a newcomer can
    open `cobuild serve --demo` and sign in as the secretary, the chair, a liaison or a member.
    (One Argon2 hash is computed and shared: the same password, and ~1 s saved.)"""
    from cobuild.actions.accounts import hash_password
    from cobuild.actions.common import current_term
    from cobuild.models import Account

    password_hash = hash_password(DEMO_PASSWORD)
    now = _at(date(YEAR, 12, 31), 23, 0)
    term = current_term(session, council.id)
    units = {u.id: u for u in session.exec(select(Unit).where(Unit.council_id == council.id)).all()}
    rows: list = []
    seen: dict = {}
    for member in session.exec(select(Member).where(Member.council_id == council.id).order_by(Member.id)).all():
        unit = units[member.unit_id]
        if member.role == MemberRole.secretary:
            login = "secretary"
        elif unit.kind == UnitKind.community:
            login = "community-liaison" if member.is_liaison else f"member{sum(k.startswith(prefix + 'member') for k in seen) + 1}"
        elif member.role == MemberRole.staff and not member.is_liaison:  # a party member who reported
            login = f"unit{unit.rotation_position}-volunteer{sum(k.startswith(f'{prefix}unit{unit.rotation_position}-volunteer') for k in seen) + 1}"
        else:
            login = f"unit{unit.rotation_position}-{'liaison' if member.is_liaison else 'head'}"
        login = prefix + login
        seen[login] = True
        account = session.exec(select(Account).where(Account.login == login)).first()
        if account is None:
            account = Account(login=login, password_hash=password_hash, created_at=now)
            session.add(account)
            session.flush()
        member.account_id = account.id
        session.add(member)
        role = ("轮值主席 chair" if term and term.chair_member_id == member.id else
                {"secretary": "社区书记 secretary", "deputy": "单位负责人 unit head", "member": "委员 member"}.get(
                    member.role, "工作人员 staff"))
        if member.is_liaison:
            role += " · 联络员 liaison"
        elif member.role == MemberRole.staff:
            role = "在职党员 party member"
        rows.append({"login": login, "name": member.name, "unit": unit.name, "role": role})
    session.commit()
    return rows


def street_account(session: Session, street) -> dict:
    """The street office's demo sign-in (`street`), on the staff of the demo's street."""
    from cobuild.actions.accounts import hash_password
    from cobuild.actions.streets import add_staff
    from cobuild.models import Account, StreetStaff

    account = session.exec(select(Account).where(Account.login == "street")).first()
    now = _at(date(YEAR, 12, 31), 23, 0)
    if account is None:
        account = Account(login="street", password_hash=hash_password(DEMO_PASSWORD), created_at=now)
        session.add(account)
        session.commit()
    if session.exec(select(StreetStaff).where(StreetStaff.account_id == account.id)).first() is None:
        add_staff(session, street, account, now=now, name=STREET[1])
    return {"login": "street", "name": STREET[1], "unit": street.name, "role": "街道工作人员 street office"}


def year_end_appraisal(session: Session, street, seed: int = 7) -> dict:
    """The street's 2026 appraisal of its member units: self-evaluations, the street's and each
    community's ratings, residents' codes (about 60 used), published on the last day of the year."""
    from cobuild.actions import appraisal
    from cobuild.models import Account, StreetStaff

    staff = session.exec(select(StreetStaff).join(Account, Account.id == StreetStaff.account_id)
                         .where(Account.login == "street")).one()
    row = appraisal.open_round(session, now=_at(date(YEAR, 12, 1), 9), year=YEAR, self_due=date(YEAR, 12, 15),
                               closes_on=date(YEAR, 12, 31), street=street, staff=staff, excellent_cap=0.3)
    units = appraisal.units_of_round(session, row)
    for unit in units:
        r = _rng(seed, "appraisal", unit.id)
        council = session.get(Council, unit.council_id)
        contact = session.exec(select(Member).where(Member.unit_id == unit.id, Member.is_liaison == True)).first()  # noqa: E712
        own = {k: r.randrange(80, 98) for k in ("duty", "results", "service")}
        appraisal.submit_self(session, row, unit, by=contact, now=_at(date(YEAR, 12, 10), 10), scores=own,
                              report="本年度认真履行共建职责,按时认领并办结牵头事项,积极参与服务菜单。")
        base = r.randrange(74, 99)
        appraisal.rate_unit(session, row, unit, now=_at(date(YEAR, 12, 20), 10), staff=staff, comment="积极参与共建",
                            scores={k: min(100, base + r.randrange(-4, 5)) for k in ("duty", "results", "service")})
        secretary = session.exec(select(Member).where(Member.council_id == council.id,
                                                      Member.role == MemberRole.secretary)).one()
        appraisal.rate_unit(session, row, unit, now=_at(date(YEAR, 12, 21), 10), by=secretary,
                            scores={k: min(100, base + r.randrange(-6, 7)) for k in ("duty", "results", "service")})
    used = 0
    for council in session.exec(select(Council).where(Council.street_id == street.id).order_by(Council.id)).all():
        secretary = session.exec(select(Member).where(Member.council_id == council.id, Member.role == MemberRole.secretary)).one()
        issued = 45 if council.id == 1 else 25
        codes = appraisal.issue_codes(session, row, council, issued, by=secretary, now=_at(date(YEAR, 12, 2), 9))
        mine = [u for u in units if u.council_id == council.id]
        for n, code in enumerate(codes[: issued * 4 // 5]):  # most residents use their code
            r = _rng(seed, "resident", council.id, n)
            chosen = r.sample(mine, k=r.randrange(1, len(mine) + 1))
            appraisal.resident_rating(session, row.id, code, {u.id: r.choices([5, 4, 3, 2], weights=[50, 30, 15, 5])[0] for u in chosen},
                                      now=_at(date(YEAR, 12, 3) + timedelta(days=n % 20), 19))
            used += 1
    appraisal.publish_round(session, row, now=_at(date(YEAR, 12, 31), 17), staff=staff)
    return {"id": row.id, "year": YEAR, "codes_used": used, "weights": row.weights,
            "units": [{k: u[k] for k in ("rank", "unit", "council", "score", "grade", "quantitative", "street", "community",
                                         "residents")} for u in row.result["units"]]}


def summarise(session: Session, council: Council, totals: dict, db_url: str) -> dict:
    from cobuild.models.services import Volunteer
    from cobuild.reports.services import order_summary
    from cobuild.reports.tracking import item_stats, status_counts
    from cobuild.reports.views import election_row, term_row

    today = date(YEAR, 12, 31)
    whole = item_stats(session, council, today, "council")[0]
    terms = [term_row(session, t) for t in session.exec(select(Term).where(Term.council_id == council.id).order_by(Term.number)).all()]
    conferences = session.exec(select(Conference).where(Conference.council_id == council.id).order_by(Conference.held_on)).all()
    counts = {k: v for k, v in status_counts(session, council.id).items() if v}
    return {
        "db": db_url,
        "council": council.name,
        "units": session.exec(select(func.count()).select_from(Unit).where(Unit.council_id == council.id)).one(),
        "members": session.exec(select(func.count()).select_from(Member).where(Member.council_id == council.id)).one(),
        "terms": [{"id": t["id"], "number": t["number"], "from": t["starts_on"], "to": t["ends_on"], "status": t["status"],
                   "chair": t["chair"], "chair_source": t["chair_source"],
                   "commitments": len(t["commitments"]),
                   "commitments_kept": sum(c["status"] == "done" for c in t["commitments"]),
                   "evaluations": t["evaluations"]} for t in terms],
        "elections": [{k: e[k] for k in ("id", "term_id", "round", "status", "winner", "decided_by", "ballots")}
                      for e in (election_row(session, e) for e in session.exec(
                          select(Election).where(Election.council_id == council.id).order_by(Election.id)).all())],
        "conferences": [{"code": c.code, "held_on": c.held_on.isoformat(), "status": c.status,
                         "items_accepted": session.exec(select(func.count()).select_from(Item)
                                                        .where(Item.resolution_conference_id == c.id, Item.number.is_not(None))).one()}
                        for c in conferences],
        "items": counts,
        "items_total": sum(counts.values()),
        "overdue_at_year_end": whole["overdue"],
        "extensions": whole["extensions"],
        "completion_rate": whole["completion_rate"],
        "on_time_rate": whole["on_time_rate"],
        "avg_days_to_close": whole["avg_days_to_close"],
        "satisfaction": whole["satisfaction"],
        "by_quarter": item_stats(session, council, today, "quarter"),
        "by_unit": item_stats(session, council, today, "unit"),
        "audit_events": session.exec(select(func.count()).select_from(AuditEvent)
                                     .where(AuditEvent.council_id == council.id)).one(),
        "reminders": dict(session.exec(select(Notification.kind, func.count()).where(Notification.council_id == council.id)
                                       .group_by(Notification.kind).order_by(Notification.kind)).all()),
        "escalations": session.exec(select(func.count()).select_from(AuditEvent)
                                    .where(AuditEvent.council_id == council.id, AuditEvent.action.like("item.escalate_%"))).one(),
        "deliveries": dict(session.exec(select(Delivery.status, func.count()).group_by(Delivery.status)).all()),
        "escalated": {action.rsplit("_", 1)[1]: n for action, n in session.exec(
            select(AuditEvent.action, func.count()).where(AuditEvent.council_id == council.id,
                                                         AuditEvent.action.like("item.escalate_%"))
            .group_by(AuditEvent.action)).all()},
        "offers": _offer_counts(session, council),
        "orders": order_summary(session, council),
        "volunteers": session.exec(select(func.count()).select_from(Volunteer).where(Volunteer.council_id == council.id)).one(),
        "actions": totals,
    }


def _offer_counts(session: Session, council: Council) -> dict:
    from cobuild.models.services import Offer

    rows = session.exec(select(Offer.category, Offer.status).where(Offer.council_id == council.id)).all()
    by_category: dict[str, int] = {}
    for category, _ in rows:
        by_category[category] = by_category.get(category, 0) + 1
    return {"total": len(rows), "listed": sum(1 for _, status in rows if status == "listed"), "by_category": by_category}
