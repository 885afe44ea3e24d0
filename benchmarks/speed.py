"""Resident-steps per second: the vectorised model against the per-agent reference, same town.

Both models start from the same built world (the reference copies the
vectorised model's state after burn-in), so only stepping is timed: building,
burn-in and copying are excluded. Each measurement is repeated and the median
reported, because the machine is shared and noisy.

    python benchmarks/speed.py                 # 20,000 residents, 5 repeats
    python benchmarks/speed.py --repeats 9 --reference-weeks 52
"""

from __future__ import annotations

import argparse
import gc
import statistics
import sys
import time
from pathlib import Path

from healthgap.model import HealthgapModel, Parameters, typical_town

sys.path.insert(0, str(Path(__file__).resolve().parent))
from provenance import header, write_result  # noqa: E402
from reference_model import ReferenceModel  # noqa: E402

TARGET_RATIO = 50.0


def time_steps(model, weeks: int) -> float:
    """Wall seconds to step `model` `weeks` times (after collecting the garbage of building)."""
    gc.collect()
    start = time.perf_counter()
    for _ in range(weeks):
        model.step()
    return time.perf_counter() - start


def summarise(seconds: list[float], weeks: int, residents: int) -> dict:
    """Resident-steps per second for each repeat, and their median."""
    rates = [residents * weeks / s for s in seconds]
    return {
        "weeks": weeks,
        "seconds": seconds,
        "resident_steps_per_s": rates,
        "median_resident_steps_per_s": statistics.median(rates),
    }


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--residents", type=int, default=20_000)
    parser.add_argument("--neighbourhoods", type=int, default=12)
    parser.add_argument(
        "--weeks", type=int, default=52, help="weeks stepped by the vectorised model"
    )
    parser.add_argument(
        "--reference-weeks", type=int, default=26, help="weeks stepped by the reference"
    )
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)

    print(header())
    town = typical_town(residents=args.residents, neighbourhoods=args.neighbourhoods)
    vectorised, reference = [], []
    for repeat in range(args.repeats):
        seed = args.seed + repeat
        build = time.perf_counter()
        model = HealthgapModel(town, Parameters(), seed)
        per_agent = ReferenceModel(model, seed)
        build = time.perf_counter() - build
        vectorised.append(time_steps(model, args.weeks))
        reference.append(time_steps(per_agent, args.reference_weeks))
        print(
            f"repeat {repeat + 1}/{args.repeats}: build+copy {build:.1f} s (not timed), "
            f"vectorised {args.weeks} weeks {vectorised[-1]:.2f} s, "
            f"reference {args.reference_weeks} weeks {reference[-1]:.2f} s",
            flush=True,
        )
        del model, per_agent

    n = int(town.population.sum())
    result = {
        "residents": n,
        "neighbourhoods": args.neighbourhoods,
        "repeats": args.repeats,
        "vectorised": summarise(vectorised, args.weeks, n),
        "reference": summarise(reference, args.reference_weeks, n),
    }
    v = result["vectorised"]["median_resident_steps_per_s"]
    r = result["reference"]["median_resident_steps_per_s"]
    result["ratio"] = v / r
    result["target_ratio"] = TARGET_RATIO
    result["meets_target"] = result["ratio"] >= TARGET_RATIO

    print(f"\n{n:,} residents, medians of {args.repeats} repeats (stepping only):")
    print(f"  vectorised: {v:,.0f} resident-steps/s")
    print(f"  reference:  {r:,.0f} resident-steps/s")
    verdict = "meets" if result["meets_target"] else "MISSES"
    print(f"  ratio:      {result['ratio']:.1f}x ({verdict} the {TARGET_RATIO:.0f}x target)")
    print(f"  written to {write_result('speed', result)}")
    return result


if __name__ == "__main__":
    main()
