"""One self-contained HTML report of a `Comparison`, for readers who do not use the tool.

`write_report(comparison, path)` renders the Jinja2 templates in viz/templates (autoescaped:
scenario names and descriptions are user text) into a single report.html: key messages and a
headline table first, then the detail (charts, the gap, access to groups without a car, value
for money, how sure we are, provenance). Charts come from `viz.figures` as PNG data URIs; the
page needs no network, no JavaScript and no other files. A brief report (the workshop app's)
draws its charts as SVG with the app's own drawing code instead: no matplotlib, milliseconds of
drawing and a page a fraction of the size, downloaded while the other tables step. Every metric's label, unit and
direction comes from the registry in `healthgap.model.metrics`.
"""

from __future__ import annotations

import base64
import datetime
import io
import urllib.parse
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import jinja2
import numpy as np

from healthgap.experiments.backing import VALIDATION_CSV, trials_backing, validated_rows
from healthgap.model import evidence
from healthgap.model.metrics import INEQUALITY_METRICS, METRICS, Metric

from . import figures, formatting
from .app import drawing
from .formatting import gap_change, horizon, is_number, money, number, percent, ratio

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from healthgap.effects import Comparison, Interval, ScenarioEffect

__all__ = ["render_report", "write_report"]

DPI = 110
# A brief report (the workshop app's) draws these outcomes over time, and no chart of the gaps
# (the table under it gives every gap and SII): 6 figures of 23 axes instead of 13 of 59, about
# a third of the drawing, which a laptop serving a room does while the other tables step.
BRIEF_OVER_TIME = ("inactive_pct", "life_satisfaction_mean", "lonely_pct", "attendance_pct")
ENVIRONMENT = jinja2.Environment(
    loader=jinja2.PackageLoader("healthgap.viz", "templates"),
    autoescape=True,
    undefined=jinja2.StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)
ENVIRONMENT.filters |= {
    "number": number,
    "money": money,
    "ratio": ratio,
    "horizon": horizon,
    "percent": percent,
}
ENVIRONMENT.globals |= {
    "METRICS": METRICS,
    "INEQUALITY_METRICS": [METRICS[name] for name in INEQUALITY_METRICS],
    "interval_parts": formatting.interval_parts,
    "gap_change": gap_change,
    "capitalised": formatting.capitalised,
    "ACCESS_MINUTES": evidence.ACCESS_MINUTES,
}


@dataclass(frozen=True)
class Chart:
    """A figure ready for the page: its PNG (or, in a brief report, SVG) as a data URI and its
    text alternative."""

    src: str
    alt: str


@dataclass(frozen=True)
class GapShift:
    """A change in a gap of at least the metric's size of practical importance."""

    metric: Metric
    change: Interval
    direction: str  # "widens" or "narrows"

    @property
    def text(self) -> str:
        size = f"{number(abs(self.change.mean), sig=2)} {self.metric.change_unit}"
        chance = "" if self.change.excludes_zero else " (could be chance)"
        return f"{self.direction} the gap in {self.metric.short} by {size}{chance}"


@dataclass(frozen=True)
class AccessRow:
    """One kind of group: the share (%) of adults without a car who can reach one, in the most
    and least deprived fifth, for the baseline and the scenario."""

    kind: str
    baseline: tuple[float | None, float | None]  # quintiles 1 and 5
    scenario: tuple[float | None, float | None]

    @staticmethod
    def gap(pair: tuple[float | None, float | None]) -> float | None:
        return None if None in pair else pair[0] - pair[1]


def write_report(comparison: Comparison, path: Path) -> None:
    """Write report.html to `path` (or inside it, if it is an existing folder)."""
    path = Path(path)
    if path.is_dir():
        path = path / "report.html"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render_report(comparison), encoding="utf-8")


