"""The yearly appraisal (SPEC.md §10) through the use cases: a council's round with
self-evaluations, the community's and the street's ratings, residents' single-use codes, and a
frozen published result."""

from __future__ import annotations

from datetime import date

import pytest

from cobuild.actions import appraisal as ap
from cobuild.actions.accounts import create_account
from cobuild.actions.streets import add_staff, attach_council, create_street
from cobuild.models import Conflict, DomainError, InvalidInput, PermissionDenied
from cobuild.models.appraisal import RoundStatus
from tests.integration.conftest import at

SCORES = {"duty": 90, "results": 85, "service": 95}


@pytest.fixture
def round_(world):
    return ap.open_round(world.session, now=at("2026-12-01"), year=2026, self_due=date(2026, 12, 15),
                         closes_on=date(2026, 12, 31), council=world.council, by=world.secretary, excellent_cap=0.25)


def test_only_the_secretary_opens_a_council_round_and_only_once_a_year(world, round_, count_rows):
    before = count_rows()
    with pytest.raises(PermissionDenied):
        ap.open_round(world.session, now=at("2026-12-01"), year=2027, self_due=date(2027, 12, 15),
                      closes_on=date(2027, 12, 31), council=world.council, by=world.chair)
    with pytest.raises(Conflict) as again:
        ap.open_round(world.session, now=at("2026-12-01"), year=2026, self_due=date(2026, 12, 15),
                      closes_on=date(2026, 12, 31), council=world.council, by=world.secretary)
    assert "已经开启" in again.value.message("zh") and count_rows() == before
    assert {u.name for u in ap.units_of_round(world.session, round_)} == {"火炬小学", "人民医院", "供电所", "华信公司"}
    from sqlmodel import select

    from cobuild.models import Notification

    told = world.session.exec(select(Notification).where(Notification.kind == "appraisal_open")).all()
    assert sorted(n.member_id for n in told) == sorted(world.liaisons[k].id for k in ("school", "hospital", "power", "company"))
    assert "2026-12-15 前" in told[0].body_text


def test_a_residents_code_rates_once_and_a_forged_expired_or_late_code_is_refused(world, round_, count_rows):
    codes = ap.issue_codes(world.session, round_, world.council, 3, by=world.secretary, now=at("2026-12-02"))
    assert len(codes) == 3 and len(set(codes)) == 3 and all(len(c) == 11 for c in codes)
    hospital, power = world.units["hospital"].id, world.units["power"].id
    assert ap.resident_rating(world.session, round_.id, codes[0].lower(), {hospital: 5, power: 3}, now=at("2026-12-03")) == 2
    before = count_rows()
    for code, stars, when, expected in (
            (codes[0], {hospital: 4}, at("2026-12-03"), "code_used"),          # used twice
            ("ABCDE-FGHJK", {hospital: 4}, at("2026-12-03"), "code_invalid"),  # forged
            (codes[1], {world.units["community"].id: 5}, at("2026-12-03"), "resident_stars"),  # the community is not rated
            (codes[1], {hospital: 6}, at("2026-12-03"), "resident_stars"),
            (codes[1], {hospital: 4}, at("2027-01-01"), "code_expired")):     # after the round closed
        with pytest.raises(DomainError) as refused:
            ap.resident_rating(world.session, round_.id, code, stars, now=when)
        assert refused.value.code == expected, (code, expected)
    assert count_rows() == before
    ap.publish_round(world.session, round_, by=world.secretary, now=at("2026-12-31", 18))
    with pytest.raises(Conflict):  # unused codes expire with the round
        ap.resident_rating(world.session, round_.id, codes[2], {hospital: 4}, now=at("2026-12-31", 19))


