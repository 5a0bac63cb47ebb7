"""The `cobuild` command: councils, units, members and liaisons, channels and preferences, message wording."""


from typing import Annotated, Optional

import typer

from cobuild.cli import support as s
from cobuild.cli.support import AsOpt, C, DbOpt, JsonOpt, NowOpt, console, done, select, table

council_app = typer.Typer(help="大党委 councils", no_args_is_help=True)


unit_app = typer.Typer(help="成员单位 units", no_args_is_help=True)


member_app = typer.Typer(help="委员与联络员 members and liaisons", no_args_is_help=True)


template_app = typer.Typer(help="消息模板 a council's own message wording", no_args_is_help=True)


@council_app.command("create")
def council_create(
    name: Annotated[str, typer.Option(help="e.g. 牡丹社区大党委")],
    community: Annotated[str, typer.Option(help="the community unit, e.g. 牡丹社区")],
    secretary: Annotated[str, typer.Option(help="the community's party secretary")],
    timezone: Annotated[str, typer.Option()] = "Asia/Shanghai",
    db: DbOpt = None, json_out: JsonOpt = False, now: NowOpt = None,
) -> None:
    """Create a council with its community unit and secretary."""
    from cobuild.actions.council import create_council

    def body(session):
        council, sec = create_council(session, now=s.parse_now(now), name=name, community_name=community,
                                      secretary_name=secretary, timezone=timezone)
        return {"council_id": council.id, "secretary_id": sec.id}

    data = s.run(db, body)
    done(data, json_out, f"已创建大党委 council created: #{data['council_id']} {name}")


@council_app.command("list")
def council_list(db: DbOpt = None, json_out: JsonOpt = False) -> None:
    from cobuild.models import Council

    rows = s.run(db, lambda session: [{"id": c.id, "name": c.name, "timezone": c.timezone}
                                      for c in session.exec(select(Council)).all()])
    s.emit(rows, json_out, lambda: table("大党委 councils", ["id", "name", "timezone"],
                                         [[r["id"], r["name"], r["timezone"]] for r in rows]))


@council_app.command("show")
def council_show(council: C, db: DbOpt = None, json_out: JsonOpt = False, now: NowOpt = None) -> None:
    """Settings, units, members and the current term."""
    from cobuild.actions.common import current_term
    from cobuild.models import CouncilSettings, Member, Unit
    from cobuild.models.base import jsonable
    from cobuild.reports.views import term_row

    def body(session):
        c = s.council(session, council)
        term = current_term(session, c.id)
        return jsonable({
            "id": c.id, "name": c.name,
            "settings": {k: getattr(c, k) for k in CouncilSettings.model_fields},
            "units": [{"id": u.id, "name": u.name, "kind": u.kind, "rotation": u.rotation_position}
                      for u in session.exec(select(Unit).where(Unit.council_id == c.id).order_by(Unit.rotation_position)).all()],
            "members": [{"id": m.id, "name": m.name, "role": m.role, "liaison": m.is_liaison, "unit_id": m.unit_id}
                        for m in session.exec(select(Member).where(Member.council_id == c.id).order_by(Member.id)).all()],
            "current_term": term_row(session, term) if term else None,
        })

    data = s.run(db, body)

    def human():
        console.print(f"[bold]{data['name']}[/bold] (#{data['id']})")
        term = data["current_term"]
        if term:
            console.print(f"轮值主席 chair: {term['chair']} · 第{term['number']}届 {term['starts_on']}~{term['ends_on']} · {term['status_zh']}")
        table("成员单位 units", ["id", "name", "kind", "rotation"], [list(u.values()) for u in data["units"]])
        table("人员 members", ["id", "name", "role", "liaison", "unit"], [list(m.values()) for m in data["members"]])

    s.emit(data, json_out, human)


@council_app.command("set")
def council_set(
    council: C,
    settings: Annotated[list[str], typer.Argument(help="KEY=VALUE, e.g. items_max_per_unit=2; lists as JSON")],
    as_: AsOpt = None, db: DbOpt = None, json_out: JsonOpt = False, now: NowOpt = None,
) -> None:
    """Change council settings (secretary)."""
    import json as _json

    from cobuild.actions.council import update_settings

    changes = {}
    for pair in settings:
        key, sep, value = pair.partition("=")
        if not sep:
            s.fail(f"expected KEY=VALUE, got {pair!r}")
        try:
            changes[key.strip()] = _json.loads(value)
        except ValueError:
            changes[key.strip()] = value

    def body(session):
        c = s.council(session, council)
        update_settings(session, c, by=s.actor(session, c, as_), now=s.parse_now(now), **changes)
        return {k: getattr(c, k) for k in changes}

    done(s.run(db, body), json_out, f"已更新设置 settings updated: {', '.join(changes)}")


