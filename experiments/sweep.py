"""Run a sweep: every design point for every replicate, one Parquet file per finished run.

    DIR/manifest.json   the spec, the design matrix (`points`), SALib's `problem`, provenance
    DIR/runs/point-000012-rep-0003.parquet   one row: point, replicate, seed, factors, outputs

Replicate r runs with seed `spec.seed + r` at every point (common random numbers across
points). Each run's file is written whole by the process that ran it (temporary name, then
rename), so a killed sweep keeps what it finished and the same command runs only what is
missing. Runs go to a local process pool, one process, or a Dask cluster.
"""

from __future__ import annotations

import contextlib
import functools
import itertools
import json
import os
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import wait as futures_wait
from pathlib import Path

import numpy as np

from healthgap.compare import outcome, run_seed
from healthgap.effects import RunOutcome, cost_per_wellby, discounted, weekly_wellbys
from healthgap.model.errors import InputError
from healthgap.model.metrics import INEQUALITY_METRICS, Results
from healthgap.output import atomic_write
from healthgap.scenarios import Scenario, check_place_fits, load_scenario
from healthgap.scenarios.schema import PLACE_FILES
from healthgap.simulation import Simulation, provenance
from healthgap.workers import process_pool

from .sweep_spec import PARAMETERS, Sweep

MANIFEST = "manifest.json"
RUNS = "runs"
# What must match for a folder's finished runs to belong to this sweep.
SAME_SWEEP = ("design", "problem", "factors", "outputs", "points", "spec", "base_digest")
SCHEDULER_TIMEOUT = "5s"

Progress = Callable[[int, int], None]  # (runs finished, runs in all)


def design_points(sweep: Sweep) -> np.ndarray:
    """The design matrix, a row per point: SALib's samplers, or every combination for a grid.

    Factors that take whole numbers are rounded (a Morris design's levels are whole numbers
    already: `on_morris_levels`)."""
    spec = sweep.spec
    if spec.design == "places":
        return np.arange(len(sweep.places), dtype=float)[:, None]
    if spec.design == "grid":
        axes = [
            factor.levels or np.linspace(low, high, spec.grid_steps)
            for factor, (low, high) in zip(spec.factors, sweep.bounds, strict=True)
        ]
        points = np.array(list(itertools.product(*axes)), dtype=float)
    elif spec.design == "latin":
        from SALib.sample import latin

        points = latin.sample(sweep.problem, spec.samples, seed=spec.seed)
    elif spec.design == "saltelli":
        from SALib.sample import sobol

        points = sobol.sample(
            sweep.problem, spec.samples, calc_second_order=spec.second_order, seed=spec.seed
        )
    else:
        from SALib.sample import morris

        points = morris.sample(
            sweep.problem, spec.samples, num_levels=spec.morris_levels, seed=spec.seed
        )
    points[:, sweep.whole] = np.round(points[:, sweep.whole])
    return points


def point_scenario(sweep: Sweep, values: Sequence[float] = ()) -> Scenario:
    """The base scenario with the sweep's horizon and sample of its town and one point's factor
    values."""
    spec = sweep.spec
    # What the base's file set, not every default: some defaults are refused where unused
    # (a bus route's capacity).
    data = sweep.base.model_dump(exclude_unset=True)
    if spec.years is not None:
        data["years"] = spec.years
    if spec.residents is not None:  # a sample of the base town, so interventions shrink alike
        data.setdefault("place", {})["sample"] = spec.residents / sweep.base.place.residents
    if sweep.places:
        if len(values):
            data["place"] = sweep.places[int(values[0])].model_dump()
        return Scenario.model_validate(data)
    for path, value, whole in zip(spec.factor_paths, values, sweep.whole, strict=False):
        value = int(value) if whole else float(value)
        if path in PARAMETERS:  # interventions.referral_weeks is one, not a field
            data.setdefault("parameters", {})[path] = value
        else:
            _, index, name = path.split(".")
            data["interventions"][int(index)][name] = value
    return Scenario.model_validate(data)


def checked_scenarios(sweep: Sweep, points: np.ndarray, where: str) -> None:
    """Every point makes a valid scenario (checked before any run starts)."""
    from pydantic import ValidationError

    from healthgap.scenarios.schema import describe_validation

    for i, values in enumerate(points):
        try:
            scenario = point_scenario(sweep, values)
            scenario.model_parameters()
            check_place_fits(scenario, where=f"{where}: design point {i}")
        except ValidationError as error:
            raise InputError(
                f"Design point {i} ({factor_values(sweep, values)}) "
                f"makes an invalid scenario: {describe_validation(error)}",
                where=where,
                fix="Narrow the factors' ranges to values the scenario allows.",
            ) from None


