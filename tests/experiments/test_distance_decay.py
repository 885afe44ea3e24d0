"""The parkrun rate ratio per km, measured as Schneider et al. (2020) did: the Poisson regression
recovers known rate ratios, and the measure runs on a real place and refuses what it cannot do."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from healthgap.experiments.calibration_spec import load_calibration
from healthgap.experiments.distance_decay import (
    PARKRUN,
    ParkrunTally,
    distance_decay,
    measure_distance_decay,
    poisson_rate_ratio,
)
from healthgap.experiments.measures import MEASURES, run_measured
from healthgap.model import evidence
from healthgap.model.errors import InputError
from healthgap.scenarios import Scenario
from healthgap.scenarios.places import SAMPLES
from healthgap.simulation import Simulation

SAMPLE_FILES = {
    "imd_file": str(SAMPLES / "File_1_sample_IMD.csv"),
    "population_file": str(SAMPLES / "File_6_sample_population.csv"),
    "centroids_file": str(SAMPLES / "sample_centroids.csv"),
}
# Kelby and Marne (12 invented LSOAs, 17,330 adults) with three parkruns per 50,000 adults
# (twice the top of per_50k's declared range), so it has at least one: 1.04 expected.
PARAMETERS = {
    "groups.types.parkrun.per_50k": 3.0,
    "burn_in_weeks": 26,
}


def kelby_and_marne(**place) -> Scenario:
    return Scenario(
        years=1,
        place={"local_authority": "Kelby and Marne", **SAMPLE_FILES, **place},
        parameters=PARAMETERS,
    )


def synthetic_lsoas(rng: np.random.Generator, n: int = 345, confounded: bool = False):
    """n LSOAs like Sheffield's: adults, IMD decile and km to the nearest parkrun (further in
    less deprived LSOAs when `confounded`)."""
    adults = rng.integers(900, 2_000, n)
    decile = rng.integers(1, 11, n)
    km = rng.uniform(0, 8, n)
    if confounded:
        km = km / 2 + 0.5 * decile
    return adults, decile, km


def poisson_counts(rng, adults, decile, km, per_km: float, per_decile: float = 1.1):
    """Attendances a year drawn from log E = log(adults) + log(0.04) + log(per_km) km +
    log(per_decile) decile."""
    rate = 0.04 * per_km**km * per_decile**decile
    return rng.poisson(adults * rate)


def test_recovers_a_known_rate_ratio_per_km_from_poisson_counts():
    """0.9 per km, 345 LSOAs: within 0.01 (about two standard errors: its 95% interval is +-0.005), and the 95%
    interval holds it."""
    rng = np.random.default_rng(10)
    adults, decile, km = synthetic_lsoas(rng)
    counts = poisson_counts(rng, adults, decile, km, per_km=0.9)
    fit = poisson_rate_ratio(counts, adults, km, decile)
    assert fit.rate_ratio == pytest.approx(0.9, abs=0.01)
    assert fit.low < 0.9 < fit.high
    assert 0.7 < fit.dispersion < 1.4  # Poisson counts: no overdispersion
    assert fit.low_overdispersed <= fit.low and fit.high <= fit.high_overdispersed


def test_the_interval_covers_the_true_rate_ratio_about_95_times_in_100():
    """Over 200 synthetic places (rate ratios 0.8 and 0.95 per km), the Wald 95% interval holds
    the truth 90% to 99% of the time, and the estimates average to within 0.005 of it."""
    rng = np.random.default_rng(11)
    for per_km in (0.8, 0.95):
        fits = []
        for _ in range(200):
            adults, decile, km = synthetic_lsoas(rng, n=100)
            fits.append(
                poisson_rate_ratio(
                    poisson_counts(rng, adults, decile, km, per_km), adults, km, decile
                )
            )
        covered = np.mean([f.low < per_km < f.high for f in fits])
        assert 0.90 <= covered <= 0.99, covered
        assert np.mean([f.rate_ratio for f in fits]) == pytest.approx(per_km, abs=0.005)


def test_deprivation_as_the_other_covariate_removes_its_confounding():
    """Where less deprived LSOAs are further from a parkrun and go more (as in England), leaving
    deprivation out makes distance look to deter less; with it in, 0.9 comes back."""
    rng = np.random.default_rng(12)
    adults, decile, km = synthetic_lsoas(rng, confounded=True)
    counts = poisson_counts(rng, adults, decile, km, per_km=0.9, per_decile=1.25)
    assert poisson_rate_ratio(counts, adults, km, decile).rate_ratio == pytest.approx(0.9, abs=0.01)
    assert poisson_rate_ratio(counts, adults, km).rate_ratio > 0.95


def test_not_estimable_when_nobody_went():
    adults, decile, km = synthetic_lsoas(np.random.default_rng(13), n=20)
    fit = poisson_rate_ratio(np.zeros(20), adults, km, decile)
    assert math.isnan(fit.rate_ratio) and math.isnan(fit.low)


def test_measured_on_a_sample_place_by_itself_and_as_a_calibration_target():
    """On Kelby and Marne's 12 LSOAs (too few to assert its value): a finite, positive rate
    ratio, from every parkrun attendance of its residents over the year; the calibration
    target's watcher gives the same figure for the same seed."""
    scenario = kelby_and_marne()
    decay = measure_distance_decay(scenario, seed=1)
    table = decay.neighbourhoods
    assert len(table) == 12 and decay.weeks == 52 and decay.parkruns_open >= 1
    assert decay.deprivation == "IMD decile"  # File 1 has no IMD score
    assert table.attendances.sum() > 0 and (table.km == 0).sum() >= 1
    assert math.isfinite(decay.rate_ratio) and decay.rate_ratio > 0
    assert decay.fit.low < decay.rate_ratio < decay.fit.high

    measured = run_measured(scenario, [1], ["parkrun_rate_ratio_per_km", "inactive_pct"])
    assert measured["parkrun_rate_ratio_per_km"] == pytest.approx(decay.rate_ratio, rel=1e-12)
    target = MEASURES["parkrun_rate_ratio_per_km"]
    assert target.figure is evidence.PARKRUN_RATE_RATIO_PER_KM and target.figure.value == 0.921


