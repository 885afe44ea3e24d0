"""Sweep speed: a Latin hypercube of the baseline town (10,000 residents, 5 years) on the
process pool: runs per hour, the speed-up from one worker to two, the time of one run, and the
coordinating process's memory as the sweep grows (it should stay flat).

    python benchmarks/sweep_speed.py                      # 1,000 runs; speed-up on 100
    python benchmarks/sweep_speed.py --runs 200 --speedup-runs 20
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
from pathlib import Path

import psutil

sys.path.insert(0, str(Path(__file__).resolve().parent))
from provenance import header, write_result  # noqa: E402

from healthgap.experiments.sweep import point_scenario, run_sweep  # noqa: E402
from healthgap.experiments.sweep_spec import load_sweep  # noqa: E402
from healthgap.simulation import Simulation  # noqa: E402

SWEEP = """
base = "baseline"
design = "latin"
samples = {samples}
years = 5
residents = 10000
seed = 1
[[factors]]
path = "behaviour.try_intercept"
[[factors]]
path = "behaviour.travel_weight"
[[factors]]
path = "behaviour.friend_weight"
[[factors]]
path = "habit.habit_gain"
"""


def sweep_file(folder: Path, samples: int) -> Path:
    path = folder / f"sweep-{samples}.toml"
    path.write_text(SWEEP.format(samples=samples))
    return path


def timed_sweep(folder: Path, samples: int, workers: int, memory: list | None = None) -> float:
    """Wall seconds for a fresh sweep of `samples` runs; `memory` gets (runs, coordinator RSS)."""
    me = psutil.Process()

    def progress(finished: int, total: int) -> None:
        if memory is not None and finished % max(1, total // 10) == 0:
            memory.append((finished, me.memory_info().rss))

    start = time.perf_counter()
    run_sweep(
        load_sweep(sweep_file(folder, samples)),
        folder / f"out-{samples}-{workers}",
        workers=workers,
        progress=progress,
    )
    return time.perf_counter() - start


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=1000)
    parser.add_argument("--speedup-runs", type=int, default=100)
    args = parser.parse_args(argv)
    print(header())
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        scenario = point_scenario(load_sweep(sweep_file(folder, 1)))
        start = time.perf_counter()
        Simulation(scenario, 1).run()
        one_run = time.perf_counter() - start
        print(f"one run (build, burn-in, 5 years, 10,000 residents): {one_run:.2f} s")
        one, two = (timed_sweep(folder, args.speedup_runs, w) for w in (1, 2))
        print(
            f"{args.speedup_runs} runs: {one:.1f} s on 1 worker, {two:.1f} s on 2: "
            f"speed-up {one / two:.2f}"
        )
        memory: list = []
        wall = timed_sweep(folder, args.runs, 2, memory)
    per_hour = args.runs / wall * 3600
    mib = [(runs, round(rss / 2**20, 1)) for runs, rss in memory]
    print(f"{args.runs} runs on 2 workers: {wall:.0f} s, {per_hour:,.0f} runs/hour")
    print("coordinator memory (runs done, MiB): " + ", ".join(f"{r}: {m}" for r, m in mib))
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    print(f"coordinator peak memory: {peak:.0f} MiB")
    result = {
        "runs": args.runs,
        "residents": 10000,
        "years": 5,
        "one_run_seconds": round(one_run, 3),
        "speedup_runs": args.speedup_runs,
        "one_worker_seconds": round(one, 2),
        "two_worker_seconds": round(two, 2),
        "speedup": round(one / two, 2),
        "wall_seconds": round(wall, 1),
        "runs_per_hour": round(per_hour),
        "coordinator_rss_mib": mib,
        "coordinator_peak_rss_mib": round(peak, 1),
    }
    print(f"written to {write_result('sweep_speed', result)}")
    return result


if __name__ == "__main__":
    main()
