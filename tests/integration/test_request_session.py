"""What the web's per-request cost rests on (issue 34): a request's session keeps what it loaded,
`memo()` answers a repeated read once and forgets on a write, and an item's timeline rows are made
once per process without mixing two databases' events."""

from __future__ import annotations

import gc
from contextlib import contextmanager

from sqlalchemy import event
from sqlmodel import select

from cobuild.actions.items import post_progress
from cobuild.models import TermStatus, Unit
from cobuild.platform.db import engine_for, session_for
from cobuild.reports.views import current_term, item_detail
from tests.integration.conftest import World, at, throwaway_database


@contextmanager
def statements(url: str):
    seen: list[str] = []

    def note(conn, cursor, statement, params, context, executemany) -> None:
        seen.append(statement)

    engine = engine_for(url)
    event.listen(engine, "before_cursor_execute", note)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", note)


def _units_then_one(url: str, keep: bool) -> int:
    """Read every unit, let go of them, then ask for one by id: the statements the last step ran."""
    with session_for(url, keep=keep) as session:
        first = session.exec(select(Unit.id).order_by(Unit.id)).first()
        session.exec(select(Unit)).all()
        gc.collect()
        with statements(url) as seen:
            assert session.get(Unit, first) is not None
        return len(seen)


def test_a_request_session_keeps_what_it_loaded_so_a_get_by_id_costs_no_query(world, db_url):
    world.session.commit()
    assert _units_then_one(db_url, keep=False) == 1  # SQLAlchemy's own map forgot the unit
    assert _units_then_one(db_url, keep=True) == 0


def test_the_current_term_is_read_once_per_request_and_again_after_a_write(world, db_url):
    world.session.commit()
    with session_for(db_url, keep=True) as session:
        with statements(db_url) as seen:
            term = current_term(session, world.council.id)
            assert current_term(session, world.council.id) is term
        assert len(seen) == 1
        # a change not yet flushed: the answer is read again, and sees it
        term.status = TermStatus.evaluating
        session.add(term)
        assert current_term(session, world.council.id).status == TermStatus.evaluating
        # a write forgets every answer: a term reported on and flushed is not the current one any more
        term.status = TermStatus.reported
        session.flush()
        with statements(db_url) as seen:
            assert current_term(session, world.council.id) is None
        assert len(seen) == 1
        session.rollback()
    # a session that is not a request's (the sweep, the CLI) asks every time
    with session_for(db_url) as session, statements(db_url) as seen:
        current_term(session, world.council.id)
        current_term(session, world.council.id)
    assert len(seen) == 2


def test_timelines_of_two_databases_with_the_same_event_ids_stay_apart(tmp_path):
    """The timeline's rows are kept per process by event id *and* hash: two databases' event 40
    are different events, and each item's page shows its own."""
    stories = []
    for n, (note, percent) in enumerate((("第一个库的进展", 30), ("第二个库:另一段进展", 60))):
        folder = tmp_path / f"db{n}"
        folder.mkdir()
        with throwaway_database(folder) as url, session_for(url, keep=True) as session:
            world = World(session)
            item = world.published_item()
            post_progress(session, item, by=world.liaisons["power"], now=at("2026-03-02"), note=note, percent=percent)
            session.commit()
            stories.append(item_detail(session, world.council, item, at("2026-03-03")))
    first, second = stories
    assert [e["id"] for e in first["timeline"]] == [e["id"] for e in second["timeline"]]  # the same ids
    assert first["timeline"][-1]["after"]["note"] == "第一个库的进展"
    assert second["timeline"][-1]["after"]["note"] == "第二个库:另一段进展"
    assert first["timeline"][-1]["after"]["latest_percent"] == 30
    assert second["timeline"][-1]["after"]["latest_percent"] == 60


def test_an_item_read_is_kept_until_the_council_changes_and_then_read_again(world, db_url):
    from cobuild.models import Council, Item

    item = world.published_item()
    world.session.commit()

    def read():
        with session_for(db_url, keep=True) as session, statements(db_url) as seen:
            detail = item_detail(session, session.get(Council, world.council.id), session.get(Item, item.id),
                                 at("2026-03-03"))
            return detail, [s for s in seen if "auditevent" in s or "progressreport" in s]

    first, _ = read()
    again, queries = read()
    assert again is first and len(queries) == 1  # only the council's latest event, to know nothing changed
    post_progress(world.session, item, by=world.liaisons["power"], now=at("2026-03-02"), note="路灯已修好一半", percent=50)
    world.session.commit()
    changed, queries = read()
    assert changed is not first and changed["progress"][-1]["note"] == "路灯已修好一半" and len(queries) > 1
    assert read()[0] is changed


def test_a_council_keeps_the_answers_of_its_latest_state_only(world, db_url, monkeypatch):
    """A change drops the council's answers of the state before (nobody reads them again), and a
    read that began before the change does not put its out-of-date answer back."""
    from cobuild.models import Council, Item
    from cobuild.reports import versioned

    world.open_window()
    first_item, second_item = world.submit("community"), world.submit("company")
    world.hold()
    for item in (first_item, second_item):
        world.accept(item, lead="power")
    world.publish()
    world.session.commit()
    council_key = (str(engine_for(db_url).url), world.council.id)

    def read(item):
        with session_for(db_url, keep=True) as session:
            return item_detail(session, session.get(Council, world.council.id), session.get(Item, item.id),
                               at("2026-03-03"))

    read(first_item), read(second_item)
    before, answers = versioned._KEPT[council_key]
    assert len(answers) == 2
    post_progress(world.session, first_item, by=world.liaisons["power"], now=at("2026-03-02"), note="进展", percent=40)
    world.session.commit()
    fresh = read(first_item)
    now_state, answers = versioned._KEPT[council_key]
    assert now_state != before and list(answers.values()) == [fresh]  # the second item's old answer is gone

    monkeypatch.setattr(versioned, "council_state", lambda session, council_id: before)
    late = read(second_item)  # a read still in the state before the change
    assert late["id"] == second_item.id
    assert versioned._KEPT[council_key][0] == now_state and list(versioned._KEPT[council_key][1].values()) == [fresh]


def test_a_hand_off_to_several_people_costs_the_statements_of_one(world, db_url):
    """A use case's hand-off goes in as one batch: the outbox is asked once and written once,
    whatever the number of people told."""
    from cobuild.actions.council import add_member
    from cobuild.models import Delivery, MemberRole, Notification

    item = world.published_item(raiser="company", lead="power")
    power = world.liaisons["power"]

    def progress(percent: int) -> int:
        with statements(db_url) as seen:
            reports.append(post_progress(world.session, item, by=power, now=at("2026-03-02"), note="进展", percent=percent))
        return len(seen)

    reports: list = []

    progress(10)  # claimed -> in progress: the first report changes more than the item's percent
    alone = progress(20)
    for n in (2, 3):
        add_member(world.session, world.council, world.units["company"], by=world.secretary, now=at("2026-03-01"),
                   name=f"华信公司联络员{n}", role=MemberRole.staff, is_liaison=True, email=f"liaison-company-{n}@example.org")
    world.session.commit()
    assert progress(30) == alone
    latest = world.session.exec(select(Notification).where(Notification.kind == "progress_posted",
                                                           Notification.step == f"progress-{reports[-1].id}")).all()
    assert len(latest) == 3
    for message in latest:
        assert world.session.exec(select(Delivery).where(Delivery.notification_id == message.id)).all()
