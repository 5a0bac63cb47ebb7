"""An iCalendar feed per council or per unit: deadlines, conferences, election and
evaluation windows. UIDs are stable and SEQUENCE grows with each extension, so calendar
clients move an event when its deadline moves."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import or_
from sqlmodel import Session, select

from cobuild.models import WORKING_STATES, Claim, ClaimStatus, Conference, Council, Election, Item, ItemStatus, Term, Unit
from cobuild.models.messages import state_name
from cobuild.models.terms import evaluation_opens_at, term_end_at
from cobuild.platform.links import configured_base, page_link


def feed(session: Session, council: Council, now: datetime, unit: Unit | None = None) -> bytes:
    from icalendar import Alarm, Calendar, Event

    units = {u.id: u.name for u in session.exec(select(Unit).where(Unit.council_id == council.id)).all()}
    calendar = Calendar()
    calendar.add("prodid", "-//cobuild//共建事项双向清单//ZH")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", f"{council.name}{' · ' + unit.name if unit else ''} 共建事项")
    calendar.add("x-wr-timezone", council.timezone)
    host = f"council-{council.id}.cobuild"

    base = configured_base()

    def event(uid: str, summary: str, start, end=None, description: str = "", sequence: int = 0,
              subject: tuple[str, int] | None = None, alarms: tuple[tuple[timedelta, str], ...] = ()):
        e = Event()
        e.add("uid", f"{uid}@{host}")
        e.add("summary", summary)
        e.add("dtstamp", now)
        e.add("dtstart", start)
        if end is not None:
            e.add("dtend", end)
        if description:
            e.add("description", description)
        e.add("sequence", sequence)
        link = page_link(base, council.id, *subject) if subject else None
        if link:  # the event's page in the web app (COBUILD_PUBLIC_URL)
            e.add("url", link)
            e["description"] = f"{description}\n{link}".strip()
        for before, text in alarms:  # a reminder on the phone, before the start
            alarm = Alarm()
            alarm.add("action", "DISPLAY")
            alarm.add("description", text)
            alarm.add("trigger", -before)
            e.add_component(alarm)
        calendar.add_component(e)

    # closed items stay, marked as closed: a calendar's past shows what was done, not a gap
    items = select(Item).where(Item.council_id == council.id, Item.number.is_not(None),
                               Item.status.in_([*WORKING_STATES, ItemStatus.closed]), Item.deadline.is_not(None))
    if unit is not None:
        involved = select(Claim.item_id).where(Claim.unit_id == unit.id, Claim.status == ClaimStatus.confirmed)
        items = items.where(or_(Item.lead_unit_id == unit.id, Item.raised_by_unit_id == unit.id,
                                Item.id.in_(involved)))
    for item in session.exec(items.order_by(Item.deadline)).all():
        closed = item.status == ItemStatus.closed
        tag = f"【已销号 {item.closed_on}】" if closed else "【到期】"
        event(f"item-{item.id}-deadline", f"{tag}{item.number} {item.title}", item.deadline,
              item.deadline + timedelta(days=1),
              f"状态:{state_name(item.status)}\n牵头单位:{units.get(item.lead_unit_id, '-')}\n"
              f"责任人:{item.responsible_person or '-'}\n目标任务:{item.goal or '-'}",
              sequence=item.extensions + (1 if closed else 0), subject=("item", item.id),
              # the working morning before (09:00 the day before an all-day event), and three days ahead
              alarms=() if closed else ((timedelta(hours=15), f"明天到期:{item.number} {item.title}"),
                                        (timedelta(days=2, hours=15), f"3 天后到期:{item.number} {item.title}")))
    for conference in session.exec(select(Conference).where(Conference.council_id == council.id)).all():
        event(f"conference-{conference.id}", f"【党建联席会议】{conference.code}", conference.scheduled_at,
              conference.scheduled_at + timedelta(hours=2), subject=("conference", conference.id),
              alarms=((timedelta(days=1), f"明天召开党建联席会议 {conference.code}"),
                      (timedelta(hours=1), f"一小时后召开党建联席会议 {conference.code}")))
        event(f"conference-{conference.id}-window", f"【事项征集】{conference.code}", conference.window_opens_at,
              conference.window_closes_at, subject=("conference", conference.id))
    for election in session.exec(select(Election).where(Election.council_id == council.id)).all():
        event(f"election-{election.id}", f"【主席选举】第{election.round}轮", election.opens_at, election.closes_at,
              subject=("election", election.id))
    for term in session.exec(select(Term).where(Term.council_id == council.id)).all():
        event(f"term-{term.id}-evaluation", f"【履职测评】第{term.number}届", evaluation_opens_at(council, term),
              term_end_at(council, term), subject=("term", term.id))
    return calendar.to_ical()