def test_the_tally_counts_each_weeks_parkrunners_at_home():
    sim = Simulation(kelby_and_marne(), seed=2)
    tally = ParkrunTally(sim.model)
    expected = np.zeros(sim.model.town.n, np.int64)
    for _ in range(8):
        sim.step()
        tally.week(sim.model)
        p, g = sim.model.people, sim.model.groups
        for person in np.flatnonzero(p.attended >= 0):
            if g.kind[p.attended[person]] == PARKRUN:
                expected[p.neighbourhood[person]] += 1
    assert tally.weeks == 8 and expected.sum() > 0
    np.testing.assert_array_equal(tally.attendances, expected)


def test_the_imd_score_is_the_covariate_where_the_table_gives_it(tmp_path):
    """As the study: with an IMD score column (File 7 has one), the score, not the decile."""
    imd = pd.read_csv(SAMPLE_FILES["imd_file"], encoding="utf-8-sig", thousands=",")
    rank = imd["Index of Multiple Deprivation (IMD) Rank"]
    imd["Index of Multiple Deprivation (IMD) Score"] = 80 * np.exp(-rank / 8_000)
    scored = tmp_path / "File_7_like.csv"
    imd.to_csv(scored, index=False)
    sim = Simulation(kelby_and_marne(), seed=1)
    tally = ParkrunTally(sim.model)
    sim.run(on_week=lambda _week: tally.week(sim.model))
    decay = distance_decay(kelby_and_marne(imd_file=str(scored)), sim.model, tally)
    assert decay.deprivation == "IMD score"
    assert decay.neighbourhoods.imd_score.between(0, 80).all()
    assert math.isfinite(decay.rate_ratio) and decay.rate_ratio > 0


def test_refuses_a_preset_town_and_a_place_with_no_parkrun_open(tmp_path):
    with pytest.raises(InputError, match="preset town"):
        measure_distance_decay("baseline", seed=1)
    with pytest.raises(InputError, match="centroids_file"):
        measure_distance_decay(kelby_and_marne(centroids_file=None), seed=1)
    sim = Simulation(kelby_and_marne(), seed=1)
    sim.model.groups.open[sim.model.groups.kind == PARKRUN] = False
    with pytest.raises(InputError, match="No parkrun is open"):
        distance_decay(kelby_and_marne(), sim.model, ParkrunTally(sim.model))

    (tmp_path / "calibration.toml").write_text(
        'base = "baseline"\n[[free]]\npath = "behaviour.travel_weight"\n'
        '[[targets]]\nmeasure = "parkrun_rate_ratio_per_km"\ntolerance = 0.02\n'
    )
    with pytest.raises(InputError, match="targets.0.measure.*preset town"):
        load_calibration(tmp_path / "calibration.toml")
