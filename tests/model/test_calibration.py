"""The default town with no intervention reproduces the published baseline, at the start and after
10 simulated years (no drift). The figures and tolerances are those every comparison declares
once (experiments/measures.py): each metric the town is built to."""

import pytest

from healthgap.experiments.measures import BY_CONSTRUCTION, MEASURES
from healthgap.model import HealthgapModel

# Every measure of a metric the town is built to: its published figure and tolerance.
TARGETS = [m for m in MEASURES.values() if m.declared == BY_CONSTRUCTION and m.metric is not None]


@pytest.fixture(scope="module")
def ten_years():
    model = HealthgapModel(seed=11, mesa_agents=False)  # the default town, default parameters
    assert model.people.n == 50_000
    for _ in range(520):
        model.step()
    return model.results()


@pytest.mark.parametrize("when", ["start", "end"], ids=["start", "after 10 years"])
@pytest.mark.parametrize("measure", TARGETS, ids=[m.name for m in TARGETS])
def test_baseline_matches_published_figures(ten_years, when, measure):
    value = measure.value(ten_years, when)
    assert value == pytest.approx(measure.figure.value, abs=measure.tolerance)


def test_default_town_spans_every_decile():
    from healthgap.model import typical_town

    town = typical_town()
    assert sorted(set(town.imd_decile.tolist())) == list(range(1, 11))
    assert 45_000 <= town.population.sum() <= 55_000
    assert 25 <= town.n <= 35


@pytest.mark.parametrize("room", [1.0, 2.0], ids=["default room", "twice the room"])
def test_group_minutes_do_not_move_the_start(room):
    """Usual activity is drawn so that, with what members' groups add, each quintile starts at its
    published inactive and fairly active shares, however many members groups hold (before, the
    group minutes added on top and twice the room took 2 points off a small town's inactivity)."""
    from healthgap.model import Parameters, typical_town
    from healthgap.model.metrics import METRIC_NAMES
    from healthgap.model.population import usual_activity_shares

    overrides = {"groups.existing_capacity_scale": room, "behaviour.members_per_place": 2.0}
    model = HealthgapModel(
        typical_town(10_000), Parameters().with_overrides(overrides), seed=3, mesa_agents=False
    )
    targets = 100 * usual_activity_shares(model.params)
    start = model.latest()
    in_groups = (model.people.activity_minutes > model.people.base_minutes).mean()
    assert in_groups > 0.03  # enough members to have moved the start without the calibration
    for q in "12345":
        quintile = int(q) - 1
        inactive = start[q][METRIC_NAMES.index("inactive_pct")]
        fairly = start[q][METRIC_NAMES.index("fairly_active_pct")]
        assert inactive == pytest.approx(targets[0, quintile], abs=0.3)
        assert fairly == pytest.approx(targets[1, quintile], abs=0.3)
