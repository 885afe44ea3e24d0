"""Run a calibration: an Optuna study, saved as it goes in DIR/study.db, resumed by running again.

    DIR/study.db          the study (Optuna's SQLite storage): every trial, its parameters,
                          loss and each target's model value (user attributes)
    DIR/fitted.toml       the best trial's parameters as a [parameters] table
    DIR/calibration.html  targets, fit at the best trial, a plot of fit against each target
                          (written by `healthgap calibrate`, from healthgap.viz)
    DIR/trials.csv        a row per trial: number, state, loss, parameters, model values
    DIR/ensemble.csv      the parameter sets of every complete trial within tolerance of every
                          target, for `healthgap compare --ensemble`; if no trial is, the
                          nearest trials instead (the best 10% by loss, at least 5, or all if
                          fewer), and the page and the command say so

Each trial runs the base scenario with the trial's parameter values for every replicate seed
(the same seeds in every trial: common random numbers, so trials differ by their parameters
alone) and averages each target's measure over them. The loss is the sum over targets of
((model - figure) / tolerance)^2: a target missed by one tolerance adds 1.

Trials are asked a batch at a time (one per worker), evaluated on the process pool (or a Dask
cluster), and told when the batch is back. Before each batch the sampler is seeded from the
spec's seed and the batch's first trial number, so the same spec and batch size give the same
trials, uninterrupted or resumed. Only this process writes the study; workers only compute.

Resuming: a trial that was asked but not told when the process died is still RUNNING in the
study. On start, each such trial is evaluated again with its own parameters (any it had not
yet been given are drawn now) and told under its own number; only COMPLETE trials count
towards `trials`. Nothing is lost and nothing runs twice as a new trial. One process at a time
runs a study (it holds DIR/.study.lock while it does).
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from healthgap.ensemble import ENSEMBLE_FILE
from healthgap.model.errors import InputError
from healthgap.output import atomic_write

from .calibration_spec import LOSS, STUDY_FILE, Calibration, Target
from .measures import MEASURES, run_measured

if TYPE_CHECKING:
    import optuna
    import pandas as pd

STUDY_NAME = "healthgap-calibration"
LOCK_FILE = ".study.lock"  # held by the process running the study
IDENTITY = "calibration"  # the study's user attribute holding `Calibration.identity()`

Progress = Callable[[int, int], None]  # (trials complete, trials in all)
# With no trial within tolerance, ensemble.csv holds the best tenth of the trials, at least 5.
NEAREST_SHARE, NEAREST_AT_LEAST = 0.10, 5


def evaluate(calibration: Calibration, values: dict[str, float]) -> dict[str, float]:
    """One trial (in a worker): run the scenario at `values` for every replicate seed and
    measure each target, averaged over the replicates."""
    return run_measured(calibration.scenario(values), calibration.seeds, calibration.measures)


def loss(calibration: Calibration, model: dict[str, float]) -> float:
    """The sum over targets of ((model - figure) / tolerance)^2."""
    return float(
        sum(
            ((model[t.measure] - t.figure.value) / t.tolerance) ** 2
            for t in calibration.spec.targets
        )
    )


@dataclass(frozen=True)
class TargetFit:
    """One target at the best trial: the figure, its source, the tolerance, the model's value."""

    measure: str
    label: str
    unit: str
    figure: float
    source: str
    population: str  # whom and when the figure describes
    tolerance: float
    model: float

    @property
    def miss(self) -> float:
        """(model - figure) / tolerance: within tolerance from -1 to 1."""
        return (self.model - self.figure) / self.tolerance

    @property
    def within(self) -> bool:
        return abs(self.miss) <= 1


@dataclass(frozen=True)
class FittedParameter:
    """A free parameter: its unit, the range searched, the default and the best trial's value."""

    path: str
    unit: str
    low: float
    high: float
    default: float
    fitted: float


@dataclass(frozen=True)
class CalibrationResult:
    """A finished study: the best trial, its parameters and fit, and every trial."""

    calibration: Calibration
    folder: Path
    best_trial: int
    loss: float
    parameters: list[FittedParameter]
    targets: list[TargetFit]
    trials: pd.DataFrame  # a row per trial: trial, state, loss, each parameter, each measure
    complete: int
    ran: int  # trials evaluated by this call (re-run interrupted ones included)

    @property
    def fitted(self) -> dict[str, float]:
        return {p.path: p.fitted for p in self.parameters}

    @property
    def ensemble(self) -> tuple[pd.DataFrame, bool]:
        """ensemble.csv (`ensemble_trials`) and whether its trials are within tolerance."""
        spec = self.calibration.spec
        return ensemble_trials(self.trials, spec.targets, self.calibration.paths)


