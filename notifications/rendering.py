"""Rendering is pure: (kind, language, context) -> subject, plain text, HTML.

Our own templates live in notifications/templates/<lang>/<kind>.{subject.txt,text.txt,html};
HTML is autoescaped (the file name ends in .html), and StrictUndefined turns a missing
variable into an error in a test instead of a blank in a message. A council's own wording is
rendered in Jinja2's sandbox.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from functools import lru_cache

from jinja2 import Environment, PackageLoader, StrictUndefined, Template, select_autoescape
from jinja2.runtime import new_context
from jinja2.sandbox import SandboxedEnvironment, SecurityError

from cobuild.models.kinds import KINDS as _REGISTRY

LANGUAGES = ("zh", "en")
PARTS = {"subject": "subject.txt", "text": "text.txt", "html": "html"}
# every kind has packaged templates in both languages (tests/unit/test_kinds.py)
KINDS = tuple(_REGISTRY)


@dataclass(frozen=True)
class Rendered:
    subject: str
    text: str
    html: str


class _Template(Template):
    """A template whose globals are copied into each render's context from a plain dict.

    Jinja's own `new_context` copies `Template.globals`, a ChainMap of the template's and the
    environment's globals, twice per render (into the context's variables and into a set of
    their names), which through ChainMap was a large share of rendering one part of a short
    message. Ours are fixed once the environment is made (nothing adds globals later), so
    they are merged once per template and the context is built exactly as Jinja builds it."""

    _flat_globals: dict | None = None

    def new_context(self, vars=None, shared=False, locals=None):
        if shared:
            return super().new_context(vars, shared, locals)
        if self._flat_globals is None:
            self._flat_globals = dict(self.globals)
        return new_context(self.environment, self.name, self.blocks, vars, False, self._flat_globals, locals)


# every attribute a plain dict has: `{{ item.number }}` on a dict is its key only when it names none of these
_DICT_ATTRIBUTES = frozenset(dir(dict))


class _Lookups:
    """`{{ item.number }}` on a plain dict, without the exception. Jinja tries the attribute first
    and the key after the AttributeError, for each lookup (a message makes about ten). The
    answer is the same: a plain dict's attributes are those of its type, checked first here."""

    def getattr(self, obj, attribute):
        if type(obj) is dict and attribute not in _DICT_ATTRIBUTES:
            try:
                return obj[attribute]
            except KeyError:
                return self.undefined(obj=obj, name=attribute)
        return super().getattr(obj, attribute)  # type: ignore[misc]


class _Environment(_Lookups, Environment):
    template_class = _Template


# A council's own wording renders within these, in the sweep as in the trial at save time: a
# template that loops or repeats its way past them fails (and the message falls back to the
# packaged wording) instead of holding up the sweep of every council.
LOOP_BUDGET = 10_000  # elements that all `range()`s of one render may make together
SEQUENCE_LIMIT = 10_000  # characters or elements a `*` may make
OUTPUT_LIMIT = 100_000  # characters one part may write
RENDER_SECONDS = 1.0  # one part's render

_limits = threading.local()


class RenderLimitExceeded(SecurityError):
    pass


def _spend(elements: int) -> None:
    left = getattr(_limits, "left", None)
    if left is None:
        return
    _limits.left = left - elements
    if _limits.left < 0:
        raise RenderLimitExceeded(f"the template loops over more than {LOOP_BUDGET:,} elements")
    if time.monotonic() > _limits.deadline:
        raise RenderLimitExceeded(f"the template took longer than {RENDER_SECONDS:g} s")


def _counted_range(*args: int) -> range:
    numbers = range(*args)
    _spend(len(numbers))
    return numbers


class _Sandbox(_Lookups, SandboxedEnvironment):
    template_class = _Template
    intercepted_binops = frozenset({"*", "**"})

    def call_binop(self, context, operator, left, right):
        if operator == "**":
            if isinstance(right, (int, float)) and abs(right) > 64:
                raise RenderLimitExceeded("the template raises a number to too high a power")
            return left ** right
        for sequence, times in ((left, right), (right, left)):
            if isinstance(sequence, (str, list, tuple)) and isinstance(times, int) \
                    and len(sequence) * times > SEQUENCE_LIMIT:
                raise RenderLimitExceeded(f"the template repeats text past {SEQUENCE_LIMIT:,} characters")
        return left * right


def _options() -> dict:
    return dict(loader=PackageLoader("cobuild.notifications", "templates"), autoescape=select_autoescape(["html"]),
                undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True,
                # the packaged templates do not change while a process runs: no stat() per render
                auto_reload=False)


@lru_cache(maxsize=1)
def environment() -> Environment:
    return _Environment(**_options())


@lru_cache(maxsize=1)
def sandbox() -> SandboxedEnvironment:
    env = _Sandbox(**_options())
    env.globals["range"] = _counted_range
    return env


def language_of(lang: str | None) -> str:
    return "en" if (lang or "").lower().startswith("en") else "zh"


