"""The `healthgap` command."""

from __future__ import annotations

import contextlib
import math
import os
import shutil
import signal
import sys
import tempfile
import warnings
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from healthgap.model.errors import InputError

if TYPE_CHECKING:
    from healthgap.effects import Comparison
    from healthgap.experiments.calibration import CalibrationResult
    from healthgap.experiments.places_report import PlacesReport
    from healthgap.experiments.sensitivity import Sensitivity

app = typer.Typer(
    help="What-if simulation of community health interventions and the inequality gap.",
    add_completion=False,
    pretty_exceptions_enable=False,
    no_args_is_help=True,
)
err = Console(stderr=True)
# Errors and warnings are printed unwrapped (`soft_wrap`): rich wrapped them at 80 columns when
# not a terminal and broke a long file path mid-name ("bad.tom" / "l"); a terminal wraps them
# for the eye, and a log or a copy keeps the path whole.
out = Console() if sys.stdout.isatty() else Console(width=120)  # tables stay whole in logs


def progress_bar(unit: str) -> Progress:
    """A progress bar on stderr that counts `unit`s and clears itself when done."""
    return Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn(unit),
        TimeRemainingColumn(),
        console=err,
        transient=True,
    )


@contextlib.contextmanager
def staged_output(folder: Path) -> Iterator[Path]:
    """A scratch folder beside `folder` to write results into; they move into `folder` only
    when the block finishes, so an error or Ctrl-C leaves no partial output."""
    created = not folder.exists()
    try:
        folder.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=".healthgap-", dir=folder.parent))
    except OSError as error:
        raise InputError(
            f"Cannot write results to '{folder}' ({error.strerror or error}).",
            fix="Choose a folder you can write to with --out.",
        ) from None
    try:
        yield staging
        for item in staging.iterdir():
            item.replace(folder / item.name)
    except BaseException:
        if created:
            shutil.rmtree(folder, ignore_errors=True)
        raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)


@app.command()
def run(
    scenario: Annotated[
        str | None,
        typer.Argument(
            help="A built-in scenario name or a scenario .toml file (default: baseline)."
        ),
    ] = None,
    seed: Annotated[
        int | None, typer.Option(min=0, help="Random seed (default: the scenario's).")
    ] = None,
    years: Annotated[
        float | None,
        typer.Option(min=0.02, max=50, help="Years to simulate (default: the scenario's)."),
    ] = None,
    out_dir: Annotated[
        Path | None,
        typer.Option("--out", help="Folder for the results (default: a new folder under ./runs/)."),
    ] = None,
) -> None:
    """Run one scenario and write timeseries.parquet and summary.json."""
    from healthgap.output import write_outputs
    from healthgap.scenarios import load_scenario
    from healthgap.simulation import Simulation

    chosen = load_scenario(scenario)
    if years is not None:
        chosen = chosen.model_copy(update={"years": years})
    if out_dir is None:
        out_dir = Path("runs") / f"{chosen.name}-{datetime.now():%Y%m%d-%H%M%S}"
    with staged_output(out_dir) as staging, progress_bar("weeks") as progress:
        task = progress.add_task(f"Building {chosen.name}", total=chosen.weeks)
        sim = Simulation(chosen, seed)
        progress.update(task, description=f"Simulating {chosen.name}")
        sim.run(on_week=lambda week: progress.update(task, completed=week))
        write_outputs(sim, staging)
    out.print(quintile_table(sim.results().summary(), chosen.name))
    out.print(f"Results written to {out_dir}/ (timeseries.parquet, summary.json)")


@app.command("scenarios")
def list_scenarios() -> None:
    """List the built-in scenarios with a one-line description."""
    from healthgap.scenarios import builtin_names, load_scenario

    table = Table(title="Built-in scenarios (run one with: healthgap run NAME)")
    table.add_column("name")
    table.add_column("description")
    for name in builtin_names():
        table.add_row(name, load_scenario(name).description)
    out.print(table)


