"""Every model parameter, declared once: default, unit, plausible range and source.

Sweeps, sliders and scenario files name parameters by the same dotted path,
for example ``behaviour.travel_weight``. A parameter whose source is
"assumption" has no published figure behind it; its range is what the
sensitivity analysis explores.
"""

from __future__ import annotations

import dataclasses
import difflib
import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import DTypeLike

from .errors import InputError
from .evidence import quintile_targets
from .groups import TYPE_NAMES


@dataclass(frozen=True)
class Possible:
    """The values a parameter can take at all: beyond them the model means nothing (a chance
    of 1.5, a negative weight on travel). Its declared range is narrower: what is plausible."""

    low: float = -math.inf
    high: float = math.inf
    above_low: bool = False  # the low itself is impossible too (a speed, a divisor)

    def allows(self, value: float) -> bool:
        above = value > self.low if self.above_low else value >= self.low
        return above and value <= self.high

    def describe(self) -> str:
        """In words: "from 0 to 1", "at least 0", "above 0", "any number"."""
        low = f"{'above' if self.above_low else 'at least'} {self.low:g}"
        if math.isinf(self.low):
            return "any number" if math.isinf(self.high) else f"at most {self.high:g}"
        if math.isinf(self.high):
            return low
        if self.above_low:
            return f"{low} and at most {self.high:g}"
        return f"from {self.low:g} to {self.high:g}"


class ImplausibleValue(UserWarning):
    """A parameter given a possible value beyond its plausible range: it runs, with a warning."""


QUINTILE_TARGETS = quintile_targets()  # what the place offset must leave possible
ANY = Possible()  # a logit's intercept, a shift on a latent score
NON_NEGATIVE = Possible(0.0)  # minutes, GBP, counts, a weight whose sign carries its meaning
POSITIVE = Possible(0.0, above_low=True)  # speeds and what the model divides by
CHANCE = Possible(0.0, 1.0)  # chances, shares and rates of change per week
CORRELATION = Possible(-1.0, 1.0)
AT_LEAST_ONE = Possible(1.0)  # periods in weeks that the model counts in


def param(
    default: float,
    unit: str,
    low: float,
    high: float,
    source: str,
    possible: Possible | None = None,
) -> Any:
    """Declare a parameter with its unit, plausible range (low to high) and source, and what
    values are possible at all: by default at least 0 when the plausible range is, else any."""
    if possible is None:
        possible = NON_NEGATIVE if low >= 0 else ANY
    metadata = {"unit": unit, "range": (low, high), "source": source, "possible": possible}
    return field(default=default, metadata=metadata)


AGE_SUFFIXES = ("16_34", "35_54", "55_74", "75_plus")  # the age bands of `population.AGE_BANDS`
QUINTILE_SUFFIXES = ("q1", "q2", "q3", "q4", "q5")  # IMD quintile 1 is the most deprived
ONS_SOURCE = "assumption: ONS mid-year estimates for England's adults, rounded"
HEALTH_LIMIT_SOURCE = (
    "assumption; direction and size guided by Census 2021 'very good' health, 19.8% vs 46.0% "
    "at ages 55-59 in the most vs least deprived decile"
)
AWARENESS_SOURCE = (
    "assumption; deprived areas under-represented in Walking for Health (evaluation 2016)"
)


