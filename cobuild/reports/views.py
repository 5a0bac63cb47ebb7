"""Read models: rows turned into plain dicts for the CLI (and later the web app and API)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from sqlalchemy import and_, bindparam, func, or_
from sqlalchemy import select as sa_select
from sqlmodel import Session, select

from cobuild.models import (
    AgendaEntry,
    AgendaKind,
    AuditEvent,
    Ballot,
    Candidate,
    Claim,
    Commitment,
    Conference,
    Council,
    Election,
    EvaluationBallot,
    Item,
    Member,
    ProgressReport,
    Term,
    TermStatus,
    Unit,
    days_overdue,
    is_overdue,
)
from cobuild.models.audit import AUDIT_COLUMNS
from cobuild.models.base import jsonable, local_text, today_for
from cobuild.models.messages import state_name
from cobuild.platform.db import memo

# Statements of the item read built once, values going in as bound parameters: built per request,
# SQLAlchemy's building and cache keys were a large part of the read's own time. Of the tables'
# columns, not the models' attributes: those go through the ORM's compiling and result handling,
# which cost more than these queries (bench/limits.md).
_UNITS, _CLAIM_ROWS, _REPORTS = Unit.__table__.c, Claim.__table__.c, ProgressReport.__table__.c
_MEMBERS = Member.__table__.c
_UNIT_NAMES = sa_select(_UNITS.id, _UNITS.name).where(_UNITS.council_id == bindparam("council"))
_CLAIMS = (sa_select(_CLAIM_ROWS.id, _CLAIM_ROWS.unit_id, _CLAIM_ROWS.role, _CLAIM_ROWS.status)
           .where(_CLAIM_ROWS.item_id == bindparam("item")).order_by(_CLAIM_ROWS.id))
_PROGRESS = (sa_select(_REPORTS.at, _REPORTS.unit_id, _REPORTS.percent, _REPORTS.note, _REPORTS.evidence)
             .where(_REPORTS.item_id == bindparam("item")).order_by(_REPORTS.id.desc()))
_PROGRESS_COUNT = sa_select(func.count()).select_from(ProgressReport.__table__).where(_REPORTS.item_id == bindparam("item"))
_ON_ITEM = or_(
    and_(AUDIT_COLUMNS.subject_type == "item", AUDIT_COLUMNS.subject_id == bindparam("item")),
    and_(AUDIT_COLUMNS.subject_type == "claim",
         AUDIT_COLUMNS.subject_id.in_(sa_select(_CLAIM_ROWS.id).where(_CLAIM_ROWS.item_id == bindparam("item")))))
_EVENTS = (sa_select(AUDIT_COLUMNS.id, AUDIT_COLUMNS.hash, AUDIT_COLUMNS.actor_id, _MEMBERS.name)
           .outerjoin_from(AuditEvent.__table__, Member.__table__, _MEMBERS.id == AUDIT_COLUMNS.actor_id)
           .where(_ON_ITEM).order_by(AUDIT_COLUMNS.id.desc()))
_EVENTS_COUNT = sa_select(func.count()).select_from(AuditEvent.__table__).where(_ON_ITEM)
# the same, the latest `limit` of them (the limit a bound parameter too)
_LIMITED = {query: query.limit(bindparam("limit")) for query in (_PROGRESS, _EVENTS)}


def unit_names(session: Session, council_id: int) -> dict[int, str]:
    """The council's units' names by id, once per request until it writes (an action's hand-off
    and its answer both name units)."""
    return memo(session, ("unit_names", council_id),
                lambda: dict(session.execute(_UNIT_NAMES, {"council": council_id}).all()))


def item_row(item: Item, units: dict[int, str], today: date) -> dict:
    """`item`: an Item, or a row of its table's columns (the item list)."""
    return {
        "id": item.id, "number": item.number, "title": item.title, "category": item.category,
        "status": item.status, "status_zh": state_name(item.status),
        "raised_by": units.get(item.raised_by_unit_id), "asks": item.asks,
        "asks_unit": units.get(item.asks_unit_id) if item.asks_unit_id else None,
        "lead_unit": units.get(item.lead_unit_id) if item.lead_unit_id else None,
        "responsible_person": item.responsible_person, "goal": item.goal,
        "deadline": item.deadline, "extensions": item.extensions, "percent": item.latest_percent,
        "overdue": is_overdue(item.status, item.deadline, today),
        "days_overdue": days_overdue(item.status, item.deadline, today),
        "closed_on": item.closed_on, "closed_on_time": item.closed_on_time, "satisfaction": item.satisfaction,
    }


HISTORY = 50  # progress reports and timeline events an item page shows unless all are asked for


def item_detail(session: Session, council: Council, item: Item, now, history: int | None = HISTORY) -> dict:
    """An item with its claims and, newest last, its latest `history` progress reports and
    timeline events (None: all), with the totals: a long-running item's page stays the same size.
    The same for everyone who may see it: kept until the council changes (reports/versioned.py)."""
    return item_detail_of(session, council, item.id, now, lambda: item, history)


