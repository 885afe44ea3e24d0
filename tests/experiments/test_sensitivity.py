"""Sensitivity analysis of a sweep folder: known answers from Sobol and Morris, clear errors."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from SALib.sample import morris as morris_sampler
from SALib.sample import sobol as sobol_sampler

from healthgap.experiments.sensitivity import PLOTTED, analyse, figure, write_sensitivity
from healthgap.experiments.sweep import design_points
from healthgap.experiments.sweep_spec import load_sweep
from healthgap.model.errors import InputError
from tests.conftest import healthgap

FACTORS = ["behaviour.travel_weight", "habit.confidence_decay", "x3"]
PROBLEM = {"num_vars": 3, "names": FACTORS, "bounds": [[0.0, 1.0]] * 3}
OUTPUTS = ["wellbys", "flat"]
REPLICATES = 2


def sweep_folder(
    folder: Path,
    design: str,
    points: np.ndarray,
    spec: dict,
    noise: float = 0.0,
    problem: dict = PROBLEM,
    slopes: tuple[float, ...] = (10, 1, 0),
) -> Path:
    """A sweep folder as `healthgap sweep` writes it, for wellbys = slopes . x (by default
    10*x1 + x2, which ignores x3) plus chance with standard deviation `noise` in each run, and
    an output that never changes."""
    folder.mkdir()
    manifest = {
        "design": design,
        "problem": problem,
        "samples": 64,
        "replicates": REPLICATES,
        "factors": problem["names"],
        "outputs": OUTPUTS,
        "points": points.tolist(),
        "spec": spec,
        "provenance": {},
    }
    (folder / "manifest.json").write_text(json.dumps(manifest))
    (folder / "runs").mkdir()
    chance = np.random.default_rng(0)
    for point, x in enumerate(points):
        for replicate in range(REPLICATES):
            run = {"point": point, "replicate": replicate, "seed": 100 + replicate}
            run |= dict(zip(problem["names"], x, strict=True))
            run |= {"wellbys": np.dot(slopes, x) + chance.normal(0, noise), "flat": 3.0}
            pd.DataFrame([run]).to_parquet(folder / "runs" / f"{point}-{replicate}.parquet")
    return folder


@pytest.fixture
def saltelli(tmp_path: Path) -> Path:
    points = sobol_sampler.sample(PROBLEM, 64, calc_second_order=False, seed=3)
    return sweep_folder(tmp_path / "saltelli", "saltelli", points, {"calc_second_order": False})


@pytest.fixture
def noisy_saltelli(tmp_path: Path) -> Path:
    points = sobol_sampler.sample(PROBLEM, 64, calc_second_order=False, seed=3)
    spec = {"calc_second_order": False}
    return sweep_folder(tmp_path / "noisy", "saltelli", points, spec, noise=0.5)


@pytest.fixture
def morris(tmp_path: Path) -> Path:
    points = morris_sampler.sample(PROBLEM, 20, num_levels=4, seed=3)
    return sweep_folder(tmp_path / "morris", "morris", points, {"levels": 4})


def indices(table: pd.DataFrame, index: str) -> pd.DataFrame:
    return table[(table.output == "wellbys") & (table["index"] == index)].set_index("factor")


def test_sobol_recovers_a_known_answer(saltelli):
    result = analyse(saltelli)
    assert result.ranked("wellbys")[0] == "behaviour.travel_weight"
    for index in ("S1", "ST"):
        x3 = indices(result.table, index).loc["x3"]
        assert x3.conf_low <= 0 <= x3.conf_high, index
    assert indices(result.table, "ST").loc["behaviour.travel_weight"].value > 0.9
    assert result.skipped == {"flat": "the same at every design point"}
    assert analyse(saltelli).table.equals(result.table)  # a seeded bootstrap


def test_sobol_reads_a_second_order_design_as_the_sweep_records_it(tmp_path):
    points = sobol_sampler.sample(PROBLEM, 32, calc_second_order=True, seed=3)
    folder = sweep_folder(tmp_path / "second", "saltelli", points, {"second_order": True})
    assert analyse(folder).ranked("wellbys")[0] == "behaviour.travel_weight"


def test_sobol_with_chance_in_the_runs(noisy_saltelli):
    """Chance left after averaging replicates adds to every factor's total order."""
    result = analyse(noisy_saltelli)
    assert result.ranked("wellbys")[0] == "behaviour.travel_weight"
    x3 = indices(result.table, "S1").loc["x3"]
    assert x3.conf_low <= 0 <= x3.conf_high
    chance_share = 0.5**2 / REPLICATES / (100 / 12 + 1 / 12 + 0.5**2 / REPLICATES)
    assert indices(result.table, "ST").loc["x3"].value == pytest.approx(chance_share, rel=0.5)