def render_report(
    comparison: Comparison, today: datetime.date | None = None, *, brief: bool = False
) -> str:
    """The report as one HTML string; `brief`, with fewer charts (`BRIEF_OVER_TIME`) and the
    same tables and words."""
    today = today or datetime.date.today()
    return ENVIRONMENT.get_template("report.html").render(
        c=comparison,
        date=f"{today.day} {today:%B %Y}",
        messages=key_messages(comparison),
        shifts={name: gap_shifts(e) for name, e in comparison.scenarios.items()},
        warnings=[w for e in comparison.scenarios.values() for w in e.warnings],
        unmeasured=unmeasured_gaps(comparison),
        charts=charts(comparison, brief) if comparison.scenarios else None,
        brief=brief,
        importance=importance_sizes(),
        better=better_directions(),
        differences=parameter_differences(comparison),
        intervals=comparison.replicates >= 2,
        access=access_tables(comparison),
        validated=validated_note(),
        backing={name: trials_backing(e.levers) for name, e in comparison.scenarios.items()},
    )


def validated_note() -> str:
    """Which validation the trials' verdicts come from."""
    if not validated_rows():
        return "none is shipped: run healthgap validate --out docs/validation"
    return f"{VALIDATION_CSV.parent.name}/{VALIDATION_CSV.name}, shipped with the package"


def key_messages(comparison: Comparison) -> list[str]:
    """Three to five plain sentences: value for money, the gap, how sure, what it costs."""
    if not comparison.scenarios:
        return ["No scenarios were compared with the baseline."]
    return [
        best_value(comparison),
        gap_message(comparison),
        certainty_message(comparison),
        cost_message(comparison),
    ]


def best_value(comparison: Comparison) -> str:
    period = horizon(comparison.weeks)
    values = comparison.wellby_values_gbp
    paid = [
        e
        for e in comparison.scenarios.values()
        if e.cost_gbp > 0 and is_number(e.wellbys.mean) and e.wellbys.mean > 0
    ]
    if not paid:
        return (
            f"No scenario with a cost gained wellbeing on average over {period}, so none has a "
            "cost per WELLBY or a positive return."
        )
    best = max(paid, key=lambda e: e.bcr["central"])
    gains = "gains the most wellbeing per pound:" if len(comparison.scenarios) > 1 else "gains"
    low, central, high = (best.bcr[k] for k in ("low", "central", "high"))
    verdict = (
        "more than it costs at any of these values"
        if low >= 1
        else "less than it costs at any of these values"
        if high < 1
        else "more or less than it costs, depending on the value put on a WELLBY"
    )
    return (
        f"{best.name} {gains} {number(best.wellbys.mean)} WELLBYs over {period} for "
        f"{money(best.cost_gbp)}, or {money(best.cost_per_wellby)} per WELLBY. Each £1 spent "
        f"returns {money(central)} of wellbeing at {money(values['central'])} a WELLBY "
        f"({money(low)} to {money(high)} at {money(values['low'])} to "
        f"{money(values['high'])}): worth {verdict}."
    )


def gap_message(comparison: Comparison) -> str:
    by_direction = {"narrows": [], "widens": []}
    for name, effect in comparison.scenarios.items():
        for shift in gap_shifts(effect):
            by_direction[shift.direction].append(f"{name} {shift.text}")
    unmeasured = unmeasured_gaps(comparison)
    found = "; ".join(by_direction["narrows"] + by_direction["widens"])
    if found:
        tail = " (see the warnings below)" if by_direction["widens"] else ""
        message = f"Between the most and least deprived fifth of neighbourhoods: {found}{tail}."
    elif len(unmeasured) < len(comparison.scenarios):
        message = (
            "No scenario narrows or widens the gap between the most and least deprived fifth of "
            f"neighbourhoods by an amount of practical importance ({importance_sizes()})."
        )
    else:
        message = ""
    if unmeasured:
        message += (
            f" The gap cannot be measured for {and_list(unmeasured)}: its town has no "
            "neighbourhoods in the most or the least deprived fifth of England (IMD quintile 1 "
            "or 5). The slope index of inequality, which uses every fifth, is in the detail below."
        )
    return message.strip()


