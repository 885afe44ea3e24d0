"""The vectorised model agrees with the plain per-agent reference (benchmarks/reference_model.py).

Both start from the identical state (a built `HealthgapModel`, copied into the
per-agent `ReferenceModel`) and run the same weekly rules with different random
draws, so agreement is statistical: under "same rules" the reference's outcomes
are one more draw from the distribution the vectorised model produces from
that start.

Tolerance. For each starting town (seed) the vectorised model runs
`REPLICATES` times from the same start with independent weekly streams (its
`Streams` re-seeded after the build); their spread sigma is the run-to-run
noise of each outcome from that start. The reference minus the replicates'
mean then has standard error sigma * sqrt(1 + 1/REPLICATES), and averaging over
the seeds divides that by sqrt(len(SEEDS)). The test fails when the mean
difference exceeds `Z_LIMIT` = 4 standard errors: with 8 outcomes and sigma
estimated on 30 degrees of freedom, a false alarm has a chance of about 3 in
1,000 when the rules agree (repeat runs with other seeds gave |z| < 2.5).
Outcomes are averaged over the weeks of the run. A small floor on the
standard error guards outcomes that barely vary.

Power (checked by hand, changing one parameter for the reference only): tie
formation 0.08 -> 0.12 gives z = +9 on ties, fade 0.03 -> 0.06 z = -5,
loneliness ties weight 0.5 -> 0.6 z = -17 on loneliness. Changes that touch
only the ~2% of residents in groups move town-wide outcomes too little to
detect this way (habit gain x1.5: z = +2.5 on attendance; travel weight x1.4:
z = -2.4; newcomers' dropout x1.5: z = -1.6). The exact tests below cover
the deterministic formulas person by person instead: appeal, discovery, the
habit/activity/wellbeing/loneliness updates, group review and closure, and the
life-event maps.
"""

from __future__ import annotations

import copy
import sys
from pathlib import Path

import numpy as np
import pytest

from healthgap.model import HealthgapModel, Parameters, behaviour, population, typical_town
from healthgap.model.groups import TYPE_INDEX, TYPE_NAMES
from healthgap.model.randomness import Streams

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
from reference_model import ReferenceModel, vectorised_metrics  # noqa: E402

RESIDENTS = 5_000
WEEKS = 78
SEEDS = (1, 2, 3, 4, 5, 6)
REPLICATES = 6
Z_LIMIT = 4.0
OUTCOMES = (
    "inactive_pct",
    "active_pct",
    "life_satisfaction_mean",
    "lonely_pct",
    "very_good_health_pct",
    "attendance_pct",
    "member_pct",
    "ties_mean",
    "open_groups",
)
# Smallest standard error allowed, per outcome (same units): a tenth of a resident in 5,000
# for the percentages, a thousandth of a point for life satisfaction and ties, a hundredth of
# a group.
SE_FLOOR = {name: 0.002 for name in OUTCOMES} | {
    "life_satisfaction_mean": 0.001,
    "ties_mean": 0.001,
    "open_groups": 0.01,
}


def start_state(town, seed: int) -> HealthgapModel:
    """A built town plus new groups opened at week 0, as a new-groups intervention would.

    One group of every type but parkrun, at random venues; every other one funded for 39
    weeks; the walking group women-only. So the run exercises joining, habit, new ties,
    the grace period, funding and closure, not only settled baseline groups.
    """
    model = HealthgapModel(town, Parameters(), seed, mesa_agents=False)
    kinds = np.arange(1, len(TYPE_NAMES))
    venues = np.random.default_rng(seed).integers(town.n, size=len(kinds))
    funded_until = np.where(np.arange(len(kinds)) % 2 == 0, 39, -1)
    women_only = kinds == TYPE_INDEX["walk_and_talk"]
    model.groups.add(kinds, venues, 0, funded_until=funded_until, women_only=women_only)
    model.groups_changed()
    return model


def mean_outcomes(model, weeks: int, read) -> np.ndarray:
    """Step `weeks` weeks; each outcome averaged over the weeks."""
    rows = []
    for _ in range(weeks):
        model.step()
        values = read(model)
        rows.append([values[name] for name in OUTCOMES])
    return np.mean(rows, axis=0)


def compare(seeds=SEEDS):
    """Mean (reference - vectorised) difference per outcome and its standard error."""
    town = typical_town(residents=RESIDENTS, neighbourhoods=12)
    differences, variances = [], []
    for seed in seeds:
        start = start_state(town, seed)
        runs = []
        for replicate in range(REPLICATES):
            run = copy.deepcopy(start)
            run.streams = Streams(10_000 * seed + replicate)  # same start, new weekly draws
            runs.append(mean_outcomes(run, WEEKS, vectorised_metrics))
        reference = mean_outcomes(ReferenceModel(start, seed), WEEKS, ReferenceModel.metrics)
        differences.append(reference - np.mean(runs, axis=0))
        variances.append(np.var(runs, axis=0, ddof=1))
    sigma2 = np.mean(variances, axis=0)
    se = np.sqrt(sigma2 * (1 + 1 / REPLICATES) / len(seeds))
    floor = np.array([SE_FLOOR[name] for name in OUTCOMES])
    return np.mean(differences, axis=0), np.maximum(se, floor)