@dataclass(frozen=True)
class Population:
    """Who lives in the town beyond the published figures: ages, sex, health limits, awareness."""

    share_aged_16_34: float = param(
        0.30,
        "share of adults aged 16-34 (the four age shares are scaled to sum to 1)",
        0.25,
        0.35,
        ONS_SOURCE,
        possible=CHANCE,
    )
    share_aged_35_54: float = param(
        0.33, "share of adults aged 35-54", 0.28, 0.38, ONS_SOURCE, possible=CHANCE
    )
    share_aged_55_74: float = param(
        0.25, "share of adults aged 55-74", 0.20, 0.30, ONS_SOURCE, possible=CHANCE
    )
    share_aged_75_plus: float = param(
        0.12,
        "share of adults aged 75 and over",
        0.08,
        0.16,
        ONS_SOURCE,
        possible=CHANCE,
    )
    female_share: float = param(0.51, "share of adults", 0.49, 0.53, ONS_SOURCE, possible=CHANCE)
    deprivation_sd: float = param(
        0.15,
        "standard deviation of a person's deprivation (0-1) around their neighbourhood's",
        0.05,
        0.3,
        "assumption",
    )
    health_limited_q1: float = param(
        0.22,
        "share with a health limit (pain or mobility) before the age gradient, most deprived "
        "quintile",
        0.15,
        0.29,
        HEALTH_LIMIT_SOURCE,
        possible=CHANCE,
    )
    health_limited_q2: float = param(
        0.19,
        "share with a health limit, quintile 2",
        0.13,
        0.25,
        HEALTH_LIMIT_SOURCE,
        possible=CHANCE,
    )
    health_limited_q3: float = param(
        0.16,
        "share with a health limit, quintile 3",
        0.11,
        0.21,
        HEALTH_LIMIT_SOURCE,
        possible=CHANCE,
    )
    health_limited_q4: float = param(
        0.13,
        "share with a health limit, quintile 4",
        0.09,
        0.17,
        HEALTH_LIMIT_SOURCE,
        possible=CHANCE,
    )
    health_limited_q5: float = param(
        0.10,
        "share with a health limit, least deprived quintile",
        0.07,
        0.13,
        HEALTH_LIMIT_SOURCE,
        possible=CHANCE,
    )
    health_age_multiplier_16_34: float = param(
        0.5,
        "multiplier on the chance of a health limit, ages 16-34 (scaled so the average adult's "
        "is 1)",
        0.25,
        0.75,
        "assumption: health limits become commoner with age",
    )
    health_age_multiplier_35_54: float = param(
        0.9, "multiplier on the chance of a health limit, ages 35-54", 0.6, 1.2, "assumption"
    )
    health_age_multiplier_55_74: float = param(
        1.4, "multiplier on the chance of a health limit, ages 55-74", 1.0, 1.8, "assumption"
    )
    health_age_multiplier_75_plus: float = param(
        2.0, "multiplier on the chance of a health limit, ages 75 and over", 1.4, 3.0, "assumption"
    )
    awareness_q1: float = param(
        0.30,
        "chance a week of noticing a local group, most deprived quintile (outreach and a "
        "directory raise it)",
        0.15,
        0.45,
        AWARENESS_SOURCE,
        possible=CHANCE,
    )
    awareness_q2: float = param(
        0.35,
        "chance a week of noticing a group, quintile 2",
        0.18,
        0.53,
        AWARENESS_SOURCE,
        possible=CHANCE,
    )
    awareness_q3: float = param(
        0.40,
        "chance a week of noticing a group, quintile 3",
        0.2,
        0.6,
        AWARENESS_SOURCE,
        possible=CHANCE,
    )
    awareness_q4: float = param(
        0.45,
        "chance a week of noticing a group, quintile 4",
        0.23,
        0.68,
        AWARENESS_SOURCE,
        possible=CHANCE,
    )
    awareness_q5: float = param(
        0.50,
        "chance a week of noticing a group, least deprived quintile",
        0.25,
        0.75,
        AWARENESS_SOURCE,
        possible=CHANCE,
    )
    confidence_inactive: float = param(
        0.25,
        "self-efficacy (0-1) of someone with no usual activity",
        0.1,
        0.4,
        "assumption: self-efficacy rises with usual activity",
        possible=CHANCE,
    )
    confidence_activity_gain: float = param(
        0.5,
        "self-efficacy added at full usual activity",
        0.25,
        0.75,
        "assumption",
        possible=CHANCE,
    )
    confidence_full_minutes: float = param(
        300.0,
        "usual minutes a week beyond which self-efficacy rises no more",
        150.0,
        450.0,
        "assumption",
        possible=POSITIVE,
    )
    confidence_sd: float = param(
        0.1, "standard deviation of self-efficacy between people", 0.05, 0.2, "assumption"
    )

    def age_shares(self) -> np.ndarray:
        """Shares of adults by age band (`population.AGE_BANDS`), scaled to sum to 1."""
        shares = self._vector("share_aged_", AGE_SUFFIXES)
        return shares / shares.sum()

    def health_age_multipliers(self) -> np.ndarray:
        return self._vector("health_age_multiplier_", AGE_SUFFIXES)

    def health_limited_by_quintile(self) -> np.ndarray:
        return self._vector("health_limited_", QUINTILE_SUFFIXES)

    def awareness_by_quintile(self) -> np.ndarray:
        return self._vector("awareness_", QUINTILE_SUFFIXES)

    def _vector(self, prefix: str, suffixes: tuple[str, ...]) -> np.ndarray:
        return np.array([getattr(self, prefix + suffix) for suffix in suffixes])


@dataclass(frozen=True)
class Circumstances:
    """How traits place people within their quintile's published distributions (the copula).

    A latent score (standard normal noise plus trait shifts) is ranked within
    the quintile and mapped onto its published distribution.
    """

    activity_shift_health_limited: float = param(
        -0.8,
        "standard deviations a health limit moves the latent activity score",
        -1.2,
        -0.4,
        "assumption: health limits lower activity",
    )
    activity_shift_per_age_band: float = param(
        -0.25,
        "standard deviations each older age band moves the latent activity score",
        -0.5,
        0.0,
        "assumption: activity falls with age",
    )
    life_satisfaction_shift_health_limited: float = param(
        -0.5,
        "standard deviations a health limit moves the latent life satisfaction score",
        -1.0,
        -0.2,
        "assumption: health limits lower life satisfaction",
    )
    activity_life_satisfaction_correlation: float = param(
        0.3,
        "correlation of the activity and life satisfaction noises",
        0.1,
        0.5,
        "assumption: more active people are a little more satisfied with life",
        possible=CORRELATION,
    )
    loneliness_life_satisfaction_correlation: float = param(
        -0.5,
        "correlation of loneliness propensity with the latent life satisfaction score",
        -0.7,
        -0.3,
        "assumption: lonelier people are less satisfied with life",
        possible=CORRELATION,
    )
    inactive_zero_share: float = param(
        0.4,
        "share of the inactive (under 30 minutes a week) who do nothing at all",
        0.2,
        0.6,
        "assumption; the rest spread evenly up to 30 minutes",
        possible=CHANCE,
    )
    active_tail_mean_minutes: float = param(
        200.0,
        "mean minutes a week the active do beyond 150 (an exponential tail)",
        100.0,
        300.0,
        "assumption",
        possible=POSITIVE,
    )


