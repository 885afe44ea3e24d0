"""The place: neighbourhoods as a NetworkX graph with travel times by foot, bus and car."""

from __future__ import annotations

from dataclasses import dataclass

import networkx as nx
import numpy as np
from scipy.sparse import csr_array
from scipy.sparse.csgraph import shortest_path
from scipy.spatial import Delaunay

from .errors import InputError

MODES = ("walk", "bus", "car")
# Door-to-door speeds in km/h along the street network and the fixed costs of a trip.
# Assumptions (typical urban England): walking 4.8 km/h; bus 18 km/h in vehicle plus
# 10 minutes' wait and walk to the stop; car 30 km/h plus 3 minutes' parking.
SPEED_KMH = {"walk": 4.8, "bus": 18.0, "car": 30.0}
TRIP_OVERHEAD_MIN = {"walk": 0.0, "bus": 10.0, "car": 3.0}
CIRCUITY = 1.3  # street distance over straight-line distance (assumption)
# A return bus trip: two single fares at the England cap of 2023-24 (assumption: GBP 2 each).
BUS_RETURN_FARE_GBP = 4.0


@dataclass
class Town:
    """Neighbourhoods (about LSOAs): graph, population, deprivation and travel times.

    Node ids are 0..n-1 (integers, as Mesa's network drawing needs). Node
    attributes: code, name, population, imd_decile, x_km, y_km. Edge attributes:
    distance_km and minutes by each mode.
    """

    graph: nx.Graph
    name: str = "town"

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

    def travel_minutes(self) -> dict[str, np.ndarray]:
        """Shortest door-to-door minutes between every pair of neighbourhoods, by mode."""
        n = self.n
        edges = list(self.graph.edges(data=True))
        rows = np.array([u for u, _, _ in edges] + [v for _, v, _ in edges], dtype=np.int64)
        cols = np.array([v for _, v, _ in edges] + [u for u, _, _ in edges], dtype=np.int64)
        within = self.node_array("within_km") * CIRCUITY
        result = {}
        for mode in MODES:
            moving = np.array([d[f"{mode}_moving_min"] for _, _, d in edges] * 2, dtype=float)
            matrix = csr_array((moving, (rows, cols)), shape=(n, n))
            minutes = shortest_path(matrix, method="D", directed=False)
            np.fill_diagonal(minutes, within / SPEED_KMH[mode] * 60)
            result[mode] = minutes + TRIP_OVERHEAD_MIN[mode]
        return result

    def bus_fares(self) -> np.ndarray:
        """The return bus fare between every pair of neighbourhoods (GBP)."""
        fares = np.full((self.n, self.n), BUS_RETURN_FARE_GBP)
        np.fill_diagonal(fares, 0.0)
        return fares


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
        distance = float(np.hypot(*(points[u] - points[v])))
        street = distance * CIRCUITY
        graph.add_edge(
            u,
            v,
            distance_km=distance,
            **{f"{m}_moving_min": street / SPEED_KMH[m] * 60 for m in MODES},
        )
    # A neighbourhood's own extent: half the distance to its nearest neighbour.
    for i in range(n):
        nearest = min((graph.edges[i, j]["distance_km"] for j in graph.neighbors(i)), default=1.0)
        graph.nodes[i]["within_km"] = nearest / 2
    return Town(graph=graph, name=name)


def _neighbour_pairs(points: np.ndarray) -> set[tuple[int, int]]:
    """Pairs of neighbourhoods that share a border (Delaunay triangulation)."""
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
    codes = [f"T{i + 1:03d}" for i in range(neighbourhoods)]
    return build_town(
        codes,
        [f"Neighbourhood {i + 1}" for i in range(neighbourhoods)],
        population,
        decile,
        radius * np.cos(angle),
        radius * np.sin(angle),
        name=name,
    )
