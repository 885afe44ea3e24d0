"""Real places: the LSOAs of an English local authority from the IoD tables as published."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from healthgap import cli
from healthgap.model import HealthgapModel, Parameters, metrics
from healthgap.model.errors import InputError
from healthgap.scenarios import Scenario, build_place, parse_scenario
from healthgap.scenarios import places as p
from healthgap.scenarios.schema import Place

SAMPLES = p.SAMPLES
SAMPLE_FILES = {
    "imd_file": str(SAMPLES / "File_1_sample_IMD.csv"),
    "population_file": str(SAMPLES / "File_6_sample_population.csv"),
    "centroids_file": str(SAMPLES / "sample_centroids.csv"),
}
REAL = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "england"
REAL_FILES = {
    "imd_file": str(REAL / "File_1_-_IMD2019_Index_of_Multiple_Deprivation.csv.gz"),
    "population_file": str(REAL / "File_6_-_IoD2019_Population_Denominators.csv.gz"),
    "centroids_file": str(REAL / "lsoa2011_centroids.csv.gz"),
}
needs_real = pytest.mark.skipif(
    not REAL.is_dir(), reason=f"the real IoD 2019 tables are not at {REAL} (a user's clone)"
)
HEALTHGAP = [sys.executable, "-m", "healthgap"]


def town(local_authority: str, files: dict = SAMPLE_FILES, sample: float = 1.0):
    return build_place(
        Scenario(place={"local_authority": local_authority, "sample": sample, **files})
    )


def neighbourhoods(local_authority: str, files: dict = SAMPLE_FILES) -> pd.DataFrame:
    return p.place_neighbourhoods(Place(local_authority=local_authority, **files))


def published(files: dict) -> pd.DataFrame:
    """The IMD and population tables read plainly, for expected values."""
    imd = pd.read_csv(files["imd_file"], encoding="utf-8-sig", thousands=",")
    population = pd.read_csv(files["population_file"], encoding="utf-8-sig", thousands=",")
    return imd.merge(population.iloc[:, [0, 4, 5]], on=imd.columns[0])


def healthgap(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([*HEALTHGAP, *args], cwd=cwd, capture_output=True, text=True, timeout=300)


def test_a_scenario_without_a_local_authority_is_the_preset_town():
    assert build_place(Scenario()).n == 30


@pytest.mark.parametrize(
    ("wanted", "code", "lsoas"),
    [
        ("Ashbrook", "E06900001", 16),
        ("e06900001", "E06900001", 16),
        ("KELBY AND  MARNE", "E07900002", 12),
        ("E07900002", "E07900002", 12),
    ],
)
def test_sample_local_authority_by_name_or_code(wanted, code, lsoas):
    built = town(wanted, sample=0.1)
    rows = published(SAMPLE_FILES)
    rows = rows[rows.iloc[:, 2] == code].set_index(rows.columns[0])
    assert built.n == lsoas
    codes = list(built.node_array("code"))
    assert sorted(codes) == sorted(rows.index)
    adults = rows.iloc[:, -2] - rows.iloc[:, -1]  # total minus children aged 0-15
    assert list(built.population) == [max(1, round(adults[c] * 0.1)) for c in codes]
    assert list(built.imd_decile) == [rows.iloc[:, -3][c] for c in codes]
    minutes = built.travel_minutes()
    assert np.isfinite(minutes["walk"]).all() and np.isfinite(minutes["car"]).all()
    between = ~np.eye(built.n, dtype=bool)  # a bus serves every neighbourhood; none within one
    assert np.isfinite(minutes["bus"][between]).all() and np.isinf(minutes["bus"].diagonal()).all()


def test_description_counts_neighbourhoods_by_decile():
    summary = p.describe(neighbourhoods("Ashbrook"), 0.5)
    assert summary.neighbourhoods == 16 and summary.code == "E06900001"
    assert sum(summary.deciles.values()) == 16 and summary.deciles[1] == 3
    assert summary.adults < summary.population and summary.adults_from_age_bands
    assert summary.simulated == pytest.approx(summary.adults * 0.5, abs=16)
    assert "16 neighbourhoods" in summary.text() and "centroids" in summary.text()


def test_unknown_local_authority_suggests_close_names():
    with pytest.raises(InputError, match="Did you mean 'Ashbrook'") as error:
        town("Ashbrok")
    assert "File_1_sample_IMD.csv" in error.value.message()
    assert "healthgap place --imd" in error.value.fix
    with pytest.raises(InputError, match="Did you mean 'Kelby and Marne'"):
        town("Kelby")


def test_file_1_without_file_6_says_which_file_is_missing():
    with pytest.raises(InputError, match="population") as error:
        town("Ashbrook", {"imd_file": SAMPLE_FILES["imd_file"]})
    assert "File 6" in error.value.fix and "File 7" in error.value.fix


def file_7_2025(tmp_path: Path, children: bool = True) -> Path:
    """The sample as one 2025-style File 7: LSOA 2021 names, scores, long names, BOM, commas."""
    rows = published(SAMPLE_FILES)
    imd, worst = "Index of Multiple Deprivation (IMD)", "where 1 is most deprived"
    table = pd.DataFrame(
        {
            "LSOA code (2021)": rows.iloc[:, 0],
            "LSOA name (2021)": rows.iloc[:, 1],
            "Local Authority District code (2024)": rows.iloc[:, 2],
            "Local Authority District name (2024)": rows.iloc[:, 3],
            f"{imd} Score": 50 - 4.5 * rows.iloc[:, 5],
            f"{imd} Rank ({worst})": rows.iloc[:, 4].map("{:,}".format),
            f"{imd} Decile ({worst} 10% of LSOAs)": rows.iloc[:, 5],
            f"Income Deprivation Affecting Children Index (IDACI) Decile ({worst} 10%)": 1,
            "Total population: mid 2022": rows.iloc[:, 6].map("{:,}".format),
        }
    )
    if children:
        table["Dependent Children aged 0-15: mid 2022"] = rows.iloc[:, 7]
    path = tmp_path / "File_7_IoD2025_All_Ranks_Scores_Deciles_Population_Denominators.csv.gz"
    table.to_csv(path, index=False, encoding="utf-8-sig")
    return path


def test_file_7_of_2025_alone_gives_deciles_scores_and_adults(tmp_path):
    path = file_7_2025(tmp_path)
    lsoas = neighbourhoods("ashbrook", {"imd_file": str(path)})
    from_files_1_and_6 = neighbourhoods("ashbrook")
    assert lsoas.code.tolist() == from_files_1_and_6.code.tolist()
    assert lsoas.adults.tolist() == from_files_1_and_6.adults.tolist()
    assert lsoas.imd_decile.tolist() == from_files_1_and_6.imd_decile.tolist()
    assert "imd_score" in lsoas and lsoas.imd_rank.max() > 1000


def test_without_age_bands_adults_are_an_assumed_share(tmp_path):
    lsoas = neighbourhoods("Ashbrook", {"imd_file": str(file_7_2025(tmp_path, children=False))})
    assert np.allclose(lsoas.adults, lsoas.population * p.ADULT_SHARE)
    assert "assumed" in p.describe(lsoas).adults_basis


def test_without_centroids_the_layout_is_synthetic_and_said_to_be():
    files = {k: v for k, v in SAMPLE_FILES.items() if k != "centroids_file"}
    built = town("Ashbrook", files)
    distance = np.hypot(built.node_array("x_km"), built.node_array("y_km"))
    assert np.corrcoef(distance, built.imd_decile)[0, 1] > 0.9  # most deprived at the centre
    assert "approximate" in p.describe(neighbourhoods("Ashbrook", files)).text()


def test_centroids_become_kilometres_on_a_local_plane():
    east, north = p.local_km(np.array([-1.0, -1.0, -0.99]), np.array([53.0, 53.01, 53.0]))
    assert north[1] - north[0] == pytest.approx(1.112, abs=0.002)
    assert east[2] - east[0] == pytest.approx(1.112 * np.cos(np.radians(53.0033)), abs=0.002)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"imd_file": SAMPLE_FILES["centroids_file"]}, "Local Authority District code"),
        ({"population_file": SAMPLE_FILES["imd_file"]}, "Total population"),
        ({"centroids_file": SAMPLE_FILES["population_file"]}, "longitude"),
        ({"imd_file": "no/such/file.csv"}, "Cannot read"),
    ],
)
def test_wrong_files_name_the_missing_column(change, message):
    with pytest.raises(InputError, match=message):
        town("Ashbrook", {**SAMPLE_FILES, **change})


def test_tables_of_different_releases_are_caught(tmp_path):
    other = tmp_path / "File_6_2025.csv"
    table = pd.read_csv(SAMPLE_FILES["population_file"], encoding="utf-8-sig")
    table.iloc[:, 0] = table.iloc[:, 0].str.replace("E019", "E018")
    table.to_csv(other, index=False)
    with pytest.raises(InputError, match="16 of the 16 LSOAs of Ashbrook .* lack a population"):
        town("Ashbrook", {**SAMPLE_FILES, "population_file": str(other)})


def test_excel_workbooks_are_read_or_explained(tmp_path):
    path = tmp_path / "File_1.xlsx"
    if importlib.util.find_spec("openpyxl") is None:
        path.write_bytes(b"PK\x03\x04 not really a workbook")
        with pytest.raises(InputError, match="CSV UTF-8"):
            town("Ashbrook", {**SAMPLE_FILES, "imd_file": str(path)})
    else:
        with pd.ExcelWriter(path) as book:
            pd.DataFrame({"Notes": ["invented"]}).to_excel(book, sheet_name="Notes")
            pd.read_csv(SAMPLE_FILES["imd_file"], encoding="utf-8-sig", thousands=",").to_excel(
                book, sheet_name="IMD", index=False
            )
        assert town("Ashbrook", {**SAMPLE_FILES, "imd_file": str(path)}).n == 16


def test_tables_are_read_once_per_file_version(tmp_path):
    path = tmp_path / "File_1.csv"
    path.write_bytes(Path(SAMPLE_FILES["imd_file"]).read_bytes())
    files = {**SAMPLE_FILES, "imd_file": path}
    first = p.read_neighbourhoods(**files)
    assert p.read_neighbourhoods(**files) is first
    os.utime(path, ns=(0, 0))
    assert p.read_neighbourhoods(**files) is not first


def test_relative_paths_start_at_the_scenario_folder(tmp_path, monkeypatch):
    folder = tmp_path / "scenarios"
    folder.mkdir()
    relative = {k: os.path.relpath(v, folder) for k, v in SAMPLE_FILES.items()}
    lines = "\n".join(f'{k} = "{Path(v).as_posix()}"' for k, v in relative.items())
    (folder / "kelby.toml").write_text(f'[place]\nlocal_authority = "Kelby and Marne"\n{lines}\n')
    monkeypatch.chdir(tmp_path)
    assert build_place(parse_scenario(Path("scenarios/kelby.toml"))).n == 12


@pytest.fixture
def command(monkeypatch, capsys):
    """The command run by its entry point in this process (no start-up cost): status, out, err."""

    def run(*args: str) -> tuple[int, str, str]:
        monkeypatch.setattr(sys, "argv", ["healthgap", *args])
        with pytest.raises(SystemExit) as exit_:
            cli.main()
        captured = capsys.readouterr()
        return exit_.value.code, captured.out, " ".join(captured.err.split())

    return run


def test_place_command_writes_a_scenario_that_runs(tmp_path, monkeypatch, command):
    monkeypatch.chdir(tmp_path)
    files = [SAMPLE_FILES[k] for k in ("imd_file", "population_file", "centroids_file")]
    code, out, err = command(
        "place",
        "ashbrook",
        "--imd",
        files[0],
        "--population",
        files[1],
        "--centroids",
        files[2],
        "--sample",
        "0.2",
        "--out",
        "ashbrook.toml",
    )
    assert code == 0, err
    assert "Ashbrook (E06900001)" in out and "22,942" in out
    scenario = parse_scenario(tmp_path / "ashbrook.toml")
    assert scenario.place.local_authority == "E06900001" and scenario.place.sample == 0.2
    assert scenario.years == 10 and scenario.seed == 1
    assert "16 neighbourhoods" in scenario.description
    with (tmp_path / "ashbrook.toml").open("a") as file:
        file.write("\n[parameters]\nburn_in_weeks = 26\n")
    code, out, err = command("run", "ashbrook.toml", "--years", "0.1", "--out", "out")
    assert code == 0, err
    assert (tmp_path / "out" / "summary.json").exists()


def test_a_place_without_the_most_deprived_quintile_runs(tmp_path, monkeypatch, command):
    monkeypatch.chdir(tmp_path)
    scenario = p.scenario_toml(
        Place(local_authority="Kelby and Marne", **SAMPLE_FILES, sample=0.2),
        p.describe(neighbourhoods("Kelby and Marne"), 0.2),
    )
    (tmp_path / "kelby.toml").write_text(scenario + "[parameters]\nburn_in_weeks = 26\n")
    code, _, err = command("run", "kelby.toml", "--years", "0.1", "--out", "out")
    assert code == 0, err
    assert (tmp_path / "out" / "summary.json").exists()


def test_place_command_lists_local_authorities(command):
    code, out, _ = command("place", "--imd", SAMPLE_FILES["imd_file"])
    assert code == 0 and "Ashbrook" in out and "E07900002" in out


@pytest.mark.parametrize(
    ("name", "file_name", "content", "message"),
    [
        ("Ashbrok", None, None, "Did you mean 'Ashbrook'"),
        ("Ashbrook", "File_1.csv", b"just some notes\nnot a table\n", "no column for"),
        ("Ashbrook", "File_1.csv", b"", "not a readable CSV"),
        ("Ashbrook", "File_1.csv.gz", b"\x1f\x8b\x08 truncated", "not a readable CSV"),
        ("Ashbrook", "missing.csv", None, "Cannot read the file"),
    ],
)
def test_place_command_bad_input_exits_2(tmp_path, command, name, file_name, content, message):
    imd = SAMPLE_FILES["imd_file"] if file_name is None else tmp_path / file_name
    if content is not None:
        imd.write_bytes(content)
    population = SAMPLE_FILES["population_file"]
    code, _, err = command("place", name, "--imd", str(imd), "--population", population)
    assert code == 2 and message in err


def test_place_command_binary_file_exits_2_without_traceback(tmp_path):
    binary = tmp_path / "File_1.csv"
    binary.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\xff\xfe")
    result = healthgap("place", "Luton", "--imd", str(binary), cwd=tmp_path)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "not a readable CSV" in " ".join(result.stderr.split())


@needs_real
@pytest.mark.parametrize("name", ["Luton", "Oadby and Wigston"])
def test_real_local_authority_builds_and_runs(name):
    file_1 = pd.read_csv(REAL_FILES["imd_file"], encoding="utf-8-sig")
    expected = (file_1["Local Authority District name (2019)"] == name).sum()
    built = town(name, REAL_FILES, sample=0.05)
    assert built.n == expected > 0
    rows = published(REAL_FILES).set_index("LSOA code (2011)")
    adults = rows.iloc[:, -2] - rows.iloc[:, -1]
    codes = built.node_array("code")
    assert built.population.tolist() == [max(1, round(adults[c] * 0.05)) for c in codes]
    extent = np.ptp(built.node_array("x_km")), np.ptp(built.node_array("y_km"))
    assert 2 < max(extent) < 30  # a town's size in km, not degrees or metres
    params = Parameters().with_overrides({"burn_in_weeks": 8})
    model = HealthgapModel(built, params, seed=1, mesa_agents=False)
    for _ in range(4):
        model.step()
    assert model.people.n == built.population.sum()
    inactive = model.latest()["all"][metrics.METRIC_NAMES.index("inactive_pct")]
    assert 10 < inactive < 50


@needs_real
def test_real_place_command_writes_a_scenario_that_runs(tmp_path):
    result = healthgap(
        "place",
        "oadby and wigston",
        "--imd",
        REAL_FILES["imd_file"],
        "--population",
        REAL_FILES["population_file"],
        "--centroids",
        REAL_FILES["centroids_file"],
        "--sample",
        "0.05",
        "--out",
        "oadby.toml",
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    with (tmp_path / "oadby.toml").open("a") as file:
        file.write("\n[parameters]\nburn_in_weeks = 26\n")
    result = healthgap("run", "oadby.toml", "--years", "0.1", "--out", "out", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "out" / "timeseries.parquet").exists()


def test_a_place_s_own_bus_minutes_replace_the_network_and_routes_still_save(tmp_path):
    """A table of bus minutes (from, to, minutes) stands where given, both ways; a new route
    takes off what it saves on the model's network; bad tables name the file and the fix."""
    from healthgap.model.interventions import Transport

    plain = town("Kelby and Marne")
    codes = list(plain.node_array("code"))
    table = tmp_path / "bus.csv"
    table.write_text(f"from,to,minutes\n{codes[0]},{codes[5]},77\n{codes[1]},{codes[2]},3\n")
    place = Place(local_authority="Kelby and Marne", bus_minutes_file=str(table), **SAMPLE_FILES)
    given = build_place(Scenario(place=place))
    own, network = given.travel_minutes()["bus"], plain.travel_minutes()["bus"]
    assert own[0, 5] == own[5, 0] == 77 and own[1, 2] == 3
    untouched = np.ones_like(own, bool)
    untouched[[0, 5, 1, 2], [5, 0, 2, 1]] = False
    assert np.array_equal(own[untouched], network[untouched])

    model = HealthgapModel(given, Parameters(), seed=1, mesa_agents=False)
    model.add_interventions([Transport(mode="bus_route", neighbourhoods=[codes[0], codes[5]])])
    model.step()
    saved = model.town.travel_minutes()["bus"][0, 5] - model.travel["bus"][0, 5]
    direct = model.town.bus_trip_minutes(model.params.travel, model.bus_routes)[0, 5]
    assert saved == pytest.approx(network[0, 5] - direct) and saved > 0

    table.write_text(f"from,to,minutes\n{codes[0]},E01999999,10\n")
    with pytest.raises(InputError, match="not neighbourhoods of this place") as error:
        build_place(Scenario(place=place))
    assert str(table) in str(error.value)
    table.write_text("origin,destination\nA,B\n")
    with pytest.raises(InputError, match="no column for 'minutes'"):
        build_place(Scenario(place=place))
