"""Benchmark: compare four scenarios with a baseline, 20 replicates each, 20,000 residents, 5 years.

Prints the wall time (target: under a minute on 2 cores) and writes
benchmarks/results/compare_speed.json. Usage: python benchmarks/compare_speed.py [--replicates N]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

from healthgap.compare import compare
from healthgap.scenarios.schema import Scenario

sys.path.insert(0, str(Path(__file__).resolve().parent))
from provenance import header, write_result  # noqa: E402

PLACE = {"residents": 20_000, "neighbourhoods": 14}
SCENARIOS = {
    "seed-funding": [{"type": "seed_funding", "budget_gbp": 100_000, "most_deprived": 4}],
    "link-workers": [{"type": "outreach", "workers": 3, "target": "inactive"}],
    "free-buses": [
        {
            "type": "transport",
            "mode": "fare_subsidy",
            "neighbourhoods": ["T001", "T002", "T003", "T004", "T005", "T006"],
        }
    ],
    "directory": [{"type": "directory"}],
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--replicates", type=int, default=20)
    parser.add_argument("--years", type=float, default=5)
    parser.add_argument("--workers", type=int, default=os.cpu_count())
    args = parser.parse_args()
    base = Scenario.model_validate({"name": "baseline", "years": args.years, "place": PLACE})
    others = [
        Scenario.model_validate(
            {"name": n, "years": args.years, "place": PLACE, "interventions": i}
        )
        for n, i in SCENARIOS.items()
    ]
    print(header())
    start = time.perf_counter()
    compare(base, others, replicates=args.replicates, workers=args.workers)
    wall = time.perf_counter() - start
    runs = args.replicates * (len(others) + 1)
    print(
        f"{len(others)} scenarios + baseline x {args.replicates} replicates "
        f"({runs} runs of {args.years:g} years, {PLACE['residents']:,} residents) on "
        f"{args.workers} workers: {wall:.1f} s wall"
    )
    path = write_result(
        "compare_speed",
        {
            "scenarios": len(others),
            "replicates": args.replicates,
            "years": args.years,
            "residents": PLACE["residents"],
            "workers": args.workers,
            "wall_seconds": round(wall, 2),
        },
    )
    print(f"Written to {path}")


if __name__ == "__main__":
    main()
