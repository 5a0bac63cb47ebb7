import pytest
from jinja2 import UndefinedError

from cobuild.notifications.rendering import KINDS, check_override, render
from cobuild.notifications.samples import SAMPLES, sample


def test_every_kind_has_a_sample():
    assert set(SAMPLES) == set(KINDS)


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_message_renders_subject_text_and_html_in_both_languages(kind, lang):
    rendered = render(kind, lang, sample(kind))
    assert rendered.subject and "\n" not in rendered.subject
    assert rendered.text and "{{" not in rendered.text
    assert rendered.html.startswith("<!doctype html>") and "牡丹社区大党委" in rendered.html


def test_chinese_is_the_default_and_english_is_chosen_by_the_person():
    assert "距完成时限" in render("deadline_approaching", "zh-CN", sample("deadline_approaching")).subject
    assert "working day" in render("deadline_approaching", "en", sample("deadline_approaching")).subject
    assert "距完成时限" in render("deadline_approaching", "", sample("deadline_approaching")).subject


def test_a_missing_variable_fails_instead_of_leaving_a_blank():
    context = sample("overdue")
    del context["days_overdue"]
    with pytest.raises(UndefinedError):
        render("overdue", "zh", context)


def test_html_escapes_what_people_typed_and_text_keeps_it_as_written():
    context = sample("deadline_due")
    context["item"] = {**context["item"], "title": "<script>alert(1)</script>"}
    rendered = render("deadline_due", "zh", context)
    assert "<script>" not in rendered.html and "&lt;script&gt;" in rendered.html
    assert "<script>alert(1)</script>" in rendered.text


def test_a_council_override_is_rendered_in_the_sandbox_and_escaped_in_html():
    overrides = {"subject": "请办理 {{ item.number }}", "html": "<b>{{ item.title }}</b>"}
    context = sample("deadline_due")
    context["item"] = {**context["item"], "title": "<i>x</i>"}
    rendered = render("deadline_due", "zh", context, overrides)
    assert rendered.subject == "请办理 2026-Q2-03" and rendered.html == "<b>&lt;i&gt;x&lt;/i&gt;</b>"
    assert "今天到期" not in rendered.subject and "完成时限是今天" in rendered.text  # other parts stay ours


def test_an_override_that_reaches_outside_the_sandbox_is_refused():
    escape = "{{ item.__class__.__mro__[1].__subclasses__() }}"
    assert "SecurityError" in check_override("deadline_due", "text", escape, sample("deadline_due"))
    assert check_override("deadline_due", "text", "{{ nope }}", sample("deadline_due"))
    assert check_override("deadline_due", "text", "{% for %}", sample("deadline_due"))
    assert check_override("deadline_due", "text", "请办理 {{ item.number }}", sample("deadline_due")) is None
    assert check_override("unknown", "text", "x", {}) is not None


def test_an_override_that_loops_forever_or_floods_is_refused_quickly():
    import time

    start = time.monotonic()
    endless = "{% for a in range(99999) %}{% for b in range(99999) %}{{ a }}{% endfor %}{% endfor %}"
    # stopped by the loop budget, in the sweep as at save time, long before the trial's clock
    assert check_override("deadline_due", "text", endless, sample("deadline_due")) == \
        "the template loops over more than 10,000 elements"
    assert time.monotonic() - start < 10
    flood = "{{ 'x' * 5000000 }}"
    assert check_override("deadline_due", "text", flood, sample("deadline_due"))


# ---- the faster lookups (notifications/rendering.py _Template, _Lookups) render what Jinja renders


def _stock(sandboxed: bool):
    from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
    from jinja2.sandbox import SandboxedEnvironment

    return (SandboxedEnvironment if sandboxed else Environment)(
        loader=PackageLoader("cobuild.notifications", "templates"), autoescape=select_autoescape(["html"]),
        undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True, auto_reload=False)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_packaged_template_renders_exactly_as_stock_jinja_renders_it(lang):
    from cobuild.notifications.rendering import PARTS, environment

    stock = _stock(False)
    for kind in KINDS:
        for suffix in PARTS.values():
            name = f"{lang}/{kind}.{suffix}"
            assert environment().get_template(name).render(**sample(kind)) == \
                stock.get_template(name).render(**sample(kind)), name


