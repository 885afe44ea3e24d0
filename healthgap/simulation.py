"""The Python API: load a scenario, build a simulation for a seed, step it, read its results.

Every front end (the command line, the report, the app, sweeps) goes through
`Simulation`; none reaches into the model's arrays or rebuilds results its own way.

    sim = Simulation("oadby_wigston", seed=3)   # built and burnt in: week 0
    sim.step()                                  # one week
    sim.metrics()["inactive_pct"]["1"]          # this week, most deprived quintile
    results = sim.run()                         # on to the scenario's horizon
    results.table()                             # tidy: step, quintile, metric, value
"""

from __future__ import annotations

import copy
import functools
import platform
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Self

import numpy as np

import healthgap
from healthgap.model import HealthgapModel
from healthgap.model.groups import TYPE_NAMES
from healthgap.model.metrics import (
    GROUPS,
    METRICS,
    Results,
    accessibility_by_kind,
    neighbourhood_values,
)
from healthgap.model.parameters import Parameters
from healthgap.model.town import Town
from healthgap.scenarios import Scenario, build_place, check_place_fits, load_scenario

from .funnel import FunnelRow, FunnelWatcher, outreach_labels

if TYPE_CHECKING:
    import pandas as pd

ScenarioLike = Scenario | str | Path | None


def as_scenario(scenario: ScenarioLike) -> Scenario:
    """A scenario given by name (built-in), by path (a .toml file) or as a `Scenario`; one made
    in code is checked against its place as a file would be when read."""
    if isinstance(scenario, Scenario):
        check_place_fits(scenario)
        return scenario
    return load_scenario(scenario)


def burnt_in_town(
    scenario: ScenarioLike, seed: int, *, mesa_agents: bool = False
) -> HealthgapModel:
    """The scenario's town for `seed`, built and burnt in, with no interventions attached.

    The common start of a scenario and its baseline (common random numbers).
    """
    scenario = as_scenario(scenario)
    return HealthgapModel(
        build_place(scenario),
        scenario.model_parameters(),
        seed,
        mesa_agents=mesa_agents,
        horizon_weeks=scenario.weeks,
        scale=scenario.place.sample,
    )


