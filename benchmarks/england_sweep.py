"""England: one intervention (link workers reaching the most deprived) in every local authority
of the IMD 2019 tables, each at a sample of its adults, paired with its baseline: wall time here,
the time projected on a 100-worker cluster, and where the inactivity gap narrows most.

Reads ../shared/data/england (IoD 2019 Files 1 and 6) beside the repository.

    python benchmarks/england_sweep.py                    # every local authority, sample 0.02
    python benchmarks/england_sweep.py --sample 0.01 --years 2 --workers 2
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))
from provenance import header, write_result  # noqa: E402

from healthgap.experiments.sweep import run_sweep  # noqa: E402
from healthgap.experiments.sweep_spec import load_sweep  # noqa: E402

ENGLAND = Path(__file__).resolve().parents[2] / "shared" / "data" / "england"
BASE = """
name = "link_workers"
description = "Two link workers a year referring inactive residents of the most deprived places"
years = {years}
[[interventions]]
type = "outreach"
name = "link workers"
channel = "link_worker"
workers = 2
target = "most_deprived"
"""
SWEEP = """
base = "base.toml"
design = "places"
paired = true
outputs = ["delta_gap_inactive_pct", "delta_inactive_pct", "wellbys", "cost_per_wellby"]
[places]
imd_file = "{england}/File_1_-_IMD2019_Index_of_Multiple_Deprivation.csv.gz"
population_file = "{england}/File_6_-_IoD2019_Population_Denominators.csv.gz"
sample = {sample}
"""
CLUSTER_WORKERS = 100


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sample", type=float, default=0.02)
    parser.add_argument("--years", type=float, default=3)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    args = parser.parse_args(argv)
    print(header())
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        (folder / "base.toml").write_text(BASE.format(years=args.years))
        (folder / "sweep.toml").write_text(SWEEP.format(england=ENGLAND, sample=args.sample))
        start = time.perf_counter()
        sweep = load_sweep(folder / "sweep.toml")
        run_sweep(sweep, folder / "out", workers=args.workers)
        wall = time.perf_counter() - start
        runs = pd.read_parquet(folder / "out" / "runs")
    projected = wall * args.workers / CLUSTER_WORKERS
    print(
        f"{len(runs)} local authorities at sample {args.sample:g}, {args.years:g} years, paired: "
        f"{wall:.0f} s on {args.workers} workers; about {projected:.0f} s on {CLUSTER_WORKERS}"
    )
    narrowest = runs.nsmallest(10, "delta_gap_inactive_pct")
    print("Where the inactivity gap narrows most (percentage points, one seed):")
    print(narrowest[["local_authority", *sweep.spec.output_names]].to_string(index=False))
    result = {
        "places": len(runs),
        "sample": args.sample,
        "years": args.years,
        "workers": args.workers,
        "wall_seconds": round(wall, 1),
        "projected_seconds_on_100_workers": round(projected, 1),
        "narrowest_gap": narrowest.local_authority.tolist(),
    }
    print(f"written to {write_result('england_sweep', result)}")
    return result


if __name__ == "__main__":
    main()