@dataclass(frozen=True)
class Behaviour:
    """Who joins a group and who keeps going: coefficients on the logit scale."""

    try_intercept: float = param(
        -8.321,
        "logit",
        -9.0,
        -5.0,
        "fitted to published evaluations re-run as virtual trials (scenarios/calibrations/response.toml: the referral funnel, walking-group retention, parkrun); the range is the prior. Before: assumption: how readily people who notice a group try it; at -7 most existing groups run full while parkrun has room, and about 1.5% of adults go each week",
    )
    attend_intercept: float = param(
        -0.3084,
        "logit",
        -0.5,
        2.0,
        "fitted to published evaluations re-run as virtual trials (scenarios/calibrations/response.toml: the referral funnel, walking-group retention, parkrun); the range is the prior. Before: assumption: a member's weekly attendance before habit",
    )
    habit_weight: float = param(
        2.988,
        "logit per unit habit, for members deciding to go",
        0.5,
        4.0,
        "fitted to published evaluations re-run as virtual trials (scenarios/calibrations/response.toml: the referral funnel, walking-group retention, parkrun); the range is the prior. Before: assumption",
    )
    confidence_weight: float = param(
        0.2236,
        "logit per unit confidence",
        0.0,
        2.0,
        "fitted to published evaluations re-run as virtual trials (scenarios/calibrations/response.toml: the referral funnel, walking-group retention, parkrun); the range is the prior. Before: assumption",
    )
    taste_sd: float = param(
        2.895,
        "logit: standard deviation between people of their taste for group activity, beyond "
        "what their traits explain (a random effect)",
        0.0,
        3.0,
        "fitted to published evaluations re-run as virtual trials (scenarios/calibrations/response.toml: the referral funnel, walking-group retention, parkrun); the range is the prior. Before: assumption: people differ in how much they like taking part, so those who join by themselves stay longer than those a referral brings (walking groups' retention against exercise referral's adherence)",
    )
    friend_weight: float = param(
        0.45,
        "logit per attending friend (up to 3)",
        0.2,
        0.9,
        "Christakis & Fowler 2007: a friend's change raised the chance by 57% (log 1.57 = 0.45)",
    )
    travel_weight: float = param(
        0.1591,
        "logit per 10 minutes' travel",
        0.1,
        0.7,
        "fitted with discovery_minutes to parkrun's distance decay, 0.921 per km (Schneider et "
        "al. 2020), on Sheffield (scenarios/calibrations/distance_decay.toml); the range is the "
        "prior, an assumption",
    )
    cost_weight: float = param(
        0.4,
        "logit per GBP a session at full deprivation",
        0.1,
        0.8,
        "assumption; IJBNPA 2019 names cost a main barrier",
    )
    deprivation_weight: float = param(
        1.165,
        "logit at full individual deprivation",
        0.0,
        1.2,
        "fitted to published evaluations re-run as virtual trials (scenarios/calibrations/response.toml: the referral funnel, walking-group retention, parkrun); the range is the prior. Before: assumption: barriers not otherwise modelled (time, caring, shift work)",
    )
    health_mismatch_weight: float = param(
        0.3364,
        "logit when a health-limited person meets a high-impact group",
        0.3,
        2.0,
        "fitted to published evaluations re-run as virtual trials (scenarios/calibrations/response.toml: the referral funnel, walking-group retention, parkrun); the range is the prior. Before: assumption: people with pain prefer low-impact activity (Leamington case study)",
    )
    max_friends_counted: int = param(
        3,
        "attending friends whose pull counts (more add nothing)",
        1,
        6,
        "assumption: friends beyond three add no more pull",
    )
    discovery_minutes: float = param(
        17.5,
        "travel minutes (by car for those with one) over which the chance of noticing a group falls by a factor e",
        7.5,
        30.0,
        "fitted with travel_weight (scenarios/calibrations/distance_decay.toml); the range is "
        "the prior, an assumption that people hear of groups nearer home",
        possible=POSITIVE,
    )
    members_per_place: float = param(
        1.3,
        "members a group takes on per place in a session",
        1.0,
        2.0,
        "Sheffield's lunch clubs: 29.8 members to 22.6 at a session (1.32, "
        "evidence.MEMBERS_PER_DINER), taking their sessions as full; the range an assumption",
    )
    dropout_settled: float = param(
        0.002387,
        "per week",
        0.002,
        0.01,
        "fitted to published evaluations re-run as virtual trials (scenarios/calibrations/response.toml: the referral funnel, walking-group retention, parkrun); the range is the prior. Before: Heart Foundation Walking 2017: at least 75% still taking part after a year",
        possible=CHANCE,
    )
    lapse_weeks: int = param(
        13,
        "weeks without going after which a member has left their group",
        4,
        16,
        "fitted to published evaluations re-run as virtual trials (scenarios/calibrations/response.toml: the referral funnel, walking-group retention, parkrun); the range is the prior. Before: assumption: schemes count someone who stops coming for about two months as dropped out",
        possible=AT_LEAST_ONE,
    )
    dropout_new: float = param(
        0.018,
        "per week, scaled by (1 - habit)",
        0.01,
        0.1,
        "fitted to published evaluations re-run as virtual trials (scenarios/calibrations/"
        "response.toml: the referral funnel, walking-group retention, parkrun; 0.0125), then "
        "alone on the same seeds and targets after the distance decay was re-fitted (0.018); the "
        "range is the prior. Before: assumption: newcomers drop out more than settled members",
        possible=CHANCE,
    )


