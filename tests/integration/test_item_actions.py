"""`item_actions` and `conference_actions`, what the item and conference pages offer, agree with
what the use cases do: for each state and each person, every offered action succeeds and every
other one is refused.

Each state is built once in a SQLite file; each attempt runs on a copy of that file, because a
use case commits."""

import shutil
from datetime import timedelta

import pytest
from sqlmodel import Session

from cobuild.actions import conferences as conf
from cobuild.actions import items as it
from cobuild.actions.conferences import conference_actions
from cobuild.actions.items import item_actions
from cobuild.models import Conference, DomainError, Item, Member, Unit
from cobuild.platform.db import engine_for, upgrade

from .conftest import World, at

NOW = at("2026-04-10")


def _in_progress(world: World) -> Item:
    item = world.published_item()
    it.post_progress(world.session, item, by=world.liaisons["power"], now=at("2026-03-20"), note="开工", percent=20)
    it.claim(world.session, item, world.units["hospital"], "cooperating", by=world.liaisons["hospital"], now=at("2026-03-20"))
    claim = world.session.exec(it.select(it.Claim).where(it.Claim.item_id == item.id, it.Claim.status == "pending")).one()
    it.decide_claim(world.session, claim, by=world.chair, now=at("2026-03-21"))
    return item


def _close_requested(world: World) -> Item:
    item = _in_progress(world)
    it.request_close_out(world.session, item, by=world.liaisons["power"], now=at("2026-04-01"), note="已完成")
    return item


def _closed(world: World) -> Item:
    item = _close_requested(world)
    it.verify_close_out(world.session, item, by=world.liaisons["community"], now=at("2026-04-02"), satisfaction=5)
    return item


STATES = {
    "claimed": lambda world: world.published_item(),
    "accepted, no lead": lambda world: world.published_item(lead=None),
    "in progress": _in_progress,
    "close requested": _close_requested,
    "closed": _closed,
}

PEOPLE = {  # who, and the unit they act for
    "lead liaison": ("power", lambda w: w.liaisons["power"]),
    "raiser liaison": ("community", lambda w: w.liaisons["community"]),
    "cooperating liaison": ("hospital", lambda w: w.liaisons["hospital"]),
    "other liaison": ("company", lambda w: w.liaisons["company"]),
    "chair": ("school", lambda w: w.chair),
}

ACTIONS = {
    "claim_lead": lambda s, item, unit, by: it.claim(s, item, unit, "lead", by=by, now=NOW),
    "claim_cooperating": lambda s, item, unit, by: it.claim(s, item, unit, "cooperating", by=by, now=NOW),
    "progress": lambda s, item, unit, by: it.post_progress(s, item, by=by, now=NOW, note="进展", percent=60),
    "note": lambda s, item, unit, by: it.post_progress(s, item, by=by, now=NOW, note="配合情况"),
    "request_close": lambda s, item, unit, by: it.request_close_out(s, item, by=by, now=NOW, note="完成"),
    "decline": lambda s, item, unit, by: it.decline_assignment(s, item, by=by, now=NOW, reason="人手不足"),
    "verify": lambda s, item, unit, by: it.verify_close_out(s, item, by=by, now=NOW, satisfaction=4),
    "send_back": lambda s, item, unit, by: it.send_back(s, item, by=by, now=NOW, reason="未完成"),
    "reopen": lambda s, item, unit, by: it.reopen(s, item, by=by, now=NOW, reason="问题复发"),
    "withdraw": lambda s, item, unit, by: it.withdraw_item(s, item, by=by, now=NOW),
    "hurry": lambda s, item, unit, by: it.hurry(s, item, by=by, now=NOW),
    "extend": lambda s, item, unit, by: it.extend_deadline(s, item, item.deadline + timedelta(days=14), by=by, now=NOW,
                                                           reason="天气原因"),
}


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """{state: (file, item id, {person: (member id, unit id)})}, each state in a file of its own."""
    folder = tmp_path_factory.mktemp("item-actions")
    out = {}
    for name, make in STATES.items():
        path = folder / f"{name.replace(' ', '-').replace(',', '')}.db"
        url = f"sqlite:///{path}"
        upgrade(url)
        with Session(engine_for(url)) as session:
            world = World(session)
            item = make(world)
            people = {who: (person(world).id, world.units[unit].id) for who, (unit, person) in PEOPLE.items()}
            out[name] = (path, item.id, people)
        engine_for(url).dispose()
    return out


def _attempt(path, target, item_id, member_id, unit_id, action) -> bool:
    shutil.copyfile(path, target)
    url = f"sqlite:///{target}"
    try:
        with Session(engine_for(url)) as session:
            item, unit = session.get(Item, item_id), session.get(Unit, unit_id)
            by = session.get(it.Member, member_id)
            try:
                ACTIONS[action](session, item, unit, by)
            except DomainError:
                return False
            return True
    finally:
        engine_for(url).dispose()


