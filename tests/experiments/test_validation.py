"""`healthgap validate`: the page lists every published figure with its status, every figure the
town is calibrated to is within tolerance, and a figure far off is reported as such."""

from __future__ import annotations

import html
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from healthgap.experiments import measures, validation
from healthgap.experiments.trials import TRIALS
from healthgap.model import evidence
from healthgap.viz.validation_page import write_validation

SMALL = {
    "replicates": 2,
    "years": 2,
    "sheffield": False,
    "grants": False,
    "trials": False,
    "residents": 10_000,
    "seed": 3,
}


@pytest.fixture(scope="module")
def small():
    return validation.validate(**SMALL)


@pytest.fixture(scope="module")
def page(small, tmp_path_factory) -> str:
    folder = tmp_path_factory.mktemp("validation")
    write_validation(small, folder)
    assert (folder / "validation.csv").exists()
    return (folder / "validation.html").read_text(encoding="utf-8")


def test_every_figure_of_the_evidence_table_is_compared_or_says_why():
    declared = {id(m.figure) for m in measures.MEASURES.values()}
    declared.add(id(evidence.SOCIAL_PRESCRIBING_RETURN))  # set beside a comparison's return
    missing = [
        name for name, f in validation.figures_of_evidence().items() if id(f) not in declared
    ]
    assert not missing, f"figures of model/evidence.py with no row on the page: {missing}"
    for m in measures.MEASURES.values():
        assert m.status() in measures.STATUSES
        if m.status() == measures.NOT_COMPARED:
            assert m.note, f"{m.name}: a figure not compared must say why"


def test_each_published_figure_is_declared_once():
    """Issue 17: one registry of comparisons. No figure has two measures (the trials' outcomes
    are measures too), and the shipped fits' targets are read from their files, not repeated."""
    figures = [id(m.figure) for m in measures.MEASURES.values() if m.figure is not None]
    assert len(figures) == len(set(figures))
    assert {o.name for t in TRIALS.values() for o in t.outcomes} <= set(measures.MEASURES)
    assert "funnel_started" in measures.shipped_targets()  # response.toml's first target
    assert measures.MEASURES["inactive_pct_q1"].status() == measures.BY_CONSTRUCTION
    assert measures.MEASURES["itt_lonely"].status() == measures.HELD_OUT


def test_a_figure_declared_in_the_registry_alone_shows_up_in_validate(monkeypatch, tmp_path):
    """Adding a published figure takes one declaration (and its `Figure`); validate, its page
    and its CSV pick it up with no other edit."""
    added = measures.Measure(
        name="lonely_pct_q5",
        label="Often or always lonely, least deprived fifth (a figure for this test)",
        unit="%",
        figure=evidence.Figure(99.0, "a test's population", "a test's source"),
        tolerance=1.0,
        tolerance_source="a test's tolerance",
        metric="lonely_pct",
        group="5",
    )
    monkeypatch.setitem(measures.MEASURES, added.name, added)
    result = validation.validate(**{**SMALL, "replicates": 1, "years": 0.5, "residents": 3_000})
    (row,) = [r for r in result.rows if r.name == added.name]
    assert (row.published, row.within, row.status) == (99.0, "no", measures.HELD_OUT)
    assert 0 <= row.model < 50  # measured: the model's own share, far from the figure
    write_validation(result, tmp_path)
    assert added.label in (tmp_path / "validation.html").read_text(encoding="utf-8")
    assert added.name in pd.read_csv(tmp_path / "validation.csv").name.tolist()


def test_page_lists_every_figure_with_its_status(small, page):
    assert page.startswith("<!DOCTYPE html>")
    table_rows = [html.unescape(tr) for tr in page.split("<tr>")]
    trial_figures = {id(o.figure) for t in TRIALS.values() for o in t.outcomes}
    trial_figures.add(id(evidence.SOCIAL_PRESCRIBING_RETURN))
    for name, figure in validation.figures_of_evidence().items():
        if id(figure) in trial_figures:  # on the trials' page section: see test_trials_section
            continue
        rows = [r for r in small.rows if r.source == figure.source and r.published == figure.value]
        assert rows, name
        for row in rows:  # the figure's line on the page carries its source and status
            assert row.status in measures.STATUSES
            assert any(
                row.label in tr and figure.source in tr and f">{row.status}<" in tr
                for tr in table_rows
            ), name
    assert "within tolerance" in page
    assert "Sheffield run was not asked for" in page  # no Sheffield: says so, not silent