@dataclass(frozen=True)
class Habit:
    """How attending builds habit and confidence, and how they fade."""

    habit_gain: float = param(
        0.1204,
        "share of the gap to 1 per session",
        0.04,
        0.15,
        "fitted to published evaluations re-run as virtual trials (scenarios/calibrations/response.toml: the referral funnel, walking-group retention, parkrun); the range is the prior. Before: assumption",
        possible=CHANCE,
    )
    habit_decay: float = param(
        0.02, "share lost per week not attending", 0.005, 0.05, "assumption", possible=CHANCE
    )
    confidence_gain: float = param(
        0.04,
        "share of the gap to 1 per session",
        0.01,
        0.1,
        "assumption",
        possible=CHANCE,
    )
    confidence_decay: float = param(
        0.01,
        "share of the gap to baseline per week",
        0.002,
        0.03,
        "assumption",
        possible=CHANCE,
    )
    spillover_minutes: float = param(
        4.242,
        "minutes a week of activity outside the group at full habit",
        0.0,
        120.0,
        "fitted to published evaluations re-run as virtual trials (scenarios/calibrations/response.toml: the referral funnel, walking-group retention, parkrun); the range is the prior. Before: assumption; Quirk et al. 2021: 88% of previously inactive parkrunners raised activity",
    )
    recall_weeks: float = param(
        4.0, "weeks", 2.0, 8.0, "Active Lives asks about the last 28 days", possible=POSITIVE
    )
    seeded_member_habit: float = param(
        0.9,
        "habit (0-1) of the members seeded before the burn-in",
        0.5,
        1.0,
        "assumption: members at the start have been going for years",
        possible=CHANCE,
    )


@dataclass(frozen=True)
class Wellbeing:
    """Life satisfaction and loneliness: set points, gains from groups, life events."""

    gain_rate: float = param(
        0.1066,
        "share of the gap to the group's gain per session",
        0.03,
        0.15,
        "fitted to published evaluations re-run as virtual trials (scenarios/calibrations/response.toml: the referral funnel, walking-group retention, parkrun); the range is the prior. Before: Haake et al. 2024: parkrun gain seen after 6 months (26 weeks: 85% of the way)",
        possible=CHANCE,
    )
    gain_decay: float = param(
        0.03, "share lost per week not attending", 0.01, 0.08, "assumption", possible=CHANCE
    )
    life_event_rate: float = param(
        0.004,
        "per week",
        0.001,
        0.01,
        "assumption: about one adult in five a year has circumstances change enough to reset "
        "their usual activity and life satisfaction",
        possible=CHANCE,
    )
    quintile_gradient: float = param(
        0.40,
        "life satisfaction points, least minus most deprived quintile",
        0.2,
        0.8,
        "assumption: ONS shows lower well-being in deprived areas; size not in EVIDENCE.md",
    )
    loneliness_ties_weight: float = param(
        0.5, "probit per log(1 + ties)", 0.2, 1.0, "assumption: fewer close friends, lonelier"
    )
    loneliness_group_weight: float = param(
        1.5, "probit per point of group wellbeing gain", 0.5, 3.0, "assumption"
    )
    loneliness_outing_weight: float = param(
        0.3,
        "probit per share of the last 4 weeks with a bus trip out (adults without a car)",
        0.0,
        0.6,
        "assumption: getting out among others lowers loneliness (direction only); free bus "
        "travel's effect on loneliness (Reinhard et al. 2018) is held out as a test of the chain "
        "fare -> trips -> loneliness, not fitted",
        possible=NON_NEGATIVE,
    )
    lonely_most_deprived_ratio: float = param(
        1.5,
        "ratio of most to least deprived quintile",
        1.2,
        2.0,
        "Victor & Pikhartova 2020: over 50% more likely (applied to all ages: assumption)",
        possible=POSITIVE,
    )


@dataclass(frozen=True)
class Children:
    """Children aged 5-16: how many, how active beyond the published shares, and the Daily Mile."""

    per_adult: float = param(
        0.18,
        "children aged 5-16 per adult (16 and over), in every neighbourhood",
        0.14,
        0.22,
        "assumption: ONS mid-year estimates for England, rounded (about 8 million aged 5-16 to "
        "45 million adults); every neighbourhood at the town's proportion",
        possible=POSITIVE,
    )
    active_tail_mean_minutes: float = param(
        30.0,
        "mean minutes a day the active (60 or more) do beyond 60 (an exponential tail)",
        15.0,
        60.0,
        "assumption",
        possible=POSITIVE,
    )
    daily_mile_minutes: float = param(
        9.1,
        "minutes a day of moderate-to-vigorous activity added for a child whose school runs the "
        "Daily Mile",
        5.1,
        13.2,
        "Chesham et al., BMC Medicine 2018: +9.1 (95% CI 5.1-13.2), 391 children",
    )
    daily_mile_staff_gbp_per_child_year: float = param(
        5.0,
        "GBP a year of staff time per child taking part (organising it; the 15 minutes come out "
        "of class time)",
        0.0,
        15.0,
        "assumption: free to implement by its foundation's account; an hour a week of a "
        "teacher's time per school of about 250 children at GBP 25 an hour is about GBP 5",
    )


SELF_RATED_HEALTH_SOURCE = (
    "assumption: direction as in surveys of self-rated health; size not in EVIDENCE.md (the "
    "decile intercepts and the age shift are solved from Census 2021, model/health.py)"
)


@dataclass(frozen=True)
class SelfRatedHealth:
    """What moves an adult's self-rated health ("very good" or not) on the probit scale.

    The level by deprivation and age is solved from Census 2021 (`model/health.py`); these say
    how much activity, life satisfaction and a health limit move it beside that level."""

    activity_weight: float = param(
        0.3,
        "probit per 150 minutes a week of activity (up to activity_cap_minutes)",
        0.1,
        0.6,
        SELF_RATED_HEALTH_SOURCE,
        possible=NON_NEGATIVE,
    )
    activity_cap_minutes: float = param(
        300.0,
        "minutes a week of activity beyond which more adds nothing to self-rated health",
        150.0,
        450.0,
        "assumption: diminishing returns, as the guidelines' 150 minutes a week",
        possible=POSITIVE,
    )
    life_satisfaction_weight: float = param(
        0.15,
        "probit per point of life satisfaction (0-10)",
        0.05,
        0.3,
        SELF_RATED_HEALTH_SOURCE,
        possible=NON_NEGATIVE,
    )
    health_limited_shift: float = param(
        -1.0,
        "probit: a health limit (pain or mobility)",
        -1.5,
        -0.5,
        SELF_RATED_HEALTH_SOURCE,
        possible=Possible(high=0.0),
    )


