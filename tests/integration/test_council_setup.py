import pytest
from sqlalchemy.exc import IntegrityError
from sqlmodel import select

from cobuild.actions.council import add_member, add_unit, create_council, set_rotation, update_member, update_settings
from cobuild.models import InvalidInput, Member, PermissionDenied, Unit, UnitKind

from .conftest import at


def test_a_new_council_has_its_community_unit_and_secretary(session):
    council, secretary = create_council(session, now=at("2026-01-01"), name="甲社区大党委", community_name="甲社区",
                                        secretary_name="王书记")
    units = session.exec(select(Unit).where(Unit.council_id == council.id)).all()
    assert [(u.name, u.kind) for u in units] == [("甲社区", UnitKind.community)]
    assert secretary.role == "secretary" and secretary.is_liaison
    assert council.timezone == "Asia/Shanghai"


def test_a_second_community_unit_is_refused_by_the_use_case_and_by_the_database(world, session, count_rows):
    before = count_rows()
    with pytest.raises(InvalidInput):
        add_unit(session, world.council, by=world.secretary, now=at("2026-01-02"), name="第二社区", kind="community")
    assert count_rows() == before
    session.add(Unit(council_id=world.council.id, name="绕过检查", kind=UnitKind.community, rotation_position=9))
    with pytest.raises(IntegrityError):
        session.flush()
    session.rollback()


def test_only_the_secretary_administers(world, session, count_rows):
    before = count_rows()
    with pytest.raises(PermissionDenied) as caught:
        add_unit(session, world.council, by=world.chair, now=at("2026-01-02"), name="新单位", kind="school")
    assert "社区书记" in caught.value.message("zh")
    with pytest.raises(PermissionDenied):
        update_settings(session, world.council, by=world.liaisons["power"], now=at("2026-01-02"), items_max_per_unit=5)
    assert count_rows() == before


def test_settings_are_validated_and_unknown_ones_named(world, session):
    with pytest.raises(InvalidInput) as caught:
        update_settings(session, world.council, by=world.secretary, now=at("2026-01-02"), items_per_unit=5)
    assert "items_per_unit" in caught.value.message("en")
    with pytest.raises(InvalidInput):
        update_settings(session, world.council, by=world.secretary, now=at("2026-01-02"), items_max_per_unit=0)
    update_settings(session, world.council, by=world.secretary, now=at("2026-01-02"), items_max_per_unit=2,
                    categories=["环境卫生", "其他"])
    assert world.council.items_max_per_unit == 2 and world.council.categories == ["环境卫生", "其他"]


def test_duplicate_names_and_bad_emails_are_refused(world, session):
    with pytest.raises(InvalidInput):
        add_unit(session, world.council, by=world.secretary, now=at("2026-01-02"), name="火炬小学", kind="school")
    with pytest.raises(InvalidInput):
        add_member(session, world.council, world.units["power"], by=world.secretary, now=at("2026-01-02"),
                   name="新委员", email="not-an-address")


def test_rotation_order_must_list_every_unit_once(world, session):
    ids = [u.id for u in world.units.values()]
    with pytest.raises(InvalidInput):
        set_rotation(session, world.council, ids[:-1], by=world.secretary, now=at("2026-01-02"))
    set_rotation(session, world.council, list(reversed(ids)), by=world.secretary, now=at("2026-01-02"))
    assert world.units["community"].rotation_position == len(ids)


def test_a_member_can_be_made_liaison_but_the_secretary_cannot_be_removed(world, session):
    update_member(session, world.council, world.heads["power"], by=world.secretary, now=at("2026-01-02"), is_liaison=True)
    assert session.get(Member, world.heads["power"].id).is_liaison
    with pytest.raises(InvalidInput):
        update_member(session, world.council, world.secretary, by=world.secretary, now=at("2026-01-02"), active=False)
