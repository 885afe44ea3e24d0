"""`healthgap validate`: the model against every published figure it can be compared with.

The comparisons are the measures of `experiments/measures.py` (`MEASURES`), each declared there
once: its published figure, how a run measures the model's counterpart, when, its tolerance and
where that comes from, and its status (calibrated by construction, calibration target, held
out, context or not compared). This module runs what they need (the baseline town, Sheffield
for the distance decay, a scenario whose grants end, every virtual trial and a GP referral's
funnel) and writes the table: the model's mean over the replicates, its 95% t interval, and
whether the mean is within the tolerance of the published value.
"""

from __future__ import annotations

import dataclasses
import math
import platform
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from healthgap.effects import summed_funnel
from healthgap.funnel import STAGES, FunnelRow
from healthgap.model import evidence
from healthgap.model.evidence import Figure
from healthgap.simulation import Simulation, as_scenario, cpu_model, git_revision
from healthgap.workers import run_in_order

from .measures import (
    BASELINE,
    BY_CONSTRUCTION,
    CONTEXT,
    GRANTS,
    HELD_OUT,
    MEASURES,
    NOT_COMPARED,
    SHEFFIELD,
    STATUSES,
    TARGET,
    Measure,
    measure_run,
    shipped_targets,
)
from .trials import TRIALS, Outcome, agrees, outcomes_of_seed

if TYPE_CHECKING:
    from healthgap.scenarios import Scenario

__all__ = ["STATUSES", "validate", "write_csv"]

ENGLAND = Path(__file__).resolve().parents[2] / "shared" / "data" / "england"
IOD_FILES = {
    "imd_file": "File_1_-_IMD2019_Index_of_Multiple_Deprivation.csv.gz",
    "population_file": "File_6_-_IoD2019_Population_Denominators.csv.gz",
    "centroids_file": "lsoa2011_centroids.csv.gz",
}
GRANTS_SCENARIO = "morecambe_bay"  # tiny seed funds, a year's funding each, in two rounds
GRANTS_YEARS = 7  # every grant ended more than 5 years before the horizon


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


def _row(m: Measure, status: str, period: str, model, low, high, note: str = "") -> Row:
    if model is None or m.tolerance is None:
        within = "not compared"
    else:
        within = "yes" if abs(model - m.figure.value) <= m.tolerance else "no"
    return Row(
        m.name,
        m.label,
        period,
        float(m.figure.value),
        m.unit,
        m.figure.population,
        m.figure.source,
        model,
        low,
        high,
        m.tolerance,
        m.tolerance_source,
        within,
        status,
        note or m.note,
    )


def sheffield_files(england: Path | None = None) -> dict[str, str] | None:
    """The IoD 2019 tables the Sheffield run needs, or None when any is missing."""
    england = ENGLAND if england is None else england
    files = {key: england / name for key, name in IOD_FILES.items()}
    return (
        {k: str(v) for k, v in files.items()} if all(p.exists() for p in files.values()) else None
    )


def _sheffield(base: Scenario, years: float, sample: float) -> Scenario:
    """The base scenario on Sheffield's LSOAs, no intervention (the IoD tables must exist)."""
    from healthgap.scenarios.schema import Place

    return base.model_copy(
        update={
            "name": f"{base.name} in {SHEFFIELD}",
            "years": years,
            "interventions": [],
            "place": Place(local_authority=SHEFFIELD, sample=sample, **sheffield_files()),
        }
    )


def _seeds(seeds: list[int]) -> str:
    return f"seed {seeds[0]}" if len(seeds) == 1 else f"seeds {seeds[0]} to {seeds[-1]}"


def _trial_rows(
    seeds: list[int], per_seed: dict[tuple, tuple[dict, dict]], targets: frozenset[str]
) -> tuple[list[Row], str]:
    """Every virtual trial (experiments/trials.py) re-run for `seeds` (`per_seed`: each trial's
    and seed's outcomes and null bounds): a row per outcome, and a line for the method."""
    rows = []
    for trial in TRIALS.values():
        runs = [per_seed[trial.name, s] for s in seeds]
        for o in trial.outcomes:
            mean, low, high = t_interval([outcomes[o.name] for outcomes, _ in runs])
            bounds = [nulls[o.name] for _, nulls in runs if o.name in nulls]
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
                    MEASURES[o.name].status(targets),
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


def funnel_of_seed(seed: int) -> list[FunnelRow]:
    """A GP referral of inactive adults in the default town (30,000 adults, 6 workers for half
    a year), followed for a year: its funnel by quintile."""
    from healthgap.model.interventions import Outreach

    from .trials import default_town

    gp = Outreach(
        name="GP referral",
        channel="gp_referral",
        workers=GP_REFERRAL_WORKERS,
        target="inactive",
        end_year=0.5,
    )
    return Simulation(default_town({}, 30_000, 1.0, [gp]), seed).run_with_funnel()


