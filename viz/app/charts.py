"""The live charts: one outcome by deprivation quintile, its gap and SII beside the baseline's,
the difference from the baseline, and this week's activity categories by quintile."""

from __future__ import annotations

from collections.abc import Callable

import solara

from healthgap.model.metrics import METRICS, QUINTILES_MEANING
from healthgap.viz.workshop import CHART_METRICS

from .controls import Choice, SvgView
from .drawing import (
    BASELINE,
    DARK,
    QUINTILE_LINES,
    WITH_LEVERS,
    Bar,
    Line,
    line_chart_svg,
    stacked_bars_svg,
)

ACTIVITY = ("inactive_pct", "fairly_active_pct", "active_pct")
SERIES_METRICS = tuple(dict.fromkeys(CHART_METRICS + ACTIVITY))  # every metric charted


def charted(metric: str) -> tuple[str, ...]:
    """The series the charts draw with `metric` chosen: it and the week's activity (building
    the series of every chart metric each Step took half as long again)."""
    return tuple(dict.fromkeys((metric, *ACTIVITY)))


ACTIVITY_COLOURS = (DARK, "#9E9AC8", WITH_LEVERS)
QUINTILE_NAMES = {
    "all": "Whole town",
    "1": "Quintile 1 (most deprived)",
    "2": "Quintile 2",
    "3": "Quintile 3",
    "4": "Quintile 4",
    "5": "Quintile 5 (least deprived)",
}
Lookup = dict  # (run, metric, quintile) -> (weeks, values), from `Workshop.chart_series`


def chart_svgs(lookup: Lookup, metric: str) -> list[str]:
    """The chart panels for one outcome, each an SVG document."""
    m = METRICS[metric]

    def line(run: str, quintile: str, label: str, colour: str, dash: str = "", of: str = metric):
        weeks, values = lookup[(run, of, quintile)]
        return Line(label, weeks, values, colour, dash)

    panels = [
        line_chart_svg(
            f"{m.label}, by quintile (with the levers)",
            [
                line("with levers", q, QUINTILE_NAMES[q], QUINTILE_LINES[i])
                for i, q in enumerate("12345")
            ],
        ),
        line_chart_svg(
            f"Difference from the baseline ({m.change_unit})",
            [
                line("difference", "all", "Whole town", "#000000"),
                line("difference", "1", QUINTILE_NAMES["1"], QUINTILE_LINES[0], "5 3"),
                line("difference", "5", QUINTILE_NAMES["5"], QUINTILE_LINES[4], "2 2"),
            ],
            zero=True,
        ),
    ]
    if m.inequality:
        for kind, title in (
            ("gap", f"The gap in {m.short}: quintile 1 minus 5"),
            ("sii", f"Slope Index of Inequality in {m.short}"),
        ):
            panels.append(
                line_chart_svg(
                    title,
                    [
                        line(
                            "with levers",
                            "all",
                            "With the levers",
                            WITH_LEVERS,
                            of=f"{kind}_{metric}",
                        ),
                        line("baseline", "all", "Baseline", BASELINE, "5 3", of=f"{kind}_{metric}"),
                    ],
                )
            )
    return panels


def activity_svg(lookup: Lookup) -> str:
    """This week's activity categories for the town and each quintile, with the levers."""
    bars = [
        Bar(
            QUINTILE_NAMES[quintile],
            tuple(float(lookup[("with levers", name, quintile)][1][-1]) for name in ACTIVITY),
        )
        for quintile in QUINTILE_NAMES
    ]
    categories = [
        (METRICS[name].label, colour)
        for name, colour in zip(ACTIVITY, ACTIVITY_COLOURS, strict=True)
    ]
    week = int(lookup[("with levers", ACTIVITY[0], "all")][0][-1])
    return stacked_bars_svg("Activity this week (with the levers)", categories, bars, week)


PANEL_PX = 300  # the narrowest a chart is shown (drawn 320 wide, its text 9-12 px at that)


def panels_html(panels: list[str], text_scale: float = 1.0) -> str:
    """Chart panels side by side, as many to a row as fit; with `text_scale` above 1 each is
    shown that much wider, and so is its text."""
    cells = "".join(f"<div>{panel}</div>" for panel in panels)
    return (
        "<div style='display:grid;grid-template-columns:"
        f"repeat(auto-fit,minmax({PANEL_PX * text_scale:.0f}px,1fr));gap:12px'>{cells}</div>"
    )


SeriesAt = Callable[[int, tuple[str, ...]], Lookup]  # (version, metrics) -> their series


@solara.component
def Charts(
    version_of: Callable[[], int],
    series_at: SeriesAt,
    metric: str,
    on_metric: Callable[[str], None],
    text_scale: float = 1.0,
    only_difference: bool = False,
):
    """The outcome picker and every chart (or only the difference from the baseline). Only
    the pictures watch the tab's runs' version (`version_of`, a hook), so a Step redraws them
    and not the picker."""
    with solara.Column(gap="4px", classes=["hg-fill"]):  # fills a projector's height
        Choice(
            "Outcome to chart",
            [(name, METRICS[name].label) for name in CHART_METRICS],
            metric,
            on_metric,
        )
        ChartPictures(version_of, series_at, metric, text_scale, only_difference)
        solara.Text(f"Quintiles: {QUINTILES_MEANING}.", style={"font-size": "0.85em"})


@solara.component
def ChartPictures(
    version_of: Callable[[], int],
    series_at: SeriesAt,
    metric: str,
    text_scale: float,
    only_difference: bool,
):
    """Every chart, redrawn only when the week, the outcome or the size of the text changes."""
    v = version_of()
    lookup = solara.use_memo(lambda: series_at(v, charted(metric)), [v, metric])

    def draw() -> str:
        panels = chart_svgs(lookup, metric)
        shown = panels[1:2] if only_difference else [activity_svg(lookup), *panels]
        return panels_html(shown, text_scale)

    html = solara.use_memo(draw, [lookup, metric, text_scale, only_difference])
    SvgView.element(svg=html)