def output_level(name: str, results: Results) -> float:
    """A metric's final week for the town, or its gap (quintile 1 minus 5) or SII: gap_<metric>."""
    kind, _, metric = name.partition("_")
    if kind in ("gap", "sii") and metric in INEQUALITY_METRICS:
        return float(results.inequality[kind][-1, INEQUALITY_METRICS.index(metric)])
    return float(results.series(name)[-1])


def run_outputs(sweep: Sweep, scenario: Scenario, seed: int) -> dict[str, float]:
    """Run one scenario for one seed (and, paired, the baseline's interventions from the same
    burnt-in town) and compute the outputs asked for."""
    if not sweep.spec.paired:
        treated = outcome(Simulation(scenario, seed))
        return {name: output_level(name, treated.results) for name in sweep.spec.output_names}
    baseline = load_scenario("baseline").model_copy(update={"years": scenario.years})
    [(treated, untreated)] = run_seed(baseline, [scenario], seed)
    return {name: effect(name, treated, untreated, scenario) for name in sweep.spec.output_names}


def effect(name: str, treated: RunOutcome, untreated: RunOutcome, scenario: Scenario) -> float:
    """A level of the treated run, or a paired effect: delta_<output>, WELLBYs and costs (as a
    comparison computes them)."""
    if name.startswith("delta_"):
        level = name.removeprefix("delta_")
        return output_level(level, treated.results) - output_level(level, untreated.results)
    if name not in ("wellbys", "cost_gbp", "cost_per_wellby"):
        return output_level(name, treated.results)
    diff = treated.results.values - untreated.results.values
    wellbys = float(discounted(weekly_wellbys(diff, treated.residents / scenario.place.sample)))
    value = {
        "wellbys": wellbys,
        "cost_gbp": treated.spent_gbp,
        "cost_per_wellby": cost_per_wellby(treated.spent_gbp, wellbys),
    }[name]
    return float("nan") if value is None else float(value)


def run_name(point: int, replicate: int) -> str:
    return f"point-{point:06d}-rep-{replicate:04d}.parquet"


def factor_values(sweep: Sweep, values: Sequence[float]) -> dict:
    """A point's factors by path; a places design's point is its local authority's name."""
    if sweep.places:
        return {"local_authority": sweep.places[int(values[0])].local_authority}
    return dict(zip(sweep.spec.factor_paths, values, strict=True))


def run_one(sweep: Sweep, point: int, values: list[float], replicate: int, runs: Path) -> None:
    """One run, written to its own file in `runs` (in the process that ran it)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    seed = sweep.spec.seed + replicate
    row = {
        "point": point,
        "replicate": replicate,
        "seed": seed,
        **factor_values(sweep, values),
        **run_outputs(sweep, point_scenario(sweep, values), seed),
    }
    table = pa.table({k: [v] for k, v in row.items()})
    atomic_write(runs / run_name(point, replicate), lambda p: pq.write_table(table, p))


def manifest(sweep: Sweep, points: np.ndarray) -> dict:
    """What the sweep is: the contract for `healthgap sensitivity` and for resuming."""
    spec = sweep.spec
    start = point_scenario(sweep)
    return {
        "design": spec.design,
        "problem": sweep.problem,
        "samples": spec.samples,
        "replicates": spec.replicates,
        "factors": spec.factor_paths,
        "outputs": spec.output_names,
        "points": points.tolist(),
        "spec": spec.model_dump(mode="json"),
        "calc_second_order": spec.second_order,
        "num_levels": spec.morris_levels,
        "seeds": [spec.seed + r for r in range(spec.replicates)],
        "places": [place.local_authority for place in sweep.places],
        # The IoD tables the places came from, as full paths (for reports on the places).
        "place_files": sweep.places[0].model_dump(include=set(PLACE_FILES)) if sweep.places else {},
        "runs": len(points) * spec.replicates,
        "base_scenario": start.name,
        "base_digest": start.digest(),
        "provenance": provenance(start, spec.seed),
    }


def read_manifest(folder: Path) -> dict:
    """The sweep's manifest.json, or a clear error if `folder` is not a sweep folder."""
    path = Path(folder) / MANIFEST
    if not path.is_file():
        raise InputError(
            "No sweep here: the folder has no manifest.json.",
            where=str(folder),
            fix="Give the folder a sweep wrote its results to (healthgap sweep SPEC --out DIR).",
        )
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise InputError.unreadable(path, error) from None
    except json.JSONDecodeError as error:
        raise InputError(
            f"The manifest is not valid JSON ({error}).",
            where=str(path),
            fix="Run the sweep command again with the same --out to rewrite it.",
        ) from None


