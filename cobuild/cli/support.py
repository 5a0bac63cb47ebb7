"""Plumbing shared by every CLI command: options, look-ups by id or name, output, errors."""

from __future__ import annotations

import json
import sys
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Annotated, Any, Callable, Optional
from zoneinfo import ZoneInfo

import typer
from rich.console import Console
from rich.table import Table

if TYPE_CHECKING:  # for annotations only: `cobuild --help` must not pay for the ORM's import
    from sqlmodel import Session

    from cobuild.models import Conference, Council, Item, Member, Unit


def select(*entities):
    """sqlmodel.select, imported on first use (the models and SQLAlchemy are most of a command's
    start-up: `cobuild --help` does without them)."""
    from sqlmodel import select as _select

    return _select(*entities)


def get_settings():
    from cobuild.platform.settings import get_settings as _get_settings

    return _get_settings()


DbOpt = Annotated[Optional[str], typer.Option("--db", help="Database URL (default: sqlite:///cobuild.db, or $COBUILD_DB_URL)")]
_json_mode = False  # this command's --json (set as its options are read): `fail` answers in JSON too


def _remember_json(value: bool) -> bool:
    global _json_mode
    _json_mode = bool(value)
    return value


JsonOpt = Annotated[bool, typer.Option("--json", help="Machine-readable JSON on stdout", callback=_remember_json)]
NowOpt = Annotated[Optional[str], typer.Option("--now", help="Simulated clock, ISO-8601 (no offset: $COBUILD_TIMEZONE, default Asia/Shanghai)")]
AsOpt = Annotated[Optional[str], typer.Option("--as", help="Who acts: member id or name")]


class Usage(Exception):
    """A CLI usage problem (not a domain refusal): one line, exit code 2."""


def db_url(db: str | None) -> str:
    return db or get_settings().db_url


def lang() -> str:
    return get_settings().lang


def local(council, value) -> str:
    """A stored moment (datetime or ISO text) as the council's people read it: local time, to the minute."""
    from cobuild.models.base import local_text

    if not value:
        return "-"
    return local_text(council, datetime.fromisoformat(value) if isinstance(value, str) else value)


def words(vocabulary: str, value) -> str:
    from cobuild.models.messages import word

    return word(vocabulary, value, lang())


def agenda_kind(kind: str) -> str:
    from cobuild.models.messages import lang_index
    from cobuild.reports.views import AGENDA_LABELS

    names = AGENDA_LABELS.get(kind)
    return names[lang_index(lang())] if names else kind


def decided_by(how: str | None) -> str:
    from cobuild.models.messages import DECIDED_BY_NAMES, lang_index

    names = DECIDED_BY_NAMES.get(how or "")
    return names[lang_index(lang())] if names else (how or "-")


def counts(mapping: dict, vocabulary: str | None = None) -> str:
    """`{'火炬小学': 1, 'pending': 23}` as people write it: 火炬小学 1、待发送 23."""
    shown = [f"{words(vocabulary, k) if vocabulary else k} {v}" for k, v in mapping.items()]
    return ("、" if lang() == "zh" else ", ").join(shown) or "-"


def parse_now(value: str | None) -> datetime:
    if value is None:
        return datetime.now(UTC)
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise Usage(f"--now: not an ISO-8601 time: {value!r} (e.g. 2026-03-01T09:00+08:00)") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=ZoneInfo(get_settings().timezone))
    return moment.astimezone(UTC)


