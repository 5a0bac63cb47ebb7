"""The one list of message kinds (models/kinds.py) and everything derived from it or kept beside it."""

import ast
import itertools
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from cobuild.models.kinds import DEADLINE_KINDS, ESCALATION_KINDS, KINDS, VERIFY_KINDS, can_go_stale
from cobuild.models.messages import kind_name
from cobuild.models.reminders import Policy, deadline_steps, verify_steps
from cobuild.models.workdays import WorkCalendar
from cobuild.notifications.rendering import render
from cobuild.notifications.samples import SAMPLES, sample

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = ROOT / "notifications" / "templates"


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_kind_has_its_three_templates_and_no_template_lacks_a_kind(lang):
    stems = {path.name.split(".")[0] for path in (TEMPLATES / lang).iterdir()} - {"base"}
    assert stems == set(KINDS)
    for kind in KINDS:
        for part in ("subject.txt", "text.txt", "html"):
            assert (TEMPLATES / lang / f"{kind}.{part}").is_file(), f"{lang}/{kind}.{part}"


def test_every_kind_has_a_sample_and_a_name_in_both_languages():
    assert set(SAMPLES) == set(KINDS)
    for kind in KINDS.values():
        assert kind_name(kind.name, "zh") == kind.zh and kind_name(kind.name, "en") == kind.en


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_every_kind_renders_its_sample(kind):
    for lang in ("zh", "en"):
        message = render(kind, lang, sample(kind))
        assert message.subject.strip() and message.text.strip() and message.html.strip()


def test_every_kind_the_item_ladder_gives_is_listed_with_its_basis():
    cal, policy = WorkCalendar(), Policy()
    deadline = list(itertools.islice(deadline_steps(date(2026, 6, 30), cal, policy), 40))
    verify = list(verify_steps(datetime(2026, 6, 20, 2, tzinfo=UTC), cal, policy))
    assert {step.kind for step in deadline} == DEADLINE_KINDS
    assert {step.kind for step in verify} == VERIFY_KINDS
    # an item's reminder that stands on nothing would never be dropped when its deadline moves
    assert all(can_go_stale(step.kind) for step in deadline + verify)
    assert ESCALATION_KINDS == {"escalation", "verify_escalation"}


def test_council_events_and_digests_never_go_stale():
    assert not any(can_go_stale(name) for name, kind in KINDS.items() if kind.subject != "item")
    assert not can_go_stale("no_such_kind")


def test_every_kind_the_sweep_sends_by_name_is_listed():
    """Kinds written as literals where the sweep and the outbox queue them."""
    named = set()
    for path in [*(ROOT / "cobuild" / "sweep").glob("*.py"), ROOT / "notifications" / "outbox.py"]:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            name = getattr(node.func, "id", getattr(node.func, "attr", "")) if isinstance(node, ast.Call) else ""
            at = {"_send": 3, "enqueue": 2}.get(name)  # _send(outbox, council, people, kind, …), enqueue(council, person, kind, …)
            if at is not None and len(node.args) > at and isinstance(node.args[at], ast.Constant):
                named.add(node.args[at].value)
    assert named, "the check found no call at all"
    assert named <= set(KINDS), named - set(KINDS)


def test_the_council_event_ladder_names_council_kinds_and_counts_back_from_the_deadline():
    from datetime import timedelta

    from cobuild.models.reminders import EVENT_LEAD_TIMES, event_due

    assert set(EVENT_LEAD_TIMES) <= set(KINDS)
    assert all(KINDS[kind].subject != "item" for kind in EVENT_LEAD_TIMES)
    closes = datetime(2026, 6, 24, 16, tzinfo=UTC)
    assert not event_due("election_reminder", closes - timedelta(days=2, seconds=1), closes)
    assert event_due("election_reminder", closes - timedelta(days=2), closes)
    assert event_due("election_reminder", closes + timedelta(hours=1), closes)  # late, still due (once)
    assert not event_due("handover", closes - timedelta(days=8), closes)
    assert event_due("handover", closes - timedelta(days=7), closes)


@pytest.mark.parametrize("kind", sorted(set(KINDS) - {"daily_digest"}))  # the digest's messages carry their own
def test_every_message_ends_with_its_link_or_where_to_look(kind):
    for lang, opens, signs_in in (("zh", "查看:", "请登录"), ("en", "Open: ", "Sign in")):
        with_link = render(kind, lang, {**sample(kind), "link": "https://cobuild.example.org/c/1/items/3"})
        assert with_link.text.splitlines()[-1] == opens + "https://cobuild.example.org/c/1/items/3"
        assert 'href="https://cobuild.example.org/c/1/items/3"' in with_link.html
        without = render(kind, lang, {**sample(kind), "link": None})
        assert without.text.splitlines()[-1].startswith(signs_in) and "href" not in without.html


def test_every_hand_off_kind_is_a_kind_about_an_item_and_is_sent_by_a_use_case():
    from cobuild.models.kinds import HANDOFF_KINDS

    assert HANDOFF_KINDS <= set(KINDS) and all(KINDS[k].subject == "item" for k in HANDOFF_KINDS)
    sent = set()
    for path in (ROOT / "cobuild" / "actions").glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and getattr(node.func, "attr", "") == "tell" and len(node.args) > 3 \
                    and isinstance(node.args[3], ast.Constant):
                sent.add(node.args[3].value)
    assert sent == HANDOFF_KINDS  # each one queued somewhere, and nothing else through `tell`
