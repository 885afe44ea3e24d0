"""Where an intervention narrows the gap most: a finished `places` sweep, place by place.

Each place's paired effects are averaged over its replicates with a 95% t interval (none from
one replicate), beside what the IoD tables say of the place: its share of LSOAs in England's
most deprived decile, its population, and the mean of its LSOA centroids (for the map).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from healthgap.model.errors import InputError

from .sensitivity import finished_runs
from .sweep import read_manifest

if TYPE_CHECKING:
    from matplotlib.figure import Figure

CONF_LEVEL = 0.95
DEFAULT_BY = "delta_gap_inactive_pct"


@dataclass
class PlacesReport:
    """The places of one sweep, the place where `by` narrows the gap most first (places with
    no gap, lacking LSOAs in England's most or least deprived fifth, last)."""

    by: str  # the output ranked: delta_gap_<metric> or delta_sii_<metric>
    narrowing: int  # the sign of a change in `by` that narrows the gap (+1 or -1)
    replicates: int
    outputs: list[str]
    table: pd.DataFrame  # a row per place: means, <output>_low/_high, place facts, x_km, y_km

    @property
    def without_gap(self) -> list[str]:
        """The places with no gap to narrow (`no_gap_because`)."""
        return self.table.local_authority[self.table[self.by].isna()].tolist()

    @property
    def no_gap_because(self) -> str:
        """Why a place has no gap (or SII) to narrow."""
        if self.by.startswith("delta_gap_"):
            return "no LSOAs in England's most or least deprived fifth"
        return "LSOAs in fewer than two IMD deciles"

    @property
    def mapped(self) -> bool:
        """Whether the places have centroids to draw a map with."""
        return self.table.x_km.notna().all()


def where_it_narrows(
    folder: Path, by: str = DEFAULT_BY, centroids: Path | None = None
) -> PlacesReport:
    """Rank a finished places sweep's local authorities by how much they narrow the gap in
    `by`'s metric; `centroids` (LSOA code, longitude, latitude) default to the sweep's own."""
    from healthgap.model.metrics import METRICS

    folder = Path(folder)
    manifest = read_manifest(folder)
    if manifest["design"] != "places":
        raise InputError(
            f'This sweep has a "{manifest["design"]}" design: it varies assumptions, not places.',
            where=str(folder),
            fix='Give the folder of a sweep with design = "places" (see docs/sweeps.md).',
        )
    gaps = [o for o in manifest["outputs"] if o.startswith(("delta_gap_", "delta_sii_"))]
    if by not in gaps:
        raise InputError(
            f"The sweep has no output '{by}' to rank the places by.",
            where=str(folder),
            fix=f"Rank by one of its changes in a gap or SII: {', '.join(gaps)}."
            if gaps
            else "Run the sweep with paired = true and a delta_gap_<metric> output.",
        )
    runs = finished_runs(folder, manifest)
    outputs = manifest["outputs"]
    summary = runs.groupby("point")[outputs].agg(["mean", "std", "count"])
    table = pd.DataFrame({"local_authority": manifest["places"]})
    for output in outputs:
        mean, std, n = (summary[output][k].to_numpy() for k in ("mean", "std", "count"))
        half = t_quantile(n) * std / np.sqrt(n)
        table[output], table[f"{output}_low"], table[f"{output}_high"] = (
            mean,
            mean - half,
            mean + half,
        )
    files = manifest["place_files"] | ({"centroids_file": str(centroids)} if centroids else {})
    table = table.join(place_facts(manifest["places"], files, str(folder)))
    kind, metric = by.removeprefix("delta_").split("_", 1)
    # The gap is quintile 1 minus 5; the SII least minus most deprived, the other way round.
    narrowing = METRICS[metric].gap_widens_when * (-1 if kind == "gap" else 1)
    table = table.sort_values(by, ascending=narrowing < 0, ignore_index=True)
    table.insert(0, "rank", np.arange(1, len(table) + 1))
    return PlacesReport(by, narrowing, manifest["replicates"], outputs, table)


def t_quantile(n: np.ndarray) -> np.ndarray:
    """Student's t for a two-sided `CONF_LEVEL` interval from n replicates (NaN for one)."""
    from scipy.stats import t

    return np.where(n > 1, t.ppf((1 + CONF_LEVEL) / 2, np.maximum(n - 1, 1)), np.nan)


def place_facts(places: list[str], files: dict, where: str) -> pd.DataFrame:
    """Each place's code, LSOAs, population, share of LSOAs in IMD decile 1 and, with
    centroids, the mean of its LSOA centroids in km east and north of the places' centre."""
    from healthgap.scenarios.places import local_km, read_neighbourhoods, select_local_authority

    try:
        table = read_neighbourhoods(
            files["imd_file"], files["population_file"], files["centroids_file"]
        )
        chosen = [select_local_authority(table, place, where) for place in places]
    except InputError as error:
        raise InputError(
            error.problem,
            where=error.where,
            fix="The report reads the IoD tables the sweep read: put them back where they were "
            "(the manifest's place_files) or give --centroids. " + error.fix,
        ) from None
    facts = pd.DataFrame(
        {
            "la_code": [lsoas.la_code.iloc[0] for lsoas in chosen],
            "lsoas": [len(lsoas) for lsoas in chosen],
            "population": [int(lsoas.population.sum()) for lsoas in chosen],
            "share_decile_1": [float((lsoas.imd_decile == 1).mean()) for lsoas in chosen],
        }
    )
    if "lon" in table:
        lon, lat = (np.array([lsoas[k].mean() for lsoas in chosen]) for k in ("lon", "lat"))
        facts["x_km"], facts["y_km"] = local_km(lon, lat)
    else:
        facts["x_km"] = facts["y_km"] = math.nan
    return facts


def figure(report: PlacesReport) -> Figure:
    """Each place at the mean of its LSOA centroids, coloured by the change in the gap
    (diverging about zero; grey where it has none), sized by population."""
    from matplotlib.colors import TwoSlopeNorm
    from matplotlib.figure import Figure

    table = report.table
    size = 10 + 200 * table.population / table.population.max()
    has_gap = table[report.by].notna()
    limit = float(np.nanmax(np.abs(table[report.by]))) or 1.0
    fig = Figure(figsize=(8, 8), layout="constrained")
    ax = fig.add_subplot()
    ax.scatter(
        table.x_km[~has_gap],
        table.y_km[~has_gap],
        s=size[~has_gap],
        color="0.6",
        label=f"none: {report.no_gap_because}",
    )
    dots = ax.scatter(
        table.x_km[has_gap],
        table.y_km[has_gap],
        c=table[report.by][has_gap],
        s=size[has_gap],
        # Narrowing in blue, widening in red, whichever sign narrows this metric's gap.
        cmap="RdBu" if report.narrowing > 0 else "RdBu_r",
        norm=TwoSlopeNorm(0, -limit, limit),
        edgecolors="grey",
        linewidths=0.3,
    )
    for row in table.head(5).itertuples():
        ax.annotate(
            row.local_authority,
            (row.x_km, row.y_km),
            fontsize=7,
            xytext=(4, 4),
            textcoords="offset points",
        )
    runs = "one run" if report.replicates == 1 else f"mean of {report.replicates} seeds"
    fig.colorbar(dots, ax=ax, shrink=0.6).set_label(
        f"{report.by} ({runs}):\n"
        f"{'positive' if report.narrowing > 0 else 'negative'} (blue) narrows it"
    )
    if not has_gap.all():
        ax.legend(loc="upper left", fontsize=8, markerscale=0.6)
    ax.set_aspect("equal")
    ax.set_xlabel("km east")
    ax.set_ylabel("km north")
    ax.set_title(f"Where it narrows the gap most: {len(table)} places (dot size: population)")
    return fig


def write_places_report(report: PlacesReport, prefix: Path) -> list[Path]:
    """PREFIX.csv with the table and, when the places have centroids, PREFIX.png with the map."""
    table_path = prefix.with_name(f"{prefix.name}.csv")
    report.table.to_csv(table_path, index=False)
    if not report.mapped:
        return [table_path]
    map_path = prefix.with_name(f"{prefix.name}.png")
    figure(report).savefig(map_path, dpi=100, facecolor="white")
    return [table_path, map_path]
