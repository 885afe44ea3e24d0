"""Every comparison of the model with a published figure, declared once: `MEASURES`.

A `Measure` pairs a figure of `model/evidence.py` with how a run of the model measures its
counterpart, in one of three ways:

- from the run's weekly metrics (`Results`): a metric of `model/metrics.py` for the town or an
  IMD quintile (1 = most deprived) at the start (after the burn-in) or at the horizon, or any
  other function of them (`read`: a change over the run, a ratio);
- by a `Watcher` made for the run: shown the model after every reported week, then asked for
  its value (the parkrun rate ratio per km of `distance_decay.py`, grant-opened groups' survival
  of `group_survival.py`, what a town offers at its start);
- by a virtual trial (`trials.py`): a run of it re-runs the trial's own design (its town, its
  levers and the baseline twin) with the run's parameters.

Each also says what validation runs to measure it (`on`), when it is compared (`periods`), its
tolerance and where that comes from, and what the figure is to the model (`status`):

- "calibrated by construction": residents are drawn, or an intercept set, so the town starts at
  the figure (checked at the start and at the end: it should not drift);
- "calibration target": fitted by one of the calibrations the default ships with
  (`SHIPPED_FITS`); read from their files, never declared here;
- "held out": compared, never fitted: a test of the model;
- "context": shown for scale beside a figure that is not about the same thing;
- "not compared": a figure the model is not measured against (`note` says why).

Who reads it: `healthgap calibrate` (a calibration file's `[[targets]]` name measures; a
measure without a published figure, such as attendance, takes the file's `value`),
`healthgap validate`, the calibration test (tests/model/test_calibration.py), and the
comparison report's evidence (through the validation's table).
"""

from __future__ import annotations

import collections
import functools
import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

import numpy as np

from healthgap.model import evidence
from healthgap.model.evidence import Figure
from healthgap.model.metrics import METRICS, Results
from healthgap.simulation import Simulation

from . import distance_decay, group_survival, trials

if TYPE_CHECKING:
    from healthgap.model import HealthgapModel
    from healthgap.scenarios import Scenario

BY_CONSTRUCTION = "calibrated by construction"
TARGET = "calibration target"
HELD_OUT = "held out"
CONTEXT = "context"
NOT_COMPARED = "not compared"
STATUSES = (BY_CONSTRUCTION, TARGET, HELD_OUT, CONTEXT, NOT_COMPARED)

# What validation runs to measure a figure (a trial's outcome: the trial's own design).
BASELINE = "the baseline town"
SHEFFIELD = "Sheffield"  # a real place: participation per LSOA against distance to parkrun
GRANTS = "grant-opened groups"  # a scenario whose grants end well within its horizon
TRIAL = "its virtual trial"

# The calibrations whose fit the default ships with (model/parameters.py cites them).
CALIBRATIONS = Path(__file__).resolve().parents[1] / "scenarios" / "calibrations"
SHIPPED_FITS = ("distance_decay.toml", "survival.toml", "response.toml")

STATIONARY = Figure(
    0.0,
    "a baseline town with no intervention, over the horizon",
    "design: the town stays where the evidence puts it while individuals move (DESIGN.md)",
)
QUINTILE_TARGET_SOURCE = (
    "assumption: a smooth gradient between the published ends, so that equal quintiles average "
    "to the national figure (model/evidence.py, quintile_targets)"
)
DRAWN = "residents are drawn so that each IMD quintile starts at the published figures"
HEALTH_LEVELS = (
    "the level of self-rated health by decile and age is solved on a reference England so that "
    "three Census figures hold (model/health.py)"
)
SAMPLING = "judgement: a town of 50,000 drawn to the figure, over 10 years of life events"


class Watcher(Protocol):
    """A measure's view of one run: made when the run is built, shown the model after every
    reported week, then asked for its value."""

    def week(self, model: HealthgapModel) -> None: ...

    def value(self, model: HealthgapModel, results: Results) -> float: ...