@unit_app.command("add")
def unit_add(
    council: C, name: Annotated[str, typer.Option()],
    kind: Annotated[str, typer.Option(help="government, state_enterprise, private_enterprise, school, hospital, social_org, other")] = "other",
    rotation: Annotated[Optional[int], typer.Option(help="position in the rotation order")] = None,
    as_: AsOpt = None, db: DbOpt = None, json_out: JsonOpt = False, now: NowOpt = None,
) -> None:
    from cobuild.actions.council import add_unit

    def body(session):
        c = s.council(session, council)
        return {"unit_id": add_unit(session, c, by=s.actor(session, c, as_), now=s.parse_now(now),
                                    name=name, kind=kind, rotation_position=rotation).id}

    data = s.run(db, body)
    done(data, json_out, f"已添加单位 unit added: #{data['unit_id']} {name}")


@unit_app.command("list")
def unit_list(council: C, db: DbOpt = None, json_out: JsonOpt = False) -> None:
    from cobuild.models import Unit

    def body(session):
        c = s.council(session, council)
        return [{"id": u.id, "name": u.name, "kind": u.kind, "rotation": u.rotation_position}
                for u in session.exec(select(Unit).where(Unit.council_id == c.id).order_by(Unit.rotation_position)).all()]

    rows = s.run(db, body)
    s.emit(rows, json_out, lambda: table("成员单位 units", ["id", "name", "kind", "rotation"], [list(r.values()) for r in rows]))


@unit_app.command("rotation")
def unit_rotation(council: C, order: Annotated[str, typer.Argument(help="unit ids or names, comma-separated, first to chair first")],
                  as_: AsOpt = None, db: DbOpt = None, json_out: JsonOpt = False, now: NowOpt = None) -> None:
    from cobuild.actions.council import set_rotation

    def body(session):
        c = s.council(session, council)
        units = set_rotation(session, c, s.ids(session, c, order, s.unit), by=s.actor(session, c, as_), now=s.parse_now(now))
        return [u.name for u in units]

    names = s.run(db, body)
    done({"order": names}, json_out, "轮值顺序 rotation: " + " → ".join(names))


@member_app.command("add")
def member_add(
    council: C, unit: Annotated[str, typer.Option(help="unit id or name")], name: Annotated[str, typer.Option()],
    role: Annotated[str, typer.Option(help="deputy (unit head), member, staff (liaison only)")] = "member",
    liaison: Annotated[bool, typer.Option("--liaison", help="acts for the unit day to day")] = False,
    email: Annotated[Optional[str], typer.Option()] = None, phone: Annotated[Optional[str], typer.Option()] = None,
    as_: AsOpt = None, db: DbOpt = None, json_out: JsonOpt = False, now: NowOpt = None,
) -> None:
    from cobuild.actions.council import add_member

    def body(session):
        c = s.council(session, council)
        m = add_member(session, c, s.unit(session, c, unit), by=s.actor(session, c, as_), now=s.parse_now(now),
                       name=name, role=role, is_liaison=liaison, email=email, phone=phone)
        return {"member_id": m.id}

    data = s.run(db, body)
    done(data, json_out, f"已添加人员 member added: #{data['member_id']} {name}")


@member_app.command("update")
def member_update(
    council: C, who: Annotated[str, typer.Argument(help="member id or name")],
    liaison: Annotated[Optional[bool], typer.Option("--liaison/--no-liaison")] = None,
    active: Annotated[Optional[bool], typer.Option("--active/--inactive")] = None,
    role: Annotated[Optional[str], typer.Option()] = None,
    as_: AsOpt = None, db: DbOpt = None, json_out: JsonOpt = False, now: NowOpt = None,
) -> None:
    from cobuild.actions.council import update_member

    def body(session):
        c = s.council(session, council)
        m = update_member(session, c, s.member(session, c, who), by=s.actor(session, c, as_), now=s.parse_now(now),
                          is_liaison=liaison, active=active, role=role)
        return {"member_id": m.id, "liaison": m.is_liaison, "active": m.active, "role": m.role}

    data = s.run(db, body)
    done(data, json_out, f"已更新人员 member updated: #{data['member_id']}")