def test_morris_recovers_a_known_answer(morris):
    result = analyse(morris)
    mu_star = indices(result.table, "mu_star").value
    assert mu_star.idxmax() == "behaviour.travel_weight"
    assert mu_star["x3"] == pytest.approx(0, abs=0.05)
    assert mu_star["behaviour.travel_weight"] == pytest.approx(10, abs=0.1)
    assert set(result.table["index"]) == {"mu_star", "sigma"}


def test_morris_mu_star_of_a_whole_number_factor_is_its_effect_across_its_range(tmp_path):
    """Its Morris levels are whole numbers, so no run's value is rounded off the design's step:
    wellbys = 3 * min_volunteers + 10 * travel_weight gives mu* 3 and 10 times their ranges."""
    spec = tmp_path / "sweep.toml"
    spec.write_text(
        'base = "baseline"\ndesign = "morris"\nsamples = 20\n[[factors]]\n'
        'path = "groups.min_volunteers"\n[[factors]]\npath = "behaviour.travel_weight"\n'
    )
    sweep = load_sweep(spec)
    points = design_points(sweep)
    (low, high), (travel_low, travel_high) = sweep.bounds
    assert 1 <= low < high <= 5 and (high - low) % 3 == 0  # declared 1 to 5; 4 levels
    assert set(points[:, 0]) == set(np.linspace(low, high, 4))
    folder = sweep_folder(
        tmp_path / "whole",
        "morris",
        points,
        {"morris_levels": 4},
        problem=sweep.problem,
        slopes=(3, 10),
    )
    mu_star = indices(analyse(folder).table, "mu_star").value
    assert mu_star["groups.min_volunteers"] == pytest.approx(3 * (high - low))
    assert mu_star["behaviour.travel_weight"] == pytest.approx(10 * (travel_high - travel_low))


def test_missing_runs_name_their_count(saltelli):
    for run in sorted((saltelli / "runs").glob("*.parquet"))[:3]:
        run.unlink()
    with pytest.raises(InputError, match="3 of the sweep's 640 runs are missing") as error:
        analyse(saltelli)
    assert "healthgap sweep" in error.value.fix


def test_a_grid_design_has_no_indices(tmp_path):
    grid = sweep_folder(tmp_path / "grid", "grid", np.array([[0.0, 0.0, 0.0], [1.0, 1.0, 1.0]]), {})
    with pytest.raises(InputError, match='"grid" design.*"saltelli" gives Sobol.*"morris"'):
        analyse(grid)


def test_write_gives_a_table_and_a_plot_per_output(morris, tmp_path):
    written = write_sensitivity(analyse(morris), tmp_path / "sa")
    assert [p.name for p in written] == ["sa.csv", "sa-wellbys.png"]
    assert pd.read_csv(written[0]).columns.tolist()[:4] == ["output", "factor", "index", "value"]


def test_a_plot_shows_the_most_influential_factors_of_many(tmp_path):
    names = [f"x{i}" for i in range(PLOTTED + 5)]
    problem = {"num_vars": len(names), "names": names, "bounds": [[0.0, 1.0]] * len(names)}
    points = morris_sampler.sample(problem, 4, num_levels=4, seed=3)
    slopes = tuple(range(len(names)))  # x0 matters least
    folder = sweep_folder(tmp_path / "many", "morris", points, {}, problem=problem, slopes=slopes)
    axes = figure(analyse(folder), "wellbys").axes[0]
    shown = [tick.get_text() for tick in axes.get_yticklabels()]
    assert shown[::-1] == names[::-1][:PLOTTED]  # the top one at the top
    assert f"the top {PLOTTED} of {len(names)} factors" in axes.get_title()


def test_command_prints_the_table_and_writes_beside_the_sweep(morris):
    result = healthgap("sensitivity", str(morris), cwd=morris.parent)
    assert result.returncode == 0, result.stderr
    assert "behaviour.travel_weight" in result.stdout and "mu*" in result.stdout
    assert (morris / "sensitivity.csv").is_file()
    assert (morris / "sensitivity-wellbys.png").is_file()


def test_command_exits_2_on_a_folder_that_is_not_a_sweep(tmp_path):
    result = healthgap("sensitivity", str(tmp_path / "nowhere"), cwd=tmp_path)
    assert result.returncode == 2
    assert "no manifest.json" in result.stderr
    assert not (tmp_path / "nowhere").exists()
