"""How groups opened by a grant fare once it ends: survival and attendance (issue 10's targets).

Measured on any run with grants that end within its horizon (e.g. Morecambe Bay's tiny seed
funds over 7 years). A group counts towards "running N years on" once its funding ended at least
N years before the horizon; it is running if it was still open N years after its funding ended.
A group still running is "no smaller" when its mean weekly attendance over the last
`attendance_window_weeks` of the run is at least 90% of that over the same window up to the week
its funding ended.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from healthgap.model.errors import InputError
from healthgap.model.interventions import WEEKS_PER_YEAR

if TYPE_CHECKING:
    from healthgap.model import HealthgapModel
    from healthgap.model.metrics import Results
    from healthgap.scenarios import Scenario


def running_after_funding_pct(model: HealthgapModel, years: float) -> float:
    """Share (%) of the groups whose grant ended `years` or more ago that were still open
    `years` after it ended (NaN if none ended that long ago)."""
    g = model.groups
    ended = g.funded_until.astype(np.int64)
    then = ended + round(years * WEEKS_PER_YEAR)
    counted = g.opened_by_grant & (then <= model.week)
    if not counted.any():
        return float("nan")
    running = g.open | (g.closed_week > then)
    return float(100 * running[counted].mean())


class NotSmallerAfterFunding:
    """Watches a run: each grant-opened group's attendance in the weeks up to the end of its
    funding, then (`value`) the share (%) of the groups still running whose recent attendance
    is at least `SAME_SIZE` of it ("grew or stayed the same size")."""

    SAME_SIZE = 0.9

    def __init__(self, scenario: Scenario, model: HealthgapModel) -> None:
        check_grants(scenario)
        self.at_funding_end: dict[int, float] = {}

    def week(self, model: HealthgapModel) -> None:
        g = model.groups
        for group in np.flatnonzero(g.opened_by_grant & (g.funded_until == model.week)):
            self.at_funding_end[int(group)] = float(g.history[group].mean())

    def value(self, model: HealthgapModel, results: Results) -> float:
        g = model.groups
        window = g.history.shape[1]
        settled = [
            group
            for group in self.at_funding_end
            if g.open[group] and model.week - g.funded_until[group] >= window
        ]
        if not settled:
            return float("nan")
        now = g.history[settled].mean(axis=1)
        before = np.array([self.at_funding_end[group] for group in settled])
        return float(100 * np.mean(now >= self.SAME_SIZE * before))


class SurvivalWatcher:
    """The survival measures' view of a run: nothing to watch; read the groups at the end."""

    def __init__(self, years: float, scenario: Scenario, model: HealthgapModel) -> None:
        check_grants(scenario)
        self.years = years

    def week(self, model: HealthgapModel) -> None:
        pass

    def value(self, model: HealthgapModel, results: Results) -> float:
        return running_after_funding_pct(model, self.years)


def check_grants(scenario: Scenario) -> None:
    """Refuse a scenario with no grant that opens groups: there would be nothing to measure."""
    if not any(i.type in ("seed_funding", "low_impact") for i in scenario.interventions):
        raise InputError(
            f"Scenario '{scenario.name}' opens no groups with a grant, so how they fare after "
            "it cannot be measured.",
            fix="Use a scenario with seed_funding (e.g. morecambe_bay) and a horizon some years "
            "past the end of its grants.",
        )
