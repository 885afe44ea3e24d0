"""Children aged 5-16: in every neighbourhood, at Active Lives CYP's shares by the affluence
stand-in, growing up; the Daily Mile adds its minutes to its schools' children only; and none of
it moves anything of the adults'."""

import numpy as np
import pytest

from healthgap.model import HealthgapModel, Parameters, children, evidence, typical_town
from healthgap.model.interventions import DailyMile
from healthgap.model.metrics import METRIC_NAMES, METRICS, decile_sums
from healthgap.scenarios import load_scenario

CHILD_METRICS = [m.name for m in METRICS.values() if m.children]


def run(weeks=60, interventions=(), seed=4, residents=8_000):
    model = HealthgapModel(
        typical_town(residents), seed=seed, interventions=interventions, mesa_agents=False
    )
    for _ in range(weeks):
        model.step()
    return model


def adult_sums(model):
    results = model.results()
    adult = [j for j, name in enumerate(METRIC_NAMES) if name not in CHILD_METRICS]
    return results.sums[..., adult], results.counts[..., adult], results.town


def test_adults_are_bit_identical_without_children(monkeypatch):
    with_children = adult_sums(run())
    empty = children.Children(np.zeros(0, np.int32), np.zeros(0, np.int8))
    monkeypatch.setattr(children, "add_children", lambda town, c, rng: empty)
    monkeypatch.setattr(children, "grow_up", lambda model, week: None)
    for a, b in zip(with_children, adult_sums(run()), strict=True):
        assert np.array_equal(a, b)


def test_the_daily_mile_moves_children_and_no_adult():
    scheme = DailyMile(name="the Daily Mile", schools=5)
    with_it, without = run(interventions=[scheme]), run()
    for a, b in zip(adult_sums(with_it), adult_sums(without), strict=True):
        assert np.array_equal(a, b)
    assert with_it.metric("children_active_pct") > without.metric("children_active_pct")


def test_every_neighbourhood_has_children_in_its_adults_proportion():
    model = HealthgapModel(typical_town(12_000, 12), seed=1, mesa_agents=False)
    per_adult = model.params.children.per_adult
    counts = np.bincount(model.children.neighbourhood, minlength=model.town.n)
    assert counts == pytest.approx(model.town.population * per_adult, abs=0.5)
    ages = model.children.age
    assert ages.min() == children.YOUNGEST and ages.max() == children.OLDEST


def test_each_quintile_starts_at_its_affluence_stand_in():
    """Every quintile, not only the three the validation shows, within 3 points of the
    published share active of its affluence group (quintile 1 low, 2-4 medium, 5 high)."""
    model = HealthgapModel(seed=11, mesa_agents=False)
    targets = evidence.children_quintile_targets()
    for name in ("children_active_pct", "children_fairly_active_pct", "children_less_active_pct"):
        for q in range(1, 6):
            assert model.metric(name, str(q)) == pytest.approx(targets[name][q - 1], abs=3)


def test_a_year_on_every_child_is_older_and_leavers_are_replaced_by_five_year_olds():
    model = HealthgapModel(typical_town(8_000), seed=2, mesa_agents=False)
    c = model.children
    age, rank = c.age.copy(), c.activity_rank.copy()
    for _ in range(52):
        model.step()
    leavers = age == children.OLDEST
    assert (c.age[~leavers] == age[~leavers] + 1).all()
    assert (c.age[leavers] == children.YOUNGEST).all()
    assert np.array_equal(c.activity_rank[~leavers], rank[~leavers])  # the same children
    assert not np.array_equal(c.activity_rank[leavers], rank[leavers])  # new ones


def test_the_daily_mile_adds_its_minutes_to_its_childrens_day_while_it_runs():
    scheme = DailyMile(name="first", children=200, end_year=1)
    model = HealthgapModel(typical_town(8_000), seed=3, interventions=[scheme], mesa_agents=False)
    model.step()
    c, gain = model.children, model.params.children.daily_mile_minutes
    taking_part = c.daily_mile > 0
    assert taking_part.sum() == 200
    assert c.quintile[taking_part].max() == 1  # the most deprived schools first
    np.testing.assert_allclose(c.minutes - c.usual_minutes, gain * taking_part, atol=1e-4)
    for _ in range(52):
        model.step()
    assert not c.daily_mile.any()  # ended after its year
    np.testing.assert_array_equal(c.minutes, c.usual_minutes)
    staff = model.params.children.daily_mile_staff_gbp_per_child_year
    assert model.spending["first"] == pytest.approx(200 * staff)


def test_two_schemes_at_one_school_and_one_ending_leaves_the_other():
    first = DailyMile(name="first", schools=2, end_year=0.5)
    second = DailyMile(name="second", schools=2)
    model = HealthgapModel(
        typical_town(8_000), seed=3, interventions=[first, second], mesa_agents=False
    )
    for _ in range(30):
        model.step()
    assert (model.children.daily_mile > 0).sum() > 0
    assert model.children.daily_mile.max() == 1  # only the second still runs


def test_its_planned_cost_is_staff_time_for_the_children_taking_part():
    town, params = typical_town(30_000), Parameters()
    per_child = params.children.daily_mile_staff_gbp_per_child_year
    planned = DailyMile(children=2_000).planned_cost(town, params.travel, params)
    assert planned.per_year_gbp == pytest.approx(2_000 * per_child)
    assert planned.at_start_gbp == 0
    three = DailyMile(schools=3).planned_cost(town, params.travel, params)
    assert three.per_year_gbp == pytest.approx(3 * 1_000 * params.children.per_adult * per_child)


def test_morecambe_bay_runs_the_daily_mile_in_3_schools_then_for_2000_children():
    scenario = load_scenario("morecambe_bay")
    schemes = [i for i in scenario.interventions if i.type == "daily_mile"]
    assert [(s.schools, s.children) for s in schemes] == [(3, None), (None, 2_000)]
    assert schemes[0].end_year == schemes[1].start_year


def test_picking_more_schools_than_the_place_has_is_refused(tmp_path):
    from healthgap.model.errors import InputError

    path = tmp_path / "mile.toml"
    path.write_text(
        'name = "mile"\n[place]\npreset = "typical_town"\nresidents = 2000\nneighbourhoods = 10\n'
        '[[interventions]]\ntype = "daily_mile"\nschools = 12\n'
    )
    with pytest.raises(InputError, match="schools = 10 or fewer"):
        load_scenario(path)


def test_childrens_sii_is_weighted_by_children_not_adults():
    model = run(weeks=1)
    sums, counts = decile_sums(model)
    j = METRIC_NAMES.index("children_active_pct")
    by_decile = np.bincount(model.children.decile - 1, minlength=10)
    np.testing.assert_array_equal(counts[:, j], by_decile)
    assert by_decile.sum() < model.people.n / 4


def test_children_are_mesa_agents_viewing_their_arrays():
    from healthgap.model.agents import Child

    model = HealthgapModel(
        typical_town(2_000, 10), Parameters().with_overrides({"burn_in_weeks": 52}), seed=1
    )
    kids = model.agents_by_type[Child]
    assert len(kids) == model.children.n
    child = kids.to_list()[5]
    assert child.minutes == pytest.approx(float(model.children.minutes[5]))
    child.daily_mile = 1
    assert model.children.daily_mile[5] == 1
