"""Self-rated health: driven by activity, wellbeing and health limits, set to Census 2021, and
added without moving anything else a run produces."""

import numpy as np
import pytest

from healthgap.model import HealthgapModel, Parameters, health, typical_town
from healthgap.model.errors import InputError
from healthgap.model.metrics import METRIC_NAMES

HEALTH_METRICS = ("very_good_health_pct", "very_good_health_55_74_pct")


def small_run(seed=7, weeks=104, params=None, town=None):
    model = HealthgapModel(town or typical_town(8_000), params, seed=seed, mesa_agents=False)
    for _ in range(weeks):
        model.step()
    return model


def test_every_other_outcome_is_bit_identical_without_self_rated_health(monkeypatch):
    """Self-rated health draws from its own stream and writes only its own arrays: a run without
    it gives every other metric, and every resident's state, to the last bit."""
    with_health = small_run()
    monkeypatch.setattr(health, "set_up_health", lambda model, rng: None)
    monkeypatch.setattr(health, "rate_health", lambda model: None)
    without = small_run()
    assert not without.people.very_good_health.any()  # it really was left out
    a, b = with_health.results(), without.results()
    for j, name in enumerate(METRIC_NAMES):
        if name not in HEALTH_METRICS:
            assert np.array_equal(a.sums[..., j], b.sums[..., j]), name
            assert np.array_equal(a.counts[..., j], b.counts[..., j]), name
    assert np.array_equal(a.town, b.town)
    for field in ("activity_minutes", "life_satisfaction", "lonely", "member_of", "habit"):
        assert np.array_equal(getattr(with_health.people, field), getattr(without.people, field))


def test_the_same_seed_gives_the_same_health_and_another_seed_another():
    first, again, other = small_run(weeks=8), small_run(weeks=8), small_run(seed=8, weeks=8)
    assert np.array_equal(first.people.very_good_health, again.people.very_good_health)
    assert not np.array_equal(first.people.very_good_health, other.people.very_good_health)


def test_the_levels_put_a_reference_england_at_the_census_figures():
    at_most, at_least, per_age_band = health.solve_levels(Parameters())
    assert at_most < at_least  # less deprived, better health, beyond what the drivers explain
    assert per_age_band < 0  # older, worse


def test_more_activity_and_life_satisfaction_mean_more_say_very_good():
    model = HealthgapModel(typical_town(4_000), seed=3, mesa_agents=False)
    p = model.people
    before = p.very_good_health.mean()
    p.activity_minutes[:] += 150
    health.rate_health(model)
    more_active = p.very_good_health.mean()
    p.life_satisfaction[:] = np.minimum(p.life_satisfaction + 1, 10)
    health.rate_health(model)
    assert before < more_active < p.very_good_health.mean()


def test_activity_beyond_the_cap_adds_nothing():
    model = HealthgapModel(typical_town(4_000), seed=3, mesa_agents=False)
    p, cap = model.people, model.params.health.activity_cap_minutes
    p.activity_minutes[:] = cap
    health.rate_health(model)
    at_cap = p.very_good_health.copy()
    p.activity_minutes[:] = cap + 500
    health.rate_health(model)
    assert np.array_equal(at_cap, p.very_good_health)


def test_a_health_limit_lowers_it_and_a_stronger_limit_widens_the_difference():
    def difference(shift):
        params = Parameters().with_overrides({"health.health_limited_shift": shift})
        model = HealthgapModel(typical_town(10_000), params, seed=5, mesa_agents=False)
        p = model.people
        return (
            p.very_good_health[~p.health_limited].mean()
            - p.very_good_health[p.health_limited].mean()
        )

    assert 0 < difference(-0.6) < difference(-1.4)


def test_a_deprived_town_and_a_less_active_place_have_less_very_good_health():
    """The levels are England's, not refitted to each town: a town of deciles 1-8 and a place
    less active than its deprivation predicts come out below the default town."""
    default = HealthgapModel(typical_town(10_000), seed=2, mesa_agents=False)
    deprived = HealthgapModel(
        typical_town(10_000, 10, [1, 1, 1, 2, 2, 3, 4, 5, 7, 8]), seed=2, mesa_agents=False
    )
    less_active = HealthgapModel(
        typical_town(10_000),
        Parameters().with_overrides({"place.inactive_offset_pct": 8.0}),
        seed=2,
        mesa_agents=False,
    )
    share = default.metric("very_good_health_pct")
    assert deprived.metric("very_good_health_pct") < share - 3
    assert less_active.metric("very_good_health_pct") < share - 0.5


def test_very_good_health_is_reported_by_quintile_with_its_gap_and_sii():
    results = small_run(weeks=4).results()
    summary = results.summary()
    by_quintile = summary["very_good_health_pct"]
    assert by_quintile["1"] < by_quintile["5"]
    assert summary["gap"]["very_good_health_pct"] == pytest.approx(
        by_quintile["1"] - by_quintile["5"], abs=1e-4
    )
    assert summary["sii"]["very_good_health_pct"] > 0  # higher in less deprived places
    assert "very_good_health_55_74_pct" not in summary  # a calibration view, not a headline


def test_a_health_limit_that_raised_health_is_refused():
    with pytest.raises(InputError, match="at most 0"):
        Parameters().with_overrides({"health.health_limited_shift": 0.5})


def test_levels_that_cannot_meet_the_census_say_which_parameters_to_mend(monkeypatch):
    from healthgap.model import evidence

    impossible = evidence.Figure(100.0, "everyone", "a test")
    monkeypatch.setattr(evidence, "VERY_GOOD_HEALTH_PCT", impossible)
    params = Parameters().with_overrides({"health.activity_weight": 0.31})  # not cached
    with pytest.raises(InputError) as error:
        health.solve_levels(params)
    assert "'health.*' parameters" in error.value.fix


def test_the_levels_are_solved_once_for_what_the_reference_depends_on():
    """A sweep of behaviour or groups never solves again; self-rated health's own parameters do."""
    default = health.solve_levels(Parameters())
    other_behaviour = Parameters().with_overrides({"behaviour.travel_weight": 0.5})
    assert health.solve_levels(other_behaviour) is default
    other_health = Parameters().with_overrides({"health.activity_weight": 0.5})
    assert not np.array_equal(health.solve_levels(other_health), default)
