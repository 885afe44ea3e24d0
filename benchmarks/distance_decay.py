"""The parkrun rate ratio per km on a real place, measured as Schneider et al. (2020) did (issue 10).

Runs a local authority of the IoD 2019 tables (default Sheffield, 345 LSOAs at their centroids,
every adult, one simulated year after the burn-in, seed 7), counts each LSOA's parkrun
attendances over the year, and Poisson-regresses them on the km from its centroid to the nearest
open parkrun with the LSOA's adults as the exposure and its IMD decile as the other covariate
(File 1 has no IMD score; see experiments/distance_decay.py). Prints the rate ratio per km and its
intervals beside the published 0.921 (95% CI 0.921-0.922), the parkruns open, the wall time,
and how the figure moves with other forms of the deprivation term. Reads ../shared/data/england
beside the repository; writes benchmarks/results/distance_decay.json.

    python benchmarks/distance_decay.py
    python benchmarks/distance_decay.py --sample 0.2 --seed 8
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))
from provenance import header, write_result  # noqa: E402

from healthgap.experiments.distance_decay import (  # noqa: E402
    ParkrunTally,
    distance_decay,
    poisson_rate_ratio,
)
from healthgap.model import evidence  # noqa: E402
from healthgap.scenarios import Scenario  # noqa: E402
from healthgap.scenarios.places import place_neighbourhoods  # noqa: E402
from healthgap.simulation import Simulation  # noqa: E402

ENGLAND = Path(__file__).resolve().parents[2] / "shared" / "data" / "england"
FILES = {
    "imd_file": ENGLAND / "File_1_-_IMD2019_Index_of_Multiple_Deprivation.csv.gz",
    "population_file": ENGLAND / "File_6_-_IoD2019_Population_Denominators.csv.gz",
    "centroids_file": ENGLAND / "lsoa2011_centroids.csv.gz",
}
PUBLISHED = evidence.PARKRUN_RATE_RATIO_PER_KM  # 0.921, 95% CI 0.921-0.922
WITHIN_5_KM_PCT = 69  # of England's population, 2018 (same study; EVIDENCE.md)


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--place", default="Sheffield", help="a local authority, name or code")
    parser.add_argument("--sample", type=float, default=1.0, help="share of its adults simulated")
    parser.add_argument("--years", type=float, default=1.0)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    if not ENGLAND.is_dir():
        sys.exit(f"The real tables are not at {ENGLAND}; nothing to measure.")
    print(header())
    place = {"local_authority": args.place, "sample": args.sample}
    scenario = Scenario(years=args.years, place=place | {k: str(v) for k, v in FILES.items()})

    start = time.perf_counter()
    sim = Simulation(scenario, args.seed)
    built = time.perf_counter()
    tally = ParkrunTally(sim.model)
    sim.run(on_week=lambda _week: tally.week(sim.model))
    ran = time.perf_counter()
    decay = distance_decay(scenario, sim.model, tally)
    done = time.perf_counter()
    fit, table = decay.fit, decay.neighbourhoods

    # How the figure moves with the form of the deprivation term (the study's was the score).
    lsoas = place_neighbourhoods(scenario.place).set_index("code").loc[table.code]
    deciles = pd.get_dummies(table.imd_decile, drop_first=True).to_numpy(float)
    counts, adults, km = table.attendances, table.adults, table.km
    variants = {
        "IMD decile, linear (the measure)": fit,
        "IMD decile, 10 categories": poisson_rate_ratio(counts, adults, km, deciles),
        "IMD rank, linear": poisson_rate_ratio(counts, adults, km, lsoas.imd_rank.to_numpy()),
        "no deprivation term": poisson_rate_ratio(counts, adults, km),
    }
    within_5_km = float(np.average(km <= 5, weights=adults) * 100)
    weekly_pct = float(counts.sum() / decay.weeks / adults.sum() * 100)

    print(
        f"{sim.model.town.name}: {len(table)} LSOAs, {int(adults.sum()):,} adults simulated "
        f"(sample {args.sample:g}), {decay.weeks} weeks, seed {args.seed}"
    )
    print(
        f"parkruns open at the end: {decay.parkruns_open}; parkrun attendances "
        f"{int(counts.sum()):,} ({weekly_pct:.3f}% of adults a week)"
    )
    print(
        f"adults within 5 km of a parkrun: {within_5_km:.0f}% (England 2018: {WITHIN_5_KM_PCT}%); "
        f"mean km to the nearest {np.average(km, weights=adults):.2f}"
    )
    print(
        f"rate ratio per km: {fit.rate_ratio:.3f} (Poisson 95% CI {fit.low:.3f}-{fit.high:.3f}; "
        f"allowing for overdispersion {fit.dispersion:.0f}x: "
        f"{fit.low_overdispersed:.3f}-{fit.high_overdispersed:.3f}), adjusted for "
        f"{decay.deprivation}"
    )
    print(f"published: {PUBLISHED.value} (95% CI 0.921-0.922), adjusted for IMD score")
    for label, variant in variants.items():
        print(f"  {label:<34} {variant.rate_ratio:.3f} ({variant.low:.3f}-{variant.high:.3f})")
    print(
        f"wall time {done - start:.1f} s (build and burn-in {built - start:.1f} s, the year "
        f"{ran - built:.1f} s, the fit {done - ran:.2f} s)"
    )
    result = {
        "place": sim.model.town.name,
        "lsoas": len(table),
        "adults": int(adults.sum()),
        "sample": args.sample,
        "years": args.years,
        "seed": args.seed,
        "parkruns_open": decay.parkruns_open,
        "attendances": int(counts.sum()),
        "within_5_km_pct": round(within_5_km, 1),
        "deprivation": decay.deprivation,
        "rate_ratio_per_km": fit.rate_ratio,
        "ci95": [fit.low, fit.high],
        "ci95_overdispersed": [fit.low_overdispersed, fit.high_overdispersed],
        "dispersion": fit.dispersion,
        "published": PUBLISHED.value,
        "variants": {label: [v.rate_ratio, v.low, v.high] for label, v in variants.items()},
        "seconds": {
            "build": round(built - start, 2),
            "run": round(ran - built, 2),
            "fit": round(done - ran, 3),
            "total": round(done - start, 2),
        },
    }
    print(f"Written to {write_result('distance_decay', result)}")
    return result


if __name__ == "__main__":
    main()
