"""Invariants that must hold for any parameters in their declared ranges and any seed."""

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from healthgap.model import HealthgapModel, Parameters, typical_town
from healthgap.model.parameters import iter_parameters

RANGES = {path: meta["range"] for path, _, meta in iter_parameters(Parameters())}
SWEPT = [
    "behaviour.try_intercept",
    "behaviour.travel_weight",
    "behaviour.friend_weight",
    "habit.spillover_minutes",
    "wellbeing.life_event_rate",
    "wellbeing.gain_rate",
    "ties.formation_rate",
    "ties.fade_rate",
    "groups.existing_capacity_scale",
    "groups.existing_count_scale",
    "groups.venue_deprivation_tilt",
    "groups.types.walk_and_talk.wellbeing_gain",
    "groups.types.swim.cost_gbp",
    "behaviour.discovery_minutes",
    "population.awareness_q1",
    "circumstances.activity_life_satisfaction_correlation",
    "circumstances.loneliness_life_satisfaction_correlation",
]
TOWN = typical_town(residents=2_000, neighbourhoods=10)


def parameter_sets():
    return st.fixed_dictionaries({p: st.floats(*RANGES[p]) for p in SWEPT})


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(overrides=parameter_sets(), seed=st.integers(0, 2**31 - 1))
def test_state_stays_valid(overrides, seed):
    params = Parameters().with_overrides({**overrides, "burn_in_weeks": 8})
    model = HealthgapModel(TOWN, params, seed, mesa_agents=False)
    for _ in range(12):
        model.step()
    people = model.people
    for name, value in vars(people).items():
        if isinstance(value, np.ndarray) and value.dtype.kind == "f":
            assert np.isfinite(value).all(), name
    assert people.life_satisfaction.min() >= 0 and people.life_satisfaction.max() <= 10
    assert (people.activity_minutes >= 0).all()
    for share in (people.habit, people.confidence):
        assert share.min() >= 0 and share.max() <= 1
    # Population conserved: everyone is still there, in the neighbourhood they started in.
    assert people.n == TOWN.population.sum()
    assert np.array_equal(np.bincount(people.neighbourhood, minlength=TOWN.n), TOWN.population)
    # Memberships and attendance only in open groups, and never over capacity.
    groups = model.groups
    members = people.member_of[people.member_of >= 0]
    assert groups.open[members].all()
    assert (groups.attendance <= groups.capacity).all()
    for row in model.latest().values():
        assert np.isfinite(row).all()


def test_same_seed_same_state_and_different_seed_differs():
    def final(seed):
        model = HealthgapModel(
            TOWN, Parameters().with_overrides({"burn_in_weeks": 8}), seed, mesa_agents=False
        )
        for _ in range(10):
            model.step()
        return model.people

    a, b, c = final(5), final(5), final(6)
    for field in ("activity_minutes", "life_satisfaction", "member_of", "lonely"):
        assert np.array_equal(getattr(a, field), getattr(b, field))
    assert not np.array_equal(a.activity_minutes, c.activity_minutes)
