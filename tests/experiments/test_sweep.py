"""Sweeps: the same rows on any executor, resuming after a SIGKILL, clear errors, pandas tables."""

from __future__ import annotations

import errno
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from healthgap.experiments.sweep import design_points, point_scenario, run_sweep
from healthgap.experiments.sweep_spec import load_sweep
from healthgap.model.errors import InputError
from tests.conftest import ctrl_c_heard, healthgap

BASE = """
name = "small"
years = 1
[place]
residents = 2000
neighbourhoods = 10
[parameters]
burn_in_weeks = 26
[[interventions]]
type = "seed_funding"
budget_gbp = 20000
grant_gbp = 4000
most_deprived = 3
"""
SWEEP = """
base = "small.toml"
design = "latin"
samples = {samples}
replicates = 2
paired = true
[[factors]]
path = "behaviour.travel_weight"
[[factors]]
path = "interventions.0.grant_gbp"
low = 2000
high = 8000
"""
ROW_KEYS = ["point", "replicate"]
ENGLAND = Path(__file__).resolve().parents[3] / "shared" / "data" / "england"


def write_sweep(folder: Path, samples: int = 3, text: str = SWEEP) -> Path:
    (folder / "small.toml").write_text(BASE)
    path = folder / "sweep.toml"
    path.write_text(text.format(samples=samples))
    return path


def rows(out: Path) -> pd.DataFrame:
    return pd.read_parquet(out / "runs").sort_values(ROW_KEYS, ignore_index=True)


@pytest.fixture(scope="module")
def serial(tmp_path_factory) -> Path:
    """A small paired Latin hypercube (3 points x 2 replicates), run in this process."""
    folder = tmp_path_factory.mktemp("serial")
    run_sweep(load_sweep(write_sweep(folder)), folder / "out", workers=1)
    return folder / "out"


def test_rows_and_manifest_load_as_the_contract_says(serial):
    table = rows(serial)
    manifest = json.loads((serial / "manifest.json").read_text())
    factors = ["behaviour.travel_weight", "interventions.0.grant_gbp"]
    assert manifest["design"] == "latin" and manifest["factors"] == factors
    assert manifest["problem"]["names"] == factors and manifest["problem"]["num_vars"] == 2
    assert manifest["problem"]["bounds"][1] == [2000, 8000]
    assert len(manifest["points"]) == manifest["samples"] == 3
    assert manifest["replicates"] == 2 and manifest["provenance"]["package_version"]
    assert list(table.columns) == ["point", "replicate", "seed", *factors, *manifest["outputs"]]
    assert {"wellbys", "cost_gbp", "delta_gap_inactive_pct"} <= set(manifest["outputs"])
    assert len(table) == 6 and (table.seed == 1 + table.replicate).all()
    assert table[factors].to_numpy().tolist() == [p for p in manifest["points"] for _ in (0, 1)]
    assert (table.cost_gbp > 0).all() and table.wellbys.notna().all()


def test_process_pool_and_dask_give_the_serial_rows(serial, tmp_path):
    from distributed import LocalCluster

    sweep = load_sweep(write_sweep(tmp_path))
    run_sweep(sweep, tmp_path / "pool", workers=2)
    pd.testing.assert_frame_equal(rows(tmp_path / "pool"), rows(serial))
    with LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    ) as cluster:
        run_sweep(sweep, tmp_path / "dask", scheduler=cluster.scheduler_address)
    pd.testing.assert_frame_equal(rows(tmp_path / "dask"), rows(serial))


def test_sigkilled_sweep_resumes_with_every_run_once(tmp_path):
    spec = write_sweep(tmp_path, samples=12)
    command = [sys.executable, "-m", "healthgap", "sweep", str(spec), "--out", "out"]
    process = subprocess.Popen(
        [*command, "--workers", "2"],
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    runs = tmp_path / "out" / "runs"
    deadline = time.monotonic() + 60
    while len(list(runs.glob("*.parquet"))) < 3 and time.monotonic() < deadline:
        time.sleep(0.02)
    os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=10)
    kept = {p.name: p.stat().st_mtime_ns for p in runs.glob("*.parquet")}
    assert 3 <= len(kept) < 24, "the sweep should be stopped part way"

    resumed = healthgap("sweep", str(spec), "--out", "out", "--workers", "2", cwd=tmp_path)
    assert resumed.returncode == 0, resumed.stderr
    ran = int(re.search(r"Ran (\d+) of the sweep's 24 runs", resumed.stdout).group(1))
    assert ran == 24 - len(kept)
    assert {p.name: p.stat().st_mtime_ns for p in runs.glob("*.parquet") if p.name in kept} == kept

    run_sweep(load_sweep(spec), tmp_path / "whole", workers=1)
    table = rows(tmp_path / "out")
    assert not table.duplicated(ROW_KEYS).any() and len(table) == 24
    pd.testing.assert_frame_equal(table, rows(tmp_path / "whole"))


