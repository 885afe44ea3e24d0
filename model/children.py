"""Children aged 5-16 as arrays: their school, their age and their activity, minutes a day.

Every neighbourhood has `children.per_adult` children for each of its adults, at the school in
their own neighbourhood (a venue there: the model's schools are its neighbourhoods'). Each child's
usual activity is drawn at a rank within their IMD quintile and mapped onto the quintile's
published shares of less active (under 30 minutes a day), fairly active (30-59) and active (60
or more), so every quintile starts at its Active Lives CYP figures (`evidence.
children_quintile_targets`: IMD quintile stands in for family affluence). Children grow a year
older each year; at 17 a child leaves and a 5-year-old takes their place at the same school,
drawn afresh (stratified, so each year's newcomers keep the shares): individuals move, the
shares stay. A school running the Daily Mile adds its
minutes to each of its children's day while it runs.

Children draw only from their own random stream and touch nothing of the adults', so adding
them leaves every adult outcome bit-identical.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from . import evidence
from .groups import WEEKS_PER_YEAR
from .parameters import Children as ChildrenParameters

if TYPE_CHECKING:
    from .model import HealthgapModel
    from .town import Town

YOUNGEST, OLDEST = 5, 16  # the ages of Active Lives CYP (school years 1 to 11)


class Children:
    """Every child's state, one array per field, stored neighbourhood by neighbourhood."""

    def __init__(self, neighbourhood: np.ndarray, decile: np.ndarray) -> None:
        n = len(neighbourhood)
        self.n = n
        self.neighbourhood = neighbourhood.astype(np.int32)  # home, and so school
        self.decile = decile.astype(np.int8)
        self.quintile = ((decile + 1) // 2).astype(np.int8)
        self.age = np.zeros(n, np.int8)
        self.activity_rank = np.zeros(n)  # rank of usual activity within the quintile (0-1)
        self.usual_minutes = np.zeros(n, np.float32)  # a day on average, without the Daily Mile
        self.daily_mile = np.zeros(n, np.int8)  # Daily Mile schemes their school runs (0: none)
        self.minutes = np.zeros(n, np.float32)  # a day on average: what a survey would record


def activity_shares() -> np.ndarray:
    """The published shares less active and fairly active by quintile (rows), as fractions."""
    targets = evidence.children_quintile_targets()
    return (
        np.array([targets["children_less_active_pct"], targets["children_fairly_active_pct"]]) / 100
    )


def minutes_at_rank(u: np.ndarray, quintile: np.ndarray, c: ChildrenParameters) -> np.ndarray:
    """Usual minutes a day at within-quintile rank u: evenly spread within the less and fairly
    active, 60 plus an exponential tail among the active."""
    shares = activity_shares()
    less, fairly = shares[0, quintile - 1], shares[1, quintile - 1]
    low, high = evidence.CHILDREN_FAIRLY_ACTIVE_MINUTES, evidence.CHILDREN_ACTIVE_MINUTES
    active_frac = np.clip((u - less - fairly) / (1 - less - fairly), 0, 1 - 1e-9)
    return np.select(
        [u < less, u < less + fairly],
        [u / less * (low - 0.01), low + (u - less) / fairly * (high - low - 0.01)],
        high - np.log1p(-active_frac) * c.active_tail_mean_minutes,
    ).astype(np.float32)


def add_children(town: Town, c: ChildrenParameters, rng: np.random.Generator) -> Children:
    """A town's children: `c.per_adult` to each adult of every neighbourhood, of every age
    5-16 alike, each at their usual activity."""
    per_neighbourhood = np.rint(town.population * c.per_adult).astype(np.int64)
    neighbourhood = np.repeat(np.arange(town.n), per_neighbourhood)
    children = Children(neighbourhood, town.imd_decile[neighbourhood])
    children.age[:] = rng.integers(YOUNGEST, OLDEST + 1, children.n)
    draw_activity(children, np.arange(children.n), c, rng)
    children.minutes[:] = children.usual_minutes
    return children


def draw_activity(
    children: Children, who: np.ndarray, c: ChildrenParameters, rng: np.random.Generator
) -> None:
    """Usual activity for `who`: a rank within their quintile, mapped to minutes a day. The
    ranks are stratified: in each quintile those drawn together spread evenly over 0-1, in
    random order, so each year's newcomers keep the quintile's published shares."""
    quintile = children.quintile[who]
    for q in np.unique(quintile):
        drawn = who[quintile == q]
        k = len(drawn)
        children.activity_rank[drawn] = (rng.permutation(k) + rng.random(k)) / k
    children.usual_minutes[who] = minutes_at_rank(
        children.activity_rank[who], children.quintile[who], c
    )


def grow_up(model: HealthgapModel, week: int) -> None:
    """Once a year every child is a year older; a child past 16 leaves school and a 5-year-old
    takes their place there, with a usual activity of their own."""
    if week % WEEKS_PER_YEAR:
        return
    children = model.children
    children.age += 1
    leaving = np.flatnonzero(children.age > OLDEST)
    children.age[leaving] = YOUNGEST
    rng = model.streams.week("children", week)
    draw_activity(children, leaving, model.params.children, rng)


def update_children_activity(model: HealthgapModel) -> None:
    """Minutes a day: usual activity plus the Daily Mile's where their school runs it."""
    children = model.children
    gain = model.params.children.daily_mile_minutes
    children.minutes[:] = children.usual_minutes + gain * (children.daily_mile > 0)