@member_app.command("channel")
def member_channel(council: C, who: Annotated[str, typer.Argument()], kind: Annotated[str, typer.Argument()],
                   address: Annotated[str, typer.Argument()], as_: AsOpt = None, db: DbOpt = None,
                   json_out: JsonOpt = False, now: NowOpt = None) -> None:
    """Add a contact channel (email, sms, wecom, dingtalk, feishu, webhook, file)."""
    from cobuild.actions.council import add_channel

    def body(session):
        c = s.council(session, council)
        return {"channel_id": add_channel(session, c, s.member(session, c, who), kind, address,
                                          by=s.actor(session, c, as_), now=s.parse_now(now)).id}

    done(s.run(db, body), json_out, "已添加联系方式 channel added")


@member_app.command("list")
def member_list(council: C, db: DbOpt = None, json_out: JsonOpt = False) -> None:
    from cobuild.models import Member

    def body(session):
        c = s.council(session, council)
        from cobuild.reports.views import unit_names

        names = unit_names(session, c.id)
        return [{"id": m.id, "name": m.name, "role": m.role, "liaison": m.is_liaison, "unit": names[m.unit_id],
                 "active": m.active}
                for m in session.exec(select(Member).where(Member.council_id == c.id).order_by(Member.id)).all()]

    rows = s.run(db, body)
    s.emit(rows, json_out, lambda: table("人员 members", ["id", "name", "role", "liaison", "unit", "active"],
                                         [list(r.values()) for r in rows]))


@member_app.command("prefs")
def member_prefs(council: C, who: Annotated[str, typer.Argument(help="member id or name")],
                 delivery: Annotated[Optional[str], typer.Option(help="immediate or digest (one daily digest)")] = None,
                 language: Annotated[Optional[str], typer.Option(help="zh or en")] = None,
                 as_: AsOpt = None, db: DbOpt = None, json_out: JsonOpt = False, now: NowOpt = None) -> None:
    """A person's message preferences (the person or the secretary)."""
    from cobuild.actions.council import set_preferences

    def body(session):
        c = s.council(session, council)
        m = set_preferences(session, c, s.member(session, c, who), by=s.actor(session, c, as_), now=s.parse_now(now),
                            delivery=delivery, language=language)
        return {"member": m.name, "delivery": m.delivery, "language": m.language}

    data = s.run(db, body)
    done(data, json_out, f"已更新 preferences: {data['member']} · {s.words('delivery', data['delivery'])} · "
                         f"{'中文' if data['language'] == 'zh' else 'English'}")


@template_app.command("set")
def template_set(council: C, kind: Annotated[str, typer.Argument()], part: Annotated[str, typer.Argument(help="subject, text or html")],
                 language: Annotated[str, typer.Argument(help="zh or en")],
                 source: Annotated[typer.FileText, typer.Argument(help="a file with the Jinja2 text ('-' for stdin)")],
                 as_: AsOpt = None, db: DbOpt = None, json_out: JsonOpt = False, now: NowOpt = None) -> None:
    """Use the council's own wording for one part of one message (checked in the sandbox first)."""
    from cobuild.actions.council import set_template

    text = source.read()

    def body(session):
        c = s.council(session, council)
        set_template(session, c, kind, part, language, text, by=s.actor(session, c, as_), now=s.parse_now(now))
        return {"kind": kind, "part": part, "language": language}

    done(s.run(db, body), json_out, f"模板已保存 template saved: {kind}/{part}/{language}")


@template_app.command("reset")
def template_reset(council: C, kind: Annotated[str, typer.Argument()], part: Annotated[str, typer.Argument()],
                   language: Annotated[str, typer.Argument()], as_: AsOpt = None, db: DbOpt = None,
                   json_out: JsonOpt = False, now: NowOpt = None) -> None:
    """Go back to cobuild's own wording."""
    from cobuild.actions.council import set_template

    def body(session):
        c = s.council(session, council)
        set_template(session, c, kind, part, language, None, by=s.actor(session, c, as_), now=s.parse_now(now))
        return {"kind": kind, "part": part, "language": language}

    done(s.run(db, body), json_out, "已恢复默认模板 default template restored")


@template_app.command("list")
def template_list(db: DbOpt = None, json_out: JsonOpt = False) -> None:
    """The message kinds and their sample variables."""
    from cobuild.notifications.samples import SAMPLES

    rows = [{"kind": k, "variables": sorted(v)} for k, v in SAMPLES.items()]
    s.emit(rows, json_out, lambda: table("消息类型 message kinds", ["kind", "variables"],
                                         [[r["kind"], ", ".join(r["variables"])] for r in rows]))
