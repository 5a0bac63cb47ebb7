"""The `cobuild` command end to end on a real SQLite file (in-process, through Typer)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from typer.testing import CliRunner

from cobuild.cli.main import app

runner = CliRunner()


@pytest.fixture
def db(tmp_path):
    url = f"sqlite:///{tmp_path}/cli.db"
    result = runner.invoke(app, ["init", "--db", url])
    assert result.exit_code == 0, result.output
    return url


def cli(db, *args, ok=True, env=None):
    result = runner.invoke(app, [*args, "--db", db], env=env)
    if ok:
        assert result.exit_code == 0, result.output
    return result


def cli_json(db, *args):
    return json.loads(cli(db, *args, "--json").stdout)


def test_init_creates_and_then_upgrades_idempotently(db):
    again = json.loads(runner.invoke(app, ["init", "--db", db, "--json"]).stdout)
    assert again["revision"] == "0015"


def test_a_command_on_an_uninitialised_database_says_what_to_do(tmp_path):
    result = runner.invoke(app, ["council", "list", "--db", f"sqlite:///{tmp_path}/new.db"])
    assert result.exit_code == 2 and "cobuild init" in result.stderr and "Traceback" not in result.output


def _set_up(db):
    cli(db, "council", "create", "--name", "牡丹社区大党委", "--community", "牡丹社区", "--secretary", "王丽华",
        "--now", "2026-01-01T00:01")
    for unit, kind, head, liaison in (("火炬小学", "school", "钱文博", "李春燕"), ("供电所", "state_enterprise", "周志强", "吴海涛")):
        cli(db, "unit", "add", "1", "--name", unit, "--kind", kind, "--as", "王丽华", "--now", "2026-01-01T00:02")
        cli(db, "member", "add", "1", "--unit", unit, "--name", head, "--role", "deputy", "--as", "王丽华")
        cli(db, "member", "add", "1", "--unit", unit, "--name", liaison, "--role", "staff", "--liaison", "--as", "王丽华")
    cli(db, "term", "appoint", "1", "--chair", "钱文博", "--starts", "2026-01-01", "--as", "王丽华", "--now", "2026-01-01T00:03")


def test_the_readme_session_runs_from_set_up_to_close_out(db):
    _set_up(db)
    from cobuild.actions.cycles import advance
    from cobuild.cli.support import parse_now
    from cobuild.platform.db import session_for

    def tick(when):
        with session_for(db) as session:
            advance(session, parse_now(when))

    tick("2026-01-01T00:05")
    assert cli_json(db, "conference", "list", "1")[0]["code"] == "2026-Q1"
    tick("2026-02-10T00:05")
    cli(db, "item", "submit", "1", "--conference", "2026-Q1", "--unit", "火炬小学", "--category", "治安联防",
        "--title", "校门口交通疏导", "--asks", "community", "--as", "李春燕", "--now", "2026-02-11T10:00")
    shown = cli_json(db, "conference", "show", "1", "2026-Q1")
    assert shown["submitted_by_unit"] == {"火炬小学": 1} and "供电所" in shown["not_submitted"]
    tick("2026-02-15T00:05")
    cli(db, "conference", "hold", "1", "2026-Q1", "--present", "钱文博,王丽华", "--as", "钱文博", "--now", "2026-02-24T09:30")
    cli(db, "item", "decide", "1", "1", "accept", "--as", "钱文博", "--now", "2026-02-24T10:00")
    cli(db, "item", "assign", "1", "1", "--goal", "上下学时段交通有序", "--lead", "牡丹社区", "--responsible", "王丽华",
        "--deadline", "2026-04-30", "--as", "钱文博", "--now", "2026-02-24T10:00")
    published = cli_json(db, "conference", "publish", "1", "2026-Q1", "--as", "钱文博", "--now", "2026-02-24T16:00")
    assert published["items"] == 1
    resolution = cli_json(db, "conference", "resolution", "1", "2026-Q1")
    assert resolution["items"][0]["number"] == "2026-Q1-01" and resolution["items"][0]["lead_unit"] == "牡丹社区"
    # a liaison claims for their own unit without naming it (--unit defaults to the acting liaison's)
    claimed = cli(db, "item", "claim", "1", "2026-Q1-01", "--role", "cooperating", "--as", "吴海涛",
                  "--now", "2026-02-25T10:00")
    assert "Error" not in claimed.output and "认领" in claimed.stdout
    cli(db, "item", "progress", "1", "2026-Q1-01", "--percent", "60", "--note", "已安排志愿者", "--as", "王丽华",
        "--now", "2026-03-01T10:00")
    cli(db, "item", "request-close", "1", "2026-Q1-01", "--note", "已完成", "--evidence", "photo.jpg", "--as", "王丽华",
        "--now", "2026-03-10T10:00")
    closed = cli_json(db, "item", "verify", "1", "2026-Q1-01", "--satisfaction", "5", "--as", "李春燕", "--now", "2026-03-11T10:00")
    assert closed["status"] == "closed"
    (row,) = cli_json(db, "track", "1", "--now", "2026-03-12T10:00")
    assert (row["confirmed"], row["closed"], row["completion_rate"], row["on_time_rate"]) == (1, 1, 1.0, 1.0)
    units = {r["label"]: r for r in cli_json(db, "track", "1", "--by", "unit", "--now", "2026-03-12T10:00")}
    assert units["牡丹社区"]["closed"] == 1
    # a city's view: every council's units with their points (one council here)
    city = {r["unit"]: r for r in cli_json(db, "report", "units", "--now", "2026-03-12T10:00")}
    assert city["牡丹社区"]["closed"] == 1 and city["牡丹社区"]["points"] == 10 and city["牡丹社区"]["council"]
    assert cli_json(db, "report", "units", "1", "--now", "2026-03-12T10:00") == list(city.values())
    assert "牡丹社区" in cli(db, "report", "units", "--now", "2026-03-12T10:00").stdout
    assert cli(db, "report", "units", "nowhere", ok=False).exit_code == 2
    detail = cli_json(db, "item", "show", "1", "2026-Q1-01")
    assert [e["action"] for e in detail["timeline"]][-1] == "item.close"
    assert len(cli_json(db, "audit", "list", "1")) > 10
    human = cli(db, "track", "1", "--by", "quarter", "--now", "2026-03-12T10:00").stdout
    assert "2026-Q1" in human and "100%" in human


def test_a_refusal_with_json_is_json_on_stdout_too(db):
    _set_up(db)
    result = cli(db, "unit", "add", "1", "--name", "越权单位", "--as", "李春燕", "--json", ok=False)
    assert result.exit_code == 2
    answer = json.loads(result.stdout)
    assert answer["error"] == "not_secretary" and "社区书记" in answer["message"]


def test_init_never_prints_a_database_password():
    result = runner.invoke(app, ["init", "--db", "postgresql+psycopg://u:TopSecret42@127.0.0.1:9/none"])
    assert result.exit_code == 2 and "TopSecret42" not in result.output and "***" in result.output
    assert "Error" not in result.output  # no exception's name either


def test_a_refused_action_prints_one_line_and_exits_2(db):
    _set_up(db)
    result = cli(db, "unit", "add", "1", "--name", "越权单位", "--as", "李春燕", ok=False)
    assert result.exit_code == 2
    assert result.stderr.count("\n") == 1 and "社区书记" in result.stderr and "Traceback" not in result.output
    assert [u["name"] for u in cli_json(db, "unit", "list", "1")] == ["牡丹社区", "火炬小学", "供电所"]


def test_messages_can_be_english(db):
    _set_up(db)
    result = cli(db, "unit", "add", "1", "--name", "x", "--as", "李春燕", ok=False, env={"COBUILD_LANG": "en"})
    assert "Only the council secretary" in result.stderr


def test_bad_input_is_one_clear_line(db):
    _set_up(db)
    cases = [
        (["item", "list", "1", "--now", "yesterday"], "ISO-8601"),
        (["council", "show", "不存在的大党委"], "找不到"),
        (["term", "appoint", "1", "--chair", "钱文博", "--starts", "2026-13-01", "--as", "王丽华"], "not a date"),
        (["unit", "add", "1", "--name", "无人"], "--as"),
        (["council", "set", "1", "items_max_per_unit=0", "--as", "王丽华"], "每单位至多提交(项):不能小于 1"),
        (["track", "1", "--by", "weather"], "--by"),
    ]
    for args, expected in cases:
        result = cli(db, *args, ok=False)
        assert result.exit_code == 2, args
        assert expected in result.stderr and "Traceback" not in result.output, (args, result.output)


def test_commands_that_run_no_flow_never_import_prefect(db):
    code = ("import sys; from typer.testing import CliRunner; from cobuild.cli.main import app; "
            f"r = CliRunner().invoke(app, ['council', 'list', '--db', {db!r}]); "
            "assert r.exit_code == 0, r.output; print('prefect' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_help_imports_neither_the_orm_nor_the_models():
    """`cobuild --help` starts in a fraction of the time a database command needs (issue 6)."""
    code = ("import sys; from typer.testing import CliRunner; from cobuild.cli.main import app; "
            "r = CliRunner().invoke(app, ['--help']); assert r.exit_code == 0, r.output; "
            "print(sorted(m for m in ('sqlalchemy', 'sqlmodel', 'cobuild.models', 'prefect', 'pydantic_settings') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


@pytest.mark.parametrize("args", [["council", "--help"], ["council", "list", "--help"], ["council", "bogus"],
                                  ["council"], ["item", "claim", "--help"], ["council", "list", "--db", "{db}"],
                                  ["council", "show", "9999", "--db", "{db}"], ["audit", "verify", "--db", "{db}"]])
def test_main_building_only_the_group_asked_for_answers_as_the_whole_app(db, args, monkeypatch, capsys):
    """`main()` builds only the named group's commands (start-up time): the same output, exit
    code and usage lines as the whole app."""
    from cobuild.cli.main import main

    args = [a.replace("{db}", db) for a in args]
    whole = runner.invoke(app, args, prog_name="cobuild")
    monkeypatch.setattr(sys, "argv", ["cobuild", *args])
    with pytest.raises(SystemExit) as exited:
        main()
    out = capsys.readouterr()
    assert (exited.value.code or 0) == whole.exit_code
    assert out.out == whole.stdout and out.err == whole.stderr


def test_help_lists_the_command_groups():
    result = runner.invoke(app, ["--help"])
    assert result.exit_code == 0
    for group in ("council", "unit", "member", "term", "election", "conference", "item", "track", "demo"):
        assert group in result.stdout


def test_the_report_commands_print_and_write_files(db, tmp_path):
    _set_up(db)
    from cobuild.actions.cycles import advance
    from cobuild.cli.support import parse_now
    from cobuild.platform.db import session_for

    with session_for(db) as session:
        advance(session, parse_now("2026-01-01T00:05"))
    ranking = cli_json(db, "report", "ranking", "1", "--now", "2026-01-02T10:00")
    assert ranking["rules"]["lead_closed_on_time"] == 10 and {r["unit"] for r in ranking["rows"]} >= {"火炬小学", "供电所"}
    points = cli_json(db, "report", "points", "1", "--period", "term:1")
    assert all(r["points"] == 0 for r in points)
    cli(db, "report", "ledger", "1", "--xlsx", str(tmp_path / "l.xlsx"))
    cli(db, "report", "calendar", "1", "--ics", str(tmp_path / "c.ics"))
    cli(db, "report", "term", "1", "--html", str(tmp_path / "t.html"), "--now", "2026-01-02T10:00")
    assert (tmp_path / "l.xlsx").stat().st_size > 0 and b"BEGIN:VCALENDAR" in (tmp_path / "c.ics").read_bytes()
    assert "轮值主席任期工作通报" in (tmp_path / "t.html").read_text(encoding="utf-8")
    missing = cli(db, "report", "resolution", "1", "2026-Q1", "--html", str(tmp_path / "r.html"), ok=False)
    assert missing.exit_code == 2 and "决议" in missing.stderr
    bad = cli(db, "report", "import", "1", str(tmp_path / "none.xlsx"), "--conference", "2026-Q1", "--as", "王丽华", ok=False)
    assert bad.exit_code == 2 and "no such file" in bad.stderr