def test_two_workers_give_the_same_rows_as_one(small):
    """Reproducible on any executor: the same seeds run on two processes give every value."""
    parallel = validation.validate(**SMALL, workers=2)

    def values(result):
        return [(r.name, r.period, r.model, r.low, r.high) for r in result.rows]

    assert values(parallel) == values(small)
    assert any(r.model is not None for r in parallel.rows)


def test_calibrated_figures_are_within_tolerance(small):
    # The calibration targets need the runs this small validation skips: see the next test.
    calibrated = [r for r in small.rows if r.status == measures.BY_CONSTRUCTION]
    assert len(calibrated) >= 20
    outside = [(r.name, r.period, r.model, r.published) for r in calibrated if r.within != "yes"]
    assert not outside


@pytest.fixture(scope="module")
def shipped(tmp_path_factory):
    """The shipped default validated on seeds the fits did not use (7 on), as the calibrations
    measured it: Sheffield a year, every adult; Morecambe Bay's grant-opened groups over 7
    years; every virtual trial on 4 seeds; and its page."""
    if validation.sheffield_files() is None:
        pytest.skip(f"the IoD tables are not at {validation.ENGLAND}")
    result = validation.validate(
        replicates=1, years=1, residents=5_000, seed=7, trial_replicates=4, workers=2
    )
    folder = tmp_path_factory.mktemp("shipped")
    write_validation(result, folder)
    return result, (folder / "validation.html").read_text(encoding="utf-8")


def test_every_calibration_target_of_the_shipped_default_is_within_tolerance(shipped):
    """Issue 10's must-show 4 and issue 15's fit: the fit that ships (model/parameters.py)
    holds every target it was fitted to, on seeds the fits did not use, and the page says
    which they are."""
    result, page = shipped
    targets = [r for r in result.rows if r.status == measures.TARGET]
    shipped_fits = {m.name for m in measures.MEASURES.values() if m.status() == measures.TARGET}
    assert {r.name for r in targets} == shipped_fits
    assert len(targets) >= 8
    outside = [(r.name, r.model, r.published, r.tolerance) for r in targets if r.within != "yes"]
    assert not outside
    assert page.count(f">{measures.TARGET}<") == len(targets)


def test_trials_are_on_the_page_with_their_sources(shipped):
    """Issue 15's must-show 1, first half: at least 6 rows of intervention effects, each with
    its study in `source`, on the page's trials section."""
    result, page = shipped
    trial_rows = [r for r in result.rows if r.design]
    assert len(trial_rows) >= 6
    assert all(r.source and r.within in ("yes", "no") for r in trial_rows)
    assert {r.status for r in trial_rows} == {
        measures.TARGET,
        measures.HELD_OUT,
        measures.BY_CONSTRUCTION,  # the Daily Mile's effect is its trial's figure
    }
    assert 'id="trials"' in page and "Virtual trials" in page


@pytest.mark.xfail(
    strict=True,
    reason="issue 15's must-show 1 is not met: 13 of 18 held-out rows agree (walking groups' "
    "activity effect is small, the model has no pay-as-you-go facility, grant-opened groups "
    "never shrink, and stopping costs no more than starting gained), and walking retention had "
    "to be fitted (docs/calibration.md, Virtual trials)",
)
def test_three_quarters_of_held_out_rows_agree(shipped):
    result, _ = shipped
    held = [r for r in result.rows if r.status == measures.HELD_OUT and r.within != "not compared"]
    assert sum(r.within == "yes" for r in held) >= 0.75 * len(held)