def ensemble_trials(
    trials: pd.DataFrame, targets: list[Target], paths: list[str]
) -> tuple[pd.DataFrame, bool]:
    """The trial number and parameters of every complete trial within tolerance of every
    target, best loss first, and True; if there is none, the nearest trials (the best 10% by
    loss, at least 5, or all if fewer) and False."""
    complete = trials[trials.state == "COMPLETE"].sort_values(["loss", "trial"])
    within = np.ones(len(complete), dtype=bool)
    for t in targets:
        within &= ((complete[t.measure] - t.figure.value) / t.tolerance).abs().to_numpy() <= 1
    if within.any():
        chosen = complete[within]
    else:
        chosen = complete.head(max(NEAREST_AT_LEAST, math.ceil(NEAREST_SHARE * len(complete))))
    return chosen[["trial", *paths]].reset_index(drop=True), bool(within.any())


def run_calibration(
    calibration: Calibration,
    out_dir: Path,
    workers: int | None = None,
    scheduler: str | None = None,
    progress: Progress | None = None,
) -> CalibrationResult:
    """Run (or resume) the study in `out_dir` until it has `trials` COMPLETE trials, then write
    fitted.toml, trials.csv and ensemble.csv (`healthgap calibrate` adds calibration.html:
    `healthgap.viz.calibration_page.write_calibration_page`). `workers` processes on this machine (default
    one per core; 1 runs in this process), or the Dask cluster whose scheduler is at
    `scheduler`. `progress(complete, total)` is called at the start and after each batch."""
    from .sweep import dask_client

    out_dir = Path(out_dir).resolve()
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise InputError(
            f"Cannot write the calibration to '{out_dir}' ({error.strerror or error}).",
            fix="Choose a folder you can write to with --out.",
        ) from None
    with (
        study_lock(out_dir),
        quiet_optuna(),
        dask_client(scheduler) if scheduler else contextlib.nullcontext() as client,
    ):
        study = open_study(calibration, out_dir)
        total = calibration.spec.trials
        if client:
            size = sum(client.nthreads().values()) or 1
        else:
            size = workers or os.cpu_count() or 1
        batch = calibration.spec.batch or size
        with executor(client, min(size, batch)) as run_batch:
            ran = resume_and_run(calibration, study, run_batch, batch, total, progress)
    result = calibration_result(calibration, study, out_dir, ran)
    write_outputs(result)
    return result


@contextlib.contextmanager
def study_lock(out_dir: Path) -> Iterator[None]:
    """Hold the folder's lock while running its study: a second process would take the first's
    running trials for interrupted ones. The system releases it when the process dies, however
    it dies, so a killed study resumes."""
    try:
        import fcntl
    except ImportError:  # Windows: no advisory locks here; run one process a study
        yield
        return
    with open(out_dir / LOCK_FILE, "w") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise InputError(
                "Another healthgap calibrate is running this study.",
                where=str(out_dir),
                fix="Wait for it to finish (or stop it), or give another folder with --out.",
            ) from None
        yield


def open_study(calibration: Calibration, out_dir: Path) -> optuna.Study:
    """The folder's study (made if new); an error if it is another calibration's."""
    import optuna

    storage = f"sqlite:///{out_dir / STUDY_FILE}"
    try:
        study = optuna.create_study(
            storage=storage, study_name=STUDY_NAME, direction="minimize", load_if_exists=True
        )
    except Exception as error:  # SQLAlchemy's errors: not a database, locked, unwritable
        raise InputError(
            f"Cannot open the study in '{out_dir / STUDY_FILE}' ({error}).",
            fix="Give another folder with --out, or remove the damaged study.db.",
        ) from None
    wanted = calibration.identity()
    found = study.user_attrs.get(IDENTITY)
    if found is None:
        study.set_user_attr(IDENTITY, wanted)
    elif found != wanted:
        raise InputError(
            f"'{out_dir}' holds the study of a different calibration (its base, free "
            "parameters, targets, horizon, sample, replicates, seed or sampler differ from this "
            "file's; only trials and batch may change).",
            where=calibration.where,
            fix="Give another folder with --out, or run the calibration file that made it.",
        )
    return study


