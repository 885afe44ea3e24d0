"""Run one scenario: build the model, step it, and turn its history into tidy results."""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

import healthgap
from healthgap.model import HealthgapModel
from healthgap.model import metrics as m
from healthgap.scenarios import Scenario, build_place

GROUPS = ("all", "1", "2", "3", "4", "5")
SUMMARY_METRICS = (
    "inactive_pct",
    "fairly_active_pct",
    "active_pct",
    "life_satisfaction_mean",
    "low_life_satisfaction_pct",
    "lonely_pct",
    "ties_mean",
    "attendance_pct",
)


@dataclass
class RunResult:
    """One run's tidy time series (step, quintile, metric, value) and its summary."""

    timeseries: pd.DataFrame
    summary: dict


def build_model(scenario: Scenario, seed: int, *, mesa_agents: bool = True) -> HealthgapModel:
    """The model a scenario describes, for one seed."""
    return HealthgapModel(
        build_place(scenario),
        scenario.model_parameters(),
        seed,
        interventions=scenario.interventions,
        mesa_agents=mesa_agents,
    )


def run_scenario(
    scenario: Scenario, seed: int | None = None, on_week: Callable[[int], None] | None = None
) -> RunResult:
    """Run a scenario for its horizon; `on_week(week)` is called after every week."""
    seed = scenario.seed if seed is None else seed
    model = build_model(scenario, seed)
    for _ in range(scenario.weeks):
        model.step()
        if on_week:
            on_week(model.week)
    timeseries = tidy_timeseries(model)
    return RunResult(timeseries, summarise(timeseries, scenario, seed))


def tidy_timeseries(model: HealthgapModel) -> pd.DataFrame:
    """Every metric every step, overall ('all') and by quintile, plus SII, RII and the gap."""
    sums, counts, open_groups = m.history_arrays(model)
    steps = np.arange(len(sums))
    quintiles = m.by_quintile(sums, counts)  # group -> (steps, metrics)
    inequality = m.inequality(sums, counts)  # kind -> metric -> (steps,)
    blocks = [
        pd.DataFrame(
            {
                "step": np.repeat(steps, len(m.METRIC_NAMES)),
                "quintile": group,
                "metric": np.tile(m.METRIC_NAMES, len(steps)),
                "value": quintiles[group].ravel(),
            }
        )
        for group in GROUPS
    ]
    extra = {
        f"{kind}_{name}": inequality[kind][name]
        for kind in ("sii", "rii", "gap")
        for name in m.SII_METRICS
    }
    extra["open_groups"] = open_groups.astype(float)
    blocks += [
        pd.DataFrame({"step": steps, "quintile": "all", "metric": name, "value": values})
        for name, values in extra.items()
    ]
    return pd.concat(blocks, ignore_index=True).sort_values(
        ["step"], kind="stable", ignore_index=True
    )


def summarise(timeseries: pd.DataFrame, scenario: Scenario, seed: int) -> dict:
    """Final-step metrics by quintile, SII/RII/gap, and provenance."""
    final = timeseries[timeseries.step == timeseries.step.max()]
    value = {(q, k): v for q, k, v in zip(final.quintile, final.metric, final.value, strict=True)}
    summary: dict = {
        name: {g: finite(value[(g, name)]) for g in GROUPS} for name in SUMMARY_METRICS
    }
    for kind in ("sii", "rii", "gap"):
        summary[kind] = {name: finite(value[("all", f"{kind}_{name}")]) for name in m.SII_METRICS}
    summary["sii_direction"] = m.SII_DIRECTION
    summary["quintiles"] = "1 is the most deprived fifth of neighbourhoods (IMD), 5 the least"
    summary["weeks"] = int(timeseries.step.max())
    summary["provenance"] = provenance(scenario, seed)
    return summary


def finite(x: float) -> float | None:
    """A number for JSON: rounded, or None where there is none (a quintile with nobody in it)."""
    x = float(x)
    return round(x, 6) if np.isfinite(x) else None


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


def write_outputs(result: RunResult, out_dir: Path) -> None:
    """Write timeseries.parquet and summary.json (each written whole, then renamed into place)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    _atomic(out_dir / "timeseries.parquet", lambda p: result.timeseries.to_parquet(p, index=False))
    _atomic(
        out_dir / "summary.json",
        lambda p: p.write_text(json.dumps(result.summary, indent=2, sort_keys=True)),
    )


def _atomic(path: Path, write: Callable[[Path], None]) -> None:
    partial = path.with_name(path.name + ".partial")
    write(partial)
    os.replace(partial, path)
