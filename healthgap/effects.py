"""What a comparison found, as typed results: paired differences, costs, WELLBYs and warnings.

`summarise` turns the runs of `compare` into a `Comparison`; `Comparison.to_dict()`
is comparison.json, and the report and the app read the typed objects.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from scipy import stats

from healthgap.model import evidence
from healthgap.model.metrics import (
    GROUPS,
    INEQUALITY_METRICS,
    METRIC_NAMES,
    METRICS,
    SII_DIRECTION,
    SUMMARY_METRICS,
    Results,
    finite,
)
from healthgap.scenarios import Scenario

from .ensemble import EnsembleDraws
from .funnel import FunnelRow
from .output import atomic_write
from .simulation import Simulation, provenance

if TYPE_CHECKING:
    import pandas as pd

WELLBY_VALUES = {
    "low": evidence.WELLBY_VALUE_RANGE_GBP[0],
    "central": evidence.WELLBY_VALUE_GBP.value,
    "high": evidence.WELLBY_VALUE_RANGE_GBP[1],
}
# Plotted week by week: the outcomes with inequality measures, and attendance.
SERIES_METRICS = (*INEQUALITY_METRICS, "attendance_pct")
SERIES_GROUPS = ("all", "1", "5")


@dataclass(frozen=True)
class Interval:
    """A mean across replicates and its 95% t-interval (None where undefined)."""

    mean: float | None
    low: float | None = None
    high: float | None = None

    @property
    def excludes_zero(self) -> bool:
        return self.low is not None and self.high is not None and self.low * self.high > 0


def intervals(samples: np.ndarray) -> dict[str, np.ndarray]:
    """Mean and 95% t-interval bounds across replicates (axis 0), element-wise."""
    samples = np.asarray(samples, dtype=float)
    mean = samples.mean(axis=0)
    n = samples.shape[0]
    if n < 2:
        half = np.full_like(mean, np.nan)
    else:
        half = stats.t.ppf(0.975, n - 1) * samples.std(axis=0, ddof=1) / np.sqrt(n)
    return {"mean": mean, "low": mean - half, "high": mean + half}


def interval(samples: np.ndarray, index=()) -> Interval:
    """One `Interval` of paired differences (at `index` of the trailing axes)."""
    bounds = intervals(samples)
    return Interval(*(finite(bounds[k][index]) for k in ("mean", "low", "high")))


@dataclass(frozen=True)
class Band:
    """A week-by-week mean with its 95% interval."""

    mean: list[float | None]
    low: list[float | None]
    high: list[float | None]


@dataclass(frozen=True)
class GapWarning:
    """The scenario widens the gap in a metric by at least its size of practical importance."""

    scenario: str
    metric: str
    change: Interval

    @property
    def certain(self) -> bool:
        """The 95% interval excludes no change."""
        return self.change.excludes_zero

    @property
    def text(self) -> str:
        m = METRICS[self.metric]
        size = f"{abs(self.change.mean):.2f} {m.change_unit}"
        verb, tail = (
            ("widens", "(the 95% interval excludes no change)")
            if self.certain
            else ("may widen", "though the 95% interval includes no change")
        )
        return (
            f"{self.scenario} {verb} the gap in {m.short} between the most and least deprived "
            f"fifth of neighbourhoods, by {size}, {tail}."
        )


def gap_warnings(scenario: str, delta_gap: dict[str, Interval]) -> list[GapWarning]:
    """Warnings wherever the mean change widens a gap by at least the metric's important size."""
    warnings = []
    for name, change in delta_gap.items():
        m = METRICS[name]
        if change.mean is None or change.mean * m.gap_widens_when <= 0:
            continue
        if abs(change.mean) >= m.important_change:
            warnings.append(GapWarning(scenario, name, change))
    return warnings


SOCIAL_PRESCRIBING_CHANNELS = ("link_worker", "gp_referral")


