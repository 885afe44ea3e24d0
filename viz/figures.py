"""The report's charts as functions of a `Comparison`, each returning a matplotlib `Figure`.

Object-oriented matplotlib only (`Figure` + `FigureCanvasAgg`), never pyplot, so the
functions touch no global state and the browser app can show the same figures. Each
chart has a `*_alt` function: its text alternative, with the numbers it shows.
Colours are Okabe-Ito and single-hue ramps, which stay distinct under colour-blindness.
"""

from __future__ import annotations

import textwrap
from typing import TYPE_CHECKING

import numpy as np

from healthgap.model.metrics import INEQUALITY_METRICS, METRICS

from .formatting import (
    capitalised,
    gap_change,
    horizon,
    interval_parts,
    interval_text,
    is_number,
    money,
    number,
    ratio,
)

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from healthgap.effects import Comparison, Interval, ScenarioEffect
    from healthgap.model.metrics import Metric

# Okabe-Ito, reordered so the first colours have the best contrast on white; yellow last.
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#000000", "#F0E442")
LINESTYLES = ("-", "--", "-.", ":")
# Quintile 1 (most deprived) darkest; a single-hue ramp stays ordered under colour-blindness.
QUINTILE_COLOURS = ("#2F6AA8", "#5F93C8", "#93B8DE", "#C4D8EE", "#EEF4FA")
BCR_COLOURS = ("#9ECAE1", "#0072B2", "#08306B")
QUINTILES = ("1", "2", "3", "4", "5")
PANELS = (
    ("all", "Whole town"),
    ("1", "Most deprived fifth (quintile 1)"),
    ("5", "Least deprived fifth (quintile 5)"),
)
INEQUALITY_KINDS = (("gap", "change in the gap (quintile 1 minus 5)"), ("sii", "change in the SII"))
BCR_KEYS = ("low", "central", "high")


def change_over_time(comparison: Comparison, metric: str) -> Figure:
    """One metric's change from the baseline week by week, for the town and quintiles 1 and 5:
    a line per scenario, with its 95% band where there is one."""
    m = METRICS[metric]
    fig = new_figure(11, 3.9)
    axes = fig.subplots(1, len(PANELS), sharey=True)
    fill = 0.18 if len(comparison.scenarios) <= 4 else 0.1
    for i, effect in enumerate(comparison.scenarios.values()):
        for ax, (group, _title) in zip(axes, PANELS, strict=True):
            band = effect.series.get(metric, {}).get(group)
            if band is None:
                continue
            mean, low, high = (values(v) for v in (band.mean, band.low, band.high))
            years = np.arange(len(mean)) * comparison.weeks / max(1, len(mean) - 1) / 52
            ax.plot(
                years,
                mean,
                color=colour(i),
                linestyle=LINESTYLES[i % len(LINESTYLES)],
                linewidth=1.6,
                label=plain(effect.name) if ax is axes[0] else None,
            )
            if np.isfinite(low).any():
                ax.fill_between(years, low, high, color=colour(i), linewidth=0, alpha=fill)
    for ax, (_group, title) in zip(axes, PANELS, strict=True):
        style(ax)
        ax.axhline(0, color="#555555", linewidth=0.8)
        ax.set_title(title, fontsize=11)
        ax.set_xlabel("Years from start", fontsize=10)
    axes[0].set_ylabel(f"Change vs baseline\n({m.change_unit})", fontsize=10)
    fig.suptitle(m.label, fontsize=12, fontweight="bold")
    fig.legend(loc="outside lower center", ncol=min(4, len(comparison.scenarios)), frameon=False)
    return fig


