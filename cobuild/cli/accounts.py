"""The `cobuild` command: sign-in accounts and API tokens."""


import sys
from pathlib import Path
from typing import Annotated, Optional

import typer

from cobuild.cli import support as s
from cobuild.cli.support import AsOpt, C, DbOpt, JsonOpt, NowOpt, done

account_app = typer.Typer(help="登录账号 sign-in accounts and API tokens for the web app", no_args_is_help=True)


def _password(password_file: str | None) -> str:
    if password_file:
        try:
            return Path(password_file).read_text(encoding="utf-8").strip()
        except OSError as exc:
            s.fail(f"cannot read {password_file}: {exc.strerror}")
    if not sys.stdin.isatty():
        s.fail("no terminal to ask for a password; use --password-file FILE")
    return typer.prompt("密码 password", hide_input=True, confirmation_prompt=True)


@account_app.command("create")
def account_create(login: Annotated[str, typer.Argument(help="phone, email or a user name")],
                   council: Annotated[Optional[str], typer.Option(help="council id or name of the member to link")] = None,
                   member: Annotated[Optional[str], typer.Option(help="member id or name this account signs in as")] = None,
                   password_file: Annotated[Optional[str], typer.Option(help="read the password from this file")] = None,
                   db: DbOpt = None, json_out: JsonOpt = False, now: NowOpt = None) -> None:
    """Create a sign-in account (password hashed with Argon2id), optionally linked to a member."""
    from cobuild.actions.accounts import create_account, link_member

    if (council is None) != (member is None):
        s.fail("--council and --member go together")
    password = _password(password_file)

    def body(session):
        at = s.parse_now(now)
        target = None
        if council is not None and member is not None:
            c = s.council(session, council)
            target = (c, s.member(session, c, member))
        account = create_account(session, login=login, password=password, now=at)
        if target:
            link_member(session, target[0], target[1], account, by=None, now=at)
        return {"account_id": account.id, "login": account.login,
                "member_id": target[1].id if target else None}

    data = s.run(db, body)
    done(data, json_out, f"已创建账号 account created: {data['login']}")


@account_app.command("link")
def account_link(login: Annotated[str, typer.Argument()], council: C,
                 member: Annotated[str, typer.Option(help="member id or name")],
                 db: DbOpt = None, json_out: JsonOpt = False, now: NowOpt = None) -> None:
    """Let an account sign in as a member of another council too."""
    from cobuild.actions.accounts import find_account, link_member
    from cobuild.models import NotFound

    def body(session):
        account = find_account(session, login)
        if account is None:
            raise NotFound("not_found", subject="account", key=login)
        c = s.council(session, council)
        m = link_member(session, c, s.member(session, c, member), account, by=None, now=s.parse_now(now))
        return {"account_id": account.id, "member_id": m.id, "council_id": c.id}

    done(s.run(db, body), json_out, f"已关联 linked: {login}")


@account_app.command("token")
def account_token(login: Annotated[str, typer.Argument()], name: Annotated[str, typer.Option()] = "api",
                  db: DbOpt = None, json_out: JsonOpt = False, now: NowOpt = None) -> None:
    """Issue an API token for a machine client (printed once; stored only as a digest)."""
    from cobuild.actions.accounts import find_account, issue_token
    from cobuild.models import NotFound

    def body(session):
        account = find_account(session, login)
        if account is None:
            raise NotFound("not_found", subject="account", key=login)
        token, row = issue_token(session, account, name, now=s.parse_now(now))
        return {"token": token, "id": row.id, "name": row.name}

    data = s.run(db, body)
    s.emit(data, json_out, data["token"])


@account_app.command("password")
def account_password(login: Annotated[str, typer.Argument()],
                     password_file: Annotated[Optional[str], typer.Option(help="read the new password from this file")] = None,
                     db: DbOpt = None, json_out: JsonOpt = False, now: NowOpt = None) -> None:
    """Set a new password (the operator's reset); every session of the account ends."""
    from cobuild.actions.accounts import find_account, set_password
    from cobuild.models import NotFound

    password = _password(password_file)

    def body(session):
        account = find_account(session, login)
        if account is None:
            raise NotFound("not_found", subject="account", key=login)
        set_password(session, account, password, now=s.parse_now(now))
        return {"login": account.login}

    done(s.run(db, body), json_out, f"已修改密码 password changed: {login}")


def _account_active(council: str, member: str, as_: str | None, db, json_out, now, active: bool) -> None:
    from cobuild.actions.accounts import set_account_active

    def body(session):
        c = s.council(session, council)
        m = s.member(session, c, member)
        set_account_active(session, c, m, active, by=s.actor(session, c, as_), now=s.parse_now(now))
        return {"member_id": m.id, "active": active}

    done(s.run(db, body), json_out, (f"已恢复登录 sign-in allowed again: {member}" if active else
                                     f"已停用登录 sign-in stopped: {member}"))


@account_app.command("disable")
def account_disable(council: C, member: Annotated[str, typer.Option(help="member id or name")], as_: AsOpt = None,
                    db: DbOpt = None, json_out: JsonOpt = False, now: NowOpt = None) -> None:
    """Stop a member's sign-in (secretary): their sessions and API tokens stop at once."""
    _account_active(council, member, as_, db, json_out, now, False)


@account_app.command("enable")
def account_enable(council: C, member: Annotated[str, typer.Option(help="member id or name")], as_: AsOpt = None,
                   db: DbOpt = None, json_out: JsonOpt = False, now: NowOpt = None) -> None:
    """Allow a member's sign-in again (secretary)."""
    _account_active(council, member, as_, db, json_out, now, True)
