"""Self-rated health: whether each adult would call their health "very good" (Census 2021).

A probit: "very good" when a latent score is above zero. The score is the person's own health
(a normal draw, kept for life) plus what their activity, life satisfaction and a health limit
add (`params.health`), plus a level for their neighbourhood's IMD decile (a straight line from
decile 1 to 10) and their age band. That level is solved once for a set of parameters on a
reference England (every decile alike, drawn as any town's residents are), so that 47.5% of
adults say "very good" and 19.8% against 46.0% of those aged 55-74 in the most and least
deprived deciles (Census 2021 gives ages 55-59: the model's nearest band is 55-74). It is not
refitted to each town, so a deprived town has less very good health than England, as it should.

Nothing here draws from another process's random stream or writes another's state, so adding
it leaves every other outcome of a run bit-identical.
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING

import lazy_loader
import numpy as np

from . import evidence
from .errors import InputError
from .parameters import Circumstances, Parameters, Population, SelfRatedHealth, Wellbeing
from .population import synthesise_residents

if TYPE_CHECKING:
    from .model import HealthgapModel

special = lazy_loader.load("scipy.special", suppress_warning=True)
optimize = lazy_loader.load("scipy.optimize", suppress_warning=True)

AGE_55_74 = 2  # the index of the band 55-74 in `population.AGE_BANDS`
# The reference England the levels are solved on: residents per IMD decile, and its draw.
REFERENCE_PER_DECILE = 10_000
REFERENCE_SEED = 2021


def this_week(h: SelfRatedHealth, activity_minutes, life_satisfaction) -> np.ndarray:
    """What activity and life satisfaction, which change week to week, add to the latent score."""
    activity = np.minimum(activity_minutes, h.activity_cap_minutes) / evidence.ACTIVE_MINUTES
    return h.activity_weight * activity + h.life_satisfaction_weight * life_satisfaction


def level(decile: np.ndarray, age_band: np.ndarray, solved: np.ndarray) -> np.ndarray:
    """The latent score's level for IMD decile and age band: `solved` holds the level at decile
    1 and at decile 10 (a straight line between) and the shift per older age band."""
    at_most, at_least, per_age_band = solved
    return at_most + (at_least - at_most) * (decile - 1) / 9 + per_age_band * age_band


def solve_levels(params: Parameters) -> np.ndarray:
    """The level at decile 1 and 10 and the shift per age band that put a reference England's
    adults at the Census 2021 figures (its expected shares, so no draw of the noise moves them).

    Solved once for what the reference depends on (who lives there, their circumstances and
    self-rated health's own parameters), so a sweep of anything else never solves again. The
    place's own calibration (`params.place`) is left out: a place less active than its
    deprivation predicts should have less very good health too."""
    return _levels(
        params.population, params.circumstances, params.wellbeing.quintile_gradient, params.health
    )


@functools.lru_cache(maxsize=8)
def _levels(
    population: Population,
    circumstances: Circumstances,
    quintile_gradient: float,
    health: SelfRatedHealth,
) -> np.ndarray:
    params = Parameters(
        population=population,
        circumstances=circumstances,
        wellbeing=Wellbeing(quintile_gradient=quintile_gradient),
        health=health,
    )
    deciles = np.arange(1, 11)
    rng = np.random.default_rng(np.random.SeedSequence(REFERENCE_SEED))
    people, _ = synthesise_residents(deciles, np.full(10, REFERENCE_PER_DECILE), params, rng)
    h = params.health
    added = this_week(h, people.base_minutes, people.life_satisfaction_base)
    added += h.health_limited_shift * people.health_limited
    in_decile = people.decile[:, None] == deciles[None, :]
    most = (people.decile == 1) & (people.age_band == AGE_55_74)
    least = (people.decile == 10) & (people.age_band == AGE_55_74)
    targets = np.array(
        [
            evidence.VERY_GOOD_HEALTH_PCT.value,
            evidence.VERY_GOOD_HEALTH_MOST_DEPRIVED_55_59_PCT.value,
            evidence.VERY_GOOD_HEALTH_LEAST_DEPRIVED_55_59_PCT.value,
        ]
    )

    def shares(solved: np.ndarray) -> np.ndarray:
        chance = special.ndtr(level(people.decile, people.age_band, solved) + added)
        by_decile = (chance @ in_decile) / in_decile.sum(axis=0)  # England's deciles are alike
        return 100 * np.array([by_decile.mean(), chance[most].mean(), chance[least].mean()])

    start = np.array([special.ndtri(0.2) - added[most].mean(), -added[least].mean(), 0.0])
    solved, _, found, message = optimize.fsolve(
        lambda x: shares(x) - targets, start, full_output=True
    )
    if found != 1 or not np.allclose(shares(solved), targets, atol=0.01):
        raise InputError(
            "Self-rated health: no level by deprivation and age meets the Census 2021 figures "
            f"with these parameters ({message}).",
            fix="Bring the 'health.*' parameters back within their plausible ranges "
            "(model/parameters.py, SelfRatedHealth).",
        )
    solved.flags.writeable = False  # cached: shared by every model with these parameters
    return solved


def set_up_health(model: HealthgapModel, rng: np.random.Generator) -> None:
    """Give each resident their own health (from `rng`) and the level for their decile and age,
    with what a health limit adds: the parts of the score that do not change week to week."""
    p, h = model.people, model.params.health
    own_health = rng.normal(size=p.n).astype(np.float32)
    solved = solve_levels(model.params)
    p.health_fixed[:] = own_health + level(p.decile, p.age_band, solved)
    p.health_fixed += h.health_limited_shift * p.health_limited
    rate_health(model)


def rate_health(model: HealthgapModel) -> None:
    """Who would call their health very good this week, from their activity and wellbeing now."""
    p, h = model.people, model.params.health
    p.very_good_health[:] = (
        p.health_fixed + this_week(h, p.activity_minutes, p.life_satisfaction) > 0
    )