def prepare(sweep: Sweep, out_dir: Path, where: str) -> dict:
    """Write DIR/manifest.json, or check that the one there is this sweep's; returns it."""
    points = design_points(sweep)
    checked_scenarios(sweep, points, where)
    wanted = json.loads(json.dumps(manifest(sweep, points)))
    path = out_dir / MANIFEST
    if path.exists():
        found = read_manifest(out_dir)
        differs = [key for key in SAME_SWEEP if found.get(key) != wanted[key]]
        if differs:
            raise InputError(
                f"'{out_dir}' holds the runs of a different sweep (its {', '.join(differs)} "
                "differ from this sweep file's).",
                where=where,
                fix="Give another folder with --out, or run the sweep file that made it.",
            )
        return found
    (out_dir / RUNS).mkdir(parents=True, exist_ok=True)
    atomic_write(path, lambda p: p.write_text(json.dumps(wanted, indent=1)))
    return wanted


def missing_runs(plan: dict, runs: Path) -> list[tuple[int, int]]:
    """The (point, replicate) pairs with no finished run file."""
    finished = {p.name for p in runs.glob("point-*.parquet")}
    return [
        (point, replicate)
        for point in range(len(plan["points"]))
        for replicate in range(plan["replicates"])
        if run_name(point, replicate) not in finished
    ]


def run_sweep(
    sweep: Sweep,
    out_dir: Path,
    workers: int | None = None,
    scheduler: str | None = None,
    progress: Progress | None = None,
    where: str = "the sweep",
) -> int:
    """Run every missing (point, replicate) of the sweep into `out_dir`; returns how many ran.

    `workers` processes on this machine (default one per core; 1 runs in this process), or
    the Dask cluster whose scheduler is at `scheduler`. `progress(finished, total)` is called
    at the start and after each run."""
    out_dir = out_dir.resolve()
    with dask_client(scheduler) if scheduler else contextlib.nullcontext() as client:
        try:
            plan = prepare(sweep, out_dir, where)
            runs = out_dir / RUNS
            todo = missing_runs(plan, runs)
            finished, total = plan["runs"] - len(todo), plan["runs"]
            if progress:
                progress(finished, total)

            def done() -> None:
                nonlocal finished
                finished += 1
                if progress:
                    progress(finished, total)

            tasks = ((sweep, p, plan["points"][p], r, runs) for p, r in todo)
            workers = min(workers or os.cpu_count() or 1, len(todo))
            if client:
                from distributed import wait as dask_wait

                submit = functools.partial(client.submit, pure=False)  # each run is new work
                threads = sum(client.nthreads().values())
                drain(submit, dask_wait, tasks, max(2 * threads, 8), done)
            elif workers <= 1:
                for task in tasks:
                    run_one(*task)
                    done()
            else:
                with process_pool(workers) as pool:
                    drain(pool.submit, futures_wait, tasks, 4 * workers, done)
        except OSError as error:
            raise InputError(
                f"Cannot write the sweep's results to '{out_dir}' ({error.strerror or error}).",
                fix="Free some space, or choose a folder you can write to with --out; finished "
                "runs are kept, and the same command runs only what is missing.",
            ) from None
    return len(todo)


def drain(
    submit: Callable, wait: Callable, tasks: Iterable[tuple], window: int, done: Callable
) -> None:
    """Submit tasks with at most `window` in flight (the coordinator holds no backlog), waiting
    for each to finish (its error raised here)."""
    tasks = iter(tasks)
    pending = {submit(run_one, *task) for task in itertools.islice(tasks, window)}
    while pending:
        finished, pending = wait(pending, return_when="FIRST_COMPLETED")
        for future in finished:
            future.result()
            done()
        pending |= {submit(run_one, *task) for task in itertools.islice(tasks, len(finished))}


@contextlib.contextmanager
def dask_client(address: str) -> Iterator:
    """A client of the Dask cluster whose scheduler is at `address` (its workers write the run
    files: the output folder must be on a file system they share); a clear error if it cannot
    be reached in a few seconds."""
    from distributed import Client
    from distributed.comm import resolve_address

    try:
        # A malformed address is refused before a Client exists: a failed Client's clean-up
        # would hold up the exit.
        client = Client(resolve_address(address), timeout=SCHEDULER_TIMEOUT, set_as_default=False)
    except (OSError, ValueError) as error:
        raise InputError(
            f"Cannot reach the Dask scheduler at '{address}' ({error}).",
            fix="Start the cluster first and give its scheduler's address, e.g. "
            "tcp://10.0.0.5:8786 (dask scheduler prints it), or leave out --scheduler to "
            "run on this machine.",
        ) from None
    with client, client.as_current():  # `distributed.wait` asks the current client
        yield client