@pytest.mark.parametrize("state", STATES)
def test_the_page_offers_exactly_what_the_use_cases_allow(built, state, tmp_path):
    path, item_id, people = built[state]
    for who, (member_id, unit_id) in people.items():
        url = f"sqlite:///{path}"
        with Session(engine_for(url)) as session:
            offered = item_actions(session, session.get(Item, item_id), session.get(it.Member, member_id), NOW)
        engine_for(url).dispose()
        assert offered <= set(ACTIONS), offered - set(ACTIONS)
        done = {action for action in ACTIONS
                if _attempt(path, tmp_path / f"{who}-{action}.db", item_id, member_id, unit_id, action)}
        assert offered == done, f"{state} / {who}: offered {sorted(offered)}, the use cases allowed {sorted(done)}"


def test_an_item_in_progress_offers_its_lead_no_decline_and_its_raiser_a_cooperating_claim(built):
    """The two disagreements the page had: 退回指派 offered on an item in progress (the use case
    refuses it), and no cooperating claim for the raising unit (the use case allows it)."""
    path, item_id, people = built["in progress"]
    url = f"sqlite:///{path}"
    with Session(engine_for(url)) as session:
        item = session.get(Item, item_id)
        lead = item_actions(session, item, session.get(it.Member, people["lead liaison"][0]), NOW)
        raiser = item_actions(session, item, session.get(it.Member, people["raiser liaison"][0]), NOW)
        cooperating = item_actions(session, item, session.get(it.Member, people["cooperating liaison"][0]), NOW)
    engine_for(url).dispose()
    assert "decline" not in lead and {"progress", "request_close"} <= lead
    assert "claim_cooperating" in raiser
    assert "note" in cooperating and "progress" not in cooperating


# ---- the conference page -------------------------------------------------------------------

def _collecting(world: World) -> Conference:
    world.open_window()
    world.submit("company")
    return world.conference()


def _locked(world: World) -> Conference:
    conference = _collecting(world)
    conf.lock_agenda(world.session, conference, by=world.chair, now=conference.window_opens_at + timedelta(days=1))
    return conference


def _held(world: World) -> Conference:
    world.open_window()
    item = world.submit("company")
    world.hold()
    world.accept(item)  # decided: publishing is possible
    return world.conference()


def _resolved(world: World) -> Conference:
    _held(world)
    world.publish()
    return world.conference()


CONFERENCE_STATES = {"collecting": _collecting, "agenda locked": _locked, "held": _held, "resolved": _resolved}
CONFERENCE_PEOPLE = {"chair": lambda w: w.chair, "secretary": lambda w: w.secretary, "liaison": lambda w: w.liaisons["company"]}
CONFERENCE_ACTIONS = {
    "lock": lambda s, c, by, now: conf.lock_agenda(s, c, by=by, now=now),
    "hold": lambda s, c, by, now: conf.hold(s, c, by=by, now=now),
    "attendance": lambda s, c, by, now: conf.record_attendance(s, c, [by.id], by=by, now=now),
    "publish": lambda s, c, by, now: conf.publish_resolution(s, c, by=by, now=now),
}


@pytest.mark.parametrize("state", CONFERENCE_STATES)
def test_the_conference_page_offers_exactly_what_the_use_cases_allow(state, tmp_path):
    path = tmp_path / "state.db"
    url = f"sqlite:///{path}"
    upgrade(url)
    with Session(engine_for(url)) as session:
        world = World(session)
        conference_id = CONFERENCE_STATES[state](world).id
        people = {who: person(world).id for who, person in CONFERENCE_PEOPLE.items()}
        when = world.conference().scheduled_at + timedelta(hours=8)
    engine_for(url).dispose()
    for who, member_id in people.items():
        with Session(engine_for(url)) as session:
            offered = conference_actions(session, session.get(Conference, conference_id), session.get(Member, member_id))
        engine_for(url).dispose()
        done = set()
        for action, run in CONFERENCE_ACTIONS.items():
            copy = tmp_path / f"{who}-{action}.db"
            shutil.copyfile(path, copy)
            with Session(engine_for(f"sqlite:///{copy}")) as session:
                try:
                    run(session, session.get(Conference, conference_id), session.get(Member, member_id), when)
                    done.add(action)
                except DomainError:
                    pass
            engine_for(f"sqlite:///{copy}").dispose()
        assert offered == done, f"{state} / {who}: offered {sorted(offered)}, the use cases allowed {sorted(done)}"
