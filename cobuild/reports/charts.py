"""Charts as inline SVG: no plotting library, crisp in pages and in the PDF, escaped text."""

from __future__ import annotations

from xml.sax.saxutils import escape

COLOURS = ("#c0392b", "#e59866", "#2e86c1")
FONT = "font-family:'WenQuanYi Micro Hei','Noto Sans CJK SC',sans-serif"


def bars(title: str, labels: list[str], series: list[tuple[str, list[float | None]]], *, percent: bool = True,
         width: int = 520, bar_area: int = 170) -> str:
    """Grouped vertical bars. `series` is [(name, values)], values in 0..1 when `percent`. Every bar
    prints its value above it (paper and phones have no tooltips); sizes are chosen so that the text
    stays readable when the chart is shrunk to a 390 px phone (about ¾ size)."""
    n_groups, n_series = max(1, len(labels)), max(1, len(series))
    top, left, bottom = 44, 44, 60
    height = top + bar_area + bottom
    group_width = (width - left - 10) / n_groups
    bar_width = max(4.0, min(28.0, group_width * 0.8 / n_series))
    peak = 1.0 if percent else max([v for _, values in series for v in values if v is not None] or [1.0]) or 1.0
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="100%" role="img" '
             f'aria-label="{escape(title)}" style="max-width:{width}px;{FONT}">',
             f'<text x="{left}" y="22" font-size="16" font-weight="bold">{escape(title)}</text>']
    for tick in (0, 0.5, 1.0):
        y = top + bar_area * (1 - tick)
        label = f"{tick:.0%}" if percent else f"{peak * tick:.0f}"
        parts.append(f'<line x1="{left}" y1="{y:.1f}" x2="{width - 10}" y2="{y:.1f}" stroke="#ddd"/>'
                     f'<text x="{left - 4}" y="{y + 4:.1f}" font-size="12" text-anchor="end">{label}</text>')
    for g, label in enumerate(labels):
        x0 = left + g * group_width + (group_width - bar_width * n_series) / 2
        for s, (_, values) in enumerate(series):
            value = values[g] if g < len(values) else None
            if value is None:
                continue
            h = bar_area * min(value / peak, 1.0)
            x, y = x0 + s * bar_width, top + bar_area - h
            shown = f"{value:.0%}" if percent else f"{value:g}"
            parts.append(f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar_width - 2:.1f}" height="{h:.1f}" '
                         f'fill="{COLOURS[s % len(COLOURS)]}"><title>{escape(label)}: {shown}</title></rect>')
            parts.append(f'<text x="{x + (bar_width - 2) / 2:.1f}" y="{y - 3:.1f}" font-size="{11 if bar_width >= 18 else 9}" '
                         f'text-anchor="middle" class="value">{shown}</text>')
        fits = max(3, int(group_width // 13))  # characters of 13 px in the group's width (2026-Q1 fits)
        short = label if len(label) <= fits else label[:fits - 1] + "…"  # the full name in the bar's tooltip
        parts.append(f'<text x="{left + (g + 0.5) * group_width:.1f}" y="{top + bar_area + 18}" font-size="13" '
                     f'text-anchor="middle">{escape(short)}</text>')
    for s, (name, _) in enumerate(series):
        x = left + s * 160
        parts.append(f'<rect x="{x}" y="{height - 20}" width="12" height="12" fill="{COLOURS[s % len(COLOURS)]}"/>'
                     f'<text x="{x + 17}" y="{height - 9}" font-size="13">{escape(name)}</text>')
    parts.append("</svg>")
    return "".join(parts)


def completion_by_quarter(rows: list[dict], lang: str = "zh") -> str:
    zh = lang != "en"
    return bars("按季度办结情况" if zh else "Completion by quarter", [r["label"] for r in rows],
                [("办结率" if zh else "completion rate", [r["completion_rate"] for r in rows]),
                 ("按期办结率" if zh else "on-time rate", [r["on_time_rate"] for r in rows])])


def units_bars(rows: list[dict], lang: str = "zh") -> str:
    zh = lang != "en"
    return bars("各单位牵头事项" if zh else "Items led per unit", [r["label"] for r in rows],
                [("列入清单" if zh else "confirmed", [r["confirmed"] for r in rows]),
                 ("已办结" if zh else "closed", [r["closed"] for r in rows])], percent=False)