@lru_cache(maxsize=256)
def _override_template(source: str, part: str):
    env = sandbox()
    # the sandbox environment decides escaping by template name; overrides have none
    if part == "html":
        return env.from_string("{% autoescape true %}" + source + "{% endautoescape %}")
    return env.from_string(source)


@lru_cache(maxsize=len(KINDS) * len(LANGUAGES))
def _packaged_parts(kind: str, lang: str) -> tuple:
    # get_template checks its own cache and the loader's up-to-date hook on every call
    return tuple(environment().get_template(f"{lang}/{kind}.{suffix}") for suffix in PARTS.values())


def _render_part(template, context: dict) -> str:
    """`Template.render(**context)` without its two copies of the context (the keyword
    arguments, then `dict()` of them; `new_context` makes the one the template works on)."""
    if template.environment is not environment():
        return _render_limited(template, context)
    try:
        return template.environment.concat(template.root_render_func(template.new_context(context)))
    except Exception:
        return template.environment.handle_exception()  # raises it, pointing at the template's line


def _render_limited(template, context: dict) -> str:
    """A council's own template, within LOOP_BUDGET, OUTPUT_LIMIT and RENDER_SECONDS."""
    _limits.left, _limits.deadline = LOOP_BUDGET, time.monotonic() + RENDER_SECONDS
    try:
        pieces, written = [], 0
        for piece in template.root_render_func(template.new_context(context)):
            written += len(piece)
            if written > OUTPUT_LIMIT:
                raise RenderLimitExceeded(f"the template writes more than {OUTPUT_LIMIT:,} characters")
            pieces.append(piece)
            _spend(0)
        return "".join(pieces)
    except RenderLimitExceeded:
        raise
    except Exception:
        return template.environment.handle_exception()
    finally:
        _limits.left = None


def render(kind: str, lang: str, context: dict, overrides: dict[str, str] | None = None) -> Rendered:
    if kind not in KINDS:
        raise ValueError(f"unknown message kind {kind!r}")
    templates = _packaged_parts(kind, language_of(lang))
    if overrides:
        templates = tuple(_override_template(overrides[part], part) if overrides.get(part) else template
                          for part, template in zip(PARTS, templates))
    subject, text, html = (_render_part(template, context).strip() for template in templates)
    return Rendered(subject=" ".join(subject.split()), text=text, html=html)


def check_override(kind: str, part: str, source: str, sample: dict) -> str | None:
    """None if the override compiles and renders a sample safely, else the reason it is refused."""
    if kind not in KINDS or part not in PARTS:
        return f"unknown kind or part: {kind}/{part}"
    if len(source) > 20000:
        return "template too long (20 000 characters at most)"
    return _trial_render(source, part, sample)


TRIAL_SECONDS = 2.0
TRIAL_OUTPUT = 100_000


def _trial(source: str, part: str, sample: dict, answer) -> None:
    try:
        output = _render_part(_override_template(source, part), dict(sample))
        answer.send(None if len(output) <= TRIAL_OUTPUT else
                    f"the template writes {len(output):,} characters; {TRIAL_OUTPUT:,} at most")
    except RenderLimitExceeded as exc:
        answer.send(str(exc))
    except Exception as exc:  # noqa: BLE001 — a council's template must never crash a sweep
        answer.send(f"{type(exc).__name__}: {exc}")


def _trial_render(source: str, part: str, sample: dict) -> str | None:
    """Render the override once with sample data in a child process that is stopped after
    TRIAL_SECONDS: the sandbox keeps a template away from Python's internals, the child keeps a
    template that loops (nested `range`s, huge repeats) from hanging the web app or a sweep."""
    import multiprocessing

    context = multiprocessing.get_context("fork")
    receive, answer = context.Pipe(duplex=False)
    child = context.Process(target=_trial, args=(source, part, sample, answer), daemon=True)
    child.start()
    answer.close()
    try:
        if receive.poll(TRIAL_SECONDS):
            try:
                return receive.recv()
            except EOFError:
                return "the template stopped its trial render (out of memory?)"
        return f"the template took longer than {TRIAL_SECONDS:g} s to render sample data (a loop?)"
    finally:
        if child.is_alive():
            child.kill()
        child.join(1)
        receive.close()


def render_jobs(jobs: list[tuple], failed: list[tuple[int, str]] | None = None) -> list[tuple[str, str, str]]:
    """(kind, language, context, overrides) for each message -> (subject, text, html): a whole
    batch at once, in plain data, so that the sweep can have it done in another process.

    A council's own wording that fails for a message (a variable this recipient's context lacks,
    a limit above) gives way to the packaged wording for that message; (its index, the reason)
    goes to `failed`, so that the council's secretary can be told."""
    out = []
    for index, (kind, lang, context, overrides) in enumerate(jobs):
        try:
            rendered = render(kind, lang, context, overrides)
        except Exception as error:  # noqa: BLE001 — one council's wording must not stop a batch
            if not overrides:
                raise  # our own templates: a bug to see, not to hide
            if failed is not None:
                failed.append((index, str(error)[:300] or type(error).__name__))
            rendered = render(kind, lang, context)
        out.append((rendered.subject, rendered.text, rendered.html))
    return out