class Simulation:
    """One scenario run for one seed: a model at week 0 after its burn-in, to step and read.

    Mesa's `model.running` turns False at the scenario's horizon, so Mesa's own
    tools (e.g. `model.run_model()`) stop there too.
    """

    def __init__(
        self, scenario: ScenarioLike = None, seed: int | None = None, *, mesa_agents: bool = False
    ) -> None:
        self.scenario = as_scenario(scenario)
        self.seed = self.scenario.seed if seed is None else int(seed)
        self.model = burnt_in_town(self.scenario, self.seed, mesa_agents=mesa_agents)
        self.model.add_interventions(self.scenario.interventions)

    @classmethod
    def from_start(
        cls, start: HealthgapModel, scenario: ScenarioLike, weeks: int | None = None
    ) -> Self:
        """The scenario's interventions on a copy of a burnt-in town (see `burnt_in_town`).

        `weeks` overrides the scenario's horizon (a comparison runs all for the baseline's).
        """
        sim = cls.__new__(cls)
        sim.scenario = as_scenario(scenario)
        sim.seed = start.seed
        sim.model = copy.deepcopy(start)
        sim.model.horizon_weeks = sim.scenario.weeks if weeks is None else weeks
        sim.model.add_interventions(sim.scenario.interventions)
        return sim

    @classmethod
    def pair(
        cls, scenario: ScenarioLike, seed: int | None = None, baseline: ScenarioLike = "baseline"
    ) -> tuple[Self, Self]:
        """The scenario and its baseline's interventions, both from one burnt-in copy of the
        scenario's town: with the same seed they differ only because of the interventions."""
        scenario = as_scenario(scenario)
        baseline = as_scenario(baseline)
        seed = scenario.seed if seed is None else seed
        start = burnt_in_town(scenario, seed)
        twin = scenario.model_copy(
            update={"name": baseline.name, "interventions": baseline.interventions}
        )
        return cls.from_start(start, scenario), cls.from_start(start, twin)

    @property
    def week(self) -> int:
        """Weeks since the reported start (0 after the burn-in)."""
        return self.model.week

    @property
    def weeks(self) -> int:
        """The horizon, in weeks."""
        return self.model.horizon_weeks

    @property
    def finished(self) -> bool:
        return not self.model.running

    def step(self, weeks: int = 1) -> Self:
        """Advance `weeks` weeks (stopping at the horizon)."""
        for _ in range(weeks):
            if self.finished:
                break
            self.model.step()
        return self

    def run(self, on_week: Callable[[int], None] | None = None) -> Results:
        """Step to the horizon; `on_week(week)` is called after every week. Returns the results."""
        while not self.finished:
            self.model.step()
            if on_week:
                on_week(self.week)
        return self.results()

    def metrics(self) -> dict[str, dict[str, float]]:
        """This week's value of every metric, for the town ("all") and quintiles "1"-"5"."""
        return {
            name: {g: self.model.history.value(name, g) for g in (GROUPS[:1] if m.town else GROUPS)}
            for name, m in METRICS.items()
        }

    def results(self) -> Results:
        """Every week so far: `.table()` is tidy, `.summary()` the latest week by quintile."""
        return self.model.results()

    @property
    def spent_gbp(self) -> float:
        """Spent by the interventions so far."""
        return float(sum(self.model.spending.values()))

    # What front ends draw, read here rather than from the model's arrays.
    @property
    def town(self) -> Town:
        """The place: neighbourhoods, their deprivation and the streets between them."""
        return self.model.town

    @property
    def parameters(self) -> Parameters:
        """The parameters this run uses (the scenario's over the defaults)."""
        return self.model.params

    @property
    def residents(self) -> int:
        """Residents simulated (the place's people times its sample)."""
        return self.model.people.n

    def neighbourhood_values(self, metric: str) -> np.ndarray:
        """This week's value of `metric` in each neighbourhood (`metrics.neighbourhood_values`)."""
        return neighbourhood_values(self.model, metric)

    def access_by_kind(self) -> pd.DataFrame:
        """This week's share (%) of adults without a car who can reach each kind of group
        (`metrics.accessibility_by_kind`)."""
        return accessibility_by_kind(self.model)

    def groups(self) -> pd.DataFrame:
        """Every group so far, one row each: its neighbourhood (`venue`, an index into the
        town), `kind`, this week's `attendance`, the weeks it opened and closed (0 if before the
        start or still open) and whether it is `open`."""
        import pandas as pd

        g = self.model.groups
        n = g.n
        return pd.DataFrame(
            {
                "venue": g.venue[:n],
                "kind": np.asarray(TYPE_NAMES)[g.kind[:n]],
                "attendance": g.attendance[:n],
                "opened_week": g.opened_week[:n],
                "closed_week": g.closed_week[:n],
                "open": g.open[:n],
            }
        )

    def transport_links(self) -> list[tuple[int, int, str]]:
        """Each link the running transport schemes add, as (neighbourhood, neighbourhood, mode)."""
        return [(a, b, s.mode) for s in self.model.transport_schemes for a, b in s.drawn_links()]

    def run_with_funnel(self) -> list[FunnelRow]:
        """Step to the horizon watching the referral funnel of its outreach: each lever's, by
        quintile (none without outreach)."""
        if not any(spec.type == "outreach" for spec in self.scenario.interventions):
            self.run()
            return []
        funnel = FunnelWatcher(self.model)
        self.run(on_week=lambda _week: funnel.week(self.model))
        return funnel.table(outreach_labels(self.model))

    def summary(self) -> dict:
        """The latest week's metrics by quintile, the gap, SII and RII, and provenance."""
        return self.results().summary() | {"provenance": provenance(self.scenario, self.seed)}


def provenance(scenario: Scenario, seed: int) -> dict:
    """What produced a result: package version, git revision, seed, scenario hash, parameters."""
    return {
        "package_version": healthgap.__version__,
        "git_revision": git_revision(),
        "seed": seed,
        "scenario": scenario.name,
        "scenario_hash": scenario.digest(),
        "parameters": scenario.model_parameters().flat(),
    }


@functools.cache
def git_revision() -> str | None:
    """The source tree's git commit, when it is a git checkout."""
    try:
        out = subprocess.run(
            ["git", "rev-parse", "HEAD"],
            cwd=Path(__file__).parent,
            capture_output=True,
            text=True,
            timeout=5,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() or None if out.returncode == 0 else None


def cpu_model() -> str:
    """The CPU's model name (from /proc/cpuinfo on Linux), else what the platform reports."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()