@dataclass(frozen=True)
class Measure:
    """A published figure and how a run measures the model's counterpart (see the module's
    docstring). `figure` is None for a measure a calibration file must give a value for."""

    name: str
    label: str
    unit: str
    figure: Figure | None
    declared: str = HELD_OUT  # the status unless a shipped fit used it (see `status`)
    tolerance: float | None = None
    tolerance_source: str = ""
    note: str = ""
    metric: str | None = None  # a metric of model/metrics.py, read for `group`
    group: str = "all"  # "all" or an IMD quintile "1" (most deprived) to "5"
    decile: int | None = None  # or the metric in one IMD decile (1 = most deprived), not `group`
    read: Callable[[Results], float] | None = None  # any other function of the weekly metrics
    watch: Callable[[Scenario, HealthgapModel], Watcher] | None = None
    check: Callable[[Scenario], None] | None = None  # raises InputError if it cannot be measured
    trial: str | None = None  # an outcome of this virtual trial (experiments/trials.py)
    on: str = BASELINE
    periods: tuple[str, ...] = ("end",)  # "start", "end" or "run": when it is compared

    @property
    def measured(self) -> bool:
        """Whether the model measures it at all (not so for a figure not compared)."""
        return any((self.metric, self.read, self.watch, self.trial))

    def value(self, results: Results, when: str = "end") -> float:
        """Its value in a run's weekly metrics, at the start or the end (or over the run)."""
        week = 0 if when == "start" else -1
        if self.metric is not None and self.decile is not None:
            return float(results.decile_series(self.metric, self.decile)[week])
        if self.metric is not None:
            return float(results.series(self.metric, self.group)[week])
        if self.read is None:
            raise TypeError(f"'{self.name}' is not read from the weekly metrics: watch the run")
        return float(self.read(results))

    def status(self, fitted: frozenset[str] | None = None) -> str:
        """What the figure is to the model: built in, fitted (by the shipped fits, or those named
        in `fitted`), or as declared."""
        fitted = shipped_targets() if fitted is None else fitted
        if self.declared != BY_CONSTRUCTION and self.name in fitted:
            return TARGET
        return self.declared


@functools.cache
def shipped_targets() -> frozenset[str]:
    """The measures the calibrations behind the shipped default were fitted to (`SHIPPED_FITS`)."""
    names = set()
    for file in SHIPPED_FITS:
        with open(CALIBRATIONS / file, "rb") as f:
            names |= {t["measure"] for t in tomllib.load(f).get("targets", [])}
    return frozenset(names)


class AtStart:
    """A watcher that measures the model once, as the run is built (after the burn-in)."""

    def __init__(self, how: Callable[[HealthgapModel], float], _scenario, model) -> None:
        self.at_start = float(how(model))

    def week(self, model: HealthgapModel) -> None:
        pass

    def value(self, model: HealthgapModel, results: Results) -> float:
        return self.at_start


def without_car_pct(quintile: int) -> Callable[[HealthgapModel], float]:
    return lambda model: float((~model.people.car[model.people.quintile == quintile]).mean() * 100)


def members_per_attender(model: HealthgapModel) -> float:
    """Members of the town's open groups over those at this week's sessions."""
    groups, member_of = model.groups, model.people.member_of
    is_open = groups.open[: groups.n]
    members = np.bincount(member_of[member_of >= 0], minlength=groups.n)[: groups.n]
    return float(members[is_open].sum() / max(groups.attendance[: groups.n][is_open].sum(), 1))


class TookBus:
    """The share of adults who took a bus out in the last `weeks` weeks of the run."""

    def __init__(self, weeks: int, _scenario, model: HealthgapModel) -> None:
        self.recent: collections.deque = collections.deque(maxlen=weeks)

    def week(self, model: HealthgapModel) -> None:
        self.recent.append(model.people.rode_bus_out.copy())

    def value(self, model: HealthgapModel, results: Results) -> float:
        return float(np.logical_or.reduce(list(self.recent)).mean() * 100)


def nearest_group_minutes(mode: str) -> Callable[[HealthgapModel], float]:
    """Mean minutes (weighted by neighbourhood population) to the nearest open group of each
    kind, walking, without a car (the quicker of walking and the bus) or by car, as
    benchmarks/transport_access.py measures them."""

    def measure(model: HealthgapModel) -> float:
        travel, g = model.travel, model.groups
        minutes = np.minimum(travel["walk"], travel["bus"]) if mode == "pt_walk" else travel[mode]
        per_kind = [
            minutes[:, g.venue[g.open & (g.kind == kind)]].min(axis=1)
            for kind in np.unique(g.kind[g.open])
        ]
        return float(np.average(np.mean(per_kind, axis=0), weights=model.town.population))

    return measure


