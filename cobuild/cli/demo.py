"""`cobuild demo`: the simulated year (`cobuild.demo`), run through the flows, and its printed summary."""

from typing import Annotated, Optional

import typer

from cobuild.cli import support as s
from cobuild.cli.support import JsonOpt, console, stats_table


def demo(
    db: Annotated[Optional[str], typer.Option("--db", help="Database URL (default: a fresh cobuild-demo.db)")] = None,
    json_out: JsonOpt = False,
    seed: Annotated[int, typer.Option(help="Random seed for the simulated year")] = 2026,
    keep: Annotated[bool, typer.Option(help="Keep an existing demo database instead of starting fresh")] = False,
    out: Annotated[str, typer.Option(help="Folder for the term reports, a resolution, the ledger and the calendar")] = "cobuild-demo-output",
    pdf: Annotated[bool, typer.Option("--pdf", help="Also write the term reports and the resolution as PDF (slower)")] = False,
) -> None:
    """Simulate one year (2026) of a council through the Prefect flows and print what happened."""
    from cobuild.flows.local_api import start_early

    server = start_early()  # boots while this process imports Prefect and sets the council up (None: shared one up)
    try:
        summary = run_demo(db or "sqlite:///cobuild-demo.db", seed=seed, fresh=not keep, progress=not json_out,
                           output_dir=out, pdf=pdf, server=server)
    except Exception as exc:  # noqa: BLE001
        from cobuild.models import DomainError

        if server is not None:
            server.stop()
        s.fail(exc.message(s.lang()) if isinstance(exc, DomainError) else f"演示未能完成 the demo failed: {exc}")
    finally:
        if server is not None:
            server.stop()
    s.emit(summary, json_out, lambda: print_summary(summary, console))


def run_demo(db_url: str, *, seed: int = 2026, fresh: bool = True, progress: bool = True,
             outbox_dir: str = "cobuild-demo-outbox", output_dir: str | None = "cobuild-demo-output",
             pdf: bool = False, server=None) -> dict:
    """The demo year; `server` is a flows.local_api.start_early() server already booting."""
    import os
    from datetime import date
    from pathlib import Path

    from sqlmodel import select

    from cobuild.demo import (
        DEMO_PASSWORD,
        TZ,
        YEAR,
        _at,
        demo_accounts,
        set_up,
        set_up_second,
        set_up_street,
        street_account,
        summarise,
        write_documents,
        year_end_appraisal,
    )
    from cobuild.flows.demo import demo_year
    from cobuild.flows.local_api import local_api
    from cobuild.models import Council
    from cobuild.platform.db import engine_for, session_for, upgrade

    # the demo's messages go to a file, never to real mailboxes or chat groups
    os.environ["COBUILD_DELIVERY"] = "file"
    os.environ["COBUILD_OUTBOX_DIR"] = outbox_dir
    if fresh and db_url.startswith("sqlite:///"):
        path = Path(db_url.removeprefix("sqlite:///"))
        # a pooled connection to the old file would keep reading it after the unlink, while
        # new connections open a new, empty file: close them first
        engine_for(db_url).dispose()
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        (Path(outbox_dir) / "outbox.jsonl").unlink(missing_ok=True)
    upgrade(db_url)
    with session_for(db_url) as session:
        council = session.exec(select(Council).where(Council.name == "牡丹社区大党委")).first()
        if council is None:
            council = set_up(session, _at(date(YEAR, 1, 1), 0, 1))
            second = set_up_second(session, _at(date(YEAR, 1, 1), 0, 2))
            set_up_street(session, [council, second], _at(date(YEAR, 1, 1), 0, 3))
    with local_api(early=server):
        totals = demo_year(db_url, f"{YEAR}-01-01", f"{YEAR}-12-31", seed, TZ, progress)
    with session_for(db_url) as session:
        from cobuild.models import Street
        from cobuild.models.base import jsonable
        from cobuild.reports.streets import street_dashboard

        accounts = demo_accounts(session, session.get(Council, council.id))
        street = session.exec(select(Street)).first()
        for other in session.exec(select(Council).where(Council.id != council.id).order_by(Council.id)).all():
            accounts += demo_accounts(session, other, prefix=f"c{other.id}-")
        if street is not None:
            accounts.append(street_account(session, street))
        appraised = year_end_appraisal(session, street, seed) if street is not None else None
        summary = summarise(session, session.get(Council, council.id), totals, db_url)
        if street is not None:
            summary["appraisal"] = appraised
            dashboard = street_dashboard(session, street, _at(date(YEAR, 12, 31), 18))
            summary["street"] = jsonable({"name": dashboard["street"], "councils": dashboard["councils"],
                                          "racing": dashboard["racing"]})
        summary["accounts"] = accounts
        summary["password"] = DEMO_PASSWORD
        if output_dir:
            summary["files"] = write_documents(session, session.get(Council, council.id), Path(output_dir), pdf)
    summary["outbox_file"] = str(Path(outbox_dir) / "outbox.jsonl")
    return summary


