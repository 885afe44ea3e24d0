"""The place: neighbourhoods as a NetworkX graph, its bus routes, and travel times by foot, bus and car."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import lazy_loader
import numpy as np

from .errors import InputError
from .parameters import Travel

nx = lazy_loader.load("networkx")  # imported on first use: reading a scenario needs none

MODES = ("walk", "bus", "car")


@dataclass
class Town:
    """Neighbourhoods (about LSOAs): graph, population, deprivation and travel times.

    Node ids are 0..n-1 (integers, as Mesa's network drawing needs). Node
    attributes: code, name, population, imd_decile, x_km, y_km, within_km (a
    neighbourhood's own extent). Edges join neighbours and carry distance_km;
    `travel_minutes` turns distances into times by each mode.
    """

    graph: nx.Graph
    name: str = "town"
    # Minutes by bus between neighbourhoods from the place's own table (NaN where not given).
    given_bus_minutes: np.ndarray | None = None

    @property
    def n(self) -> int:
        return self.graph.number_of_nodes()

    def node_array(self, key: str) -> np.ndarray:
        """One node attribute as an array ordered by node id."""
        return np.array([self.graph.nodes[i][key] for i in range(self.n)])

    @property
    def population(self) -> np.ndarray:
        return self.node_array("population").astype(np.int64)

    @property
    def imd_decile(self) -> np.ndarray:
        return self.node_array("imd_decile").astype(np.int8)

    @property
    def imd_quintile(self) -> np.ndarray:
        return ((self.imd_decile + 1) // 2).astype(np.int8)

    def hub(self) -> int:
        """The town centre: the neighbourhood nearest the population-weighted centre."""
        x, y, people = self.node_array("x_km"), self.node_array("y_km"), self.population
        cx, cy = np.average(x, weights=people), np.average(y, weights=people)
        return int(np.argmin(np.hypot(x - cx, y - cy)))

    def bus_network(self, travel: Travel | None = None) -> list[BusRoute]:
        """The town's own buses: radial routes from the centre along the streets, as an English
        town's network mostly is, each calling at every neighbourhood on its way out; more
        frequent near the centre than at the edge (`Travel.buses_per_hour_centre` to `_edge`).

        Greedy cover: the neighbourhood farthest from the centre that no route yet serves
        ends the next route, until every one is served; trips across town change at the centre.
        """
        travel = travel or Travel()
        if self.n < 2:
            return []
        hub = self.hub()
        length, path = nx.single_source_dijkstra(self.graph, hub, weight="distance_km")
        x, y = self.node_array("x_km"), self.node_array("y_km")
        out = np.hypot(x - x[hub], y - y[hub])
        reach = out.max() or 1.0
        served, routes = {hub}, []
        for end in sorted(length, key=lambda node: (-length[node], node)):
            if end in served:
                continue
            served.update(path[end])
            share = out[end] / reach  # 0 at the centre, 1 at the town's edge
            frequency = travel.buses_per_hour_centre + share * (
                travel.buses_per_hour_edge - travel.buses_per_hour_centre
            )
            routes.append(BusRoute(tuple(path[end]), round(float(frequency), 2)))
        return routes

    def travel_minutes(
        self, travel: Travel | None = None, bus_routes: Iterable[BusRoute] | None = None
    ) -> dict[str, np.ndarray]:
        """Shortest door-to-door minutes between every pair of neighbourhoods, by mode.

        Walking and driving follow the streets. A bus trip is the walk to the stop, and for
        each bus taken half the time between its buses (the wait) and the ride, then the walk
        from the stop (`bus_trip_minutes`); `bus_routes` defaults to the town's own network.
        Where the place gave its own bus minutes, they stand instead, less what any routes
        beyond the town's own save on the model's network.
        """
        from scipy.sparse import csr_array  # SciPy only where used: reading scenarios is quick
        from scipy.sparse.csgraph import shortest_path

        travel = travel or Travel()
        n = self.n
        ends = np.array(list(self.graph.edges()), dtype=np.int64).reshape(-1, 2)
        km = np.array([d for _, _, d in self.graph.edges(data="distance_km")], dtype=float)
        within = self.node_array("within_km") * travel.circuity
        result = {}
        for mode in ("walk", "car"):
            moving = np.concatenate([km, km]) * travel.circuity / travel.kmh(mode) * 60
            rows = np.concatenate([ends[:, 0], ends[:, 1]])
            cols = np.concatenate([ends[:, 1], ends[:, 0]])
            minutes = shortest_path(csr_array((moving, (rows, cols)), shape=(n, n)), directed=False)
            np.fill_diagonal(minutes, within / travel.kmh(mode) * 60)
            result[mode] = minutes + travel.overhead_min(mode)
        routes = self.bus_network(travel) if bus_routes is None else list(bus_routes)
        result["bus"] = self.bus_trip_minutes(travel, routes)
        if self.given_bus_minutes is not None:
            # The place's own minutes, less what the schemes' routes save on the model's network.
            own = self.bus_trip_minutes(travel, self.bus_network(travel))
            with np.errstate(invalid="ignore"):  # no bus either way: inf - inf
                saving = own - result["bus"]
            saving[~np.isfinite(saving)] = 0.0
            given = self.given_bus_minutes - saving
            result["bus"] = np.where(np.isnan(given), result["bus"], given)
        return result

    def bus_trip_minutes(self, travel: Travel, routes: Iterable[BusRoute]) -> np.ndarray:
        """Minutes by bus between every pair of neighbourhoods (inf with no bus; a trip within
        a neighbourhood is walked). Each route joins every pair of its stops by one boarding:
        the wait (half the time between buses, of all routes serving the pair together) plus
        the ride along the route; changing buses is a second boarding."""
        from scipy.sparse import csr_array
        from scipy.sparse.csgraph import shortest_path

        n = self.n
        ride: dict[tuple[int, int], float] = {}
        frequency: dict[tuple[int, int], float] = {}
        for route in routes:
            stops = np.asarray(route.stops, dtype=np.int64)
            along = self.ride_minutes(route, travel)
            first, second = np.triu_indices(len(stops), k=1)
            for a, b, minutes in zip(
                stops[first], stops[second], along[second] - along[first], strict=True
            ):
                pair = (int(min(a, b)), int(max(a, b)))
                if pair[0] == pair[1]:
                    continue
                ride[pair] = min(ride.get(pair, np.inf), minutes)
                frequency[pair] = frequency.get(pair, 0.0) + route.buses_per_hour
        if not ride:
            minutes = np.full((n, n), np.inf)
        else:
            pairs = np.array(list(ride), dtype=np.int64)
            boarding = np.array([ride[p] + 30.0 / frequency[p] for p in ride])
            rows, cols = (
                np.concatenate([pairs[:, 0], pairs[:, 1]]),
                np.concatenate([pairs[:, 1], pairs[:, 0]]),
            )
            graph = csr_array((np.concatenate([boarding, boarding]), (rows, cols)), shape=(n, n))
            minutes = shortest_path(graph, directed=False) + 2 * travel.stop_walk_min
        np.fill_diagonal(minutes, np.inf)
        return minutes

    def ride_minutes(self, route: BusRoute, travel: Travel) -> np.ndarray:
        """Minutes on the bus from a route's first stop to each of its stops: along the street
        between neighbours, straight (times the circuity) where no street joins two stops."""
        x, y = self.node_array("x_km"), self.node_array("y_km")
        stops = np.asarray(route.stops, dtype=np.int64)
        legs = np.hypot(np.diff(x[stops]), np.diff(y[stops]))
        for i, (a, b) in enumerate(zip(route.stops[:-1], route.stops[1:], strict=True)):
            if self.graph.has_edge(a, b):
                legs[i] = self.graph.edges[a, b]["distance_km"]
        return np.concatenate([[0.0], np.cumsum(legs)]) * travel.circuity / travel.bus_kmh * 60

    def bus_fares(self, travel: Travel | None = None) -> np.ndarray:
        """The return bus fare between every pair of neighbourhoods (GBP)."""
        fares = np.full((self.n, self.n), (travel or Travel()).bus_return_fare_gbp)
        np.fill_diagonal(fares, 0.0)
        return fares


@dataclass(frozen=True)
class BusRoute:
    """A bus service calling at `stops` (neighbourhood ids) in order, both ways."""

    stops: tuple[int, ...]
    buses_per_hour: float


def preset_codes(neighbourhoods: int) -> list[str]:
    """The neighbourhood codes of a preset town: T001, T002, ..."""
    return [f"T{i + 1:03d}" for i in range(neighbourhoods)]


def build_town(
    codes: list[str],
    names: list[str],
    population: np.ndarray,
    imd_decile: np.ndarray,
    x_km: np.ndarray,
    y_km: np.ndarray,
    name: str = "town",
) -> Town:
    """A town from neighbourhood tables: links neighbours (Delaunay) and times each link."""
    population = np.asarray(population)
    imd_decile = np.asarray(imd_decile)
    n = len(codes)
    if n == 0:
        raise InputError("The place has no neighbourhoods.", fix="Give at least one neighbourhood.")
    if np.any(population <= 0):
        raise InputError(
            "Every neighbourhood needs a positive population.", fix="Check the population column."
        )
    if np.any((imd_decile < 1) | (imd_decile > 10)):
        raise InputError(
            "IMD deciles must be whole numbers from 1 to 10.", fix="Check the decile column."
        )
    points = np.column_stack([x_km, y_km]).astype(float)
    graph = nx.Graph()
    for i in range(n):
        graph.add_node(
            i,
            code=codes[i],
            name=names[i],
            population=int(population[i]),
            imd_decile=int(imd_decile[i]),
            x_km=float(points[i, 0]),
            y_km=float(points[i, 1]),
        )
    for u, v in _neighbour_pairs(points):
        graph.add_edge(u, v, distance_km=float(np.hypot(*(points[u] - points[v]))))
    # A neighbourhood's own extent: half the distance to its nearest neighbour.
    for i in range(n):
        nearest = min((graph.edges[i, j]["distance_km"] for j in graph.neighbors(i)), default=1.0)
        graph.nodes[i]["within_km"] = nearest / 2
    return Town(graph=graph, name=name)


def _neighbour_pairs(points: np.ndarray) -> set[tuple[int, int]]:
    """Pairs of neighbourhoods that share a border (Delaunay triangulation)."""
    from scipy.spatial import Delaunay

    n = len(points)
    if n < 4 or np.linalg.matrix_rank(points - points.mean(axis=0)) < 2:
        order = np.lexsort((points[:, 1], points[:, 0]))
        return {(int(min(a, b)), int(max(a, b))) for a, b in zip(order, order[1:], strict=False)}
    pairs = set()
    for simplex in Delaunay(points).simplices:
        for a, b in ((0, 1), (1, 2), (0, 2)):
            u, v = int(simplex[a]), int(simplex[b])
            pairs.add((min(u, v), max(u, v)))
    return pairs


def typical_town(
    residents: int = 50_000,
    neighbourhoods: int = 30,
    deciles: list[int] | None = None,
    name: str = "typical English town",
) -> Town:
    """The default preset: a typical English town spanning every IMD decile.

    Neighbourhoods of equal population sit on a disc (about 7 km across for 30
    of them; the same density for other sizes); the most deprived are nearer
    the centre (the usual English pattern: assumption). `deciles` gives each
    neighbourhood's IMD decile (default: every decile in equal numbers). Its
    layout is fixed (it is one place); runs vary by their own seed.
    """
    if deciles is None and neighbourhoods < 10:
        raise InputError(
            "A typical town needs at least 10 neighbourhoods (one per decile).",
            fix="Ask for 10 or more.",
        )
    layout = np.random.default_rng(20_19)  # fixed: the town is a place, not a random draw
    radius = 3.5 * np.sqrt(neighbourhoods / 30) * np.sqrt(layout.random(neighbourhoods))
    angle = layout.random(neighbourhoods) * 2 * np.pi
    if deciles is None:
        deciles = np.arange(neighbourhoods) * 10 // neighbourhoods + 1
    # Nearer the centre, more deprived, with noise so the gradient is not perfect.
    order = np.argsort(radius + layout.normal(0, 0.8, neighbourhoods))
    decile = np.empty(neighbourhoods, dtype=int)
    decile[order] = np.sort(np.asarray(deciles))
    population = np.full(neighbourhoods, residents // neighbourhoods)
    population[: residents - population.sum()] += 1
    return build_town(
        preset_codes(neighbourhoods),
        [f"Neighbourhood {i + 1}" for i in range(neighbourhoods)],
        population,
        decile,
        radius * np.cos(angle),
        radius * np.sin(angle),
        name=name,
    )