@dataclass(frozen=True)
class Outings:
    """Everyday trips by bus beyond a resident's own neighbourhood (shops, appointments, visits).

    The level and how much people differ are solved so that a reference England's adults take a
    bus as often as Understanding Society found (`model/outings.py`); this says who takes one."""

    car_weight: float = param(
        2.5,
        "logit: having a car",
        1.0,
        4.0,
        "assumption: adults with a car seldom take the bus (the level itself is solved from "
        "Understanding Society: 25% of adults use a bus at least weekly)",
        possible=NON_NEGATIVE,
    )


@dataclass(frozen=True)
class Ties:
    """Friendships: the starting network and ties made in groups."""

    local_share: float = param(
        0.6,
        "share of friendships within the neighbourhood",
        0.3,
        0.8,
        "assumption; Community Life Survey: 72% chat to neighbours monthly",
        possible=CHANCE,
    )
    deprivation_homophily: float = param(
        0.1, "noise (sd) on deprivation when matching non-local friends", 0.02, 0.5, "assumption"
    )
    formation_rate: float = param(
        0.08,
        "chance a week an attendee makes a tie with a co-attendee",
        0.02,
        0.15,
        "Leamington 2025: 85% formed connections (0.08 a week gives 81% in 20 weeks)",
        possible=CHANCE,
    )
    fade_rate: float = param(
        0.03,
        "chance a week an unused group tie fades",
        0.01,
        0.1,
        "assumption",
        possible=CHANCE,
    )
    unused_after_weeks: int = param(
        4,
        "weeks without meeting before a tie counts as unused",
        2,
        12,
        "assumption",
        possible=AT_LEAST_ONE,
    )


GROUP_TYPE_ATTRIBUTES: dict[str, tuple[type, str]] = {
    "minutes": (float, "moderate-equivalent minutes a session (vigorous minutes count double)"),
    "wellbeing_gain": (float, "life satisfaction points (0-10) a regular attender gains"),
    "capacity": (int, "attendees a session"),
    "cost_gbp": (float, "GBP an attendee pays a session"),
    "running_cost_gbp": (float, "GBP a week to run (venue, kit, leader), met by funding or fees"),
    "min_attendance": (int, "mean weekly attendance an unfunded group needs to carry on"),
    "tie_rate": (float, "multiplier on ties.formation_rate (cafés are for talking)"),
    "per_50k": (float, "groups of this kind a town of 50,000 adults already has"),
}
ASSUMED_SPREAD = 0.5  # a group-type figure given bare is an assumption ranging over +-50%


def group_type(
    name: str, description: str, **declared: float | tuple[float, float, float, str]
) -> Any:
    """Declare one kind of group, a field of `GroupTypes` whose every attribute is a parameter.

    Each attribute of `GROUP_TYPE_ATTRIBUTES` is given as (default, low, high,
    source), or as a bare default: an assumption ranging over +-50%.
    """
    if set(declared) != set(GROUP_TYPE_ATTRIBUTES):
        raise TypeError(f"Group type '{name}' must declare {', '.join(GROUP_TYPE_ATTRIBUTES)}.")
    fields = []
    for attribute, (kind, unit) in GROUP_TYPE_ATTRIBUTES.items():
        value = declared[attribute]
        if isinstance(value, tuple):
            default, low, high, source = value
        else:
            default, source = value, "assumption"
            low = round(value * (1 - ASSUMED_SPREAD), 6)
            high = round(value * (1 + ASSUMED_SPREAD), 6)
        if kind is int:
            low, high = math.floor(low), math.ceil(high)
        fields.append((attribute, kind, param(kind(default), unit, kind(low), kind(high), source)))
    class_name = "".join(word.capitalize() for word in name.split("_"))
    cls = dataclasses.make_dataclass(class_name, fields, frozen=True, module=__name__)
    cls.__doc__ = description
    globals()[class_name] = cls  # importable by name, so parameters can be pickled
    return field(default_factory=cls)