def change(metric: str) -> Callable[[Results], float]:
    """The town's change in `metric` from the reported start to the horizon."""
    return lambda results: results.series(metric)[-1] - results.series(metric)[0]


def lonely_ratio(results: Results) -> float:
    """Often lonely, the most deprived quintile over the least, at the horizon."""
    return results.series("lonely_pct", "1")[-1] / results.series("lonely_pct", "5")[-1]


def _quintile_figures(metric: str, most: Figure, least: Figure) -> list[Figure]:
    """Quintile 1 to 5: the published ends and the interpolated middle of `quintile_targets`."""
    values = evidence.quintile_targets()[metric]
    assert (values[0], values[-1]) == (most.value, least.value), "evidence.py disagrees"
    middle = [
        Figure(value, f"England, IMD quintile {q} (interpolated)", QUINTILE_TARGET_SOURCE)
        for q, value in enumerate(values[1:-1], start=2)
    ]
    return [most, *middle, least]


def built_to(
    metric: str,
    figure: Figure,
    tolerance: float,
    note: str,
    group: str = "all",
    tolerance_source: str = SAMPLING,
):
    """A metric the town is built to start at: compared at the start and the end."""
    where = {"all": "", "1": ", IMD quintile 1 (most deprived)"}.get(
        group, f", IMD quintile {group}" + (" (least deprived)" if group == "5" else "")
    )
    return Measure(
        metric if group == "all" else f"{metric}_q{group}",
        METRICS[metric].label + where,
        METRICS[metric].unit,
        figure,
        BY_CONSTRUCTION,
        tolerance,
        tolerance_source if group == "all" else f"{tolerance_source}; a fifth of the town",
        note,
        metric=metric,
        group=group,
        periods=("start", "end"),
    )