def lever_keys(scenario: Scenario) -> set[str]:
    """Each lever as "type" and "type/channel or mode"."""
    keys = set()
    for lever in scenario.interventions:
        keys.add(lever.type)
        detail = getattr(lever, "channel", None) or getattr(lever, "mode", None)
        if detail:
            keys.add(f"{lever.type}/{detail}")
    return keys


@dataclass(frozen=True)
class ReturnCheck:
    """A scenario's benefit-cost ratio beside the published returns of its kind of programme."""

    kind: str
    published: evidence.Figure
    low: float
    high: float
    bcr: float | None
    text: str

    @property
    def within(self) -> bool | None:
        return None if self.bcr is None else self.low <= self.bcr <= self.high


def return_check(
    scenario: Scenario, bcr: float | None, cost_gbp: float, wellbys: float, started: float | None
) -> ReturnCheck | None:
    """Set the central benefit-cost ratio of a scenario whose every lever is social prescribing
    (link workers or GP referral) beside the published range of its social returns, with a plain
    warning and what drives it when it falls outside. None for other kinds of programme: no
    published range of returns is held for them."""
    levers = scenario.interventions
    if not levers or not all(
        lever.type == "outreach" and lever.channel in SOCIAL_PRESCRIBING_CHANNELS
        for lever in levers
    ):
        return None
    figure = evidence.SOCIAL_PRESCRIBING_RETURN
    low, high = evidence.SOCIAL_PRESCRIBING_RETURN_RANGE
    kind = "social prescribing"
    if bcr is None:
        text = (
            f"No benefit: nothing to set beside the published returns of {kind} "
            f"(GBP {low:.2f} to {high:.2f} per GBP 1)."
        )
        return ReturnCheck(kind, figure, low, high, bcr, text)
    drive = ""
    if started:
        drive = (
            f" It rests on about {started:,.0f} people who started going to a group, at GBP "
            f"{cost_gbp / started:,.0f} of spending and {wellbys / started:.2f} WELLBYs each"
        )
    where = "within" if low <= bcr <= high else ("below" if bcr < low else "above")
    text = (
        f"Its benefit-cost ratio, {bcr:.2f} at the central WELLBY value, is {where} the published "
        f"social returns of {kind} (GBP {low:.2f} to {high:.2f} per GBP 1; {figure.source})."
        f"{drive}."
    )
    if where != "within":
        text += (
            " Treat it with caution: published returns count other benefits and costs than "
            "WELLBYs do, and the model's response to referrals is fitted to exercise referral "
            "(see the trials below)."
        )
    return ReturnCheck(kind, figure, low, high, bcr, text)


@dataclass
class ScenarioEffect:
    """One scenario against the baseline: costs, WELLBYs and paired differences."""

    name: str
    description: str
    place: dict
    residents_simulated: int
    people_represented: int
    cost_gbp: float
    wellbys: Interval  # discounted at the Green Book wellbeing rate
    wellbys_undiscounted: Interval
    cost_per_wellby: float | None  # on discounted WELLBYs
    bcr: dict[str, float | None]  # at the low, central and high WELLBY values
    moved_out_of_inactivity: Interval
    delta: dict[str, dict[str, Interval]]  # final week, metric -> group -> change
    delta_sii: dict[str, Interval]
    delta_gap: dict[str, Interval]
    warnings: list[GapWarning]
    series: dict[str, dict[str, Band]]  # metric -> group -> week by week change
    provenance: dict
    # At the end, the mean over seeds: "baseline" and "scenario" -> kind of group ("any" first)
    # -> group -> the share (%) of adults without a car who can reach one within
    # evidence.ACCESS_MINUTES (see `metrics.accessibility_by_kind`).
    access: dict[str, dict[str, dict[str, float | None]]] = field(default_factory=dict)
    funnel: list[FunnelRow] = field(default_factory=list)  # its outreach, summed over seeds
    levers: list[str] = field(default_factory=list)  # each as "type" and "type/channel or mode"
    returns: ReturnCheck | None = None  # its ratio beside published returns of its kind