@dataclass(frozen=True)
class GroupTypes:
    """Every kind of group (named in `groups.TYPE_NAMES`, in that order): what it offers and needs.

    Override one figure by dotted path, e.g. `groups.types.peer_support_cafe.wellbeing_gain`.
    Whether a kind is low-impact is part of what it is (`groups.LOW_IMPACT`), not a parameter.
    """

    parkrun: Any = group_type(
        "parkrun",
        "Free 5 km on Saturday mornings, run by volunteers: about 30 minutes' running.",
        minutes=(60.0, 40.0, 90.0, "assumption: 30 minutes' running, vigorous so counted double"),
        wellbeing_gain=(
            0.3219,
            0.15,
            0.35,
            "fitted with the response (scenarios/calibrations/response.toml) to Haake, Quirk & "
            "Bullas 2024: new parkrunners' life satisfaction 7.489 -> 7.746 after 6 months",
        ),
        capacity=300,
        cost_gbp=(0.0, 0.0, 0.0, "parkrun is free"),
        running_cost_gbp=(0.0, 0.0, 0.0, "parkrun is free and run by volunteers"),
        min_attendance=20,
        tie_rate=0.5,
        per_50k=(
            1.0,
            0.5,
            1.5,
            "assumption; 69% of England lives within 5 km of a parkrun (Schneider et al. 2020)",
        ),
    )
    walk_and_talk: Any = group_type(
        "walk_and_talk",
        "A led walk at an easy pace, with time to talk.",
        minutes=60.0,
        wellbeing_gain=0.30,
        capacity=60,
        cost_gbp=0.0,
        running_cost_gbp=20.0,
        min_attendance=5,
        tie_rate=1.0,
        per_50k=6.0,
    )
    run_club: Any = group_type(
        "run_club",
        "A running club for all abilities.",
        minutes=90.0,
        wellbeing_gain=0.30,
        capacity=60,
        cost_gbp=0.0,
        running_cost_gbp=10.0,
        min_attendance=6,
        tie_rate=1.0,
        per_50k=3.0,
    )
    swim: Any = group_type(
        "swim",
        "A swimming session at a public pool.",
        minutes=45.0,
        wellbeing_gain=0.25,
        capacity=20,
        cost_gbp=4.0,
        running_cost_gbp=60.0,
        min_attendance=6,
        tie_rate=0.7,
        per_50k=4.0,
    )
    peer_support_cafe: Any = group_type(
        "peer_support_cafe",
        "A café where people with the same condition or worry meet and talk.",
        minutes=15.0,
        wellbeing_gain=0.40,
        capacity=20,
        cost_gbp=0.0,
        running_cost_gbp=40.0,
        min_attendance=4,
        tie_rate=1.5,
        per_50k=3.0,
    )
    faith_centre_session: Any = group_type(
        "faith_centre_session",
        "A gentle exercise session at a mosque, gurdwara, church or temple.",
        minutes=45.0,
        wellbeing_gain=0.30,
        capacity=25,
        cost_gbp=0.0,
        running_cost_gbp=20.0,
        min_attendance=5,
        tie_rate=1.2,
        per_50k=3.0,
    )
    gym_weight_loss: Any = group_type(
        "gym_weight_loss",
        "A weight-loss programme with gym sessions.",
        minutes=90.0,
        wellbeing_gain=0.25,
        capacity=20,
        cost_gbp=5.0,
        running_cost_gbp=80.0,
        min_attendance=8,
        tie_rate=0.8,
        per_50k=4.0,
    )
    community_garden: Any = group_type(
        "community_garden",
        "Growing food and flowers together.",
        minutes=90.0,
        wellbeing_gain=0.30,
        capacity=30,
        cost_gbp=0.0,
        running_cost_gbp=15.0,
        min_attendance=4,
        tie_rate=1.2,
        per_50k=2.0,
    )
    choir: Any = group_type(
        "choir",
        "A community choir: belonging, but no exercise.",
        minutes=(0.0, 0.0, 0.0, "singing is not counted as physical activity"),
        wellbeing_gain=0.35,
        capacity=40,
        cost_gbp=2.0,
        running_cost_gbp=30.0,
        min_attendance=8,
        tie_rate=1.2,
        per_50k=3.0,
    )

    def column(self, attribute: str, dtype: DTypeLike = None) -> np.ndarray:
        """One attribute of every kind, indexed by kind (`TYPE_NAMES` order): built once, read-only."""
        columns = self.__dict__.setdefault("_columns", {})  # a cache, not a field
        key = (attribute, dtype)
        if key not in columns:
            values = [getattr(getattr(self, name), attribute) for name in TYPE_NAMES]
            columns[key] = np.array(values, dtype=dtype)
            columns[key].flags.writeable = False
        return columns[key]


@dataclass(frozen=True)
class GroupRules:
    """The kinds of group, where existing groups meet, and when groups close."""

    types: GroupTypes = field(default_factory=GroupTypes)
    venue_deprivation_tilt: float = param(
        0.1,
        "venue weight added per IMD decile (a neighbourhood weighs population x (0.5 + tilt x "
        "decile))",
        0.0,
        0.2,
        "assumption; direction from the Walking for Health evaluation 2016 (deprived areas "
        "under-represented)",
    )

    closure_check_weeks: int = param(
        4, "weeks between checks", 1, 13, "assumption", possible=AT_LEAST_ONE
    )
    attendance_window_weeks: int = param(
        8,
        "weeks of attendance a check looks back",
        4,
        26,
        "assumption",
        possible=AT_LEAST_ONE,
    )
    existing_count_scale: float = param(
        1.0,
        "multiplier on the number of existing groups of each type but parkrun (types.*.per_50k)",
        0.5,
        2.0,
        "assumption: how many community health groups a town already has; the response's "
        "targets do not pin it (scenarios/calibrations/room.toml: 15 of 16 values from 0.94 to "
        "2 within tolerance), so the shipped ensemble carries it",
    )
    existing_capacity_scale: float = param(
        1.0,
        "multiplier on existing groups' places a session (types.*.capacity)",
        0.5,
        2.0,
        "assumption: how full existing groups run, and so whether outreach can fill them",
    )
    grace_weeks: int = param(
        26, "weeks a new group runs before it must sustain itself", 8, 52, "assumption"
    )
    min_volunteers: int = param(
        1, "settled members needed to run an unfunded group", 1, 5, "assumption"
    )
    volunteer_habit: float = param(
        0.5,
        "habit above which a member may volunteer",
        0.3,
        0.8,
        "assumption",
        possible=CHANCE,
    )
    volunteer_share: float = param(
        0.25,
        "share of settled members who volunteer",
        0.1,
        0.5,
        "assumption; Community Life Survey reports regular formal volunteering around this level",
        possible=CHANCE,
    )
    volunteer_cover_gbp: float = param(
        24.37,
        "GBP of a group's weekly running cost each volunteer covers in kind once its grant ends "
        "(leading sessions, organising, a donated room)",
        0.0,
        30.0,
        "fitted to the survival of grant-funded groups (scenarios/calibrations/survival.toml); "
        "the range is the prior, an assumption",
    )
    organiser_exit_per_year: float = param(
        0.4969,
        "chance a year that the organiser of a group a grant opened steps down; the group folds "
        "unless another volunteer takes over",
        0.0,
        0.5,
        "fitted to the survival of grant-funded groups (scenarios/calibrations/survival.toml); "
        "the range is the prior, an assumption",
        possible=CHANCE,
    )
    successor_chance: float = param(
        0.1047,
        "chance that each other volunteer takes over when a group's organiser steps down",
        0.1,
        0.8,
        "fitted to the survival of grant-funded groups (scenarios/calibrations/survival.toml); "
        "the range is the prior, an assumption that few volunteers want to lead (Wituk et al. 2002: "
        "leadership problems in 52% of disbanded self-help groups)",
        possible=CHANCE,
    )
    max_charge_gbp: float = param(
        5.0,
        "the most a community group can charge a session once its grant ends; above it, it closes",
        3.0,
        10.0,
        "assumption: community exercise classes charge about 3 to 5 GBP a session",
    )


