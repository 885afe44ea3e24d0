"""Outcomes by IMD quintile and overall, the quintile gap, and the Slope and Relative Index of Inequality."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from . import evidence

if TYPE_CHECKING:
    from .model import HealthgapModel

# name -> (description, is a percentage)
METRICS: dict[str, tuple[str, bool]] = {
    "inactive_pct": ("inactive: under 30 minutes a week (%)", True),
    "fairly_active_pct": ("fairly active: 30-149 minutes a week (%)", True),
    "active_pct": ("active: 150+ minutes a week (%)", True),
    "life_satisfaction_mean": ("mean life satisfaction (0-10)", False),
    "low_life_satisfaction_pct": ("low life satisfaction: 0-4 (%)", True),
    "lonely_pct": ("often or always lonely (%)", True),
    "ties_mean": ("mean friendship ties", False),
    "attendance_pct": ("went to a community group this week (%)", True),
    "activity_minutes_mean": ("mean activity minutes a week", False),
}
METRIC_NAMES = tuple(METRICS)
SII_METRICS = ("life_satisfaction_mean", "inactive_pct", "active_pct", "lonely_pct")
# The gap is quintile 1 minus quintile 5. +1: a rise in it is a widening; -1: a fall is.
GAP_WIDENS_WHEN = {
    "inactive_pct": +1,
    "life_satisfaction_mean": -1,
    "active_pct": -1,
    "lonely_pct": +1,
}
SII_DIRECTION = (
    "SII is the fitted value for the least deprived (x=1) minus the most deprived (x=0); "
    "negative means the indicator is lower in less deprived places. RII is fitted(1) / fitted(0)."
)


def slope_index(values, population) -> tuple:
    """Slope and Relative Index of Inequality (Low & Low 2004, as used by PHE/OHID).

    `values` and `population` are ordered from most to least deprived group.
    Each group's relative rank x is the population share of all more deprived
    groups plus half its own. A straight line is fitted to the values by
    least squares weighted by population share. Returns (SII, RII) where
    SII = fitted(1) - fitted(0) and RII = fitted(1) / fitted(0): see SII_DIRECTION.
    `values` may have a second axis (several indicators at once); then arrays are returned.
    """
    y = np.asarray(values, dtype=float)
    w = np.asarray(population, dtype=float)
    keep = w > 0
    y, w = y[keep], w[keep]
    if len(w) < 2:
        nan = np.full(y.shape[1:], np.nan)
        return (float("nan"), float("nan")) if y.ndim == 1 else (nan, nan)
    share = w / w.sum()
    x = np.cumsum(share) - share / 2
    x_mean, y_mean = share @ x, share @ y
    centred = x - x_mean
    slope = (share * centred) @ (y - y_mean) / (share @ centred**2)
    at_zero = y_mean - slope * x_mean
    with np.errstate(invalid="ignore", divide="ignore"):
        rii = np.where(at_zero != 0, (at_zero + slope) / at_zero, np.nan)
    if y.ndim == 1:
        return float(slope), float(rii)
    return slope, rii


def decile_sums(model: HealthgapModel) -> tuple[np.ndarray, np.ndarray]:
    """Per IMD decile: the sum of each metric's per-person value, and head counts."""
    p = model.people
    minutes = p.activity_minutes
    columns = {
        "inactive_pct": minutes < evidence.FAIRLY_ACTIVE_MINUTES,
        "fairly_active_pct": (minutes >= evidence.FAIRLY_ACTIVE_MINUTES)
        & (minutes < evidence.ACTIVE_MINUTES),
        "active_pct": minutes >= evidence.ACTIVE_MINUTES,
        "life_satisfaction_mean": p.life_satisfaction,
        "low_life_satisfaction_pct": p.life_satisfaction < evidence.LOW_LIFE_SATISFACTION_BELOW,
        "lonely_pct": p.lonely,
        "ties_mean": model.ties_per_person,
        "attendance_pct": p.attended >= 0,
        "activity_minutes_mean": minutes,
    }
    # Residents are stored neighbourhood by neighbourhood: sum each block, then by decile.
    by_neighbourhood = np.stack(
        [
            np.add.reduceat(columns[name], model.block_starts, dtype=np.float64)
            for name in METRIC_NAMES
        ],
        axis=1,
    )
    sums = np.zeros((10, len(METRIC_NAMES)))
    np.add.at(sums, model.block_decile, by_neighbourhood)
    counts = np.bincount(model.block_decile, weights=model.block_sizes, minlength=10)
    return sums, counts


def values_from_sums(sums: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """Metric values from summed per-person values (percentages scaled to 0-100)."""
    scale = np.array([100.0 if METRICS[m][1] else 1.0 for m in METRIC_NAMES])
    with np.errstate(invalid="ignore", divide="ignore"):
        return sums / counts[..., None] * scale


QUINTILE_ROWS = {"all": slice(0, 10), **{str(q + 1): slice(2 * q, 2 * q + 2) for q in range(5)}}


def by_quintile(sums: np.ndarray, counts: np.ndarray) -> dict[str, np.ndarray]:
    """Metric values for the whole town ("all") and each quintile ("1" most deprived to "5").

    `sums` is (..., 10 deciles, metrics) and `counts` (..., 10): leading axes (steps) are kept.
    """
    return {
        group: values_from_sums(sums[..., rows, :].sum(axis=-2), counts[..., rows].sum(axis=-1))
        for group, rows in QUINTILE_ROWS.items()
    }


def inequality(sums: np.ndarray, counts: np.ndarray) -> dict[str, dict[str, np.ndarray]]:
    """SII and RII over deciles, and the quintile 1 minus quintile 5 gap, for each SII metric.

    Works on one step ((10, metrics) sums) or many ((steps, 10, metrics)).
    """
    deciles = np.nan_to_num(values_from_sums(sums, counts))  # (..., 10, metrics)
    quintiles = by_quintile(sums, counts)
    population = counts.reshape(-1, 10)[0]
    out: dict[str, dict[str, np.ndarray]] = {"sii": {}, "rii": {}, "gap": {}}
    for name in SII_METRICS:
        j = METRIC_NAMES.index(name)
        column = np.moveaxis(deciles[..., j], -1, 0)  # (10, ...)
        sii, rii = slope_index(column.reshape(10, -1), population)
        shape = column.shape[1:]
        out["sii"][name] = np.asarray(sii).reshape(shape)
        out["rii"][name] = np.asarray(rii).reshape(shape)
        out["gap"][name] = quintiles["1"][..., j] - quintiles["5"][..., j]
    return out


def history_arrays(model: HealthgapModel) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A run's recorded weeks stacked: decile sums (steps, 10, metrics), counts, open groups."""
    sums = np.stack([h[0] for h in model.history])
    counts = np.stack([h[1] for h in model.history])
    open_groups = np.array([h[2] for h in model.history])
    return sums, counts, open_groups