def test_reference_model_agrees_with_vectorised_model():
    difference, se = compare()
    z = difference / se
    report = "\n".join(
        f"{name:>24}: reference - vectorised = {d:+.4f} (se {s:.4f}, z {zz:+.2f})"
        for name, d, s, zz in zip(OUTCOMES, difference, se, z, strict=True)
    )
    assert np.all(np.abs(z) < Z_LIMIT), report


@pytest.fixture(scope="module")
def start() -> HealthgapModel:
    return start_state(typical_town(residents=2_000, neighbourhoods=10), 7)


def test_reference_starts_from_the_identical_state(start):
    reference = ReferenceModel(start, 7).metrics()
    assert reference == pytest.approx(vectorised_metrics(start), rel=1e-6)


def test_reference_appeal_and_discovery_match_the_vectorised_formulas(start):
    """The deterministic parts of choosing a group agree person by person, group by group."""
    reference = ReferenceModel(start, 7)
    residents, groups = list(reference.residents), list(reference.groups)
    everyone = np.arange(start.people.n)
    for index, group in enumerate(groups):
        friends = start.friends.friends_attending(
            np.full(start.people.n, index), start.people.attended
        )
        vectorised = behaviour.group_appeal(
            start, everyone, np.full(start.people.n, index), friends
        )
        per_agent = [
            resident.appeal(group, sum(f.attended_last is group for f in resident.friends))
            if resident.female or not group.women_only
            else -np.inf
            for resident in residents
        ]
        np.testing.assert_allclose(per_agent, vectorised, rtol=1e-5, atol=1e-5)
    for (neighbourhood, car), cumulative in reference.discovery_weights.items():
        share = np.diff(cumulative, prepend=0.0) / cumulative[-1]
        u = (np.arange(20_000) + 0.5) / 20_000
        picked = start.discover_groups(np.full(len(u), neighbourhood), u, np.full(len(u), car))
        open_ids = [group.index for group in reference.open_groups]
        np.testing.assert_allclose(
            np.bincount(picked, minlength=len(groups))[open_ids] / len(u), share, atol=1e-4
        )


def test_reference_life_event_maps_match_population(start):
    """A life event maps latent draws to new circumstances as `population` does."""
    copula = ReferenceModel(start, 7).copula
    gradient = start.params.wellbeing.quintile_gradient
    ranks = np.linspace(0.001, 0.999, 199)
    latent = np.linspace(-3, 3, 61)
    for q in range(1, 6):
        np.testing.assert_allclose(
            [copula.minutes_at_rank(u, q) for u in ranks],
            population.minutes_at_rank(
                ranks,
                np.full(len(ranks), q),
                start.people.usual_activity_shares,
                start.params.circumstances,
            ),
            rtol=1e-6,
        )
        np.testing.assert_allclose(
            [copula.life_satisfaction_at_rank(u, q) for u in ranks],
            population.life_satisfaction_at_rank(ranks, np.full(len(ranks), q), gradient),
            atol=0.01,  # the model interpolates a table of Beta quantiles, good to 0.01
        )
        for name, quantiles in start.copula_maps.items():
            np.testing.assert_allclose(
                [copula.rank(name, q, x) for x in latent],
                quantiles.rank(latent, np.full(len(latent), q)),
                rtol=1e-6,
            )


def test_reference_weekly_updates_match_the_vectorised_phases(start):
    """Given the same attendance: habit, activity, wellbeing and loneliness update identically."""
    vectorised = copy.deepcopy(start)
    vectorised.params = start.params.with_overrides({"wellbeing.life_event_rate": 0.0})
    behaviour.choose_groups(vectorised, 1)
    behaviour.drop_out(vectorised, 1)
    reference = ReferenceModel(vectorised, 7)  # this week's attendance and membership
    behaviour.update_habits(vectorised)
    behaviour.update_activity(vectorised)
    behaviour.drift_wellbeing(vectorised, 1)
    for phase in ("update_habit", "update_activity", "update_wellbeing", "end_week"):
        reference.residents.do(phase)
    assert (vectorised.people.attended >= 0).sum() > 10
    for name in (
        "habit",
        "confidence",
        "group_minutes",
        "activity_minutes",
        "wellbeing_gain",
        "life_satisfaction",
        "lonely",
    ):
        np.testing.assert_allclose(
            [getattr(resident, name) for resident in reference.residents],
            getattr(vectorised.people, name),
            rtol=1e-5,
            atol=1e-5,
            err_msg=name,
        )


@pytest.mark.parametrize("min_volunteers", [1, 50])
def test_reference_group_review_matches_the_vectorised_closure(start, min_volunteers):
    """Counting members and volunteers and closing groups agree (50 volunteers forces closures)."""
    vectorised = copy.deepcopy(start)
    vectorised.params = start.params.with_overrides({"groups.min_volunteers": min_volunteers})
    reference = ReferenceModel(vectorised, 7)
    week = 4 * vectorised.params.groups.closure_check_weeks
    behaviour.close_unsustainable_groups(vectorised, week)
    reference.groups.do("review", week)
    g = vectorised.groups
    assert [group.open for group in reference.groups] == g.open.tolist()
    assert [group.volunteers for group in reference.groups] == g.volunteers.tolist()
    assert [group.member_count for group in reference.groups] == g.members.tolist()
    membership = [r.member_of.index if r.member_of else -1 for r in reference.residents]
    assert membership == vectorised.people.member_of.tolist()
    assert g.open.all() == (min_volunteers == 1)
