"""`healthgap validate`: the model against every published figure it can be compared with.

Every comparison is declared once, in `COMPARISONS` below: the published `Figure` (from
`model/evidence.py`), how a run measures the model's counterpart, when (the start, after the
burn-in; the end of the horizon; or over the run), the tolerance and where it comes from, and a
status saying what the figure is to the model:

- "calibrated by construction": residents are drawn, or an intercept set, so the town starts at
  the figure (a test that it does, and that it stays there, not a test of the model's mechanisms);
- "calibration target": fitted by a calibration (`healthgap calibrate`) whose fit the model ships
  with. `validate(targets=...)` names them (the measure names of `experiments/targets.py`, as a
  calibration file's `[[targets]]` do), and `CALIBRATION_TARGETS` is the shipped default's list
  (the fits of scenarios/calibrations/distance_decay.toml and survival.toml);
- "held out": compared, never fitted: a test of the model;
- "context": shown for scale beside a figure that is not about the same thing;
- "not compared": a figure of `model/evidence.py` the model is not measured against, with why.

Tolerances are those of tests/model/test_calibration.py where it has them; the others are
judgements, said so beside each. A figure is within tolerance when the model's mean over the
replicates is within the tolerance of it; the 95% t interval over replicates says how much the
seeds move it.
"""

from __future__ import annotations

import dataclasses
import math
import platform
import textwrap
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from healthgap.model import evidence
from healthgap.model.evidence import Figure
from healthgap.model.metrics import METRICS, Results

from .distance_decay import measure_distance_decay
from .funnel import STAGES, FunnelRow, FunnelWatcher, outreach_labels
from .simulation import cpu_model
from .targets import STATIONARY
from .trials import TRIALS, Outcome, agrees, run_trial

if TYPE_CHECKING:
    from healthgap.model import HealthgapModel
    from healthgap.scenarios import Scenario

ENGLAND = Path(__file__).resolve().parents[2] / "shared" / "data" / "england"
IOD_FILES = {
    "imd_file": "File_1_-_IMD2019_Index_of_Multiple_Deprivation.csv.gz",
    "population_file": "File_6_-_IoD2019_Population_Denominators.csv.gz",
    "centroids_file": "lsoa2011_centroids.csv.gz",
}
SHEFFIELD = "Sheffield"
GRANTS_SCENARIO = "morecambe_bay"  # tiny seed funds, a year's funding each, in two rounds
GRANTS_YEARS = 7  # every grant ended more than 5 years before the horizon
GRANT_MEASURES = (
    "grant_groups_running_1y_pct",
    "grant_groups_running_2y_pct",
    "grant_groups_running_5y_pct",
    "grant_groups_not_smaller_pct",
)

# The measure names (experiments/targets.py) the calibrations behind the shipped default were
# fitted to (scenarios/calibrations/distance_decay.toml and survival.toml; the quintiles those
# fits also held are built in by construction and show as such). They show as "calibration
# target".
CALIBRATION_TARGETS: frozenset[str] = frozenset(
    {
        "parkrun_rate_ratio_per_km",
        "grant_groups_running_1y_pct",
        "grant_groups_running_2y_pct",
        "grant_groups_running_5y_pct",
        # scenarios/calibrations/response.toml: the trial outcomes marked fitted
        *(o.name for t in TRIALS.values() for o in t.outcomes if o.fitted),
    }
)

BY_CONSTRUCTION = "calibrated by construction"
TARGET = "calibration target"
HELD_OUT = "held out"
CONTEXT = "context"
NOT_COMPARED = "not compared"
STATUSES = (BY_CONSTRUCTION, TARGET, HELD_OUT, CONTEXT, NOT_COMPARED)

CALIBRATION_TEST = "tests/model/test_calibration.py"

LONELY_RATIO = Figure(
    1.5,
    "often or always lonely, most vs least deprived areas (over-50s; applied to all ages)",
    "Victor & Pikhartova, BMC Public Health 2020 (over 50% more likely); Community Life Survey "
    "2019/20",
)


@dataclass
class Run:
    """What one replicate gives the measures: its results (week 0 is the start) and what was
    measured at the start."""

    results: Results
    start: dict[str, float]


