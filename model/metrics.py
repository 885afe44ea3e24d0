"""Every outcome the model reports, declared once, and the one way from a run's history to results.

A metric is one `Metric` entry in `METRICS`: its name, plain-language label, unit,
which way is better, whether the inequality measures (gap, SII, RII) apply, how
it is measured on a model and, if not every resident, whom it is measured among.
Tables, summaries, the command line, the report and the app all read this
registry, so a new metric is one entry here.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING

import numpy as np

from . import evidence
from .groups import TYPE_NAMES
from .health import AGE_55_74

if TYPE_CHECKING:
    import pandas as pd

    from .model import HealthgapModel


@dataclass(frozen=True)
class Metric:
    """One outcome: how it is measured and how people read it."""

    name: str
    label: str  # plain words, for tables and charts
    short: str  # a noun phrase for sentences ("the gap in inactivity")
    unit: str  # of the value: "%", "0-10", "ties"...
    change_unit: str  # of a difference: "percentage points", "points on the 0-10 scale"...
    higher_is_better: bool | None  # None: neither (e.g. fairly active)
    measure: Callable[[HealthgapModel], np.ndarray]  # per resident (town: one number)
    percent: bool = False  # the share of residents for whom `measure` is true, in %
    inequality: bool = False  # the gap, SII and RII are reported for it
    summary: bool = True  # in summary tables
    town: bool = False  # a count for the whole town, not a per-resident mean
    # Smaller changes in a gap are not worth a warning (assumption: a judgement of practical
    # importance, stated in the report).
    important_change: float = 0.0
    # Whom it is measured among, a per-resident mask (e.g. adults without a car): its means,
    # shares, gap and SII count only them. None: every resident.
    among: Callable[[HealthgapModel], np.ndarray] | None = None
    # Measured on children aged 5-16 (`model.children`), one value per child, not on adults.
    children: bool = False

    @property
    def heading(self) -> str:
        """A table row's heading: "Inactivity (%)", "Friendship ties"."""
        unit = "" if self.unit in self.short else f" ({self.unit})"
        return f"{self.short[:1].upper()}{self.short[1:]}{unit}"

    @property
    def counted(self) -> tuple:
        """Whom it counts: metrics that count the same people share their head counts."""
        return (self.children, self.among)

    @property
    def gap_widens_when(self) -> int:
        """+1 if a rise in the gap (quintile 1 minus 5) widens it, -1 if a fall does, 0 if neither."""
        if self.higher_is_better is None:
            return 0
        return -1 if self.higher_is_better else 1


def _minutes(model: HealthgapModel) -> np.ndarray:
    return model.people.activity_minutes


def _children_minutes(model: HealthgapModel) -> np.ndarray:
    return model.children.minutes


def _without_car(model: HealthgapModel) -> np.ndarray:
    """Adults without a car (every resident is an adult)."""
    return ~model.people.car


def _aged_55_74(model: HealthgapModel) -> np.ndarray:
    """Adults aged 55-74 (the model's band nearest the Census's 55-59)."""
    return model.people.age_band == AGE_55_74


def _open_within_reach(model: HealthgapModel, homes: np.ndarray, driven=False) -> np.ndarray:
    """(homes, groups): the group is open and within `evidence.ACCESS_MINUTES` of each home
    without a car, walking or by bus, or (`driven`) by car where a volunteer scheme drives."""
    within = model.minutes_to_group[0][homes] <= evidence.ACCESS_MINUTES
    if driven:
        venue = model.groups.venue
        within |= model.driven_routes[homes][:, venue] & (
            model.minutes_to_group[1][homes] <= evidence.ACCESS_MINUTES
        )
    return within & model.groups.open


