"""The `cobuild` command: the service menu (菜单式服务) — offers, in-service party members, orders."""


from typing import Annotated, Optional

import typer

from cobuild.cli import support as s
from cobuild.cli.support import AsOpt, C, DbOpt, JsonOpt, NowOpt, done, table

offer_app = typer.Typer(help="服务菜单 the service menu: offers", no_args_is_help=True)
order_app = typer.Typer(help="服务订单 service orders: place, take, serve, rate", no_args_is_help=True)
volunteer_app = typer.Typer(help="在职党员报到 in-service party members", no_args_is_help=True)

OfferKey = Annotated[int, typer.Argument(help="offer id", min=1, max=2**53)]
OrderKey = Annotated[int, typer.Argument(help="order id", min=1, max=2**53)]


def _row(session, council, model, key: int, subject: str):
    from cobuild.models import NotFound

    row = session.get(model, key)
    if row is None or row.council_id != council.id:
        raise NotFound("not_found", subject=subject, key=key)
    return row


@offer_app.command("list")
def offer_list(council: C, q: Annotated[Optional[str], typer.Option(help="search title, description, team")] = None,
               category: Annotated[Optional[str], typer.Option()] = None,
               all_: Annotated[bool, typer.Option("--all", help="paused, draft and withdrawn too")] = False,
               db: DbOpt = None, json_out: JsonOpt = False) -> None:
    """The menu: listed offers by category."""
    from cobuild.models.base import jsonable
    from cobuild.reports.services import offers

    rows = s.run(db, lambda session: jsonable(offers(session, s.council(session, council), q=q, category=category,
                                                     listed_only=not all_, lang=s.lang())))
    s.emit(rows, json_out, lambda: table(f"服务菜单 service menu ({len(rows)})", ["id", "category", "title", "unit", "team", "status"],
                                         [[r["id"], r["category"], r["title"], r["unit"], r["team"], r["status_name"]] for r in rows]))


@offer_app.command("add")
def offer_add(council: C, title: Annotated[str, typer.Option()], category: Annotated[str, typer.Option()],
              unit: Annotated[Optional[str], typer.Option(help="offering unit (default: the actor's)")] = None,
              description: Annotated[str, typer.Option()] = "", team: Annotated[str, typer.Option()] = "",
              capacity: Annotated[Optional[int], typer.Option(help="times a month", min=1, max=10_000)] = None,
              availability: Annotated[str, typer.Option()] = "", how_to_order: Annotated[str, typer.Option()] = "",
              as_: AsOpt = None, db: DbOpt = None, json_out: JsonOpt = False, now: NowOpt = None) -> None:
    """A unit's liaison puts a service on the menu."""
    from cobuild.actions.services import publish_offer

    def body(session):
        c = s.council(session, council)
        by = s.actor(session, c, as_)
        u = s.unit(session, c, unit) if unit else s.unit(session, c, str(by.unit_id))
        offer = publish_offer(session, c, u, by=by, now=s.parse_now(now), title=title, category=category,
                              description=description, team=team, capacity_per_month=capacity,
                              availability=availability, how_to_order=how_to_order)
        return {"id": offer.id, "title": offer.title, "status": offer.status}

    done(s.run(db, body), json_out, "服务项目已发布 offer published")


@offer_app.command("edit")
def offer_edit(council: C, key: OfferKey, title: Annotated[Optional[str], typer.Option()] = None,
               category: Annotated[Optional[str], typer.Option()] = None, description: Annotated[Optional[str], typer.Option()] = None,
               team: Annotated[Optional[str], typer.Option()] = None,
               capacity: Annotated[Optional[int], typer.Option(help="times a month", min=1, max=10_000)] = None,
               availability: Annotated[Optional[str], typer.Option()] = None, how_to_order: Annotated[Optional[str], typer.Option()] = None,
               as_: AsOpt = None, db: DbOpt = None, json_out: JsonOpt = False, now: NowOpt = None) -> None:
    """Change an offer (only what is given)."""
    from cobuild.actions.services import edit_offer
    from cobuild.models.services import Offer

    def body(session):
        c = s.council(session, council)
        offer = edit_offer(session, _row(session, c, Offer, key, "offer"), by=s.actor(session, c, as_), now=s.parse_now(now),
                           title=title, category=category, description=description, team=team, capacity_per_month=capacity,
                           availability=availability, how_to_order=how_to_order)
        return {"id": offer.id, "title": offer.title}

    done(s.run(db, body), json_out, "服务项目已修改 offer updated")


