"""One self-contained HTML report of a scenario comparison, for readers who do not use the tool.

`write_report(comparison, path)` turns the dict built by `experiments.compare.summarise` (the
contents of comparison.json) into a single report.html: plain-English summary and warnings,
a headline table, charts embedded as base64 PNG data URIs, how sure the results are, and
provenance. The file needs no network, no JavaScript and no other files.

Charts use matplotlib's object-oriented API (`Figure` + `FigureCanvasAgg`) only, so nothing
here touches pyplot's global state or switches the process-wide backend.
"""

from __future__ import annotations

import base64
import datetime
import html
import io
import math
import textwrap
from pathlib import Path

import numpy as np
from matplotlib import patheffects
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from healthgap.model.metrics import METRICS

__all__ = ["write_report"]

# Okabe-Ito, reordered so the first colours have the best contrast on white; yellow last.
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#000000", "#F0E442")
LINESTYLES = ("-", "--", "-.", ":")
# Quintile 1 (most deprived) darkest; a single-hue ramp stays ordered under colour-blindness.
QUINTILE_COLOURS = ("#2F6AA8", "#5F93C8", "#93B8DE", "#C4D8EE", "#EEF4FA")
BCR_COLOURS = ("#9ECAE1", "#0072B2", "#08306B")
MINUS = "\u2212"
DPI = 110

# Plain-English label and unit of each metric.
LABELS = {
    "inactive_pct": ("Inactive (under 30 minutes of activity a week)", "percentage points"),
    "fairly_active_pct": ("Fairly active (30 to 149 minutes a week)", "percentage points"),
    "active_pct": ("Active (150 minutes or more a week)", "percentage points"),
    "life_satisfaction_mean": ("Mean life satisfaction (0 to 10)", "points on the 0-10 scale"),
    "low_life_satisfaction_pct": ("Low life satisfaction (0 to 4)", "percentage points"),
    "lonely_pct": ("Often or always lonely", "percentage points"),
    "ties_mean": ("Mean number of friendship ties", "ties"),
    "attendance_pct": ("Went to a community group that week", "percentage points"),
}
SHORT = {
    "inactive_pct": "inactivity",
    "fairly_active_pct": "being fairly active",
    "active_pct": "being active",
    "life_satisfaction_mean": "life satisfaction",
    "low_life_satisfaction_pct": "low life satisfaction",
    "lonely_pct": "loneliness",
    "ties_mean": "friendship ties",
    "attendance_pct": "group attendance",
}
# Which way each gap widens: shared with the warnings in experiments.compare.
WORSE_WHEN = {m.name: m.gap_widens_when for m in METRICS.values() if m.inequality}
SERIES_METRICS = ("life_satisfaction_mean", "inactive_pct", "attendance_pct")
QUINTILE_METRICS = ("inactive_pct", "active_pct", "life_satisfaction_mean", "lonely_pct")
QUINTILES = ("1", "2", "3", "4", "5")
SERIES_GROUPS = (
    ("all", "Whole town"),
    ("1", "Most deprived fifth (quintile 1)"),
    ("5", "Least deprived fifth (quintile 5)"),
)


# ----------------------------------------------------------------------------- formatting


def _esc(value) -> str:
    return html.escape(str(value), quote=True)


def _finite(x) -> bool:
    return (
        isinstance(x, (int, float, np.floating, np.integer))
        and not isinstance(x, bool)
        and math.isfinite(float(x))
    )


def _decimals(values, sig: int = 3, most: int = 6) -> int:
    """Decimal places giving `sig` significant figures to the largest of `values`."""
    big = max((abs(float(v)) for v in values if _finite(v)), default=0.0)
    if big == 0:
        return 0
    return int(min(most, max(0, sig - 1 - math.floor(math.log10(big)))))


def _num(x, decimals: int | None = None, sig: int = 3) -> str:
    """A number with thousands separators and a true minus sign; "n/a" for null."""
    if not _finite(x):
        return "n/a"
    x = float(x)
    decimals = _decimals([x], sig) if decimals is None else decimals
    text = f"{x:,.{decimals}f}"
    if float(text.replace(",", "")) == 0:
        text = text.lstrip("-")
    return text.replace("-", MINUS)


def _money(x) -> str:
    """£1,234 (whole pounds from £100 up), £12.34 below; "n/a" for null."""
    if not _finite(x):
        return "n/a"
    x = float(x)
    if x == 0:
        return "£0"
    text = f"£{abs(x):,.0f}" if abs(x) >= 100 else f"£{abs(x):,.2f}"
    return MINUS + text if x < 0 and text.strip("£0.,") else text


def _ratio(x) -> str:
    return _num(x, 2) if _finite(x) and abs(float(x)) < 1000 else _num(x, 0)


def _interval_bars(triples: list[dict]) -> tuple[list[int], np.ndarray]:
    """Which triples have a 95% interval, and their error-bar lengths below and above the mean."""
    ok = [i for i, t in enumerate(triples) if _has_interval(t) and _finite(t.get("mean"))]
    err = np.array(
        [
            [triples[i]["mean"] - triples[i]["low"] for i in ok],
            [triples[i]["high"] - triples[i]["mean"] for i in ok],
        ]
    )
    return ok, err


def _has_interval(t: dict | None) -> bool:
    return bool(t) and _finite(t.get("low")) and _finite(t.get("high"))


def _triple_parts(t: dict | None, sig: int = 3) -> tuple[str, str | None]:
    """(mean, "low to high" or None) formatted with shared decimals."""
    t = t or {}
    d = _decimals([t.get("mean"), t.get("low"), t.get("high")], sig)
    interval = f"{_num(t['low'], d)} to {_num(t['high'], d)}" if _has_interval(t) else None
    return _num(t.get("mean"), d), interval


