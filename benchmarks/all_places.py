"""Build the town of every English local authority in the real IoD 2019 tables, and time it.

Each town is built through `build_place` (tables, local authority, Delaunay graph) and its
door-to-door travel times computed; every time between neighbourhoods must be finite (the
graph connected, every neighbourhood on a bus route).
Reads ../shared/data/england/ beside the project root; writes benchmarks/results/all_places.json.

    python benchmarks/all_places.py
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np

from healthgap.model.errors import InputError
from healthgap.scenarios import Scenario, build_place
from healthgap.scenarios.places import local_authorities

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data" / "england"
FILES = {
    "imd_file": DATA / "File_1_-_IMD2019_Index_of_Multiple_Deprivation.csv.gz",
    "population_file": DATA / "File_6_-_IoD2019_Population_Denominators.csv.gz",
    "centroids_file": DATA / "lsoa2011_centroids.csv.gz",
}
sys.path.insert(0, str(ROOT / "benchmarks"))
from provenance import header, write_result  # noqa: E402


def build(la_code: str) -> float:
    """Seconds to build one local authority's town and its travel times."""
    start = time.perf_counter()
    place = {"local_authority": la_code, **{k: str(v) for k, v in FILES.items()}}
    town = build_place(Scenario(place=place))
    minutes = town.travel_minutes()
    elapsed = time.perf_counter() - start
    between = ~np.eye(town.n, dtype=bool)  # the bus serves every neighbourhood, none within one
    if not all(np.isfinite(m[between]).all() for m in minutes.values()):
        raise InputError("Some neighbourhoods cannot reach others.", fix="Check the graph.")
    return elapsed


def main() -> None:
    if not DATA.is_dir():
        sys.exit(f"The real tables are not at {DATA}; nothing to benchmark.")
    print(header())
    start = time.perf_counter()
    authorities = local_authorities(FILES["imd_file"])
    build(authorities.la_code.iloc[0])  # reads and caches the tables
    first_read = time.perf_counter() - start
    rows, failed = [], []
    for la in authorities.itertuples():
        try:
            seconds = build(la.la_code)
        except Exception as error:  # report every failure, then go on
            failed.append({"name": la.la_name, "code": la.la_code, "error": repr(error)})
            continue
        rows.append({"name": la.la_name, "code": la.la_code, "lsoas": la.lsoas, "seconds": seconds})
    slowest = sorted(rows, key=lambda r: -r["seconds"])[:5]
    result = {
        "local_authorities": len(authorities),
        "built": len(rows),
        "failed": failed,
        "slowest": [{**r, "seconds": round(r["seconds"], 4)} for r in slowest],
        "first_read_and_build_seconds": round(first_read, 3),
        "total_seconds": round(time.perf_counter() - start, 3),
    }
    path = write_result("all_places", result)
    print(f"Built {len(rows)} of {len(authorities)} local authorities.")
    for f in failed:
        print(f"  FAILED {f['name']} ({f['code']}): {f['error']}")
    print("Slowest five:")
    for r in slowest:
        print(f"  {r['name']:<32} {r['lsoas']:>4} LSOAs  {r['seconds'] * 1000:7.1f} ms")
    print(f"First read of the tables (and one build): {first_read:.2f} s")
    print(f"Total: {result['total_seconds']:.2f} s. Written to {path}")


if __name__ == "__main__":
    main()