@app.command()
def compare(
    baseline: Annotated[str, typer.Argument(help="The baseline: a built-in name or a .toml file.")],
    scenarios: Annotated[
        list[str], typer.Argument(help="One or more scenarios to compare with the baseline.")
    ],
    replicates: Annotated[
        int, typer.Option(min=1, max=1000, help="Seeds each scenario runs with.")
    ] = 10,
    seed: Annotated[
        int, typer.Option(min=0, help="First seed; replicates use seed, seed+1, ...")
    ] = 1,
    years: Annotated[
        float | None, typer.Option(min=0.02, max=50, help="Years (default: the baseline's).")
    ] = None,
    workers: Annotated[
        int | None, typer.Option(min=1, help="Processes (default: one per core).")
    ] = None,
    out_dir: Annotated[
        Path | None, typer.Option("--out", help="Folder (default: a new one under ./runs/).")
    ] = None,
    transport_apart: Annotated[
        bool,
        typer.Option(
            help="Also run a scenario's transport levers alone, and its other levers alone."
        ),
    ] = True,
    ensemble: Annotated[
        Path | None,
        typer.Option(
            help="Parameter sets (a CSV such as calibrate's ensemble.csv): each replicate runs "
            "with one drawn from it, so intervals cover parameter uncertainty too."
        ),
    ] = None,
) -> None:
    """Compare scenarios with a baseline: paired differences, costs, WELLBYs and a report.

    A scenario with transport levers and others also runs as "NAME: transport only" and
    "NAME: without transport", so the report shows what transport costs and does on its own.
    """
    from healthgap.compare import compare as run_comparison
    from healthgap.effects import write_comparison
    from healthgap.ensemble import load_ensemble
    from healthgap.scenarios import load_scenario
    from healthgap.viz.report import write_report

    base = load_scenario(baseline)
    others = [load_scenario(s) for s in scenarios]
    sets = load_ensemble(ensemble) if ensemble is not None else None
    if out_dir is None:
        out_dir = Path("runs") / f"compare-{base.name}-{datetime.now():%Y%m%d-%H%M%S}"
    with staged_output(out_dir) as staging:
        with progress_bar("seeds") as progress:
            task = progress.add_task("Comparing", total=replicates)
            result = run_comparison(
                base,
                others,
                replicates,
                seed,
                workers,
                on_done=lambda done: progress.update(task, completed=done),
                years=years,
                transport_apart=transport_apart,
                ensemble=sets,
            )
        write_comparison(result, staging)
        write_report(result, staging / "report.html")
    out.print(comparison_table(result))
    if children := children_table(result):
        out.print(children)
    for entry in result.scenarios.values():
        for warning in entry.warnings:
            out.print(f"[bold yellow]Warning:[/] {warning.text}", highlight=False)
    out.print(
        f"Results written to {out_dir}/ (report.html, comparison.json, deltas.csv, "
        "economics.csv, access.csv)"
    )


def one_executor(workers: int | None, scheduler: str | None) -> None:
    """Work runs here (--workers) or on a Dask cluster (--scheduler), not both."""
    if workers is not None and scheduler is not None:
        raise InputError(
            "--workers and --scheduler both given.",
            fix="Give --workers to run here, or --scheduler to run on a Dask cluster.",
        )


def resuming(progress, description: str) -> Callable[[int, int], None]:
    """A progress callback (done, total) for work that resumes: what was done before shows on
    the bar from the start but does not count towards its speed."""
    task = None

    def show(done: int, total: int) -> None:
        nonlocal task
        if task is None:
            task = progress.add_task(description, total=total, completed=done)
        progress.update(task, completed=done)

    return show


# The two ways to run many simulations, shared by sweep and calibrate.
LocalWorkers = Annotated[
    int | None, typer.Option(min=1, help="Processes on this machine (default: one per core).")
]
DaskScheduler = Annotated[
    str | None,
    typer.Option(help="A Dask scheduler's address (tcp://HOST:8786): run on that cluster."),
]


