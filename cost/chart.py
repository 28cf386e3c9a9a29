"""The cost curves as an SVG line chart on log-log axes, written with the standard library."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from xml.sax.saxutils import escape

WIDTH, HEIGHT = 760, 460
LEFT, RIGHT, TOP, BOTTOM = 80, 200, 40, 60
COLOURS = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b")


@dataclass(frozen=True)
class Series:
    label: str
    points: Sequence[tuple[float, float]]  # (requests a month, dollars a month), both > 0
    dashed: bool = False
    group: int | None = None  # series of one group share a colour (None: one each)


@dataclass(frozen=True)
class Marker:
    label: str
    x: float  # requests a month


def decades(low: float, high: float) -> range:
    return range(math.floor(math.log10(low)), math.ceil(math.log10(high)) + 1)


def svg(title: str, series: Sequence[Series], markers: Sequence[Marker] = ()) -> str:
    xs = [x for each in series for x, _ in each.points]
    ys = [y for each in series for _, y in each.points]
    x_decades, y_decades = decades(min(xs), max(xs)), decades(min(ys), max(ys))
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def px(x: float) -> float:
        span = x_decades[-1] - x_decades[0]
        return LEFT + (math.log10(x) - x_decades[0]) / span * plot_w

    def py(y: float) -> float:
        span = y_decades[-1] - y_decades[0]
        return TOP + plot_h - (math.log10(y) - y_decades[0]) / span * plot_h

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" '
        f'viewBox="0 0 {WIDTH} {HEIGHT}" font-family="sans-serif" font-size="12">',
        f'<rect width="{WIDTH}" height="{HEIGHT}" fill="white"/>',
        f'<text x="{LEFT}" y="22" font-size="15">{escape(title)}</text>',
    ]
    for exponent in x_decades:
        x = px(10**exponent)
        parts.append(
            f'<line x1="{x:.1f}" y1="{TOP}" x2="{x:.1f}" y2="{TOP + plot_h}" stroke="#ddd"/>'
        )
        parts.append(
            f'<text x="{x:.1f}" y="{TOP + plot_h + 18}" text-anchor="middle">'
            f'10<tspan dy="-6" font-size="9">{exponent}</tspan></text>'
        )
    for exponent in y_decades:
        y = py(10**exponent)
        parts.append(
            f'<line x1="{LEFT}" y1="{y:.1f}" x2="{LEFT + plot_w}" y2="{y:.1f}" stroke="#ddd"/>'
        )
        parts.append(
            f'<text x="{LEFT - 8}" y="{y + 4:.1f}" text-anchor="end">${10**exponent:,g}</text>'
        )
    parts.append(
        f'<text x="{LEFT + plot_w / 2}" y="{HEIGHT - 15}" text-anchor="middle">'
        "requests a month</text>"
    )
    parts.append(
        f'<text x="18" y="{TOP + plot_h / 2}" text-anchor="middle" '
        f'transform="rotate(-90 18 {TOP + plot_h / 2})">dollars a month</text>'
    )
    for index, each in enumerate(series):
        colour = COLOURS[(index if each.group is None else each.group) % len(COLOURS)]
        path = " ".join(f"{px(x):.1f},{py(y):.1f}" for x, y in each.points)
        dash = ' stroke-dasharray="6 4"' if each.dashed else ""
        parts.append(
            f'<polyline points="{path}" fill="none" stroke="{colour}" stroke-width="2"{dash}/>'
        )
        legend_y = TOP + 10 + index * 20
        parts.append(
            f'<line x1="{LEFT + plot_w + 12}" y1="{legend_y}" x2="{LEFT + plot_w + 36}" '
            f'y2="{legend_y}" stroke="{colour}" stroke-width="2"{dash}/>'
        )
        parts.append(
            f'<text x="{LEFT + plot_w + 42}" y="{legend_y + 4}">{escape(each.label)}</text>'
        )
    for index, marker in enumerate(markers):
        x = px(marker.x)
        parts.append(
            f'<line x1="{x:.1f}" y1="{TOP}" x2="{x:.1f}" y2="{TOP + plot_h}" '
            'stroke="#555" stroke-dasharray="2 3"/>'
        )
        parts.append(
            f'<text x="{x + 3:.1f}" y="{TOP + plot_h - 8 - index * 14}" fill="#333" '
            f'font-size="10">{escape(marker.label)}</text>'
        )
    parts.append("</svg>")
    return "\n".join(parts) + "\n"