def change_over_time_alt(comparison: Comparison, metric: str) -> str:
    m = METRICS[metric]
    ends = []
    for name, effect in comparison.scenarios.items():
        series = effect.series.get(metric, {})
        last = [number(series[g].mean[-1]) if g in series else "n/a" for g, _ in PANELS]
        ends.append(
            f"{name}: {last[0]} whole town, {last[1]} most deprived fifth, "
            f"{last[2]} least deprived fifth"
        )
    return (
        f"Line charts of the change in {m.short} compared with the baseline over "
        f"{horizon(comparison.weeks)}, in {m.change_unit}, in three panels: whole town, most "
        "deprived fifth and least deprived fifth; one line per scenario with a shaded 95% "
        "interval where there is one. Values at the end: " + "; ".join(ends) + "."
    )


def change_by_quintile(comparison: Comparison, metrics=INEQUALITY_METRICS) -> Figure:
    """The change from the baseline at the end, in each deprivation quintile: a row of grouped
    bars per metric, one group per scenario, with 95% intervals."""
    names = list(comparison.scenarios)
    fig = new_figure(11, 1.2 + 2.9 * len(metrics))
    axes = np.atleast_1d(fig.subplots(len(metrics), 1))
    width = 0.8 / len(QUINTILES)
    x = np.arange(len(names))
    for ax, metric in zip(axes, metrics, strict=True):
        m = METRICS[metric]
        for q, quintile in enumerate(QUINTILES):
            changes = [e.delta[metric][quintile] for e in comparison.scenarios.values()]
            where = x + (q - (len(QUINTILES) - 1) / 2) * width
            title = {"1": "1 (most deprived)", "5": "5 (least deprived)"}.get(quintile, quintile)
            bars(ax, where, changes, width, QUINTILE_COLOURS[q], title if ax is axes[0] else None)
        style(ax)
        ax.axhline(0, color="#555555", linewidth=0.8)
        ax.set_xticks(x, tick_labels(names), fontsize=10)
        ax.set_title(m.label, fontsize=11, loc="left")
        ax.set_ylabel(f"Change vs baseline\n({m.change_unit})", fontsize=9)
    fig.legend(loc="outside upper center", ncol=5, frameon=False, title="Deprivation quintile")
    return fig


def change_by_quintile_alt(comparison: Comparison, metrics=INEQUALITY_METRICS) -> str:
    parts = [
        f"{METRICS[metric].short}, {name}: "
        + ", ".join(f"quintile {q} {number(e.delta[metric][q].mean)}" for q in QUINTILES)
        for metric in metrics
        for name, e in comparison.scenarios.items()
    ]
    return (
        "Grouped bar charts of the change compared with the baseline at the end of the period, "
        "by deprivation quintile (1 most deprived to 5 least), one group of bars per scenario, "
        "with 95% intervals as error bars. " + "; ".join(parts) + "."
    )


def change_in_inequality(comparison: Comparison, metrics=INEQUALITY_METRICS) -> Figure:
    """The change in the gap (quintile 1 minus 5) and in the SII at the end: a row per metric,
    a bar per scenario, each axis labelled with the direction that is better for the most
    deprived."""
    names = list(comparison.scenarios)
    fig = new_figure(11, 0.6 + (1.3 + 0.32 * len(names)) * len(metrics))
    axes = fig.subplots(len(metrics), 2, squeeze=False)
    y = np.arange(len(names))[::-1]
    for row, metric in zip(axes, metrics, strict=True):
        m = METRICS[metric]
        for ax, (kind, title) in zip(row, INEQUALITY_KINDS, strict=True):
            changes = [changes_in(e, kind)[metric] for e in comparison.scenarios.values()]
            colours = [colour(i) for i in range(len(names))]
            bars(ax, y, changes, 0.6, colours, horizontal=True)
            style(ax, horizontal=True)
            ax.axvline(0, color="#555555", linewidth=0.8)
            labels = [plain(wrap(n, 22)) for n in names] if ax is row[0] else [""] * len(names)
            ax.set_yticks(y, labels, fontsize=10)
            ax.set_title(
                f"{capitalised(m.short)}: {title}", fontsize=10.5, loc="left", fontweight="bold"
            )
            ax.set_xlabel(better_way(m, kind), fontsize=9)
    return fig


