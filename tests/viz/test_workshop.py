"""The workshop app's state: levers, the baseline twin, what the map and charts draw."""

import io

import numpy as np
import pandas as pd
import pytest

from healthgap.model.errors import InputError
from healthgap.scenarios import load_scenario
from healthgap.simulation import Simulation
from healthgap.viz.app.drawing import series_lookup
from healthgap.viz.workshop import (
    ASSUMPTION_SLIDERS,
    MAX_BUDGET_GBP,
    MAX_UPLOAD_BYTES,
    Levers,
    Workshop,
    check_levers,
    plan_scenario,
    scenario_toml,
    uploaded_scenario,
)

RESIDENTS = 3_000


@pytest.fixture(scope="module")
def codes():
    return [code for code, _ in Workshop(residents=RESIDENTS).neighbourhood_choices()]


def differences(workshop: Workshop) -> pd.DataFrame:
    series = workshop.series()
    return series[series.run == "difference"]


def test_without_levers_the_twin_runs_match_exactly():
    workshop = Workshop(residents=RESIDENTS)
    workshop.step(10)
    assert workshop.week == 10
    assert (differences(workshop).value.fillna(0) == 0).all()
    assert (workshop.town_map("lonely_pct").neighbourhoods.change == 0).all()


def test_the_baseline_twin_is_the_scenario_run_alone_with_the_same_seed():
    workshop = Workshop(residents=RESIDENTS, seed=4, levers=Levers(outreach=True))
    workshop.step(8)
    scenario = load_scenario("baseline")
    place = scenario.place.model_copy(update={"residents": RESIDENTS})
    alone = Simulation(scenario.model_copy(update={"place": place}), seed=4).step(8)
    np.testing.assert_array_equal(workshop.baseline.results().values, alone.results().values)


def test_a_lever_moves_the_difference_once_it_acts_and_apply_starts_again(codes):
    workshop = Workshop(residents=RESIDENTS)
    workshop.step(5)
    levers, errors = check_levers(
        {"seed_funding": True, "seed_budget_gbp": "60000", "outreach": True}, workshop
    )
    assert errors == {}
    workshop.apply(levers)
    assert workshop.week == 0 and workshop.baseline.week == 0
    workshop.step(26)
    assert differences(workshop).value.abs().max() > 0
    assert workshop.spent_gbp > 0
    groups = workshop.town_map().groups
    assert (groups.status == "new").sum() == 6  # £60,000 in £10,000 grants
    workshop.reset()
    assert workshop.week == 0 and workshop.spent_gbp == 0


def test_a_transport_lever_draws_its_link_and_costs_what_it_says(codes):
    workshop = Workshop(residents=RESIDENTS)
    levers, errors = check_levers(
        {"transport": True, "transport_from": codes[0], "transport_to": codes[-1]}, workshop
    )
    assert errors == {}
    workshop.apply(levers)
    assert not workshop.town_map().links.added.any()  # it starts in week 1
    workshop.step(52)
    added = workshop.town_map().links.query("added")
    assert list(added["mode"]) == ["bus_route"]
    (cost,) = workshop.lever_costs(levers)
    assert cost.per_year_gbp > 0 and cost.at_start_gbp == 0 and not cost.per_trip
    assert workshop.spent_gbp == pytest.approx(cost.per_year_gbp)


@pytest.mark.parametrize(
    ("raw", "field"),
    [
        ({"seed_funding": True, "seed_budget_gbp": 0}, "seed_budget_gbp"),
        ({"seed_funding": True, "seed_budget_gbp": "lots"}, "seed_budget_gbp"),
        ({"seed_funding": True, "seed_budget_gbp": MAX_BUDGET_GBP + 1}, "seed_budget_gbp"),
        ({"outreach": True, "outreach_workers": -1}, "outreach_workers"),
        ({"seed_funding": True, "seed_most_deprived": 999}, "seed_most_deprived"),
        ({"transport": True, "transport_to": "T002"}, "transport_from"),
        ({"transport": True, "transport_from": "T001", "transport_to": "T001"}, "transport_to"),
        ({"transport": True, "transport_from": "T001", "transport_to": "NOWHERE"}, "transport_to"),
        ({"low_impact": True, "low_impact_group_type": "parkrun"}, "low_impact_group_type"),
        (
            {"assumptions": {ASSUMPTION_SLIDERS[0].path: ASSUMPTION_SLIDERS[0].high * 10}},
            f"assumptions.{ASSUMPTION_SLIDERS[0].path}",
        ),
    ],
)
def test_bad_levers_get_a_plain_message_on_their_own_control(raw, field):
    workshop = Workshop(residents=RESIDENTS)
    levers, errors = check_levers(raw, workshop)
    assert levers is None
    assert list(errors) == [field]
    assert "Traceback" not in errors[field] and len(errors[field]) > 10


def test_a_lever_switched_off_ignores_what_its_fields_hold():
    raw = {"outreach": False, "outreach_workers": "lots", "transport_from": "NOWHERE"}
    levers, errors = check_levers(raw, Workshop(residents=RESIDENTS))
    assert errors == {} and levers == Levers()


@pytest.mark.parametrize(
    "content",
    [b'[place]\nimd_file = "/etc/passwd"\nlocal_authority = "x"\n', b"x" * (MAX_UPLOAD_BYTES + 1)],
    ids=["names a file here", "too large"],
)
def test_an_uploaded_scenario_reads_nothing_of_this_computer(content):
    with pytest.raises(InputError) as raised:
        uploaded_scenario("../../ours.toml", content)
    assert raised.value.where == "ours.toml"
    assert "root:" not in raised.value.message()