def test_a_full_disk_stops_the_sweep_keeping_what_was_written(tmp_path, monkeypatch):
    import pyarrow.parquet as pq

    sweep = load_sweep(write_sweep(tmp_path, samples=2))
    write_table = pq.write_table

    def fill_up(table, path):
        if len(list(path.parent.glob("*.parquet"))) >= 2:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        write_table(table, path)

    monkeypatch.setattr(pq, "write_table", fill_up)
    with pytest.raises(InputError, match="No space left on device"):
        run_sweep(sweep, tmp_path / "out", workers=1)
    assert sorted(p.name for p in (tmp_path / "out" / "runs").iterdir()) == [
        "point-000000-rep-0000.parquet",
        "point-000000-rep-0001.parquet",
    ]
    monkeypatch.setattr(pq, "write_table", write_table)
    assert run_sweep(sweep, tmp_path / "out", workers=1) == 2
    assert len(rows(tmp_path / "out")) == 4


def test_a_folder_of_another_sweep_is_refused(serial, tmp_path):
    other = load_sweep(write_sweep(tmp_path, samples=4))
    with pytest.raises(InputError, match="different sweep .*points"):
        run_sweep(other, serial, workers=1)


TRAVEL = '[[factors]]\npath = "behaviour.travel_weight"\n'


@pytest.mark.parametrize(
    ("design", "body", "points"),
    [
        ("grid", TRAVEL + 'levels = [0.2, 0.4]\n[[factors]]\npath = "burn_in_weeks"\n', 6),
        ("latin", TRAVEL, 5),
        ("saltelli", TRAVEL, 8 * (1 + 2)),  # N (D + 2) without second-order indices
        ("morris", TRAVEL, 8 * (1 + 1)),  # N trajectories of D + 1
    ],
)
def test_designs_come_from_salib_or_every_combination(tmp_path, design, body, points):
    samples = 5 if design == "latin" else 8
    text = f'base = "small.toml"\ndesign = "{design}"\nsamples = {samples}\n{body}'
    matrix = design_points(load_sweep(write_sweep(tmp_path, text=text)))
    assert matrix.shape[0] == points
    assert ((0.1 <= matrix[:, 0]) & (matrix[:, 0] <= 0.7)).all()
    if design == "grid":  # a whole-number parameter's default range, in grid_steps values
        assert sorted(map(tuple, matrix.tolist()))[:3] == [(0.2, 52), (0.2, 156), (0.2, 260)]


@pytest.mark.parametrize(
    ("body", "says"),
    [
        (
            'desgin = "latin"\n[[factors]]\npath = "behaviour.travel_weight"\n',
            "Did you mean 'design'",
        ),
        ('[[factors]]\npath = "behaviour.travel_wieght"\n', "field 'factors.0.path'"),
        ('[[factors]]\npath = "behaviour.travel_weight"\nlow = 0.9\nhigh = 0.2\n', "factors.0"),
        (
            'design = "saltelli"\nsamples = 8\n[[factors]]\npath = "behaviour.travel_weight"\n'
            "levels = [0.2, 0.4]\n",
            "field 'factors'",
        ),
        (
            '[[factors]]\npath = "interventions.0.grant_gpb"\nlow = 1\nhigh = 2\n',
            "Did you mean 'grant_gbp'",
        ),
        ('residents = 5000\n[[factors]]\npath = "behaviour.travel_weight"\n', "at most 2,000"),
    ],
    ids=[
        "unknown-key",
        "unknown-parameter",
        "low-above-high",
        "saltelli-with-levels",
        "unknown-intervention-field",
        "residents-above-the-base-town",
    ],
)
def test_bad_sweep_files_exit_2_naming_file_and_field(tmp_path, body, says):
    spec = write_sweep(tmp_path, text='base = "small.toml"\n' + body)
    result = healthgap("sweep", str(spec), "--out", "out", cwd=tmp_path)
    assert result.returncode == 2
    message = " ".join(result.stderr.split())
    assert "sweep.toml" in message and says in message, message
    assert "Traceback" not in result.stderr and not (tmp_path / "out").exists()


