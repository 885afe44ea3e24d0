"""Friendships: a starting network with homophily, plus ties made in groups that fade unused."""

from __future__ import annotations

import networkx as nx
import numpy as np

from . import evidence
from .parameters import Ties as TieParams


def draw_degrees(n: int, rng: np.random.Generator) -> np.ndarray:
    """Close friends per person from the YouGov shares (uniform within each band)."""
    bands = list(evidence.CLOSE_FRIENDS)
    shares = np.array([evidence.CLOSE_FRIENDS[b] for b in bands])
    band = rng.choice(len(bands), size=n, p=shares / shares.sum())
    low = np.array([b[0] for b in bands])[band]
    high = np.array([b[1] for b in bands])[band]
    return (low + np.floor(rng.random(n) * (high - low + 1))).astype(np.int64)


def _pair_sorted(stubs: np.ndarray, key: np.ndarray) -> np.ndarray:
    """Pair stubs that sit next to each other when sorted by key: (k, 2) array."""
    ordered = stubs[np.argsort(key, kind="stable")]
    k = len(ordered) // 2
    return ordered[: 2 * k].reshape(k, 2)


def build_friendships(
    neighbourhood: np.ndarray, deprivation: np.ndarray, params: TieParams, rng: np.random.Generator
) -> np.ndarray:
    """The starting friendship network as unique pairs (i < j).

    Each person's friendship 'stubs' are matched either within their
    neighbourhood (share `local_share`) or with someone of similar
    deprivation anywhere in town (homophily): stubs are sorted by a noisy key
    and neighbours in the sort become friends.
    """
    n = len(neighbourhood)
    stubs = np.repeat(np.arange(n), draw_degrees(n, rng))
    local = rng.random(len(stubs)) < params.local_share
    local_key = neighbourhood[stubs[local]] + rng.random(local.sum())
    remote_key = deprivation[stubs[~local]] + rng.normal(
        0, params.deprivation_homophily, (~local).sum()
    )
    pairs = np.vstack(
        [_pair_sorted(stubs[local], local_key), _pair_sorted(stubs[~local], remote_key)]
    )
    pairs = pairs[pairs[:, 0] != pairs[:, 1]]
    pairs.sort(axis=1)
    return np.unique(pairs, axis=0)


def pair_keys(a: np.ndarray, b: np.ndarray, n: int) -> np.ndarray:
    """One integer per unordered pair."""
    lo, hi = np.minimum(a, b).astype(np.int64), np.maximum(a, b).astype(np.int64)
    return lo * n + hi


