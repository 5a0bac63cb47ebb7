"""Charts drawn once as shapes and rendered two ways: inline SVG for pages and PDFs (crisp, escaped
text, no plotting library) and PNG for Word files, which cannot hold SVG (Pillow, already a
WeasyPrint dependency, with the CJK font the documents use)."""

from __future__ import annotations

import io
from dataclasses import dataclass
from functools import lru_cache
from xml.sax.saxutils import escape

COLOURS = ("#c0392b", "#e59866", "#2e86c1")
FONT = "font-family:'WenQuanYi Micro Hei','Noto Sans CJK SC',sans-serif"
FONT_FILES = ("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc", "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc")


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    title: str
    shapes: list[tuple]  # ("line", x1, y1, x2, y2, colour) | ("rect", x, y, w, h, colour, tip) | ("text", x, y, text, size, anchor, role)


def bar_chart(title: str, labels: list[str], series: list[tuple[str, list[float | None]]], *, percent: bool = True,
              width: int = 520, bar_area: int = 170) -> Chart:
    """Grouped vertical bars. `series` is [(name, values)], values in 0..1 when `percent`. Every bar
    prints its value above it (paper and phones have no tooltips); sizes are chosen so that the text
    stays readable when the chart is shrunk to a 390 px phone (about ¾ size)."""
    n_groups, n_series = max(1, len(labels)), max(1, len(series))
    top, left, bottom = 44, 44, 60
    height = top + bar_area + bottom
    group_width = (width - left - 10) / n_groups
    bar_width = max(4.0, min(28.0, group_width * 0.8 / n_series))
    peak = 1.0 if percent else max([v for _, values in series for v in values if v is not None] or [1.0]) or 1.0
    shapes: list[tuple] = [("text", left, 22, title, 16, "start", "title")]
    for tick in (0, 0.5, 1.0):
        y = top + bar_area * (1 - tick)
        shapes += [("line", left, y, width - 10, y, "#dddddd"),
                   ("text", left - 4, y + 4, f"{tick:.0%}" if percent else f"{peak * tick:.0f}", 12, "end", "")]
    for g, label in enumerate(labels):
        x0 = left + g * group_width + (group_width - bar_width * n_series) / 2
        for s, (_, values) in enumerate(series):
            value = values[g] if g < len(values) else None
            if value is None:
                continue
            h = bar_area * min(value / peak, 1.0)
            x, y = x0 + s * bar_width, top + bar_area - h
            shown = f"{value:.0%}" if percent else f"{value:g}"
            shapes += [("rect", x, y, bar_width - 2, h, COLOURS[s % len(COLOURS)], f"{label}: {shown}"),
                       ("text", x + (bar_width - 2) / 2, y - 3, shown, 11 if bar_width >= 18 else 9, "middle", "value")]
        fits = max(3, int(group_width // 13))  # characters of 13 px in the group's width (2026-Q1 fits)
        short = label if len(label) <= fits else label[:fits - 1] + "…"  # the full name in the bar's tooltip
        shapes.append(("text", left + (g + 0.5) * group_width, top + bar_area + 18, short, 13, "middle", ""))
    for s, (name, _) in enumerate(series):
        x = left + s * 160
        shapes += [("rect", x, height - 20, 12, 12, COLOURS[s % len(COLOURS)], None), ("text", x + 17, height - 9, name, 13, "start", "")]
    return Chart(width, height, title, shapes)


def svg(chart: Chart) -> str:
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {chart.width} {chart.height}" width="100%" role="img" '
             f'aria-label="{escape(chart.title)}" style="max-width:{chart.width}px;{FONT}">']
    for kind, *a in chart.shapes:
        if kind == "line":
            parts.append(f'<line x1="{a[0]:.1f}" y1="{a[1]:.1f}" x2="{a[2]:.1f}" y2="{a[3]:.1f}" stroke="{a[4]}"/>')
        elif kind == "rect":
            tip = f"<title>{escape(a[5])}</title>" if a[5] else ""
            parts.append(f'<rect x="{a[0]:.1f}" y="{a[1]:.1f}" width="{a[2]:.1f}" height="{a[3]:.1f}" fill="{a[4]}">{tip}</rect>')
        else:
            weight = ' font-weight="bold"' if a[5] == "title" else ""
            value = ' class="value"' if a[5] == "value" else ""
            parts.append(f'<text x="{a[0]:.1f}" y="{a[1]:.1f}" font-size="{a[3]}" text-anchor="{a[4]}"{weight}{value}>'
                         f'{escape(a[2])}</text>')
    parts.append("</svg>")
    return "".join(parts)


@lru_cache(maxsize=32)
def _font(size: int):
    from PIL import ImageFont

    for path in FONT_FILES:
        try:
            return ImageFont.truetype(path, size)
        except OSError:
            continue
    return ImageFont.load_default(size)


def png(chart: Chart, scale: int = 3) -> bytes:
    """The same chart as a PNG at `scale` × its SVG size (sharp when printed at ~15 cm)."""
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (chart.width * scale, chart.height * scale), "white")
    draw = ImageDraw.Draw(image)
    for kind, *a in chart.shapes:
        if kind == "line":
            draw.line([a[0] * scale, a[1] * scale, a[2] * scale, a[3] * scale], fill=a[4], width=scale)
        elif kind == "rect":
            if a[3] > 0:
                draw.rectangle([a[0] * scale, a[1] * scale, (a[0] + a[2]) * scale, (a[1] + a[3]) * scale], fill=a[4])
        else:
            anchor = {"start": "ls", "middle": "ms", "end": "rs"}[a[4]]
            draw.text((a[0] * scale, a[1] * scale), a[2], fill="black", font=_font(a[3] * scale), anchor=anchor,
                      stroke_width=1 if a[5] == "title" else 0, stroke_fill="black")
    out = io.BytesIO()
    image.save(out, "PNG", optimize=True)
    return out.getvalue()


def bars(*args, **kwargs) -> str:
    return svg(bar_chart(*args, **kwargs))


def quarter_chart(rows: list[dict], lang: str = "zh") -> Chart:
    zh = lang != "en"
    return bar_chart("按季度办结情况" if zh else "Completion by quarter", [r["label"] for r in rows],
                     [("办结率" if zh else "completion rate", [r["completion_rate"] for r in rows]),
                      ("按期办结率" if zh else "on-time rate", [r["on_time_rate"] for r in rows])])


def unit_chart(rows: list[dict], lang: str = "zh") -> Chart:
    zh = lang != "en"
    return bar_chart("各单位牵头事项" if zh else "Items led per unit", [r["label"] for r in rows],
                     [("列入清单" if zh else "confirmed", [r["confirmed"] for r in rows]),
                      ("已办结" if zh else "closed", [r["closed"] for r in rows])], percent=False)


def completion_by_quarter(rows: list[dict], lang: str = "zh") -> str:
    return svg(quarter_chart(rows, lang))


def units_bars(rows: list[dict], lang: str = "zh") -> str:
    return svg(unit_chart(rows, lang))