def access_per_resident(model: HealthgapModel, reduce) -> np.ndarray:
    """`reduce` (rows of `_open_within_reach` to values) for each resident: their
    neighbourhood's, or their own where a volunteer scheme drives them."""
    by_home = reduce(_open_within_reach(model, np.arange(model.town.n)))
    values = np.repeat(by_home, model.block_sizes, axis=0)
    driven = np.flatnonzero(model.people.driven)
    if len(driven):
        homes = model.people.neighbourhood[driven]
        values[driven] = reduce(_open_within_reach(model, homes, driven=True))
    return values


def _kinds_within(within: np.ndarray, model: HealthgapModel) -> np.ndarray:
    """(rows, kinds): a group of each kind is within reach."""
    of_kind = model.groups.kind == np.arange(len(TYPE_NAMES))[:, None]  # (kinds, groups)
    return (within.astype(np.int32) @ of_kind.T.astype(np.int32)) > 0


def _share_of_kinds_within(model: HealthgapModel) -> np.ndarray:
    """Per resident: the share of the kinds of group open in the town within reach."""
    kinds_open = np.unique(model.groups.kind[model.groups.open])
    if len(kinds_open) == 0:
        return np.zeros(model.people.n)
    return access_per_resident(
        model, lambda within: _kinds_within(within, model)[:, kinds_open].mean(axis=1)
    )


def _groups_within(model: HealthgapModel) -> np.ndarray:
    """Per resident: the open groups within reach."""
    return access_per_resident(model, lambda within: np.count_nonzero(within, axis=1))


