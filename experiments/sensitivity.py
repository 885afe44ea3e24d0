"""Sensitivity indices from a finished sweep: Sobol for a Saltelli design, Morris for a Morris one.

A sweep folder (written by `healthgap sweep`) holds `manifest.json` (the design: SALib problem,
design points, spec) and `runs/*.parquet` (one file per run: point, replicate, outputs). Each
output is averaged over a point's replicates before SALib analyses it.
"""

from __future__ import annotations

import functools
import re
import textwrap
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from healthgap.model.errors import InputError

from .sweep import read_manifest

if TYPE_CHECKING:
    from matplotlib.figure import Figure

BOOTSTRAP_SEED = 1  # SALib's bootstrap intervals come out the same on every run (0 means unseeded)
CONF_LEVEL = 0.95
ANALYSES = {"saltelli": "Sobol indices (first and total order)", "morris": "Morris screening"}
INDEX_NAMES = {
    "S1": "first order",
    "ST": "total order",
    "mu_star": "mu* (mean |elementary effect|)",
    "sigma": "sigma (spread of elementary effects)",
}
RANKED_BY = {"saltelli": "ST", "morris": "mu_star"}
COLUMNS = ["output", "factor", "index", "value", "conf_low", "conf_high"]
PLOTTED = 20  # factors a plot shows at most, the most influential (the table has every one)


@dataclass
class Sensitivity:
    """The indices of one sweep as a tidy table (`COLUMNS`), one row per output, factor, index."""

    design: str
    replicates: int
    table: pd.DataFrame
    skipped: dict[str, str] = field(default_factory=dict)  # output -> why it has no indices

    def ranked(self, output: str) -> list[str]:
        """The factors of `output`, most influential first."""
        rows = self.table[(self.table.output == output) & (self.table["index"] == self.ranked_by)]
        return rows.sort_values("value", ascending=False).factor.tolist()

    @property
    def ranked_by(self) -> str:
        return RANKED_BY[self.design]

    @property
    def outputs(self) -> list[str]:
        return self.table.output.unique().tolist()


def analyse(folder: Path, seed: int = BOOTSTRAP_SEED) -> Sensitivity:
    """Sobol or Morris indices, as the sweep's design allows, for every output of the sweep."""
    manifest = read_manifest(folder)
    design = manifest["design"]
    if design not in ANALYSES:
        allowed = "; ".join(f'"{name}" gives {what}' for name, what in ANALYSES.items())
        raise InputError(
            f'This sweep has a "{design}" design, which gives no sensitivity indices: {allowed}.',
            where=str(folder),
            fix="Run a sweep with one of those designs and analyse its folder.",
        )
    means = point_means(folder, manifest)
    problem = {**manifest["problem"], "names": manifest["factors"]}  # indices named by path
    points = np.asarray(manifest["points"], dtype=float)
    tables, skipped = [], {}
    for output in manifest["outputs"]:
        y = means[output].to_numpy(dtype=float)
        if not np.isfinite(y).all():
            skipped[output] = f"no value at {int((~np.isfinite(y)).sum())} design points"
        elif np.ptp(y) == 0:
            skipped[output] = "the same at every design point"
        else:
            indices = (sobol if design == "saltelli" else morris)(
                problem, manifest, points, y, seed
            )
            tables.append(indices.assign(output=output))
    table = (
        pd.concat(tables, ignore_index=True)[COLUMNS] if tables else pd.DataFrame(columns=COLUMNS)
    )
    return Sensitivity(design, manifest["replicates"], table, skipped)


def point_means(folder: Path, manifest: dict) -> pd.DataFrame:
    """Each output averaged over its point's replicates, one row per design point in order;
    a clear error if any run of the design is missing."""
    runs = finished_runs(folder, manifest)
    return runs.groupby("point")[manifest["outputs"]].mean().reindex(range(len(manifest["points"])))


def finished_runs(folder: Path, manifest: dict) -> pd.DataFrame:
    """Every run's point, replicate and outputs, one row per run; a clear error if any run of
    the design is missing."""
    import pyarrow.parquet as pq

    files = sorted((Path(folder) / "runs").glob("*.parquet"))
    columns = ["point", "replicate", *manifest["outputs"]]
    runs = (
        pq.read_table(files, columns=columns).to_pandas()
        if files
        else pd.DataFrame(columns=columns)
    )
    points, replicates = len(manifest["points"]), manifest["replicates"]
    runs = runs.drop_duplicates(["point", "replicate"])
    done = runs.point.value_counts()
    missing = sum(max(0, replicates - int(done.get(point, 0))) for point in range(points))
    if missing:
        raise InputError(
            f"{missing} of the sweep's {points * replicates} runs are missing.",
            where=str(folder),
            fix="Run the same healthgap sweep command again: it runs only what is missing.",
        )
    return runs