@dataclass(frozen=True)
class InterventionEffects:
    """How strongly interventions move people: the referral's pull is fitted to exercise referral's
    funnel (response.toml); the rest are assumptions, with ranges."""

    referral_intercept: float = param(
        1.995,
        "logit of a referred person's weekly chance of going to the group they were referred "
        "to, with a supported first visit, before what they weigh (in place of try_intercept)",
        -4.0,
        3.0,
        "fitted to the referral funnel of exercise referral (scenarios/calibrations/response.toml;"
        " Pavey et al. 2012: 66% of those referred take it up); the range is the prior",
    )
    unsupported_referral_penalty: float = param(
        1.0,
        "logit taken from referral_intercept when nobody goes with them the first time",
        0.0,
        2.5,
        "assumption: a referral alone is weaker than a supported first visit",
    )
    referral_weeks: int = param(
        12,
        "weeks a referral stands before it lapses",
        4,
        16,
        "assumption: the funnel's 12 weeks",
        possible=AT_LEAST_ONE,
    )
    contact_continue: float = param(
        0.64,
        "chance a week that someone a link worker is seeing meets them again",
        0.5,
        0.75,
        "City and Hackney's social prescribing, 737 patients referred in 2014-15 (Bertotti & "
        "Hutt): of those who came, 38% met their coordinator once and 12% more than five times, "
        "which a constant chance of another meeting of 0.62 and 0.66 gives",
        possible=CHANCE,
    )
    referral_awareness: float = param(
        0.8,
        "awareness of local groups after meeting an outreach worker",
        0.5,
        1.0,
        "assumption",
        possible=CHANCE,
    )
    directory_awareness: float = param(
        0.1,
        "awareness added by an online directory of local groups",
        0.0,
        0.3,
        "assumption; Oadby and Wigston case study recommends one directory",
        possible=CHANCE,
    )
    community_led_awareness: float = param(
        0.1,
        "awareness added in a neighbourhood whose residents chose and run a new group",
        0.0,
        0.3,
        "assumption; Big Local: being embedded in communities helped",
        possible=CHANCE,
    )
    low_impact_awareness: float = param(
        0.2,
        "awareness added among people with health limits by a low-impact offer",
        0.0,
        0.4,
        "assumption; Leamington free swimming for people with pain",
        possible=CHANCE,
    )


@dataclass(frozen=True)
class PlaceCalibration:
    """Local calibration: a place whose activity differs from what its deprivation predicts."""

    inactive_offset_pct: float = param(
        0.0,
        "percentage points added to inactivity (taken from 'active') in every quintile",
        -10.0,
        10.0,
        "local calibration to a place's published inactivity (e.g. Luton 30.5%, EVIDENCE.md)",
        # every quintile keeps some inactive and no fewer than no active
        possible=Possible(
            -min(QUINTILE_TARGETS["inactive_pct"]),
            min(QUINTILE_TARGETS["active_pct"]),
            above_low=True,
        ),
    )