def _funnel(seeds: list[int], funnels: list[list[FunnelRow]]) -> tuple[list[FunnelRow], str]:
    """The GP referral's funnel (`funnel_of_seed`) summed over the seeds, and its method."""
    rows = summed_funnel(funnels)
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
    targets: Iterable[str] | None = None,
    on_done: Callable[[int, int], None] | None = None,
    workers: int = 1,
) -> Validation:
    """Run `scenario` (the baseline: the default town, no intervention) for seeds seed,
    seed+1, ... for `years`, measure each comparison, and return the table's rows (with the
    Sheffield run for the distance decay unless `sheffield` is False, the run of grant-opened
    groups unless `grants` is False, and the virtual trials and the referral funnel unless
    `trials` is False). `residents` resizes the town; `targets` names the measures a
    calibration fitted (they show as "calibration target"; default: the shipped fits').
    Every run is the same on `workers` processes as here, seed for seed."""

    began = time.perf_counter()
    base = as_scenario(scenario)
    base = base.model_copy(update={"years": years})
    if residents is not None:
        base = base.model_copy(
            update={"place": base.place.model_copy(update={"residents": residents})}
        )
    base = as_scenario(base)
    fitted = shipped_targets() if targets is None else frozenset(targets)
    seeds = [seed + i for i in range(replicates)]

    # What each kind of measure is measured on: (scenario, seeds), or why it was not run.
    runs: dict[str, tuple[Scenario, list[int]]] = {BASELINE: (base, seeds)}
    skipped: dict[str, str] = {}
    if not sheffield:
        skipped[SHEFFIELD] = "not compared: the Sheffield run was not asked for (--no-sheffield)"
    elif sheffield_files() is None:
        skipped[SHEFFIELD] = f"not compared: the IoD tables were not found at {ENGLAND}"
    else:
        sheffield_seeds = [seed + i for i in range(sheffield_replicates)]
        runs[SHEFFIELD] = (_sheffield(base, sheffield_years, sheffield_sample), sheffield_seeds)
    if grants:
        grant_scenario = as_scenario(GRANTS_SCENARIO).model_copy(update={"years": GRANTS_YEARS})
        runs[GRANTS] = (grant_scenario, [seed + i for i in range(grants_replicates)])
    else:
        skipped[GRANTS] = (
            "not compared: the run of grant-opened groups was not asked for (--no-grants)"
        )
    comparisons = [m for m in MEASURES.values() if m.figure is not None and m.trial is None]
    # Every run is a job: a seed of a run with its measures, of a trial, or of the funnel.
    measured = {on: [m.name for m in comparisons if m.on == on and m.measured] for on in runs}
    trial_seeds = [seed + i for i in range(trial_replicates)]
    jobs: dict[tuple, tuple[Callable, tuple]] = {}
    for on, (run_scenario, run_seeds) in runs.items():
        if measured[on]:
            jobs |= {(on, s): (measure_run, (run_scenario, s, measured[on])) for s in run_seeds}
    if trials:
        jobs |= {(name, s): (outcomes_of_seed, (name, s)) for name in TRIALS for s in trial_seeds}
        jobs |= {("funnel", s): (funnel_of_seed, (s,)) for s in trial_seeds}
    progress = (lambda count: on_done(count, len(jobs))) if on_done else None
    done = dict(zip(jobs, run_in_order(list(jobs.values()), workers, progress), strict=True))

    values: dict[str, list[dict[str, float]]] = {}
    for on, (_, run_seeds) in runs.items():
        for s in run_seeds if measured[on] else []:
            for name, by_period in done[on, s].items():
                values.setdefault(name, []).append(by_period)
    years_of = {BASELINE: years, SHEFFIELD: sheffield_years, GRANTS: GRANTS_YEARS}
    rows = []
    for m in comparisons:
        status = m.status(fitted)
        if not m.measured:
            rows.append(_row(m, status, "-", None, None, None))
            continue
        for when in m.periods:
            period = _period(when, years_of[m.on])
            if m.name not in values:
                rows.append(_row(m, status, period, None, None, None, skipped[m.on]))
                continue
            mean, low, high = t_interval([v[when] for v in values[m.name]])
            note = "" if mean is not None else f"not compared: the runs gave no value; {m.note}"
            rows.append(_row(m, status, period, mean, low, high, note))
    if trials:
        trial_rows, trials_how = _trial_rows(trial_seeds, done, fitted)
        funnel_rows, funnel_how = _funnel(trial_seeds, [done["funnel", s] for s in trial_seeds])
    else:
        trial_rows, funnel_rows = [], []
        trials_how = funnel_how = "not run: the virtual trials were not asked for (--no-trials)"
    if SHEFFIELD in runs:
        sheffield_how = (
            f"{SHEFFIELD}'s LSOAs, {sheffield_sample:.0%} of adults simulated, "
            f"{sheffield_years:g} year{'s' * (sheffield_years != 1)}, {_seeds(runs[SHEFFIELD][1])}: "
            "parkrun participation per LSOA regressed on distance and deprivation"
        )
    else:
        sheffield_how = skipped[SHEFFIELD]
    grants_how = (
        f"{GRANTS_SCENARIO} (scenario library), {GRANTS_YEARS} years, "
        f"{_seeds(runs[GRANTS][1])}: its grant-opened groups after their funding ended"
        if GRANTS in runs
        else skipped[GRANTS]
    )
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
    return (
        f"The scenario '{result.scenario}' ({result.residents:,} adults) was built and burnt in, "
        f"then run for {result.years:g} years, once for each of {_seeds(result.seeds)}. Each figure is measured "
        "at the start (after the burn-in), at the end, or over the run, as the row says; the "
        "model's value is the mean over the runs and its interval the 95% t interval over them "
        "(none from one run). A figure is within tolerance when that mean is within the "
        "tolerance of the published value. Each tolerance and where it comes from is declared "
        "with its figure (experiments/measures.py) and shown in its row. "
        f"The distance decay: {result.sheffield}. Groups after their grants: {result.grants}. "
        f"Virtual trials: {result.trials}. The referral funnel: {result.funnel_how}."
    )
