"""Every role × every action over the API: the allowed roles succeed, every other role is
refused with a 4xx (401 without a token, 403 from another council or without the right) and
the refused requests change nothing."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import select

from cobuild.actions import conferences as conf
from cobuild.actions import items as it
from cobuild.actions import terms as tm
from cobuild.models import Commitment, Election, Item
from tests.integration.conftest import SH
from tests.web.conftest import Web, at

ROLES = ("anonymous", "outsider", "secretary", "chair", "member", "raiser", "lead", "other_liaison", "other_head")
LOGIN = {"secretary": "secretary", "chair": "chair", "member": "member", "raiser": "company-liaison",
         "lead": "power-liaison", "other_liaison": "hospital-liaison", "other_head": "hospital-head"}


def _held(web: Web) -> Item:
    w = web.world
    w.open_window()
    item = w.submit("company")
    w.hold()
    web.clock.moment = w.conference().scheduled_at + timedelta(hours=1)
    return item


def _published(web: Web, lead: str | None = "power") -> Item:
    item = web.world.published_item(raiser="company", lead=lead)
    web.clock.moment = at("2026-03-01")
    return item


def _close_requested(web: Web) -> Item:
    item = _published(web)
    it.post_progress(web.world.session, item, by=web.world.liaisons["power"], now=at("2026-02-20"), note="开工", percent=50)
    it.request_close_out(web.world.session, item, by=web.world.liaisons["power"], now=at("2026-02-28"), note="完成")
    return item


def _election(web: Web) -> Election:
    web.world.advance("2026-06-17")
    web.clock.moment = at("2026-06-18")
    return web.world.session.exec(select(Election).where(Election.status == "open")).one()


def _units(web: Web):
    return web.world.units


# op name -> (set-up returning method, path, body; the roles allowed)
def scenarios():
    def submit(web):
        web.world.open_window()
        web.clock.moment = web.world.conference().window_opens_at + timedelta(hours=10)
        return "POST", "/items", {"title": "新的共建需求", "category": "基础设施建设"}

    def withdraw(web):
        submit(web)
        item = web.world.submit("company")
        return "POST", f"/items/{item.id}/withdraw", None

    def decide(web):
        return "POST", f"/items/{_held(web).id}/decision", {"decision": "accept"}

    def assign(web):
        item = _held(web)
        conf.decide(web.world.session, item, "accept", by=web.world.chair, now=web.clock.moment)
        return "POST", f"/items/{item.id}/assignment", {
            "goal": "完成", "lead_unit_id": _units(web)["power"].id, "responsible_person": "张三", "deadline": "2026-05-30"}

    def open_window(web):  # the chair opens the window before the rule's day
        web.clock.moment = at("2026-01-10")
        return "POST", f"/conferences/{web.world.conference().id}/window", None

    def reschedule(web):
        web.clock.moment = at("2026-01-10")
        return "POST", f"/conferences/{web.world.conference().id}/schedule", {"held_on": "2026-02-26"}

    def lock(web):
        web.world.open_window()
        web.clock.moment = web.world.conference().window_opens_at + timedelta(days=1)
        return "POST", f"/conferences/{web.world.conference().id}/lock", None

    def hold(web):
        w = web.world
        w.open_window()
        w.submit("company")
        w.advance(w.conference().window_closes_at.astimezone(SH).date(), 0, 5)
        web.clock.moment = w.conference().scheduled_at
        return "POST", f"/conferences/{w.conference().id}/hold", {"present_ids": [m.id for m in w.voters]}

    def attendance(web):
        _held(web)
        return "POST", f"/conferences/{web.world.conference().id}/attendance", {"present_ids": [web.world.member.id]}

    def publish(web):
        item = _held(web)
        web.world.accept(item)
        web.clock.moment = web.world.conference().scheduled_at + timedelta(hours=3)
        return "POST", f"/conferences/{web.world.conference().id}/publish", None

    def amend(web):
        return "POST", f"/items/{_published(web).id}/amendments", {"reason": "人员调整", "responsible_person": "李四"}

    def claim(web):
        return "POST", f"/items/{_published(web, lead=None).id}/claims", {"role": "lead"}

    def decide_claim(web):
        item = _published(web, lead=None)
        row = it.claim(web.world.session, item, _units(web)["power"], "lead", by=web.world.liaisons["power"],
                       now=web.clock.moment)
        return "POST", f"/claims/{row.id}/decision", {"confirm": True}

    def progress(web):
        return "POST", f"/items/{_published(web).id}/progress", {"note": "已完成勘察", "percent": 30}

    def close_out(web):
        item = _published(web)
        it.post_progress(web.world.session, item, by=web.world.liaisons["power"], now=at("2026-02-20"), note="开工", percent=50)
        return "POST", f"/items/{item.id}/close-out", {"note": "已完成"}

    def decline(web):
        return "POST", f"/items/{_published(web).id}/decline", {"reason": "不在职责范围"}

    def verify(web):
        return "POST", f"/items/{_close_requested(web).id}/verification", {"satisfaction": 5}

    def send_back(web):
        return "POST", f"/items/{_close_requested(web).id}/send-back", {"reason": "还没有修好"}

    def reopen(web):
        item = _close_requested(web)
        it.verify_close_out(web.world.session, item, by=web.world.liaisons["company"], now=at("2026-03-01"),
                            satisfaction=4)
        web.clock.moment = at("2026-03-05")
        return "POST", f"/items/{item.id}/reopen", {"reason": "路灯又坏了"}

    def hurry(web):
        return "POST", f"/items/{_published(web).id}/hurry", None

    def extend(web):
        return "POST", f"/items/{_published(web).id}/extension", {"deadline": "2026-06-30", "reason": "材料到货延迟"}

    def vote(web):
        election = _election(web)
        return "POST", f"/elections/{election.id}/votes", {"candidate_id": web.world.heads["power"].id}

    def statement(web):
        return "POST", f"/terms/{web.world.term.id}/statement", {"text": "我承诺……"}

    def commitment(web):
        return "POST", f"/terms/{web.world.term.id}/commitments", {"title": "建成口袋公园"}

    def close_commitment(web):
        tm.add_commitment(web.world.session, web.world.term, "建成口袋公园", by=web.world.chair, now=at("2026-01-05"))
        row = web.world.session.exec(select(Commitment)).one()
        return "POST", f"/commitments/{row.id}/close", {"fulfilled": True}

    def evaluate(web):
        web.world.advance("2026-06-21")
        web.clock.moment = at("2026-06-22")
        return "POST", f"/terms/{web.world.term.id}/evaluations", {"grade": "称职"}

    def settings(web):
        return "PATCH", "/settings", {"items_max_per_unit": 2}

    def add_unit(web):
        return "POST", "/units", {"name": "新成员单位", "kind": "other"}

    def rotation(web):
        ids = [u.id for u in _units(web).values()]
        return "PUT", "/rotation", {"order": list(reversed(ids))}

    def add_member(web):
        return "POST", "/members", {"unit_id": _units(web)["power"].id, "name": "新联络员", "role": "staff",
                                    "is_liaison": True}

    def update_member(web):
        return "PATCH", f"/members/{web.world.member.id}", {"is_liaison": True}

    def channel(web):
        return "POST", f"/members/{web.world.member.id}/channels", {"kind": "email", "address": "li@example.org"}

    def preferences(web):
        return "PUT", f"/members/{web.world.member.id}/preferences", {"delivery": "digest"}

    def template(web):
        return "PUT", "/templates", {"kind": "deadline_approaching", "part": "subject", "language": "zh",
                                     "source": "【提醒】{{ item.title }}"}

    # the service menu: the power station ("lead") offers; the secretary orders
    def _offer(web):
        from cobuild.actions import services as sv

        web.clock.moment = at("2026-03-02")
        return sv.publish_offer(web.world.session, web.world.council, _units(web)["power"], by=web.world.liaisons["power"],
                                now=at("2026-03-02"), title="居民用电安全检查", category="公共服务")

    def _placed(web):
        from cobuild.actions import services as sv

        return sv.place_order(web.world.session, web.world.council, _offer(web), by=web.world.secretary,
                              now=at("2026-03-02"), need="入户检查", residents=20)

    def _served(web):
        from datetime import date

        from cobuild.actions import services as sv

        order = _placed(web)
        sv.take_order(web.world.session, order, by=web.world.liaisons["power"], now=at("2026-03-02"),
                      service_on=date(2026, 3, 5))
        sv.record_service(web.world.session, order, by=web.world.liaisons["power"], now=at("2026-03-06"),
                          served_on=date(2026, 3, 5), hours=2, residents_served=18)
        web.clock.moment = at("2026-03-07")
        return order

    def _rated(web):
        from cobuild.actions import services as sv

        order = _served(web)
        sv.rate_order(web.world.session, order, by=web.world.secretary, now=at("2026-03-07"), rating=5)
        return order

    def add_offer(web):
        web.clock.moment = at("2026-03-02")
        return "POST", "/offers", {"title": "健康义诊", "category": "公共服务", "team": "医疗服务队"}

    def edit_offer(web):
        return "PATCH", f"/offers/{_offer(web).id}", {"title": "居民用电安全上门检查"}

    def offer_status(web):
        return "POST", f"/offers/{_offer(web).id}/status", {"step": "pause"}

    def add_volunteer(web):
        web.clock.moment = at("2026-03-02")
        return "POST", "/volunteers", {"name": "新报到党员", "posts": ["义诊"], "team": "教育医疗"}

    def place_order(web):
        return "POST", "/orders", {"offer_id": _offer(web).id, "need": "入户检查", "residents": 20}

    def take_order(web):
        return "POST", f"/orders/{_placed(web).id}/take", {"service_on": "2026-03-09"}

    def decline_order(web):
        return "POST", f"/orders/{_placed(web).id}/decline", {"reason": "本月已排满"}

    def schedule_order(web):
        from cobuild.actions import services as sv

        order = _placed(web)
        sv.take_order(web.world.session, order, by=web.world.liaisons["power"], now=at("2026-03-02"))
        return "POST", f"/orders/{order.id}/schedule", {"service_on": "2026-03-09"}

    def record_service(web):
        from datetime import date

        from cobuild.actions import services as sv

        order = _placed(web)
        sv.take_order(web.world.session, order, by=web.world.liaisons["power"], now=at("2026-03-02"),
                      service_on=date(2026, 3, 5))
        web.clock.moment = at("2026-03-06")
        return "POST", f"/orders/{order.id}/service", {"served_on": "2026-03-05", "hours": 2, "residents_served": 18}

    def rate_order(web):
        return "POST", f"/orders/{_served(web).id}/rating", {"rating": 5, "comment": "很满意"}

    def answer_order(web):
        return "POST", f"/orders/{_rated(web).id}/answer", {"answer": "感谢评价"}

    def close_order(web):
        return "POST", f"/orders/{_rated(web).id}/close", None

    def cancel_order(web):
        return "POST", f"/orders/{_placed(web).id}/cancel", {"reason": "需求已解决"}

    # the yearly appraisal of a council's own units
    def _round(web):
        from datetime import date

        from cobuild.actions import appraisal as ap

        # in March: the outsider's token (made on 2026-01-01) lasts 180 days on the app's clock
        web.clock.moment = at("2026-03-05")
        return ap.open_round(web.world.session, now=at("2026-03-01"), year=2026, self_due=date(2026, 3, 15),
                             closes_on=date(2026, 3, 31), council=web.world.council, by=web.world.secretary)

    scores = {"duty": 90, "results": 85, "service": 80}

    def open_round(web):
        web.clock.moment = at("2026-03-01")
        return "POST", "/appraisals", {"year": 2026, "self_due": "2026-03-15", "closes_on": "2026-03-31", "excellent_cap": 0.2}

    def self_evaluate(web):
        return "POST", f"/appraisals/{_round(web).id}/self", {"report": "全年按期办结牵头事项", **scores}

    def rate_round_unit(web):
        return "POST", f"/appraisals/{_round(web).id}/ratings", {"unit_id": _units(web)["power"].id, "comment": "积极", **scores}

    def issue_round_codes(web):
        return "POST", f"/appraisals/{_round(web).id}/codes", {"count": 5}

    def publish_round(web):
        row = _round(web)
        web.clock.moment = at("2026-03-31", 18)
        return "POST", f"/appraisals/{row.id}/publish", None

    liaisons = {"secretary", "raiser", "lead", "other_liaison"}  # the secretary is the community's liaison
    return {
        "item.submit": (submit, liaisons),
        "item.withdraw": (withdraw, {"raiser"}),
        "item.decide": (decide, {"chair"}),
        "item.assign": (assign, {"chair"}),
        "item.amend": (amend, {"chair"}),
        "item.claim": (claim, {"secretary", "lead", "other_liaison"}),  # not the raiser: it cannot lead
        "claim.decide": (decide_claim, {"chair"}),
        "item.progress": (progress, {"lead"}),
        "item.close_out": (close_out, {"lead"}),
        "item.decline": (decline, {"lead"}),
        "item.verify": (verify, {"raiser"}),
        "item.send_back": (send_back, {"raiser"}),
        "item.reopen": (reopen, {"raiser"}),
        "item.extend": (extend, {"chair"}),
        "item.hurry": (hurry, {"chair", "secretary"}),
        "conference.open_window": (open_window, {"chair"}),
        "conference.reschedule": (reschedule, {"chair"}),
        "conference.lock": (lock, {"chair"}),
        "conference.hold": (hold, {"chair"}),
        "conference.attendance": (attendance, {"chair"}),
        "conference.publish": (publish, {"chair"}),
        "election.vote": (vote, {"secretary", "chair", "member", "other_head"}),  # every council member votes
        "term.statement": (statement, {"chair"}),
        "term.commitment": (commitment, {"chair"}),
        "commitment.close": (close_commitment, {"chair"}),
        "term.evaluate": (evaluate, {"secretary", "member", "other_head"}),  # not the chair: no self-rating
        "council.settings": (settings, {"secretary"}),
        "council.add_unit": (add_unit, {"secretary"}),
        "council.rotation": (rotation, {"secretary"}),
        "council.add_member": (add_member, {"secretary"}),
        "member.update": (update_member, {"secretary"}),
        "member.channel": (channel, {"secretary"}),
        "member.preferences": (preferences, {"secretary", "member"}),  # oneself, or the secretary
        "council.template": (template, {"secretary"}),
        "offer.add": (add_offer, liaisons),
        "offer.edit": (edit_offer, {"lead", "secretary"}),
        "offer.status": (offer_status, {"lead", "secretary"}),
        "volunteer.register": (add_volunteer, liaisons),
        "order.place": (place_order, {"secretary", "raiser", "other_liaison"}),  # not the offering unit itself
        "order.take": (take_order, {"lead"}),
        "order.decline": (decline_order, {"lead"}),
        "order.schedule": (schedule_order, {"lead"}),
        "order.serve": (record_service, {"lead"}),
        "order.rate": (rate_order, {"secretary"}),
        "order.answer": (answer_order, {"lead"}),
        "order.close": (close_order, {"secretary"}),
        "order.cancel": (cancel_order, {"secretary"}),
        "appraisal.open": (open_round, {"secretary"}),
        "appraisal.self": (self_evaluate, {"raiser", "lead", "other_liaison"}),  # the units rated, not the community
        "appraisal.rate": (rate_round_unit, {"secretary"}),
        "appraisal.codes": (issue_round_codes, {"secretary"}),
        "appraisal.publish": (publish_round, {"secretary"}),
    }


SCENARIOS = scenarios()


def test_every_operation_is_in_the_matrix():
    from cobuild.web.operations import OPERATIONS

    assert {op.name for op in OPERATIONS} == set(SCENARIOS)


def _outsider(web: Web) -> str:
    """An account that is a member of another council only."""
    from cobuild.actions.accounts import create_account, issue_token, link_member
    from cobuild.actions.council import create_council

    s = web.world.session
    council, secretary = create_council(s, now=at("2026-01-01"), name="别的社区大党委", community_name="别的社区",
                                        secretary_name="外人")
    account = create_account(s, login="outsider", password="correct horse battery", now=at("2026-01-01"))
    link_member(s, council, secretary, account, by=None, now=at("2026-01-01"))
    return issue_token(s, account, "t", now=at("2026-01-01"))[0]


def _call(web: Web, role: str, method: str, path: str, body, outsider_token: str | None = None):
    client = web.api(LOGIN.get(role))
    if role == "outsider":
        client.headers["Authorization"] = f"Bearer {outsider_token}"
    return client.request(method, f"/api/v1/councils/{web.cid}{path}", json=body)


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_refused_roles_change_nothing(name, db_url, world, tmp_path, monkeypatch, count_rows):
    monkeypatch.setenv("COBUILD_UPLOAD_DIR", str(tmp_path / "uploads"))
    web = Web(db_url, world, tmp_path)
    outsider = _outsider(web)
    setup, allowed = SCENARIOS[name]
    method, path, body = setup(web)
    before = count_rows()
    audit_before = before["auditevent"]
    for role in ROLES:
        if role in allowed:
            continue
        response = _call(web, role, method, path, body, outsider)
        expected = {"anonymous": {401}, "outsider": {403}}.get(role, {403, 409, 422})
        assert response.status_code in expected, (name, role, response.status_code, response.text)
        assert response.json()["message"], (name, role)
        assert count_rows() == before, (name, role)
    assert count_rows()["auditevent"] == audit_before
    # the refusals left the state as it was: an allowed role can still do it
    role = sorted(allowed)[0]
    response = _call(web, role, method, path, body, outsider)
    assert response.status_code in (200, 201), (name, role, response.text)


@pytest.mark.parametrize("name,role", sorted((n, r) for n, (_, allowed) in SCENARIOS.items() for r in allowed))
def test_each_allowed_role_succeeds(name, role, db_url, world, tmp_path, monkeypatch):
    monkeypatch.setenv("COBUILD_UPLOAD_DIR", str(tmp_path / "uploads"))
    web = Web(db_url, world, tmp_path)
    method, path, body = SCENARIOS[name][0](web)
    response = _call(web, role, method, path, body)
    assert response.status_code in (200, 201), (name, role, response.text)