def item_detail_of(session: Session, council: Council, item_id: int, now, load: Callable[[], Item],
                   history: int | None = HISTORY) -> dict:
    """`item_detail` by the item's id: `load()` gives the item (or refuses: not this council's) only
    when the council's current state has no answer kept yet — an answer kept for this council was
    made for one of its items."""
    from cobuild.reports.versioned import versioned

    today = today_for(council, now)
    return versioned(session, council.id, ("item", item_id, history, today),
                     lambda: _item_detail(session, council, load(), today, history))


def _item_detail(session: Session, council: Council, item: Item, today: date, history: int | None) -> dict:
    units = unit_names(session, council.id)
    row = item_row(item, units, today)
    row["description"] = item.description
    row["decision_reason"] = item.decision_reason
    on = {"item": item.id}
    row["claims"] = [{"id": c.id, "unit": units.get(c.unit_id), "role": c.role, "status": c.status}
                     for c in session.execute(_CLAIMS, on).all()]
    row = jsonable(row)
    # the history as columns, not ORM rows: the longest part of the item's page and API answer
    progress = _latest(session, _PROGRESS, on, history)
    row["progress"] = [{"at": at.isoformat(), "unit": units.get(unit_id), "percent": percent, "note": note,
                        "evidence": jsonable(evidence)} for at, unit_id, percent, note, evidence in progress]
    row["progress_total"] = _total(session, _PROGRESS_COUNT, on, progress, history)
    # the item's own events and its claims' (asked, confirmed, declined): one story, in order
    events = _latest(session, _EVENTS, on, history)
    row["timeline"] = timeline(session, events)
    row["timeline_total"] = _total(session, _EVENTS_COUNT, on, events, history)
    return row


def _latest(session: Session, query, params: dict, limit: int | None) -> list:
    if limit is None:
        return list(reversed(session.execute(query, params).all()))
    return list(reversed(session.execute(_LIMITED[query], {**params, "limit": limit}).all()))


def _total(session: Session, count, params: dict, shown: list, limit: int | None) -> int:
    if limit is None or len(shown) < limit:
        return len(shown)
    return session.execute(count, params).scalar_one()


# Audit events never change (the chain refuses it), so an event's row is read and made JSON once
# per process; keyed by id and hash, so two databases' event 7 are two keys. The actor's name is
# looked up each time (a name can be corrected).
_EVENT_ROWS: dict[tuple[int, str | None], dict] = {}
_EVENT_ROWS_MAX = 50_000
_EVENTS_BY_ID = (sa_select(*(AUDIT_COLUMNS[name] for name in ("id", "hash", "at", "action", "subject_type", "subject_id",
                                                               "before", "after")))
                 .where(AUDIT_COLUMNS.id.in_(bindparam("ids", expanding=True))))


def timeline(session: Session, events: list) -> list[dict]:
    """Rows of audit events given as (id, hash, actor_id, actor's name), oldest first."""
    found: dict[tuple[int, str | None], dict] = {}
    missing = []
    for event_id, digest, _, _ in events:
        cached = _EVENT_ROWS.get((event_id, digest))
        if cached is None:
            missing.append(event_id)
        else:
            found[(event_id, digest)] = cached
    if missing:
        fresh = {}
        for event in session.execute(_EVENTS_BY_ID, {"ids": missing}).all():
            fresh[(event.id, event.hash)] = jsonable({
                "at": event.at, "action": event.action, "subject": f"{event.subject_type}#{event.subject_id}",
                "before": event.before, "after": event.after})
        if len(_EVENT_ROWS) + len(fresh) > _EVENT_ROWS_MAX:
            _EVENT_ROWS.clear()
        _EVENT_ROWS.update({key: row for key, row in fresh.items() if key[1]})  # no digest: not kept
        found.update(fresh)
    rows = []
    for event_id, digest, actor, name in events:
        cached = found[(event_id, digest)]
        rows.append({"id": event_id, "at": cached["at"], "actor": (name or actor) if actor else None,
                     "action": cached["action"], "subject": cached["subject"], "before": cached["before"],
                     "after": cached["after"]})
    return rows


def audit_row(event: AuditEvent, people: dict[int, str]) -> dict:
    return jsonable({"id": event.id, "at": event.at, "actor": people.get(event.actor_id, event.actor_id) if event.actor_id else None,
                     "action": event.action, "subject": f"{event.subject_type}#{event.subject_id}",
                     "before": event.before, "after": event.after})