def sampler_for(calibration: Calibration, first_trial: int) -> optuna.samplers.BaseSampler:
    """The sampler for the batch starting at trial `first_trial`, seeded from the spec's seed
    and that number: the same history gives the same batch, in one run or across a resume."""
    import optuna

    spec = calibration.spec
    seed = int(np.random.SeedSequence([spec.seed, first_trial]).generate_state(1)[0])
    if spec.sampler == "random":
        return optuna.samplers.RandomSampler(seed=seed)
    # Optuna's 10 random trials first (fewer in a short study): in a recovery test of two
    # parameters, 24 trials found them better after 10 random ones than after 5.
    startup = min(10, max(1, spec.trials // 2))
    return optuna.samplers.TPESampler(
        seed=seed, n_startup_trials=startup, multivariate=True, constant_liar=True
    )


def suggest(calibration: Calibration, trial: optuna.Trial) -> dict[str, float]:
    """The trial's value of each free parameter (stored ones are returned as they were)."""
    values = {}
    for free in calibration.spec.free:
        low, high = free.bounds
        if free.whole:
            values[free.path] = trial.suggest_int(free.path, int(low), int(high))
        else:
            values[free.path] = trial.suggest_float(free.path, low, high)
    return values


BatchRunner = Callable[[Calibration, list[dict[str, float]]], list[dict[str, float]]]


@contextlib.contextmanager
def executor(client, workers: int) -> Iterator[BatchRunner]:
    """Evaluate a batch of trials: on the Dask cluster, on a process pool, or here."""
    if client is not None:

        def on_dask(calibration, batch):
            futures = [client.submit(evaluate, calibration, v, pure=False) for v in batch]
            return [future.result() for future in futures]

        yield on_dask
    elif workers <= 1:
        yield lambda calibration, batch: [evaluate(calibration, v) for v in batch]
    else:
        from healthgap.workers import process_pool

        with process_pool(workers) as pool:

            def on_pool(calibration, batch):
                futures = [pool.submit(evaluate, calibration, v) for v in batch]
                return [future.result() for future in futures]

            yield on_pool


def resume_and_run(
    calibration: Calibration,
    study: optuna.Study,
    run_batch: BatchRunner,
    batch: int,
    total: int,
    progress: Progress | None,
) -> int:
    """Finish the trials a killed run left RUNNING, then ask, evaluate and tell batches until
    the study has `total` COMPLETE trials; returns how many trials were evaluated."""
    import optuna
    from optuna.trial import TrialState

    def count() -> int:
        return len(study.get_trials(deepcopy=False, states=[TrialState.COMPLETE]))

    def tell(trials: list[optuna.Trial], values: list[dict[str, float]]) -> None:
        for trial, model in zip(trials, values, strict=True):
            for name, value in model.items():
                trial.set_user_attr(name, value)
            missing = [name for name, value in model.items() if not math.isfinite(value)]
            if missing:
                study.tell(trial, state=TrialState.FAIL)
                raise InputError(
                    f"Trial {trial.number} measured no value of {', '.join(missing)} (the place "
                    "has nobody it counts, e.g. no neighbourhood in that quintile, or nobody "
                    "went to a parkrun).",
                    where=calibration.where,
                    fix="Leave that target out, or calibrate on a place that has them.",
                )
            study.tell(trial, loss(calibration, model))

    complete = count()
    ran = 0
    if progress:
        progress(complete, total)
    interrupted = study.get_trials(deepcopy=False, states=[TrialState.RUNNING])
    for start in range(0, len(interrupted), batch):
        chunk = interrupted[start : start + batch]
        study.sampler = sampler_for(calibration, chunk[0].number)
        trials = [optuna.trial.Trial(study, frozen._trial_id) for frozen in chunk]
        values = [suggest(calibration, trial) for trial in trials]
        tell(trials, run_batch(calibration, values))
        ran += len(trials)
        complete = count()
        if progress:
            progress(complete, total)
    while complete < total:
        size = min(batch, total - complete)
        study.sampler = sampler_for(calibration, len(study.get_trials(deepcopy=False)))
        trials = [study.ask() for _ in range(size)]
        values = [suggest(calibration, trial) for trial in trials]
        tell(trials, run_batch(calibration, values))
        ran += size
        complete = count()
        if progress:
            progress(complete, total)
    return ran


def calibration_result(
    calibration: Calibration, study: optuna.Study, folder: Path, ran: int
) -> CalibrationResult:
    """The best trial's parameters and fit, and every trial as a table."""
    import pandas as pd
    from optuna.trial import TrialState

    from healthgap.model.parameters import Parameters

    trials = study.get_trials(deepcopy=False)
    complete = [t for t in trials if t.state == TrialState.COMPLETE]
    best = min(complete, key=lambda t: (t.value, t.number))
    defaults = Parameters().flat()
    parameters = []
    for free in calibration.spec.free:
        meta = dict(_meta(free.path))
        parameters.append(
            FittedParameter(
                free.path, meta["unit"], *free.bounds, defaults[free.path], best.params[free.path]
            )
        )
    targets = [
        TargetFit(
            t.measure,
            MEASURES[t.measure].label,
            MEASURES[t.measure].unit,
            t.figure.value,
            t.figure.source,
            t.figure.population,
            t.tolerance,
            float(best.user_attrs[t.measure]),
        )
        for t in calibration.spec.targets
    ]
    rows = [
        {
            "trial": t.number,
            "state": t.state.name,
            "loss": t.value,
            **{path: t.params.get(path) for path in calibration.paths},
            **{name: t.user_attrs.get(name) for name in calibration.measures},
        }
        for t in trials
    ]
    table = pd.DataFrame(
        rows, columns=["trial", "state", "loss", *calibration.paths, *calibration.measures]
    )
    return CalibrationResult(
        calibration,
        folder,
        best.number,
        float(best.value),
        parameters,
        targets,
        table,
        len(complete),
        ran,
    )


def _meta(path: str) -> dict:
    from healthgap.model.parameters import PARAMETERS

    return PARAMETERS[path][1]


def fitted_toml(result: CalibrationResult) -> str:
    """fitted.toml: the best trial's parameters as a [parameters] table, with comments naming
    the study, its loss and each target's fit. A scenario names it with parameters_file."""
    spec = result.calibration.spec
    lines = [
        f"# Fitted by healthgap calibrate {result.calibration.where}",
        f"# Study '{STUDY_NAME}' in {result.folder / STUDY_FILE}: best of {result.complete} "
        f"complete trials is trial {result.best_trial}, loss {result.loss:.4g} ({LOSS})",
        f"# {spec.replicates} replicate(s) from seed {spec.seed}, "
        f"{result.calibration.scenario().years:g} years, base '{spec.base}'",
        "# Each target: model at the best trial, figure, tolerance",
    ]
    for t in result.targets:
        verdict = "within" if t.within else "OUTSIDE"
        lines.append(
            f"#   {t.measure}: {t.model:.4g} vs {t.figure:g} ± {t.tolerance:g} ({verdict}; "
            f"{t.source})"
        )
    lines += [
        '# Use it in a scenario file: parameters_file = "PATH/fitted.toml" (the scenario\'s own',
        "# [parameters] win), or paste the table below into the scenario.",
        "[parameters]",
    ]
    for p in result.parameters:  # a whole-number parameter's value is an int already
        lines.append(f'"{p.path}" = {p.fitted!r}  # {p.unit}; searched {p.low:g} to {p.high:g}')
    return "\n".join(lines) + "\n"


def ensemble_note(result: CalibrationResult) -> str:
    """What ensemble.csv holds, for the page and the command line: loud when no trial fits."""
    table, within = result.ensemble
    if within:
        return (
            f"{ENSEMBLE_FILE} holds the {len(table)} trial(s) within tolerance of every target: "
            "parameter sets consistent with the targets. healthgap compare --ensemble "
            f"{ENSEMBLE_FILE} draws one per replicate, so its intervals cover their uncertainty."
        )
    return (
        f"No trial is within tolerance of every target, so {ENSEMBLE_FILE} holds the "
        f"{len(table)} nearest trials instead (the best 10% by loss, at least 5, or all if "
        "fewer), not parameter sets consistent with the targets. Intervals from healthgap "
        "compare --ensemble with it show the spread among the nearest fits; improve the fit "
        "(more trials, other ranges or parameters) before relying on them."
    )


def write_outputs(result: CalibrationResult) -> None:
    """fitted.toml, trials.csv and ensemble.csv, each written whole."""
    folder = result.folder
    text = fitted_toml(result)
    atomic_write(folder / "fitted.toml", lambda p: p.write_text(text, encoding="utf-8"))
    atomic_write(folder / "trials.csv", lambda p: result.trials.to_csv(p, index=False))
    ensemble, _ = result.ensemble
    atomic_write(folder / ENSEMBLE_FILE, lambda p: ensemble.to_csv(p, index=False))


@contextlib.contextmanager
def quiet_optuna() -> Iterator[None]:
    """No log line per trial and no warning that multivariate TPE is experimental."""
    import optuna

    verbosity = optuna.logging.get_verbosity()
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
            yield
    finally:
        optuna.logging.set_verbosity(verbosity)


def read_study(folder: Path) -> dict:
    """The study in `folder` as plain data (for tests and notebooks): each trial's number,
    state, parameters, loss and user attributes."""
    import optuna

    with quiet_optuna():
        study = optuna.load_study(
            study_name=STUDY_NAME, storage=f"sqlite:///{Path(folder).resolve() / STUDY_FILE}"
        )
        return {
            "identity": json.loads(study.user_attrs.get(IDENTITY, "null")),
            "trials": [
                {
                    "number": t.number,
                    "state": t.state.name,
                    "params": t.params,
                    "loss": t.value,
                    "model": t.user_attrs,
                }
                for t in study.get_trials(deepcopy=False)
            ],
        }