@app.command()
def sweep(
    spec: Annotated[Path, typer.Argument(help="A sweep file (.toml): base, factors, design.")],
    out_dir: Annotated[
        Path, typer.Option("--out", help="Folder for manifest.json and runs/ (resumed if there).")
    ],
    workers: LocalWorkers = None,
    scheduler: DaskScheduler = None,
) -> None:
    """Run a sweep file's design, one Parquet file per run; run again to finish a stopped sweep."""
    from healthgap.experiments.sweep import run_sweep
    from healthgap.experiments.sweep_spec import load_sweep

    one_executor(workers, scheduler)
    chosen = load_sweep(spec)
    if chosen.zero_width:
        out.print(
            f"{len(chosen.spec.factors)} factors; {len(chosen.zero_width)} declared parameters "
            f"left out, their range zero-width: {', '.join(chosen.zero_width)}"
        )
    with progress_bar("runs") as progress:
        show = resuming(progress, "Sweeping")
        try:
            ran = run_sweep(chosen, out_dir, workers, scheduler, show, where=str(spec))
        except KeyboardInterrupt:
            raise Stopped(
                f"Interrupted: the finished runs are kept in {out_dir}/runs; the same command "
                "runs the rest."
            ) from None
    runs = int(progress.tasks[0].total) if progress.tasks else 0
    out.print(
        f"Ran {ran} of the sweep's {runs} runs (the rest were done before); results in "
        f"{out_dir}/ (manifest.json, runs/*.parquet)"
    )


@app.command()
def calibrate(
    spec: Annotated[
        Path, typer.Argument(help="A calibration file (.toml): base, free parameters, targets.")
    ],
    out_dir: Annotated[
        Path,
        typer.Option("--out", help="Folder for study.db and the fitted parameters (resumed)."),
    ],
    workers: LocalWorkers = None,
    scheduler: DaskScheduler = None,
) -> None:
    """Fit free parameters to targets with a resumable Optuna study; run again to resume."""
    from healthgap.ensemble import ENSEMBLE_FILE
    from healthgap.experiments.calibration import ensemble_note, run_calibration
    from healthgap.experiments.calibration_spec import STUDY_FILE, load_calibration
    from healthgap.viz.calibration_page import write_calibration_page

    one_executor(workers, scheduler)
    chosen = load_calibration(spec)
    with progress_bar("trials") as progress:
        try:
            result = run_calibration(
                chosen, out_dir, workers, scheduler, resuming(progress, "Calibrating")
            )
        except KeyboardInterrupt:
            raise Stopped(
                f"Interrupted: the finished trials are kept in {out_dir}/{STUDY_FILE}; the same "
                "command runs the rest."
            ) from None
    write_calibration_page(result)
    out.print(*calibration_tables(result))
    _, consistent = result.ensemble
    note = escape(ensemble_note(result))
    out.print(note if consistent else f"[bold red]Warning:[/] {note}", highlight=False)
    out.print(
        f"Ran {result.ran} trials ({result.complete} complete in the study); results in "
        f"{out_dir}/ (fitted.toml, calibration.html, trials.csv, {ENSEMBLE_FILE}, {STUDY_FILE})",
        highlight=False,
    )


def calibration_tables(result: CalibrationResult) -> tuple[Table, Table]:
    """The best trial's fit to each target, and its parameter values."""
    fit = Table(
        title=f"Best fit: trial {result.best_trial} (of {result.complete} complete), "
        f"loss {result.loss:.4g}",
        caption="Loss: ((model - figure) / tolerance)^2 summed over the targets.",
    )
    for column in ("target", "figure", "tolerance", "model", "within"):
        fit.add_column(column, justify="left" if column == "target" else "right")
    for t in result.targets:
        within = "yes" if t.within else "[bold red]no[/]"
        fit.add_row(t.measure, f"{t.figure:.4g}", f"± {t.tolerance:g}", f"{t.model:.4g}", within)
    fitted = Table(title="Fitted parameters (fitted.toml)")
    for column in ("parameter", "fitted", "range searched", "default"):
        fitted.add_column(column, justify="left" if column == "parameter" else "right")
    for p in result.parameters:
        fitted.add_row(p.path, f"{p.fitted:.6g}", f"{p.low:g} to {p.high:g}", f"{p.default:g}")
    return fit, fitted