def start_measures(model: HealthgapModel) -> dict[str, float]:
    """Measured once, after the burn-in: adults without a car by quintile, and the mean minutes
    (population-weighted over neighbourhoods) to the nearest open group of each kind, walking,
    without a car (the quicker of walking and the bus) and by car, as
    benchmarks/transport_access.py measures them."""
    p, town, g = model.people, model.town, model.groups
    out = {f"no_car_q{q}": float((~p.car[p.quintile == q]).mean() * 100) for q in (1, 5)}
    walk, bus, car = (model.travel[mode] for mode in ("walk", "bus", "car"))
    open_ = g.open
    for label, minutes in (("walk", walk), ("pt_walk", np.minimum(walk, bus)), ("car", car)):
        per_kind = [
            minutes[:, g.venue[open_ & (g.kind == kind)]].min(axis=1)
            for kind in np.unique(g.kind[open_])
        ]
        out[f"nearest_{label}"] = float(
            np.average(np.mean(per_kind, axis=0), weights=town.population)
        )
    return out


def at(metric: str, group: str = "all", when: str = "end") -> Callable[[Run], float]:
    index = 0 if when == "start" else -1
    return lambda run: float(run.results.series(metric, group)[index])


def lonely_ratio(when: str) -> Callable[[Run], float]:
    index = 0 if when == "start" else -1
    return lambda run: float(
        run.results.series("lonely_pct", "1")[index] / run.results.series("lonely_pct", "5")[index]
    )


@dataclass(frozen=True)
class Comparison:
    """One published figure and how the model is compared with it.

    `name` is the measure's name in experiments/targets.py where it has one (so a calibration's
    targets name it); `when` is "start", "end" or "run" (over the run); `measure` is None for a
    figure not compared (then `note` says why) or one measured elsewhere (the distance decay)."""

    name: str
    label: str
    figure: Figure
    unit: str
    when: str
    measure: Callable[[Run], float] | None
    tolerance: float | None
    tolerance_source: str
    status: str
    note: str = ""


@dataclass(frozen=True)
class Row:
    """One line of the validation table."""

    name: str
    label: str
    period: str
    published: float
    unit: str
    population: str
    source: str
    model: float | None
    low: float | None
    high: float | None
    tolerance: float | None
    tolerance_source: str
    within: str  # "yes", "no" or "not compared"
    status: str
    note: str
    design: str = ""  # a virtual trial's design (experiments/trials.py); "" for other figures
    published_low: float | None = None  # a trial's published interval (or the tolerated range)
    published_high: float | None = None

    @property
    def miss(self) -> float | None:
        """How far the model is from the published value, in tolerances: within from -1 to 1."""
        return None if self.model is None else self.in_tolerances(self.model)

    def in_tolerances(self, value: float) -> float | None:
        """`value` less the published value, in tolerances (for a trial, in the distance from
        the published value to the end of its interval on that side); None if not comparable."""
        if not math.isfinite(value):
            return None
        if self.published_low is not None and self.published_high is not None:
            end = self.published_high if value >= self.published else self.published_low
            reach = abs(end - self.published)
            return (value - self.published) / reach if reach else None
        return (value - self.published) / self.tolerance if self.tolerance else None


@dataclass
class Validation:
    """The rows and how they were made."""

    rows: list[Row]
    scenario: str
    residents: int
    replicates: int
    years: float
    seeds: list[int]
    sheffield: str  # what the Sheffield run was, or why there was none
    grants: str  # what the run of grant-opened groups was, or why there was none
    seconds: float
    git_revision: str | None
    trials: str = "not run"  # how the virtual trials were run, or why not
    funnel: list[FunnelRow] = field(default_factory=list)  # a GP referral's, by quintile
    funnel_how: str = "not run"
    python: str = field(default_factory=platform.python_version)
    cpu: str = field(default_factory=lambda: cpu_model())

    def count(self, within: str, statuses: Iterable[str] | None = None) -> int:
        return sum(
            r.within == within and (statuses is None or r.status in statuses) for r in self.rows
        )


def _constructed(name, label, figure, unit, measure_of, tolerance, tolerance_source, note=""):
    """A figure the town is built to: compared at the start and at the end (it should not
    drift)."""
    return [
        Comparison(
            name,
            label,
            figure,
            unit,
            when,
            measure_of(when),
            tolerance,
            tolerance_source,
            BY_CONSTRUCTION,
            note,
        )  # fmt: skip
        for when in ("start", "end")
    ]


