"""The `cobuild` command: the database, the passes that move time (cycle, sweep, dispatch), the scheduler, the web server, backups."""


from typing import Annotated, Optional

import typer

from cobuild.cli import support as s
from cobuild.cli.support import DbOpt, JsonOpt, NowOpt, done, table

reminders_app = typer.Typer(help="提醒 reminders: one sweep by hand", no_args_is_help=True)


notifications_app = typer.Typer(help="消息 the outbox: dispatch, list, retry", no_args_is_help=True)


def init(db: DbOpt = None, json_out: JsonOpt = False) -> None:
    """Create or upgrade the database schema (Alembic migrations). 创建/升级数据库"""
    from cobuild.platform.db import upgrade

    url = s.db_url(db)
    try:
        revision = upgrade(url)
    except Exception as exc:  # noqa: BLE001
        cause = str(getattr(exc, "orig", None) or exc).strip()  # the driver's words, not SQLAlchemy's wrapper
        s.fail(f"无法初始化数据库 cannot initialise {s.shown_url(url)}: {cause.splitlines()[0] if cause else ''}",
               "database")
    done({"db": s.shown_url(url), "revision": revision}, json_out,
         f"数据库已就绪 database ready: {s.shown_url(url)} (revision {revision})")


def cycle(db: DbOpt = None, json_out: JsonOpt = False, now: NowOpt = None) -> None:
    """Run the chair and conference cycles once as Prefect flows (what the scheduler runs)."""
    url = s.db_url(db)
    at = s.parse_now(now)
    s.run(db, lambda session: None)  # refuses an uninitialised database before Prefect starts

    from cobuild.flows import runs
    from cobuild.flows.cycles import chair_cycle, conference_cycle
    from cobuild.flows.local_api import local_api

    try:
        with local_api():
            recorded = runs.masked(url)  # the Prefect server keeps flow parameters: no password there
            result = {"chair": chair_cycle(recorded, at.isoformat()), "conference": conference_cycle(recorded, at.isoformat())}
    except Exception as exc:  # noqa: BLE001
        s.fail(f"流程运行失败,未完成的部分下次重试 the flow run failed (what is not done is tried again next time): {exc}",
               "flow_failed")
    s.emit(result, json_out)


def _run_flow(db: str | None, flow_name: str, now: str | None, json_out: bool) -> None:
    url = s.db_url(db)
    at = s.parse_now(now)
    s.run(db, lambda session: None)  # refuses an uninitialised database before Prefect starts
    import cobuild.flows.reminders as reminder_flows
    from cobuild.flows import runs
    from cobuild.flows.local_api import local_api

    try:
        with local_api():
            result = getattr(reminder_flows, flow_name)(runs.masked(url), at.isoformat())
    except Exception as exc:  # noqa: BLE001
        s.fail(f"流程运行失败,未完成的部分下次重试 the flow run failed (what is not done is tried again next time): {exc}",
               "flow_failed")
    s.emit(result, json_out)


@reminders_app.command("sweep")
def reminders_sweep(db: DbOpt = None, json_out: JsonOpt = False, now: NowOpt = None) -> None:
    """One reminder sweep (a Prefect flow run): reminders, escalations, council messages, digests."""
    _run_flow(db, "reminder_sweep", now, json_out)


@notifications_app.command("dispatch")
def notifications_dispatch(db: DbOpt = None, json_out: JsonOpt = False, now: NowOpt = None) -> None:
    """Send what is due in the outbox once (a Prefect flow run); counts by outcome."""
    _run_flow(db, "dispatch_notifications", now, json_out)


@notifications_app.command("list")
def notifications_list(
    council: Annotated[Optional[str], typer.Option(help="council id or name")] = None,
    status: Annotated[Optional[str], typer.Option(help="pending, held, sent, failed, dropped; or a delivery status: retry, dead")] = None,
    kind: Annotated[Optional[str], typer.Option()] = None,
    limit: Annotated[int, typer.Option()] = 50, db: DbOpt = None, json_out: JsonOpt = False,
) -> None:
    """What was sent to whom, what failed and why (newest first)."""
    from cobuild.reports.outbox import notification_rows

    def body(session):
        return notification_rows(session, council_id=s.council(session, council).id if council else None,
                                 status=status, kind=kind, limit=limit, addresses=True)

    rows = s.run(db, body)
    s.emit(rows, json_out, lambda: table(f"消息 notifications ({len(rows)})", ["id", "to", "kind", "status", "subject", "channels / errors"],
                                         [[r["id"], r["to"], s.words("kind", r["kind"]), s.words("notification", r["status"]), r["subject"],
                                           "; ".join(f"{s.words('channel', d['channel'])}:{s.words('notification', d['status'])}"
                                                     + (f" ({d['error']})" if d["error"] else "")
                                                     for d in r["deliveries"])] for r in rows]))