@app.command()
def validate(
    replicates: Annotated[
        int, typer.Option(min=1, max=1000, help="Runs of the default town (seeds seed, seed+1...).")
    ] = 5,
    years: Annotated[
        float, typer.Option(min=0.02, max=50, help="Years each run simulates after the burn-in.")
    ] = 10,
    seed: Annotated[int, typer.Option(min=0, help="First seed.")] = 1,
    residents: Annotated[
        int | None,
        typer.Option(min=100, help="Adults of the default town (default: its 50,000)."),
    ] = None,
    out_dir: Annotated[
        Path | None, typer.Option("--out", help="Folder (default: a new one under ./runs/).")
    ] = None,
    sheffield: Annotated[
        bool,
        typer.Option(
            help="Also run Sheffield for a year to measure the parkrun distance decay "
            "(needs the IoD tables in ../shared/data/england)."
        ),
    ] = True,
    grants: Annotated[
        bool,
        typer.Option(
            help="Also run Morecambe Bay's seed funds for 7 years to see how groups fare once "
            "their grants end."
        ),
    ] = True,
    trials: Annotated[
        bool,
        typer.Option(
            help="Also re-run the published evaluations of the levers as virtual trials, and a "
            "GP referral's funnel."
        ),
    ] = True,
    workers: LocalWorkers = None,
) -> None:
    """Compare the default town with every published figure in the evidence table.

    Says for each whether it was calibrated by construction, a calibration target or held out
    from fitting, and writes validation.html (for readers who do not use the tool) and
    validation.csv.
    """
    from healthgap.experiments.validation import validate as run_validation
    from healthgap.viz.validation_page import write_validation

    if out_dir is None:
        out_dir = Path("runs") / f"validate-{datetime.now():%Y%m%d-%H%M%S}"
    with staged_output(out_dir) as staging:
        with progress_bar("runs") as progress:
            task = progress.add_task("Validating", total=None)
            result = run_validation(
                replicates,
                years,
                sheffield,
                seed,
                residents=residents,
                grants=grants,
                trials=trials,
                on_done=lambda done, total: progress.update(task, completed=done, total=total),
                workers=workers or os.cpu_count() or 1,
            )
        write_validation(result, staging)
    out.print(validation_table(result))
    judged = [r for r in result.rows if r.within in ("yes", "no")]
    out.print(
        f"{sum(r.within == 'yes' for r in judged)} of {len(judged)} comparisons within "
        f"tolerance; {result.seconds:.0f} s. Results written to {out_dir}/ (validation.html, "
        "validation.csv)",
        highlight=False,
    )


def validation_table(result) -> Table:
    """Every figure: published, the model (and its 95% interval), tolerance, within, status."""
    from rich import box

    table = Table(
        title=f"Validation: {result.scenario}, {result.residents:,} adults, "
        f"{result.replicates} runs of {result.years:g} years",
        caption="when: at the start (after the burn-in), at the end, or over the run; "
        "within: - where not compared (validation.html says why); status: by construction "
        "(the town is built to it), calibration target, held out, context or not compared.",
        box=box.SIMPLE_HEAD,
        pad_edge=False,
    )
    table.add_column("figure", no_wrap=True)
    table.add_column("when", no_wrap=True)
    for column in ("published", "model", "95% interval", "tolerance", "within"):
        table.add_column(column, justify="right", no_wrap=True)
    table.add_column("status", no_wrap=True)
    for r in result.rows:
        table.add_row(
            escape(r.name),
            {"start": "start", "after": "end", "over ": "run"}.get(r.period[:5], r.period),
            f"{r.published:.4g}",
            "-" if r.model is None else f"{r.model:.4g}",
            "" if r.low is None else f"{r.low:.3g} to {r.high:.3g}",
            "-" if r.tolerance is None else f"± {r.tolerance:g}",
            {"no": "[bold red]no[/]", "yes": "yes"}.get(r.within, "-"),
            r.status.replace("calibrated by construction", "by construction"),
        )
    return table


