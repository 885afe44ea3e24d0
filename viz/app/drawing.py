"""The app's pictures as SVG text: the town map and small line and bar charts.

Pure functions of the Workshop's tables, so they are quick (a few milliseconds), testable
without a browser, and need no JavaScript plotting library in a room without internet.
Darker always means worse off; colours stay distinct under colour-blindness.
"""

from __future__ import annotations

import functools
import math
import re
import textwrap
from collections import namedtuple
from dataclasses import dataclass
from html import escape
from typing import TYPE_CHECKING

import numpy as np

from healthgap.model.metrics import METRICS
from healthgap.viz.formatting import MINUS, number

if TYPE_CHECKING:
    import pandas as pd

    from healthgap.viz.workshop import TownMap

WITH_LEVERS = "#0072B2"  # blue
BASELINE = "#7F7F7F"  # grey
ADDED_LINK = "#D55E00"  # vermilion: what a transport lever added
NEW_GROUP = "#009E73"  # green
CLOSED_GROUP = "#D55E00"
WORSE, MIDDLE, BETTER = "#B35806", "#F7F7F7", "#2166AC"  # diverging, for change
DARK, LIGHT = "#3F007D", "#EFEDF5"  # sequential: dark is worse off
# Quintile 1 (most deprived) darkest; the lightest still reads on white.
QUINTILE_LINES = ("#08306B", "#2171B5", "#4292C6", "#6BAED6", "#A6BDDB")
FONT = "font-family='system-ui, sans-serif'"
MAX_POINTS = 200  # points per line: enough for a smooth line at chart size
MAP_WIDTH = 640  # the map's canvas; its text is 9-12 px of it


def mix(a: str, b: str, t: float) -> str:
    """The colour a fraction `t` (0-1) of the way from hex colour `a` to `b`."""
    t = min(max(float(t), 0.0), 1.0)
    ca = [int(a[i : i + 2], 16) for i in (1, 3, 5)]
    cb = [int(b[i : i + 2], 16) for i in (1, 3, 5)]
    return "#" + "".join(f"{round(x + (y - x) * t):02X}" for x, y in zip(ca, cb, strict=True))


def signed(x: float, places: int | None = None) -> str:
    """+1.2 or −1.2 (a change)."""
    text = number(x, places)
    return text if text.startswith(MINUS) or text in ("0", "n/a") else "+" + text


def with_unit(metric, value: float) -> str:
    """A metric's value with its unit: "12.3%", "6.81 (on a 0-10 scale)", "2.1 ties"."""
    if metric.unit == "%":
        return f"{number(value)}%"
    if metric.unit[:1].isdigit():
        return f"{number(value)} (on a {metric.unit} scale)"
    return f"{number(value)} {metric.unit}"


def change_with_unit(metric, change: float) -> str:
    """A change against the baseline with its unit: "+0.5 percentage points"."""
    return f"{signed(change)} {metric.change_unit}"


@dataclass(frozen=True)
class Colouring:
    """How a map's neighbourhoods are coloured: a colour per value and a legend."""

    colours: list[str]
    stops: tuple[str, str, str]  # the scale's left, middle and right colours
    labels: tuple[str, str, str]  # what its left end, middle and right end mean
    title: str