def _declared() -> list[Comparison]:
    test = f"as {CALIBRATION_TEST}"
    judged = "judgement"
    drawn = "residents are drawn so that each IMD quintile starts at the published figures"
    c: list[Comparison] = []
    for name, label, figure, unit, tol, source in (
        ("inactive_pct", "Inactive (<30 min a week)", evidence.INACTIVE_PCT, "%", 2.0, test),
        (
            "fairly_active_pct",
            "Fairly active (30-149 min a week)",
            evidence.FAIRLY_ACTIVE_PCT,
            "%",
            2.0,
            f"{judged}: as inactivity's in {CALIBRATION_TEST}",
        ),
        ("active_pct", "Active (150+ min a week)", evidence.ACTIVE_PCT, "%", 3.0, test),
        (
            "inactive_pct_q1",
            "Inactive, most deprived (IMD quintile 1)",
            evidence.INACTIVE_MOST_DEPRIVED_PCT,
            "%",
            4.0,
            test,
        ),
        (
            "inactive_pct_q5",
            "Inactive, least deprived (IMD quintile 5)",
            evidence.INACTIVE_LEAST_DEPRIVED_PCT,
            "%",
            4.0,
            test,
        ),
        (
            "active_pct_q1",
            "Active, most deprived (IMD quintile 1)",
            evidence.ACTIVE_MOST_DEPRIVED_PCT,
            "%",
            4.0,
            f"{judged}: as inactivity's by quintile in {CALIBRATION_TEST}",
        ),
        (
            "active_pct_q5",
            "Active, least deprived (IMD quintile 5)",
            evidence.ACTIVE_LEAST_DEPRIVED_PCT,
            "%",
            4.0,
            f"{judged}: as inactivity's by quintile in {CALIBRATION_TEST}",
        ),
    ):
        metric, _, q = name.partition("_q")
        c += _constructed(
            name, label, figure, unit,
            lambda when, metric=metric, q=q or "all": at(metric, q, when),
            tol, source, drawn,
        )  # fmt: skip
    c += _constructed(
        "life_satisfaction_mean",
        "Life satisfaction, mean (0-10)",
        evidence.LIFE_SATISFACTION_MEAN,
        "0-10",
        lambda when: at("life_satisfaction_mean", "all", when),
        0.10,
        test,
        "residents' set points are drawn to the published mean",
    )
    c += _constructed(
        "low_life_satisfaction_pct",
        "Low life satisfaction (0-4)",
        evidence.LOW_LIFE_SATISFACTION_PCT,
        "%",
        lambda when: at("low_life_satisfaction_pct", "all", when),
        1.5,
        test,
        "residents' set points are drawn to the published share",
    )
    c += _constructed(
        "lonely_pct",
        METRICS["lonely_pct"].label,  # labels are written once, in the metric registry
        evidence.LONELY_PCT,
        "%",
        lambda when: at("lonely_pct", "all", when),
        1.5,
        test,
        "the loneliness intercept is set to the published share",
    )
    c += _constructed(
        "lonely_ratio",
        "Often lonely, most / least deprived quintile",
        LONELY_RATIO,
        "ratio",
        lonely_ratio,
        0.3,
        f"{judged}: 'over 50% more likely' is not a precise figure",
        "the intercepts are set to the ratio (behaviour.lonely_most_deprived_ratio)",
    )
    for q, figure, label in (
        (1, evidence.NO_CAR_POOREST_PCT, "most deprived (quintile 1)"),
        (5, evidence.NO_CAR_RICHEST_PCT, "least deprived (quintile 5)"),
    ):
        c.append(
            Comparison(
                f"no_car_q{q}",
                f"Adults without a car, {label}",
                figure,
                "%",
                "start",
                lambda run, q=q: run.start[f"no_car_q{q}"],
                4.0,
                f"{judged}: households (published) against adults (model)",
                BY_CONSTRUCTION,
                "cars are drawn by quintile from the published figures; they do not change",
            )
        )
    c.append(
        Comparison(
            "stationarity_inactive_pct",
            "Change in inactivity over the horizon, no intervention",
            STATIONARY,
            "points",
            "run",
            lambda run: float(
                run.results.series("inactive_pct")[-1] - run.results.series("inactive_pct")[0]
            ),
            2.0,
            f"as inactivity's at the start and the end in {CALIBRATION_TEST}",
            HELD_OUT,
            "individuals move while the town should stay where the evidence puts it",
        )
    )
    c.append(
        Comparison(
            "parkrun_rate_ratio_per_km",
            "parkrun participation, rate ratio per km to the nearest event",
            evidence.PARKRUN_RATE_RATIO_PER_KM,
            "per km",
            "run",
            None,  # a run of Sheffield, measured by measure_distance_decay
            0.02,
            f"{judged}: the published interval (0.921-0.922) is far narrower than one run's",
            HELD_OUT,
            "measured as the study did, on Sheffield's LSOAs (experiments/distance_decay.py); "
            "behaviour.travel_weight and discovery_minutes are fitted to it",
        )
    )
    for years, figure, tolerance in (
        (1, evidence.GRANT_GROUPS_RUNNING_1Y_PCT, 7.5),
        (2, evidence.GRANT_GROUPS_RUNNING_2Y_PCT, 10.0),
        (5, evidence.GRANT_GROUPS_RUNNING_5Y_PCT, 12.5),
    ):
        c.append(
            Comparison(
                f"grant_groups_running_{years}y_pct",
                f"Groups opened by a grant still running {years} "
                f"year{'s' * (years > 1)} after it ended",
                figure,
                "%",
                "run",
                None,  # a run of a scenario with grants (GRANTS_SCENARIO)
                tolerance,
                "half the published range",
                HELD_OUT,
                f"{GRANTS_SCENARIO}'s tiny seed funds, followed for {GRANTS_YEARS} years "
                "(experiments/group_survival.py)",
            )
        )
    c.append(
        Comparison(
            "grant_groups_not_smaller_pct",
            "Groups still running after their grant, no smaller than when it ended",
            evidence.GRANT_GROUPS_NOT_SMALLER_PCT,
            "%",
            "run",
            None,
            10.0,
            "judgement: one self-reported survey",
            HELD_OUT,
            f"{GRANTS_SCENARIO}'s grant-opened groups still running at the horizon whose last "
            "8 weeks' attendance is at least 90% of the 8 up to the end of their funding; the "
            "survey's groups were told 'the same size' with no margin given",
        )
    )
    for name, figure, label, key in (
        ("nearest_walk_min", evidence.NEAREST_SERVICE_WALK_MIN, "walking", "nearest_walk"),
        (
            "nearest_pt_walk_min",
            evidence.NEAREST_SERVICE_PT_WALK_MIN,
            "walking or by bus",
            "nearest_pt_walk",
        ),
        ("nearest_car_min", evidence.NEAREST_SERVICE_CAR_MIN, "by car", "nearest_car"),
    ):
        c.append(
            Comparison(
                name,
                f"Minutes to the nearest group of each kind, {label}",
                figure,
                "minutes",
                "start",
                lambda run, key=key: run.start[key],
                None,
                "none: a comparison of scale",
                CONTEXT,
                "the published minutes are to the nearest of 8 key services (GP, school, "
                "shops...), not to community groups, which are fewer",
            )
        )
    for name, figure, label, note in (
        (
            "friend_contagion_rise",
            evidence.FRIEND_CONTAGION_RISE,
            "A friend becoming obese raises the chance by 57%",
            "not compared yet: the study followed obesity over 32 years; measuring the model's "
            "counterpart (a friend starting a group, and the chance one does too) needs a "
            "friend-pair analysis of the model's ties",
        ),
        (
            "leamington_formed_connections",
            evidence.LEAMINGTON_FORMED_CONNECTIONS,
            "Leamington patients who formed social connections outside the groups",
            "not compared yet: a case study's outcome under its interventions, a survey of its "
            "patients; the validation runs the baseline, with no intervention",
        ),
        (
            "wellby_value_gbp",
            evidence.WELLBY_VALUE_GBP,
            "Value of a WELLBY (£)",
            "an input the economics price outcomes with, not something the model produces",
        ),
        (
            "wellby_discount_rate",
            evidence.WELLBY_DISCOUNT_RATE,
            "Discount rate for wellbeing",
            "an input the economics discount with, not something the model produces",
        ),
    ):
        c.append(Comparison(name, label, figure, "", "-", None, None, "", NOT_COMPARED, note))
    return c