@dataclass
class Comparison:
    """Every scenario against one baseline, over the same seeds and weeks."""

    baseline: str
    replicates: int
    seeds: list[int]
    weeks: int
    residents: int | None  # simulated, when every scenario simulates the same number
    wellby_values_gbp: dict[str, float]
    discount_rate: float
    method: str
    sii_direction: str
    provenance: dict
    scenarios: dict[str, ScenarioEffect] = field(default_factory=dict)
    ensemble: EnsembleDraws | None = None  # the parameter sets the replicates ran with

    @property
    def interval(self) -> str:
        """Which interval every interval of the comparison is (`interval_label`)."""
        return interval_label(self.replicates, self.ensemble)

    def to_dict(self) -> dict:
        """comparison.json: plain values, with each warning's sentence and which interval."""
        out = {"interval": self.interval} | dataclasses.asdict(self)
        for name, entry in self.scenarios.items():
            out["scenarios"][name]["warnings"] = [
                {"metric": w.metric, "certain": w.certain, "text": w.text} for w in entry.warnings
            ]
        return out


def interval_label(replicates: int, ensemble: EnsembleDraws | None) -> str:
    """What an interval over `replicates` runs covers: chance alone, or chance and the
    uncertainty of the parameters when each run drew a parameter set from an ensemble."""
    if replicates < 2:
        drawn = "" if ensemble is None else f", with a parameter set drawn from {ensemble.file}"
        return f"no interval: one run{drawn}"
    runs = f"{replicates} runs"
    if ensemble is None:
        return f"95% interval over {runs} (chance between runs only; parameters fixed)"
    return (
        f"95% interval over {runs}, each with a parameter set drawn from {ensemble.file} "
        f"({ensemble.sets} sets): covers chance and parameter uncertainty"
    )


@dataclass
class RunOutcome:
    """What a comparison keeps of one run."""

    results: Results
    spent_gbp: float
    residents: int
    access: pd.DataFrame | None = None  # `metrics.accessibility_by_kind` at the current week
    funnel: list[FunnelRow] = field(default_factory=list)  # each outreach lever's, by quintile

    @classmethod
    def so_far(cls, sim: Simulation, funnel: list[FunnelRow] | None = None) -> RunOutcome:
        """A simulation's outcome up to its current week (with its referral funnel, if watched:
        `Simulation.run_with_funnel`)."""
        return cls(sim.results(), sim.spent_gbp, sim.residents, sim.access_by_kind(), funnel or [])


def discount_factors(weeks: int, rate: float) -> np.ndarray:
    """Green Book discounting of week 1..weeks: (1 + rate) ** -(years since the start)."""
    return (1 + rate) ** -(np.arange(1, weeks + 1) / 52)


def weekly_wellbys(diff: np.ndarray, represented: float) -> np.ndarray:
    """WELLBYs gained each week after the start from paired differences of `Results.values`
    (..., steps, groups, metrics): the change in mean life satisfaction x people represented / 52."""
    return diff[..., 1:, 0, METRIC_NAMES.index("life_satisfaction_mean")] * represented / 52


def discounted(weekly: np.ndarray) -> np.ndarray:
    """Weekly WELLBYs summed with the Green Book's wellbeing discounting."""
    return weekly @ discount_factors(weekly.shape[-1], evidence.WELLBY_DISCOUNT_RATE.value)


def cost_per_wellby(cost: float, gained: float) -> float | None:
    """Cost per (discounted) WELLBY gained; None when nothing is gained."""
    return finite(cost / gained) if gained > 0 else None