def _declared() -> list[Measure]:
    measures = [
        built_to("inactive_pct", evidence.INACTIVE_PCT, 2.0, DRAWN),
        built_to("fairly_active_pct", evidence.FAIRLY_ACTIVE_PCT, 2.0, DRAWN),
        built_to("active_pct", evidence.ACTIVE_PCT, 3.0, DRAWN),
        built_to(
            "life_satisfaction_mean",
            evidence.LIFE_SATISFACTION_MEAN,
            0.10,
            "residents' set points are drawn to the published mean",
        ),
        built_to(
            "low_life_satisfaction_pct",
            evidence.LOW_LIFE_SATISFACTION_PCT,
            1.5,
            "residents' set points are drawn to the published share",
        ),
        built_to(
            "lonely_pct",
            evidence.LONELY_PCT,
            1.5,
            "the loneliness intercept is set to the published share",
        ),
    ]
    measures += [
        built_to(
            "very_good_health_pct",
            evidence.VERY_GOOD_HEALTH_PCT,
            2.0,
            f"{HEALTH_LEVELS}; the Census figure is for every age, age-standardised, the model's "
            "for its adults",
        ),
        *(
            Measure(
                f"very_good_health_55_74_d{decile}",
                f"{METRICS['very_good_health_55_74_pct'].label}, {label} IMD decile",
                "%",
                figure,
                BY_CONSTRUCTION,
                4.0,
                "judgement: about 1,250 adults aged 55-74 in a decile of a town of 50,000, over "
                "10 years of life events",
                f"{HEALTH_LEVELS}; the Census figure is for ages 55-59, the model's nearest band "
                "is 55-74",
                metric="very_good_health_55_74_pct",
                decile=decile,
                periods=("start", "end"),
            )
            for decile, label, figure in (
                (1, "most deprived", evidence.VERY_GOOD_HEALTH_MOST_DEPRIVED_55_59_PCT),
                (10, "least deprived", evidence.VERY_GOOD_HEALTH_LEAST_DEPRIVED_55_59_PCT),
            )
        ),
    ]
    children_drawn = (
        "children are drawn so that each IMD quintile starts at the published shares, IMD "
        "quintile standing in for family affluence (model/evidence.py, "
        "children_quintile_targets)"
    )
    children_tolerance = (
        "judgement: about 9,000 children in a town of 50,000 adults, 1,800 a quintile, over 10 "
        "years of children growing up; the issue's bar of 3 points"
    )
    measures += [
        built_to(metric, figure, 3.0, children_drawn, tolerance_source=children_tolerance)
        for metric, figure in (
            ("children_active_pct", evidence.CHILDREN_ACTIVE_PCT),
            ("children_fairly_active_pct", evidence.CHILDREN_FAIRLY_ACTIVE_PCT),
            ("children_less_active_pct", evidence.CHILDREN_LESS_ACTIVE_PCT),
        )
    ]
    measures += [
        built_to(
            "children_active_pct",
            figure,
            3.0,
            f"{children_drawn}; {affluence}",
            group,
            tolerance_source=children_tolerance,
        )
        for group, figure, affluence in (
            ("1", evidence.CHILDREN_ACTIVE_LOW_AFFLUENCE_PCT, "low affluence: quintile 1"),
            (
                "3",
                evidence.CHILDREN_ACTIVE_MEDIUM_AFFLUENCE_PCT,
                "medium affluence: quintiles 2 to 4, compared here on the middle one",
            ),
            ("5", evidence.CHILDREN_ACTIVE_HIGH_AFFLUENCE_PCT, "high affluence: quintile 5"),
        )
    ]
    ends = {
        "inactive_pct": (evidence.INACTIVE_MOST_DEPRIVED_PCT, evidence.INACTIVE_LEAST_DEPRIVED_PCT),
        "active_pct": (evidence.ACTIVE_MOST_DEPRIVED_PCT, evidence.ACTIVE_LEAST_DEPRIVED_PCT),
    }
    for metric, (most, least) in ends.items():
        for q, figure in enumerate(_quintile_figures(metric, most, least), start=1):
            measures.append(built_to(metric, figure, 4.0, DRAWN, str(q)))
    measures += [
        Measure(
            "lonely_ratio",
            "Often lonely, most / least deprived quintile",
            "ratio",
            evidence.LONELY_RATIO,
            BY_CONSTRUCTION,
            0.3,
            "judgement: 'over 50% more likely' is not a precise figure",
            "the intercepts are set to the ratio (wellbeing.lonely_most_deprived_ratio)",
            read=lonely_ratio,
            periods=("end",),
        ),
        *(
            Measure(
                f"no_car_q{q}",
                f"Adults without a car, {label}",
                "%",
                figure,
                BY_CONSTRUCTION,
                4.0,
                "judgement: households (published) against adults (model)",
                "cars are drawn by quintile from the published figures; they do not change",
                watch=partial(AtStart, without_car_pct(q)),
                periods=("start",),
            )
            for q, figure, label in (
                (1, evidence.NO_CAR_POOREST_PCT, "most deprived (quintile 1)"),
                (5, evidence.NO_CAR_RICHEST_PCT, "least deprived (quintile 5)"),
            )
        ),
        Measure(
            "stationarity_inactive_pct",
            "Change in the town's inactivity over the horizon, no intervention",
            "percentage points",
            STATIONARY,
            HELD_OUT,
            2.0,
            "judgement: as inactivity's tolerance at the start and the end",
            "individuals move while the town should stay where the evidence puts it",
            read=change("inactive_pct"),
            periods=("run",),
        ),
        # No published figure: a place's own count, or a recovery test's, given as `value`.
        # How readily people try a group (behaviour.try_intercept) moves it most, until the
        # groups are full. The mean week, as a count over a year would be.
        Measure(
            "attendance_pct",
            f"{METRICS['attendance_pct'].label}: the town, mean week over the horizon",
            "%",
            None,
            NOT_COMPARED,
            note="no published figure: a calibration file gives the value (a place's own count)",
            read=lambda results: results.series("attendance_pct").mean(),
            periods=("run",),
        ),
        Measure(
            "parkrun_rate_ratio_per_km",
            "parkrun participation per km from an LSOA's centroid to the nearest parkrun "
            "(Poisson rate ratio over the run, adjusted for deprivation)",
            "rate ratio per km",
            evidence.PARKRUN_RATE_RATIO_PER_KM,
            HELD_OUT,
            0.02,
            "judgement: the published interval (0.921-0.922) is far narrower than one run's",
            "measured as the study did, on Sheffield's LSOAs (experiments/distance_decay.py)",
            watch=distance_decay.RateRatioWatcher,
            check=distance_decay.check_real_place,
            on=SHEFFIELD,
            periods=("run",),
        ),
        *(
            Measure(
                f"grant_groups_running_{years}y_pct",
                f"Groups opened by a grant still running {years} year{'s' * (years > 1)} after "
                "it ended",
                "%",
                figure,
                HELD_OUT,
                tolerance,
                "half the published range",
                "grant-opened groups after their funding ended (experiments/group_survival.py)",
                watch=partial(group_survival.SurvivalWatcher, years),
                check=group_survival.check_grants,
                on=GRANTS,
                periods=("run",),
            )
            for years, figure, tolerance in (
                (1, evidence.GRANT_GROUPS_RUNNING_1Y_PCT, 7.5),
                (2, evidence.GRANT_GROUPS_RUNNING_2Y_PCT, 10.0),
                (5, evidence.GRANT_GROUPS_RUNNING_5Y_PCT, 12.5),
            )
        ),
        Measure(
            "grant_groups_not_smaller_pct",
            "Groups still running after their grant that are no smaller than when it ended",
            "%",
            evidence.GRANT_GROUPS_NOT_SMALLER_PCT,
            HELD_OUT,
            10.0,
            "judgement: one self-reported survey",
            "groups still running at the horizon whose last 8 weeks' attendance is at least 90% "
            "of the 8 up to the end of their funding; the survey's groups were told 'the same "
            "size' with no margin given",
            watch=group_survival.NotSmallerAfterFunding,
            check=group_survival.check_grants,
            on=GRANTS,
            periods=("run",),
        ),
        Measure(
            "members_per_attender",
            "Members per person at a session, the town's open groups",
            "members",
            evidence.MEMBERS_PER_DINER,
            CONTEXT,
            None,
            "none: a check of scale",
            "the model's groups run full, so this is close to groups.members_per_place, which "
            "the lunch clubs set (taking their sessions as full)",
            watch=partial(AtStart, members_per_attender),
            periods=("start",),
        ),
        *(
            Measure(
                name,
                f"Adults who took a bus out in {span}, the town",
                "%",
                figure,
                CONTEXT,
                None,
                "none: England's share beside a town's",
                "the level is solved so that a reference England rides as the survey found "
                "(model/outings.py); a town with fewer cars rides more",
                watch=partial(TookBus, weeks),
                periods=("end",),
            )
            for name, span, weeks, figure in (
                ("bus_week_pct", "a week", 1, evidence.BUS_WEEKLY_PCT),
                ("bus_four_weeks_pct", "four weeks", 4, evidence.BUS_MONTHLY_PCT),
            )
        ),
        *(
            Measure(
                f"nearest_{mode}_min",
                f"Minutes to the nearest group of each kind, {label}",
                "minutes",
                figure,
                CONTEXT,
                None,
                "none: a comparison of scale",
                "the published minutes are to the nearest of 8 key services (GP, school, "
                "shops...), not to community groups, which are fewer",
                watch=partial(AtStart, nearest_group_minutes(mode)),
                periods=("start",),
            )
            for mode, figure, label in (
                ("walk", evidence.NEAREST_SERVICE_WALK_MIN, "walking"),
                ("pt_walk", evidence.NEAREST_SERVICE_PT_WALK_MIN, "walking or by bus"),
                ("car", evidence.NEAREST_SERVICE_CAR_MIN, "by car"),
            )
        ),
        *(
            Measure(name, label, "", figure, NOT_COMPARED, note=note, periods=())
            for name, figure, label, note in (
                (
                    "friend_contagion_rise",
                    evidence.FRIEND_CONTAGION_RISE,
                    "A friend becoming obese raises the chance by 57%",
                    "not compared yet: the study followed obesity over 32 years; measuring the "
                    "model's counterpart (a friend starting a group, and the chance one does "
                    "too) needs a friend-pair analysis of the model's ties",
                ),
                (
                    "leamington_formed_connections",
                    evidence.LEAMINGTON_FORMED_CONNECTIONS,
                    "Leamington patients who formed social connections outside the groups",
                    "not compared yet: a case study's outcome under its interventions, a survey "
                    "of its patients; the validation runs the baseline, with no intervention",
                ),
                (
                    "very_good_health_2011_pct",
                    evidence.VERY_GOOD_HEALTH_2011_PCT,
                    "Very good health in England, Census 2011",
                    "the model's town starts where England was in 2021; the 2011 figure is the "
                    "start of England's rise that Big Local's is set beside (its virtual trial)",
                ),
                (
                    "wellby_value_gbp",
                    evidence.WELLBY_VALUE_GBP,
                    "Value of a WELLBY (GBP)",
                    "an input the economics price outcomes with, not something the model produces",
                ),
                (
                    "wellby_discount_rate",
                    evidence.WELLBY_DISCOUNT_RATE,
                    "Discount rate for wellbeing",
                    "an input the economics discount with, not something the model produces",
                ),
            )
        ),
    ]
    for trial in trials.TRIALS.values():
        for outcome in trial.outcomes:
            measures.append(
                Measure(
                    outcome.name,
                    f"{outcome.label} ({trial.title})",
                    outcome.unit,
                    outcome.figure,
                    BY_CONSTRUCTION if outcome.by_construction else HELD_OUT,
                    note=outcome.note,
                    trial=trial.name,
                    on=TRIAL,
                    periods=("run",),
                )
            )
    names = [m.name for m in measures]
    assert len(set(names)) == len(names), "two measures share a name"
    return measures


