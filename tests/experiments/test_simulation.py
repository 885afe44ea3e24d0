"""The Python API: one way to build, step and read a run, and to pair it with its baseline."""

from __future__ import annotations

import numpy as np
import pytest

import healthgap as hg
from healthgap.model import errors as hg_errors
from healthgap.model.metrics import GROUPS, METRICS
from healthgap.scenarios import Scenario
from healthgap.simulation import Simulation, burnt_in_town

SMALL = {"years": 0.5, "place": {"residents": 3000, "neighbourhoods": 10}}
SMALL_PARAMETERS = {"burn_in_weeks": 26}


def small(**extra) -> Scenario:
    return Scenario.model_validate({**SMALL, "parameters": SMALL_PARAMETERS, **extra})


def test_the_model_knows_its_horizon_and_mesa_stops_there():
    sim = Simulation(small(), seed=2)
    assert sim.weeks == 26 and sim.model.running
    sim.model.run_model()  # Mesa's own loop: steps while `running`
    assert sim.week == 26 and sim.finished
    sim.step(5)  # nothing happens past the horizon
    assert sim.week == 26
    assert list(sim.results().weeks) == list(range(27))


def test_metrics_table_and_summary_agree():
    sim = Simulation(small(), seed=2)
    sim.step(3)
    now = sim.metrics()
    assert set(now) == set(METRICS)
    assert set(now["inactive_pct"]) == set(GROUPS) and set(now["open_groups"]) == {"all"}
    results = sim.results()
    table = results.table()
    row = table[(table.step == 3) & (table.quintile == "1") & (table.metric == "lonely_pct")]
    assert row.value.iloc[0] == pytest.approx(now["lonely_pct"]["1"])
    assert results.summary()["lonely_pct"]["1"] == pytest.approx(now["lonely_pct"]["1"])
    assert sim.summary()["provenance"]["seed"] == 2


def test_a_scenario_loads_by_name_path_or_object(tmp_path):
    path = tmp_path / "mine.toml"
    path.write_text('name = "mine"\nyears = 0.1\n[place]\nresidents = 2000\nneighbourhoods = 10\n')
    assert Simulation(path, seed=1).scenario.name == "mine"
    assert hg.load_scenario("luton").name == "luton"
    assert Simulation(small(name="obj"), seed=1).scenario.name == "obj"


def test_a_run_from_a_shared_start_equals_a_run_built_alone():
    funded = small(
        interventions=[{"type": "seed_funding", "budget_gbp": 20_000, "grant_gbp": 5_000}]
    )
    alone = Simulation(funded, seed=5)
    alone.run()
    shared = Simulation.from_start(burnt_in_town(funded, 5), funded)
    shared.run()
    assert np.array_equal(alone.results().values, shared.results().values, equal_nan=True)
    assert alone.spent_gbp == shared.spent_gbp == 20_000


def test_a_pair_differs_only_once_the_lever_acts():
    later = small(
        interventions=[
            {"type": "seed_funding", "budget_gbp": 40_000, "grant_gbp": 5_000, "start_year": 0.2}
        ]
    )
    with_levers, without = Simulation.pair(later, seed=4)
    assert without.scenario.interventions == [] and with_levers.seed == without.seed == 4
    with_levers.run()
    without.run()
    a, b = with_levers.results().values, without.results().values
    start = later.interventions[0].start_week
    assert np.array_equal(a[:start], b[:start], equal_nan=True)  # identical until it starts
    assert not np.array_equal(a[start:], b[start:], equal_nan=True)


def test_a_scenario_made_in_code_is_checked_against_its_place():
    wrong = small(interventions=[{"type": "directory", "neighbourhoods": ["T001", "Z999"]}])
    with pytest.raises(hg_errors.InputError, match="Z999"):
        Simulation(wrong, seed=1)


def test_a_chosen_part_of_the_table_is_the_same_rows_as_the_whole():
    results = Simulation(small(), seed=2).step(3).results()
    whole = results.table()
    wanted = ["inactive_pct", "gap_inactive_pct", "open_groups"]
    part = results.table(wanted)
    assert set(part.metric) == set(wanted)
    expected = whole[whole.metric.isin(wanted)].reset_index(drop=True)
    assert part.reset_index(drop=True).equals(expected)


def test_front_ends_read_groups_links_and_the_funnel_from_the_run():
    bus = {"type": "transport", "mode": "bus_route", "neighbourhoods": ["T001", "T004", "T007"]}
    gp = {"type": "outreach", "channel": "gp_referral", "workers": 2, "target": "inactive"}
    sim = Simulation(small(interventions=[bus, gp]), seed=3)
    groups = sim.groups()
    assert len(groups) == sim.model.groups.n and groups.open.sum() > 0
    assert set(groups.kind) <= set(hg.model.groups.TYPE_NAMES)
    assert groups.venue.between(0, sim.town.n - 1).all()
    funnel = sim.run_with_funnel()
    assert sim.finished and sim.residents == sim.model.people.n
    links = sim.transport_links()
    assert [(a, b) for a, b, _ in links] == [(0, 3), (3, 6)] and links[0][2] == "bus_route"
    everyone = [row for row in funnel if row.quintile == "all"]
    assert len(everyone) == 1 and everyone[0].counts["seen"] > 0
    assert Simulation(small(), seed=3).run_with_funnel() == []  # no outreach, no funnel
    values = sim.neighbourhood_values("inactive_pct")
    assert values.shape == (sim.town.n,) and np.isfinite(values).all()