def summarise(
    baseline: Scenario,
    scenarios: list[Scenario],
    seeds: list[int],
    runs: list[list[tuple[RunOutcome, RunOutcome]]],
    ensemble: EnsembleDraws | None = None,
) -> Comparison:
    """Paired differences (scenario minus baseline, per seed) with 95% intervals.

    `runs` holds, per seed, a (scenario, baseline) pair of outcomes per scenario; `ensemble`,
    the parameter sets they ran with, if drawn from an ensemble.
    """
    inactive = METRIC_NAMES.index("inactive_pct")
    rate = evidence.WELLBY_DISCOUNT_RATE.value
    shared = (
        ""
        if ensemble is None
        else ", and with the parameter set the baseline drew from the ensemble for that seed "
        "(on top of the scenario's own parameters)"
    )
    comparison = Comparison(
        baseline=baseline.name,
        replicates=len(seeds),
        seeds=seeds,
        weeks=baseline.weeks,
        residents=None,
        wellby_values_gbp=WELLBY_VALUES,
        discount_rate=rate,
        method=(
            "Every scenario runs with the baseline's seeds from the same burnt-in town (common "
            f"random numbers){shared}; deltas are scenario minus baseline per seed, then the mean "
            f"and a 95% t-interval across seeds ({interval_label(len(seeds), ensemble)}). "
            "WELLBYs = sum over weeks of the change in mean life "
            "satisfaction x people represented / 52, discounted at "
            f"{rate:.1%} a year (HM Treasury Green Book wellbeing rate); the undiscounted sum "
            "is given beside it. Each scenario is compared with the baseline's interventions on "
            "the scenario's own place."
        ),
        sii_direction=SII_DIRECTION,
        provenance=provenance(baseline, seeds[0]),
        ensemble=ensemble,
    )
    for j, scenario in enumerate(scenarios):
        runs_j = [r[j][0] for r in runs]
        base = [r[j][1] for r in runs]
        residents = runs_j[0].residents
        represented = residents / scenario.place.sample
        diff = np.stack(
            [s.results.values - b.results.values for s, b in zip(runs_j, base, strict=True)]
        )
        weekly = weekly_wellbys(diff, represented)
        wellbys = interval(discounted(weekly))
        cost = float(np.mean([s.spent_gbp for s in runs_j]))
        gained = wellbys.mean or 0.0
        final = diff[:, -1]
        inequality = {
            kind: np.stack(
                [
                    s.results.inequality[kind][-1] - b.results.inequality[kind][-1]
                    for s, b in zip(runs_j, base, strict=True)
                ]
            )
            for kind in ("sii", "gap")
        }
        delta_gap = {
            name: interval(inequality["gap"], k) for k, name in enumerate(INEQUALITY_METRICS)
        }
        comparison.scenarios[scenario.name] = ScenarioEffect(
            name=scenario.name,
            description=scenario.description,
            place=scenario.place.model_dump(exclude_defaults=True),
            residents_simulated=residents,
            people_represented=round(represented),
            cost_gbp=round(cost, 2),
            wellbys=wellbys,
            wellbys_undiscounted=interval(weekly.sum(axis=1)),
            cost_per_wellby=cost_per_wellby(cost, gained),
            bcr={
                k: finite(gained * v / cost) if cost > 0 else None for k, v in WELLBY_VALUES.items()
            },
            moved_out_of_inactivity=interval(-final[:, 0, inactive] / 100 * represented),
            delta={
                name: {
                    g: interval(final, (i, METRIC_NAMES.index(name))) for i, g in enumerate(GROUPS)
                }
                for name in SUMMARY_METRICS
            },
            delta_sii={
                name: interval(inequality["sii"], k) for k, name in enumerate(INEQUALITY_METRICS)
            },
            delta_gap=delta_gap,
            warnings=gap_warnings(scenario.name, delta_gap),
            series=series_bands(diff),
            provenance=provenance(scenario, seeds[0]),
            access=access_by_kind(runs_j, base),
            funnel=(funnel := summed_funnel(run.funnel for run in runs_j)),
            levers=sorted(lever_keys(scenario)),
            returns=return_check(
                scenario,
                finite(gained * WELLBY_VALUES["central"] / cost) if cost > 0 else None,
                cost,
                gained,
                # people who started a group, per run, at the place's full scale
                sum(f.counts["started"] for f in funnel if f.quintile == "all")
                / len(runs_j)
                / scenario.place.sample
                or None,
            ),
        )
    simulated = {e.residents_simulated for e in comparison.scenarios.values()}
    comparison.residents = simulated.pop() if len(simulated) == 1 else None
    return comparison


