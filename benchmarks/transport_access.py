"""The default town's buses and who can get where: figures for docs/transport.md.

Prints, for the default scenario's town (seed 1, after its burn-in): how many trips between
neighbourhoods are quicker by bus than on foot; what a new direct route every 30 minutes would
save between each pair with no direct bus today; the mean minutes to the nearest group of each
kind on foot, without a car (walking or bus) and by car, beside DfT's Journey Time Statistics
(2019: 28, 18 and 10 minutes to the nearest of 8 key services); households with no car by IMD
quintile beside the published 37% and 8.3%; and the baseline's access to groups without a car
by quintile. Writes benchmarks/results/transport_access.json.

    python benchmarks/transport_access.py
"""

from __future__ import annotations

import itertools
import sys
from pathlib import Path

import numpy as np

from healthgap.model import evidence, metrics
from healthgap.simulation import Simulation

sys.path.insert(0, str(Path(__file__).resolve().parent))
from provenance import header, write_result  # noqa: E402

JTS_2019 = {  # minutes to the nearest of 8 key services, England
    "walk": evidence.NEAREST_SERVICE_WALK_MIN.value,
    "without a car": evidence.NEAREST_SERVICE_PT_WALK_MIN.value,
    "car": evidence.NEAREST_SERVICE_CAR_MIN.value,
}
NO_CAR_PCT = {"1": evidence.NO_CAR_POOREST_PCT.value, "5": evidence.NO_CAR_RICHEST_PCT.value}


def main() -> None:
    print(header())
    model = Simulation("baseline", seed=1).model
    town, travel = model.town, model.params.travel
    walk, bus, car = (model.travel[mode] for mode in ("walk", "bus", "car"))
    between = ~np.eye(town.n, dtype=bool)
    quicker_by_bus = float((bus < walk)[between].mean() * 100)

    direct = np.eye(town.n, dtype=bool)
    for route in model.bus_routes:
        for a, b in itertools.combinations(route.stops, 2):
            direct[a, b] = direct[b, a] = True
    x, y = town.node_array("x_km"), town.node_array("y_km")
    now = np.minimum(walk, bus)
    savings = []
    for a, b in zip(*np.nonzero(np.triu(~direct)), strict=True):
        ride = np.hypot(x[a] - x[b], y[a] - y[b]) * travel.circuity / travel.bus_kmh * 60
        savings.append(max(0.0, now[a, b] - (2 * travel.stop_walk_min + 15 + ride)))
    low, median, high = np.percentile(savings, [10, 50, 90])

    open_ = model.groups.open
    nearest = {}
    for label, minutes in (("walk", walk), ("without a car", now), ("car", car)):
        per_kind = [
            minutes[:, model.groups.venue[open_ & (model.groups.kind == kind)]].min(axis=1)
            for kind in np.unique(model.groups.kind[open_])
        ]
        nearest[label] = float(np.average(np.mean(per_kind, axis=0), weights=town.population))

    calling = np.zeros(town.n)  # buses an hour at each neighbourhood's stop, all routes
    for route in model.bus_routes:
        calling[list(route.stops)] += route.buses_per_hour
    frequent = {
        str(q): float(
            np.average(
                calling[town.imd_quintile == q] >= 5,
                weights=town.population[town.imd_quintile == q],
            )
            * 100
        )
        for q in range(1, 6)
    }

    p = model.people
    no_car = {str(q): float((~p.car[p.quintile == q]).mean() * 100) for q in range(1, 6)}
    access = {
        name: [float(v) for v in metrics.by_group(*metrics.decile_sums(model))[:, i]]
        for i, name in enumerate(metrics.METRIC_NAMES)
        if name in ("reach_kinds_pct", "groups_reachable_mean")
    }
    result = {
        "trips_quicker_by_bus_pct": quicker_by_bus,
        "pairs_without_a_direct_bus": len(savings),
        "new_route_saving_min": {"p10": low, "median": median, "p90": high, "max": max(savings)},
        "nearest_group_min": nearest,
        "jts_2019_nearest_service_min": JTS_2019,
        "five_buses_an_hour_pct_by_quintile": frequent,
        "no_car_pct_by_quintile": no_car,
        "no_car_pct_published": NO_CAR_PCT,
        "access_by_group": {"groups": list(metrics.GROUPS), **access},
    }
    print(f"Trips between neighbourhoods quicker by bus than on foot: {quicker_by_bus:.0f}%")
    print(
        f"A new direct route every 30 minutes, {len(savings)} pairs with no direct bus: saves "
        f"{median:.1f} min (median; 10th-90th percentile {low:.1f}-{high:.1f}, most {max(savings):.1f})"
    )
    print("Mean minutes to the nearest group of each kind (JTS 2019, nearest key service):")
    for label, minutes in nearest.items():
        print(f"  {label:14} {minutes:5.1f}   ({JTS_2019[label]})")
    print("Neighbourhoods (by population) whose stop has 5 or more buses an hour, by quintile:")
    print("  " + "  ".join(f"Q{q} {v:.0f}%" for q, v in frequent.items()))
    print("No car, % of adults by IMD quintile (published: 37% poorest fifth, 8.3% richest):")
    print("  " + "  ".join(f"Q{q} {v:.0f}%" for q, v in no_car.items()))
    for name, values in access.items():
        print(f"{metrics.METRICS[name].label}:")
        print("  " + "  ".join(f"{g} {v:.1f}" for g, v in zip(metrics.GROUPS, values, strict=True)))
    write_result("transport_access", result)


if __name__ == "__main__":
    main()