@app.command("app")
def workshop_app(
    scenario: Annotated[
        str | None,
        typer.Argument(help="The scenario the page opens with (default: baseline)."),
    ] = None,
    host: Annotated[
        str, typer.Option(help="Address to listen on; 0.0.0.0 shares the app with the room.")
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help="Port to listen on.")] = 8765,
) -> None:
    """Start the browser app for workshops: move levers, watch the town against its baseline."""
    from healthgap.scenarios import builtin_names, load_scenario
    from healthgap.viz.app import server

    load_scenario(scenario)  # a bad name or file is reported here, before the server starts
    start = scenario or "baseline"
    if start not in builtin_names():
        start = str(Path(start).resolve())
    server.check_port_free(host, port)
    server.log_tabs_if_asked()  # a bad HEALTHGAP_APP_LOG is reported before the app says where it is
    shown = server.LOOPBACK if host in server.ANY_ADDRESS else host
    out.print(f"The app is at {server.url(shown, port)} (Ctrl-C stops it)", highlight=False)
    if not server.is_local(host):
        addresses = [server.url(a, port) for a in server.room_addresses(host)]
        others = " or ".join(addresses) or f"this computer's address, port {port}"
        out.print(
            f"Others on this network open {others}; if they cannot connect, allow port {port} "
            "through this computer's firewall.",
            highlight=False,
        )
    server.serve(start, host, port)
    err.print("The app has stopped.")


def comparison_table(result: Comparison) -> Table:
    """Costs, WELLBYs and the change in the inactivity gap per scenario, with 95% intervals."""
    table = Table(
        title=f"Against {result.baseline}: {result.replicates} seeds, {result.weeks / 52:g} years",
        caption=f"In brackets: {escape(result.interval)}.",
    )
    for column in (
        "scenario",
        "cost",
        "WELLBYs, discounted (95% interval)",
        "£/WELLBY",
        "BCR at £13k",
        "out of inactivity",
        "inactivity gap change",
    ):
        table.add_column(column, justify="left" if column == "scenario" else "right")

    def span(x, digits: int = 1) -> str:
        if x.mean is None:
            return "n/a"
        if x.low is None:
            return f"{x.mean:.{digits}f}"
        return f"{x.mean:.{digits}f} ({x.low:.{digits}f} to {x.high:.{digits}f})"

    for name, e in result.scenarios.items():
        bcr = e.bcr["central"]
        table.add_row(
            name,
            f"£{e.cost_gbp:,.0f}",
            span(e.wellbys),
            "n/a" if e.cost_per_wellby is None else f"£{e.cost_per_wellby:,.0f}",
            "n/a" if bcr is None else f"{bcr:.2f}",
            span(e.moved_out_of_inactivity, 0),
            span(e.delta_gap["inactive_pct"], 2),
        )
    return table


def children_table(result: Comparison) -> Table | None:
    """The change in children being active (60+ minutes a day) by IMD quintile, for the
    scenarios that change it; None when none does (WELLBYs count adults only)."""
    from healthgap.model.metrics import GROUPS, METRICS

    name = "children_active_pct"
    moved = {
        scenario: e.delta[name]
        for scenario, e in result.scenarios.items()
        if name in e.delta and any(x.mean for x in e.delta[name].values())
    }
    if not moved:
        return None
    table = Table(
        title=f"Children: change in {METRICS[name].short}, points (not in the WELLBYs)",
        caption=f"Quintile 1 is the most deprived. In brackets: {escape(result.interval)}.",
    )
    table.add_column("scenario", justify="left")
    for group in GROUPS:
        table.add_column("town" if group == "all" else f"quintile {group}", justify="right")
    for scenario, by_group in moved.items():
        cells = []
        for group in GROUPS:
            x = by_group[group]
            cells.append(
                "n/a"
                if x.mean is None
                else f"{x.mean:+.1f}"
                + ("" if x.low is None else f" ({x.low:+.1f} to {x.high:+.1f})")
            )
        table.add_row(scenario, *cells)
    return table


