"""Every model parameter, declared once: default, unit, plausible range and source.

Sweeps, sliders and scenario files name parameters by the same dotted path,
for example ``behaviour.travel_weight``. A parameter whose source is
"assumption" has no published figure behind it; its range is what the
sensitivity analysis explores.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

from .errors import InputError


def param(default: float, unit: str, low: float, high: float, source: str) -> Any:
    """Declare a parameter with its unit, plausible range and source."""
    return field(default=default, metadata={"unit": unit, "range": (low, high), "source": source})


@dataclass(frozen=True)
class Behaviour:
    """Who joins a group and who keeps going: coefficients on the logit scale."""

    try_intercept: float = param(
        -7.0,
        "logit",
        -9.0,
        -5.0,
        "assumption: how readily people who notice a group try it; at -7 most existing "
        "groups run full while parkrun has room, and about 1.5% of adults go each week",
    )
    attend_intercept: float = param(
        0.6, "logit", -0.5, 2.0, "assumption: a member's weekly attendance before habit"
    )
    habit_weight: float = param(
        2.0, "logit per unit habit, for members deciding to go", 0.5, 4.0, "assumption"
    )
    confidence_weight: float = param(1.0, "logit per unit confidence", 0.0, 2.0, "assumption")
    friend_weight: float = param(
        0.45,
        "logit per attending friend (up to 3)",
        0.2,
        0.9,
        "Christakis & Fowler 2007: a friend's change raised the chance by 57% (log 1.57 = 0.45)",
    )
    travel_weight: float = param(
        0.35,
        "logit per 10 minutes' travel",
        0.1,
        0.7,
        "assumption; direction from IJBNPA 2019 (living within 5 km predicted use)",
    )
    cost_weight: float = param(
        0.4,
        "logit per GBP a session at full deprivation",
        0.1,
        0.8,
        "assumption; IJBNPA 2019 names cost a main barrier",
    )
    deprivation_weight: float = param(
        0.6,
        "logit at full individual deprivation",
        0.0,
        1.2,
        "assumption: barriers not otherwise modelled (time, caring, shift work)",
    )
    health_mismatch_weight: float = param(
        1.2,
        "logit when a health-limited person meets a high-impact group",
        0.3,
        2.0,
        "assumption: people with pain prefer low-impact activity (Leamington case study)",
    )
    members_per_place: float = param(
        1.3,
        "members a group takes on per place in a session",
        1.0,
        2.0,
        "assumption: groups stop taking newcomers once members reliably fill sessions",
    )
    dropout_settled: float = param(
        0.004,
        "per week",
        0.002,
        0.01,
        "Heart Foundation Walking 2017: at least 75% still taking part after a year",
    )
    dropout_new: float = param(
        0.04,
        "per week, scaled by (1 - habit)",
        0.01,
        0.1,
        "assumption: newcomers drop out more than settled members",
    )


@dataclass(frozen=True)
class Habit:
    """How attending builds habit and confidence, and how they fade."""

    habit_gain: float = param(0.08, "share of the gap to 1 per session", 0.04, 0.15, "assumption")
    habit_decay: float = param(0.02, "share lost per week not attending", 0.005, 0.05, "assumption")
    confidence_gain: float = param(
        0.04, "share of the gap to 1 per session", 0.01, 0.1, "assumption"
    )
    confidence_decay: float = param(
        0.01, "share of the gap to baseline per week", 0.002, 0.03, "assumption"
    )
    spillover_minutes: float = param(
        60.0,
        "minutes a week of activity outside the group at full habit",
        0.0,
        120.0,
        "assumption; Quirk et al. 2021: 88% of previously inactive parkrunners raised activity",
    )
    recall_weeks: float = param(4.0, "weeks", 2.0, 8.0, "Active Lives asks about the last 28 days")


@dataclass(frozen=True)
class Wellbeing:
    """Life satisfaction and loneliness: set points, gains from groups, life events."""

    gain_rate: float = param(
        0.07,
        "share of the gap to the group's gain per session",
        0.03,
        0.15,
        "Haake et al. 2024: parkrun gain seen after 6 months (26 weeks: 85% of the way)",
    )
    gain_decay: float = param(0.03, "share lost per week not attending", 0.01, 0.08, "assumption")
    life_event_rate: float = param(
        0.004,
        "per week",
        0.001,
        0.01,
        "assumption: about one adult in five a year has circumstances change enough to reset "
        "their usual activity and life satisfaction",
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
    lonely_most_deprived_ratio: float = param(
        1.5,
        "ratio of most to least deprived quintile",
        1.2,
        2.0,
        "Victor & Pikhartova 2020: over 50% more likely (applied to all ages: assumption)",
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
    )
    fade_rate: float = param(
        0.03, "chance a week an unused group tie fades", 0.01, 0.1, "assumption"
    )
    unused_after_weeks: int = param(
        4, "weeks without meeting before a tie counts as unused", 2, 12, "assumption"
    )


@dataclass(frozen=True)
class GroupRules:
    """When groups run and close."""

    closure_check_weeks: int = param(4, "weeks between checks", 1, 13, "assumption")
    attendance_window_weeks: int = param(
        8, "weeks of attendance a check looks back", 4, 26, "assumption"
    )
    existing_count_scale: float = param(
        1.0,
        "multiplier on the number of existing groups of each type (groups.py per_50k)",
        0.5,
        2.0,
        "assumption: how many community health groups a town already has",
    )
    existing_capacity_scale: float = param(
        1.0,
        "multiplier on existing groups' places a session (groups.py capacity)",
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
        0.5, "habit above which a member may volunteer", 0.3, 0.8, "assumption"
    )
    volunteer_share: float = param(
        0.25,
        "share of settled members who volunteer",
        0.1,
        0.5,
        "assumption; Community Life Survey reports regular formal volunteering around this level",
    )


@dataclass(frozen=True)
class InterventionEffects:
    """How strongly interventions move people: none has a controlled estimate, so all are ranges."""

    referral_boost_supported: float = param(
        2.5,
        "logit added to trying a referred group, with a supported first visit",
        1.0,
        4.0,
        "assumption; social prescribing evaluations report small effects (Pescheny et al. 2019)",
    )
    referral_boost_unsupported: float = param(
        1.0, "logit added to trying a referred group, referral only", 0.0, 2.5, "assumption"
    )
    referral_weeks: int = param(4, "weeks a referral stands before it lapses", 1, 12, "assumption")
    referral_awareness: float = param(
        0.8, "awareness of local groups after meeting an outreach worker", 0.5, 1.0, "assumption"
    )
    directory_awareness: float = param(
        0.1,
        "awareness added by an online directory of local groups",
        0.0,
        0.3,
        "assumption; Oadby and Wigston case study recommends one directory",
    )
    community_led_awareness: float = param(
        0.1,
        "awareness added in a neighbourhood whose residents chose and run a new group",
        0.0,
        0.3,
        "assumption; Big Local: being embedded in communities helped",
    )
    low_impact_awareness: float = param(
        0.2,
        "awareness added among people with health limits by a low-impact offer",
        0.0,
        0.4,
        "assumption; Leamington free swimming for people with pain",
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
    )


@dataclass(frozen=True)
class Parameters:
    """All model parameters. Override by dotted path with `with_overrides`."""

    behaviour: Behaviour = field(default_factory=Behaviour)
    habit: Habit = field(default_factory=Habit)
    wellbeing: Wellbeing = field(default_factory=Wellbeing)
    ties: Ties = field(default_factory=Ties)
    groups: GroupRules = field(default_factory=GroupRules)
    interventions: InterventionEffects = field(default_factory=InterventionEffects)
    place: PlaceCalibration = field(default_factory=PlaceCalibration)
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
            result = _replace_path(result, path.split("."), value, path)
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


def _replace_path(obj: Any, parts: list[str], value: Any, full: str) -> Any:
    names = {f.name: f for f in dataclasses.fields(obj)}
    head = parts[0]
    if head not in names:
        known = ", ".join(path for path, _, _ in iter_parameters(Parameters()))
        raise InputError(
            f"Unknown model parameter '{full}'.",
            fix=f"Use one of the declared parameters: {known}.",
        )
    current = getattr(obj, head)
    if len(parts) > 1:
        if not dataclasses.is_dataclass(current):
            raise InputError(f"Unknown model parameter '{full}'.", fix="Check the dotted path.")
        return dataclasses.replace(obj, **{head: _replace_path(current, parts[1:], value, full)})
    if dataclasses.is_dataclass(current):
        raise InputError(
            f"'{full}' is a section, not a parameter.",
            fix=f"Name one of its parameters, e.g. '{full}.{dataclasses.fields(current)[0].name}'.",
        )
    kind = type(current)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InputError(
            f"Parameter '{full}' must be a number, got {value!r}.", fix="Give a number."
        )
    if kind is int and float(value) != int(value):
        raise InputError(
            f"Parameter '{full}' must be a whole number, got {value!r}.", fix="Give a whole number."
        )
    return dataclasses.replace(obj, **{head: kind(value)})
