"""Community groups: the kinds of group, and the state of every group as arrays.

What each kind offers and needs (minutes, capacity, costs, wellbeing gain...)
is declared in `parameters.GroupTypes`, so a scenario can override it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from .parameters import GroupRules, GroupTypes

WEEKS_PER_YEAR = 52
TYPE_NAMES = (
    "parkrun",
    "walk_and_talk",
    "run_club",
    "swim",
    "peer_support_cafe",
    "faith_centre_session",
    "gym_weight_loss",
    "community_garden",
    "choir",
)
TYPE_INDEX = {name: i for i, name in enumerate(TYPE_NAMES)}
# Which kinds suit people with pain or mobility limits: part of what a kind is, not a parameter.
LOW_IMPACT = np.array(
    [name not in ("parkrun", "run_club", "gym_weight_loss") for name in TYPE_NAMES]
)


GROUP_FIELDS = {
    "kind": np.int16,
    "venue": np.int32,  # neighbourhood id
    "capacity": np.int32,
    "cost_gbp": np.float32,
    "women_only": bool,
    "open": bool,
    "opened_week": np.int32,
    "closed_week": np.int32,
    "funded_until": np.int32,  # last funded week; -1: never funded (sustains itself)
    "opened_by_grant": bool,  # must meet its running costs itself once its funding ends
    "ends_with_funding": bool,  # a time-limited programme: it stops when its funding does
    "attendance": np.int32,  # attendees this week
    "members": np.int32,
    "volunteers": np.int32,
}


class Groups:
    """Every community group's state, one array per field (a structure of arrays)."""

    def __init__(self, window: int, types: GroupTypes) -> None:
        self.types = types  # a new group's capacity and charge unless given
        for name, dtype in GROUP_FIELDS.items():
            setattr(self, name, np.zeros(0, dtype=dtype))
        self.history = np.zeros((0, window), dtype=np.int32)  # recent weekly attendance

    @property
    def n(self) -> int:
        return len(self.kind)

    def add(
        self,
        kind: np.ndarray,
        venue: np.ndarray,
        week: int,
        *,
        funded_until=-1,
        women_only=False,
        capacity=None,
        cost_gbp=None,
        ends_with_funding=False,
    ) -> np.ndarray:
        """Open new groups; returns their ids."""
        kind = np.asarray(kind, dtype=np.int16)
        k = len(kind)
        new = {
            "kind": kind,
            "venue": np.asarray(venue, dtype=np.int32),
            "capacity": self.types.column("capacity")[kind] if capacity is None else capacity,
            "cost_gbp": self.types.column("cost_gbp")[kind] if cost_gbp is None else cost_gbp,
            "women_only": women_only,
            "open": True,
            "opened_week": week,
            "closed_week": -1,
            "funded_until": funded_until,
            "opened_by_grant": np.asarray(funded_until) >= 0,
            "ends_with_funding": ends_with_funding,
            "attendance": 0,
            "members": 0,
            "volunteers": 0,
        }
        ids = np.arange(self.n, self.n + k)
        for name, dtype in GROUP_FIELDS.items():
            values = np.broadcast_to(np.asarray(new[name], dtype=dtype), (k,))
            setattr(self, name, np.concatenate([getattr(self, name), values]))
        self.history = np.vstack([self.history, np.zeros((k, self.history.shape[1]), np.int32)])
        return ids


def baseline_groups(
    venue_weights: np.ndarray,
    residents: int,
    opened_week: int,
    rng: np.random.Generator,
    rules: GroupRules,
) -> Groups:
    """The groups a town already has, in proportion to its size (times `existing_count_scale`,
    except parkrun: its events are counted nationally, so its `per_50k` stands alone).

    Venues are drawn by population weighted towards less deprived
    neighbourhoods (`venue_weights`): deprived areas are under-represented
    (Walking for Health evaluation, 2016). Counts are rounded at random so
    small towns keep the right number on average; a town always has at least
    one walking group.
    """
    groups = Groups(rules.attendance_window_weeks, rules.types)
    scale = np.full(len(TYPE_NAMES), rules.existing_count_scale)
    scale[TYPE_INDEX["parkrun"]] = 1.0
    expected = rules.types.column("per_50k") * scale * residents / 50_000
    counts = np.floor(expected + rng.random(len(expected))).astype(int)
    counts[TYPE_INDEX["walk_and_talk"]] = max(counts[TYPE_INDEX["walk_and_talk"]], 1)
    kinds = np.repeat(np.arange(len(TYPE_NAMES)), counts)
    p = venue_weights / venue_weights.sum()
    venues = rng.choice(len(p), size=len(kinds), p=p)
    capacity = rules.types.column("capacity")[kinds] * rules.existing_capacity_scale
    capacity = np.maximum(1, np.round(capacity))
    groups.add(kinds, venues, week=opened_week, capacity=capacity)
    return groups