@offer_app.command("status")
def offer_status(council: C, key: OfferKey, step: Annotated[str, typer.Argument(help="list, pause or withdraw")],
                 as_: AsOpt = None, db: DbOpt = None, json_out: JsonOpt = False, now: NowOpt = None) -> None:
    """List (上架), pause (暂停) or withdraw (下架) an offer."""
    from cobuild.actions.services import set_offer_status
    from cobuild.models.services import Offer

    def body(session):
        c = s.council(session, council)
        offer = set_offer_status(session, _row(session, c, Offer, key, "offer"), step, by=s.actor(session, c, as_),
                                 now=s.parse_now(now))
        return {"id": offer.id, "status": offer.status}

    done(s.run(db, body), json_out, "服务项目状态已更新 offer updated")


@volunteer_app.command("add")
def volunteer_add(council: C, name: Annotated[str, typer.Option()],
                  unit: Annotated[Optional[str], typer.Option(help="their unit (default: the actor's)")] = None,
                  contact: Annotated[str, typer.Option()] = "", skills: Annotated[str, typer.Option()] = "",
                  post: Annotated[Optional[list[str]], typer.Option(help="a service post claimed; repeatable")] = None,
                  team: Annotated[str, typer.Option(help="service team (服务队)")] = "",
                  as_: AsOpt = None, db: DbOpt = None, json_out: JsonOpt = False, now: NowOpt = None) -> None:
    """A unit registers a party member who reported to the community."""
    from cobuild.actions.services import register_volunteer

    def body(session):
        c = s.council(session, council)
        by = s.actor(session, c, as_)
        u = s.unit(session, c, unit) if unit else s.unit(session, c, str(by.unit_id))
        row = register_volunteer(session, c, u, by=by, now=s.parse_now(now), name=name, contact=contact, skills=skills,
                                 posts=post or [], team=team)
        return {"member_id": row.member_id, "name": name, "posts": row.posts}

    done(s.run(db, body), json_out, "在职党员已报到 party member registered")


@volunteer_app.command("list")
def volunteer_list(council: C, db: DbOpt = None, json_out: JsonOpt = False) -> None:
    from cobuild.models.base import jsonable
    from cobuild.reports.services import volunteers

    rows = s.run(db, lambda session: jsonable(volunteers(session, s.council(session, council))))
    s.emit(rows, json_out, lambda: table(f"在职党员 party members ({len(rows)})", ["id", "name", "unit", "team", "posts", "reported"],
                                         [[r["member_id"], r["name"], r["unit"], r["team"], "、".join(r["posts"]), r["reported_on"]]
                                          for r in rows]))


@volunteer_app.command("record")
def volunteer_record(council: C, member: Annotated[str, typer.Argument(help="member id or name")], db: DbOpt = None,
                     json_out: JsonOpt = False) -> None:
    """党员纪实: a person's service record, for their unit's party organisation."""
    from cobuild.models.base import jsonable
    from cobuild.reports.services import service_record

    def body(session):
        c = s.council(session, council)
        return jsonable(service_record(session, c, s.member(session, c, member), s.lang()))

    data = s.run(db, body)
    t = data["totals"]

    def human() -> None:
        s.console.print(f"[bold]{data['member']}[/bold] {data['unit']} · 服务 services {t['services']} · {t['hours']} h · "
                        f"服务群众 residents {t['residents_served']}")
        table("服务纪实 service record", ["date", "service", "hours", "residents", "rating"],
              [[o["served_on"] or o["service_on"], o["title"], o["hours"], o["residents_served"], o["rating"]] for o in data["orders"]])

    s.emit(data, json_out, human)