COMPARISONS: list[Comparison] = _declared()


def t_interval(values: list[float]) -> tuple[float | None, float | None, float | None]:
    """The mean and its 95% t interval over replicates (no interval from one, None if none)."""
    from scipy import stats

    x = np.array([v for v in values if math.isfinite(v)], dtype=float)
    if len(x) == 0:
        return None, None, None
    mean = float(x.mean())
    if len(x) < 2:
        return mean, None, None
    half = float(stats.t.ppf(0.975, len(x) - 1) * x.std(ddof=1) / math.sqrt(len(x)))
    return mean, mean - half, mean + half


def _period(when: str, years: float) -> str:
    return {
        "start": "start (after the burn-in)",
        "end": f"after {years:g} year{'s' * (years != 1)}",
        "run": f"over {years:g} year{'s' * (years != 1)}",
    }.get(when, "-")


def _row(c: Comparison, status: str, period: str, model, low, high, note: str = "") -> Row:
    if model is None or c.tolerance is None:
        within = "not compared"
    else:
        within = "yes" if abs(model - c.figure.value) <= c.tolerance else "no"
    return Row(
        c.name,
        c.label,
        period,
        float(c.figure.value),
        c.unit,
        c.figure.population,
        c.figure.source,
        model,
        low,
        high,
        c.tolerance,
        c.tolerance_source,
        within,
        status,
        note or c.note,
    )