def quintile_table(summary: dict, title: str) -> Table:
    """The final week by IMD quintile (1 = most deprived) with the gap and SII."""
    from healthgap.model import evidence
    from healthgap.model.metrics import GROUPS, METRICS, SUMMARY_METRICS

    table = Table(title=f"{title}: week {summary['weeks']}, by IMD quintile (1 = most deprived)")
    table.add_column("metric", no_wrap=True)
    for column in (*GROUPS, "gap 1-5"):
        table.add_column(column, justify="right")
    for name in SUMMARY_METRICS:
        row, metric = summary[name], METRICS[name]
        gap = None if None in (row["1"], row["5"]) else row["1"] - row["5"]
        table.add_row(metric.heading, *(_number(row[g]) for g in GROUPS), _number(gap, "+.2f"))
    sii = summary["sii"]
    table.caption = (
        f"SII (least minus most deprived): inactive {sii['inactive_pct']:+.1f} points, "
        f"life satisfaction {sii['life_satisfaction_mean']:+.2f}\n"
        f"Access: of adults without a car, the kinds of group and the open groups within "
        f"{evidence.ACCESS_MINUTES} minutes walking, by bus or with a volunteer driver"
    )
    return table


def _number(x: float | None, spec: str = ".2f") -> str:
    """A table cell; a quintile the place has no neighbourhoods in shows as a dash."""
    return "-" if x is None or x != x else format(x, spec)


def stop_on_terminate(signum: int, _frame) -> None:
    """`kill` (SIGTERM) unwinds the command as Ctrl-C does, so its worker processes are stopped
    and no partial output is left (by default the command died at once and its workers ran on);
    then exit 143."""
    raise SystemExit(128 + signum)


class Stopped(Exception):
    """Ctrl-C stopped a command that keeps what it finished; the message says what was kept."""


def say_warning(message, category, filename, lineno, file=None, line=None) -> None:
    """A warning is one line for the user (a value beyond its plausible range), not a trace."""
    err.print(f"[bold yellow]Warning:[/] {escape(str(message))}", highlight=False, soft_wrap=True)


def main() -> None:
    """Entry point: user mistakes become one clear paragraph and exit status 2."""
    signal.signal(signal.SIGTERM, stop_on_terminate)
    warnings.showwarning = say_warning
    try:
        app()
    except InputError as error:
        err.print(f"[bold red]Error:[/] {escape(error.message())}", highlight=False, soft_wrap=True)
        sys.exit(2)
    except Stopped as stop:
        err.print(str(stop), highlight=False, soft_wrap=True)
        sys.exit(130)
    except (KeyboardInterrupt, SystemExit) as stop:
        # Typer turns Ctrl-C into exit status 130 without a word: say what happened.
        if isinstance(stop, SystemExit) and stop.code != 130:
            raise
        err.print("Interrupted: stopped cleanly; nothing was written.")
        sys.exit(130)


