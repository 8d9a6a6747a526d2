"""The health charts as SVG, drawn on the server for the pages and the report alike: a line per
series over the months (with the tolerance's floor), and bars per month. Pure.

Every word comes from the caller (already translated) and is escaped here; a chart carries a
title and a description for screen readers, and each page or report shows its table beside it.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

from markupsafe import Markup, escape

#: Distinct on white and for most colour vision (Okabe and Ito).
PALETTE = ("#0072b2", "#d55e00", "#009e73", "#cc79a7", "#e69f00", "#56b4e9", "#000000",
           "#8c564b")
WIDTH, HEIGHT, LEFT, RIGHT, TOP, BOTTOM = 640.0, 240.0, 56.0, 12.0, 14.0, 40.0


def _scale(values: Sequence[float], floor: float | None) -> tuple[float, float]:
    known = [v for v in values if not math.isnan(v)] + ([floor] if floor is not None else [])
    low, high = min(known + [0.0]), max(known + [1.0])
    return low, high + (high - low) * 0.08


def _y(value: float, low: float, high: float) -> float:
    return TOP + (HEIGHT - TOP - BOTTOM) * (1 - (value - low) / ((high - low) or 1))


def _x(i: int, n: int) -> float:
    return LEFT + (WIDTH - LEFT - RIGHT) * ((i + 0.5) / max(n, 1))


def _frame(title: str, desc: str, months: Sequence[str], low: float, high: float,
           legend: Sequence[str], number: str) -> list[str]:
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH:.0f} '
             f'{HEIGHT + 18 * math.ceil(len(legend) / 4):.0f}" role="img" class="chart" '
             f'font-family="sans-serif" font-size="11"><title>{escape(title)}</title>'
             f'<desc>{escape(desc)}</desc>']
    for tick in (low, (low + high) / 2, high):
        y = _y(tick, low, high)
        parts.append(f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y:.1f}" y2="{y:.1f}" '
                     'stroke="#d0d0d0" stroke-width="1"/>'
                     f'<text x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end" fill="#1b1b1b">'
                     f'{escape(number.format(tick))}</text>')
    step = max(1, math.ceil(len(months) / 8))
    for i, month in enumerate(months):
        if i % step == 0 or i == len(months) - 1:
            parts.append(f'<text x="{_x(i, len(months)):.1f}" y="{HEIGHT - BOTTOM + 16}" '
                         f'text-anchor="middle" fill="#1b1b1b">{escape(month)}</text>')
    for k, name in enumerate(legend):
        x, y = LEFT + (k % 4) * 150, HEIGHT + 4 + 18 * (k // 4)
        parts.append(f'<rect x="{x}" y="{y}" width="12" height="12" '
                     f'fill="{PALETTE[k % len(PALETTE)]}"/><text x="{x + 16}" y="{y + 10}" '
                     f'fill="#1b1b1b">{escape(name)}</text>')
    return parts


def line_chart(months: Sequence[str], series: Mapping[str, Sequence[float | None]], title: str,
               desc: str, floor: float | None = None, floor_label: str = "",
               number: str = "{:.0f}") -> Markup:
    """A line per series over the months; a dashed floor line when `floor` is given."""
    values = [math.nan if v is None else float(v) for s in series.values() for v in s]
    low, high = _scale(values, floor)
    parts = _frame(title, desc, months, low, high, list(series), number)
    if floor is not None:
        y = _y(floor, low, high)
        parts.append(f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y:.1f}" y2="{y:.1f}" '
                     'stroke="#a4001d" stroke-width="2" stroke-dasharray="6 4"/>'
                     f'<text x="{WIDTH - RIGHT}" y="{y - 4:.1f}" text-anchor="end" '
                     f'fill="#a4001d">{escape(floor_label)}</text>')
    for k, points in enumerate(series.values()):
        drawn = [f"{_x(i, len(months)):.1f},{_y(float(v), low, high):.1f}"
                 for i, v in enumerate(points) if v is not None]
        if drawn:
            parts.append(f'<polyline points="{" ".join(drawn)}" fill="none" stroke-width="2" '
                         f'stroke="{PALETTE[k % len(PALETTE)]}"/>')
    return Markup("".join(parts) + "</svg>")


def bar_chart(months: Sequence[str], series: Mapping[str, Sequence[float]], title: str,
              desc: str, number: str = "{:.0f}") -> Markup:
    """Bars per month, one beside the other for each series."""
    values = [float(v) for s in series.values() for v in s]
    low, high = _scale(values, None)
    parts = _frame(title, desc, months, low, high, list(series), number)
    slot = (WIDTH - LEFT - RIGHT) / max(len(months), 1)
    width = slot * 0.8 / max(len(series), 1)
    for k, points in enumerate(series.values()):
        for i, value in enumerate(points):
            top, base = _y(float(value), low, high), _y(0.0, low, high)
            x = LEFT + slot * i + slot * 0.1 + width * k
            parts.append(f'<rect x="{x:.1f}" y="{min(top, base):.1f}" width="{width:.1f}" '
                         f'height="{abs(base - top):.1f}" fill="{PALETTE[k % len(PALETTE)]}"/>')
    return Markup("".join(parts) + "</svg>")