def certainty_message(comparison: Comparison) -> str:
    if comparison.replicates < 2:
        return (
            "Only one run of each scenario was made, so there are no intervals: the figures are "
            "a single draw and could change noticeably with another run."
        )
    clear = sum(e.wellbys.excludes_zero for e in comparison.scenarios.values())
    total = len(comparison.scenarios)
    if clear == total:
        which = "For every scenario the interval for wellbeing gained excludes zero."
    elif clear == 0:
        why = "chance" if comparison.ensemble is None else "chance or down to the parameters"
        which = (
            f"No scenario's interval for wellbeing gained excludes zero: the gains could be {why}."
        )
    else:
        which = (
            f"For {clear} of the {total} scenarios the interval for wellbeing gained excludes zero."
        )
    if comparison.ensemble is None:
        covers = (
            "The 95% intervals show how much results vary by chance between runs; they do not "
            "cover uncertainty in the model's assumptions (how strongly each intervention "
            "changes behaviour and wellbeing), which is usually larger."
        )
    else:
        e = comparison.ensemble
        covers = (
            f"Each run drew its parameters from {e.file} ({e.sets} sets), so the 95% intervals "
            "cover uncertainty in those parameters as well as chance between runs."
        )
    return f"Each figure is the average of {comparison.replicates} runs. {covers} {which}"


def cost_message(comparison: Comparison) -> str:
    effects = sorted(comparison.scenarios.values(), key=lambda e: e.cost_gbp)
    period = horizon(comparison.weeks)
    if len(effects) == 1:
        spent = f"{effects[0].name} costs {money(effects[0].cost_gbp)} over {period}"
    else:
        low, high = effects[0], effects[-1]
        spent = (
            f"The scenarios cost from {money(low.cost_gbp)} ({low.name}) to "
            f"{money(high.cost_gbp)} ({high.name}) over {period}"
        )
    values = comparison.wellby_values_gbp
    return (
        f"{spent}. A WELLBY (one point of life satisfaction for one person for a year) is "
        f"valued at {money(values['central'])} (range {money(values['low'])} to "
        f"{money(values['high'])}); WELLBYs are discounted at {percent(comparison.discount_rate)} "
        "a year, as the HM Treasury Green Book advises for wellbeing."
    )


def gap_shifts(effect: ScenarioEffect) -> list[GapShift]:
    """The scenario's warnings (gaps it widens), then the gaps it narrows, by at least each
    metric's size of practical importance (the rule of `comparison.gap_warnings`, both ways)."""
    shifts = [GapShift(METRICS[w.metric], w.change, "widens") for w in effect.warnings]
    for name, change in effect.delta_gap.items():
        metric = METRICS[name]
        if gap_change(metric, change.mean) == "narrows" and (
            abs(change.mean) >= metric.important_change
        ):
            shifts.append(GapShift(metric, change, "narrows"))
    return shifts


def unmeasured_gaps(comparison: Comparison) -> list[str]:
    """Scenarios whose town lacks quintile 1 or 5, so it has no gap to change."""
    return [
        name
        for name, effect in comparison.scenarios.items()
        if all(change.mean is None for change in effect.delta_gap.values())
    ]


def importance_sizes() -> str:
    """ "0.5 percentage points for inactivity, being active and loneliness; 0.02 points ..." """
    sizes: dict[tuple[float, str], list[str]] = {}
    for metric in METRICS.values():
        if metric.inequality:
            sizes.setdefault((metric.important_change, metric.change_unit), []).append(metric.short)
    return "; ".join(
        f"{size:g} {unit} for {and_list(shorts)}" for (size, unit), shorts in sizes.items()
    )


def better_directions() -> dict[str, str]:
    """Which outcomes are better when they fall, and which when they rise."""
    return {
        way: and_list(
            [m.short for m in METRICS.values() if m.inequality and m.higher_is_better == up]
        )
        for way, up in (("fall", False), ("rise", True))
    }


def parameter_differences(comparison: Comparison) -> dict[str, str]:
    """Per scenario whose parameters differ from the baseline's: "name = value, ..."."""
    base = comparison.provenance.get("parameters", {})
    differences = {}
    for name, effect in comparison.scenarios.items():
        own = effect.provenance.get("parameters", {})
        changed = sorted(k for k in base.keys() | own.keys() if own.get(k) != base.get(k))
        if changed:
            differences[name] = ", ".join(f"{k} = {own.get(k, 'n/a')}" for k in changed)
    return differences