class Friendships:
    """Who is friends with whom: the starting ties (fixed) and group ties (made and lost)."""

    def __init__(self, n: int, base_pairs: np.ndarray) -> None:
        self.n = n
        self.base_keys = np.sort(pair_keys(base_pairs[:, 0], base_pairs[:, 1], n))
        self.base_degree = np.bincount(base_pairs.ravel(), minlength=n).astype(np.int32)
        src = np.concatenate([base_pairs[:, 0], base_pairs[:, 1]])
        dst = np.concatenate([base_pairs[:, 1], base_pairs[:, 0]])
        order = np.argsort(src, kind="stable")
        self.base_dst = dst[order].astype(np.int32)
        # Friends of person i are base_dst[base_start[i]:base_start[i + 1]].
        self.base_start = np.concatenate([[0], np.cumsum(self.base_degree)]).astype(np.int64)
        # Group ties: one sorted key per pair, when the pair last met, and its two people.
        self.group_keys = np.zeros(0, np.int64)
        self.group_last_met = np.zeros(0, np.int32)
        self.group_a = np.zeros(0, np.int32)
        self.group_b = np.zeros(0, np.int32)

    def _set_group_ties(self, keys: np.ndarray, last_met: np.ndarray) -> None:
        self.group_keys, self.group_last_met = keys, last_met
        self.group_a = (keys // self.n).astype(np.int32)
        self.group_b = (keys % self.n).astype(np.int32)

    def degree(self) -> np.ndarray:
        """Ties per person: starting friends plus group ties."""
        group = np.bincount(np.concatenate([self.group_a, self.group_b]), minlength=self.n)
        return self.base_degree + group.astype(np.int32)

    def friends_attending(self, candidate: np.ndarray, attended_last: np.ndarray) -> np.ndarray:
        """For each person, how many friends went last week to the group they are weighing.

        Works from last week's attendees outwards (few) rather than over every tie.
        """
        went = np.flatnonzero(attended_last >= 0)
        starts, sizes = self.base_start[went], self.base_degree[went]
        edge = np.repeat(starts - np.cumsum(sizes) + sizes, sizes) + np.arange(sizes.sum())
        # Each tie from a goer's side: their starting ties, then every group tie both ways.
        goer = np.concatenate([np.repeat(went, sizes), self.group_a, self.group_b])
        friend = np.concatenate([self.base_dst[edge], self.group_b, self.group_a])
        went_to = attended_last[goer]
        hit = (went_to >= 0) & (candidate[friend] == went_to)
        return np.bincount(friend[hit], minlength=self.n)

    def meet_in_groups(
        self,
        attended: np.ndarray,
        week: int,
        params: TieParams,
        tie_rate: np.ndarray,
        rng: np.random.Generator,
    ) -> int:
        """Co-attendees make new ties; ties whose pair met again are refreshed; unused ones fade.

        `tie_rate` is each group's (by group id). Returns the number of new ties made this week.
        """
        a, b = self.group_a, self.group_b
        met = (attended[a] >= 0) & (attended[a] == attended[b])
        self.group_last_met[met] = week
        u_fade = rng.random(len(self.group_keys))
        unused = week - self.group_last_met > params.unused_after_weeks
        keep = ~(unused & (u_fade < params.fade_rate))
        self.group_keys, self.group_last_met = self.group_keys[keep], self.group_last_met[keep]
        self.group_a, self.group_b = a[keep], b[keep]

        attendees = np.flatnonzero(attended >= 0)
        if len(attendees) < 2:
            return 0
        # Each attendee, with chance formation_rate x the group's tie rate, befriends a random
        # co-attendee of the same session.
        group = attended[attendees]
        order = np.argsort(group, kind="stable")  # by group, then person
        attendees, group = attendees[order], group[order]
        starts = np.searchsorted(group, group, side="left")
        sizes = np.searchsorted(group, group, side="right") - starts
        u = rng.random((2, len(attendees)))
        offset = np.floor(u[1] * (sizes - 1)).astype(np.int64)
        partner_pos = starts + offset
        partner_pos += partner_pos >= np.arange(len(attendees))  # skip oneself
        forms = (sizes > 1) & (u[0] < params.formation_rate * tie_rate[group])
        keys = pair_keys(
            attendees[forms], attendees[np.minimum(partner_pos, len(attendees) - 1)[forms]], self.n
        )
        keys = np.unique(keys)
        keys = keys[~_contains(self.base_keys, keys) & ~_contains(self.group_keys, keys)]
        if len(keys):
            merged = np.concatenate([self.group_keys, keys])
            last = np.concatenate([self.group_last_met, np.full(len(keys), week, np.int32)])
            order = np.argsort(merged, kind="stable")
            self._set_group_ties(merged[order], last[order])
        return len(keys)

    def to_networkx(self) -> nx.Graph:
        """The whole friendship network as a NetworkX graph (for small towns and analysis)."""
        graph = nx.Graph()
        graph.add_nodes_from(range(self.n))
        for keys, kind in ((self.base_keys, "neighbour"), (self.group_keys, "group")):
            graph.add_edges_from(
                zip((keys // self.n).tolist(), (keys % self.n).tolist(), strict=True), kind=kind
            )
        return graph


def _contains(sorted_keys: np.ndarray, keys: np.ndarray) -> np.ndarray:
    """Which keys are in a sorted array."""
    if len(sorted_keys) == 0:
        return np.zeros(len(keys), bool)
    pos = np.minimum(np.searchsorted(sorted_keys, keys), len(sorted_keys) - 1)
    return sorted_keys[pos] == keys
