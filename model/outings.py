"""Everyday trips by bus: shops, appointments and visits beyond a resident's own neighbourhood.

Groups are not the only reason to take a bus. Each week a resident takes one with a chance that
is a logit of their own lasting propensity (some ride every week, some never), less what having
a car makes unnecessary (`outings.car_weight`) and what the fare costs them: the same weight on
a fare as for a group (`behaviour.cost_weight`), felt more by the deprived. The fare is their
neighbourhood's return fare to the rest of town, weighted by where people live, so a fare
scheme changes it (0 everywhere with free buses); a new route or more buses, by the minutes they
save against the town's own buses (`behaviour.travel_weight`, as for a trip to a group).

The level and the spread of the propensity are solved once, on a reference England (every IMD
decile alike, drawn as any town's residents are, paying the usual fare), so that 25% of adults
take a bus in a week and 39% in four weeks (Understanding Society 2014-15: 25% use a bus at
least weekly, 14% more at least monthly). They are not refitted to each town: a town with fewer
cars rides more. Concessionary passes are not modelled: older residents pay the fare too.

Getting out lowers loneliness (`wellbeing.loneliness_outing_weight`): residents without a car
by the share of the last four weeks they took a bus out; those with a car are taken to get out
as they wish. A trip to a group by bus (`rode_to_group`) counts as bus use, not as an outing:
what a group does for loneliness is its own.

Nothing here draws from another process's random stream.
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING

import lazy_loader
import numpy as np

from . import evidence
from .errors import InputError
from .parameters import Outings, Parameters, Population
from .population import synthesise_residents

if TYPE_CHECKING:
    from .model import HealthgapModel

optimize = lazy_loader.load("scipy.optimize", suppress_warning=True)
special = lazy_loader.load("scipy.special", suppress_warning=True)

RECALL_WEEKS = 4  # "in the last four weeks": the surveys' month
REFERENCE_PER_DECILE = 2_000
REFERENCE_SEED = 2015
NODES = 24  # Gauss-Hermite nodes over the lasting propensity


def solve_level(params: Parameters) -> tuple[float, float]:
    """The level and the standard deviation of the lasting propensity (logit) that put a
    reference England's adults at Understanding Society's bus use: 25% in a week, 39% in four
    weeks (expected shares, so no draw moves them). Cached for what it depends on."""
    return _level(
        params.population,
        params.outings,
        params.behaviour.cost_weight,
        params.travel.bus_return_fare_gbp,
    )


@functools.lru_cache(maxsize=8)
def _level(
    population: Population, outings: Outings, cost_weight: float, fare: float
) -> tuple[float, float]:
    deciles = np.arange(1, 11)
    rng = np.random.default_rng(np.random.SeedSequence(REFERENCE_SEED))
    people, _ = synthesise_residents(
        deciles, np.full(10, REFERENCE_PER_DECILE), Parameters(population=population), rng
    )
    pushed = outings.car_weight * people.car + cost_weight * fare * people.deprivation
    nodes, weights = np.polynomial.hermite_e.hermegauss(NODES)  # over a standard normal
    weights = weights / weights.sum()
    targets = np.array([evidence.BUS_WEEKLY_PCT.value, evidence.BUS_MONTHLY_PCT.value]) / 100

    def shares(x: np.ndarray) -> np.ndarray:
        level, spread = x[0], abs(x[1])
        chance = special.expit(level + spread * nodes[None, :] - pushed[:, None])
        in_a_week = chance @ weights
        in_four = (1 - (1 - chance) ** RECALL_WEEKS) @ weights
        return np.array([in_a_week.mean(), in_four.mean()])

    solved, _, found, message = optimize.fsolve(
        lambda x: shares(x) - targets, np.array([0.0, 2.0]), full_output=True
    )
    if found != 1 or not np.allclose(shares(solved), targets, atol=0.001):
        raise InputError(
            "Everyday bus trips: no level and spread meet Understanding Society's bus use with "
            f"these parameters ({message}).",
            fix="Bring 'outings.car_weight' and 'behaviour.cost_weight' back within their "
            "plausible ranges (model/parameters.py).",
        )
    return float(solved[0]), float(abs(solved[1]))


def everyday_trips(model: HealthgapModel) -> tuple[np.ndarray, np.ndarray]:
    """Each neighbourhood's return fare and minutes (by bus, or on foot where that is quicker)
    to the rest of town, weighted by where people live."""
    elsewhere = model.town.population[None, :] * (1 - np.eye(model.town.n))
    elsewhere /= np.maximum(elsewhere.sum(axis=1, keepdims=True), 1)
    minutes = np.minimum(model.travel["walk"], model.travel["bus"])
    return (model.bus_fare * elsewhere).sum(axis=1), (minutes * elsewhere).sum(axis=1)


def set_up_outings(model: HealthgapModel, rng: np.random.Generator) -> None:
    """Give each resident their lasting propensity (from `rng`), a car counted in, and the share
    of recent weeks out at its expected value; the town's own buses are its usual trips."""
    p, o = model.people, model.params.outings
    level, spread = solve_level(model.params)
    p.bus_propensity[:] = level + spread * rng.normal(size=p.n) - o.car_weight * p.car
    model.usual_everyday_minutes = model.everyday_minutes.copy()
    model.bus_chance = None
    p.bus_recent[:] = bus_chance(model)


def bus_chance(model: HealthgapModel) -> np.ndarray:
    """Each resident's chance of a bus trip out in a week, at today's fares and buses (kept
    until travel changes: `HealthgapModel.update_travel` forgets it). A scheme that makes the
    trip quicker than the town's own buses do lowers its cost as minutes to a group do."""
    if model.bus_chance is None:
        p, b = model.people, model.params.behaviour
        quicker = b.travel_weight * (model.everyday_minutes - model.usual_everyday_minutes) / 10
        cost = b.cost_weight * model.per_resident(model.everyday_fare) * p.deprivation
        cost += model.per_resident(quicker)
        model.bus_chance = special.expit(p.bus_propensity - cost).astype(np.float32)
    return model.bus_chance


def take_buses(model: HealthgapModel, week: int) -> None:
    """Who takes a bus out this week, and the share of the last four weeks each did."""
    p = model.people
    u = model.streams.week("outings", week).random(p.n, dtype=np.float32)
    p.rode_bus_out[:] = u < bus_chance(model)
    p.bus_recent += (p.rode_bus_out - p.bus_recent) / RECALL_WEEKS


def getting_out(model: HealthgapModel) -> np.ndarray:
    """How much each resident gets out (0-1): 1 with a car, else their recent weeks by bus."""
    p = model.people
    return np.where(p.car, 1.0, p.bus_recent)


def rode_to_group(model: HealthgapModel) -> np.ndarray:
    """Went to a group this week by bus: no car, not driven, and the bus the cheaper way there."""
    p = model.people
    went = np.flatnonzero((p.attended >= 0) & ~p.car)
    b, rode = model.params.behaviour, np.zeros(p.n, bool)
    walk, bus, fare = model.trip_to_group[:, p.neighbourhood[went], p.attended[went]]
    by_bus = b.travel_weight * bus / 10 + b.cost_weight * fare * p.deprivation[went]
    rode[went] = (by_bus < b.travel_weight * walk / 10) & ~p.driven[went]
    return rode


def rode_bus(model: HealthgapModel) -> np.ndarray:
    """Took a bus this week, out or to a group."""
    return model.people.rode_bus_out | rode_to_group(model)