def test_residents_simulates_a_sample_of_the_base_town(tmp_path):
    """A smaller town in a sweep is a sample of the base's place: its interventions shrink alike
    (and its WELLBYs and costs are counted for the whole place)."""
    text = 'base = "small.toml"\nresidents = 500\n[[factors]]\npath = "behaviour.travel_weight"\n'
    spec = write_sweep(tmp_path, text=text)
    scenario = point_scenario(load_sweep(spec))
    assert scenario.place.residents == 2000 and scenario.place.sample == 0.25


def test_an_unreachable_scheduler_exits_2_quickly(tmp_path):
    spec = write_sweep(tmp_path)
    start = time.monotonic()
    result = healthgap(
        "sweep", str(spec), "--out", "out", "--scheduler", "tcp://127.0.0.1:9", cwd=tmp_path
    )
    assert result.returncode == 2 and "Dask scheduler" in result.stderr
    # Within our 5 s timeout and the start-up of Python and Dask, well before Dask's own 30 s:
    # 8 s on a quiet machine, 16 s with the two cores loaded six times over.
    assert time.monotonic() - start < 25
    assert not (tmp_path / "out").exists()


def test_shipped_sweep_files_are_valid():
    from importlib.resources import files

    shipped = [p for p in (files("healthgap.scenarios") / "sweeps").iterdir() if p.is_file()]
    assert shipped
    for path in shipped:
        if "england" in path.name and not ENGLAND.is_dir():
            continue  # reads the real IoD tables beside the repository (absent in a user's clone)
        assert len(design_points(load_sweep(Path(str(path))))) > 0


def test_readme_sweeps_example_runs(serial, tmp_path, monkeypatch, capsys):
    from tests.test_readme import DOCS, python_block

    shutil.copytree(serial, tmp_path / "runs" / "morecambe-morris")
    monkeypatch.chdir(tmp_path)
    exec(compile(python_block("Sweeps", DOCS / "sweeps.md"), "docs/sweeps.md", "exec"), {})
    assert "interventions.0.grant_gbp" in capsys.readouterr().out


def test_a_places_design_runs_each_local_authority(tmp_path):
    samples = Path(__file__).resolve().parents[2] / "scenarios" / "samples"
    spec = write_sweep(
        tmp_path,
        text=f"""base = "small.toml"
design = "places"
paired = true
[places]
imd_file = "{samples / "File_1_sample_IMD.csv"}"
population_file = "{samples / "File_6_sample_population.csv"}"
sample = 0.2
""",
    )
    run_sweep(load_sweep(spec), tmp_path / "out", workers=1)
    table = rows(tmp_path / "out")
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text())
    assert manifest["design"] == "places" and manifest["factors"] == ["local_authority"]
    assert table.local_authority.tolist() == manifest["places"] == ["Ashbrook", "Kelby and Marne"]
    assert table.wellbys.notna().all()


def test_ctrl_c_stops_a_sweep_keeping_its_finished_runs(tmp_path):
    spec = write_sweep(tmp_path, samples=12)
    process = subprocess.Popen(
        [sys.executable, "-m", "healthgap", "sweep", str(spec), "--out", "out", "--workers", "2"],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
        preexec_fn=ctrl_c_heard,
    )
    runs = tmp_path / "out" / "runs"
    deadline = time.monotonic() + 60
    while len(list(runs.glob("*.parquet"))) < 2 and time.monotonic() < deadline:
        time.sleep(0.02)
    os.killpg(process.pid, signal.SIGINT)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 130, stderr
    assert "the finished runs are kept" in " ".join(stderr.split())
    assert "Traceback" not in stderr
    assert len(rows(tmp_path / "out")) == len(list(runs.glob("*.parquet"))) >= 2