def summed_funnel(funnels: Iterable[list[FunnelRow]]) -> list[FunnelRow]:
    """Each outreach lever's funnel by quintile, its counts summed over the runs."""
    totals: dict[tuple[str, str], dict[str, int]] = {}
    for funnel in funnels:
        for row in funnel:
            into = totals.setdefault((row.lever, row.quintile), dict.fromkeys(row.counts, 0))
            for stage, count in row.counts.items():
                into[stage] += count
    return [FunnelRow(lever, q, counts) for (lever, q), counts in totals.items()]


def access_by_kind(
    runs: list[RunOutcome], base: list[RunOutcome]
) -> dict[str, dict[str, dict[str, float | None]]]:
    """The mean over seeds of each run's `access` at the end, for the baseline and the scenario
    (empty when an outcome lacks it)."""
    if any(o.access is None for o in (*runs, *base)):
        return {}
    out = {}
    for run, outcomes in (("baseline", base), ("scenario", runs)):
        frame = outcomes[0].access
        mean = np.mean([o.access.to_numpy() for o in outcomes], axis=0)
        out[run] = {
            kind: {g: finite(mean[i, j]) for j, g in enumerate(frame.columns)}
            for i, kind in enumerate(frame.index)
        }
    return out


def series_bands(diff: np.ndarray) -> dict[str, dict[str, Band]]:
    """Week-by-week paired differences of `SERIES_METRICS` for the town and quintiles 1 and 5."""
    bounds = intervals(diff)
    return {
        name: {
            g: Band(
                *(
                    [finite(v) for v in bounds[key][:, GROUPS.index(g), METRIC_NAMES.index(name)]]
                    for key in ("mean", "low", "high")
                )
            )
            for g in SERIES_GROUPS
        }
        for name in SERIES_METRICS
    }


def write_comparison(comparison: Comparison, out_dir: Path) -> None:
    """comparison.json and CSV tables (deltas, economics, access by kind), each written whole."""
    import pandas as pd

    out_dir.mkdir(parents=True, exist_ok=True)
    text = json.dumps(comparison.to_dict(), indent=2)
    atomic_write(out_dir / "comparison.json", lambda p: p.write_text(text))
    rows, econ, access = [], [], []
    for name, e in comparison.scenarios.items():
        access += [
            {"scenario": name, "run": run, "kind": kind, "quintile": group, "value": value}
            for run, kinds in e.access.items()
            for kind, by_group in kinds.items()
            for group, value in by_group.items()
        ]
        for metric, by_group in e.delta.items():
            for group, change in by_group.items():
                rows.append({"scenario": name, "metric": metric, "quintile": group, **vars(change)})
        for kind, changes in (("sii", e.delta_sii), ("gap", e.delta_gap)):
            for metric, change in changes.items():
                rows.append(
                    {
                        "scenario": name,
                        "metric": f"{kind}_{metric}",
                        "quintile": "all",
                        **vars(change),
                    }
                )
        econ.append(
            {
                "scenario": name,
                "cost_gbp": e.cost_gbp,
                "wellbys_mean": e.wellbys.mean,
                "wellbys_low": e.wellbys.low,
                "wellbys_high": e.wellbys.high,
                "wellbys_undiscounted_mean": e.wellbys_undiscounted.mean,
                "cost_per_wellby": e.cost_per_wellby,
                **{f"bcr_{k}": v for k, v in e.bcr.items()},
                "moved_out_of_inactivity": e.moved_out_of_inactivity.mean,
            }
        )
    atomic_write(out_dir / "deltas.csv", lambda p: pd.DataFrame(rows).to_csv(p, index=False))
    atomic_write(out_dir / "economics.csv", lambda p: pd.DataFrame(econ).to_csv(p, index=False))
    atomic_write(out_dir / "access.csv", lambda p: pd.DataFrame(access).to_csv(p, index=False))