def parse_date(value: str, option: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise Usage(f"{option}: not a date: {value!r} (e.g. 2026-05-31)") from None


def emit(data: Any, json_out: bool, human: Callable[[], None] | str | None = None) -> None:
    if json_out:
        sys.stdout.write(json.dumps(data, ensure_ascii=False, default=str, indent=2) + "\n")
    elif callable(human):
        human()
    elif human is not None:
        typer.echo(human)
    else:
        typer.echo(json.dumps(data, ensure_ascii=False, default=str, indent=2))


def shown_url(url: str) -> str:
    """A database URL as it may be printed: its password as ***."""
    if "@" not in url:
        return url
    from cobuild.platform.db import shown_url as hidden

    return hidden(url)


def fail(message: str, code: str = "refused") -> None:
    """One line on stderr and exit 2; with --json also `{"error", "message"}` on stdout, as the API."""
    if _json_mode:
        typer.echo(json.dumps({"error": code, "message": message}, ensure_ascii=False))
    typer.echo(f"错误 error: {message}" if lang() == "zh" else f"error: {message}", err=True)
    raise typer.Exit(2)


def run(db: str | None, body: Callable[[Session], Any], *, need_schema: bool = True) -> Any:
    """Open a session on the database, run `body`, turn refusals into one line and exit 2."""
    from sqlalchemy.exc import OperationalError, SQLAlchemyError

    from cobuild.models import DomainError
    from cobuild.platform.db import current_revision, session_for

    url = db_url(db)
    try:
        if need_schema and current_revision(url) is None:
            shown = shown_url(url)
            fail(f"数据库未初始化,请先运行 cobuild init --db {shown} / database not initialised: run `cobuild init --db {shown}`")
        with session_for(url) as session:
            return body(session)
    except DomainError as exc:
        fail(exc.message(lang()), exc.code)
    except Usage as exc:
        fail(str(exc), "invalid")
    except OperationalError as exc:
        fail(f"数据库错误 database error: {str(exc.orig).splitlines()[0] if exc.orig else exc}", "database")
    except SQLAlchemyError as exc:
        fail(f"数据库错误 database error: {str(exc).splitlines()[0]}", "database")
    except Exception as exc:  # noqa: BLE001 — a user never sees a traceback, nor an exception's name
        if isinstance(exc, (typer.Exit, typer.Abort, SystemExit, KeyboardInterrupt)):
            raise
        fail(f"意外错误,未作任何更改 unexpected error, nothing changed: {str(exc).splitlines()[0] if str(exc) else ''}",
             "unexpected")


# ---- look-ups by id or by name ------------------------------------------------------------


def _by_key(session: Session, model, key: str, subject: str, name_column, **scope):
    from cobuild.models import InvalidInput, NotFound

    query = select(model)
    for column, value in scope.items():
        query = query.where(getattr(model, column) == value)
    if key.isdigit() and int(key) < 2**63:  # a number no database id can be is looked up as a name
        row = session.get(model, int(key))
        if row is not None and all(getattr(row, c) == v for c, v in scope.items()):
            return row
    rows = session.exec(query.where(name_column == key)).all()
    if len(rows) > 1:
        raise InvalidInput("ambiguous", subject=subject, key=key)
    if not rows:
        raise NotFound("not_found", subject=subject, key=key)
    return rows[0]


def council(session: Session, key: str) -> Council:
    from cobuild.models import Council

    return _by_key(session, Council, key, "council", Council.name)


def unit(session: Session, council_row: Council, key: str) -> Unit:
    from cobuild.models import Unit

    return _by_key(session, Unit, key, "unit", Unit.name, council_id=council_row.id)


def member(session: Session, council_row: Council, key: str) -> Member:
    from cobuild.models import Member

    return _by_key(session, Member, key, "member", Member.name, council_id=council_row.id)


def actor(session: Session, council_row: Council, key: str | None) -> Member:
    if not key:
        raise Usage("--as is needed: who does this? (member id or name)")
    return member(session, council_row, key)


def conference(session: Session, council_row: Council, key: str) -> Conference:
    from cobuild.models import Conference

    return _by_key(session, Conference, key, "conference", Conference.code, council_id=council_row.id)


def item(session: Session, council_row: Council, key: str) -> Item:
    from cobuild.models import Item

    return _by_key(session, Item, key, "item", Item.number, council_id=council_row.id)


def ids(session: Session, council_row: Council, keys: str | None, lookup) -> list[int]:
    if not keys:
        return []
    return [lookup(session, council_row, k.strip()).id for k in keys.split(",") if k.strip()]


# the CLI's printed output and the arguments every group shares
# a pipe or a narrow office terminal still gets readable tables of Chinese text
console = Console() if sys.stdout.isatty() else Console(width=160)


C = Annotated[str, typer.Argument(help="council id or name")]


def table(title: str, columns: list[str], rows: list[list]) -> None:
    grid = Table(title=title, show_lines=False)
    for column in columns:
        grid.add_column(column)
    for row in rows:
        grid.add_row(*["" if v is None else str(v) for v in row])
    console.print(grid)


def done(data: dict, json_out: bool, text: str) -> None:
    emit(data, json_out, f"✓ {text}")


TermNo = Annotated[Optional[int], typer.Argument(help="term number (default: the current term)")]


Code = Annotated[str, typer.Argument(help="conference code (e.g. 2026-Q2) or id")]


Key = Annotated[str, typer.Argument(help="item number (e.g. 2026-Q2-03) or id")]


def stats_table(title: str, rows: list[dict]) -> None:
    def pct(v):
        return "-" if v is None else f"{v:.0%}"

    table(f"{title} — 提交 submitted · 确认 confirmed · 配合 cooperating · 办结 closed · 按期 on time · 逾期 overdue · "
          "未到期 not yet due · 延期 extensions · 办结率 completion (÷ due) · 按期率 on-time (÷ due) · 天数 avg days to close · "
          "满意 satisfaction",
          ["", "提交", "确认", "配合", "推进中", "办结", "按期", "逾期", "未到期", "延期", "办结率", "按期率", "天数", "满意"],
          [[r["label"], r["submitted"], r["confirmed"], r["claimed_cooperating"], r["in_progress"], r["closed"],
            r["on_time"], r["overdue"], r["not_due"], r["extensions"], pct(r["completion_rate"]), pct(r["on_time_rate"]),
            r["avg_days_to_close"] or "-", r["satisfaction"] or "-"] for r in rows])


Period = Annotated[Optional[str], typer.Option("--period", help="a quarter (2026-Q1) or a term (term:1); default: everything")]
