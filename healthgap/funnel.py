"""The referral funnel: of the people an outreach lever saw, how many accepted a referral, started
going to a group within 12 weeks, and still went 12 and 24 weeks on; by lever and IMD quintile.

Exercise referral schemes report their funnel this way (docs/evidence/referral_funnel.md):
uptake, then attendance at 12 weeks and completion at 24. Week 0 is the week a worker saw them;
"still attending" at 12 weeks means a session in the 4 weeks up to it (weeks 8 to 11 after,
Active Lives' 28-day recall), and likewise at 24, among those who started: as a scheme counts
its completers among its starters, someone who first went after 12 weeks is not "still"
attending. A session in the very week of the referral counts as starting. Someone is counted at
a stage only once the run has followed them that long.

    watcher = FunnelWatcher(model)
    sim.run(on_week=lambda week: watcher.week(sim.model))
    watcher.table(labels)     # rows: lever, quintile, seen, accepted, started, ...
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from healthgap.model import HealthgapModel

STARTED_WITHIN = 12  # weeks
STILL_AT = (12, 24)  # weeks after being seen
RECALL = 4  # a session in the 4 weeks up to then
STAGES = ("seen", "accepted", "started", "at_12_weeks", "at_24_weeks")
STAGE_LABELS = {
    "seen": "seen by a worker",
    "accepted": "accepted a referral",
    "started": "started within 12 weeks",
    "at_12_weeks": "still attending at 12 weeks",
    "at_24_weeks": "still attending at 24 weeks",
}


class FunnelWatcher:
    """Follows everyone an outreach lever sees, from the week they are first seen."""

    def __init__(self, model: HealthgapModel) -> None:
        n = model.people.n
        self.seen_at = np.full(n, -1, np.int64)  # the week first seen in this run
        self.seen_by = np.full(n, -1, np.int64)
        self.accepted = np.zeros(n, bool)
        self.started = np.zeros(n, bool)
        self.still = {weeks: np.zeros(n, bool) for weeks in STILL_AT}
        self.quintile = model.people.quintile.copy()
        self.week_no = model.week

    def week(self, model: HealthgapModel) -> None:
        """Shown the model after each week."""
        p = model.people
        self.week_no = week = model.week
        new = (p.seen_week == week) & (self.seen_at < 0)
        self.seen_at[new], self.seen_by[new] = week, p.seen_by[new]
        followed = np.flatnonzero(self.seen_at >= 0)
        self.accepted[followed] |= p.referred_week[followed] >= self.seen_at[followed]
        went = followed[p.attended[followed] >= 0]
        since = week - self.seen_at[went]
        self.started[went[since < STARTED_WITHIN]] = True
        for weeks, still in self.still.items():
            still[went[(since >= weeks - RECALL) & (since < weeks)]] = True

    def counts(self, who: np.ndarray) -> dict[str, int]:
        """How many of `who` (a mask) reached each stage, among those followed long enough."""
        followed = (self.week_no - self.seen_at) + 1  # weeks seen so far, the first included
        out = {
            "seen": int(who.sum()),
            "accepted": int((who & self.accepted).sum()),
            "followed_12_weeks": int((who & (followed >= STARTED_WITHIN)).sum()),
            "started": int((who & self.started & (followed >= STARTED_WITHIN)).sum()),
        }
        for weeks, still in self.still.items():
            long_enough = who & (followed >= weeks)
            out[f"followed_{weeks}_weeks"] = int(long_enough.sum())
            out[f"at_{weeks}_weeks"] = int((long_enough & self.started & still).sum())
        return out

    def table(self, labels: dict[int, str]) -> list[FunnelRow]:
        """One row per lever (its index in `model.interventions`: its label) and quintile
        ("all" and "1"-"5"), for the levers that saw anyone."""
        rows = []
        for index, label in labels.items():
            by = (self.seen_at >= 0) & (self.seen_by == index)
            if not by.any():
                continue
            for q in ("all", "1", "2", "3", "4", "5"):
                who = by if q == "all" else by & (self.quintile == int(q))
                rows.append(FunnelRow(label, q, self.counts(who)))
        return rows


@dataclass(frozen=True)
class FunnelRow:
    """One lever's funnel for the town or a quintile: counts at each stage."""

    lever: str
    quintile: str
    counts: dict[str, int]

    def share(self, stage: str) -> float:
        """The share of those seen (and followed long enough for the stage) who reached it."""
        if stage in ("seen", "accepted"):
            base = self.counts["seen"]
        else:
            weeks = STARTED_WITHIN if stage == "started" else int(stage.split("_")[1])
            base = self.counts[f"followed_{weeks}_weeks"]
        return self.counts[stage] / base if base else float("nan")


def outreach_labels(model: HealthgapModel) -> dict[int, str]:
    """The outreach levers of a model, by their index: their labels."""
    return {
        i: spec.label for i, (spec, _) in enumerate(model.interventions) if spec.type == "outreach"
    }