def sheffield_files(england: Path | None = None) -> dict[str, str] | None:
    """The IoD 2019 tables the Sheffield run needs, or None when any is missing."""
    england = ENGLAND if england is None else england
    files = {key: england / name for key, name in IOD_FILES.items()}
    return (
        {k: str(v) for k, v in files.items()} if all(p.exists() for p in files.values()) else None
    )


def _sheffield(
    base: Scenario, years: float, replicates: int, seed: int, sample: float
) -> tuple[tuple, str]:
    """The distance decay on Sheffield: (mean, low, high, note) and a line for the method."""
    from healthgap.scenarios.schema import Place

    files = sheffield_files()
    if files is None:
        why = f"not compared: the IoD tables were not found at {ENGLAND}"
        return (None, None, None, why), why
    scenario = base.model_copy(
        update={
            "name": f"{base.name} in {SHEFFIELD}",
            "years": years,
            "interventions": [],
            "place": Place(local_authority=SHEFFIELD, sample=sample, **files),
        }
    )
    decays = [measure_distance_decay(scenario, seed + i) for i in range(replicates)]
    mean, low, high = t_interval([d.rate_ratio for d in decays])
    d = decays[0]
    how = (
        f"{SHEFFIELD}: {len(d.neighbourhoods)} LSOAs, {int(d.neighbourhoods.adults.sum()):,} "
        f"adults simulated, {years:g} year{'s' * (years != 1)}, "
        + (f"seed {seed}" if replicates == 1 else f"seeds {seed} to {seed + replicates - 1}")
        + f", adjusted for {d.deprivation}"
    )
    if replicates == 1 and mean is not None:  # one run: the fit's own interval
        low, high = d.fit.low_overdispersed, d.fit.high_overdispersed
        how += " (interval: the Poisson fit's, widened for overdispersion)"
    return (mean, low, high, ""), how


def _grants(replicates: int, seed: int) -> tuple[dict[str, tuple], str]:
    """How groups opened by grants fare after them: (mean, low, high, note) by measure, and a
    line for the method."""
    from .simulation import as_scenario
    from .targets import run_measured_each

    scenario = as_scenario(GRANTS_SCENARIO).model_copy(update={"years": GRANTS_YEARS})
    seeds = [seed + i for i in range(replicates)]
    each = run_measured_each(scenario, seeds, list(GRANT_MEASURES))
    how = (
        f"{GRANTS_SCENARIO} (scenario library), {GRANTS_YEARS} years, seeds {seeds[0]} to "
        f"{seeds[-1]}: its grant-opened groups after their funding ended"
    )
    return {name: (*t_interval(values), "") for name, values in each.items()}, how


def _trial_rows(replicates: int, seed: int, targets: set[str]) -> tuple[list[Row], str]:
    """Every virtual trial (experiments/trials.py) re-run for `replicates` seeds: a row per
    outcome, and a line for the method."""
    seeds = [seed + i for i in range(replicates)]
    rows = []
    for trial in TRIALS.values():
        values, runs = run_trial(trial, seeds)
        for o in trial.outcomes:
            mean, low, high = t_interval(values[o.name])
            bounds = [r.null_bounds[o.name] for r in runs if o.name in r.null_bounds]
            bound = float(np.mean(bounds)) if bounds else None
            ok = agrees(o, mean, bound)
            rows.append(
                Row(
                    o.name,
                    o.label,
                    trial.follow_up,
                    float(o.figure.value),
                    o.unit,
                    o.figure.population,
                    o.figure.source,
                    mean,
                    low,
                    high,
                    bound if o.test == "null" else None,
                    _agreement(o),
                    "not compared" if ok is None else ("yes" if ok else "no"),
                    TARGET if o.name in targets else HELD_OUT,
                    o.note,
                    design=f"{trial.title}: {trial.design}",
                    published_low=o.low,
                    published_high=o.high,
                )
            )
    how = (
        f"{len(TRIALS)} virtual trials, seeds {seeds[0]} to {seeds[-1]}, each arm against the "
        "same residents in the baseline twin (same seed, no lever) where the study had a "
        "comparison, before and after where it had none"
    )
    return rows, how