def conference_detail(session: Session, council: Council, conference: Conference) -> dict:
    units = unit_names(session, council.id)
    agenda = session.exec(select(AgendaEntry).where(AgendaEntry.conference_id == conference.id)
                          .order_by(AgendaEntry.position)).all()
    items = {i.id: i for i in session.exec(select(Item).where(Item.id.in_([a.item_id for a in agenda]))).all()} if agenda else {}
    submitted = session.exec(select(Item).where(Item.raised_conference_id == conference.id).order_by(Item.id)).all()
    submitted_by_unit: dict = {}
    for row in submitted:
        submitted_by_unit.setdefault(units[row.raised_by_unit_id], 0)
        submitted_by_unit[units[row.raised_by_unit_id]] += 1
    return jsonable({
        "id": conference.id, "code": conference.code, "status": conference.status,
        "status_zh": state_name(conference.status), "held_on": conference.held_on,
        "window_opens_at": conference.window_opens_at, "window_closes_at": conference.window_closes_at,
        "submitted_by_unit": submitted_by_unit,
        "not_submitted": [name for name in units.values() if name not in submitted_by_unit],
        "agenda": [{"position": a.position, "kind": a.kind, "item_id": a.item_id,
                    "title": items[a.item_id].title, "status": items[a.item_id].status,
                    "number": items[a.item_id].number} for a in agenda],
    })


def term_row(session: Session, term: Term) -> dict:
    chair = session.get(Member, term.chair_member_id) if term.chair_member_id else None
    commitments = session.exec(select(Commitment).where(Commitment.term_id == term.id).order_by(Commitment.seq)).all()
    evaluations = session.exec(select(EvaluationBallot.id).where(EvaluationBallot.term_id == term.id)).all()
    return jsonable({
        "id": term.id, "number": term.number, "starts_on": term.starts_on, "ends_on": term.ends_on,
        "status": term.status, "status_zh": state_name(term.status), "chair": chair.name if chair else None,
        "chair_source": term.chair_source, "inaugural_statement": term.inaugural_statement,
        "commitments": [{"seq": c.seq, "title": c.title, "status": c.status, "due_on": c.due_on} for c in commitments],
        "evaluations": len(evaluations), "report": term.report,
    })


def election_row(session: Session, election: Election) -> dict:
    names = {m.id: m.name for m in session.exec(select(Member).where(Member.council_id == election.council_id)).all()}
    candidates = session.exec(select(Candidate.member_id).where(Candidate.election_id == election.id)).all()
    voters = session.exec(select(Ballot.voter_id).where(Ballot.election_id == election.id)).all()
    closed = election.status != "open"
    return jsonable({
        "id": election.id, "term_id": election.term_id, "round": election.round, "status": election.status,
        "opens_at": election.opens_at, "closes_at": election.closes_at,
        "candidates": [{"id": c, "name": names.get(c)} for c in candidates],
        "ballots": len(voters),
        # counts only after the election closes; who voted for whom is never shown
        "tally": {names.get(int(k), k): v for k, v in (election.tally or {}).items()} if closed else None,
        "winner": names.get(election.winner_member_id) if election.winner_member_id else None,
        "decided_by": election.decided_by,
    })


def conference_message(council: Council, conference: Conference) -> dict:
    """What a message about a conference says of it (its window, its date, the item limits)."""
    return {"conference": {"code": conference.code, "held_on": conference.held_on.isoformat(),
                           "held_at": local_text(council, conference.scheduled_at),
                           "closes": local_text(council, conference.window_closes_at)},
            "limit_min": council.items_min_per_unit, "limit_max": council.items_max_per_unit}


AGENDA_LABELS = {AgendaKind.new: ("新提交", "new"), AgendaKind.carried: ("暂缓后再议", "carried over"),
                 AgendaKind.review: ("推进情况审议", "review")}


def agenda_lines(session: Session, conference: Conference) -> list[dict]:
    """The locked agenda as the agenda message lists it."""
    rows = session.exec(select(AgendaEntry, Item).join(Item, Item.id == AgendaEntry.item_id)
                        .where(AgendaEntry.conference_id == conference.id).order_by(AgendaEntry.position)).all()
    return [{"label": AGENDA_LABELS[AgendaKind(e.kind)][0], "label_en": AGENDA_LABELS[AgendaKind(e.kind)][1],
             "title": f"{i.number + ' ' if i.number else ''}{i.title}"} for e, i in rows]


def current_term(session: Session, council_id: int) -> Term | None:
    """The term whose chair acts now: active, or evaluating (the term has not ended yet)."""
    return memo(session, ("current_term", council_id),
                lambda: session.exec(_CURRENT_TERM, params={"council": council_id}).first())


# built once: nearly every request asks it
_CURRENT_TERM = (select(Term).where(Term.council_id == bindparam("council"),
                                    Term.status.in_([TermStatus.active, TermStatus.evaluating]))
                 .order_by(Term.number.desc()))


def item_message(item, unit_name) -> dict:
    """What a message says of an item (`item`: a row or an Item; `unit_name`: a unit's name by id)."""
    return {"number": item.number or f"#{item.id}", "title": item.title,
            "deadline": item.deadline.isoformat() if item.deadline else "-",
            "lead_unit": unit_name(item.lead_unit_id) if item.lead_unit_id else "-",
            "raised_by": unit_name(item.raised_by_unit_id), "goal": item.goal or "-",
            "responsible_person": item.responsible_person or "-"}
