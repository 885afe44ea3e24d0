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
SII_DIRECTION = (
    "SII is the fitted value for the least deprived (x=1) minus the most deprived (x=0); "
    "negative means the indicator is lower in less deprived places. RII is fitted(1) / fitted(0)."
)


def slope_index(values, population) -> tuple[float, float]:
    """Slope and Relative Index of Inequality (Low & Low 2004, as used by PHE/OHID).

    `values` and `population` are ordered from most to least deprived group.
    Each group's relative rank x is the population share of all more deprived
    groups plus half its own. A straight line is fitted to the values by
    least squares weighted by population share. Returns (SII, RII) where
    SII = fitted(1) - fitted(0) and RII = fitted(1) / fitted(0): see SII_DIRECTION.
    """
    y = np.asarray(values, dtype=float)
    w = np.asarray(population, dtype=float)
    keep = w > 0
    y, w = y[keep], w[keep]
    if len(y) < 2:
        return float("nan"), float("nan")
    share = w / w.sum()
    x = np.cumsum(share) - share / 2
    x_mean, y_mean = share @ x, share @ y
    slope = share @ ((x - x_mean) * (y - y_mean)) / (share @ (x - x_mean) ** 2)
    at_zero = y_mean - slope * x_mean
    at_one = at_zero + slope
    rii = at_one / at_zero if at_zero != 0 else float("nan")
    return float(slope), float(rii)


def decile_sums(model: HealthgapModel) -> tuple[np.ndarray, np.ndarray]:
    """Per IMD decile: the sum of each metric's per-person value, and head counts."""
    p = model.people
    minutes = p.activity_minutes
    per_person = {
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
    index = p.decile.astype(np.intp) - 1
    sums = np.stack(
        [np.bincount(index, weights=per_person[m], minlength=10) for m in METRIC_NAMES], axis=1
    )
    counts = np.bincount(index, minlength=10).astype(float)
    return sums, counts


def values_from_sums(sums: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """Metric values from summed per-person values (percentages scaled to 0-100)."""
    scale = np.array([100.0 if METRICS[m][1] else 1.0 for m in METRIC_NAMES])
    with np.errstate(invalid="ignore", divide="ignore"):
        return sums / counts[..., None] * scale


def by_quintile(sums: np.ndarray, counts: np.ndarray) -> dict[str, np.ndarray]:
    """Metric values for the whole town ("all") and each quintile ("1" most deprived to "5")."""
    out = {"all": values_from_sums(sums.sum(axis=0), counts.sum())}
    for q in range(5):
        rows = slice(2 * q, 2 * q + 2)
        out[str(q + 1)] = values_from_sums(sums[rows].sum(axis=0), counts[rows].sum())
    return out


def inequality(sums: np.ndarray, counts: np.ndarray) -> dict[str, dict[str, float]]:
    """SII and RII over deciles, and the quintile 1 minus quintile 5 gap, for each metric."""
    deciles = values_from_sums(sums, counts)
    quintiles = by_quintile(sums, counts)
    out: dict[str, dict[str, float]] = {"sii": {}, "rii": {}, "gap": {}}
    for j, m in enumerate(METRIC_NAMES):
        sii, rii = slope_index(np.nan_to_num(deciles[:, j]), counts)
        out["sii"][m], out["rii"][m] = sii, rii
        out["gap"][m] = float(quintiles["1"][j] - quintiles["5"][j])
    return out