@app.command()
def place(
    imd: Annotated[
        Path, typer.Option(help="IoD File 7, or File 1 with --population (.csv or .csv.gz).")
    ],
    name: Annotated[
        str | None, typer.Argument(help="Local authority name or code (omit to list them).")
    ] = None,
    population: Annotated[
        Path | None, typer.Option(help="IoD File 6 (population denominators).")
    ] = None,
    centroids: Annotated[
        Path | None, typer.Option(help="LSOA centroids: a CSV of code, longitude, latitude.")
    ] = None,
    sample: Annotated[float, typer.Option(help="Share of the adults to simulate (0-1].")] = 1.0,
    out_file: Annotated[
        Path | None, typer.Option("--out", help="Write a scenario .toml that simulates the place.")
    ] = None,
) -> None:
    """Describe a real local authority from the IoD tables (or list them); --out writes a scenario."""
    from pydantic import ValidationError

    from healthgap.scenarios import places
    from healthgap.scenarios.schema import Place, describe_validation

    if name is None:
        listing = Table(title=f"Local authorities in {imd.name}")
        for column in ("name", "code", "LSOAs"):
            listing.add_column(column)
        for row in places.local_authorities(imd).itertuples():
            listing.add_row(row.la_name, row.la_code, str(row.lsoas))
        out.print(listing)
        return
    try:
        chosen = Place(
            local_authority=name,
            imd_file=str(imd),
            population_file=str(population) if population else None,
            centroids_file=str(centroids) if centroids else None,
            sample=sample,
        )
    except ValidationError as error:
        raise InputError(
            describe_validation(error), fix="Correct the option named above."
        ) from None
    summary = places.describe(places.place_neighbourhoods(chosen), sample)
    facts = Table(title=f"{summary.name} ({summary.code})", show_header=False)
    facts.add_row("Neighbourhoods (LSOAs)", f"{summary.neighbourhoods:,}")
    facts.add_row("Population (all ages)", f"{summary.population:,}")
    facts.add_row(f"Adults {summary.adults_basis}", f"{summary.adults:,}")
    facts.add_row(f"Adults simulated (sample {sample:g})", f"{summary.simulated:,}")
    deciles = Table(title="Neighbourhoods in each IMD decile (1 = most deprived 10% in England)")
    for decile in summary.deciles:
        deciles.add_column(str(decile), justify="right")
    deciles.add_row(*(str(count) for count in summary.deciles.values()))
    out.print(facts, deciles, summary.layout)
    if out_file is not None:
        try:
            out_file.parent.mkdir(parents=True, exist_ok=True)
            out_file.write_text(places.scenario_toml(chosen, summary), encoding="utf-8")
        except OSError as error:
            raise InputError(
                f"Cannot write the scenario to '{out_file}' ({error.strerror or error}).",
                fix="Choose a path you can write to with --out.",
            ) from None
        out.print(f"Scenario written to {out_file}; run it with: healthgap run {out_file}")


@app.command()
def sensitivity(
    folder: Annotated[Path, typer.Argument(help="A sweep's folder (its --out).")],
    prefix: Annotated[
        Path | None,
        typer.Option(
            "--out", help="Write PREFIX.csv and PREFIX-OUTPUT.png (default: DIR/sensitivity)."
        ),
    ] = None,
) -> None:
    """Sobol (Saltelli design) or Morris (Morris design) indices of a sweep, per output."""
    from healthgap.experiments.sensitivity import analyse, write_sensitivity

    result = analyse(folder)
    prefix = prefix or folder / "sensitivity"
    with staged_output(prefix.parent) as staging:
        written = [
            prefix.with_name(p.name) for p in write_sensitivity(result, staging / prefix.name)
        ]
    out.print(sensitivity_table(result))
    for output, reason in result.skipped.items():
        out.print(f"No indices for {output}: {reason}.", highlight=False)
    out.print(f"Written: {', '.join(str(p) for p in written)}", highlight=False)


def sensitivity_table(result: Sensitivity) -> Table:
    """Each output's factors, most influential first, with each index and its 95% interval."""
    from healthgap.experiments.sensitivity import INDEX_NAMES

    kinds = result.table["index"].unique().tolist()
    runs = "one run" if result.replicates == 1 else f"the mean of {result.replicates} replicates"
    table = Table(
        title=f"Sensitivity indices ({result.design} design; {runs} per point)",
        caption=f"Ranked by {INDEX_NAMES[result.ranked_by]}; 95% bootstrap intervals.",
    )
    for column in ("output", "factor", *(INDEX_NAMES[k] for k in kinds)):
        table.add_column(column, justify="left" if column in ("output", "factor") else "right")
    cells = result.table.set_index(["output", "factor", "index"])
    digits = ".2f" if result.design == "saltelli" else ".3g"  # shares of variance; output units
    for output in result.outputs:
        for factor in result.ranked(output):
            row = [cells.loc[(output, factor, kind)] for kind in kinds]
            table.add_row(output, factor, *(_index_cell(r, digits) for r in row))
        table.add_section()
    return table