def colouring(town: TownMap, change: bool) -> Colouring:
    """Deciles on a dark (most deprived) to light ramp; an outcome's level likewise (dark is
    worse); a change on a diverging scale centred on no change."""
    hood = town.neighbourhoods
    if town.outcome == "imd_decile":
        colours = [mix(DARK, LIGHT, (d - 1) / 9) for d in hood["decile"]]
        return Colouring(
            colours,
            (DARK, mix(DARK, LIGHT, 0.5), LIGHT),
            ("1 most deprived", "", "10 least"),
            "IMD decile",
        )
    metric = METRICS[town.outcome]
    worse_when_higher = metric.higher_is_better is False
    if change:
        values = hood["change"].to_numpy(dtype=float)
        span = max(float(np.nanmax(np.abs(values), initial=0.0)), 2 * metric.important_change)
        towards_worse = values / span * (1 if worse_when_higher else -1)
        colours = [
            mix(MIDDLE, WORSE, t) if t > 0 else mix(MIDDLE, BETTER, -t) for t in towards_worse
        ]
        low, high = ("better", "worse") if worse_when_higher else ("worse", "better")
        return Colouring(
            colours,
            (BETTER, MIDDLE, WORSE) if worse_when_higher else (WORSE, MIDDLE, BETTER),
            (f"{signed(-span)} {low}", "no change", f"{signed(span)} {high}"),
            f"Change against the baseline ({metric.change_unit})",
        )
    values = hood["value"].to_numpy(dtype=float)
    lo, hi = float(np.nanmin(values)), float(np.nanmax(values))
    scaled = (values - lo) / (hi - lo) if hi > lo else np.zeros_like(values)
    badness = scaled if worse_when_higher else 1 - scaled
    colours = [mix(LIGHT, DARK, t) for t in badness]
    low, high = ("better", "worse") if worse_when_higher else ("worse", "better")
    return Colouring(
        colours,
        (LIGHT, mix(LIGHT, DARK, 0.5), DARK)
        if worse_when_higher
        else (DARK, mix(DARK, LIGHT, 0.5), LIGHT),
        (
            f"{number(lo)}{metric.unit if metric.unit == '%' else ''} {low}",
            "",
            f"{number(hi)}{metric.unit if metric.unit == '%' else ''} {high}",
        ),  # fmt: skip
        metric.label,
    )


@functools.cache
def _row_type(columns: tuple[str, ...]) -> type:
    return namedtuple("Row", columns)


def rows(frame: pd.DataFrame) -> list:
    """A table's rows as named tuples of plain Python values, like `itertuples(index=False)`
    at a fraction of its cost: pandas makes a named tuple class and a Series per column at
    each call, which was nearly half of drawing a map."""
    columns = tuple(str(c) for c in frame.columns)
    row = _row_type(columns)
    return [row(*values) for values in zip(*(frame[c].tolist() for c in columns), strict=True)]


