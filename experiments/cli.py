"""The `healthgap` command."""

from __future__ import annotations

import sys
from datetime import datetime
from pathlib import Path
from typing import Annotated

import typer
from healthgap.model.errors import InputError
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

app = typer.Typer(
    help="What-if simulation of community health interventions and the inequality gap.",
    add_completion=False,
    pretty_exceptions_enable=False,
    no_args_is_help=True,
)
err = Console(stderr=True)
out = Console()

TABLE_ROWS = {
    "inactive_pct": "Inactive (%)",
    "fairly_active_pct": "Fairly active (%)",
    "active_pct": "Active (%)",
    "life_satisfaction_mean": "Life satisfaction (0-10)",
    "low_life_satisfaction_pct": "Low life satisfaction (%)",
    "lonely_pct": "Often lonely (%)",
    "ties_mean": "Friendship ties",
    "attendance_pct": "At a group this week (%)",
}


def check_writable(folder: Path) -> None:
    """Fail early, before any simulation, if results cannot be written to `folder`."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        probe = folder / ".healthgap-write-test"
        probe.write_text("")
        probe.unlink()
    except OSError as error:
        raise InputError(
            f"Cannot write results to '{folder}' ({error.strerror or error}).",
            fix="Choose a folder you can write to with --out.",
        ) from None


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
    from healthgap.experiments.run import run_scenario, write_outputs
    from healthgap.scenarios import load_scenario

    chosen = load_scenario(scenario)
    if years is not None:
        chosen = chosen.model_copy(update={"years": years})
    if out_dir is None:
        out_dir = Path("runs") / f"{chosen.name}-{datetime.now():%Y%m%d-%H%M%S}"
    check_writable(out_dir)
    with Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("weeks"),
        TimeRemainingColumn(),
        console=err,
        transient=True,
    ) as progress:
        task = progress.add_task(f"Building {chosen.name}", total=chosen.weeks)

        def advance(week: int) -> None:
            progress.update(task, completed=week, description=f"Simulating {chosen.name}")

        result = run_scenario(chosen, seed, on_week=advance)
    write_outputs(result, out_dir)
    out.print(quintile_table(result.summary, chosen.name))
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


def quintile_table(summary: dict, title: str) -> Table:
    """The final week by IMD quintile (1 = most deprived) with the gap and SII."""
    table = Table(title=f"{title}: week {summary['weeks']}, by IMD quintile (1 = most deprived)")
    table.add_column("metric", no_wrap=True)
    for column in ("all", "1", "2", "3", "4", "5", "gap 1-5"):
        table.add_column(column, justify="right")
    for key, label in TABLE_ROWS.items():
        row = summary[key]
        cells = [f"{row[g]:.2f}" for g in ("all", "1", "2", "3", "4", "5")]
        table.add_row(label, *cells, f"{row['1'] - row['5']:+.2f}")
    sii = summary["sii"]
    table.caption = (
        f"SII (least minus most deprived): inactive {sii['inactive_pct']:+.1f} points, "
        f"life satisfaction {sii['life_satisfaction_mean']:+.2f}"
    )
    return table


def main() -> None:
    """Entry point: user mistakes become one clear paragraph and exit status 2."""
    try:
        app()
    except InputError as error:
        err.print(f"[bold red]Error:[/] {error.message()}", highlight=False)
        sys.exit(2)
    except KeyboardInterrupt:
        err.print("Interrupted; nothing was written for the unfinished run.")
        sys.exit(130)