def change_in_inequality_alt(comparison: Comparison, metrics=INEQUALITY_METRICS) -> str:
    parts = [
        f"{METRICS[metric].short}, change in the {'gap' if kind == 'gap' else 'SII'}: "
        + ", ".join(
            f"{name} {number(changes_in(e, kind)[metric].mean)}"
            for name, e in comparison.scenarios.items()
        )
        for metric in metrics
        for kind, _title in INEQUALITY_KINDS
    ]
    return (
        "Horizontal bar charts, one row per outcome: left, the change in the gap between the "
        "most and least deprived fifth (quintile 1 minus quintile 5); right, the change in the "
        "slope index of inequality; one bar per scenario with 95% intervals. Each axis is "
        "labelled with which direction is better for the most deprived. " + "; ".join(parts) + "."
    )


def wellbeing_and_value(comparison: Comparison) -> Figure:
    """WELLBYs gained (discounted, with 95% intervals) above benefit-cost ratios at the low,
    central and high value of a WELLBY, with break-even marked."""
    effects = list(comparison.scenarios.values())
    x = np.arange(len(effects))
    ticks = tick_labels([e.name for e in effects])
    fig = new_figure(11, 7.4)
    ax_w, ax_b = fig.subplots(2, 1)

    wellbys = [e.wellbys for e in effects]
    bars(ax_w, x, wellbys, 0.6, [colour(i) for i in range(len(effects))], cap=4)
    for i, w in enumerate(wellbys):
        up = not is_number(w.mean) or w.mean >= 0
        end = w.high if up else w.low
        end = end if is_number(end) else (w.mean or 0)
        ax_w.annotate(
            interval_parts(w)[0],
            (x[i], end),
            textcoords="offset points",
            xytext=(0, 3 if up else -3),
            ha="center",
            va="bottom" if up else "top",
            fontsize=9,
        )
    style(ax_w)
    ax_w.axhline(0, color="#555555", linewidth=0.8)
    ax_w.set_xticks(x, ticks, fontsize=10)
    ax_w.set_ylabel("WELLBYs gained\n(discounted)", fontsize=10)
    ax_w.set_title("Wellbeing gained (WELLBYs), with 95% intervals", fontsize=11, loc="left")
    ax_w.margins(y=0.15)

    width = 0.8 / len(BCR_KEYS)
    for k, key in enumerate(BCR_KEYS):
        where = x + (k - 1) * width
        value = comparison.wellby_values_gbp[key]
        ratios = values([e.bcr[key] for e in effects])
        ax_b.bar(
            where,
            np.nan_to_num(ratios),
            width,
            color=BCR_COLOURS[k],
            edgecolor="#333333",
            linewidth=0.5,
            label=f"at {money(value)} per WELLBY",
        )
        for pos, b in zip(where, ratios, strict=True):
            ax_b.annotate(
                ratio(b),
                (pos, b if np.isfinite(b) and b > 0 else 0),
                textcoords="offset points",
                xytext=(0, 2),
                ha="center",
                va="bottom",
                fontsize=8,
                rotation=90 if len(effects) > 4 else 0,
                bbox={"facecolor": "white", "edgecolor": "none", "pad": 0.8, "alpha": 0.85},
            )
    ax_b.axhline(
        1, color="#D55E00", linewidth=1.4, linestyle="--", label="break-even (benefit equals cost)"
    )
    ax_b.axhline(0, color="#555555", linewidth=0.8)
    style(ax_b)
    ax_b.set_xticks(x, ticks, fontsize=10)
    ax_b.set_ylabel("£ of wellbeing value\nper £1 spent", fontsize=10)
    ax_b.set_title("Benefit-cost ratio at three values of a WELLBY", fontsize=11, loc="left")
    ax_b.margins(y=0.2)
    ax_b.legend(fontsize=9, frameon=False, ncol=2, loc="upper right")
    return fig