def access_tables(comparison: Comparison) -> dict[str, list[AccessRow]]:
    """Per scenario that has them: its access by kind of group ("any kind" first) at the end."""
    tables = {}
    for name, effect in comparison.scenarios.items():
        if not effect.access:
            continue
        base, ours = effect.access["baseline"], effect.access["scenario"]
        tables[name] = [
            AccessRow(
                "Any kind" if kind == "any" else kind.replace("_", " ").capitalize(),
                (base[kind]["1"], base[kind]["5"]),
                (ours[kind]["1"], ours[kind]["5"]),
            )
            for kind in base
        ]
    return tables


def charts(comparison: Comparison, brief: bool = False) -> dict:
    """Every figure of the report: "over_time" (metric name -> Chart), "by_quintile", "gap"
    and "value"; a brief report's "over_time" has only `BRIEF_OVER_TIME`, and no "gap"."""
    shown = [m for m in METRICS if any(m in e.series for e in comparison.scenarios.values())]
    if brief:
        return svg_charts(comparison, [m for m in shown if m in BRIEF_OVER_TIME])
    return {
        "over_time": {
            m: chart(figures.change_over_time, figures.change_over_time_alt, comparison, m)
            for m in shown
        },
        "by_quintile": chart(
            figures.change_by_quintile, figures.change_by_quintile_alt, comparison
        ),
        "gap": None
        if brief
        else chart(figures.change_in_inequality, figures.change_in_inequality_alt, comparison),
        "value": chart(figures.wellbeing_and_value, figures.wellbeing_and_value_alt, comparison),
    }


def chart(draw, describe, *args) -> Chart:
    return Chart(data_uri(draw(*args)), describe(*args))


def data_uri(fig: Figure) -> str:
    """The figure as a base64 PNG data URI."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=DPI, facecolor="white")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


# ------------------------------------------------- the brief report's charts, as SVG
DASHES = ("", "7 3", "7 2 2 2", "2 2")  # figures.LINESTYLES, as SVG dashes


def svg_charts(comparison: Comparison, over_time: list[str]) -> dict:
    """A brief report's charts, as `charts` gives them (no "gap"), drawn as SVG by the app's
    drawing code: what figures.py's do, with the same text alternatives."""
    return {
        "over_time": {
            m: Chart(
                svg_uri(over_time_svg(comparison, m)), figures.change_over_time_alt(comparison, m)
            )
            for m in over_time
        },
        "by_quintile": Chart(
            svg_uri(by_quintile_svg(comparison)), figures.change_by_quintile_alt(comparison)
        ),
        "gap": None,
        "value": Chart(svg_uri(value_svg(comparison)), figures.wellbeing_and_value_alt(comparison)),
    }


def over_time_svg(comparison: Comparison, metric: str) -> str:
    """`figures.change_over_time` as SVG: a panel each for the town and quintiles 1 and 5, on
    one scale, a line per scenario with its 95% band where there is one."""
    panels: dict[str, list[drawing.Line]] = {group: [] for group, _ in figures.PANELS}
    for i, effect in enumerate(comparison.scenarios.values()):
        for group, _ in figures.PANELS:
            band = effect.series.get(metric, {}).get(group)
            if band is None:
                continue
            mean, low, high = (figures.values(v) for v in (band.mean, band.low, band.high))
            weeks = np.arange(len(mean)) * comparison.weeks / max(1, len(mean) - 1)
            banded = np.isfinite(low).any()
            panels[group].append(
                drawing.Line(
                    effect.name,
                    weeks,
                    mean,
                    figures.colour(i),
                    DASHES[i % len(DASHES)],
                    low if banded else None,
                    high if banded else None,
                )
            )
    every = np.concatenate(
        [np.zeros(1)]
        + [
            v
            for lines in panels.values()
            for line in lines
            for v in (line.values, line.low, line.high)
            if v is not None
        ]
    )
    every = every[np.isfinite(every)]
    span = (float(every.min()), float(every.max()))
    m = METRICS[metric]
    return drawing.panels_svg(
        f"{m.label}: change against the baseline ({m.change_unit})" + said_unchanged(every),
        [
            drawing.line_chart_svg(title, panels[group], zero=True, span=span)
            for group, title in figures.PANELS
        ],
        columns=len(figures.PANELS),
    )


