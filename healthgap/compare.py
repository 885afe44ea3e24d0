"""Compare scenarios with a baseline: the same seeds for all (common random numbers).

For each seed the town is built and burnt in once; the baseline and every
scenario then run from copies of that same state, so a scenario with no
interventions gives exactly the baseline's numbers and every difference is
down to the interventions. Seeds run in parallel on a process pool; the
paired differences are summarised in `effects.Comparison`. With an ensemble of parameter
sets, each seed also runs with a set drawn from it (`ensemble.Ensemble.draw`), the same for the
baseline and every scenario of that seed, so intervals cover parameter uncertainty too.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path

from healthgap.model.errors import InputError
from healthgap.scenarios import Scenario

from .effects import Comparison, RunOutcome, summarise
from .ensemble import Ensemble, load_ensemble
from .simulation import ScenarioLike, Simulation, as_scenario, burnt_in_town
from .workers import run_in_order


def place_key(scenario: Scenario) -> str:
    """Scenarios with the same place and parameters share a town (and its baseline run)."""
    return json.dumps(
        {"place": scenario.place.model_dump(), "parameters": scenario.parameters}, sort_keys=True
    )


def transport_parts(scenario: Scenario) -> list[Scenario]:
    """A scenario with transport levers and others, and the same scenario with only its
    transport levers and without them, so a comparison shows what transport adds on its own
    (the parts' effects need not sum to the whole's: levers can help or crowd out each other)."""
    transport = [i for i in scenario.interventions if i.type == "transport"]
    others = [i for i in scenario.interventions if i.type != "transport"]
    if not transport or not others:
        return [scenario]
    return [
        scenario,
        *(
            scenario.model_copy(
                update={
                    "name": f"{scenario.name}: {part}",
                    "description": f"{scenario.name} with {what} ({scenario.description})",
                    "interventions": chosen,
                }
            )
            for part, what, chosen in (
                ("transport only", "only its transport levers", transport),
                ("without transport", "all but its transport levers", others),
            )
        ),
    ]


def with_parameters(scenario: Scenario, parameters: dict[str, float]) -> Scenario:
    """The scenario with `parameters` (by dotted path) on top of its own."""
    if not parameters:
        return scenario
    return scenario.model_copy(update={"parameters": scenario.parameters | parameters})


def run_seed(
    baseline: Scenario,
    scenarios: list[Scenario],
    seed: int,
    parameters: dict[str, float] | None = None,
) -> list[tuple[RunOutcome, RunOutcome]]:
    """One seed: for each distinct place, build and burn in once, then run the baseline's
    interventions and each scenario's from copies of that state, for the baseline's horizon.
    `parameters` (a set drawn from an ensemble) go on top of every scenario's own, so a
    scenario and its baseline share them, as they share the town.

    Returns a (scenario, its baseline) pair of outcomes per scenario.
    """
    starts, baselines, pairs = {}, {}, []
    for scenario in (with_parameters(s, parameters or {}) for s in scenarios):
        key = place_key(scenario)
        if key not in starts:
            starts[key] = burnt_in_town(scenario, seed)
            baselines[key] = outcome(Simulation.from_start(starts[key], baseline, baseline.weeks))
        pairs.append(
            (outcome(Simulation.from_start(starts[key], scenario, baseline.weeks)), baselines[key])
        )
    return pairs


def outcome(sim: Simulation) -> RunOutcome:
    """Run to the horizon and keep what a comparison needs (with its outreach's funnel)."""
    return RunOutcome.so_far(sim, sim.run_with_funnel())


def compare(
    baseline: ScenarioLike,
    scenarios: list[ScenarioLike],
    replicates: int = 10,
    seed: int = 1,
    workers: int | None = None,
    on_done: Callable[[int], None] | None = None,
    years: float | None = None,
    transport_apart: bool = True,
    ensemble: Ensemble | str | Path | None = None,
) -> Comparison:
    """Run everything and summarise paired differences with 95% intervals.

    With `transport_apart`, a scenario with transport levers and others also runs as its
    transport levers only and as the rest only (`transport_parts`). With an `ensemble` (or the
    path of an ensemble file), each replicate runs with a parameter set drawn from it, on top
    of each scenario's own parameters, for the baseline and every scenario alike.

    Each scenario is compared with the baseline's interventions (usually none) on the
    scenario's own place and parameters, with the same seeds, over the baseline's
    horizon (or `years`). Scenarios are names, paths or `Scenario`s.
    """
    baseline = as_scenario(baseline)
    if years is not None:
        baseline = baseline.model_copy(update={"years": years})
    scenarios = [as_scenario(s) for s in scenarios]
    if transport_apart:
        scenarios = [part for s in scenarios for part in transport_parts(s)]
    names = [s.name for s in scenarios]
    if len(set(names)) != len(names) or baseline.name in names:
        raise InputError("Two scenarios share a name.", fix="Give each scenario its own name.")
    seeds = [seed + r for r in range(replicates)]
    if isinstance(ensemble, str | Path):
        ensemble = load_ensemble(ensemble)
    draws = ensemble.draw(seed, replicates) if ensemble else None
    sets = ensemble.drawn(draws) if ensemble else [{}] * replicates
    workers = workers or min(os.cpu_count() or 1, replicates)
    jobs = [(run_seed, (baseline, scenarios, s, sets[r])) for r, s in enumerate(seeds)]
    runs = run_in_order(jobs, workers, on_done)
    return summarise(baseline, scenarios, seeds, runs, draws)
