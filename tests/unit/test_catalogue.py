"""The one catalogue: every refusal, code word and audit event a person can meet has words in
Chinese and English, and no Chinese text carries English or code words."""

from __future__ import annotations

import ast
import re
import string
from pathlib import Path

import pytest

from cobuild.models import messages
from cobuild.models.messages import AUDIT_NAMES, MESSAGES, SETTING_NAMES, render, validation_message, word

ROOT = Path(__file__).resolve().parents[2]
SOURCES = [p for folder in ("cobuild", "models", "notifications", "flows") for p in (ROOT / folder).rglob("*.py")]
REFUSERS = {"invalid", "required_text", "DomainError", "InvalidInput", "NotFound", "PermissionDenied", "IllegalTransition",
            "Conflict", "Busy", "NotAuthenticated", "TooManyAttempts"}
# words that stay as they are in Chinese text: names of formats, products and placeholders
ALLOWED_LATIN = {"API", "PDF", "HTML", "Excel", "xlsx", "MB", "http", "https", "secret", "Asia", "Shanghai", "ID", "SMS"}
LATIN_WORD = re.compile(r"[A-Za-z][A-Za-z_]+")


def _calls():
    for path in SOURCES:
        tree = ast.parse(path.read_text(), str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.Call):
                name = node.func.id if isinstance(node.func, ast.Name) else getattr(node.func, "attr", None)
                yield path, node, name


def _refusal_code(node: ast.Call, name: str) -> ast.expr | None:
    if name == "required_text":
        return node.args[1] if len(node.args) > 1 else None
    return node.args[0] if node.args else None


def test_every_refusal_is_a_catalogue_code():
    """`invalid("the goal is empty")` would show English to a Chinese user: only codes are allowed."""
    wrong = []
    for path, node, name in _calls():
        if name not in REFUSERS:
            continue
        code = _refusal_code(node, name)
        if isinstance(code, ast.Name) and code.id in ("code", "refusal") and path.name == "common.py":
            continue  # invalid() and required_text() pass their caller's code on
        if code is None or not isinstance(code, ast.Constant) or code.value not in MESSAGES and code.value != "fields":
            wrong.append(f"{path.relative_to(ROOT)}:{node.lineno} {ast.unparse(node)[:90]}")
    assert not wrong, "\n".join(wrong)


def test_every_model_validator_refuses_with_a_code():
    wrong = []
    for path in (ROOT / "models").glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Raise) and isinstance(node.exc, ast.Call) and getattr(node.exc.func, "id", "") == "ValueError":
                arg = node.exc.args[0] if node.exc.args else None
                if isinstance(arg, ast.Constant) and arg.value not in MESSAGES:
                    wrong.append(f"{path.name}:{node.lineno} {arg.value}")
                if isinstance(arg, ast.JoinedStr):
                    wrong.append(f"{path.name}:{node.lineno} {ast.unparse(arg)}")
    # the calendar's own parse errors are re-raised as codes by the settings validator
    assert [w for w in wrong if not w.startswith(("workdays.py", "base.py"))] == []


def _fields(template: str) -> set[str]:
    return {f for _, f, _, _ in string.Formatter().parse(template) if f}


@pytest.mark.parametrize("code", sorted(MESSAGES))
def test_a_message_reads_right_in_both_languages(code):
    zh, en = MESSAGES[code]
    assert _fields(zh) == _fields(en), code
    latin = [w for w in LATIN_WORD.findall(re.sub(r"\{[^}]*\}", "", zh)) if w not in ALLOWED_LATIN]
    assert not latin, (code, latin)
    assert not re.search(r"[\u4e00-\u9fff]", en), code


def test_every_vocabulary_is_complete_in_both_languages():
    for name in dir(messages):
        table = getattr(messages, name)
        if name.endswith("_NAMES") and isinstance(table, dict):
            for key, words in table.items():
                assert all(words) or name == "SETTING_NAMES", (name, key)
                zh = words[0]
                assert not [w for w in LATIN_WORD.findall(zh) if w not in ALLOWED_LATIN], (name, key, zh)


def _audit_actions() -> set[str]:
    from cobuild.actions.conferences import DECISIONS
    from cobuild.models import ClaimRole

    found = {f"item.{d}" for d in DECISIONS} | {f"claim.{r.value}" for r in ClaimRole}
    found |= {"item.escalate_chair", "item.escalate_secretary"}
    for _, node, _name in _calls():
        for kw in node.keywords:
            if kw.arg == "action" and isinstance(kw.value, ast.Constant) and re.fullmatch(r"[a-z]+\.[a-z_]+", str(kw.value.value)):
                found.add(kw.value.value)
    return found


def test_every_audit_event_has_words():
    actions = _audit_actions()
    assert len(actions) > 40  # the scan finds the events (a broken scan would pass with none)
    assert sorted(actions - set(AUDIT_NAMES)) == []
    assert word("audit", "item.assign") == "分解落实" and word("audit", "item.assign", "en") == "assigned"


def test_every_setting_has_a_label():
    from cobuild.models.councils import CouncilSettings

    assert sorted(set(CouncilSettings.model_fields) - set(SETTING_NAMES)) == []


def test_schema_refusals_name_the_field_in_the_users_words():
    from cobuild.actions.common import validated
    from cobuild.models import DomainError
    from cobuild.models.councils import CouncilSettings

    with pytest.raises(DomainError) as refused:
        validated(CouncilSettings, term_months=0, quiet_start="25:99")
    zh, en = refused.value.message("zh"), refused.value.message("en")
    assert zh == "输入有误:轮值主席任期(月):不能小于 1;免打扰开始:应为“时:分”,如 09:30", zh
    assert "chair's term (months): must be at least 1" in en
    assert validation_message([{"type": "string_too_short", "loc": ("body", "title"), "ctx": {"min_length": 2}}]) \
        == "输入有误:标题:至少 2 个字"


def test_a_refusal_with_a_list_reads_as_a_list():
    assert render("bad_decision", "zh", allowed_actions=["accept", "reject"]) == "决定只能是:采纳、不予采纳"
    assert render("not_members", "en", ids="#3、#4").startswith("Not members")


def test_every_command_has_its_help_in_chinese():
    from cobuild.cli.help_zh import CLI_HELP
    from cobuild.cli.main import commands

    paths = [path for path, _ in commands()]
    assert len(paths) > 70 and sorted(set(paths) - set(CLI_HELP)) == [] and sorted(set(CLI_HELP) - set(paths)) == []