def town_map_svg(
    town: TownMap,
    week: int,
    *,
    change: bool = False,
    picked: tuple[str | None, ...] = (),
    width: int = MAP_WIDTH,
) -> str:
    """The town in `week`: travel links, neighbourhoods (area by population, coloured by the
    outcome; each carries `data-code` for clicks), groups sized by attendance, and a legend.

    Every picture's root carries `data-week`, so a browser test sees when the new one is in."""
    hood, links, groups = town.neighbourhoods, town.links, town.groups
    legend_h = legend_height(width)
    xs = hood["x_km"].to_numpy(dtype=float)
    ys = hood["y_km"].to_numpy(dtype=float)
    x0, x1, y0, y1 = xs.min(), xs.max(), ys.min(), ys.max()
    extent = max(x1 - x0, y1 - y0, 1e-9)
    street = ~links["added"].to_numpy(dtype=bool)
    km = np.hypot(
        links["x2"].to_numpy(dtype=float)[street] - links["x1"].to_numpy(dtype=float)[street],
        links["y2"].to_numpy(dtype=float)[street] - links["y1"].to_numpy(dtype=float)[street],
    )
    # The biggest neighbourhood's radius: a third of a typical link, and no more than half the
    # gap to the nearest neighbour for most of them, so a town of many stays apart.
    gaps = np.hypot(xs[:, None] - xs[None, :], ys[:, None] - ys[None, :])
    np.fill_diagonal(gaps, np.inf)
    nearest = float(np.percentile(gaps.min(axis=1), 25)) if len(xs) > 1 else extent
    r_max = float(
        np.clip(
            min(0.3 * np.median(km) if len(km) else extent, 0.5 * nearest) * width / extent, 3, 18
        )
    )
    pad = r_max + 14
    scale = (width - 2 * pad) / extent
    height = int((y1 - y0) * scale + 2 * pad)

    def px(x, y):  # north up
        return pad + (x - x0) * scale, height - pad - (y - y0) * scale

    population = hood["population"].to_numpy(dtype=float)
    radius = r_max * np.sqrt(population / population.max())  # by position, read in a loop
    colour = colouring(town, change and town.outcome != "imd_decile")
    metric = METRICS.get(town.outcome)
    out = [
        f"<svg xmlns='http://www.w3.org/2000/svg' data-week='{week}' "
        f"viewBox='0 0 {width} {height + legend_h}' "
        f"width='100%' role='img' aria-label='Map of the town' {FONT}>"
    ]
    streets, added = [], []  # every street in one path: they differ only in where they run
    for row in rows(links):
        (a, b), (c, d) = px(row.x1, row.y1), px(row.x2, row.y2)
        if row.added:
            added.append(
                f"<line x1='{a:.1f}' y1='{b:.1f}' x2='{c:.1f}' y2='{d:.1f}' stroke='{ADDED_LINK}' "
                f"stroke-width='5' stroke-dasharray='10 5' stroke-linecap='round'>"
                f"<title>Added: {escape(row.mode.replace('_', ' '))}</title></line>"
            )
        else:
            streets.append(f"M{a:.1f} {b:.1f}L{c:.1f} {d:.1f}")
    if streets:
        out.append(
            f"<path d='{''.join(streets)}' fill='none' stroke='#C8C8C8' stroke-width='1.5'/>"
        )
    out.extend(added)
    centres = [px(x, y) for x, y in zip(xs, ys, strict=True)]
    shown_codes = labelled(hood, centres, radius, picked)
    # Marks of a kind share their look through their group: a Step sends and the browser
    # reads each attribute once, not once a mark.
    out.append("<g stroke='#555' stroke-width='0.8' style='cursor:pointer'>")
    labels = []
    for i, row in enumerate(rows(hood)):
        cx, cy = px(row.x_km, row.y_km)
        ring = " stroke='#000' stroke-width='3'" if row.code in picked else ""
        if metric is None:
            said = f"IMD decile {row.decile}"
        else:
            said = (
                f"{metric.short}: {with_unit(metric, row.value)} "
                f"({change_with_unit(metric, row.change)} against the baseline)"
            )
        out.append(
            f"<circle data-code='{escape(str(row.code))}' cx='{cx:.1f}' cy='{cy:.1f}' "
            f"r='{radius[i]:.1f}' fill='{colour.colours[i]}'{ring}>"
            f"<title>{escape(str(row.name))} ({escape(str(row.code))}), decile {row.decile}, "
            f"{row.population:,} residents. {escape(said)}</title></circle>"
        )
        if i in shown_codes:  # a label never covers a neighbourhood, so it can come after all
            labels.append(
                f"<text x='{cx:.1f}' y='{cy + radius[i] + 10:.1f}'>{escape(str(row.code))}</text>"
            )
    out.append("</g><g font-size='9' text-anchor='middle' fill='#444' pointer-events='none'>")
    out.extend(labels)
    out.append("</g><g fill-opacity='0.8' stroke='#fff' stroke-width='1' pointer-events='none'>")
    biggest = max(float(groups["attendance"].max()) if len(groups) else 1.0, 30.0)
    for row in rows(groups):
        gx, gy = px(row.x_km, row.y_km)
        r = 2 + 0.6 * r_max * math.sqrt(row.attendance / biggest)
        tip = f"<title>{escape(row.label)}: {row.attendance} went this week ({row.status})</title>"
        if row.status == "closed":
            out.append(
                f"<g stroke='{CLOSED_GROUP}' stroke-width='2'>"
                f"<line x1='{gx - 4:.1f}' y1='{gy - 4:.1f}' x2='{gx + 4:.1f}' y2='{gy + 4:.1f}'/>"
                f"<line x1='{gx - 4:.1f}' y1='{gy + 4:.1f}' x2='{gx + 4:.1f}' y2='{gy - 4:.1f}'/>"
                f"{tip}</g>"
            )
        else:
            fill = NEW_GROUP if row.status == "new" else "#333333"
            out.append(
                f"<circle cx='{gx:.1f}' cy='{gy:.1f}' r='{r:.1f}' fill='{fill}'>{tip}</circle>"
            )
    out.append("</g>")
    out.append(map_legend(colour, top=height + 6, width=width))
    out.append("</svg>")
    return "".join(out)


LEGEND_ROW = 15  # px between the legend's lines


def legend_columns(width: int) -> tuple[float, float, int]:
    """Where the marks' meanings start (x, and y below the legend's top) and in how many
    columns: two beside the scale on a wide map, two under it on a middling one, else one."""
    if width >= 560:
        return 240, 14, 2  # under the scale's title, which can run past x = 240
    return 12, 64, 2 if width >= 420 else 1