def _agreement(o: Outcome) -> str:
    """What 'within' means for a trial outcome."""
    if o.test == "null":
        n_arm, n_comparison = o.trial_size
        return (
            f"no difference: within 1.96 standard errors of a trial of {n_arm} against "
            f"{n_comparison} people, at the model's own spread"
        )
    if o.test in ("above", "below"):
        line = o.figure.value if o.threshold is None else o.threshold
        return f"a direction: {o.test} {line:g}"
    return f"within {o.low:g} to {o.high:g}" + (f" ({o.interval_source})")


GP_REFERRAL_WORKERS = 6


def _funnel(replicates: int, seed: int) -> tuple[list[FunnelRow], str]:
    """A GP referral of inactive adults in the default town (30,000 adults, 6 workers for half
    a year), followed for a year: its funnel by quintile, summed over the seeds."""
    from healthgap.model.interventions import Outreach

    from .simulation import Simulation
    from .trials import default_town

    gp = Outreach(
        name="GP referral",
        channel="gp_referral",
        workers=GP_REFERRAL_WORKERS,
        target="inactive",
        end_year=0.5,
    )
    scenario = default_town({}, 30_000, 1.0, [gp])
    seeds = [seed + i for i in range(replicates)]
    totals: dict[str, dict[str, int]] = {}
    for s in seeds:
        sim = Simulation(scenario, s)
        watcher = FunnelWatcher(sim.model)
        sim.run(on_week=lambda _week, sim=sim, w=watcher: w.week(sim.model))
        for row in watcher.table(outreach_labels(sim.model)):
            into = totals.setdefault(row.quintile, dict.fromkeys(row.counts, 0))
            for key, count in row.counts.items():
                into[key] += count
    rows = [FunnelRow("GP referral", q, counts) for q, counts in totals.items()]
    how = (
        f"a GP referral of inactive adults ({GP_REFERRAL_WORKERS} workers for half a year, "
        "supported first visit) in the default town of 30,000 adults, followed for a year, "
        f"seeds {seeds[0]} to {seeds[-1]} summed"
    )
    return rows, how


FUNNEL_PUBLISHED = {
    stage: next(o for o in TRIALS["exercise_referral"].outcomes if o.name == f"funnel_{stage}")
    for stage in STAGES[2:]
}  # what exercise referral schemes report at the stages they report


def validate(
    replicates: int = 5,
    years: float = 10,
    sheffield: bool = True,
    seed: int = 1,
    *,
    scenario="baseline",
    residents: int | None = None,
    sheffield_years: float = 1.0,
    sheffield_replicates: int = 8,
    sheffield_sample: float = 1.0,
    grants: bool = True,
    grants_replicates: int = 12,
    trials: bool = True,
    trial_replicates: int = 4,
    targets: Iterable[str] = CALIBRATION_TARGETS,
    on_done: Callable[[int, int], None] | None = None,
) -> Validation:
    """Run `scenario` (the baseline: the default town, no intervention) for seeds seed,
    seed+1, ... for `years`, measure each comparison, and return the table's rows (with the
    Sheffield run for the distance decay unless `sheffield` is False, the run of grant-opened
    groups unless `grants` is False, and the virtual trials and the referral funnel unless
    `trials` is False). `residents` resizes the
    town; `targets` names the measures a calibration fitted (they show as "calibration
    target")."""
    from .simulation import Simulation, as_scenario, git_revision

    began = time.perf_counter()
    base = as_scenario(scenario)
    base = base.model_copy(update={"years": years})
    if residents is not None:
        base = base.model_copy(
            update={"place": base.place.model_copy(update={"residents": residents})}
        )
    base = as_scenario(base)
    targets = set(targets)
    seeds = [seed + i for i in range(replicates)]
    total = replicates + (sheffield_replicates if sheffield else 0) + (1 if grants else 0) + trials
    runs: list[Run] = []
    for i, s in enumerate(seeds):
        sim = Simulation(base, s)
        start = start_measures(sim.model)
        runs.append(Run(sim.run(), start))
        if on_done:
            on_done(i + 1, total)
    if sheffield:
        decay, sheffield_how = _sheffield(
            base, sheffield_years, sheffield_replicates, seed, sheffield_sample
        )
        if on_done:
            on_done(replicates + sheffield_replicates, total)
    else:
        why = "not compared: the Sheffield run was not asked for (--no-sheffield)"
        decay, sheffield_how = (None, None, None, why), why
    if grants:
        after_grants, grants_how = _grants(grants_replicates, seed)
        if on_done:
            on_done(total - trials, total)
    else:
        why = "not compared: the run of grant-opened groups was not asked for (--no-grants)"
        after_grants, grants_how = dict.fromkeys(GRANT_MEASURES, (None, None, None, why)), why
    if trials:
        trial_rows, trials_how = _trial_rows(trial_replicates, seed, targets)
        funnel_rows, funnel_how = _funnel(trial_replicates, seed)
        if on_done:
            on_done(total, total)
    else:
        trial_rows, funnel_rows = [], []
        trials_how = funnel_how = "not run: the virtual trials were not asked for (--no-trials)"
    rows = []
    for c in COMPARISONS:
        status = TARGET if c.name in targets else c.status
        period = _period(c.when, years)
        if c.name == "parkrun_rate_ratio_per_km":
            mean, low, high, note = decay
            rows.append(
                _row(c, status, _period("run", sheffield_years), mean, low, high, note or c.note)
            )
        elif c.name in GRANT_MEASURES:
            mean, low, high, note = after_grants[c.name]
            rows.append(_row(c, status, _period("run", GRANTS_YEARS), mean, low, high, note))
        elif c.measure is None:
            rows.append(_row(c, status, "-", None, None, None))
        else:
            mean, low, high = t_interval([c.measure(run) for run in runs])
            note = "" if mean is not None else f"not compared: the runs gave no value; {c.note}"
            rows.append(_row(c, status, period, mean, low, high, note))
    rows += trial_rows
    return Validation(
        rows,
        base.name,
        round(base.place.residents * base.place.sample),
        replicates,
        years,
        seeds,
        sheffield_how,
        grants_how,
        time.perf_counter() - began,
        git_revision(),
        trials_how,
        funnel_rows,
        funnel_how,
    )


