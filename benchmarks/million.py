"""A million residents for ten years, and how building a town scales with its size.

Builds a 1,000,000-resident town (Mesa agents included, the default), steps it
520 weeks and prints build time, stepping time, total wall time and peak
memory (ru_maxrss). Then builds towns of increasing size and prints build
time per resident. Targets: under 5 minutes and under 4 GiB on a 2-core machine.

    python benchmarks/million.py
    python benchmarks/million.py --residents 200000 --weeks 52 --scaling 25000,50000
"""

from __future__ import annotations

import argparse
import gc
import resource
import time

from provenance import header, write_result

from healthgap.model import HealthgapModel, Parameters, typical_town

RESIDENTS_PER_NEIGHBOURHOOD = 1_515  # 1,000,000 / 660, about an LSOA
TARGET_SECONDS = 300
TARGET_GIB = 4.0


def peak_gib() -> float:
    """Peak resident memory of this process so far (Linux reports ru_maxrss in KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20


def build(residents: int, neighbourhoods: int, seed: int) -> tuple[HealthgapModel, dict]:
    """A town and its model, with the seconds each took."""
    start = time.perf_counter()
    town = typical_town(residents=residents, neighbourhoods=neighbourhoods)
    town_s = time.perf_counter() - start
    model = HealthgapModel(town, Parameters(), seed)
    model_s = time.perf_counter() - start - town_s
    return model, {"town_s": town_s, "model_s": model_s, "build_s": town_s + model_s}


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--residents", type=int, default=1_000_000)
    parser.add_argument("--neighbourhoods", type=int, default=660)
    parser.add_argument("--weeks", type=int, default=520)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--scaling",
        default="50000,100000,200000,400000",
        help="comma-separated town sizes for the build-scaling check ('' to skip)",
    )
    args = parser.parse_args(argv)
    print(header())
    wall = time.perf_counter()
    model, timings = build(args.residents, args.neighbourhoods, args.seed)
    print(
        f"built {model.people.n:,} residents in {args.neighbourhoods} neighbourhoods, "
        f"{model.groups.n} groups: {timings['build_s']:.1f} s "
        f"(town {timings['town_s']:.2f} s, model incl. {model.params.burn_in_weeks}-week "
        f"burn-in and Mesa agents {timings['model_s']:.1f} s), peak {peak_gib():.2f} GiB",
        flush=True,
    )
    stepping = time.perf_counter()
    for week in range(1, args.weeks + 1):
        model.step()
        if week % 52 == 0 or week == args.weeks:
            elapsed = time.perf_counter() - stepping
            print(f"  week {week}: {elapsed:.1f} s stepping, peak {peak_gib():.2f} GiB", flush=True)
    stepping = time.perf_counter() - stepping
    wall = time.perf_counter() - wall
    run = {
        "residents": int(model.people.n),
        "neighbourhoods": args.neighbourhoods,
        "groups": int(model.groups.n),
        "weeks": args.weeks,
        **timings,
        "build_us_per_resident": 1e6 * timings["build_s"] / model.people.n,
        "stepping_s": stepping,
        "resident_steps_per_s": model.people.n * args.weeks / stepping,
        "total_wall_s": wall,
        "peak_rss_gib": peak_gib(),
    }
    run["meets_targets"] = run["total_wall_s"] < TARGET_SECONDS and run["peak_rss_gib"] < TARGET_GIB
    print(
        f"{run['residents']:,} residents x {args.weeks} weeks: build {run['build_s']:.1f} s, "
        f"stepping {stepping:.1f} s ({run['resident_steps_per_s']:,.0f} resident-steps/s), "
        f"total {wall:.1f} s, peak memory {run['peak_rss_gib']:.2f} GiB "
        f"(targets {TARGET_SECONDS} s and {TARGET_GIB} GiB: "
        f"{'met' if run['meets_targets'] else 'MISSED'})",
        flush=True,
    )
    del model
    gc.collect()

    scaling = []
    sizes = [int(size) for size in args.scaling.split(",") if size.strip()]
    if sizes:
        print("build time by town size:")
    for size in sizes:
        neighbourhoods = max(10, round(size / RESIDENTS_PER_NEIGHBOURHOOD))
        model, timings = build(size, neighbourhoods, args.seed)
        row = {"residents": size, "neighbourhoods": neighbourhoods, **timings}
        row["build_us_per_resident"] = 1e6 * timings["build_s"] / size
        scaling.append(row)
        print(
            f"  {size:>9,} residents, {neighbourhoods:>4} neighbourhoods: "
            f"{timings['build_s']:6.1f} s, {row['build_us_per_resident']:.1f} us per resident",
            flush=True,
        )
        del model
        gc.collect()

    result = {"run": run, "build_scaling": scaling}
    print(f"written to {write_result('million', result)}")
    return result


if __name__ == "__main__":
    main()