OVERRIDES = [
    "{{ item.number }} {{ item.title }} {{ recipient }} {{ range(3) | list }}",  # globals still there
    "{{ item.items }}|{{ item.get('title') }}|{{ item.keys() | list | length }}",  # dict methods win, as in Jinja
    "{{ item['title'] }} {{ item.missing is defined }} {{ nothing is defined }}",
    "{% for k, v in item.items() %}{{ k }}={{ v }};{% endfor %}",
    "{% set ns = namespace(n=0) %}{% for r in rows %}{% set ns.n = ns.n + r.n %}{% endfor %}{{ ns.n }}",
]


@pytest.mark.parametrize("source", OVERRIDES)
def test_an_override_renders_exactly_as_in_the_stock_sandbox(source):
    from cobuild.notifications.rendering import sandbox

    context = {**sample("deadline_due"), "rows": [{"n": 1}, {"n": 2}]}
    context["item"] = {**context["item"], "items": "a key named like a method", "get": "another"}
    assert sandbox().from_string(source).render(**context) == _stock(True).from_string(source).render(**context)


def test_the_faster_lookups_keep_strict_undefined_and_the_sandbox_rules():
    from jinja2.exceptions import SecurityError

    from cobuild.notifications.rendering import environment, sandbox

    with pytest.raises(UndefinedError):
        environment().from_string("{{ item.nope }}").render(item={"number": 1})
    with pytest.raises(SecurityError):  # an attribute of the dict itself still goes through the sandbox's check
        sandbox().from_string("{{ item.__class__.__mro__ }}").render(item={"number": 1})
    with pytest.raises(SecurityError):
        sandbox().from_string("{{ item.__class__ }}").render(item={"__class__": "a key, not the class"})


def test_an_sms_is_one_short_message_with_the_link_when_there_is_one():
    from cobuild.notifications.channels import SMS_LIMIT, Outgoing, sms_text
    from cobuild.notifications.samples import sample

    for kind in set(KINDS) - {"daily_digest"}:  # the digest: its messages' own links are in its text
        for link in ("https://cobuild.example.gov.cn/c/12/items/3456", None):
            message = render(kind, "zh", {**sample(kind), "link": link})
            text = sms_text(Outgoing(message.subject, message.text, message.html, "k", "王丽华"))
            assert 0 < len(text) <= SMS_LIMIT, (kind, text)
            assert (link in text) if link else ("http" not in text)


def test_a_chart_prints_every_value_and_a_chinese_legend():
    from cobuild.reports.charts import completion_by_quarter, units_bars

    svg = completion_by_quarter([{"label": "2026-Q1", "completion_rate": 0.5, "on_time_rate": 0.25},
                                 {"label": "2026-Q2", "completion_rate": 1.0, "on_time_rate": None}])
    assert [v for v in ("50%", "25%", "100%") if f'class="value">{v}<' in svg] == ["50%", "25%", "100%"]
    assert "办结率" in svg and "按期办结率" in svg and "completion" not in svg
    bars = units_bars([{"label": "国网牡丹供电所", "confirmed": 16, "closed": 6}], "zh")
    assert 'class="value">16<' in bars and 'class="value">6<' in bars and "列入清单" in bars


def test_the_png_of_a_chart_draws_its_bars_in_their_colours():
    import io

    from PIL import Image

    from cobuild.reports.charts import COLOURS, png, unit_chart

    image = Image.open(io.BytesIO(png(unit_chart([{"label": "国网牡丹供电所", "confirmed": 16, "closed": 6}]), scale=2)))
    assert image.size == (1040, 2 * 274)
    colours = {f"#{r:02x}{g:02x}{b:02x}" for r, g, b in image.convert("RGB").get_flattened_data()}
    assert {COLOURS[0], COLOURS[1]} <= colours
