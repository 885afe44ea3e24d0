"""Compare scenarios with a baseline: the same seeds for all (common random numbers), paired differences.

For each seed the town is built and burnt in once; the baseline and every
scenario then run from copies of that same state, so a scenario with no
interventions gives exactly the baseline's numbers and every difference is
down to the interventions. Seeds run in parallel on a process pool.
"""

from __future__ import annotations

import copy
import json
import multiprocessing
import os
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats

from healthgap.model import evidence
from healthgap.model import metrics as m
from healthgap.model.errors import InputError
from healthgap.scenarios import Scenario

from .run import GROUPS, SUMMARY_METRICS, build_model, finite, provenance

WELLBY_VALUES = {
    "low": evidence.WELLBY_VALUE_RANGE_GBP[0],
    "central": evidence.WELLBY_VALUE_GBP.value,
    "high": evidence.WELLBY_VALUE_RANGE_GBP[1],
}


@dataclass
class RunArrays:
    """One run's results: metric values per step by group, inequality per step, spending."""

    values: np.ndarray  # (steps + 1, len(GROUPS), len(METRIC_NAMES))
    sii: np.ndarray  # (steps + 1, len(SII_METRICS))
    gap: np.ndarray  # (steps + 1, len(SII_METRICS))
    spent_gbp: float
    residents: int


def place_key(scenario: Scenario) -> str:
    """Scenarios with the same place and parameters share a town (and its baseline run)."""
    return json.dumps(
        {"place": scenario.place.model_dump(), "parameters": scenario.parameters}, sort_keys=True
    )


def run_seed(baseline: Scenario, scenarios: list[Scenario], seed: int) -> dict:
    """One seed: for each distinct place, build and burn in once, then run the baseline's
    interventions and each scenario's from copies of that state.

    Returns {"baseline": {place key: RunArrays}, "scenarios": [RunArrays per scenario]}.
    """
    starts, baselines, results = {}, {}, []
    for scenario in scenarios:
        key = place_key(scenario)
        if key not in starts:
            starts[key] = build_model(
                scenario.model_copy(update={"interventions": []}), seed, mesa_agents=False
            )
            baselines[key] = run_from(starts[key], baseline.interventions, baseline.weeks)
        results.append(run_from(starts[key], scenario.interventions, baseline.weeks))
    return {"baseline": baselines, "scenarios": results}


def run_from(start, interventions, weeks: int) -> RunArrays:
    """Run a copy of a burnt-in model with `interventions` for `weeks`."""
    model = copy.deepcopy(start)
    model.add_interventions(interventions)
    for _ in range(weeks):
        model.step()
    return arrays_of(model)


def arrays_of(model) -> RunArrays:
    sums, counts, _ = m.history_arrays(model)
    quintiles = m.by_quintile(sums, counts)
    inequality = m.inequality(sums, counts)
    return RunArrays(
        values=np.stack([quintiles[g] for g in GROUPS], axis=1),
        sii=np.stack([inequality["sii"][k] for k in m.SII_METRICS], axis=1),
        gap=np.stack([inequality["gap"][k] for k in m.SII_METRICS], axis=1),
        spent_gbp=float(sum(model.spending.values())),
        residents=model.people.n,
    )


def compare(
    baseline: Scenario,
    scenarios: list[Scenario],
    replicates: int = 10,
    seed: int = 1,
    workers: int | None = None,
    on_done: Callable[[int], None] | None = None,
) -> dict:
    """Run everything and summarise paired differences with 95% intervals.

    Each scenario is compared with the baseline's interventions (usually none) on the
    scenario's own place and parameters, with the same seeds.
    """
    names = [s.name for s in scenarios]
    if len(set(names)) != len(names) or baseline.name in names:
        raise InputError("Two scenarios share a name.", fix="Give each scenario its own name.")
    seeds = [seed + r for r in range(replicates)]
    workers = workers or min(os.cpu_count() or 1, replicates)
    runs: list[dict] = [None] * replicates  # type: ignore[list-item]
    if workers == 1:
        for r, s in enumerate(seeds):
            runs[r] = run_seed(baseline, scenarios, s)
            if on_done:
                on_done(r + 1)
    else:
        with ProcessPoolExecutor(max_workers=workers, mp_context=process_context()) as pool:
            futures = {
                pool.submit(run_seed, baseline, scenarios, s): r for r, s in enumerate(seeds)
            }
            for done, future in enumerate(as_completed(futures), start=1):
                runs[futures[future]] = future.result()
                if on_done:
                    on_done(done)
    return summarise(baseline, scenarios, seeds, runs)