def legend_height(width: int) -> int:
    """The legend's height: its scale and what the marks mean."""
    _, top, columns = legend_columns(width)
    return int(max(60, top + LEGEND_ROW * math.ceil(len(MARKS) / columns) + 8))


MARKS = (  # (the mark as SVG at 0,0, what it means)
    ("<circle r='6' fill='#fff' stroke='#555'/>", "neighbourhood (size: residents)"),
    ("<line x1='-8' x2='8' stroke='#C8C8C8' stroke-width='1.5'/>", "street between neighbourhoods"),
    ("<circle r='4' fill='#333'/>", "local group (size: who goes)"),
    (f"<circle r='4' fill='{NEW_GROUP}'/>", "new group"),
    (
        f"<path d='M-4,-4L4,4M-4,4L4,-4' stroke='{CLOSED_GROUP}' stroke-width='2'/>",
        "group closed",
    ),
    (
        f"<line x1='-9' x2='9' stroke='{ADDED_LINK}' stroke-width='4' stroke-dasharray='5 2'/>",
        "link a transport lever added",
    ),
)


LABEL_PX = (5.5, 11)  # a map label's character width and line height at 9 px


def labelled(
    hood: pd.DataFrame, centres: list[tuple[float, float]], radius: np.ndarray, picked
) -> set[int]:
    """The neighbourhoods whose code is written under them: as many as fit without covering
    another label or neighbourhood, the picked and the most deprived first."""
    codes, deciles, radius = hood["code"].tolist(), hood["decile"].tolist(), radius.tolist()
    order = sorted(range(len(hood)), key=lambda i: (codes[i] not in picked, deciles[i], -radius[i]))
    boxes = [(cx - r, cy - r, cx + r, cy + r) for (cx, cy), r in zip(centres, radius, strict=True)]
    shown = set()
    for i in order:
        (cx, cy), half = centres[i], LABEL_PX[0] * len(str(codes[i])) / 2
        box = (cx - half, cy + radius[i] + 1, cx + half, cy + radius[i] + 1 + LABEL_PX[1])
        if all(box[2] < b[0] or b[2] < box[0] or box[3] < b[1] or b[3] < box[1] for b in boxes):
            boxes.append(box)
            shown.add(i)
    return shown