@dataclass(frozen=True)
class Travel:
    """How long a trip takes and what the bus costs: door to door along the street network."""

    walk_kmh: float = param(
        4.8, "km/h", 3.5, 6.0, "assumption: typical urban walking pace", possible=POSITIVE
    )
    bus_kmh: float = param(
        18.0, "km/h in the vehicle", 10.0, 30.0, "assumption: urban England", possible=POSITIVE
    )
    car_kmh: float = param(30.0, "km/h", 15.0, 45.0, "assumption: urban England", possible=POSITIVE)
    stop_walk_min: float = param(
        5.0,
        "minutes walked to the bus stop, and again from the stop at the end",
        2.0,
        10.0,
        "assumption: about 400 m at walking pace",
    )
    buses_per_hour_centre: float = param(
        6.0,
        "buses an hour on a route that ends near the town centre",
        2.0,
        10.0,
        "assumption: a town's busiest daytime routes every 10 minutes",
        possible=POSITIVE,
    )
    buses_per_hour_edge: float = param(
        2.0,
        "buses an hour on a route out to the town's edge",
        0.5,
        4.0,
        "assumption: every half hour at the edge of town; DfT's National Travel Survey counts a "
        "stop with at least an hourly service as access to a bus",
        possible=POSITIVE,
    )
    car_park_min: float = param(3.0, "minutes a car trip adds to park", 0.0, 10.0, "assumption")
    circuity: float = param(
        1.3,
        "street distance over straight-line distance",
        1.1,
        1.6,
        "assumption",
        possible=AT_LEAST_ONE,
    )
    bus_return_fare_gbp: float = param(
        4.0,
        "GBP a return bus trip",
        0.0,
        8.0,
        "assumption: two single fares at the England cap of 2023-24 (GBP 2 each)",
    )

    def kmh(self, mode: str) -> float:
        """Speed of a mode ("walk", "bus" or "car") along the street."""
        return getattr(self, f"{mode}_kmh")

    def overhead_min(self, mode: str) -> float:
        """Minutes a trip by a mode adds whatever its length (walking adds none; the bus's
        walks and waits are in `Town.bus_trip_minutes`)."""
        return {"walk": 0.0, "car": self.car_park_min}[mode]


@dataclass(frozen=True)
class Parameters:
    """All model parameters. Override by dotted path with `with_overrides`."""

    population: Population = field(default_factory=Population)
    circumstances: Circumstances = field(default_factory=Circumstances)
    behaviour: Behaviour = field(default_factory=Behaviour)
    habit: Habit = field(default_factory=Habit)
    wellbeing: Wellbeing = field(default_factory=Wellbeing)
    health: SelfRatedHealth = field(default_factory=SelfRatedHealth)
    outings: Outings = field(default_factory=Outings)
    children: Children = field(default_factory=Children)
    ties: Ties = field(default_factory=Ties)
    groups: GroupRules = field(default_factory=GroupRules)
    interventions: InterventionEffects = field(default_factory=InterventionEffects)
    place: PlaceCalibration = field(default_factory=PlaceCalibration)
    travel: Travel = field(default_factory=Travel)
    burn_in_weeks: int = param(
        104,
        "weeks simulated before the reported start, so groups and ties reach equilibrium",
        52,
        260,
        "assumption: long enough for baseline groups to fill",
    )

    def with_overrides(self, overrides: dict[str, float]) -> Parameters:
        """A copy with values replaced by dotted path, e.g. {"behaviour.travel_weight": 0.5}."""
        result = self
        for path, value in overrides.items():
            result = _replace_path(result, path.split("."), value, path, "")
        return result

    def flat(self) -> dict[str, float]:
        """Every parameter by dotted path."""
        return {path: value for path, value, _ in iter_parameters(self)}


def iter_parameters(obj: Any, prefix: str = ""):
    """Yield (dotted path, value, metadata) for every declared parameter."""
    for f in dataclasses.fields(obj):
        value = getattr(obj, f.name)
        path = f"{prefix}{f.name}"
        if dataclasses.is_dataclass(value):
            yield from iter_parameters(value, path + ".")
        else:
            yield path, value, f.metadata


def _replace_path(obj: Any, parts: list[str], value: Any, full: str, section: str) -> Any:
    """`obj` (the section at dotted path `section`) with `parts` replaced by `value`."""
    names = [f.name for f in dataclasses.fields(obj)]
    head = parts[0]
    if head not in names:
        raise _unknown_name(full, section, head, names)
    current = getattr(obj, head)
    if len(parts) > 1:
        if not dataclasses.is_dataclass(current):
            raise InputError(
                f"Unknown model parameter '{full}': '{section}{head}' is a parameter, not a "
                "section.",
                fix=f"Name '{section}{head}' itself.",
            )
        inner = _replace_path(current, parts[1:], value, full, f"{section}{head}.")
        return dataclasses.replace(obj, **{head: inner})
    if dataclasses.is_dataclass(current):
        example = next(iter_parameters(current, full + "."))[0]
        raise InputError(
            f"'{full}' is a section, not a parameter.",
            fix=f"Name one of its parameters, e.g. '{example}'.",
        )
    declared = next(f for f in dataclasses.fields(obj) if f.name == head).metadata
    kind = type(current)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InputError(
            f"Parameter '{full}' must be a number, got {value!r}.", fix="Give a number."
        )
    if kind is int and float(value) != int(value):
        raise InputError(
            f"Parameter '{full}' must be a whole number, got {value!r}.", fix="Give a whole number."
        )
    possible, (low, high) = declared["possible"], declared["range"]
    if not possible.allows(value):
        raise InputError(
            f"Parameter '{full}' cannot be {value:g}: it must be {possible.describe()}.",
            fix=f"Its plausible range is {low:g} to {high:g} (model/parameters.py).",
        )
    return dataclasses.replace(obj, **{head: kind(value)})


def _unknown_name(full: str, section: str, name: str, names: list[str]) -> InputError:
    """Say which part of a dotted path is unknown, suggest the closest name and list the rest."""
    where = f"'{section[:-1]}'" if section else "the top level"
    close = difflib.get_close_matches(name, names, n=1)
    guess = (
        f"Did you mean '{full.replace(section + name, section + close[0], 1)}'? " if close else ""
    )
    return InputError(
        f"Unknown model parameter '{full}': no '{name}' in {where}.",
        fix=f"{guess}{where[:1].upper()}{where[1:]} holds: {', '.join(names)}.",
    )


# Every declared parameter by dotted path: (default, metadata with unit, range, possible, source).
PARAMETERS = {path: (value, meta) for path, value, meta in iter_parameters(Parameters())}
