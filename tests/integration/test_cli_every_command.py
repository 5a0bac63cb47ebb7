"""Every CLI command, run as a user might get it wrong: with its required arguments and options
only (placeholder values, on an empty database), with numbers no id can be, and with each
required option left out. Each
answers with its own message or a usage line, never a traceback or a Python exception's name."""

from __future__ import annotations

import re

import pytest
import typer
from typer.testing import CliRunner

from cobuild.cli.main import app

# commands that start a server or a Prefect flow run: covered by their own tests
LONG_RUNNING = {"serve", "scheduler", "demo", "cycle", "sweep", "dispatch"}
EXCEPTION_NAME = re.compile(r"Traceback|\b[A-Z][A-Za-z]*(?:Error|Exception)\b")


def _commands(group, prefix: tuple[str, ...] = ()):
    # Typer carries its own copy of click: its classes are told apart by what they have
    for name, command in sorted(group.commands.items()):
        if hasattr(command, "commands"):
            yield from _commands(command, (*prefix, name))
        elif name not in LONG_RUNNING:
            yield (*prefix, name), command


COMMANDS = list(_commands(typer.main.get_command(app)))


def _placeholder(param) -> str:
    choices = getattr(getattr(param, "type", None), "choices", None)
    return str(choices[0]) if choices else "1"


def _required(command) -> tuple[list[str], list[tuple[str, list[str]]]]:
    """The arguments, and each required option with its value."""
    arguments, options = [], []
    for param in command.params:
        if param.param_type_name == "argument" and param.required:
            arguments.append(_placeholder(param))
        elif param.param_type_name == "option" and param.required:
            options.append((param.opts[0], [param.opts[0], _placeholder(param)]))
    return arguments, options


@pytest.fixture(scope="module")
def empty_db(tmp_path_factory):
    url = f"sqlite:///{tmp_path_factory.mktemp('cli')}/empty.db"
    assert CliRunner().invoke(app, ["init", "--db", url]).exit_code == 0
    return url


@pytest.mark.parametrize("path, command", COMMANDS, ids=[" ".join(p) for p, _ in COMMANDS])
def test_every_command_answers_plainly_with_required_options_only_or_one_missing(path, command, empty_db, tmp_path,
                                                                              monkeypatch):
    monkeypatch.chdir(tmp_path)  # anything a command writes goes here
    arguments, options = _required(command)
    has_db = any(p.param_type_name == "option" and "--db" in p.opts for p in command.params)
    tail = ["--db", empty_db] if has_db else []
    runs = [[*path, *arguments, *[v for _, pair in options for v in pair], *tail]]
    runs += [[*path, *arguments, *[v for other, pair in options if other != left_out for v in pair], *tail]
             for left_out, _ in options]
    huge = "9" * 20  # no id can be this: looked up as a name, not an overflow
    runs.append([*path, *[huge if a == "1" else a for a in arguments],
                 *[huge if v == "1" else v for _, pair in options for v in pair], *tail])
    for args in runs:
        result = CliRunner().invoke(app, args, input="")
        output = result.output + (result.stderr if result.stderr_bytes is not None else "")
        assert result.exception is None or isinstance(result.exception, SystemExit), (args, repr(result.exception))
        assert not EXCEPTION_NAME.search(output), (args, output[-600:])
        if result.exit_code != 0:
            assert output.strip(), (args, "refused without a word")