@order_app.command("list")
def order_list(council: C, status: Annotated[Optional[str], typer.Option()] = None,
               unit: Annotated[Optional[str], typer.Option(help="placed by or serving this unit")] = None,
               db: DbOpt = None, json_out: JsonOpt = False) -> None:
    from cobuild.models.base import jsonable
    from cobuild.reports.services import order_summary, orders

    def body(session):
        c = s.council(session, council)
        u = s.unit(session, c, unit) if unit else None
        return jsonable({**orders(session, c, status=status, unit_id=u.id if u else None, limit=500, lang=s.lang()),
                         "summary": order_summary(session, c)})

    data = s.run(db, body)
    s.emit(data, json_out, lambda: table(f"服务订单 orders ({data['total']})", ["id", "title", "status", "ordered by", "unit", "date",
                                                                          "residents", "rating"],
                                         [[o["id"], o["title"], o["status_name"], o["placed_by_unit"], o["unit"],
                                           o["served_on"] or o["service_on"] or o["wanted_on"], o["residents_served"], o["rating"]]
                                          for o in data["orders"]]))


@order_app.command("place")
def order_place(council: C, offer: Annotated[Optional[int], typer.Option(help="offer id (none: open to every unit)", min=1,
                                                                         max=2**53)] = None,
                title: Annotated[Optional[str], typer.Option(help="default: the offer's title")] = None,
                need: Annotated[str, typer.Option(help="what residents need")] = "", place: Annotated[str, typer.Option()] = "",
                wanted_on: Annotated[Optional[str], typer.Option(help="YYYY-MM-DD")] = None,
                residents: Annotated[Optional[int], typer.Option(min=1, max=100_000)] = None,
                as_: AsOpt = None, db: DbOpt = None, json_out: JsonOpt = False, now: NowOpt = None) -> None:
    """下单: the secretary (or another unit's liaison) orders from an offer, or posts an open order."""
    from cobuild.actions.services import place_order
    from cobuild.models.services import Offer

    def body(session):
        c = s.council(session, council)
        row = _row(session, c, Offer, offer, "offer") if offer else None
        fields: dict[str, object] = {"need": need, "place": place, "residents": residents}
        if title:
            fields["title"] = title
        if wanted_on:
            fields["wanted_on"] = s.parse_date(wanted_on, "--wanted-on")
        order = place_order(session, c, row, by=s.actor(session, c, as_), now=s.parse_now(now), **fields)
        return {"id": order.id, "title": order.title, "status": order.status}

    done(s.run(db, body), json_out, "已下单 order placed")


def _order_step(name: str, text: str, run):
    def command(council: C, key: OrderKey, as_: AsOpt = None, db: DbOpt = None, json_out: JsonOpt = False,
                now: NowOpt = None) -> None:
        from cobuild.models.services import Order

        def body(session):
            c = s.council(session, council)
            order = run(session, _row(session, c, Order, key, "order"), s.actor(session, c, as_), s.parse_now(now))
            return {"id": order.id, "status": order.status}

        done(s.run(db, body), json_out, text)

    return command


@order_app.command("take")
def order_take(council: C, key: OrderKey, service_on: Annotated[Optional[str], typer.Option(help="service date YYYY-MM-DD")] = None,
               as_: AsOpt = None, db: DbOpt = None, json_out: JsonOpt = False, now: NowOpt = None) -> None:
    """接单: the offering unit (or its registered party member) takes the order."""
    from cobuild.actions.services import take_order

    _order_step("take", "已接单 order taken", lambda session, o, by, at: take_order(
        session, o, by=by, now=at, service_on=s.parse_date(service_on, "--service-on") if service_on else None))(
        council, key, as_, db, json_out, now)