def said_unchanged(values) -> str:
    """What a chart's title adds when every value (None and NaN aside) is zero: that nothing
    changed (its axis, padded around the flat line, would otherwise read as a change)."""
    found = np.array([v for v in values if v is not None], dtype=float)
    return (
        ": no change against the baseline"
        if np.all(np.abs(found[np.isfinite(found)]) < 1e-12)
        else ""
    )


def interval_of(change: Interval) -> tuple[float | None, float | None, float | None]:
    return change.mean, change.low, change.high


def by_quintile_svg(comparison: Comparison) -> str:
    """`figures.change_by_quintile` as SVG: a chart per outcome, a group of bars per scenario,
    a bar per quintile (1 darkest) with its 95% interval."""
    series = [
        ({"1": "1 (most deprived)", "5": "5 (least deprived)"}.get(q, q), colour)
        for q, colour in zip(figures.QUINTILES, figures.QUINTILE_COLOURS, strict=True)
    ]
    series = [(f"Quintile {label}", colour) for label, colour in series]
    return drawing.panels_svg(
        "Change against the baseline at the end, by deprivation quintile",
        [
            drawing.grouped_bars_svg(
                f"{METRICS[metric].label} ({METRICS[metric].change_unit})"
                + said_unchanged(
                    [
                        v
                        for e in comparison.scenarios.values()
                        for q in figures.QUINTILES
                        for v in interval_of(e.delta[metric][q])
                    ]
                ),  # fmt: skip
                list(comparison.scenarios),
                series,
                [
                    [interval_of(e.delta[metric][q]) for q in figures.QUINTILES]
                    for e in comparison.scenarios.values()
                ],
                legend=i < 2,  # under the first row's charts only
            )
            for i, metric in enumerate(INEQUALITY_METRICS)
        ],
        columns=2,
    )


def value_svg(comparison: Comparison) -> str:
    """`figures.wellbeing_and_value` as SVG: WELLBYs gained with 95% intervals, above the
    benefit-cost ratios at three values of a WELLBY, with break-even marked."""
    names = list(comparison.scenarios)
    effects = list(comparison.scenarios.values())
    values = comparison.wellby_values_gbp
    return drawing.panels_svg(
        "Wellbeing gained and benefit-cost ratios",
        [
            drawing.grouped_bars_svg(
                "Wellbeing gained (WELLBYs, discounted), with 95% intervals",
                names,
                [("WELLBYs gained", figures.PALETTE[0])],
                [[interval_of(e.wellbys)] for e in effects],
                width=960,
                height=170,
            ),
            drawing.grouped_bars_svg(
                "Benefit-cost ratio (£ of wellbeing value per £1 spent) at three values of a WELLBY",
                names,
                [
                    (f"at {money(values[key])} per WELLBY", colour)
                    for key, colour in zip(figures.BCR_KEYS, figures.BCR_COLOURS, strict=True)
                ],
                [[(e.bcr[key], None, None) for key in figures.BCR_KEYS] for e in effects],
                reference=(1.0, "break-even (benefit equals cost)"),
                width=960,
                height=170,
            ),
        ],
    )


def svg_uri(svg: str) -> str:
    """An SVG as a data URI: percent-encoded only where it must be (a fifth smaller than base64)."""
    return "data:image/svg+xml," + urllib.parse.quote(svg, safe=" ,.:;=/-_()!*")


def and_list(words: list[str]) -> str:
    """ "a, b and c"."""
    return " and ".join(filter(None, [", ".join(words[:-1]), words[-1] if words else ""]))