MEASURES: dict[str, Measure] = {m.name: m for m in _declared()}


def run_measured(scenario: Scenario, seeds: list[int], names: list[str]) -> dict[str, float]:
    """Run `scenario` to its horizon for each seed and measure each named measure there (a
    trial's outcome re-runs its trial with the scenario's parameters); each averaged over the
    seeds (replicates)."""
    each = run_measured_each(scenario, seeds, names)
    return {name: float(np.mean(values)) for name, values in each.items()}


def run_measured_each(
    scenario: Scenario, seeds: list[int], names: list[str]
) -> dict[str, list[float]]:
    """As `run_measured`, one value per seed."""
    values: dict[str, list[float]] = {name: [] for name in names}
    for trial in dict.fromkeys(MEASURES[n].trial for n in names if MEASURES[n].trial):
        each, _ = trials.run_trial(trials.TRIALS[trial], seeds, scenario.parameters)
        for name in names:
            if MEASURES[name].trial == trial:
                values[name] = each[name]
    others = [n for n in names if not MEASURES[n].trial]
    for name, per_seed in measure_runs(scenario, seeds, others).items():
        values[name] = [by_period[MEASURES[name].periods[-1]] for by_period in per_seed]
    return values


def measure_runs(
    scenario: Scenario,
    seeds: list[int],
    names: list[str],
    on_done: Callable[[], None] | None = None,
) -> dict[str, list[dict[str, float]]]:
    """Run `scenario` once for each seed, watching the runs for the measures that need it: for
    each named measure, per seed, its value at each of its periods (a watcher's at every one)."""

    out: dict[str, list[dict[str, float]]] = {name: [] for name in names}
    if not names:
        return out
    for seed in seeds:
        for name, by_period in measure_run(scenario, seed, names).items():
            out[name].append(by_period)
        if on_done:
            on_done()
    return out


def measure_run(scenario: Scenario, seed: int, names: list[str]) -> dict[str, dict[str, float]]:
    """One seed of `measure_runs`: each named measure's value at each of its periods."""
    sim = Simulation(scenario, seed)
    watchers = {
        name: MEASURES[name].watch(scenario, sim.model)
        for name in names
        if MEASURES[name].watch is not None
    }

    def show(_week: int) -> None:
        for watcher in watchers.values():
            watcher.week(sim.model)

    results = sim.run(on_week=show)
    out = {}
    for name in names:
        m = MEASURES[name]
        if name in watchers:
            out[name] = dict.fromkeys(m.periods, float(watchers[name].value(sim.model, results)))
        else:
            out[name] = {when: m.value(results, when) for when in m.periods}
    return out
