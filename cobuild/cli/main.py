"""The `cobuild` command: the groups put together, and its entry point."""


import os
import sys

import typer

from cobuild.cli import accounts, appraisal, council, demo, items, reports, running, services, streets, terms

app = typer.Typer(help="cobuild — 共建事项双向清单 community co-building task lists", no_args_is_help=True,
                  pretty_exceptions_enable=False, add_completion=False)
app.command()(running.init)
app.command()(demo.demo)
app.command()(reports.track)
app.command()(running.cycle)
app.command()(running.scheduler)
app.command()(running.serve)
app.command("backup")(running.backup_command)
app.command("restore")(running.restore_command)
for sub, name in ((council.council_app, "council"), (council.unit_app, "unit"), (council.member_app, "member"), (terms.term_app, "term"),
                  (terms.election_app, "election"), (items.conference_app, "conference"), (items.item_app, "item"),
                  (running.reminders_app, "reminders"), (running.notifications_app, "notifications"), (council.template_app, "template"),
                  (reports.report_app, "report"), (accounts.account_app, "account"), (reports.audit_app, "audit"),
                  (services.offer_app, "offer"), (services.order_app, "order"), (services.volunteer_app, "volunteer"),
                  (streets.street_app, "street"), (appraisal.appraisal_app, "appraisal")):
    app.add_typer(sub, name=name)


def commands(typer_app: typer.Typer = app, prefix: str = ""):
    """Every command of the tree: (its path such as "item submit", its CommandInfo)."""
    for info in typer_app.registered_commands:
        yield f"{prefix}{info.name or info.callback.__name__.replace('_', '-')}", info
    for group in typer_app.registered_groups:
        if group.typer_instance is not None:
            yield from commands(group.typer_instance, f"{prefix}{group.name} ")


def speak_the_users_language(lang: str) -> None:
    """Each command's help in the user's language (COBUILD_LANG, Chinese by default): the catalogue
    holds the Chinese; the English is the command's own docstring."""
    from cobuild.cli.help_zh import CLI_HELP

    if lang.lower().startswith("en"):
        return
    for path, info in commands():
        english = (info.help or info.callback.__doc__ or "").strip()
        if path in CLI_HELP:
            info.help = CLI_HELP[path] + (f"\n\n{english}" if english else "")
            info.short_help = CLI_HELP[path]


# COBUILD_LANG read as the settings read it, without loading them: `cobuild --help` stays light
speak_the_users_language(os.environ.get("COBUILD_LANG", "zh"))


def main() -> None:
    """`cobuild GROUP …` builds only that group's commands: Typer reads the signature of every
    command of the tree before it runs one (a visible part of a read-only command's start-up);
    anything else (`cobuild --help`, `cobuild demo`, a mistyped group) goes through
    the whole app, exactly as before."""
    group = next((info for info in app.registered_groups if len(sys.argv) > 1 and info.name == sys.argv[1]), None)
    if group is None:
        app()
        return
    import os

    from typer.main import get_group

    program = os.path.basename(sys.argv[0])
    program = "python -m cobuild" if program == "__main__.py" else program
    assert group.typer_instance is not None  # every group is added with its Typer
    get_group(group.typer_instance).main(args=sys.argv[2:], prog_name=f"{program} {group.name}")


if __name__ == "__main__":
    main()
