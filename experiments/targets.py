"""What a calibration can fit to: each target measure declared once, with how a run measures it
and the published figure it is compared with by default.

A measure reads a run's `Results` (the week-by-week metrics of `model/metrics.py`): a metric at
the end of the horizon, for the town or an IMD quintile (1 = most deprived), or its change over
the horizon (a baseline town should stay where the evidence puts it: the change's target is 0).
The default figures come from `model/evidence.py`; a calibration file may give its own `value`
(a recovery test gives the model's own outputs).

A measure that needs more than the weekly metrics watches the run instead: it is shown the
model after every reported week and gives its value at the end (`Watcher`). The parkrun rate
ratio per km is one (`distance_decay.py`): participation per LSOA over the run, Poisson-regressed
on the distance to the nearest parkrun and deprivation, as the published study did; it needs a
real place (`Measure.check`). `run_measured` runs a scenario and measures any of them.

How groups opened by grants fare once the grant ends (`group_survival.py`) is watched too: the
share still running 1, 2 and 5 years on, and survivors' attendance against their funded level;
they need a scenario with grants that end well within the horizon.

Every outcome of a virtual trial (`trials.py`) is a measure too: a run of it re-runs the trial's
own design (its town and levers, and the baseline twin) with the calibration's parameters, so a
calibration can fit how people respond to a lever while it holds the baseline's targets.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, Protocol

import numpy as np

from healthgap.model import evidence
from healthgap.model.evidence import Figure
from healthgap.model.metrics import METRICS, Results

from . import distance_decay, group_survival, trials

if TYPE_CHECKING:
    from healthgap.model import HealthgapModel
    from healthgap.scenarios import Scenario

QUINTILE_TARGET_SOURCE = (
    "assumption: a smooth gradient between the published ends, so that equal quintiles average "
    "to the national figure (model/evidence.py, quintile_targets)"
)
STATIONARY = Figure(
    0.0,
    "a baseline town with no intervention, over the horizon",
    "design: the town stays where the evidence puts it while individuals move (DESIGN.md)",
)


class Watcher(Protocol):
    """A measure's view of one run: shown the model after every reported week, then asked for
    its value at the horizon."""

    def week(self, model: HealthgapModel) -> None: ...

    def value(self, model: HealthgapModel, results: Results) -> float: ...


@dataclass(frozen=True)
class Measure:
    """A target measure: its name, a plain label, its unit, how a run measures it, and the
    figure it is compared with unless the calibration file gives its own value (None: there is
    no published figure, and a calibration file must give one).

    A run measures it from its `Results` (`measure`), or by a `Watcher` made for the run
    (`watch(scenario, model)`); `check(scenario)` raises an InputError when the scenario cannot
    give the measure at all (e.g. it needs a real place)."""

    name: str
    label: str
    unit: str
    measure: Callable[[Results], float] | None
    figure: Figure | None
    watch: Callable[[Scenario, HealthgapModel], Watcher] | None = None
    check: Callable[[Scenario], None] | None = None
    trial: str | None = None  # an outcome of this virtual trial (experiments/trials.py)

    def __call__(self, results: Results) -> float:
        if self.measure is None:
            raise TypeError(f"'{self.name}' watches the run: measure it with run_measured")
        return float(self.measure(results))


def at_end(metric: str, group: str = "all") -> Callable[[Results], float]:
    """The metric in the last recorded week, for the town ("all") or a quintile ("1"-"5")."""
    return lambda results: results.series(metric, group)[-1]


def change(metric: str, group: str = "all") -> Callable[[Results], float]:
    """The metric's change from the reported start (week 0) to the end of the horizon."""
    return lambda results: results.series(metric, group)[-1] - results.series(metric, group)[0]


def mean_over_horizon(metric: str, group: str = "all") -> Callable[[Results], float]:
    """The metric's mean over the recorded weeks, from the reported start to the horizon."""
    return lambda results: results.series(metric, group).mean()


def _quintile_figures(metric: str, most: Figure, least: Figure) -> list[Figure]:
    """Quintile 1 to 5: the published ends and the interpolated middle of `quintile_targets`."""
    values = evidence.quintile_targets()[metric]
    assert (values[0], values[-1]) == (most.value, least.value), "evidence.py disagrees"
    middle = [
        Figure(value, f"England, IMD quintile {q} (interpolated)", QUINTILE_TARGET_SOURCE)
        for q, value in enumerate(values[1:-1], start=2)
    ]
    return [most, *middle, least]