@order_app.command("decline")
def order_decline(council: C, key: OrderKey, reason: Annotated[str, typer.Option()], as_: AsOpt = None, db: DbOpt = None,
                  json_out: JsonOpt = False, now: NowOpt = None) -> None:
    """婉拒: the offering unit declines, with a reason."""
    from cobuild.actions.services import decline_order

    _order_step("decline", "已婉拒 order declined",
                lambda session, o, by, at: decline_order(session, o, by=by, now=at, reason=reason))(council, key, as_, db, json_out, now)


@order_app.command("schedule")
def order_schedule(council: C, key: OrderKey, service_on: Annotated[str, typer.Option(help="YYYY-MM-DD")], as_: AsOpt = None,
                   db: DbOpt = None, json_out: JsonOpt = False, now: NowOpt = None) -> None:
    """约定服务时间: the unit that took the order sets the service date."""
    from cobuild.actions.services import schedule_order

    _order_step("schedule", "已约定服务时间 service date set", lambda session, o, by, at: schedule_order(
        session, o, by=by, now=at, service_on=s.parse_date(service_on, "--service-on")))(council, key, as_, db, json_out, now)


@order_app.command("record")
def order_record(council: C, key: OrderKey, served_on: Annotated[str, typer.Option(help="YYYY-MM-DD")],
                 hours: Annotated[float, typer.Option(min=0.1, max=1000)],
                 residents: Annotated[int, typer.Option(help="residents served (人次)", min=0, max=100_000)],
                 note: Annotated[str, typer.Option()] = "",
                 evidence: Annotated[Optional[list[str]], typer.Option(help="photo path or link; repeatable")] = None,
                 as_: AsOpt = None, db: DbOpt = None, json_out: JsonOpt = False, now: NowOpt = None) -> None:
    """服务纪实: record the service (date, hours, residents served, photos)."""
    from cobuild.actions.services import record_service

    _order_step("record", "服务已记录 service recorded", lambda session, o, by, at: record_service(
        session, o, by=by, now=at, served_on=s.parse_date(served_on, "--served-on"), hours=hours, residents_served=residents,
        note=note, evidence=evidence))(council, key, as_, db, json_out, now)


@order_app.command("rate")
def order_rate(council: C, key: OrderKey, rating: Annotated[int, typer.Option(help="1-5", min=1, max=5)],
               comment: Annotated[str, typer.Option()] = "", as_: AsOpt = None, db: DbOpt = None, json_out: JsonOpt = False,
               now: NowOpt = None) -> None:
    """评价: whoever ordered rates the service."""
    from cobuild.actions.services import rate_order

    _order_step("rate", "已评价 rated", lambda session, o, by, at: rate_order(session, o, by=by, now=at, rating=rating,
                                                                             comment=comment))(council, key, as_, db, json_out, now)


@order_app.command("answer")
def order_answer(council: C, key: OrderKey, answer: Annotated[str, typer.Option()], as_: AsOpt = None, db: DbOpt = None,
                 json_out: JsonOpt = False, now: NowOpt = None) -> None:
    """回复评价: the unit answers the rating; the order is closed."""
    from cobuild.actions.services import answer_order

    _order_step("answer", "已回复并办结 answered and closed",
                lambda session, o, by, at: answer_order(session, o, by=by, now=at, answer=answer))(council, key, as_, db, json_out, now)


@order_app.command("cancel")
def order_cancel(council: C, key: OrderKey, reason: Annotated[str, typer.Option()], as_: AsOpt = None, db: DbOpt = None,
                 json_out: JsonOpt = False, now: NowOpt = None) -> None:
    """撤销: whoever ordered cancels before the service is recorded."""
    from cobuild.actions.services import cancel_order

    _order_step("cancel", "订单已撤销 order cancelled",
                lambda session, o, by, at: cancel_order(session, o, by=by, now=at, reason=reason))(council, key, as_, db, json_out, now)