def test_glasgow_link_workers_rerun(shipped):
    """Issue 15's must-show 3: referred against the same people in the baseline twin, life
    satisfaction and loneliness differ by no more than a trial of 288 against 612 could tell
    from zero, while those who engage gain."""
    result, _ = shipped
    rows = {r.name: r for r in result.rows}
    for name in ("itt_life_satisfaction", "itt_lonely"):
        row = rows[name]
        assert row.within == "yes" and abs(row.model) <= row.tolerance, (name, row.model)
    assert rows["engaged_life_satisfaction_gain"].model > 0


def test_the_funnel_of_a_gp_referral_is_on_the_page(shipped):
    """Issue 15's must-show 2: the funnel by quintile beside what evaluations report."""
    result, page = shipped
    quintiles = [f.quintile for f in result.funnel]
    assert quintiles[0] == "all" and set(quintiles) == {"all", "1", "2", "3", "4", "5"}
    everyone = result.funnel[0]
    assert 0 < everyone.counts["at_24_weeks"] <= everyone.counts["started"]
    assert everyone.counts["started"] <= everyone.counts["accepted"] <= everyone.counts["seen"]
    assert 'id="funnel"' in page and "Hanson et al." in page


def test_named_calibration_targets_show_as_such():
    result = validation.validate(
        replicates=1,
        years=0.5,
        sheffield=False,
        grants=False,
        trials=False,
        residents=3_000,
        targets={"stationarity_inactive_pct"},
    )
    statuses = {r.status for r in result.rows if r.name == "stationarity_inactive_pct"}
    assert statuses == {measures.TARGET}
    assert "Fitted by a calibration (1)" in validation.summary(result)[1]


def test_a_figure_far_off_is_reported_no(monkeypatch, tmp_path):
    measured = validation.measure_run

    def far_off(scenario, seed, names):
        if names == ["parkrun_rate_ratio_per_km"]:  # the Sheffield run, faked
            return {names[0]: {"run": 0.5}}
        return measured(scenario, seed, names)

    monkeypatch.setattr(validation, "sheffield_files", lambda: {"imd_file": "x"})
    monkeypatch.setattr(validation, "_sheffield", lambda base, years, sample: base)
    monkeypatch.setattr(validation, "measure_run", far_off)
    result = validation.validate(
        replicates=1,
        years=0.5,
        sheffield=True,
        grants=False,
        trials=False,
        residents=3_000,
        sheffield_replicates=2,
    )
    (row,) = [r for r in result.rows if r.name == "parkrun_rate_ratio_per_km"]
    assert (row.model, row.within, row.status) == (0.5, "no", measures.TARGET)
    assert "parkrun participation" in validation.summary(result)[2]  # named among the misses
    write_validation(result, tmp_path)
    html = (tmp_path / "validation.html").read_text(encoding="utf-8")
    assert '<td class="no">no</td>' in html


def test_missing_tables_are_said_not_hidden(monkeypatch, tmp_path):
    monkeypatch.setattr(validation, "ENGLAND", tmp_path / "nowhere")
    result = validation.validate(
        replicates=1, years=0.5, sheffield=True, grants=False, trials=False, residents=3_000
    )
    (row,) = [r for r in result.rows if r.name == "parkrun_rate_ratio_per_km"]
    assert row.within == "not compared"
    assert row.note == f"not compared: the IoD tables were not found at {tmp_path / 'nowhere'}"


def test_command_prints_the_table_and_writes_the_page(tmp_path: Path):
    args = [
        "--replicates",
        "2",
        "--years",
        "0.5",
        "--residents",
        "3000",
        "--no-sheffield",
        "--no-grants",
        "--no-trials",
    ]
    result = subprocess.run(
        [sys.executable, "-m", "healthgap", "validate", *args, "--out", "out"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert "by construction" in result.stdout and "held out" in result.stdout
    assert "within tolerance" in result.stdout
    table = pd.read_csv(tmp_path / "out" / "validation.csv")
    assert {"name", "published", "model", "low", "high", "tolerance", "within", "status"} <= set(
        table.columns
    )
    assert (tmp_path / "out" / "validation.html").stat().st_size > 1000