def _registry() -> dict[str, Measure]:
    measures = [
        Measure(
            "inactive_pct",
            f"{METRICS['inactive_pct'].label}, the town",
            "%",
            at_end("inactive_pct"),
            evidence.INACTIVE_PCT,
        ),
        Measure(
            "active_pct",
            f"{METRICS['active_pct'].label}, the town",
            "%",
            at_end("active_pct"),
            evidence.ACTIVE_PCT,
        ),
        Measure(
            "life_satisfaction_mean",
            METRICS["life_satisfaction_mean"].label,
            "0-10",
            at_end("life_satisfaction_mean"),
            evidence.LIFE_SATISFACTION_MEAN,
        ),
        Measure(
            "low_life_satisfaction_pct",
            METRICS["low_life_satisfaction_pct"].label,
            "%",
            at_end("low_life_satisfaction_pct"),
            evidence.LOW_LIFE_SATISFACTION_PCT,
        ),
        Measure(
            "lonely_pct",
            METRICS["lonely_pct"].label,
            "%",
            at_end("lonely_pct"),
            evidence.LONELY_PCT,
        ),
        Measure(
            "stationarity_inactive_pct",
            "Change in the town's inactivity over the horizon (a baseline should stay put)",
            "percentage points",
            change("inactive_pct"),
            STATIONARY,
        ),
        # No published figure: a place's own count, or a recovery test's, given as `value`.
        # How readily people try a group (behaviour.try_intercept) moves it most, until the
        # groups are full. The mean week, as a count over a year would be.
        Measure(
            "attendance_pct",
            f"{METRICS['attendance_pct'].label}: the town, mean week over the horizon",
            "%",
            mean_over_horizon("attendance_pct"),
            None,
        ),
        Measure(
            "parkrun_rate_ratio_per_km",
            "parkrun participation per km from an LSOA's centroid to the nearest parkrun "
            "(Poisson rate ratio over the run, adjusted for deprivation; a real place)",
            "rate ratio per km",
            None,
            evidence.PARKRUN_RATE_RATIO_PER_KM,
            watch=distance_decay.RateRatioWatcher,
            check=distance_decay.check_real_place,
        ),
        *(
            Measure(
                f"grant_groups_running_{years}y_pct",
                f"Groups opened by a grant still running {years} year{'s' * (years > 1)} after "
                "it ended",
                "%",
                None,
                figure,
                watch=partial(group_survival.SurvivalWatcher, years),
                check=group_survival.check_grants,
            )
            for years, figure in (
                (1, evidence.GRANT_GROUPS_RUNNING_1Y_PCT),
                (2, evidence.GRANT_GROUPS_RUNNING_2Y_PCT),
                (5, evidence.GRANT_GROUPS_RUNNING_5Y_PCT),
            )
        ),
        Measure(
            "grant_groups_not_smaller_pct",
            "Groups still running after their grant that are no smaller than when it ended",
            "%",
            None,
            evidence.GRANT_GROUPS_NOT_SMALLER_PCT,
            watch=group_survival.NotSmallerAfterFunding,
            check=group_survival.check_grants,
        ),
    ]
    by_quintile = {
        "inactive_pct": (evidence.INACTIVE_MOST_DEPRIVED_PCT, evidence.INACTIVE_LEAST_DEPRIVED_PCT),
        "active_pct": (evidence.ACTIVE_MOST_DEPRIVED_PCT, evidence.ACTIVE_LEAST_DEPRIVED_PCT),
    }
    for metric, ends in by_quintile.items():
        for q, figure in enumerate(_quintile_figures(metric, *ends), start=1):
            measures.append(
                Measure(
                    f"{metric}_q{q}",
                    f"{METRICS[metric].label}, IMD quintile {q}"
                    + {1: " (most deprived)", 5: " (least deprived)"}.get(q, ""),
                    "%",
                    at_end(metric, str(q)),
                    figure,
                )
            )
    for trial in trials.TRIALS.values():
        for outcome in trial.outcomes:
            measures.append(
                Measure(
                    outcome.name,
                    f"{outcome.label} ({trial.title})",
                    outcome.unit,
                    None,
                    outcome.figure,
                    trial=trial.name,
                )
            )
    names = [m.name for m in measures]
    assert len(set(names)) == len(names), "two target measures share a name"
    return {m.name: m for m in measures}


TARGET_MEASURES: dict[str, Measure] = _registry()


def measured(results: list[Results], names: list[str]) -> dict[str, float]:
    """Each named measure, averaged over the runs (replicates); measures of `Results` only."""
    return {name: float(np.mean([TARGET_MEASURES[name](r) for r in results])) for name in names}


def run_measured(scenario: Scenario, seeds: list[int], names: list[str]) -> dict[str, float]:
    """Run `scenario` to its horizon for each seed and measure each named target there, watching
    the runs for the measures that need it; each averaged over the seeds (replicates)."""
    each = run_measured_each(scenario, seeds, names)
    return {name: float(np.mean(values)) for name, values in each.items()}


def run_measured_each(
    scenario: Scenario, seeds: list[int], names: list[str]
) -> dict[str, list[float]]:
    """As `run_measured`, one value per seed."""
    from .simulation import Simulation

    values: dict[str, list[float]] = {name: [] for name in names}
    # Virtual trials run their own design, with the scenario's parameters.
    for trial in dict.fromkeys(TARGET_MEASURES[n].trial for n in names if TARGET_MEASURES[n].trial):
        each, _ = trials.run_trial(trials.TRIALS[trial], seeds, scenario.parameters)
        for name in names:
            if TARGET_MEASURES[name].trial == trial:
                values[name] = each[name]
    names = [n for n in names if TARGET_MEASURES[n].trial is None]
    if not names:
        return values
    for seed in seeds:
        sim = Simulation(scenario, seed)
        watchers = {
            name: TARGET_MEASURES[name].watch(scenario, sim.model)
            for name in names
            if TARGET_MEASURES[name].watch is not None
        }

        def show(_week: int, sim: Simulation = sim, watchers: dict = watchers) -> None:
            for watcher in watchers.values():
                watcher.week(sim.model)

        results = sim.run(on_week=show)
        for name in names:
            watcher = watchers.get(name)
            value = watcher.value(sim.model, results) if watcher else TARGET_MEASURES[name](results)
            values[name].append(float(value))
    return values