PP = "percentage points"
METRICS: dict[str, Metric] = {
    m.name: m
    for m in (
        Metric(
            "inactive_pct",
            "Inactive: under 30 minutes of activity a week",
            "inactivity",
            "%",
            PP,
            False,
            lambda model: _minutes(model) < evidence.FAIRLY_ACTIVE_MINUTES,
            percent=True,
            inequality=True,
            important_change=0.5,
        ),
        Metric(
            "fairly_active_pct",
            "Fairly active: 30 to 149 minutes a week",
            "being fairly active",
            "%",
            PP,
            None,
            lambda model: (
                (_minutes(model) >= evidence.FAIRLY_ACTIVE_MINUTES)
                & (_minutes(model) < evidence.ACTIVE_MINUTES)
            ),
            percent=True,
        ),
        Metric(
            "active_pct",
            "Active: 150 minutes or more a week",
            "being active",
            "%",
            PP,
            True,
            lambda model: _minutes(model) >= evidence.ACTIVE_MINUTES,
            percent=True,
            inequality=True,
            important_change=0.5,
        ),
        Metric(
            "life_satisfaction_mean",
            "Mean life satisfaction (0 to 10)",
            "life satisfaction",
            "0-10",
            "points on the 0-10 scale",
            True,
            lambda model: model.people.life_satisfaction,
            inequality=True,
            important_change=0.02,
        ),
        Metric(
            "low_life_satisfaction_pct",
            "Low life satisfaction (0 to 4)",
            "low life satisfaction",
            "%",
            PP,
            False,
            lambda model: model.people.life_satisfaction < evidence.LOW_LIFE_SATISFACTION_BELOW,
            percent=True,
        ),
        Metric(
            "lonely_pct",
            "Often or always lonely",
            "loneliness",
            "%",
            PP,
            False,
            lambda model: model.people.lonely,
            percent=True,
            inequality=True,
            important_change=0.5,
        ),
        Metric(
            "very_good_health_pct",
            "Very good health: adults who would call their health very good",
            "very good health",
            "%",
            PP,
            True,
            lambda model: model.people.very_good_health,
            percent=True,
            inequality=True,
            important_change=0.5,
        ),
        # The Census's deprivation figures are for ages 55-59: this is what they are set beside.
        Metric(
            "very_good_health_55_74_pct",
            "Very good health, adults aged 55-74",
            "very good health at ages 55-74",
            "%",
            PP,
            True,
            lambda model: model.people.very_good_health,
            percent=True,
            summary=False,
            among=_aged_55_74,
        ),
        # Children aged 5-16, minutes a day against the Chief Medical Officers' 60 (Active Lives
        # CYP's categories). Not in the WELLBYs: those count adults' life satisfaction only.
        Metric(
            "children_active_pct",
            "Children 5-16 active: 60 minutes a day or more",
            "children being active",
            "%",
            PP,
            True,
            lambda model: _children_minutes(model) >= evidence.CHILDREN_ACTIVE_MINUTES,
            percent=True,
            inequality=True,
            important_change=0.5,
            children=True,
        ),
        Metric(
            "children_fairly_active_pct",
            "Children 5-16 fairly active: 30 to 59 minutes a day",
            "children being fairly active",
            "%",
            PP,
            None,
            lambda model: (
                (_children_minutes(model) >= evidence.CHILDREN_FAIRLY_ACTIVE_MINUTES)
                & (_children_minutes(model) < evidence.CHILDREN_ACTIVE_MINUTES)
            ),
            percent=True,
            children=True,
        ),
        Metric(
            "children_less_active_pct",
            "Children 5-16 less active: under 30 minutes a day",
            "children being less active",
            "%",
            PP,
            False,
            lambda model: _children_minutes(model) < evidence.CHILDREN_FAIRLY_ACTIVE_MINUTES,
            percent=True,
            inequality=True,
            important_change=0.5,
            children=True,
        ),
        Metric(
            "children_minutes_mean",
            "Children 5-16: mean minutes of activity a day",
            "children's activity minutes",
            "minutes a day",
            "minutes a day",
            True,
            _children_minutes,
            summary=False,
            children=True,
        ),
        Metric(
            "ties_mean",
            "Mean number of friendship ties",
            "friendship ties",
            "ties",
            "ties",
            True,
            lambda model: model.ties_per_person,
        ),
        Metric(
            "attendance_pct",
            "Went to a community group that week",
            "group attendance",
            "%",
            PP,
            True,
            lambda model: model.people.attended >= 0,
            percent=True,
        ),
        Metric(
            "activity_minutes_mean",
            "Mean minutes of activity a week",
            "activity minutes",
            "minutes a week",
            "minutes a week",
            True,
            _minutes,
            summary=False,
        ),
        Metric(
            "open_groups",
            "Community groups open",
            "open groups",
            "groups",
            "groups",
            True,
            lambda model: np.count_nonzero(model.groups.open),
            summary=False,
            town=True,
        ),
        # Access before anyone attends anything: what a transport lever changes. The 30 minutes
        # of the labels is evidence.ACCESS_MINUTES. The important changes are judgements
        # (assumption), like the others'.
        Metric(
            "reach_kinds_pct",
            "Without a car: kinds of group within 30 minutes",
            "access to kinds of group without a car",
            "%",
            PP,
            True,
            _share_of_kinds_within,
            percent=True,
            inequality=True,
            important_change=1.0,
            among=_without_car,
        ),
        Metric(
            "groups_reachable_mean",
            "Groups reachable within 30 minutes without a car",
            "groups reachable without a car",
            "groups",
            "groups",
            True,
            _groups_within,
            inequality=True,
            important_change=0.5,
            among=_without_car,
        ),
    )
}
RESIDENT_METRICS = tuple(m for m in METRICS.values() if not m.town)
TOWN_METRICS = tuple(m for m in METRICS.values() if m.town)
METRIC_NAMES = tuple(m.name for m in RESIDENT_METRICS)  # the columns of the decile sums
INEQUALITY_METRICS = tuple(m.name for m in RESIDENT_METRICS if m.inequality)
SUMMARY_METRICS = tuple(m.name for m in RESIDENT_METRICS if m.summary)
GROUPS = ("all", "1", "2", "3", "4", "5")  # the town, then IMD quintiles from most deprived
INEQUALITY_KINDS = ("sii", "rii", "gap")
SII_DIRECTION = (
    "SII is the fitted value for the least deprived (x=1) minus the most deprived (x=0); "
    "negative means the indicator is lower in less deprived places. RII is fitted(1) / fitted(0)."
)
QUINTILES_MEANING = "1 is the most deprived fifth of neighbourhoods (IMD), 5 the least"


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