def wellbeing_and_value_alt(comparison: Comparison) -> str:
    effects = comparison.scenarios.values()
    return (
        "Two bar charts. Top: discounted WELLBYs gained by each scenario: "
        + "; ".join(f"{e.name} {interval_text(e.wellbys)}" for e in effects)
        + ". Bottom: benefit-cost ratio of each scenario at three values of a WELLBY "
        f"({', '.join(money(comparison.wellby_values_gbp[k]) for k in BCR_KEYS)}), with a "
        "dashed line at 1 (break-even): "
        + "; ".join(f"{e.name} " + ", ".join(ratio(e.bcr[k]) for k in BCR_KEYS) for e in effects)
        + "."
    )


# ----------------------------------------------------------------------------- helpers


def new_figure(width: float, height: float) -> Figure:
    """A figure with its own Agg canvas (no pyplot). matplotlib is loaded here, at the first
    figure, so the text alternatives (and the app's brief report, drawn as SVG) need none."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height), layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def bars(
    ax: Axes,
    where,
    changes: list[Interval],
    size,
    colours,
    label=None,
    *,
    horizontal=False,
    cap=2.5,
) -> None:
    """Bars at the means (none where there is no mean), with dark, white-haloed 95% error bars."""
    from matplotlib import patheffects

    means = values([c.mean for c in changes])
    draw = ax.barh if horizontal else ax.bar
    draw(
        where,
        np.nan_to_num(means),
        size,
        color=colours,
        edgecolor="#333333",
        linewidth=0.5,
        label=label,
    )
    lows, highs = values([c.low for c in changes]), values([c.high for c in changes])
    known = np.isfinite(means) & np.isfinite(lows) & np.isfinite(highs)
    if not known.any():
        return
    err = np.abs([means[known] - lows[known], highs[known] - means[known]])
    at, mean = np.asarray(where)[known], means[known]
    spans = ax.errorbar(
        *((mean, at) if horizontal else (at, mean)),
        **{"xerr" if horizontal else "yerr": err},
        fmt="none",
        ecolor="#222222",
        elinewidth=1,
        capsize=cap,
    )
    halo = [patheffects.withStroke(linewidth=2.8, foreground="white")]
    for artist in (*spans.lines[1], *spans.lines[2]):
        artist.set_path_effects(halo)


def style(ax: Axes, horizontal: bool = False) -> None:
    """Light grid along the value axis, no top or right spine, plain tick numbers."""
    ax.spines[["top", "right"]].set_visible(False)
    ax.tick_params(labelsize=10)
    ax.grid(axis="x" if horizontal else "y", color="#dddddd", linewidth=0.6)
    ax.set_axisbelow(True)
    ax.ticklabel_format(axis="x" if horizontal else "y", style="plain", useOffset=False)


def better_way(metric: Metric, kind: str) -> str:
    """An axis label: the unit, and arrows saying which way is better for the most deprived."""
    rise = gap_change(metric, 1.0, kind)
    if not rise:
        return metric.change_unit
    left, right = ("better", "worse") if rise == "widens" else ("worse", "better")
    return (
        f"{metric.change_unit}\n\u2190 {left} for most deprived    {right} for most deprived \u2192"
    )


def changes_in(effect: ScenarioEffect, kind: str) -> dict[str, Interval]:
    """The end-of-period change in the gap ("gap") or the SII ("sii") of each metric."""
    return effect.delta_gap if kind == "gap" else effect.delta_sii


def values(numbers) -> np.ndarray:
    """Floats, NaN where there is none."""
    return np.array([v if is_number(v) else np.nan for v in numbers], dtype=float)


def colour(i: int) -> str:
    return PALETTE[i % len(PALETTE)]


def plain(text: str) -> str:
    """User text for matplotlib, with "$" shown as itself rather than starting mathematics."""
    return text.replace("$", r"\$")


def wrap(text: str, width: int) -> str:
    return "\n".join(textwrap.wrap(text, width, break_long_words=True)) or text


def tick_labels(names: list[str]) -> list[str]:
    """Scenario names wrapped to fit one group of bars each."""
    width = max(10, min(24, 100 // max(1, len(names))))
    return [plain(wrap(n, width)) for n in names]
