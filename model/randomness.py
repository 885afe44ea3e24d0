"""Random streams: one per stochastic process, derived from one seed (common random numbers).

Each process gets a fresh generator for each week from the seed, the process
name and the week. So a baseline and an intervention run with the same seed
draw the same numbers for the same process in the same week, however much
their other processes drew before: they differ only because of the
intervention.
"""

from __future__ import annotations

import zlib

import numpy as np

PROCESSES = (
    "residents",
    "friendships",
    "groups",
    "memberships",
    "choice",
    "attendance",
    "dropout",
    "ties",
    "life_events",
    "interventions",
    "organisers",
    "taste",
    "self_rated_health",
    "children",
    "outings",
)


class Streams:
    """Named, independent NumPy generators from one seed."""

    def __init__(self, seed: int) -> None:
        self.seed = int(seed)

    def _key(self, process: str) -> int:
        if process not in PROCESSES:
            raise ValueError(f"unknown random process {process!r}; add it to PROCESSES")
        return zlib.crc32(process.encode())

    def build(self, process: str) -> np.random.Generator:
        """The generator for building the world (before week 0)."""
        return np.random.default_rng(
            np.random.SeedSequence(self.seed, spawn_key=(self._key(process),))
        )

    def week(self, process: str, week: int) -> np.random.Generator:
        """The generator for one process in one week (burn-in weeks are negative)."""
        key = (self._key(process), 1, week + 1_000_000)
        return np.random.default_rng(np.random.SeedSequence(self.seed, spawn_key=key))