@notifications_app.command("retry")
def notifications_retry(delivery_id: Annotated[int, typer.Argument(help="a dead delivery's id")],
                        db: DbOpt = None, json_out: JsonOpt = False, now: NowOpt = None) -> None:
    """Put a dead delivery back in the queue (after fixing its address, say)."""
    from cobuild.notifications.dispatch import retry_dead

    def body(session):
        row = retry_dead(session, delivery_id, s.parse_now(now))
        return {"delivery": row.id, "status": row.status}

    done(s.run(db, body), json_out, f"已重新排队 delivery #{delivery_id} queued again")


def scheduler(db: DbOpt = None) -> None:
    """Run the embedded scheduler alone (headless): cycles, sweep and dispatch on their intervals."""
    from cobuild.scheduler import SchedulerRefused, build_scheduler

    url = s.db_url(db)
    s.run(db, lambda session: None)
    import logging

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        jobs = build_scheduler(url, background=False)
        from cobuild.flows.local_api import start_shared_in_background
        from cobuild.platform.lifeline import exit_on_sigterm

        exit_on_sigterm()
        start_shared_in_background()
        jobs.start()
    except SchedulerRefused as exc:
        s.fail(str(exc))
    except (KeyboardInterrupt, SystemExit):
        pass


def serve(host: Annotated[str, typer.Option()] = "127.0.0.1", port: Annotated[int, typer.Option()] = 8000,
          no_scheduler: Annotated[bool, typer.Option("--no-scheduler", help="distributed mode: Prefect server schedules")] = False,
          demo: Annotated[bool, typer.Option("--demo", help="demo mode: a random session secret when COBUILD_SECRET_KEY is unset")] = False,
          workers: Annotated[int, typer.Option(min=1, max=64, help="web worker processes (the scheduler runs once, in the parent)")] = 1,
          db: DbOpt = None) -> None:
    """Serve the web app and the API (/api/docs) on HOST:PORT, with the embedded scheduler in the same process."""
    from cobuild.scheduler import SchedulerRefused
    from cobuild.server import serve_forever
    from cobuild.web.security import SecretRefused

    s.run(db, lambda session: None)
    try:
        serve_forever(s.db_url(db), host, port, scheduler=not no_scheduler, demo=demo, workers=workers)
    except (SchedulerRefused, SecretRefused) as exc:
        s.fail(str(exc))
    except OSError as exc:
        s.fail(f"cannot listen on {host}:{port}: {exc}")


def backup_command(destination: Annotated[str, typer.Argument(help="a new file for the backup")],
                   db: DbOpt = None, json_out: JsonOpt = False) -> None:
    """Back up the database while it runs (SQLite online backup; pg_dump -Fc on PostgreSQL)."""
    from cobuild.platform.backup import BackupError, backup

    try:
        data = backup(s.db_url(db), destination)
    except (BackupError, OSError) as exc:
        s.fail(str(exc))
    done(data, json_out, f"已备份 backed up to {data['file']} ({data['bytes']:,} bytes)")


def restore_command(source: Annotated[str, typer.Argument(help="a file made by cobuild backup")],
                    force: Annotated[bool, typer.Option("--force", help="replace an existing database")] = False,
                    db: DbOpt = None, json_out: JsonOpt = False) -> None:
    """Restore a backup into the database given by --db (a new one, or --force to replace)."""
    from cobuild.platform.backup import BackupError, restore

    try:
        data = restore(s.db_url(db), source, force=force)
    except (BackupError, OSError) as exc:
        s.fail(str(exc))
    done(data, json_out, f"已恢复 restored into {data['database']}")