def test_an_uploaded_scenario_is_read_as_a_file_is():
    scenario, levers = uploaded_scenario("ours.toml", b'name = "ours"\nyears = 2\n')
    assert (scenario.name, scenario.years) == ("ours", 2)


def test_an_assumption_slider_applies_to_both_runs():
    slider = next(s for s in ASSUMPTION_SLIDERS if s.path == "behaviour.travel_weight")
    plain = Workshop(residents=RESIDENTS)
    moved = Workshop(residents=RESIDENTS, levers=Levers(assumptions={slider.path: slider.high}))
    plain.step(20)
    moved.step(20)
    assert (differences(moved).value.fillna(0) == 0).all()  # no lever, no difference
    assert not np.array_equal(plain.baseline.results().values, moved.baseline.results().values)


def test_loading_a_place_without_the_levers_neighbourhoods_switches_that_lever_off(tmp_path):
    small = tmp_path / "small.toml"
    small.write_text('name = "small"\n[place]\nresidents = 2000\nneighbourhoods = 10\n')
    for far_end, kept in (("T002", True), ("T025", False)):
        workshop = Workshop(residents=RESIDENTS)
        workshop.apply(Levers(transport=True, transport_from="T001", transport_to=far_end))
        workshop.residents = None
        workshop.load(small)
        assert workshop.scenario.name == "small" and len(workshop.neighbourhood_choices()) == 10
        assert workshop.levers.transport is kept
    with pytest.raises(InputError, match="not-there.toml"):
        workshop.load(tmp_path / "not-there.toml")
    assert workshop.scenario.name == "small"  # still running what it had


def test_downloads_hold_both_runs():
    workshop = Workshop(residents=RESIDENTS, levers=Levers(directory=True))
    workshop.step(4)
    table = pd.read_csv(io.StringIO(workshop.results_csv()))
    assert set(table.run) == {"with levers", "baseline"}
    assert table.step.max() == 4


PLAN = Levers(
    outreach=True,
    outreach_workers=4,
    seed_funding=True,
    transport=True,
    transport_from="T001",
    transport_to="T005",
    assumptions={"behaviour.travel_weight": 0.5},
)


def test_the_comparison_so_far_names_the_plan_and_describes_its_levers():
    workshop = Workshop(residents=RESIDENTS, levers=PLAN)
    workshop.step(4)
    comparison = workshop.comparison("Table 1")
    effect = comparison.scenarios["Table 1"]
    assert comparison.baseline == "baseline without the levers"
    assert "4 link workers inviting inactive people" in effect.description
    assert "Seed funding: £150,000 in grants of £10,000" in effect.description
    assert "between Neighbourhood 1 and Neighbourhood 5" in effect.description
    assert "how much travel time puts people off = 0.5" in effect.description
    assert "no intervention" not in effect.description
    assert effect.cost_gbp > 0


def test_the_result_so_far_in_words():
    workshop = Workshop(residents=RESIDENTS, levers=Levers(outreach=True, outreach_workers=20))
    assert workshop.so_far().words().startswith("Step or play")
    workshop.step(30)
    so_far = workshop.so_far()
    said = so_far.words()
    assert said.startswith("After 30 weeks: ")
    assert "in the most deprived fifth" in said and "that matter in practice" in said
    assert so_far.spent_gbp > 0 and so_far.benefit_cost_ratio is not None


def test_a_plan_file_runs_in_a_comparison_and_loads_back_with_its_levers(tmp_path):
    from healthgap.compare import compare

    workshop = Workshop(residents=RESIDENTS, levers=PLAN)
    text = scenario_toml(plan_scenario("Table 1: walks", workshop, PLAN), PLAN)
    path = tmp_path / "table-1.toml"
    path.write_text(text, encoding="utf-8")
    plan = load_scenario(path)
    assert plan.name == "Table 1: walks" and plan.parameters == {"behaviour.travel_weight": 0.5}
    assert [i.type for i in plan.interventions] == ["seed_funding", "outreach", "transport"]
    comparison = compare("baseline", [path], replicates=2, years=0.1, workers=1)
    assert comparison.scenarios["Table 1: walks"].cost_gbp > 0

    scenario, levers = uploaded_scenario(path.name, text.encode())
    assert levers == PLAN
    assert scenario.interventions == [] and scenario.parameters == {}
    again = Workshop(scenario, levers=levers)
    assert again.with_levers_scenario(levers).interventions == plan.interventions


def test_a_plan_file_with_a_broken_levers_line_says_so():
    text = b'name = "ours"\n# healthgap app levers: {"outreach": "maybe"}\n'
    with pytest.raises(InputError, match="levers line") as caught:
        uploaded_scenario("ours.toml", text)
    assert "ours.toml" in caught.value.message()


def test_the_charts_series_are_the_tidy_series_read_straight_from_the_arrays():
    workshop = Workshop(residents=RESIDENTS, levers=Levers(outreach=True))
    workshop.step(7)
    metrics = ("life_satisfaction_mean", "inactive_pct", "fairly_active_pct", "active_pct")
    tidy = series_lookup(workshop.series(metrics))
    direct = workshop.chart_series(metrics)
    assert set(direct) == set(tidy)
    assert ("difference", "gap_inactive_pct", "all") in direct
    for key, (weeks, values) in tidy.items():
        np.testing.assert_array_equal(direct[key][0], weeks)
        np.testing.assert_array_equal(direct[key][1], values)