def _triple_cell(t: dict | None, sig: int = 3, note: str = "") -> str:
    mean, interval = _triple_parts(t, sig)
    ci = _esc(interval) if interval else "interval n/a"
    extra = f'<span class="tag">{_esc(note)}</span>' if note else ""
    return f'{_esc(mean)}<span class="ci">{ci}</span>{extra}'


def _includes_zero(t: dict | None) -> bool:
    return _has_interval(t) and float(t["low"]) <= 0 <= float(t["high"])


def _horizon(weeks) -> str:
    if not _finite(weeks) or weeks <= 0:
        return "the period modelled"
    weeks = int(weeks)
    if weeks % 52 == 0:
        years = weeks // 52
        return f"{years} year{'s' if years != 1 else ''}"
    if weeks < 52:
        return f"{weeks} weeks"
    return f"{weeks / 52:.1f} years"


def _direction(metric: str, mean, kind: str) -> str:
    """'widens' / 'narrows' / 'no change' for a change in the gap (kind 'gap') or SII ('sii')."""
    if metric not in WORSE_WHEN or not _finite(mean):
        return ""
    if mean == 0:
        return "no change"
    worse = WORSE_WHEN[metric] * (1 if kind == "gap" else -1)
    return "widens" if mean * worse > 0 else "narrows"


def _arr(values) -> np.ndarray:
    return np.array([v if _finite(v) else np.nan for v in (values or [])], dtype=float)


def _wrap(text: str, width: int = 14) -> str:
    return "\n".join(textwrap.wrap(str(text), width, break_long_words=True)) or str(text)


