"""Benchmark data through the real models: councils set up by the use cases, items bulk-inserted."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import insert
from sqlmodel import select

from cobuild.actions.council import add_channel, add_member, add_unit, appoint_first_chair, create_council
from cobuild.actions.cycles import advance
from cobuild.models import Conference, Item, ItemStatus, MemberRole, Unit, UnitKind
from cobuild.models.reminders import Policy, deadline_steps
from cobuild.models.workdays import WorkCalendar
from cobuild.platform.db import session_for, upgrade

T0 = datetime(2026, 1, 1, 0, 1, tzinfo=UTC)
TICK = datetime(2026, 6, 2, 1, 0, tzinfo=UTC)  # 09:00 in Shanghai on a Tuesday


def build(url: str, councils: int, open_items: int, due: int, seed: int = 7) -> dict:
    """`councils` councils of 7 units; `open_items` items in progress, of which `due` have a
    reminder falling due at TICK (one recipient each), the rest spread over later days."""
    upgrade(url)
    rng = random.Random(seed)
    cal, policy = WorkCalendar(), Policy()
    lead_units: list[tuple[int, int, int]] = []  # (council, unit, conference)
    with session_for(url) as session:
        for n in range(councils):
            council, secretary = create_council(session, now=T0, name=f"基准社区{n}大党委", community_name=f"基准社区{n}",
                                                secretary_name=f"书记{n}")
            chair = None
            for k, kind in enumerate((UnitKind.school, UnitKind.hospital, UnitKind.government,
                                      UnitKind.state_enterprise, UnitKind.private_enterprise, UnitKind.social_org)):
                unit = add_unit(session, council, by=secretary, now=T0, name=f"单位{n}-{k}", kind=kind)
                head = add_member(session, council, unit, by=secretary, now=T0, name=f"负责人{n}-{k}", role=MemberRole.deputy)
                liaison = add_member(session, council, unit, by=secretary, now=T0, name=f"联络员{n}-{k}",
                                     role=MemberRole.staff, is_liaison=True)
                add_channel(session, council, liaison, "file", f"liaison-{n}-{k}", by=secretary, now=T0)
                chair = chair or head
                lead_units.append((council.id, unit.id, 0))
            appoint_first_chair(session, council, chair, date(2026, 1, 1), by=secretary, now=T0)
        advance(session, T0 + timedelta(minutes=5))
        conferences = {c.council_id: c.id for c in session.exec(select(Conference).where(Conference.seq_in_term == 1)).all()}
        community = {u.council_id: u.id for u in session.exec(select(Unit).where(Unit.kind == UnitKind.community)).all()}
        due_deadline = cal.add_workdays(date(2026, 6, 2), 7)  # the "7 working days before" step falls on the tick day
        step_at = next(s.at for s in deadline_steps(due_deadline, cal, policy) if s.step == "7")
        rows = []
        for i in range(open_items):
            council_id, unit_id, _ = lead_units[i % len(lead_units)]
            is_due = i < due
            deadline = due_deadline if is_due else date(2026, 6, 20) + timedelta(days=rng.randrange(0, 200))
            rows.append({
                "council_id": council_id, "raised_conference_id": conferences[council_id],
                "conference_id": conferences[council_id], "resolution_conference_id": conferences[council_id],
                "number": f"2026-Q1-{i:07d}", "raised_by_unit_id": community[council_id], "asks": "any",
                "category": "其他", "title": f"基准事项{i}", "description": "", "status": ItemStatus.in_progress.value,
                "goal": "按期完成", "lead_unit_id": unit_id, "responsible_person": "外部责任人", "deadline": deadline,
                "original_deadline": deadline, "extensions": 0, "latest_percent": 30, "send_backs": 0, "reopens": 0,
                "deferrals": 0, "submitted_at": T0, "updated_at": T0, "version": 1,
                "published_at": T0,
                "next_reminder_at": step_at if is_due else TICK + timedelta(days=1 + rng.randrange(0, 100)),
            })
            if len(rows) == 20000:
                session.execute(insert(Item), rows)
                rows = []
        if rows:
            session.execute(insert(Item), rows)
        session.commit()
    return {"councils": councils, "open_items": open_items, "due": due}


def mix_for_reports(url: str, seed: int = 11) -> dict:
    """Turn the swept database (every item in progress) into a year's realistic spread for the
    reports figure, keeping 1M items: by `id % 100`, 55 % closed (44 on time, 11 late), 25 % in
    progress of which 10 overdue, 3 % awaiting verification, 6 % never numbered (deferred,
    rejected, merged), 2 % cancelled; every confirmed item has its confirmed lead claim, a third
    a confirmed cooperating claim, 2 % a lead claim given back. SQLite only (date arithmetic)."""
    from sqlalchemy import text

    from cobuild.models import Claim, ClaimRole, ClaimStatus

    rng = random.Random(seed)
    with session_for(url) as session:
        run = session.execute
        run(text("UPDATE item SET status = 'closed', accepted_at = submitted_at, closed_on = date(deadline, "
                 "'-' || (id % 7) || ' days'), closed_on_time = 1, days_to_close = 20 + id % 90, "
                 "satisfaction = 3 + id % 3, send_backs = (id % 5 = 0), next_reminder_at = NULL WHERE id % 100 < 44"))
        run(text("UPDATE item SET status = 'closed', accepted_at = submitted_at, closed_on = date(deadline, "
                 "'+' || (1 + id % 20) || ' days'), closed_on_time = 0, days_to_close = 60 + id % 120, "
                 "satisfaction = 2 + id % 3, send_backs = 1, reopens = (id % 3 = 0), next_reminder_at = NULL "
                 "WHERE id % 100 BETWEEN 44 AND 54"))
        run(text("UPDATE item SET deadline = date('2026-06-02', '-' || (1 + id % 60) || ' days'), extensions = 1 "
                 "WHERE id % 100 BETWEEN 55 AND 64"))
        run(text("UPDATE item SET status = 'close_requested', latest_percent = 100 WHERE id % 100 BETWEEN 80 AND 82"))
        run(text("UPDATE item SET status = CASE id % 3 WHEN 0 THEN 'deferred' WHEN 1 THEN 'rejected' ELSE 'merged' END, "
                 "number = NULL, lead_unit_id = NULL, resolution_conference_id = NULL, deadline = NULL, "
                 "responsible_person = NULL, next_reminder_at = NULL WHERE id % 100 BETWEEN 83 AND 88"))
        run(text("UPDATE item SET status = 'cancelled', next_reminder_at = NULL WHERE id % 100 BETWEEN 89 AND 90"))
        units: dict[int, list[int]] = {}
        for council_id, unit_id in run(text("SELECT council_id, id FROM unit ORDER BY id")):
            units.setdefault(council_id, []).append(unit_id)
        claims, rows = 0, []
        for item_id, council_id, lead in run(text("SELECT id, council_id, lead_unit_id FROM item "
                                                  "WHERE number IS NOT NULL")).all():
            rows.append({"item_id": item_id, "unit_id": lead, "role": ClaimRole.lead.value,
                         "status": ClaimStatus.confirmed.value, "claimed_at": T0})
            if item_id % 3 == 0:
                helper = rng.choice([u for u in units[council_id] if u != lead])
                rows.append({"item_id": item_id, "unit_id": helper, "role": ClaimRole.cooperating.value,
                             "status": ClaimStatus.confirmed.value, "claimed_at": T0})
            if item_id % 50 == 7:
                rows.append({"item_id": item_id, "unit_id": rng.choice([u for u in units[council_id] if u != lead]),
                             "role": ClaimRole.lead.value, "status": ClaimStatus.withdrawn.value, "claimed_at": T0})
            if len(rows) >= 20000:
                run(insert(Claim), rows)
                claims, rows = claims + len(rows), []
        if rows:
            run(insert(Claim), rows)
            claims += len(rows)
        session.commit()
        counts = dict(run(text("SELECT status, count(*) FROM item GROUP BY status")).all())
    return {"statuses": counts, "claims": claims}


def close_items(url: str, ids: list[int], day: date) -> None:
    """Close these items the day before `day`, on time (between two reports: the changes a
    report's kept cards must catch up with). Plain UPDATEs: the database's triggers mark the
    units whatever path the change takes."""
    from sqlalchemy import text

    with session_for(url) as session:
        for start in range(0, len(ids), 500):
            session.execute(text(
                "UPDATE item SET status = 'closed', closed_on = :on, closed_on_time = 1, days_to_close = 30, "
                f"satisfaction = 4 WHERE id IN ({', '.join(str(int(i)) for i in ids[start:start + 500])})"),
                {"on": (day - timedelta(days=1)).isoformat()})
        session.commit()