def sobol(
    problem: dict, manifest: dict, points: np.ndarray, y: np.ndarray, seed: int
) -> pd.DataFrame:
    """First and total order Sobol indices with their bootstrap intervals."""
    from SALib.analyze import sobol as salib_sobol

    found = salib_sobol.analyze(
        dict(problem),
        y,
        calc_second_order=sampler_setting(manifest, ("calc_second_order", "second_order"), False),
        conf_level=CONF_LEVEL,
        seed=seed,
    )
    return pd.concat(
        [
            interval_rows(problem, found, "S1", "S1_conf"),
            interval_rows(problem, found, "ST", "ST_conf"),
        ]
    )


def morris(
    problem: dict, manifest: dict, points: np.ndarray, y: np.ndarray, seed: int
) -> pd.DataFrame:
    """Morris mu* with its bootstrap interval, and sigma."""
    from SALib.analyze import morris as salib_morris

    levels = sampler_setting(manifest, ("num_levels", "levels", "morris_levels"), 4)
    found = salib_morris.analyze(
        dict(problem), points, y, num_levels=levels, conf_level=CONF_LEVEL, seed=seed
    )
    sigma = pd.DataFrame(
        {"factor": problem["names"], "index": "sigma", "value": np.asarray(found["sigma"], float)}
    )
    return pd.concat([interval_rows(problem, found, "mu_star", "mu_star_conf"), sigma])


def sampler_setting(manifest: dict, names: tuple[str, ...], default):
    """A setting the design was sampled with, as the manifest or its sweep spec records it."""
    for place in (manifest, manifest.get("spec", {})):
        for name in names:
            if name in place:
                return place[name]
    return default


def interval_rows(problem: dict, found: dict, index: str, conf: str) -> pd.DataFrame:
    """One index for every factor with its interval (SALib gives the half-width)."""
    value, half = (np.asarray(found[key], dtype=float) for key in (index, conf))
    return pd.DataFrame(
        {
            "factor": problem["names"],
            "index": index,
            "value": value,
            "conf_low": value - half,
            "conf_high": value + half,
        }
    )


def figure(result: Sensitivity, output: str) -> Figure:
    """Horizontal bars of each index with its interval, the most influential factor on top
    (the first `PLOTTED` of them)."""
    from matplotlib.figure import Figure

    from healthgap.model.metrics import METRICS

    ranked = result.ranked(output)
    factors = ranked[:PLOTTED][::-1]  # barh draws bottom up
    rows = result.table[result.table.output == output]
    kinds = rows["index"].unique().tolist()
    height = 0.8 / len(kinds)
    fig = Figure(figsize=(8, 1.2 + 0.55 * len(factors)), layout="constrained")
    ax = fig.add_subplot()
    for k, kind in enumerate(kinds):
        bars = rows[rows["index"] == kind].set_index("factor").loc[factors]
        where = np.arange(len(factors)) + (k - (len(kinds) - 1) / 2) * height
        whiskers = np.abs(bars[["conf_low", "conf_high"]].to_numpy().T - bars.value.to_numpy())
        ax.barh(where, bars.value, height, xerr=whiskers, capsize=2, label=INDEX_NAMES[kind])
    ax.set_yticks(np.arange(len(factors)), [factor_label(f) for f in factors], fontsize=8)
    ax.axvline(0, color="black", linewidth=0.8)
    metric = METRICS.get(output)
    shown = f" (the top {PLOTTED} of {len(ranked)} factors)" if len(ranked) > PLOTTED else ""
    ax.set_title((metric.label if metric else output) + shown)
    ax.set_xlabel(
        "share of the output's variance (95% bootstrap interval)"
        if result.design == "saltelli"
        else "change in the output across a factor's range (95% bootstrap interval for mu*)"
    )
    ax.legend(loc="lower right", fontsize=8)
    return fig


def factor_label(path: str) -> str:
    """A factor's dotted path with its declared unit beneath, when it is a model parameter."""
    unit = parameter_units().get(path)
    return f"{path}\n{textwrap.shorten(unit, 60, placeholder='...')}" if unit else path


@functools.cache
def parameter_units() -> dict[str, str]:
    """Every declared parameter's unit (a short description) by dotted path."""
    from healthgap.model.parameters import Parameters, iter_parameters

    return {path: meta["unit"] for path, _, meta in iter_parameters(Parameters())}


def write_sensitivity(result: Sensitivity, prefix: Path) -> list[Path]:
    """PREFIX.csv with the table and PREFIX-OUTPUT.png per output; returns the paths written."""
    table_path = prefix.with_name(f"{prefix.name}.csv")
    result.table.to_csv(table_path, index=False)
    written = [table_path]
    for output in result.outputs:
        path = prefix.with_name(f"{prefix.name}-{re.sub(r'[^\w.-]', '_', output)}.png")
        figure(result, output).savefig(path, dpi=120, facecolor="white")
        written.append(path)
    return written