def _index_cell(row, digits: str) -> str:
    """An index with its interval when it has one."""
    if math.isnan(row.conf_low):  # sigma has no interval
        return format(row.value, digits)
    return f"{row.value:{digits}} ({row.conf_low:{digits}} to {row.conf_high:{digits}})"


@app.command()
def where(
    folder: Annotated[Path, typer.Argument(help="A places sweep's folder (its --out).")],
    by: Annotated[
        str, typer.Option(help="The change in a gap to rank the places by (a delta_gap_ output).")
    ] = "delta_gap_inactive_pct",
    centroids: Annotated[
        Path | None,
        typer.Option(help="LSOA centroids for the map (default: the sweep's centroids_file)."),
    ] = None,
    prefix: Annotated[
        Path | None,
        typer.Option("--out", help="Write PREFIX.csv and PREFIX.png (default: DIR/places)."),
    ] = None,
) -> None:
    """Where a places sweep's intervention narrows the gap most: a ranked table and a map."""
    from healthgap.experiments.places_report import where_it_narrows, write_places_report

    report = where_it_narrows(folder, by, centroids)
    prefix = prefix or folder / "places"
    with staged_output(prefix.parent) as staging:
        written = [
            prefix.with_name(p.name) for p in write_places_report(report, staging / prefix.name)
        ]
    out.print(places_table(report))
    if report.replicates == 1:
        out.print("One replicate per place: no interval is possible; chance is not averaged out.")
    if report.without_gap:
        out.print(
            f"No gap to narrow in {len(report.without_gap)} of the places "
            f"({report.no_gap_because}), listed last: "
            f"{', '.join(report.without_gap)}.",
            highlight=False,
        )
    if not report.mapped:
        out.print("No map: the sweep's places have no centroids; give --centroids FILE.")
    out.print(f"Written: {', '.join(str(p) for p in written)}", highlight=False)


def places_table(report: PlacesReport, shown: int = 10) -> Table:
    """The places where the gap narrows most and least, with 95% intervals."""
    from healthgap.model.metrics import METRICS

    kind, name = report.by.removeprefix("delta_").split("_", 1)
    measure = "gap (quintile 1 minus 5)" if kind == "gap" else "slope index of inequality"
    metric = METRICS[name]
    runs = (
        "one run"
        if report.replicates == 1
        else f"mean of {report.replicates} seeds, 95% t interval"
    )
    table = Table(
        title=f"Where the {measure} in {metric.short} narrows most and least "
        f"({len(report.table)} places)",
        caption=f"Change in the {measure} in {metric.change_unit} ({runs}); "
        f"{'a rise' if report.narrowing > 0 else 'a fall'} narrows it. Decile 1: share of the "
        "place's LSOAs in England's most deprived 10%.",
    )
    change = "gap change" if kind == "gap" else "SII change"
    for column in ("rank", "local authority", change, "decile 1", "population", "WELLBYs"):
        table.add_column(column, justify="left" if column == "local authority" else "right")
    rows = report.table
    for part in (rows.head(shown), rows.tail(shown)) if len(rows) > 2 * shown else (rows,):
        for row in part.to_dict("records"):
            table.add_row(
                str(row["rank"]),
                row["local_authority"],
                _interval(row, report.by, ".2f"),
                f"{row['share_decile_1']:.0%}",
                f"{row['population']:,}",
                _interval(row, "wellbys", ",.0f") if "wellbys" in row else "-",
            )
        table.add_section()
    return table


def _interval(row: dict, output: str, digits: str) -> str:
    """A place's mean of an output with its interval when it has one."""
    low, high = row[f"{output}_low"], row[f"{output}_high"]
    if math.isnan(row[output]):
        return "no gap"
    if math.isnan(low):
        return format(row[output], digits)
    return f"{row[output]:{digits}} ({low:{digits}} to {high:{digits}})"