# The one place a metric's `among` acts: its sums and its head counts leave others out.
def neighbourhood_sums(model: HealthgapModel, metric: Metric) -> np.ndarray:
    """Per neighbourhood: the sum of a resident metric's per-person value over those it counts."""
    values = metric.measure(model)
    if metric.children:
        where = model.children.neighbourhood
        return np.bincount(where, weights=values, minlength=model.town.n).astype(np.float64)
    if metric.among is not None:
        values = values * metric.among(model)  # as np.where(among, values, 0), but quicker
    # Residents are stored neighbourhood by neighbourhood: sum each block.
    return np.add.reduceat(values, model.block_starts, dtype=np.float64)


def neighbourhood_counts(model: HealthgapModel, metric: Metric) -> np.ndarray:
    """Per neighbourhood: how many residents a resident metric counts (its denominator)."""
    if metric.children:
        return np.bincount(model.children.neighbourhood, minlength=model.town.n)
    if metric.among is None:
        return model.block_sizes
    return np.add.reduceat(metric.among(model), model.block_starts, dtype=np.float64)


def neighbourhood_values(model: HealthgapModel, name: str) -> np.ndarray:
    """One resident metric for each neighbourhood this week (percentages in 0-100); NaN where
    it counts nobody (a metric among adults without a car, where everyone has one)."""
    metric = METRICS[name]
    scale = 100.0 if metric.percent else 1.0
    with np.errstate(invalid="ignore", divide="ignore"):
        return neighbourhood_sums(model, metric) / neighbourhood_counts(model, metric) * scale


def decile_sums(model: HealthgapModel) -> tuple[np.ndarray, np.ndarray]:
    """Per IMD decile: each resident metric's summed per-person values and head counts, both
    (10, metrics): a metric measured `among` some residents counts only them."""
    sums, counts = np.zeros((2, 10, len(RESIDENT_METRICS)))
    heads = {}  # head counts once for each kind of people counted (most count every adult)
    for metric in RESIDENT_METRICS:
        if metric.counted not in heads:
            heads[metric.counted] = neighbourhood_counts(model, metric)
    for total, by_neighbourhood in (
        (sums, [neighbourhood_sums(model, metric) for metric in RESIDENT_METRICS]),
        (counts, [heads[metric.counted] for metric in RESIDENT_METRICS]),
    ):
        np.add.at(total, model.block_decile, np.stack(by_neighbourhood, axis=1))
    return sums, counts


_SCALE = np.array([100.0 if m.percent else 1.0 for m in RESIDENT_METRICS])