def test_rights_of_raters_and_liaisons(world, round_, count_rows):
    before = count_rows()
    with pytest.raises(PermissionDenied):  # a liaison rates no one
        ap.rate_unit(world.session, round_, world.units["power"], now=at("2026-12-05"), scores=SCORES, by=world.liaisons["school"])
    with pytest.raises(PermissionDenied):  # another unit's liaison cannot evaluate for the power station
        ap.submit_self(world.session, round_, world.units["power"], by=world.liaisons["school"], now=at("2026-12-05"),
                       report="我们做了很多", scores=SCORES)
    with pytest.raises(InvalidInput):  # every indicator, 0–100
        ap.rate_unit(world.session, round_, world.units["power"], now=at("2026-12-05"), scores={"duty": 101},
                     by=world.secretary)
    assert count_rows() == before
    ap.submit_self(world.session, round_, world.units["power"], by=world.liaisons["power"], now=at("2026-12-05"),
                   report="全年牵头事项按期办结", scores=SCORES)
    with pytest.raises(Conflict) as late:
        ap.submit_self(world.session, round_, world.units["school"], by=world.liaisons["school"], now=at("2026-12-16"),
                       report="迟交", scores=SCORES)
    assert "截止" in late.value.message("zh")


def test_the_published_result_weighs_every_part_grades_with_the_cap_and_is_frozen(world, round_):
    s = world.session
    street = create_street(s, now=at("2026-12-01"), name="测试街道")
    attach_council(s, street, world.council, now=at("2026-12-01"))
    staff = add_staff(s, street, create_account(s, login="street-jd", password="correct horse battery", now=at("2026-12-01")),
                      now=at("2026-12-01"), name="街道周敏")
    for key, street_score in (("school", 95), ("hospital", 92), ("power", 70), ("company", 60)):
        unit = world.units[key]
        ap.rate_unit(s, round_, unit, now=at("2026-12-10"), scores={k: street_score for k in SCORES}, comment="认真", staff=staff)
        ap.rate_unit(s, round_, unit, now=at("2026-12-10"), scores={k: street_score for k in SCORES}, by=world.secretary)
    codes = ap.issue_codes(s, round_, world.council, 2, by=world.secretary, now=at("2026-12-02"))
    ap.resident_rating(s, round_.id, codes[0], {world.units["school"].id: 5, world.units["hospital"].id: 4}, now=at("2026-12-03"))
    published = ap.publish_round(s, round_, by=world.secretary, now=at("2026-12-31", 18))
    assert published.status == RoundStatus.published
    rows = {r["unit"]: r for r in published.result["units"]}
    school = rows["火炬小学"]
    assert school["street"] == 95 and school["community"] == 95 and school["residents"] == 100.0
    expected = (50 * school["quantitative"] + 20 * 95 + 20 * 95 + 10 * 100) / 100
    assert school["score"] == round(expected, 2)
    assert sum(r["grade"] == "优秀" for r in rows.values()) <= 1  # a 25 % cap on four units
    with pytest.raises(Conflict):  # frozen
        ap.rate_unit(s, round_, world.units["power"], now=at("2026-12-31", 19), scores=SCORES, by=world.secretary)
    with pytest.raises(Conflict):
        ap.publish_round(s, round_, by=world.secretary, now=at("2026-12-31", 19))


def test_units_yet_to_evaluate_themselves_are_reminded_three_working_days_before_once(world, round_):
    from sqlmodel import select

    from cobuild.models import Notification
    from cobuild.sweep.run import sweep

    ap.submit_self(world.session, round_, world.units["power"], by=world.liaisons["power"], now=at("2026-12-05"),
                   report="全年牵头事项按期办结", scores=SCORES)

    def reminded():
        return sorted(n.member_id for n in world.session.exec(select(Notification).where(Notification.kind == "appraisal_reminder")).all())

    sweep(world.session, at("2026-12-09", 10))  # due Tuesday 12-15: Wednesday 12-09 is four working days before
    assert reminded() == []
    sweep(world.session, at("2026-12-10", 10))
    sweep(world.session, at("2026-12-11", 10))
    expected = sorted(world.liaisons[k].id for k in ("school", "hospital", "company"))  # not the power station: it has
    assert reminded() == expected
