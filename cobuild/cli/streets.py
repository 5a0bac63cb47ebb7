"""The `cobuild` command: the street office (街道) — its councils, its staff, its dashboard."""


from typing import Annotated

import typer

from cobuild.cli import support as s
from cobuild.cli.support import DbOpt, JsonOpt, NowOpt, done, select, table

street_app = typer.Typer(help="街道 the street office: councils, staff, dashboard", no_args_is_help=True)
StreetKey = Annotated[str, typer.Argument(help="street id or name")]


def _street(session, key: str):
    from cobuild.models import Street

    return s._by_key(session, Street, key, "street", Street.name)


@street_app.command("create")
def street_create(name: Annotated[str, typer.Option()], db: DbOpt = None, json_out: JsonOpt = False, now: NowOpt = None) -> None:
    """Create a street office."""
    from cobuild.actions.streets import create_street

    def body(session):
        street = create_street(session, now=s.parse_now(now), name=name)
        return {"id": street.id, "name": street.name}

    done(s.run(db, body), json_out, "街道已建立 street created")


@street_app.command("add-council")
def street_add_council(street: StreetKey, council: Annotated[str, typer.Argument(help="council id or name")], db: DbOpt = None,
                       json_out: JsonOpt = False, now: NowOpt = None) -> None:
    """Put a council under the street: its staff then read it."""
    from cobuild.actions.streets import attach_council

    def body(session):
        row = attach_council(session, _street(session, street), s.council(session, council), now=s.parse_now(now))
        return {"council": row.name, "street_id": row.street_id}

    done(s.run(db, body), json_out, "已纳入街道 council added to the street")


@street_app.command("add-staff")
def street_add_staff(street: StreetKey, login: Annotated[str, typer.Option(help="the person's sign-in name (cobuild account create)")],
                     name: Annotated[str, typer.Option()], db: DbOpt = None, json_out: JsonOpt = False, now: NowOpt = None) -> None:
    """A member of the street office's staff (街道党工委), by their sign-in account."""
    from cobuild.actions.streets import add_staff
    from cobuild.models import Account, NotFound

    def body(session):
        account = session.exec(select(Account).where(Account.login == login)).first()
        if account is None:
            raise NotFound("not_found", subject="member", key=login)
        row = add_staff(session, _street(session, street), account, now=s.parse_now(now), name=name)
        return {"id": row.id, "name": row.name, "login": login}

    done(s.run(db, body), json_out, "街道工作人员已添加 street staff added")


@street_app.command("show")
def street_show(street: StreetKey, db: DbOpt = None, json_out: JsonOpt = False, now: NowOpt = None) -> None:
    """The street's dashboard: each community's figures and the racing boards."""
    from cobuild.models.base import jsonable
    from cobuild.reports.streets import street_dashboard

    data = s.run(db, lambda session: jsonable(street_dashboard(session, _street(session, street), s.parse_now(now))))

    def pct(v):
        return "-" if v is None else f"{v:.1%}"

    def human() -> None:
        table(f"{data['street']} 各社区 communities", ["council", "confirmed", "closed", "overdue", "completion", "on time", "points",
                                                      "conferences on time"],
              [[c["council"], c["confirmed"], c["closed"], c["overdue"], pct(c["completion_rate"]), pct(c["on_time_rate"]),
                c["points"], f"{c['conferences_on_time']}/{c['conferences_due']}"] for c in data["councils"]])
        for board in data["racing"]["quarters"][-1:] + data["racing"]["halves"][-1:]:
            table(f"赛马 racing {board['period']}", ["rank", "council", "completion", "on time", "movement"],
                  [[r["rank"], r["council"], pct(r["completion_rate"]), pct(r["on_time_rate"]),
                    "-" if r["movement"] is None else f"{r['movement']:+d}"] for r in board["rows"]])

    s.emit(data, json_out, human)