def process_context():
    """Worker processes started cleanly (not forked from a threaded parent), with the model preloaded."""
    if "forkserver" in multiprocessing.get_all_start_methods():
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(["healthgap.experiments.compare"])
        return context
    return multiprocessing.get_context("spawn")


def interval(samples: np.ndarray) -> dict:
    """Mean and 95% t-interval of paired differences across replicates (axis 0)."""
    samples = np.asarray(samples, dtype=float)
    mean = samples.mean(axis=0)
    n = samples.shape[0]
    if n < 2:
        half = np.full_like(mean, np.nan)
    else:
        half = stats.t.ppf(0.975, n - 1) * samples.std(axis=0, ddof=1) / np.sqrt(n)
    return {"mean": mean, "low": mean - half, "high": mean + half}


def _triple(interval_: dict, index=()) -> dict:
    return {k: finite(v[index]) for k, v in interval_.items()}


def summarise(
    baseline: Scenario, scenarios: list[Scenario], seeds: list[int], runs: list[dict]
) -> dict:
    """comparison.json: per scenario, costs, WELLBYs, BCRs and paired deltas with intervals."""
    ls = m.METRIC_NAMES.index("life_satisfaction_mean")
    inactive = m.METRIC_NAMES.index("inactive_pct")
    out = {
        "baseline": baseline.name,
        "replicates": len(seeds),
        "seeds": seeds,
        "weeks": baseline.weeks,
        "wellby_values_gbp": WELLBY_VALUES,
        "method": (
            "Every scenario runs with the baseline's seeds from the same burnt-in town (common "
            "random numbers); deltas are scenario minus baseline per seed, then the mean and a "
            "95% t-interval across seeds. WELLBYs = sum over weeks of the change in mean life "
            "satisfaction x people represented / 52 (undiscounted). Each scenario is compared "
            "with the baseline's interventions on the scenario's own place. " + m.SII_DIRECTION
        ),
        "provenance": provenance(baseline, seeds[0]),
        "scenarios": {},
    }
    for j, scenario in enumerate(scenarios):
        runs_j = [r["scenarios"][j] for r in runs]
        base = [r["baseline"][place_key(scenario)] for r in runs]
        residents = runs_j[0].residents
        represented = residents / scenario.place.sample
        diff = np.stack([s.values - b.values for s, b in zip(runs_j, base, strict=True)])
        wellbys = diff[:, 1:, 0, ls].sum(axis=1) * represented / 52
        cost = float(np.mean([s.spent_gbp for s in runs_j]))
        wellby = interval(wellbys)
        moved = interval(-diff[:, -1, 0, inactive] / 100 * represented)
        entry = {
            "description": scenario.description,
            "place": scenario.place.model_dump(exclude_defaults=True),
            "residents_simulated": residents,
            "people_represented": round(represented),
            "cost_gbp": round(cost, 2),
            "wellbys": _triple(wellby),
            "cost_per_wellby": finite(cost / wellby["mean"]) if wellby["mean"] > 0 else None,
            "bcr": {
                k: finite(wellby["mean"] * v / cost) if cost > 0 else None
                for k, v in WELLBY_VALUES.items()
            },
            "moved_out_of_inactivity": _triple(moved),
            "delta": {},
            "delta_sii": {},
            "delta_gap": {},
            "provenance": provenance(scenario, seeds[0]),
        }
        final = interval(diff[:, -1])
        for name in SUMMARY_METRICS:
            k = m.METRIC_NAMES.index(name)
            entry["delta"][name] = {g: _triple(final, (i, k)) for i, g in enumerate(GROUPS)}
        sii = interval(np.stack([s.sii[-1] - b.sii[-1] for s, b in zip(runs_j, base, strict=True)]))
        gap = interval(np.stack([s.gap[-1] - b.gap[-1] for s, b in zip(runs_j, base, strict=True)]))
        for k, name in enumerate(m.SII_METRICS):
            entry["delta_sii"][name] = _triple(sii, k)
            entry["delta_gap"][name] = _triple(gap, k)
        entry["warnings"] = gap_warnings(scenario.name, entry["delta_gap"])
        entry["series"] = series_bands(diff)
        out["scenarios"][scenario.name] = entry
    simulated = {e["residents_simulated"] for e in out["scenarios"].values()}
    out["residents"] = simulated.pop() if len(simulated) == 1 else None
    return out


