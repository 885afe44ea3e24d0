"""How parkrun participation falls with distance, measured on a run as the published study did.

Schneider, Smith, Bullas et al. (Public Health 189:48-53, 2020; preprint medRxiv
10.1101/19004143) counted the parkrun runs of the residents of each of England's 32,844 LSOAs in
2018 and Poisson-regressed them on the distance as the crow flies from the LSOA's centroid to
the nearest of the 455 events, with the LSOA's IMD score as the other covariate and its
population as the exposure: a rate ratio of 0.921 per km (95% CI 0.921-0.922), and 0.959 per
point of IMD score.

Measured here on a run of a real place (its LSOAs are the model's neighbourhoods):

- attendances: parkrun sessions its residents went to over the run (the reported weeks, not
  the burn-in), counted week by week by `ParkrunTally` from who went where;
- adults: its simulated adults, the exposure (a log offset, so the model is of a rate);
- km: straight-line km from its centroid to the centroid of the nearest neighbourhood with a
  parkrun open at the end of the run (the study took the events running at the end of its year
  of runs), 0 where it has one itself: the model puts a group in a neighbourhood, not at a point;
- deprivation: as the study, the IMD score (0 to about 90, higher is more deprived), entered
  linearly, when the place's IMD table gives it (File 7 of the Indices); File 1, which the
  2019 tables in ../shared/data/england are, gives only ranks and deciles, and then the IMD
  decile (1 most deprived to 10) enters linearly instead: a coarse, reversed stand-in for the
  score that leaves the distance term the study's (`DistanceDecay.deprivation` says which).

`poisson_rate_ratio` fits log E[attendances] = log(adults) + b0 + b_km km + b_imd deprivation
with statsmodels' GLM and gives exp(b_km) with its Wald 95% interval, as the study reported it,
and the interval widened for overdispersion (quasi-Poisson: the model's counts vary more than a
Poisson's, as real ones do, and the plain interval is then too narrow).
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from healthgap.model.errors import InputError
from healthgap.model.groups import TYPE_INDEX
from healthgap.simulation import Simulation, as_scenario

if TYPE_CHECKING:
    import pandas as pd

    from healthgap.model import HealthgapModel
    from healthgap.model.metrics import Results
    from healthgap.scenarios import Scenario

PARKRUN = TYPE_INDEX["parkrun"]
Z_95 = 1.959963984540054  # the normal's 97.5th percentile: a two-sided 95% interval


class ParkrunTally:
    """Parkrun attendances by the attendee's home neighbourhood, summed over the weeks it is
    shown (`week(model)` after each step)."""

    def __init__(self, model: HealthgapModel) -> None:
        self.attendances = np.zeros(model.town.n, np.int64)
        self.weeks = 0

    def week(self, model: HealthgapModel) -> None:
        """Add this week's parkrunners to their home neighbourhoods."""
        p, g = model.people, model.groups
        went = np.flatnonzero(p.attended >= 0)
        parkrunners = went[g.kind[p.attended[went]] == PARKRUN]
        self.attendances += np.bincount(
            p.neighbourhood[parkrunners], minlength=len(self.attendances)
        )
        self.weeks += 1


@dataclass(frozen=True)
class RateRatio:
    """exp(b) of one term of a Poisson regression, with its 95% intervals."""

    rate_ratio: float
    low: float  # Wald 95% interval of the Poisson model, as the study reported it
    high: float
    dispersion: float  # Pearson chi-squared over residual degrees of freedom (1: Poisson)
    low_overdispersed: float  # the same interval widened by sqrt(dispersion) (quasi-Poisson)
    high_overdispersed: float

    @classmethod
    def not_estimable(cls) -> RateRatio:
        return cls(*[math.nan] * 6)


def poisson_rate_ratio(
    counts: np.ndarray, exposure: np.ndarray, x: np.ndarray, covariates: np.ndarray | None = None
) -> RateRatio:
    """The rate ratio per unit of `x` from log E[counts] = log(exposure) + b0 + b_x x + the
    `covariates` (a column, or a matrix of them), by Poisson maximum likelihood (statsmodels'
    GLM). Not estimable (all NaN) when nothing was counted or the fit does not converge."""
    from statsmodels.genmod import families
    from statsmodels.genmod.generalized_linear_model import GLM
    from statsmodels.tools.sm_exceptions import ConvergenceWarning, PerfectSeparationWarning

    counts = np.asarray(counts, dtype=float)
    columns = [np.ones(len(counts)), np.asarray(x, dtype=float)]
    if covariates is not None:
        covariates = np.asarray(covariates, dtype=float)
        columns += list(covariates.reshape(len(counts), -1).T)
    design = np.column_stack(columns)
    if counts.sum() == 0 or np.linalg.matrix_rank(design) < design.shape[1]:
        return RateRatio.not_estimable()
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        warnings.simplefilter("error", PerfectSeparationWarning)
        try:
            fit = GLM(counts, design, family=families.Poisson(), offset=np.log(exposure)).fit()
        except (ConvergenceWarning, PerfectSeparationWarning, np.linalg.LinAlgError):
            return RateRatio.not_estimable()
    b, se = float(fit.params[1]), float(fit.bse[1])
    dispersion = float(fit.pearson_chi2 / fit.df_resid) if fit.df_resid > 0 else math.nan
    wide = se * math.sqrt(max(dispersion, 1.0)) if math.isfinite(dispersion) else math.nan
    return RateRatio(
        math.exp(b),
        math.exp(b - Z_95 * se),
        math.exp(b + Z_95 * se),
        dispersion,
        math.exp(b - Z_95 * wide),
        math.exp(b + Z_95 * wide),
    )