def figures_of_evidence() -> dict[str, Figure]:
    """Every `Figure` in model/evidence.py, by its name there."""
    return {k: v for k, v in vars(evidence).items() if isinstance(v, Figure)}


def write_csv(result: Validation, path: Path) -> None:
    import pandas as pd

    table = pd.DataFrame([dataclasses.asdict(r) for r in result.rows])
    table.to_csv(path, index=False)


def summary(result: Validation) -> list[str]:
    """The page's plain first paragraphs: what was compared, how many within tolerance, which
    figures the town is built to and which were held out, and what missed."""

    def and_list(words: list[str]) -> str:  # labels hold commas: a semicolon between them
        return (
            "; ".join(words[:-1])
            + (" and " if len(words) > 1 else "")
            + (words[-1] if words else "")
        )

    rows = result.rows
    judged = [r for r in rows if r.within in ("yes", "no")]
    within = [r for r in judged if r.within == "yes"]

    def names(status: str) -> list[str]:
        return list(dict.fromkeys(r.label for r in rows if r.status == status))

    constructed, fitted, held = names(BY_CONSTRUCTION), names(TARGET), names(HELD_OUT)
    first = (
        f"We ran the model's {result.scenario} town ({result.residents:,} adults, no "
        f"intervention) {result.replicates} times for {result.years:g} years and compared it "
        f"with {len(dict.fromkeys(r.name for r in rows))} published figures. "
        f"{len(within)} of the {len(judged)} comparisons with a tolerance are within it."
    )
    second = (
        f"Calibrated by construction ({len(constructed)}): {and_list(constructed)}. The "
        "town is built to start at these, so they show only that it does and that it stays "
        "there, not that the model's mechanisms are right. "
        + (
            f"Fitted by a calibration ({len(fitted)}): {and_list(fitted)}. "
            if fitted
            else "No figure is fitted by a calibration yet. "
        )
        + f"Held out, compared but never fitted ({len(held)}): {and_list(held)}: these "
        "are the test of the model."
    )
    missed = [f"{r.label} ({r.period})" for r in judged if r.within == "no"]
    unmeasured = [
        r.label for r in rows if r.status != NOT_COMPARED and r.within == "not compared"
        and r.status != CONTEXT
    ]  # fmt: skip
    third = (
        f"Outside tolerance: {and_list(missed)}. " if missed else "Nothing is outside tolerance. "
    ) + (
        f"Not measured in this validation: {and_list(unmeasured)} (see the notes). "
        if unmeasured
        else ""
    )
    trial_rows = [r for r in rows if r.design]
    if trial_rows:
        held = [r for r in rows if r.status == HELD_OUT and r.within in ("yes", "no")]
        fitted_trials = [r for r in trial_rows if r.status == TARGET]
        third += (
            f"Virtual trials: {len(trial_rows)} outcomes of "
            f"{len(dict.fromkeys(r.design for r in trial_rows))} published evaluations re-run on "
            f"the model's own people; {len(fitted_trials)} fitted, the rest held out. Of all "
            f"{len(held)} held-out comparisons, {sum(r.within == 'yes' for r in held)} agree. "
        )
    context = names(CONTEXT)
    not_compared = names(NOT_COMPARED)
    third += (
        f"Shown for scale only: {and_list(context)}. "
        f"Not compared ({len(not_compared)}): {and_list(not_compared)}; the table says "
        "why."
    )
    return [first, second, third]