def print_summary(summary: dict, console) -> None:
    from rich.table import Table


    console.print(f"[bold]{summary['council']}[/bold] · 2026 模拟一年 one simulated year · "
                  f"{summary['units']} 个单位 units · {summary['members']} 名人员 members")
    terms = Table(title="轮值主席任期 chair terms")
    for column in ("届", "任期 term", "主席 chair", "产生方式 how", "状态 status", "承诺兑现 kept", "测评票 evaluations"):
        terms.add_column(column)
    for t in summary["terms"]:
        terms.add_row(str(t["number"]), f"{t['from']} ~ {t['to']}", t["chair"] or "-", s.decided_by(t["chair_source"]),
                      s.words("state", t["status"]), f"{t['commitments_kept']}/{t['commitments']}", str(t["evaluations"]))
    console.print(terms)
    elections = Table(title="选举 elections")
    for column in ("#", "轮 round", "状态 status", "当选 winner", "方式 how", "票数 ballots"):
        elections.add_column(column)
    for e in summary["elections"]:
        elections.add_row(str(e["id"]), str(e["round"]), s.words("state", e["status"]), e["winner"] or "-",
                          s.decided_by(e["decided_by"]), str(e["ballots"]))
    console.print(elections)
    stats_table("按季度 by quarter", summary["by_quarter"])
    stats_table("按单位 by unit (牵头 lead)", summary["by_unit"])
    status = Table(title="事项状态 items by status")
    status.add_column("状态 status")
    status.add_column("数量 count")
    for key, value in summary["items"].items():
        status.add_row(s.words("state", key), str(value))
    console.print(status)

    def pct(v):
        return "-" if v is None else f"{v:.1%}"

    console.print(f"办结率 completion rate {pct(summary['completion_rate'])} · 按期办结率 on-time rate {pct(summary['on_time_rate'])} · "
                  f"年末逾期 overdue at year end {summary['overdue_at_year_end']} · 延期 extensions {summary['extensions']} · "
                  f"审计事件 audit events {summary['audit_events']}")
    reminders = Table(title="自动提醒与消息 reminders and messages")
    reminders.add_column("类型 kind")
    reminders.add_column("数量 count")
    for key, value in summary["reminders"].items():
        reminders.add_row(s.words("kind", key), str(value))
    console.print(reminders)
    up, told = summary["escalated"], summary["reminders"].get("escalation", 0)
    why = "(主席换届时新任主席也收到 a new chair is told too)" if told > summary["escalations"] else ""
    console.print(f"逾期上报 escalations {summary['escalations']} 次(上报主席 to the chair {up.get('chair', 0)}、"
                  f"上报书记 to the secretary {up.get('secretary', 0)})· 上报消息 escalation messages {told} 条{why} · "
                  f"投递 deliveries {s.counts(summary['deliveries'], 'notification')} · "
                  f"消息文件 messages written to {summary['outbox_file']}")
    orders = summary.get("orders")
    if orders:
        console.print(f"服务菜单 service menu: {summary['offers']['total']} 项服务 offers · {summary['volunteers']} 名在职党员 party members · "
                      f"{orders['total']} 单 orders ({s.counts(orders['by_state'], 'order_state')}) · 服务群众 residents served "
                      f"{orders['residents_served']} 人次 · 平均评价 average rating {orders['average_rating']}")
    street = summary.get("street")
    if street:
        last = street["racing"]["halves"][-1]["period"] if street["racing"]["halves"] else ""
        board = Table(title=f"{street['name']} 街道 street: {last} 半年晾晒 half-year")
        for column in ("名次 rank", "社区 council", "办结率 completion", "按期办结率 on time", "较上期 movement"):
            board.add_column(column)
        for r in (street["racing"]["halves"][-1]["rows"] if street["racing"]["halves"] else []):
            board.add_row(str(r["rank"]), r["council"], pct(r["completion_rate"]), pct(r["on_time_rate"]),
                          "-" if r["movement"] is None else f"{r['movement']:+d}")
        console.print(board)
    appraised = summary.get("appraisal")
    if appraised:
        grades = Table(title=f"{appraised['year']} 年度驻区单位考评 appraisal · 群众评议码 residents' codes used {appraised['codes_used']}")
        for column in ("名次 rank", "单位 unit", "社区 council", "总分 score", "等次 grade"):
            grades.add_column(column)
        for u in appraised["units"]:
            grades.add_row(str(u["rank"]), u["unit"], u["council"], str(u["score"]), u["grade"])
        console.print(grades)
    if summary.get("files"):
        console.print("文件 files: " + "  ".join(summary["files"].values()))
    console.print(f"数据库 database: {summary['db']}  —  试试 try: cobuild item list 1 --db {summary['db']}")
    if summary.get("accounts"):
        accounts = Table(title=f"演示账号 demo accounts — 密码 password: {summary['password']}")
        for column in ("login", "姓名 name", "单位 unit", "身份 role"):
            accounts.add_column(column)
        for a in summary["accounts"]:
            accounts.add_row(a["login"], a["name"], a["unit"], a["role"])
        console.print(accounts)
        console.print(f"网页 web: cobuild serve --demo --db {summary['db']}  →  http://127.0.0.1:8000/")
