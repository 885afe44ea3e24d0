"""Residents as arrays (one entry per adult), drawn from the published distributions.

Each resident's usual activity and life satisfaction are drawn so that every
IMD quintile starts at its published figures (evidence.py). Individual traits
(health limits, age) shift who is where within a quintile through a Gaussian
copula: a latent score is ranked within the quintile and mapped onto the
published distribution, so the quintile's figures hold exactly while
individuals differ for reasons.
"""

from __future__ import annotations

import functools

import lazy_loader
import numpy as np

from . import evidence
from .parameters import Circumstances, Parameters

# Imported on first use: reading a scenario needs no SciPy (importing scipy itself is quick).
special = lazy_loader.load("scipy.special", suppress_warning=True)

AGE_BANDS = ("16-34", "35-54", "55-74", "75+")
# Life satisfaction: a Beta distribution on 0-10 whose concentration is solved from the
# national mean (7.45) and low share (5.8%), so not an assumption; quintile means spread by
# the gradient parameter.
LIFE_SATISFACTION_CONCENTRATION = 6.136


INACTIVE_PCT = np.array(evidence.quintile_targets()["inactive_pct"])
FAIRLY_ACTIVE_PCT = np.array(evidence.quintile_targets()["fairly_active_pct"])


def car_access_by_quintile() -> np.ndarray:
    """Share with a car by quintile: 37% vs 8.3% of households without one, linear between."""
    no_car = np.linspace(evidence.NO_CAR_POOREST_PCT.value, evidence.NO_CAR_RICHEST_PCT.value, 5)
    return 1 - no_car / 100


def lonely_targets(ratio: float) -> np.ndarray:
    """Share often lonely by quintile: national 7%, most/least deprived ratio `ratio`, linear."""
    least = 2 * evidence.LONELY_PCT.value / (1 + ratio)
    return np.linspace(least * ratio, least, 5) / 100


class QuintileQuantiles:
    """Maps a latent score (standard normal noise plus a trait shift) to its rank (0-1) in its quintile.

    The latent's distribution in a quintile is a mixture of normals, one per
    trait shift present there, weighted by how common it is; ranking by that
    exact distribution (not a sample of it) keeps redraws unbiased.
    """

    def __init__(self, shift: np.ndarray, quintile: np.ndarray) -> None:
        self.values = np.unique(shift)  # every shift present anywhere
        self.weights = np.zeros((5, len(self.values)))  # how common each is, by quintile
        for q in range(1, 6):
            at = quintile == q
            counts = np.bincount(
                np.searchsorted(self.values, shift[at]), minlength=len(self.values)
            )
            self.weights[q - 1] = counts / max(at.sum(), 1)

    def rank(self, latent: np.ndarray, quintile: np.ndarray) -> np.ndarray:
        below = special.ndtr(latent[:, None] - self.values[None, :])
        u = np.einsum("ij,ij->i", below, self.weights[quintile - 1])
        return np.clip(u, 1e-9, 1 - 1e-9)


def usual_activity_shares(params: Parameters) -> np.ndarray:
    """The published shares inactive and fairly active by quintile (rows), as fractions, with a
    place's `inactive_offset_pct` moving its inactive share up (and active share down) in every
    quintile, for places less active than their deprivation predicts."""
    inactive = (INACTIVE_PCT + params.place.inactive_offset_pct) / 100
    return np.array([inactive, FAIRLY_ACTIVE_PCT / 100])


def minutes_at_rank(
    u: np.ndarray, quintile: np.ndarray, shares: np.ndarray, c: Circumstances
) -> np.ndarray:
    """Usual weekly activity minutes at within-quintile rank u, by Active Lives categories.

    `shares` holds the inactive and fairly active shares of each quintile (rows). Within the
    inactive, a share do nothing at all and the rest up to 30 minutes; the active do 150
    minutes plus an exponential tail (`c`: `params.circumstances`).
    """
    p_in = shares[0, quintile - 1]
    p_fair = shares[1, quintile - 1]
    p_act = 1 - p_in - p_fair
    low = evidence.FAIRLY_ACTIVE_MINUTES
    high = evidence.ACTIVE_MINUTES
    inactive_frac = u / p_in
    fair_frac = (u - p_in) / p_fair
    active_frac = np.clip((u - p_in - p_fair) / p_act, 0, 1 - 1e-9)
    zero = c.inactive_zero_share
    inactive = np.clip((inactive_frac - zero) / (1 - zero), 0, 1)
    return np.select(
        [u < p_in, u < p_in + p_fair],
        [inactive * (low - 0.01), low + fair_frac * (high - low - 0.01)],
        high - np.log1p(-active_frac) * c.active_tail_mean_minutes,
    )