def map_legend(colour: Colouring, *, top: float, width: int) -> str:
    """The colour scale (its ends and middle said in words) and what every mark means, under
    the map: beside the scale on a wide map, under it on a narrow one."""
    left, middle, right = colour.stops
    low, mid, high = colour.labels
    y = top + 16
    out = [
        "<g class='hg-legend'>",
        f"<defs><linearGradient id='scale'><stop offset='0' stop-color='{left}'/>"
        f"<stop offset='0.5' stop-color='{middle}'/><stop offset='1' stop-color='{right}'/>"
        "</linearGradient></defs>",
        f"<text x='12' y='{top + 6:.0f}' font-size='11' font-weight='600' fill='#222'>"
        f"{escape(colour.title)}</text>",
        f"<rect x='12' y='{y:.0f}' width='200' height='10' fill='url(#scale)' stroke='#999'/>",
        f"<text x='12' y='{y + 23:.0f}' font-size='10'>{escape(low)}</text>",
        f"<text x='112' y='{y + 36:.0f}' font-size='10' text-anchor='middle'>{escape(mid)}</text>",
        f"<text x='212' y='{y + 23:.0f}' font-size='10' text-anchor='end'>{escape(high)}</text>",
    ]
    x0, below, columns = legend_columns(width)
    column = (width - x0) / columns
    for i, (mark, meaning) in enumerate(MARKS):
        mx = x0 + 10 + (i % columns) * column
        my = top + below + LEGEND_ROW * (i // columns) + 6
        out.append(
            f"<g transform='translate({mx:.0f},{my:.0f})'>{mark}</g>"
            f"<text x='{mx + 14:.0f}' y='{my + 4:.0f}' font-size='10'>{escape(meaning)}</text>"
        )
    out.append("</g>")
    return "".join(out)


def svg_open(title: str, width: int, height: int, week: int) -> str:
    """A chart's root element, scaled to its container's width."""
    return (
        f"<svg xmlns='http://www.w3.org/2000/svg' data-week='{week}' viewBox='0 0 {width} {height}' "
        f"width='100%' role='img' aria-label='{escape(title)}' {FONT}>"
    )


HEADING_LINE = 15  # px between the lines of a chart's title
TICK_CHAR_PX = 5.5  # about a character's width at 9 px


def title_lines(title: str, width: int) -> list[str]:
    """A chart's title wrapped to its width (about 6.8 px a character at 12 px bold)."""
    return textwrap.wrap(title, width=max(20, int((width - 8) / 6.8)))


def heading(lines: list[str]) -> str:
    spans = "".join(
        f"<tspan x='4' dy='{0 if i == 0 else HEADING_LINE}'>{escape(line)}</tspan>"
        for i, line in enumerate(lines)
    )
    return f"<text x='4' y='14' font-size='12' font-weight='600' fill='#222'>{spans}</text>"


@dataclass(frozen=True)
class Line:
    """One line of a chart: weeks and values, how it looks and what the legend calls it."""

    label: str
    weeks: np.ndarray
    values: np.ndarray
    colour: str
    dash: str = ""
    low: np.ndarray | None = None  # a shaded band from `low` to `high` (an interval), if any
    high: np.ndarray | None = None


def nice_ticks(lo: float, hi: float, count: int = 4) -> np.ndarray:
    """Round-numbered ticks covering `lo` to `hi` (a little either side of a flat line)."""
    if hi - lo <= 1e-9 * max(1.0, abs(lo), abs(hi)):
        pad = max(abs(lo) * 0.05, 1e-3)
        lo, hi = lo - pad, hi + pad
    raw = (hi - lo) / count
    step = 10 ** math.floor(math.log10(raw))
    step *= next(m for m in (1, 2, 2.5, 5, 10) if step * m >= raw)
    return np.arange(math.floor(lo / step), math.ceil(hi / step) + 1) * step


def y_gridlines(yticks: np.ndarray, sy, left: float, right: float, zero: bool) -> list[str]:
    """A chart's horizontal gridlines with their labels at `yticks` (`sy` maps a value to y);
    `zero` draws the line at 0 darker."""
    places = max(0, -math.floor(math.log10(float(yticks[1] - yticks[0])) + 1e-9))
    out = []
    for t in yticks:
        y = float(sy(float(t)))
        out.append(
            f"<line x1='{left}' x2='{right}' y1='{y:.1f}' y2='{y:.1f}' "
            f"stroke='{'#888' if zero and t == 0 else '#E6E6E6'}'/>"
            f"<text x='{left - 4}' y='{y + 3:.1f}' font-size='9' text-anchor='end' fill='#555'>"
            f"{number(float(t), places)}</text>"
        )
    return out


def thinned(weeks: np.ndarray, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """At most `MAX_POINTS` points, evenly spaced in time, always keeping the last."""
    if len(weeks) <= MAX_POINTS:
        return weeks, values
    keep = np.unique(np.linspace(0, len(weeks) - 1, MAX_POINTS).round().astype(int))
    return weeks[keep], values[keep]


def line_chart_svg(
    title: str,
    lines: list[Line],
    *,
    zero: bool = False,
    width: int = 320,
    height: int = 210,
    span: tuple[float, float] | None = None,
) -> str:
    """A small line chart over the weeks, with round-numbered axes and a legend underneath;
    `zero` keeps 0 in view and draws it (for differences); a line's band is shaded under it;
    `span` keeps those values in view too (charts side by side on one scale)."""
    titled = title_lines(title, width)
    left, right, top = 44, 10, 10 + HEADING_LINE * len(titled)
    height += top - 24
    legend_h = 14 * math.ceil(len(lines) / 2) + 6
    bottom = height - legend_h - 18
    shown = [(line, *thinned(line.weeks, line.values)) for line in lines]
    bands = [
        (line, *thinned(line.weeks, line.low), thinned(line.weeks, line.high)[1])
        for line in lines
        if line.low is not None and line.high is not None
    ]
    values = np.concatenate(
        [v for *_, v in shown]
        + [np.concatenate([lo, hi]) for _, _, lo, hi in bands]
        + ([np.zeros(1)] if zero else [])
        + ([np.asarray(span, dtype=float)] if span else [])
    )
    values = values[np.isfinite(values)]
    lo, hi = (float(values.min()), float(values.max())) if len(values) else (0.0, 1.0)
    yticks = nice_ticks(lo, hi)
    ylo, yhi = float(yticks[0]), float(yticks[-1])
    last = max((float(w[-1]) for _, w, _ in shown if len(w)), default=1.0)
    in_years = last > 104
    xhi = max(last, 10.0)
    xstep = 52 * max(1, round(xhi / 52 / 5)) if in_years else float(nice_ticks(0, xhi)[1])
    xticks = np.arange(0, xhi + 1e-9, xstep)

    def sx(w):
        return left + (np.asarray(w, dtype=float) / xhi) * (width - left - right)

    def sy(v):
        return bottom - (np.asarray(v, dtype=float) - ylo) / (yhi - ylo) * (bottom - top)

    out = [svg_open(title, width, height, int(last)), heading(titled)]
    out += y_gridlines(yticks, sy, left, width - right, zero)
    for t in xticks:
        x = float(sx(t))
        label = f"year {t / 52:g}" if in_years else f"{t:g}"
        # A label centred on a tick near the right edge would be clipped ("year 10" as "year 1").
        anchor = "end" if x + TICK_CHAR_PX * len(label) / 2 > width else "middle"
        out.append(
            f"<text x='{x:.1f}' y='{bottom + 12}' font-size='9' text-anchor='{anchor}' "
            f"fill='#555'>{label}</text>"
        )
    if not in_years:
        out.append(
            f"<text x='{left - 4}' y='{bottom + 12}' font-size='9' text-anchor='end' "
            "fill='#555'>week</text>"
        )
    for line, weeks, lo, hi in bands:
        ok = np.isfinite(lo) & np.isfinite(hi)
        if ok.any():
            xs, top_ys, bottom_ys = sx(weeks[ok]), sy(hi[ok]), sy(lo[ok])
            edge = [*zip(xs, top_ys, strict=True), *zip(xs[::-1], bottom_ys[::-1], strict=True)]
            points = " ".join(f"{a:.1f},{b:.1f}" for a, b in edge)
            out.append(
                f"<polygon points='{points}' fill='{line.colour}' fill-opacity='0.18' "
                "stroke='none'/>"
            )
    for line, weeks, vals in shown:
        ok = np.isfinite(vals)
        if not ok.any():
            continue
        points = " ".join(
            f"{a:.1f},{b:.1f}" for a, b in zip(sx(weeks[ok]), sy(vals[ok]), strict=True)
        )
        dash = f" stroke-dasharray='{line.dash}'" if line.dash else ""
        out.append(
            f"<polyline points='{points}' fill='none' stroke='{line.colour}' stroke-width='2'"
            f"{dash}><title>{escape(line.label)}: {number(float(vals[ok][-1]))} now</title></polyline>"
        )
    for i, line in enumerate(lines):
        lx = 4 + (i % 2) * (width / 2)
        ly = bottom + 28 + 14 * (i // 2)
        dash = f" stroke-dasharray='{line.dash}'" if line.dash else ""
        out.append(
            f"<line x1='{lx:.0f}' x2='{lx + 16:.0f}' y1='{ly - 3}' y2='{ly - 3}' "
            f"stroke='{line.colour}' stroke-width='2'{dash}/>"
            f"<text x='{lx + 20:.0f}' y='{ly}' font-size='10' fill='#222'>{escape(line.label)}</text>"
        )
    out.append("</svg>")
    return "".join(out)


@dataclass(frozen=True)
class Bar:
    """One stacked bar: its label and the share in each category (percent)."""

    label: str
    shares: tuple[float, ...]


def stacked_bars_svg(
    title: str, categories: list[tuple[str, str]], bars: list[Bar], week: int, *, width: int = 320
) -> str:
    """Horizontal bars split into categories ((label, colour) each), shares in percent."""
    titled = title_lines(title, width)
    left, right, top, row = 150, 10, 10 + HEADING_LINE * len(titled), 20
    height = top + row * len(bars) + 16 * len(categories) + 10
    out = [svg_open(title, width, height, week), heading(titled)]
    span = width - left - right
    for i, bar in enumerate(bars):
        y = top + i * row
        out.append(
            f"<text x='{left - 4}' y='{y + 12}' font-size='10' text-anchor='end' fill='#222'>"
            f"{escape(bar.label)}</text>"
        )
        x = float(left)
        for (name, colour), share in zip(categories, bar.shares, strict=True):
            w = span * max(share, 0.0) / 100
            out.append(
                f"<rect x='{x:.1f}' y='{y + 2}' width='{w:.1f}' height='{row - 5}' fill='{colour}'>"
                f"<title>{escape(bar.label)}, {escape(name)}: {number(share)}%</title></rect>"
            )
            if w > 26:
                ink = "#fff" if colour in (DARK, WITH_LEVERS, WORSE) else "#222"
                out.append(
                    f"<text x='{x + w / 2:.1f}' y='{y + 13}' font-size='9' text-anchor='middle' "
                    f"fill='{ink}' pointer-events='none'>{share:.0f}%</text>"
                )
            x += w
    y = top + row * len(bars) + 6
    for j, (name, colour) in enumerate(categories):
        out.append(
            f"<rect x='4' y='{y + 16 * j}' width='10' height='10' fill='{colour}'/>"
            f"<text x='18' y='{y + 16 * j + 9}' font-size='10' fill='#222'>{escape(name)}</text>"
        )
    out.append("</svg>")
    return "".join(out)


def grouped_bars_svg(
    title: str,
    groups: list[str],
    series: list[tuple[str, str]],
    values: list[list[tuple[float | None, float | None, float | None]]],
    *,
    reference: tuple[float, str] | None = None,
    width: int = 480,
    height: int = 150,
    legend: bool = True,
) -> str:
    """Vertical bars in groups (a label each along the bottom), a bar per series ((label,
    colour) each) in every group: values[group][series] is (mean, low, high), the low-high
    interval drawn as an error bar where there is one. `reference` is (value, meaning): a
    dashed line across, such as break-even. Zero is always in view and drawn; `legend` says what
    each series is under the chart (not for one series)."""
    titled = title_lines(title, width)
    left, right, top = 44, 10, 10 + HEADING_LINE * len(titled)
    bottom = top + height
    group_w = (width - left - right) / max(1, len(groups))
    wrapped = [textwrap.wrap(g, max(8, int(group_w / TICK_CHAR_PX))) or [g] for g in groups]
    label_h = 11 * max(len(lines) for lines in wrapped) if groups else 0
    items = [(f"<rect x='-5' y='-8' width='10' height='10' fill='{c}' stroke='#333' "
              "stroke-width='0.5'/>", name) for name, c in series]  # fmt: skip
    if reference is not None:
        items.append(
            (
                f"<line x1='-8' x2='8' y1='-3' y2='-3' stroke='{ADDED_LINK}' stroke-width='2' "
                "stroke-dasharray='5 3'/>",
                reference[1],
            )  # fmt: skip
        )
    columns = max(1, min(len(items), int((width - 8) // 160)))
    shown_items = items if legend and len(items) > 1 else []
    total = bottom + 6 + label_h + 16 * math.ceil(len(shown_items) / columns) + 6
    known = [
        float(v) for row in values for bar in row for v in bar if v is not None and np.isfinite(v)
    ] + [0.0] + ([float(reference[0])] if reference else [])  # fmt: skip
    yticks = nice_ticks(min(known), max(known))
    ylo, yhi = float(yticks[0]), float(yticks[-1])

    def sy(v: float) -> float:
        return bottom - (v - ylo) / (yhi - ylo) * (bottom - top)

    out = [svg_open(title, width, int(total), 0), heading(titled)]
    out += y_gridlines(yticks, sy, left, width - right, True)
    bar_w = min(0.8 * group_w / max(1, len(series)), 60.0)
    zero = sy(0.0)
    for g, (group, row) in enumerate(zip(groups, values, strict=True)):
        centre = left + (g + 0.5) * group_w
        for s, ((name, colour), (mean, low, high)) in enumerate(zip(series, row, strict=True)):
            if mean is None or not np.isfinite(mean):
                continue
            x = centre + (s - len(series) / 2) * bar_w
            y = sy(float(mean))
            said = number(float(mean))
            if low is not None and high is not None and np.isfinite(low) and np.isfinite(high):
                said += f" ({number(float(low))} to {number(float(high))})"
            out.append(
                f"<rect x='{x:.1f}' y='{min(y, zero):.1f}' width='{bar_w:.1f}' "
                f"height='{abs(zero - y):.1f}' fill='{colour}' stroke='#333' stroke-width='0.5'>"
                f"<title>{escape(group)}, {escape(name)}: {said}</title></rect>"
            )
            if low is not None and high is not None and np.isfinite(low) and np.isfinite(high):
                mid, cap, y1, y2 = x + bar_w / 2, min(3.0, bar_w / 3), sy(low), sy(high)
                out.append(
                    f"<path d='M{mid:.1f} {y1:.1f}V{y2:.1f}M{mid - cap:.1f} {y1:.1f}"
                    f"h{2 * cap:.1f}M{mid - cap:.1f} {y2:.1f}h{2 * cap:.1f}' stroke='#222' "
                    "stroke-width='1' fill='none'/>"
                )
        out.append(
            f"<text x='{centre:.1f}' y='{bottom + 12}' font-size='9' text-anchor='middle' "
            "fill='#222'>"
            + "".join(
                f"<tspan x='{centre:.1f}' dy='{0 if i == 0 else 11}'>{escape(line)}</tspan>"
                for i, line in enumerate(wrapped[g])
            )
            + "</text>"
        )
    if reference is not None:
        y = sy(float(reference[0]))
        out.append(
            f"<line x1='{left}' x2='{width - right}' y1='{y:.1f}' y2='{y:.1f}' "
            f"stroke='{ADDED_LINK}' stroke-width='1.5' stroke-dasharray='5 3'/>"
        )
    column = (width - 8) / columns
    for i, (mark, meaning) in enumerate(shown_items):
        mx = 12 + (i % columns) * column
        my = bottom + 6 + label_h + 16 * (i // columns) + 12
        out.append(
            f"<g transform='translate({mx:.0f},{my:.0f})'>{mark}</g>"
            f"<text x='{mx + 12:.0f}' y='{my + 1:.0f}' font-size='10' fill='#222'>"
            f"{escape(meaning)}</text>"
        )
    out.append("</svg>")
    return "".join(out)


def panels_svg(title: str, panels: list[str], columns: int = 1) -> str:
    """Charts drawn by the functions above in one picture, `columns` to a row (each row as
    tall as its tallest), at their own sizes in pixels."""
    sizes = [
        tuple(float(v) for v in re.search(r"viewBox='0 0 (\S+) (\S+)'", p).groups()) for p in panels
    ]
    rows_of = [range(i, min(i + columns, len(panels))) for i in range(0, len(panels), columns)]
    width = max(sum(sizes[i][0] for i in row) for row in rows_of)
    inner, y = [], 0.0
    for row in rows_of:
        x = 0.0
        for i in row:
            w, h = sizes[i]
            panel = panels[i].replace(" width='100%'", "", 1)
            inner.append(
                panel.replace("<svg ", f"<svg x='{x:g}' y='{y:g}' width='{w:g}' height='{h:g}' ", 1)
            )
            x += w
        y += max(sizes[i][1] for i in row)
    return (
        f"<svg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 {width:g} {y:g}' "
        f"width='{width:g}' height='{y:g}' role='img' aria-label='{escape(title)}' {FONT}>"
        + "".join(inner)
        + "</svg>"
    )


def series_lookup(
    series: pd.DataFrame,
) -> dict[tuple[str, str, str], tuple[np.ndarray, np.ndarray]]:
    """The Workshop's tidy series as (run, metric, quintile) -> (weeks, values); each
    group's rows taken from the columns' arrays by index (a tenth of the time of building a
    frame per group, which was a fifth of a Step's time on the server)."""
    steps, values = series["step"].to_numpy(), series["value"].to_numpy(dtype=float)
    groups = series.groupby(["run", "metric", "quintile"], sort=False).indices
    return {key: (steps[rows], values[rows]) for key, rows in groups.items()}
