"""Calibration: recovers known parameters, resumes after a SIGKILL with no trial lost or
repeated, writes what a scenario can use, and refuses bad files naming the file and field."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
import tomllib
from pathlib import Path

import pandas as pd
import pytest

from healthgap.ensemble import load_ensemble
from healthgap.experiments.calibration import evaluate, loss, read_study, run_calibration
from healthgap.experiments.calibration_spec import load_calibration
from healthgap.experiments.measures import MEASURES
from healthgap.model import evidence
from healthgap.scenarios import load_scenario
from healthgap.viz.calibration_page import write_calibration_page
from tests.conftest import healthgap

BASE = """
name = "small"
years = 0.5
[place]
residents = 2000
neighbourhoods = 10
[parameters]
burn_in_weeks = 26
# Everyone alike in their taste for groups, so how readily people try one moves attendance
# within the half year (at the shipped spread, those who go are mostly those who always would).
"behaviour.taste_sd" = 0.0
"""
# How readily people try a group moves the share who go each week (until the groups are full,
# above about -7 in this town); the inactivity offset moves inactivity point for point. Each
# moves one target most, so together the two targets identify both.
CALIBRATION = """
base = "small.toml"
replicates = 1
trials = {trials}
seed = 1
[[free]]
path = "behaviour.try_intercept"
[[free]]
path = "place.inactive_offset_pct"
[[targets]]
measure = "attendance_pct"
tolerance = 0.2
value = {attendance_pct}
[[targets]]
measure = "inactive_pct"
tolerance = 0.5
value = {inactive_pct}
"""
KNOWN = {"behaviour.try_intercept": -8.0, "place.inactive_offset_pct": 4.0}
TOLERANCES = {"attendance_pct": 0.2, "inactive_pct": 0.5}  # as in CALIBRATION


def write_calibration(folder: Path, trials: int = 24, text: str = CALIBRATION, **values) -> Path:
    (folder / "small.toml").write_text(BASE)
    path = folder / "calibration.toml"
    values = {"attendance_pct": 1.3, "inactive_pct": 28.0} | values
    path.write_text(text.format(trials=trials, **values))
    return path


def test_recovers_known_parameters_from_the_models_own_outputs(tmp_path):
    """The targets are the model's outputs at known values (same seed, so the known values fit
    exactly); the study starts from the declared ranges (-9 to -5 and -10 to 10). Asserted:
    each fitted value within a tenth of its declared range of the known one (0.4 logit, 2
    points). Over ten sampler seeds 24 trials came within 0.22 and 0.67 (commit of this test)."""
    spec = write_calibration(tmp_path)
    truth = evaluate(load_calibration(spec), KNOWN)
    spec = write_calibration(tmp_path, **truth)
    calibration = load_calibration(spec)
    result = run_calibration(calibration, tmp_path / "out", workers=2)
    write_calibration_page(result)

    fitted = result.fitted
    assert abs(fitted["behaviour.try_intercept"] - KNOWN["behaviour.try_intercept"]) <= 0.4
    assert abs(fitted["place.inactive_offset_pct"] - KNOWN["place.inactive_offset_pct"]) <= 2.0
    at_defaults = evaluate(calibration, {})
    assert result.loss < loss(calibration, at_defaults) / 10
    assert result.complete == 24 and result.ran == 24

    # What it writes: fitted.toml a scenario can name, a self-contained page, a row per trial.
    out = tmp_path / "out"
    fitted_file = tomllib.loads((out / "fitted.toml").read_text())
    assert fitted_file["parameters"] == pytest.approx(fitted)
    assert "loss" in (out / "fitted.toml").read_text().split("[parameters]")[0]
    page = (out / "calibration.html").read_text()
    assert "data:image/png;base64," in page and "attendance_pct" in page
    assert "http" not in page.replace("http-equiv", "")  # nothing fetched from elsewhere
    trials = (out / "trials.csv").read_text().splitlines()
    assert len(trials) == 25 and trials[0].startswith("trial,state,loss,behaviour.try_intercept")

    # ensemble.csv, for compare --ensemble: the trials within tolerance of both targets, best
    # first; if none is (as at this test's commit), the 5 nearest, and the page says so.
    ensemble = pd.read_csv(out / "ensemble.csv")
    assert list(ensemble.columns) == ["trial", *KNOWN]
    table = pd.read_csv(out / "trials.csv").sort_values(["loss", "trial"])
    misses = [(table[m] - truth[m]).abs() / tolerance for m, tolerance in TOLERANCES.items()]
    within = table[(misses[0] <= 1) & (misses[1] <= 1)]
    if len(within):
        assert list(ensemble.trial) == list(within.trial)
        assert f"ensemble.csv holds the {len(within)} trial(s) within tolerance" in page
    else:
        assert list(ensemble.trial) == list(table.trial[:5])
        assert "No trial is within tolerance of every target" in page
    assert ensemble.iloc[0].to_dict() == pytest.approx({"trial": result.best_trial, **fitted})
    assert len(load_ensemble(out / "ensemble.csv").sets) == len(ensemble)

    # A scenario names the file; its own [parameters] win.
    scenario = tmp_path / "fitted_town.toml"
    scenario.write_text(
        'parameters_file = "out/fitted.toml"\n' + BASE + '"place.inactive_offset_pct" = 0\n'
    )
    used = load_scenario(scenario)
    assert used.parameters == pytest.approx(
        fitted | {"burn_in_weeks": 26, "behaviour.taste_sd": 0.0, "place.inactive_offset_pct": 0}
    )
    assert used.model_parameters().behaviour.try_intercept == fitted["behaviour.try_intercept"]


def test_a_sigkilled_calibration_resumes_with_no_trial_lost_or_repeated(tmp_path):
    spec = write_calibration(tmp_path, trials=14)
    process = subprocess.Popen(
        [sys.executable, "-m", "healthgap", "calibrate", str(spec), "--out", "out"]
        + ["--workers", "2"],
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    database = tmp_path / "out" / "study.db"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not mid_batch(database, complete=4):
        time.sleep(0.01)
    os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=10)
    before = {t["number"]: t for t in read_study(tmp_path / "out")["trials"]}
    running = [n for n, t in before.items() if t["state"] == "RUNNING"]
    complete = [n for n, t in before.items() if t["state"] == "COMPLETE"]
    assert running, "the calibration should be killed with trials asked and not yet told"
    assert 4 <= len(complete) < 14

    resumed = healthgap("calibrate", str(spec), "--out", "out", "--workers", "2", cwd=tmp_path)
    assert resumed.returncode == 0, resumed.stderr
    assert "Best fit" in resumed.stdout and "ensemble.csv" in resumed.stdout
    after = read_study(tmp_path / "out")["trials"]
    numbers = [t["number"] for t in after]
    assert sorted(numbers) == list(range(14)), "every trial once, none added to replace another"
    assert all(t["state"] == "COMPLETE" for t in after)
    by_number = {t["number"]: t for t in after}
    for n in running:  # the interrupted trials ran with their own parameters
        assert by_number[n]["params"] == before[n]["params"]
    for n in complete:  # the finished ones were kept as they were
        assert by_number[n]["loss"] == before[n]["loss"]

    # The same trials as a run that was never interrupted, with the same spec and batch size
    # (2), here on a Dask cluster of 2 single-threaded workers: the executor changes nothing.
    # Only when the kill left a whole batch asked: in the rare millisecond after the check in
    # which the process tells a batch and starts asking the next, a part-asked batch resumes
    # with its other trials drawn afresh (none lost or repeated, as checked above).
    if len(running) != 2:
        return
    from distributed import LocalCluster

    with LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    ) as cluster:
        whole = run_calibration(
            load_calibration(spec), tmp_path / "whole", scheduler=cluster.scheduler_address
        )
    assert whole.complete == 14
    expected = {
        t["number"]: (t["params"], t["loss"]) for t in read_study(tmp_path / "whole")["trials"]
    }
    assert {n: (t["params"], t["loss"]) for n, t in by_number.items()} == expected


@pytest.mark.parametrize(
    ("named", "content", "says"),
    [
        ("missing.toml", None, "Cannot read the file"),
        ("fitted.toml", "[other]\nx = 1\n", "has no [parameters] table"),
        ("fitted.toml", '[parameters]\n"behaviour.try_intercpt" = -7\n', "Did you mean"),
    ],
)
def test_a_scenarios_parameters_file_is_checked(tmp_path, named, content, says):
    from healthgap.model.errors import InputError

    if content is not None:
        (tmp_path / named).write_text(content)
    scenario = tmp_path / "town.toml"
    scenario.write_text(f'parameters_file = "{named}"\n' + BASE)
    with pytest.raises(InputError, match="town.toml: field 'parameters") as error:
        load_scenario(scenario)
    assert says in error.value.message()


def test_one_process_at_a_time_runs_a_study(tmp_path):
    from healthgap.experiments.calibration import study_lock
    from healthgap.model.errors import InputError

    calibration = load_calibration(write_calibration(tmp_path, trials=1))
    (tmp_path / "out").mkdir()
    with study_lock(tmp_path / "out"), pytest.raises(InputError, match="Another healthgap"):
        run_calibration(calibration, tmp_path / "out", workers=1)


def mid_batch(database: Path, complete: int) -> bool:
    """The study has `complete` trials told and a batch asked, with its parameters, not told."""
    try:
        with sqlite3.connect(f"file:{database}?mode=ro", uri=True, timeout=0.1) as db:
            states = dict(
                db.execute("SELECT state, count(*) FROM trials GROUP BY state").fetchall()
            )
            unparametrised = db.execute(
                "SELECT count(*) FROM trials t WHERE t.state = 'RUNNING' AND "
                "(SELECT count(*) FROM trial_params p WHERE p.trial_id = t.trial_id) < 2"
            ).fetchone()[0]
    except sqlite3.Error:  # not made yet, or being written
        return False
    return (
        states.get("COMPLETE", 0) >= complete
        and states.get("RUNNING", 0) == 2
        and not (unparametrised)
    )


@pytest.mark.parametrize(
    ("body", "says"),
    [
        ("trails = 10\n", "'trails' is not a known setting. Did you mean 'trials'"),
        ('[[free]]\npath = "behaviour.try_intercpt"\n', "did you mean 'behaviour.try_intercept'"),
        (
            '[[free]]\npath = "behaviour.try_intercept"\nlow = -12\n',
            "outside the declared range",
        ),
        ('[[targets]]\nmeasure = "inactve_pct"\ntolerance = 1\n', "did you mean 'inactive_pct'"),
        ('[[targets]]\nmeasure = "attendance_pct"\ntolerance = 1\n', "has no published figure"),
    ],
    ids=["unknown-key", "unknown-parameter", "outside-range", "unknown-measure", "no-figure"],
)
def test_bad_calibration_files_exit_2_naming_file_and_field(tmp_path, body, says):
    free = '[[free]]\npath = "behaviour.try_intercept"\n'
    target = '[[targets]]\nmeasure = "inactive_pct"\ntolerance = 1\n'
    text = 'base = "small.toml"\n' + body
    text += "" if "[[free]]" in body else free
    text += "" if "[[targets]]" in body else target
    spec = write_calibration(tmp_path, text=text)
    result = healthgap("calibrate", str(spec), "--out", "out", cwd=tmp_path)
    assert result.returncode == 2, result.stderr
    message = " ".join(result.stderr.split())
    assert "calibration.toml" in message and says in message, message
    assert "Traceback" not in result.stderr and not (tmp_path / "out").exists()


def test_the_shipped_calibration_is_valid_and_its_targets_published():
    from importlib.resources import files

    folder = Path(str(files("healthgap.scenarios") / "calibrations"))
    shipped = {path.name: load_calibration(path) for path in folder.glob("*.toml")}
    assert {"baseline_quintiles.toml", "distance_decay.toml", "survival.toml"} <= set(shipped)
    assert shipped["baseline_quintiles.toml"].scenario({}).place.sample == 10_000 / 50_000
    assert shipped["distance_decay.toml"].scenario({}).place.local_authority == "Sheffield"
    quintiles = evidence.quintile_targets()["inactive_pct"]
    for q in range(1, 6):
        assert MEASURES[f"inactive_pct_q{q}"].figure.value == quintiles[q - 1]
    assert MEASURES["inactive_pct_q1"].figure is evidence.INACTIVE_MOST_DEPRIVED_PCT
    assert MEASURES["stationarity_inactive_pct"].figure.value == 0