def _tick_labels(names: list[str]) -> list[str]:
    """Scenario names wrapped to fit one group of bars each."""
    width = max(10, min(24, 100 // max(1, len(names))))
    return [_wrap(n, width) for n in names]


# ----------------------------------------------------------------------------- figures


def _png(fig: Figure) -> str:
    FigureCanvasAgg(fig)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=DPI, facecolor="white")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def _figure_html(fig: Figure, alt: str, caption: str) -> str:
    return (
        f'<figure><img src="{_png(fig)}" alt="{_esc(alt)}">'
        f"<figcaption>{caption}</figcaption></figure>"
    )


def _style(ax) -> None:
    ax.spines[["top", "right"]].set_visible(False)
    ax.tick_params(labelsize=10)
    ax.grid(axis="y", color="#dddddd", linewidth=0.6)
    ax.set_axisbelow(True)


def _plain_y(ax, axis: str = "y") -> None:
    ax.ticklabel_format(axis=axis, style="plain", useOffset=False)


def _errorbars(ax, x, y, err, horizontal: bool = False, cap: float = 2.5) -> None:
    """Dark error bars with a thin white halo, so they show on dark and light bars alike."""
    bars = ax.errorbar(
        x,
        y,
        **{"xerr" if horizontal else "yerr": np.abs(err)},
        fmt="none",
        ecolor="#222222",
        elinewidth=1,
        capsize=cap,
    )
    halo = [patheffects.withStroke(linewidth=2.8, foreground="white")]
    for artist in (*bars.lines[1], *bars.lines[2]):
        artist.set_path_effects(halo)


def _colour(i: int) -> str:
    return PALETTE[i % len(PALETTE)]


def _series_figure(comparison: dict, metric: str) -> str | None:
    scenarios = comparison.get("scenarios", {})
    available = {n: e.get("series", {}).get(metric) for n, e in scenarios.items()}
    if not any(available.values()):
        return None
    label, unit = LABELS.get(metric, (metric, ""))
    fig = Figure(figsize=(11, 3.9), layout="constrained")
    axes = fig.subplots(1, len(SERIES_GROUPS), sharey=True)
    weeks = comparison.get("weeks")
    endings = []
    for i, (name, series) in enumerate(available.items()):
        if not series:
            continue
        ends, labelled = [], False
        for ax, (group, _title) in zip(axes, SERIES_GROUPS, strict=True):
            band = series.get(group)
            if not band:
                ends.append("n/a")
                continue
            mean = _arr(band.get("mean"))
            n = len(mean)
            per_step = weeks / (n - 1) if _finite(weeks) and n > 1 else 1.0
            years = np.arange(n) * per_step / 52
            ax.plot(
                years,
                mean,
                color=_colour(i),
                linestyle=LINESTYLES[i % len(LINESTYLES)],
                linewidth=1.6,
                label=None if labelled else name,
            )
            labelled = True
            low, high = _arr(band.get("low")), _arr(band.get("high"))
            if len(low) == n and len(high) == n and np.isfinite(low).any():
                ax.fill_between(
                    years,
                    low,
                    high,
                    color=_colour(i),
                    linewidth=0,
                    alpha=0.18 if len(available) <= 4 else 0.1,
                )
            ends.append(_num(mean[-1]) if n else "n/a")
        endings.append(
            f"{name}: {ends[0]} whole town, {ends[1]} most deprived fifth, "
            f"{ends[2]} least deprived fifth"
        )
    for ax, (_group, title) in zip(axes, SERIES_GROUPS, strict=True):
        _style(ax)
        _plain_y(ax)
        ax.axhline(0, color="#555555", linewidth=0.8)
        ax.set_title(title, fontsize=11)
        ax.set_xlabel("Years from start", fontsize=10)
    axes[0].set_ylabel(f"Change vs baseline\n({unit})", fontsize=10)
    fig.suptitle(label, fontsize=12, fontweight="bold")
    fig.legend(
        loc="outside lower center", ncol=min(4, max(1, len(endings))), frameon=False, fontsize=10
    )
    alt = (
        f"Line charts of the change in {label.lower()} compared with the baseline over "
        f"{_horizon(weeks)}, in three panels: whole town, most deprived fifth and least "
        "deprived fifth; one line per scenario with a shaded 95% interval where available. "
        "Values at the end: " + "; ".join(endings) + "."
    )
    caption = (
        f"<strong>{_esc(label)}</strong>: change compared with the baseline, week by "
        f"week, in {_esc(unit)}. Shaded bands are 95% intervals. Above zero means higher "
        "than the baseline."
    )
    return _figure_html(fig, alt, caption)


def _quintile_figure(comparison: dict) -> str | None:
    scenarios = comparison.get("scenarios", {})
    names = list(scenarios)
    metrics = [
        m for m in QUINTILE_METRICS if any(m in e.get("delta", {}) for e in scenarios.values())
    ]
    if not metrics or not names:
        return None
    fig = Figure(figsize=(11, 1.2 + 2.9 * len(metrics)), layout="constrained")
    axes = np.atleast_1d(fig.subplots(len(metrics), 1))
    width = 0.8 / len(QUINTILES)
    x = np.arange(len(names))
    alt_parts = []
    for ax, metric in zip(axes, metrics, strict=True):
        label, unit = LABELS.get(metric, (metric, ""))
        for q, quintile in enumerate(QUINTILES):
            triples = [
                scenarios[n].get("delta", {}).get(metric, {}).get(quintile) or {} for n in names
            ]
            means = _arr([t.get("mean") for t in triples])
            pos = x + (q - (len(QUINTILES) - 1) / 2) * width
            quintile_label = {"1": "1 (most deprived)", "5": "5 (least deprived)"}.get(
                quintile, quintile
            )
            ax.bar(
                pos,
                np.nan_to_num(means),
                width,
                color=QUINTILE_COLOURS[q],
                edgecolor="#333333",
                linewidth=0.5,
                label=quintile_label if ax is axes[0] else None,
            )
            ok, err = _interval_bars(triples)
            if ok:
                _errorbars(ax, pos[ok], means[ok], err, cap=2)
        _style(ax)
        _plain_y(ax)
        ax.axhline(0, color="#555555", linewidth=0.8)
        ax.set_xticks(x, _tick_labels(names), fontsize=10)
        ax.set_title(label, fontsize=11, loc="left")
        ax.set_ylabel(f"Change vs baseline\n({unit})", fontsize=9)
        for n in names:
            by_q = scenarios[n].get("delta", {}).get(metric, {})
            values = ", ".join(
                f"quintile {q} {_num((by_q.get(q) or {}).get('mean'))}"
                for q in QUINTILES
                if q in by_q
            )
            alt_parts.append(f"{label}, {n}: {values}")
    fig.legend(
        loc="outside upper center",
        ncol=5,
        frameon=False,
        fontsize=10,
        title="Deprivation quintile",
        title_fontsize=10,
    )
    alt = (
        "Grouped bar charts of the change compared with the baseline at the end of the "
        "period, by deprivation quintile (1 most deprived to 5 least), one group of bars per "
        "scenario, with 95% intervals as error bars. " + "; ".join(alt_parts) + "."
    )
    caption = (
        "Change compared with the baseline at the end of the period in each fifth of "
        "neighbourhoods, from quintile 1 (most deprived, darkest) to quintile 5 (least "
        "deprived, lightest). Black lines are 95% intervals; where a bar is missing, the change was zero or not "
        "recorded."
    )
    return _figure_html(fig, alt, caption)


def _gap_axis_label(metric: str, kind: str, unit: str) -> str:
    if metric not in WORSE_WHEN:
        return unit
    right_worse = WORSE_WHEN[metric] * (1 if kind == "gap" else -1) > 0
    left, right = ("better", "worse") if right_worse else ("worse", "better")
    return f"{unit}\n\u2190 {left} for most deprived    {right} for most deprived \u2192"


def _gap_figure(comparison: dict) -> str | None:
    scenarios = comparison.get("scenarios", {})
    names = list(scenarios)
    metrics = []
    for e in scenarios.values():
        for kind in ("delta_gap", "delta_sii"):
            metrics += [m for m in e.get(kind, {}) if m not in metrics]
    if not metrics or not names:
        return None
    panel_h = 1.3 + 0.32 * len(names)
    fig = Figure(figsize=(11, 0.6 + panel_h * len(metrics)), layout="constrained")
    axes = np.array(fig.subplots(len(metrics), 2, squeeze=False))
    y = np.arange(len(names))[::-1]
    alt_parts = []
    for r, metric in enumerate(metrics):
        label, unit = LABELS.get(metric, (metric, ""))
        short = SHORT.get(metric, metric)
        short = short[:1].upper() + short[1:]
        for c, (kind, title) in enumerate(
            (
                ("delta_gap", "change in the gap (quintile 1 minus 5)"),
                ("delta_sii", "change in the SII"),
            )
        ):
            ax = axes[r, c]
            triples = [scenarios[n].get(kind, {}).get(metric) or {} for n in names]
            means = _arr([t.get("mean") for t in triples])
            ax.barh(
                y,
                np.nan_to_num(means),
                color=[_colour(i) for i in range(len(names))],
                edgecolor="#333333",
                linewidth=0.5,
                height=0.6,
            )
            ok, err = _interval_bars(triples)
            if ok:
                _errorbars(ax, means[ok], y[ok], err, horizontal=True, cap=3)
            _style(ax)
            ax.grid(axis="y", visible=False)
            ax.grid(axis="x", color="#dddddd", linewidth=0.6)
            _plain_y(ax, "x")
            ax.axvline(0, color="#555555", linewidth=0.8)
            ax.set_yticks(
                y, [_wrap(n, 22) for n in names] if c == 0 else [""] * len(names), fontsize=10
            )
            ax.set_title(f"{short}: {title}", fontsize=10.5, loc="left", fontweight="bold")
            ax.set_xlabel(
                _gap_axis_label(metric, "gap" if kind == "delta_gap" else "sii", unit), fontsize=9
            )
            what = "gap" if kind == "delta_gap" else "SII"
            alt_parts.append(
                f"{label}, change in {what}: "
                + ", ".join(
                    f"{n} {_num(t.get('mean'))}" for n, t in zip(names, triples, strict=True)
                )
            )
    alt = (
        "Horizontal bar charts, one row per outcome: left, the change in the gap between the "
        "most and least deprived fifth (quintile 1 minus quintile 5); right, the change in the "
        "slope index of inequality; one bar per scenario with 95% intervals. Each axis is "
        "labelled with which direction is better for the most deprived. "
        + "; ".join(alt_parts)
        + "."
    )
    caption = (
        "Change in inequality compared with the baseline at the end of the period. Under "
        "each chart, the arrows show which direction is better for the most deprived "
        "fifth. Black lines are 95% intervals."
    )
    return _figure_html(fig, alt, caption)


def _value_figure(comparison: dict) -> str | None:
    scenarios = comparison.get("scenarios", {})
    names = list(scenarios)
    if not names:
        return None
    values = _wellby_values(comparison)
    fig = Figure(figsize=(11, 7.4), layout="constrained")
    ax_w, ax_b = fig.subplots(2, 1)
    x = np.arange(len(names))
    ticks = _tick_labels(names)

    wellbys = [scenarios[n].get("wellbys") or {} for n in names]
    means = _arr([w.get("mean") for w in wellbys])
    ax_w.bar(
        x,
        np.nan_to_num(means),
        color=[_colour(i) for i in range(len(names))],
        edgecolor="#333333",
        linewidth=0.5,
        width=0.6,
    )
    ok, err = _interval_bars(wellbys)
    if ok:
        _errorbars(ax_w, x[ok], means[ok], err, cap=4)
    for i, w in enumerate(wellbys):
        if _finite(w.get("mean")):
            up = w["mean"] >= 0
            end = w.get("high" if up else "low")
            end = end if _finite(end) else w["mean"]
            ax_w.annotate(
                _triple_parts(w)[0],
                (x[i], end),
                textcoords="offset points",
                xytext=(0, 3 if up else -3),
                ha="center",
                va="bottom" if up else "top",
                fontsize=9,
            )
        else:
            ax_w.annotate(
                "n/a", (x[i], 0), textcoords="offset points", xytext=(0, 3), ha="center", fontsize=9
            )
    _style(ax_w)
    _plain_y(ax_w)
    ax_w.axhline(0, color="#555555", linewidth=0.8)
    ax_w.set_xticks(x, ticks, fontsize=10)
    ax_w.set_ylabel("WELLBYs gained\n(over the whole period)", fontsize=10)
    ax_w.set_title(
        "Wellbeing gained (WELLBYs)" + (", with 95% intervals" if ok else ""),
        fontsize=11,
        loc="left",
    )
    ax_w.margins(y=0.15)

    width = 0.8 / 3
    keys = ("low", "central", "high")
    for k, key in enumerate(keys):
        bcrs = _arr([(scenarios[n].get("bcr") or {}).get(key) for n in names])
        pos = x + (k - 1) * width
        ax_b.bar(
            pos,
            np.nan_to_num(bcrs),
            width,
            color=BCR_COLOURS[k],
            edgecolor="#333333",
            linewidth=0.5,
            label=f"at {_money(values.get(key))} per WELLBY",
        )
        for i, b in enumerate(bcrs):
            text = _ratio(b) if np.isfinite(b) else "n/a"
            ax_b.annotate(
                text,
                (pos[i], b if np.isfinite(b) and b > 0 else 0),
                textcoords="offset points",
                xytext=(0, 2),
                ha="center",
                fontsize=8,
                rotation=90 if len(names) > 4 else 0,
                va="bottom",
                bbox={"facecolor": "white", "edgecolor": "none", "pad": 0.8, "alpha": 0.85},
            )
    ax_b.axhline(
        1, color="#D55E00", linewidth=1.4, linestyle="--", label="break-even (benefit equals cost)"
    )
    ax_b.axhline(0, color="#555555", linewidth=0.8)
    _style(ax_b)
    _plain_y(ax_b)
    ax_b.set_xticks(x, ticks, fontsize=10)
    ax_b.set_ylabel("£ of wellbeing value\nper £1 spent", fontsize=10)
    ax_b.set_title("Benefit-cost ratio at three values of a WELLBY", fontsize=11, loc="left")
    ax_b.margins(y=0.2)
    ax_b.legend(fontsize=9, frameon=False, ncol=2, loc="upper right")
    alt = (
        "Two bar charts. Top: WELLBYs gained by each scenario with 95% intervals: "
        + "; ".join(f"{n} {_triple_text(w)}" for n, w in zip(names, wellbys, strict=True))
        + ". Bottom: benefit-cost ratio of each scenario at three values of a WELLBY, with a "
        "dashed line at 1 (break-even): "
        + "; ".join(
            f"{n} " + ", ".join(_ratio((scenarios[n].get("bcr") or {}).get(k)) for k in keys)
            for n in names
        )
        + "."
    )
    caption = (
        "Top: wellbeing gained over the whole period, in WELLBYs (one WELLBY is one point "
        "of life satisfaction for one person for one year). Bottom: pounds of wellbeing "
        "value per pound spent; above the dashed line at 1, the benefit is larger than the "
        "cost."
    )
    return _figure_html(fig, alt, caption)


def _triple_text(t: dict | None) -> str:
    mean, interval = _triple_parts(t)
    return f"{mean} (95% interval {interval})" if interval else f"{mean} (no interval)"


def _wellby_values(comparison: dict) -> dict:
    values = comparison.get("wellby_values_gbp") or {}
    return {
        "low": values.get("low", 10_000),
        "central": values.get("central", 13_000),
        "high": values.get("high", 16_000),
    }


# ----------------------------------------------------------------------------- sections


def _sentence(name: str, entry: dict, comparison: dict) -> str:
    cost = entry.get("cost_gbp")
    paid = _finite(cost) and cost > 0
    text = f"<strong>{_esc(name)}</strong> ({_esc(_money(cost)) if paid else 'no cost recorded'})"
    w = entry.get("wellbys") or {}
    mean, interval = _triple_parts(w)
    if not _finite(w.get("mean")):
        text += " has no WELLBY estimate"
    else:
        size = _esc(mean.lstrip(MINUS))
        if interval is None:
            ci = " (no interval: only one run)"
        else:
            zero = ", which includes no change" if _includes_zero(w) else ""
            ci = f" (95% interval {_esc(interval)}{zero})"
        verb = "gained" if w["mean"] > 0 else "lost" if w["mean"] < 0 else "changed by"
        text += f" {verb} {size} WELLBYs{ci}"
    text += f" over {_esc(_horizon(comparison.get('weeks')))}"
    cpw = entry.get("cost_per_wellby")
    if _finite(cpw):
        text += f", {_esc(_money(cpw))} per WELLBY"
    central = (entry.get("bcr") or {}).get("central")
    value = _wellby_values(comparison)["central"]
    if paid and _finite(central) and central > 0:
        text += f", returning {_esc(_money(central))} per £1 at {_esc(_money(value))} per WELLBY"
    elif paid and _finite(w.get("mean")) and w["mean"] <= 0:
        text += ", so it has no cost per WELLBY and no positive return"
    q1 = (entry.get("delta", {}).get("inactive_pct", {}).get("1") or {}).get("mean")
    if _finite(q1):
        d = _decimals([q1], 2, most=4)
        if round(q1, d) == 0:
            text += "; inactivity in the most deprived fifth was unchanged"
        else:
            verb = "fell" if q1 < 0 else "rose"
            text += (
                f"; inactivity in the most deprived fifth {verb} by "
                f"{_esc(_num(abs(q1), d))} percentage points"
            )
    return text + "."


def _residents_label(residents) -> str:
    return f"{_num(residents, 0)} residents" if _finite(residents) else "each scenario's own town"


def _town_phrase(residents) -> str:
    if _finite(residents):
        return f"in a simulated town of {_esc(_num(residents, 0))} residents"
    return "each in its own simulated place (with the baseline's interventions there)"


def _summary(comparison: dict) -> str:
    scenarios = comparison.get("scenarios", {})
    residents = comparison.get("residents")
    reps = comparison.get("replicates")
    intro = (
        f"This report compares {len(scenarios)} scenario{'s' if len(scenarios) != 1 else ''} "
        f"with the baseline <strong>{_esc(comparison.get('baseline', 'baseline'))}</strong> "
        f"{_town_phrase(residents)} over "
        f"{_esc(_horizon(comparison.get('weeks')))}, using "
        f"{'one run' if reps == 1 else _esc(_num(reps, 0)) + ' runs'} of each. "
    )
    sentences = " ".join(_sentence(n, e, comparison) for n, e in scenarios.items())
    warnings = [w for e in scenarios.values() for w in (e.get("warnings") or [])]
    if warnings:
        items = "".join(f"<li>{_esc(w['text'] if isinstance(w, dict) else w)}</li>" for w in warnings)
        box = (
            '<aside class="warning" role="note" aria-labelledby="warn-title">'
            '<h3 id="warn-title"><span aria-hidden="true">\u26a0 </span>Warnings: scenarios '
            "that widen the gap between the most and least deprived</h3>"
            f'<ul>{items}</ul><p class="small">Each warning gives the size of the change in '
            "the gap at the end of the period, in the outcome's own units (percentage points, "
            "or points on the 0-10 life satisfaction scale). Where the 95% interval includes "
            "no change, the widening may be down to chance; very small numbers are unlikely to "
            "matter in practice, but the direction is worth checking before scaling up.</p>"
            "</aside>"
        )
    else:
        box = (
            '<aside class="all-clear" role="note"><p>No scenario widened the gap between the '
            "most and least deprived fifth of neighbourhoods on any of the outcomes checked "
            "(inactivity, being active, life satisfaction and loneliness).</p></aside>"
        )
    return (
        f'<section id="summary"><h2>Summary</h2><p class="lead">{intro}{sentences}</p>'
        f"{box}</section>"
    )


def _headline_table(comparison: dict) -> str:
    scenarios = comparison.get("scenarios", {})
    values = _wellby_values(comparison)
    head = (
        '<tr><th scope="col" rowspan="2" class="left">Scenario</th>'
        '<th scope="col" rowspan="2" class="left">Description</th>'
        '<th scope="col" rowspan="2">Cost</th>'
        '<th scope="col" rowspan="2">WELLBYs gained<br>(95% interval)</th>'
        '<th scope="col" rowspan="2">Cost per WELLBY</th>'
        '<th scope="colgroup" colspan="3" class="group">Benefit-cost ratio, valuing a WELLBY at'
        "</th>"
        '<th scope="col" rowspan="2">People moved out of inactivity<br>(95% interval)</th>'
        '<th scope="col" rowspan="2">Change in the inactivity gap, quintile 1 minus 5<br>'
        "(percentage points)</th>"
        '<th scope="col" rowspan="2">Change in the SII for life satisfaction<br>'
        "(points, 0-10 scale)</th></tr><tr>"
        + "".join(
            f'<th scope="col">{_esc(_money(values[k]))}</th>' for k in ("low", "central", "high")
        )
        + "</tr>"
    )
    rows = []
    for name, e in scenarios.items():
        bcr = e.get("bcr") or {}
        gap = (e.get("delta_gap") or {}).get("inactive_pct")
        sii = (e.get("delta_sii") or {}).get("life_satisfaction_mean")
        rows.append(
            f'<tr><th scope="row">{_esc(name)}</th><td class="desc">{_esc(e.get("description", ""))}'
            f"</td><td>{_esc(_money(e.get('cost_gbp')))}</td>"
            f"<td>{_triple_cell(e.get('wellbys'))}</td>"
            f"<td>{_esc(_money(e.get('cost_per_wellby')))}</td>"
            + "".join(f"<td>{_esc(_ratio(bcr.get(k)))}</td>" for k in ("low", "central", "high"))
            + f"<td>{_triple_cell(e.get('moved_out_of_inactivity'), sig=2)}</td>"
            f"<td>{_triple_cell(gap, note=_direction('inactive_pct', (gap or {}).get('mean'), 'gap'))}</td>"
            f"<td>{_triple_cell(sii, note=_direction('life_satisfaction_mean', (sii or {}).get('mean'), 'sii'))}</td>"
            "</tr>"
        )
    return (
        '<section id="headline"><h2>Headline results</h2>'
        '<div class="table-wrap" role="region" aria-label="Headline results table" tabindex="0">'
        "<table><caption>Each scenario compared with the baseline over "
        f"{_esc(_horizon(comparison.get('weeks')))}. Smaller grey figures are 95% intervals."
        f"</caption><thead>{head}</thead><tbody>{''.join(rows)}</tbody></table></div>"
        '<p class="note">A benefit-cost ratio above 1 means the wellbeing gained is worth more '
        "than the cost. Cost per WELLBY and benefit-cost ratios are based on the average WELLBYs "
        "gained; they are n/a when nothing was spent or no wellbeing was gained. "
        "\u201cWidens\u201d and \u201cnarrows\u201d follow the convention of the warnings above: "
        "the most deprived fifth is taken to start worse off.</p></section>"
    )


def _series_section(comparison: dict) -> str:
    figures = [f for f in (_series_figure(comparison, m) for m in SERIES_METRICS) if f]
    if not figures:
        return ""
    bands = (
        ""
        if _any_interval(comparison)
        else (" With a single run there are no intervals, so no bands are drawn.")
    )
    return (
        '<section id="over-time"><h2>Change over time</h2><p>How each scenario moves the '
        "town away from the baseline, week by week, for the whole town and for the most and "
        f"least deprived fifth of neighbourhoods.{bands}</p>" + "".join(figures) + "</section>"
    )


def _any_interval(comparison: dict) -> bool:
    return any(_has_interval(e.get("wellbys")) for e in comparison.get("scenarios", {}).values())


def _quintile_section(comparison: dict) -> str:
    figure = _quintile_figure(comparison)
    if not figure:
        return ""
    return (
        '<section id="by-quintile"><h2>Outcomes by deprivation quintile</h2><p>Who '
        "benefits: the change at the end of the period in each fifth of neighbourhoods, "
        "ranked by the Index of Multiple Deprivation. For inactivity and loneliness a fall "
        "(below zero) is good; for being active and life satisfaction a rise is good.</p>"
        f"{figure}</section>"
    )


def _sii_direction(comparison: dict) -> str:
    method = comparison.get("method") or ""
    start = method.find("SII is")
    return method[start:] if start >= 0 else ""


def _gap_section(comparison: dict) -> str:
    figure = _gap_figure(comparison)
    if not figure:
        return ""
    direction = _sii_direction(comparison)
    return (
        '<section id="gap"><h2>Change in the gap and in the slope index of inequality</h2>'
        "<p>The <strong>gap</strong> is the value in the most deprived fifth (quintile 1) minus "
        "the value in the least deprived fifth (quintile 5); a positive change means quintile 1 "
        "rose relative to quintile 5. The <strong>slope index of inequality (SII)</strong> "
        "uses all five fifths and runs the other way: "
        f"{_esc(direction) if direction else 'see the method in How sure are we.'} So for the "
        "same outcome the gap and the SII usually move in opposite directions, and they can "
        "disagree when the middle fifths change differently from the two ends. Under each chart "
        "the arrows say which direction is better for the most deprived.</p>"
        f"{figure}</section>"
    )


def _value_section(comparison: dict) -> str:
    figure = _value_figure(comparison)
    if not figure:
        return ""
    values = _wellby_values(comparison)
    return (
        '<section id="value"><h2>Costs and WELLBYs</h2><p>A WELLBY is one point of life '
        "satisfaction (on a 0 to 10 scale) for one person for one year. Following HM Treasury "
        f"Green Book wellbeing guidance it is valued at {_esc(_money(values['central']))}, "
        f"with a range of {_esc(_money(values['low']))} to {_esc(_money(values['high']))}.</p>"
        f"{figure}</section>"
    )


def _certainty_section(comparison: dict) -> str:
    reps = comparison.get("replicates")
    seeds = comparison.get("seeds") or []
    one = not _finite(reps) or reps < 2
    if one:
        intervals = (
            "<p><strong>Only one run was made, so no intervals can be calculated</strong> "
            "(they are shown as n/a and no bands are drawn). The numbers are a single draw and "
            "could change noticeably with another run: run at least 10 replicates before "
            "relying on them.</p>"
        )
    else:
        intervals = (
            "<p><strong>What the 95% intervals mean.</strong> Each run of the model has chance "
            "in it: who meets whom, who tries a group, who drops out. The intervals show how much "
            "the results varied between runs with different random seeds. Roughly, if the whole "
            "set of runs were repeated many times, 95 in 100 intervals worked out this way would "
            "contain the average effect the model gives over unlimited runs. When an interval "
            "spans zero, the model cannot tell the scenario's effect on that outcome apart from "
            "chance. Intervals narrow with more replicates.</p>"
        )
    return (
        '<section id="certainty"><h2>How sure are we</h2>'
        f"<p>Each scenario and the baseline were run "
        f"{'once' if reps == 1 else _esc(_num(reps, 0)) + ' times'}, with random seed"
        f"{'s' if len(seeds) != 1 else ''} {_esc(', '.join(map(str, seeds)) or 'n/a')}"
        ". Every scenario used the same seeds as the baseline, starting from the same simulated "
        "town, so each difference compares like with like: the same residents, the same chance "
        "events, with and without the interventions.</p>"
        f"{intervals}"
        f'<p class="method"><strong>Method, as recorded by the tool:</strong> '
        f"{_esc(comparison.get('method') or 'n/a')}</p>"
        "<p><strong>Caveats.</strong> This is a simulation, not a forecast. How much each "
        "intervention changes behaviour, wellbeing and loneliness is an assumption taken from "
        "published evidence, each with a plausible range; these are not estimates from a "
        "controlled trial in this town, and the intervals above do not include uncertainty "
        "about them, which is usually larger. WELLBYs are undiscounted: a gain in the third year "
        "counts the same as one in the first. Costs are as entered in each scenario. Use the "
        "results to compare options and spot risks to the most deprived, not as precise "
        "predictions.</p></section>"
    )


def _provenance_section(comparison: dict) -> str:
    base = comparison.get("provenance") or {}
    scenarios = comparison.get("scenarios", {})
    rows = [
        ("Package version", base.get("package_version")),
        ("Git revision", base.get("git_revision") or "n/a (not a git checkout)"),
        ("Baseline", comparison.get("baseline")),
        (
            f"Scenario hash: {comparison.get('baseline', 'baseline')} (baseline)",
            base.get("scenario_hash"),
        ),
    ]
    rows += [
        (f"Scenario hash: {n}", (e.get("provenance") or {}).get("scenario_hash"))
        for n, e in scenarios.items()
    ]
    rows += [
        ("Replicates", comparison.get("replicates")),
        ("Seeds", ", ".join(map(str, comparison.get("seeds") or [])) or "n/a"),
        ("Residents", _num(comparison.get("residents"), 0)),
        ("Weeks simulated", comparison.get("weeks")),
    ]
    table = "".join(
        f'<tr><th scope="row">{_esc(k)}</th><td><code>{_esc(v if v is not None else "n/a")}'
        "</code></td></tr>"
        for k, v in rows
    )
    params = base.get("parameters") or {}
    param_rows = "".join(
        f'<tr><th scope="row"><code>{_esc(k)}</code></th><td><code>{_esc(v)}</code></td></tr>'
        for k, v in params.items()
    )
    differ = []
    for n, e in scenarios.items():
        other = (e.get("provenance") or {}).get("parameters")
        if other and other != params:
            keys = sorted(set(other) | set(params), key=str)
            diff = ", ".join(
                f"{k} = {other.get(k, 'n/a')}" for k in keys if other.get(k) != params.get(k)
            )
            differ.append(f"<li>{_esc(n)}: {_esc(diff)}</li>")
    differ_html = (
        (f"<p>Scenarios whose parameters differ from the baseline:</p><ul>{''.join(differ)}</ul>")
        if differ
        else ("<p>All scenarios share these parameters.</p>" if scenarios and params else "")
    )
    return (
        '<section id="provenance"><h2>Provenance</h2><p>What produced these results, so they can '
        "be reproduced exactly.</p>"
        f'<table class="prov"><tbody>{table}</tbody></table>'
        f"<details><summary>All model parameters ({len(params)})</summary>{differ_html}"
        '<table class="params"><thead><tr><th scope="col">Parameter</th><th scope="col">Value'
        f"</th></tr></thead><tbody>{param_rows}</tbody></table></details></section>"
    )


CSS = """
:root { --ink: #1b1b1b; --muted: #555; --line: #d0d0d0; --accent: #0072B2; }
* { box-sizing: border-box; }
body { margin: 0; background: #fff; color: var(--ink);
  font: 17px/1.55 "Segoe UI", "Helvetica Neue", Arial, "Liberation Sans", sans-serif; }
main { max-width: 1180px; margin: 0 auto; padding: 1.5rem 1.5rem 4rem; }
h1 { font-size: 1.9rem; line-height: 1.25; margin: 0 0 .3rem; }
h2 { font-size: 1.4rem; margin: 2.4rem 0 .6rem; padding-top: .6rem;
  border-top: 3px solid var(--accent); }
h3 { font-size: 1.1rem; margin: 0 0 .5rem; }
.meta { color: var(--muted); margin: 0 0 1rem; }
.lead { font-size: 1.05rem; }
nav ol { columns: 2; margin: .4rem 0 0; padding-left: 1.4rem; }
nav a, a { color: #005a8c; }
.warning { background: #fff4d6; border: 2px solid #b36b00; border-left-width: 10px;
  border-radius: 4px; padding: .9rem 1.2rem; margin: 1.2rem 0; color: #3d2600; }
.warning ul { margin: .3rem 0 0; padding-left: 1.3rem; }
.warning li { margin: .25rem 0; }
.warning .small { font-size: .9rem; margin: .6rem 0 0; }
.all-clear { background: #eef6f1; border-left: 10px solid #009E73; border-radius: 4px;
  padding: .6rem 1.2rem; margin: 1.2rem 0; }
.table-wrap { overflow-x: auto; border: 1px solid var(--line); border-radius: 4px; }
table { border-collapse: collapse; width: 100%; font-size: .88rem; }
caption { text-align: left; padding: .5rem .6rem; color: var(--muted); caption-side: top; }
th, td { padding: .45rem .55rem; border-bottom: 1px solid var(--line); vertical-align: top;
  text-align: right; }
thead th { background: #eef3f8; text-align: right; font-weight: 600; vertical-align: bottom; }
thead th.left, tbody th, td.desc { text-align: left; }
thead th.group { text-align: center; border-bottom: 1px solid #9bb; }
tbody th { min-width: 7rem; overflow-wrap: anywhere; }
tbody tr:nth-child(even) { background: #fafafa; }
td.desc { min-width: 12rem; }
.ci { display: block; color: var(--muted); font-size: .85em; white-space: nowrap; }
.tag { display: block; font-size: .8em; font-style: italic; color: var(--muted); }
.note { color: var(--muted); font-size: .92rem; }
figure { margin: 1.4rem 0; }
figure img { display: block; width: 100%; height: auto; border: 1px solid #eee; }
figcaption { color: var(--muted); font-size: .92rem; margin-top: .4rem; }
.method { background: #f4f6f8; border-left: 4px solid #999; padding: .6rem 1rem; }
table.prov, table.params { width: auto; min-width: 50%; }
table.prov td, table.params td, table.prov th, table.params th { text-align: left; }
code { font-family: "DejaVu Sans Mono", Consolas, monospace; font-size: .9em;
  word-break: break-all; }
details { margin-top: 1rem; }
summary { cursor: pointer; font-weight: 600; }
@media print {
  body { font-size: 11pt; }
  h2 { break-after: avoid; }
  figure, table, .warning { break-inside: avoid; }
  details > *:not(summary) { display: block; }
}
"""


TITLES = {
    "summary": "Summary",
    "headline": "Headline results",
    "over-time": "Change over time",
    "by-quintile": "Outcomes by deprivation quintile",
    "gap": "Change in the gap and in the SII",
    "value": "Costs and WELLBYs",
    "certainty": "How sure are we",
    "provenance": "Provenance",
}


def render_report(comparison: dict, today: datetime.date | None = None) -> str:
    """The report as one HTML string (see write_report)."""
    today = today or datetime.date.today()
    n = len(comparison.get("scenarios", {}))
    title = (
        f"Community health scenarios compared with the baseline: {n} scenario"
        f"{'s' if n != 1 else ''}"
    )
    date = f"{today.day} {today:%B %Y}"
    sections = [
        _summary(comparison),
        _headline_table(comparison),
        _series_section(comparison),
        _quintile_section(comparison),
        _gap_section(comparison),
        _value_section(comparison),
        _certainty_section(comparison),
        _provenance_section(comparison),
    ]
    links = "".join(
        f'<li><a href="#{key}">{_esc(text)}</a></li>'
        for key, text in TITLES.items()
        if any(s.startswith(f'<section id="{key}"') for s in sections)
    )
    header = (
        f'<header><h1>{_esc(title)}</h1><p class="meta">Report produced {_esc(date)} by '
        f"healthgap {_esc((comparison.get('provenance') or {}).get('package_version', ''))} "
        f"· baseline <strong>{_esc(comparison.get('baseline', 'baseline'))}</strong> · "
        f"{_esc(_residents_label(comparison.get('residents')))} · "
        f"{_esc(_horizon(comparison.get('weeks')))}</p></header>"
        f'<nav aria-label="Contents"><strong>Contents</strong><ol>{links}</ol></nav>'
    )
    return (
        '<!DOCTYPE html>\n<html lang="en-GB"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{_esc(title)}</title><style>{CSS}</style></head>"
        f"<body><main>{header}{''.join(sections)}</main></body></html>\n"
    )


def write_report(comparison, path: Path) -> None:
    """Write the comparison (as built by experiments.compare.summarise) to one report.html.

    `path` is the file to write; if it is an existing directory, report.html is written inside
    it. The page is self-contained: styles inline, charts as base64 PNG data URIs.
    """
    path = Path(path)
    if path.is_dir():
        path = path / "report.html"
    path.parent.mkdir(parents=True, exist_ok=True)
    data = comparison if isinstance(comparison, dict) else comparison.to_dict()
    path.write_text(render_report(data), encoding="utf-8")