def series_bands(diff: np.ndarray) -> dict:
    """Per-step paired differences for the plotted metrics (all and quintiles 1 and 5)."""
    bands = interval(diff)
    out = {}
    for name in ("life_satisfaction_mean", "inactive_pct", "attendance_pct"):
        k = m.METRIC_NAMES.index(name)
        out[name] = {
            g: {key: [finite(v) for v in bands[key][:, GROUPS.index(g), k]] for key in bands}
            for g in ("all", "1", "5")
        }
    return out


def gap_warnings(name: str, delta_gap: dict) -> list[str]:
    """Plain-language warnings wherever the scenario widens the gap between quintiles 1 and 5."""
    labels = {
        "inactive_pct": ("inactivity", "percentage points", 2),
        "active_pct": ("being active", "percentage points", 2),
        "lonely_pct": ("loneliness", "percentage points", 2),
        "life_satisfaction_mean": ("life satisfaction", "points on the 0-10 scale", 3),
    }
    warnings = []
    for metric, change in delta_gap.items():
        mean = change["mean"]
        if mean is None or mean * m.GAP_WIDENS_WHEN[metric] <= 0:
            continue
        label, unit, digits = labels[metric]
        size = f"{abs(mean):.{digits}f} {unit}"
        if change["low"] is not None and change["low"] * change["high"] > 0:
            warnings.append(
                f"{name} widens the gap in {label} between the most and least "
                f"deprived fifth of neighbourhoods, by {size} (the 95% interval "
                "excludes no change)."
            )
        else:
            warnings.append(
                f"{name} may widen the gap in {label} between the most and least "
                f"deprived fifth of neighbourhoods, by {size}, though the 95% "
                "interval includes no change."
            )
    return warnings


def write_comparison(result: dict, out_dir: Path) -> None:
    """comparison.json and CSV tables (deltas, economics)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "comparison.json").write_text(json.dumps(result, indent=2))
    rows, econ = [], []
    for name, entry in result["scenarios"].items():
        for metric, by_group in entry["delta"].items():
            for group, value in by_group.items():
                rows.append({"scenario": name, "metric": metric, "quintile": group, **value})
        for kind in ("delta_sii", "delta_gap"):
            for metric, value in entry[kind].items():
                rows.append(
                    {"scenario": name, "metric": f"{kind[6:]}_{metric}", "quintile": "all", **value}
                )
        econ.append(
            {
                "scenario": name,
                "cost_gbp": entry["cost_gbp"],
                "wellbys_mean": entry["wellbys"]["mean"],
                "wellbys_low": entry["wellbys"]["low"],
                "wellbys_high": entry["wellbys"]["high"],
                "cost_per_wellby": entry["cost_per_wellby"],
                **{f"bcr_{k}": v for k, v in entry["bcr"].items()},
                "moved_out_of_inactivity": entry["moved_out_of_inactivity"]["mean"],
            }
        )
    pd.DataFrame(rows).to_csv(out_dir / "deltas.csv", index=False)
    pd.DataFrame(econ).to_csv(out_dir / "economics.csv", index=False)