def method(result: Validation) -> str:
    seeds = (
        f"seed {result.seeds[0]}"
        if len(result.seeds) == 1
        else f"seeds {result.seeds[0]} to {result.seeds[-1]}"
    )
    return (
        f"The scenario '{result.scenario}' ({result.residents:,} adults) was built and burnt in, "
        f"then run for {result.years:g} years, once for each of {seeds}. Each figure is measured "
        "at the start (after the burn-in), at the end, or over the run, as the row says; the "
        "model's value is the mean over the runs and its interval the 95% t interval over them "
        "(none from one run). A figure is within tolerance when that mean is within the "
        "tolerance of the published value. Tolerances are those of "
        f"{CALIBRATION_TEST} where it has them, otherwise judgements, said so in each row. "
        f"The distance decay: {result.sheffield}. Groups after their grants: {result.grants}. "
        f"Virtual trials: {result.trials}. The referral funnel: {result.funnel_how}."
    )


def chart(result: Validation):
    """Each compared row as its miss in tolerances, with its interval; None if none."""
    from healthgap.viz.figures import new_figure, style
    from healthgap.viz.report import Chart, data_uri

    rows = [r for r in result.rows if r.miss is not None]
    if not rows:
        return None
    fig = new_figure(9.5, 0.32 * len(rows) + 1.4)
    ax = fig.subplots()
    where = np.arange(len(rows))[::-1]
    misses = np.array([r.miss for r in rows])

    def scaled(r: Row, value: float | None) -> float:
        return np.nan if value is None else (r.in_tolerances(value) or 0.0)

    lows = np.array([scaled(r, r.low) for r in rows])
    highs = np.array([scaled(r, r.high) for r in rows])
    reach = max(2.5, float(np.nanmax(np.abs(misses))) * 1.15)
    ax.axvspan(-1, 1, color="#cde6cf", zorder=0)
    ax.axvline(0, color="#555555", linewidth=0.8)
    colours = ["#009E73" if r.within == "yes" else "#D55E00" for r in rows]
    has = ~np.isnan(lows)
    ax.hlines(
        where[has],
        np.clip(lows[has], -reach, reach),
        np.clip(highs[has], -reach, reach),
        color=np.array(colours)[has],
        linewidth=1.6,
    )
    ax.scatter(np.clip(misses, -reach, reach), where, color=colours, zorder=3, s=30)
    labels = [textwrap.shorten(f"{r.label} ({r.period})", 70, placeholder="...") for r in rows]
    ax.set_yticks(where, labels, fontsize=8)
    ax.set_xlim(-reach, reach)
    ax.set_ylim(-0.6, len(rows) - 0.4)
    ax.set_xlabel("(model - published) / tolerance")
    style(ax, horizontal=True)
    alt = "; ".join(
        f"{r.label} ({r.period}): model {r.model:.3g}, published {r.published:.3g}, "
        f"{r.tolerance_source}, {'within' if r.within == 'yes' else 'outside'}"
        for r in rows
    )
    return Chart(data_uri(fig), "Model against published, in tolerances: " + alt)


def render_page(result: Validation, today=None) -> str:
    """validation.html as a string."""
    import datetime

    import healthgap
    from healthgap.viz.report import ENVIRONMENT

    today = today or datetime.date.today()
    return ENVIRONMENT.get_template("validation.html").render(
        v=result,
        date=f"{today.day} {today:%B %Y}",
        version=healthgap.__version__,
        summary=summary(result),
        method=method(result),
        chart=chart(result),
        funnel_published=FUNNEL_PUBLISHED,
    )


def write_validation(result: Validation, folder: Path) -> None:
    """Write validation.html and validation.csv into `folder`."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "validation.html").write_text(render_page(result), encoding="utf-8")
    write_csv(result, folder / "validation.csv")
