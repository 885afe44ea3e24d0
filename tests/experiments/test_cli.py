"""The `healthgap` command as a user meets it: outputs, reproducibility, and clear errors."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

HEALTHGAP = [sys.executable, "-m", "healthgap"]
SMALL = """
name = "small"
description = "A small town for fast tests"
years = 0.5
seed = 4
[place]
residents = 3000
neighbourhoods = 10
[parameters]
burn_in_weeks = 26
"""


def healthgap(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([*HEALTHGAP, *args], cwd=cwd, capture_output=True, text=True, timeout=300)


@pytest.fixture
def small(tmp_path: Path) -> Path:
    path = tmp_path / "small.toml"
    path.write_text(SMALL)
    return path


def test_run_writes_tidy_timeseries_and_summary(small, tmp_path):
    result = healthgap("run", str(small), "--out", "out", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "by IMD quintile" in result.stdout
    table = pd.read_parquet(tmp_path / "out" / "timeseries.parquet")
    assert list(table.columns) == ["step", "quintile", "metric", "value"]
    assert set(table.quintile) == {"all", "1", "2", "3", "4", "5"}
    assert table.step.max() == 26
    summary = json.loads((tmp_path / "out" / "summary.json").read_text())
    for key in (
        "inactive_pct",
        "fairly_active_pct",
        "active_pct",
        "life_satisfaction_mean",
        "low_life_satisfaction_pct",
        "lonely_pct",
        "reach_kinds_pct",
        "groups_reachable_mean",
    ):
        assert set(summary[key]) == {"all", "1", "2", "3", "4", "5"}
    for key in ("sii", "rii", "gap"):
        assert {"life_satisfaction_mean", "inactive_pct", "reach_kinds_pct"} <= set(summary[key])
    # Access to groups without a car: a row of the table, a metric of the time series.
    assert "Access to kinds of group without a car (%)" in result.stdout
    assert "Groups reachable without a car" in result.stdout
    assert {"reach_kinds_pct", "groups_reachable_mean", "gap_reach_kinds_pct"} <= set(table.metric)
    provenance = summary["provenance"]
    assert provenance["seed"] == 4 and len(provenance["scenario_hash"]) == 16
    assert provenance["parameters"]["burn_in_weeks"] == 26
    # The summary's final values are the time series' last step.
    last = table[(table.step == 26) & (table.quintile == "1") & (table.metric == "inactive_pct")]
    assert last.value.iloc[0] == pytest.approx(summary["inactive_pct"]["1"], abs=1e-5)


def test_same_seed_same_summary_different_seed_differs(small, tmp_path):
    for out, seed in (("a", "7"), ("b", "7"), ("c", "8")):
        result = healthgap(
            "run", str(small), "--seed", seed, "--years", "0.2", "--out", out, cwd=tmp_path
        )
        assert result.returncode == 0, result.stderr
    a, b, c = ((tmp_path / x / "summary.json").read_text() for x in "abc")
    assert a == b
    assert json.loads(a)["inactive_pct"] != json.loads(c)["inactive_pct"]


BAD_FILES = {
    "empty": "",
    "binary": b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\xff\xfe",
    "not toml": "years = = 3",
    "misspelt key": 'name = "x"\nyeras = 3\n',
    "wrong type": 'years = "ten"\n',
    "negative years": "years = -1\n",
    "unknown parameter": '[parameters]\n"behaviour.travle_weight" = 0.3\n',
    "parameter not a number": '[parameters]\n"behaviour.travel_weight" = "far"\n',
    "negative budget": '[[interventions]]\ntype = "seed_funding"\nbudget_gbp = -5000\n',
    "end before start": '[[interventions]]\ntype = "outreach"\nstart_year = 2\nend_year = 1\n',
    "unknown intervention": '[[interventions]]\ntype = "teleporter"\n',
    "unknown intervention key": '[[interventions]]\ntype = "outreach"\nworkerz = 3\n',
    "unknown neighbourhood": '[[interventions]]\ntype = "transport"\nmode = "bus_route"\n'
    'neighbourhoods = ["T001", "Z999"]\n',
    "unknown group type": '[[interventions]]\ntype = "seed_funding"\nbudget_gbp = 1\n'
    'chooser = "commissioner"\ngroup_types = ["quidditch"]\n',
    "commissioner without types": '[[interventions]]\ntype = "seed_funding"\n'
    'budget_gbp = 1\nchooser = "commissioner"\n',
    "deciles not matching": "[place]\nneighbourhoods = 10\ndeciles = [1, 2]\n",
    "a chance above 1": '[parameters]\n"groups.successor_chance" = 1.5\n',
    "a negative weight": '[parameters]\n"behaviour.travel_weight" = -3\n',
    "a fraction for a count": '[parameters]\n"behaviour.lapse_weeks" = 2.5\n',
}


def test_an_error_keeps_a_long_file_path_whole(tmp_path):
    """Rich wrapped errors at 80 columns when not on a terminal, breaking a path mid-name."""
    folder = tmp_path / "a-folder-with-a-long-name-as-shared-drives-have" / "workshop-scenarios"
    folder.mkdir(parents=True)
    path = folder / "bad.toml"
    path.write_text(BAD_FILES["unknown intervention"])
    result = healthgap("run", str(path), cwd=tmp_path)
    assert result.returncode == 2 and str(path) in result.stderr, result.stderr


@pytest.mark.parametrize("case", BAD_FILES, ids=list(BAD_FILES))
def test_bad_scenario_file_gives_a_clear_error(case, tmp_path):
    path = tmp_path / "bad.toml"
    content = BAD_FILES[case]
    path.write_bytes(content if isinstance(content, bytes) else content.encode())
    result = healthgap("run", str(path), "--out", "out", cwd=tmp_path)
    assert result.returncode == 2, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    assert "bad.toml" in result.stderr
    assert not (tmp_path / "out" / "summary.json").exists()


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["run", "no-such-scenario"], "no scenario called"),
        (["run", "--years", "0"], "--years"),
        (["run", "--years", "-2"], "--years"),
        (["run", "--seed", "-1"], "--seed"),
        (["run", "--years", "ten"], "--years"),
        (["run", "--out", "/proc/healthgap-cannot-write-here"], "Cannot write results"),
        (["frobnicate"], "No such command"),
    ],
)
def test_bad_arguments_give_a_clear_error(args, expected, tmp_path):
    result = healthgap(*args, cwd=tmp_path)
    assert result.returncode == 2, result.stdout + result.stderr
    assert expected in result.stderr
    assert "Traceback" not in result.stderr


def test_a_value_beyond_its_plausible_range_runs_with_one_warning_line(tmp_path):
    path = tmp_path / "bold.toml"
    path.write_text(SMALL.replace("burn_in_weeks = 26", '"groups.successor_chance" = 0.95'))
    result = healthgap("run", str(path), "--years", "0.05", "--out", "out", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    warning = " ".join(result.stderr.split())
    assert warning.count("Warning:") == 1
    assert "'parameters.groups.successor_chance' = 0.95 is outside its plausible range" in warning


def test_output_folder_that_is_a_file(small, tmp_path):
    (tmp_path / "taken").write_text("a file, not a folder")
    result = healthgap("run", str(small), "--out", "taken", cwd=tmp_path)
    assert result.returncode == 2
    assert "Cannot write results" in result.stderr and "Traceback" not in result.stderr


def test_scenarios_lists_the_library(tmp_path):
    result = healthgap("scenarios", cwd=tmp_path)
    assert result.returncode == 0
    assert "baseline" in result.stdout


def test_console_script_is_installed():
    assert shutil.which("healthgap", path=str(Path(sys.executable).parent))