def life_satisfaction_at_rank(u: np.ndarray, quintile: np.ndarray, gradient: float) -> np.ndarray:
    """Life satisfaction (0-10) at within-quintile rank u (the Beta quantile, from a fine table)."""
    table = _life_satisfaction_table(gradient)
    position = u * (QUANTILE_GRID - 1)
    below = np.minimum(position.astype(np.intp), QUANTILE_GRID - 2)
    low = table[quintile - 1, below]
    high = table[quintile - 1, below + 1]
    return low + (position - below) * (high - low)


QUANTILE_GRID = 8193


@functools.lru_cache(maxsize=8)
def _life_satisfaction_table(gradient: float) -> np.ndarray:
    """10 x Beta quantiles on an even grid of ranks, one row per quintile."""
    mean = evidence.LIFE_SATISFACTION_MEAN.value + gradient * (np.arange(1, 6) - 3) / 4
    a = (mean / 10 * LIFE_SATISFACTION_CONCENTRATION)[:, None]
    b = LIFE_SATISFACTION_CONCENTRATION - a
    return 10 * special.betaincinv(a, b, np.linspace(0, 1, QUANTILE_GRID)[None, :])


class Residents:
    """Every resident's state, one array per field (a structure of arrays)."""

    def __init__(self, neighbourhood: np.ndarray, decile: np.ndarray) -> None:
        n = len(neighbourhood)
        self.n = n
        self.neighbourhood = neighbourhood.astype(np.int32)
        self.decile = decile.astype(np.int8)
        self.quintile = ((decile + 1) // 2).astype(np.int8)
        f32 = np.float32
        self.deprivation = np.zeros(n, f32)  # individual deprivation, 0 (least) to 1 (most)
        self.age_band = np.zeros(n, np.int8)
        self.female = np.zeros(n, bool)
        self.car = np.zeros(n, bool)
        self.health_limited = np.zeros(n, bool)
        self.base_minutes = np.zeros(n, f32)  # usual activity outside community groups
        self.activity_rank = np.zeros(n)  # rank of usual activity within the quintile (0-1)
        # Inactive and fairly active shares (rows) by quintile that usual activity is drawn to:
        # the published ones, less what groups add (set at calibration, `calibrate_activity`).
        self.usual_activity_shares = np.zeros((2, 5))
        self.group_minutes = np.zeros(n, f32)  # recent group activity (recall window)
        self.activity_minutes = np.zeros(n, f32)  # what a survey would record
        self.habit = np.zeros(n, f32)  # 0-1: habit of going to a group
        self.confidence = np.zeros(n, f32)  # 0-1: self-efficacy for being active
        self.confidence_base = np.zeros(n, f32)
        self.awareness = np.zeros(n, f32)  # 0-1: chance a week of noticing a local group
        self.taste = np.zeros(n, f32)  # logit: how much they like group activity, all else equal
        self.life_satisfaction_base = np.zeros(n, f32)  # set point from circumstances
        self.wellbeing_gain = np.zeros(n, f32)  # points added by taking part in groups
        self.life_satisfaction = np.zeros(n, f32)
        self.loneliness_noise = np.zeros(n, f32)  # individual propensity (probit scale)
        self.loneliness_intercept = np.zeros(5, f32)  # by quintile, set at calibration
        self.lonely = np.zeros(n, bool)  # often or always lonely
        # Self-rated health (model/health.py): the score's parts that do not change week to week
        # (own health, the level for decile and age, a health limit), and whether it is very good.
        self.health_fixed = np.zeros(n, f32)
        self.very_good_health = np.zeros(n, bool)
        # Everyday trips by bus (model/outings.py): a lasting propensity (logit, a car counted
        # in), a trip out this week, and the share of recent weeks with one.
        self.bus_propensity = np.zeros(n, f32)
        self.rode_bus_out = np.zeros(n, bool)
        self.bus_recent = np.zeros(n, f32)
        self.member_of = np.full(n, -1, np.int32)  # group id, or -1
        self.last_went = np.zeros(n, np.int32)  # the last week a member went to their group
        self.attended = np.full(n, -1, np.int32)  # group attended this week, or -1
        # Set by interventions: outreach referrals and volunteer drivers.
        self.referred_to = np.full(n, -1, np.int32)  # group an outreach worker suggested
        self.referred_until = np.full(n, -1, np.int32)  # last week the referral stands
        self.referral_intercept = np.zeros(n, f32)  # logit of going to the referred group
        # Who outreach reached and when (kept after the referral ends, for the referral funnel).
        self.seen_week = np.full(n, -1, np.int32)  # last week an outreach worker saw them
        self.referred_week = np.full(n, -1, np.int32)  # last week they accepted a referral
        self.seen_by = np.full(n, -1, np.int16)  # which intervention (model.interventions index)
        self.link_worker_contacts = np.zeros(
            n, np.int16
        )  # meetings since a link worker first saw them
        self.in_contact = np.zeros(n, bool)  # a link worker is still seeing them
        self.driven = np.zeros(n, bool)  # enrolled with a volunteer driver scheme


def activity_shift(people: Residents, c: Circumstances, who=slice(None)) -> np.ndarray:
    """How health limits and age move the latent activity score."""
    return (
        c.activity_shift_health_limited * people.health_limited[who]
        + c.activity_shift_per_age_band * people.age_band[who]
    )


def life_satisfaction_shift(people: Residents, c: Circumstances, who=slice(None)) -> np.ndarray:
    """How health limits move the latent life satisfaction score."""
    return c.life_satisfaction_shift_health_limited * people.health_limited[who]


def synthesise_residents(
    neighbourhood_decile: np.ndarray,
    population: np.ndarray,
    params: Parameters,
    rng: np.random.Generator,
) -> tuple[Residents, dict]:
    """Draw a town's residents from the published distributions; returns them and the copula maps."""
    neighbourhood = np.repeat(np.arange(len(population)), population)
    people = Residents(neighbourhood, neighbourhood_decile[neighbourhood])
    n, q, traits = people.n, people.quintile, params.population
    area_deprivation = (10 - people.decile) / 9
    people.deprivation[:] = np.clip(
        area_deprivation + rng.normal(0, traits.deprivation_sd, n), 0, 1
    )
    age_shares = traits.age_shares()
    people.age_band[:] = rng.choice(len(AGE_BANDS), size=n, p=age_shares)
    people.female[:] = rng.random(n) < traits.female_share
    people.car[:] = rng.random(n) < car_access_by_quintile()[q - 1]
    age_multiplier = traits.health_age_multipliers()
    health_p = traits.health_limited_by_quintile()[q - 1] * age_multiplier[people.age_band]
    people.health_limited[:] = rng.random(n) < health_p / (age_shares @ age_multiplier)

    maps = {
        "activity": QuintileQuantiles(activity_shift(people, params.circumstances), q),
        "life_satisfaction": QuintileQuantiles(
            life_satisfaction_shift(people, params.circumstances), q
        ),
    }
    people.usual_activity_shares[:] = usual_activity_shares(params)
    everyone = np.arange(n)
    redraw_circumstances(people, everyone, maps, params, rng)
    # Self-efficacy rises with usual activity.
    usual = np.minimum(people.base_minutes / traits.confidence_full_minutes, 1)
    people.confidence_base[:] = np.clip(
        traits.confidence_inactive
        + traits.confidence_activity_gain * usual
        + rng.normal(0, traits.confidence_sd, n),
        0,
        1,
    )
    people.confidence[:] = people.confidence_base
    people.awareness[:] = traits.awareness_by_quintile()[q - 1]
    people.activity_minutes[:] = people.base_minutes
    people.life_satisfaction[:] = people.life_satisfaction_base
    return people, maps


def redraw_circumstances(
    people: Residents, who: np.ndarray, maps: dict, params: Parameters, rng: np.random.Generator
) -> None:
    """Draw usual activity, life satisfaction and loneliness propensity for `who`.

    Used at the start and after a life event. Lonelier people are less
    satisfied with life; more active people a little more (the correlations
    in `params.circumstances`).
    """
    q, k, c = people.quintile[who], len(who), params.circumstances
    activity_noise = rng.normal(size=k)
    activity_rank = maps["activity"].rank(activity_shift(people, c, who) + activity_noise, q)
    people.activity_rank[who] = activity_rank
    people.base_minutes[who] = minutes_at_rank(activity_rank, q, people.usual_activity_shares, c)
    r = c.activity_life_satisfaction_correlation
    ls_noise = r * activity_noise + np.sqrt(1 - r**2) * rng.normal(size=k)
    ls_rank = maps["life_satisfaction"].rank(life_satisfaction_shift(people, c, who) + ls_noise, q)
    people.life_satisfaction_base[who] = life_satisfaction_at_rank(
        ls_rank, q, params.wellbeing.quintile_gradient
    )
    r = c.loneliness_life_satisfaction_correlation
    people.loneliness_noise[who] = r * special.ndtri(ls_rank) + np.sqrt(1 - r**2) * rng.normal(
        size=k
    )