@dataclass(frozen=True)
class DistanceDecay:
    """A run's parkrun participation by neighbourhood and its rate ratio per km."""

    neighbourhoods: pd.DataFrame  # code, attendances, adults, km, imd_decile (imd_score if known)
    deprivation: str  # the other covariate: "IMD score" or "IMD decile"
    parkruns_open: int  # at the end of the run
    weeks: int  # counted
    fit: RateRatio

    @property
    def rate_ratio(self) -> float:
        return self.fit.rate_ratio


def check_real_place(scenario: Scenario) -> None:
    """An InputError unless the scenario is a real place whose LSOAs sit at their centroids:
    the study's distances are between real LSOA centroids and events."""
    place = scenario.place
    if place.local_authority is None:
        raise InputError(
            "The parkrun rate ratio per km is measured as the published study did, over a real "
            "place's LSOAs; this scenario's place is a preset town, whose neighbourhoods and "
            "distances are made up.",
            fix="Use a real place: 'healthgap place NAME --imd FILE --population FILE "
            "--centroids FILE' writes a scenario for one.",
        )
    if place.centroids_file is None:
        raise InputError(
            "The parkrun rate ratio per km needs the distances between the place's LSOAs; "
            "without centroids_file they are laid out on a synthetic disc.",
            fix="Give centroids_file under [place]: a CSV of LSOA code, longitude and latitude.",
        )


def distance_decay(scenario: Scenario, model: HealthgapModel, tally: ParkrunTally) -> DistanceDecay:
    """The rate ratio per km of a finished run of the real place `scenario` names (`model`),
    from the attendances `tally` counted over it."""
    import pandas as pd

    from healthgap.scenarios.places import place_neighbourhoods

    check_real_place(scenario)
    town, g = model.town, model.groups
    venues = np.unique(g.venue[g.open & (g.kind == PARKRUN)])
    if len(venues) == 0:
        raise InputError(
            f"No parkrun is open in {town.name} at the end of the run, so there is no distance "
            "to the nearest one.",
            fix="Measure it on a place with a parkrun (the model gives a town "
            "groups.types.parkrun.per_50k parkruns per 50,000 adults, rounded at random), "
            "or leave this target out.",
        )
    x, y = town.node_array("x_km"), town.node_array("y_km")
    km = np.hypot(x[:, None] - x[venues], y[:, None] - y[venues]).min(axis=1)
    table = pd.DataFrame(
        {
            "code": town.node_array("code"),
            "attendances": tally.attendances,
            "adults": town.population,
            "km": km,
            "imd_decile": town.imd_decile.astype(int),
        }
    )
    scores = place_neighbourhoods(scenario.place)
    if "imd_score" in scores and scores.imd_score.notna().all():
        table["imd_score"] = table.code.map(dict(zip(scores.code, scores.imd_score, strict=True)))
        deprivation, covariate = "IMD score", table.imd_score.to_numpy(float)
    else:
        deprivation, covariate = "IMD decile", table.imd_decile.to_numpy(float)
    if np.ptp(covariate) == 0:  # one decile: nothing to adjust for, and it would be collinear
        deprivation, covariate = f"none (every LSOA has the same {deprivation})", None
    if np.ptp(km) == 0:
        raise InputError(
            f"Every neighbourhood of {town.name} is the same distance from a parkrun "
            f"({km[0]:g} km), so participation cannot be regressed on distance.",
            fix="Measure it on a larger place, or leave this target out.",
        )
    fit = poisson_rate_ratio(table.attendances, table.adults, table.km, covariate)
    return DistanceDecay(table, deprivation, len(venues), tally.weeks, fit)


class RateRatioWatcher:
    """The target measure's view of a run: tallies parkrun attendances each week, then gives
    the rate ratio per km (NaN if not estimable, e.g. nobody went)."""

    def __init__(self, scenario: Scenario, model: HealthgapModel) -> None:
        check_real_place(scenario)
        self.scenario = scenario
        self.tally = ParkrunTally(model)

    def week(self, model: HealthgapModel) -> None:
        self.tally.week(model)

    def value(self, model: HealthgapModel, results: Results) -> float:
        return distance_decay(self.scenario, model, self.tally).rate_ratio


def measure_distance_decay(scenario, seed: int | None = None) -> DistanceDecay:
    """Run `scenario` (a `Scenario`, a built-in name or a file) for `seed` to its horizon and
    measure its parkrun rate ratio per km."""

    scenario = as_scenario(scenario)
    check_real_place(scenario)
    sim = Simulation(scenario, seed)
    tally = ParkrunTally(sim.model)
    sim.run(on_week=lambda _week: tally.week(sim.model))
    return distance_decay(scenario, sim.model, tally)
