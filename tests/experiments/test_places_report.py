"""Where a places sweep narrows the gap: ranking, t intervals, the map and clear errors."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from healthgap.experiments.places_report import where_it_narrows, write_places_report
from healthgap.model.errors import InputError
from tests.conftest import healthgap

SAMPLES = Path(__file__).resolve().parents[2] / "scenarios" / "samples"
PLACES = ["Ashbrook", "Kelby and Marne"]
OUTPUTS = ["delta_gap_inactive_pct", "wellbys"]
# Each place's change in the inactivity gap in each of three runs: Kelby and Marne narrows it.
GAP_CHANGES = {0: [0.5, -0.1, 0.2], 1: [-1.0, -1.4, -0.9]}


def places_sweep(folder: Path, design: str = "places", replicates: int = 3) -> Path:
    """A places sweep folder as `healthgap sweep` writes it, over the sample IoD tables."""
    (folder / "runs").mkdir(parents=True)
    manifest = {
        "design": design,
        "replicates": replicates,
        "outputs": OUTPUTS,
        "points": [[0.0], [1.0]],
        "places": PLACES,
        "place_files": {
            "imd_file": str(SAMPLES / "File_1_sample_IMD.csv"),
            "population_file": str(SAMPLES / "File_6_sample_population.csv"),
            "centroids_file": str(SAMPLES / "sample_centroids.csv"),
        },
    }
    (folder / "manifest.json").write_text(json.dumps(manifest))
    for point, changes in GAP_CHANGES.items():
        for replicate, change in enumerate(changes[:replicates]):
            run = {"point": point, "replicate": replicate, "local_authority": PLACES[point]}
            run |= {"delta_gap_inactive_pct": change, "wellbys": 10.0 * (point + 1)}
            name = f"point-{point:06d}-rep-{replicate:04d}.parquet"
            pd.DataFrame([run]).to_parquet(folder / "runs" / name)
    return folder


def test_places_are_ranked_with_t_intervals_and_deprivation(tmp_path):
    report = where_it_narrows(places_sweep(tmp_path / "sweep"))
    table = report.table.set_index("local_authority")
    assert report.table.local_authority.tolist() == ["Kelby and Marne", "Ashbrook"]
    assert report.narrowing == -1 and report.replicates == 3
    runs = np.array(GAP_CHANGES[1])
    half = stats.t.ppf(0.975, 2) * runs.std(ddof=1) / np.sqrt(3)
    kelby = table.loc["Kelby and Marne"]
    assert kelby.delta_gap_inactive_pct == pytest.approx(runs.mean())
    assert kelby.delta_gap_inactive_pct_low == pytest.approx(runs.mean() - half)
    assert kelby.delta_gap_inactive_pct_high == pytest.approx(runs.mean() + half)
    assert kelby.wellbys_low == kelby.wellbys_high == 20.0  # no spread, no width
    imd = pd.read_csv(SAMPLES / "File_1_sample_IMD.csv", encoding="utf-8-sig")
    ashbrook = imd[imd.iloc[:, 3] == "Ashbrook"]
    assert table.loc["Ashbrook", "share_decile_1"] == pytest.approx(
        (ashbrook.iloc[:, 5] == 1).mean()
    )
    assert table.loc["Ashbrook", "lsoas"] == len(ashbrook) == 16
    assert report.mapped and table.x_km.abs().max() > 0


def test_the_command_writes_the_table_and_map_and_says_when_no_interval(tmp_path):
    folder = places_sweep(tmp_path / "sweep", replicates=1)
    result = healthgap("where", str(folder))
    assert result.returncode == 0, result.stderr
    assert "no interval is possible" in " ".join(result.stdout.split())
    assert "Kelby and Marne" in result.stdout
    table = pd.read_csv(folder / "places.csv")
    assert table.local_authority.tolist() == ["Kelby and Marne", "Ashbrook"]
    assert table.delta_gap_inactive_pct_low.isna().all()
    assert (folder / "places.png").stat().st_size > 10_000


def test_the_map_is_left_out_without_centroids(tmp_path):
    folder = places_sweep(tmp_path / "sweep")
    manifest = json.loads((folder / "manifest.json").read_text())
    manifest["place_files"]["centroids_file"] = None
    (folder / "manifest.json").write_text(json.dumps(manifest))
    report = where_it_narrows(folder)
    assert not report.mapped
    assert [p.name for p in write_places_report(report, tmp_path / "places")] == ["places.csv"]


@pytest.mark.parametrize(
    ("make", "args", "says"),
    [
        (Path.mkdir, [], "no manifest.json"),
        (lambda d: places_sweep(d, design="latin"), [], "varies assumptions, not places"),
        (places_sweep, ["--by", "wellbys"], "delta_gap_inactive_pct"),
        (lambda d: places_sweep(d, replicates=5), [], "4 of the sweep's 10 runs are missing"),
    ],
)
def test_errors_exit_2_and_write_nothing(tmp_path, make, args, says):
    folder = tmp_path / "sweep"
    make(folder)
    result = healthgap("where", str(folder), *args)
    assert result.returncode == 2
    assert says in " ".join(result.stderr.split())
    assert "Traceback" not in result.stderr
    assert not (folder / "places.csv").exists()


def test_an_unknown_output_to_rank_by_names_the_choices(tmp_path):
    with pytest.raises(InputError, match="delta_gap_inactive_pct"):
        where_it_narrows(places_sweep(tmp_path / "sweep"), by="delta_gap_lonely_pct")


@pytest.fixture(scope="module")
def tiny_england(tmp_path_factory) -> Path:
    """A real places sweep of the two sample local authorities, 2 seeds, as runs/england."""
    from healthgap.experiments.sweep import run_sweep
    from healthgap.experiments.sweep_spec import load_sweep

    folder = tmp_path_factory.mktemp("england")
    (folder / "base.toml").write_text(
        'years = 0.5\n[parameters]\nburn_in_weeks = 13\n[[interventions]]\ntype = "outreach"\n'
        'channel = "link_worker"\nworkers = 2\ntarget = "most_deprived"\n'
    )
    (folder / "sweep.toml").write_text(
        f'base = "base.toml"\ndesign = "places"\nreplicates = 2\npaired = true\n[places]\n'
        f'imd_file = "{SAMPLES / "File_1_sample_IMD.csv"}"\n'
        f'population_file = "{SAMPLES / "File_6_sample_population.csv"}"\n'
        f'centroids_file = "{SAMPLES / "sample_centroids.csv"}"\nsample = 0.1\n'
    )
    run_sweep(load_sweep(folder / "sweep.toml"), folder / "runs" / "england", workers=1)
    return folder


def test_readme_loads_the_runs_with_pandas_polars_and_duckdb(tiny_england, monkeypatch, capsys):
    from tests.test_readme import DOCS, python_blocks

    blocks = python_blocks("England: where would it narrow the gap?", DOCS / "sweeps.md")
    assert [b.split()[1] for b in blocks] == ["pandas", "polars", "duckdb"]
    monkeypatch.chdir(tiny_england)
    for block in blocks:
        exec(compile(block, "docs/sweeps.md", "exec"), {})
        assert "Kelby and Marne" in capsys.readouterr().out


def test_a_real_places_sweep_gets_its_map(tiny_england):
    folder = tiny_england / "runs" / "england"
    report = where_it_narrows(folder)
    assert report.table.local_authority.tolist() == PLACES and report.mapped
    assert report.without_gap == ["Kelby and Marne"]  # no LSOA in IMD deciles 1 and 2
    result = healthgap("where", str(folder))
    assert result.returncode == 0, result.stderr
    assert "No gap to narrow in 1 of the places" in " ".join(result.stdout.split())
    assert (folder / "places.png").exists()