def values_from_sums(sums: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """Metric values from summed per-person values and head counts, both (..., metrics)
    (percentages scaled to 0-100; NaN where a metric counts nobody)."""
    with np.errstate(invalid="ignore", divide="ignore"):
        return sums / counts * _SCALE


_ROWS = {"all": slice(0, 10), **{str(q + 1): slice(2 * q, 2 * q + 2) for q in range(5)}}


def by_group(sums: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """Metric values for each of `GROUPS` (the town, then quintiles 1-5): (..., 6, metrics).

    `sums` and `counts` are (..., 10 deciles, metrics): leading axes (steps) are kept.
    """
    return np.stack(
        [
            values_from_sums(sums[..., rows, :].sum(axis=-2), counts[..., rows, :].sum(axis=-2))
            for rows in _ROWS.values()
        ],
        axis=-2,
    )


def inequality(sums: np.ndarray, counts: np.ndarray) -> dict[str, np.ndarray]:
    """SII and RII over deciles, and the quintile 1 minus 5 gap, of each of `INEQUALITY_METRICS`.

    Works on many steps ((steps, 10, metrics) sums and counts): each kind is
    (steps, inequality metrics). The SII's weights are the residents each metric counts (as
    PHE weights by an indicator's denominator), who are the same every week.
    """
    columns = [METRIC_NAMES.index(name) for name in INEQUALITY_METRICS]
    deciles = np.nan_to_num(values_from_sums(sums, counts))[..., columns]  # (steps, 10, k)
    groups = by_group(sums, counts)[..., columns]  # (steps, 6, k)
    steps, _, k = deciles.shape
    sii, rii = np.empty((2, steps, k))
    # One fit for the metrics measured among the same people (every adult, for most).
    for counted in dict.fromkeys(METRICS[name].counted for name in INEQUALITY_METRICS):
        same = [j for j, name in enumerate(INEQUALITY_METRICS) if METRICS[name].counted == counted]
        population = counts[0, :, columns[same[0]]]
        fit = slope_index(np.moveaxis(deciles[..., same], 1, 0).reshape(10, -1), population)
        sii[:, same], rii[:, same] = (np.reshape(x, (steps, len(same))) for x in fit)
    return {"sii": sii, "rii": rii, "gap": groups[:, 1] - groups[:, 5]}


def accessibility_by_kind(model: HealthgapModel) -> pd.DataFrame:
    """This week, for the town and each IMD quintile (columns: `GROUPS`), the share (%) of adults
    without a car who can reach an open group within `evidence.ACCESS_MINUTES` (walking, by bus,
    or driven by a volunteer scheme): of any kind (the row "any"), then of each kind (rows:
    `groups.TYPE_NAMES`). NaN where a quintile has no adults without a car."""
    import pandas as pd

    reach = access_per_resident(
        model, lambda within: np.column_stack([within.any(axis=1), _kinds_within(within, model)])
    )
    decile = np.repeat(model.block_decile, model.block_sizes)
    without_car = _without_car(model)
    shares = {}
    for group, rows in _ROWS.items():
        counted = without_car & np.isin(decile, np.arange(10)[rows])
        with np.errstate(invalid="ignore"):
            shares[group] = 100.0 * reach[counted].mean(axis=0) if counted.any() else np.nan
    return pd.DataFrame(shares, index=pd.Index(["any", *TYPE_NAMES], name="kind"))


class History:
    """A run's record: each reported week's metric sums by IMD decile, kept once."""

    def __init__(self) -> None:
        self.weeks: list[int] = []
        self._sums: list[np.ndarray] = []
        self._counts: list[np.ndarray] = []
        self._town: list[np.ndarray] = []

    def record(self, model: HealthgapModel) -> None:
        """Add this week's sums."""
        sums, counts = decile_sums(model)
        self.weeks.append(model.week)
        self._sums.append(sums)
        self._counts.append(counts)
        self._town.append(np.array([float(m.measure(model)) for m in TOWN_METRICS]))

    def latest(self) -> dict[str, np.ndarray]:
        """The newest week's resident metrics (in `METRIC_NAMES` order) for each of `GROUPS`."""
        values = by_group(self._sums[-1], self._counts[-1])
        return dict(zip(GROUPS, values, strict=True))

    def value(self, name: str, group: str = "all") -> float:
        """The newest week's value of one metric, for the town or a quintile ("1"-"5")."""
        if name in METRIC_NAMES:
            return float(self.latest()[group][METRIC_NAMES.index(name)])
        return float(self._town[-1][_town_index(name)])

    def results(self) -> Results:
        """Everything recorded so far, as `Results`."""
        return Results(
            np.array(self.weeks), np.stack(self._sums), np.stack(self._counts), np.stack(self._town)
        )


@dataclass
class Results:
    """A run's outcomes, every recorded week: by group, inequality, and town counts.

    Built from a `History` (`model.results()`); the tidy table and the summary
    are views of the same arrays.
    """

    weeks: np.ndarray  # (steps,)
    sums: np.ndarray  # (steps, 10 deciles, resident metrics)
    counts: np.ndarray  # (steps, 10 deciles, resident metrics): whom each metric counts
    town: np.ndarray  # (steps, town metrics)

    @cached_property
    def values(self) -> np.ndarray:
        """Resident metrics by group: (steps, len(GROUPS), len(METRIC_NAMES))."""
        return by_group(self.sums, self.counts)

    @cached_property
    def inequality(self) -> dict[str, np.ndarray]:
        """ "sii", "rii" and "gap": (steps, len(INEQUALITY_METRICS)) each."""
        return inequality(self.sums, self.counts)

    def series(self, metric: str, group: str = "all") -> np.ndarray:
        """One metric week by week: a resident metric for a group, or a town count."""
        if metric in METRIC_NAMES:
            return self.values[:, GROUPS.index(group), METRIC_NAMES.index(metric)]
        return self.town[:, _town_index(metric)]

    def decile_series(self, metric: str, decile: int) -> np.ndarray:
        """One resident metric week by week in one IMD decile (1 = most deprived)."""
        j = METRIC_NAMES.index(metric)
        return values_from_sums(self.sums[:, decile - 1], self.counts[:, decile - 1])[:, j]

    def table(self, metrics: Iterable[str] | None = None) -> pd.DataFrame:
        """Tidy: one row per (step, quintile, metric, value); quintile "all" or "1"-"5".

        Besides the metrics, `sii_*`, `rii_*` and `gap_*` of each inequality metric, and the
        town's counts (quintile "all"). `metrics` keeps those named (all by default).
        """
        import pandas as pd

        wanted = None if metrics is None else set(metrics)
        chosen = [j for j, name in enumerate(METRIC_NAMES) if wanted is None or name in wanted]
        steps = len(self.weeks)
        blocks = [
            pd.DataFrame(
                {
                    "step": np.repeat(self.weeks, len(GROUPS) * len(chosen)),
                    "quintile": np.tile(np.repeat(GROUPS, len(chosen)), steps),
                    "metric": np.tile(np.asarray(METRIC_NAMES)[chosen], steps * len(GROUPS)),
                    "value": self.values[:, :, chosen].ravel(),
                }
            )
        ]
        extra = {
            f"{kind}_{name}": self.inequality[kind][:, j]
            for kind in INEQUALITY_KINDS
            for j, name in enumerate(INEQUALITY_METRICS)
        }
        extra |= {m.name: self.town[:, j] for j, m in enumerate(TOWN_METRICS)}
        blocks += [
            pd.DataFrame({"step": self.weeks, "quintile": "all", "metric": name, "value": v})
            for name, v in extra.items()
            if wanted is None or name in wanted
        ]
        return pd.concat(blocks, ignore_index=True).sort_values(
            "step", kind="stable", ignore_index=True
        )

    def summary(self, step: int = -1) -> dict:
        """One week (default the last) by group, with the gap, SII and RII; None where undefined."""
        out: dict = {
            name: {g: finite(self.values[step, i, j]) for i, g in enumerate(GROUPS)}
            for j, name in enumerate(METRIC_NAMES)
            if METRICS[name].summary
        }
        for kind in INEQUALITY_KINDS:
            out[kind] = {
                name: finite(self.inequality[kind][step, j])
                for j, name in enumerate(INEQUALITY_METRICS)
            }
        out |= {m.name: finite(self.town[step, j]) for j, m in enumerate(TOWN_METRICS)}
        out["sii_direction"] = SII_DIRECTION
        out["quintiles"] = QUINTILES_MEANING
        out["weeks"] = int(self.weeks[step])
        return out


def _town_index(name: str) -> int:
    names = [m.name for m in TOWN_METRICS]
    if name not in names:
        raise KeyError(f"unknown metric {name!r}; the metrics are {', '.join(METRICS)}")
    return names.index(name)


def finite(x: float) -> float | None:
    """A number for JSON: rounded, or None where there is none (a quintile with nobody in it)."""
    x = float(x)
    return round(x, 6) if np.isfinite(x) else None
