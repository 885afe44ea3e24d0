"""Mesa keeps working: residents and groups are real agents whose fields are views of the arrays."""

import mesa
import numpy as np
import pytest

from healthgap.model import HealthgapModel, Parameters, typical_town
from healthgap.model.agents import CommunityGroup, Resident


def test_agents_are_views_of_the_arrays():
    town = typical_town(residents=3_000, neighbourhoods=10)
    model = HealthgapModel(town, Parameters().with_overrides({"burn_in_weeks": 8}), seed=2)
    residents = model.agents_by_type[Resident]
    groups = model.agents_by_type[CommunityGroup]
    assert len(residents) == model.people.n
    assert len(groups) == model.groups.n

    model.step()
    someone = residents.select(lambda a: a.index == 17).to_list()[0]
    assert someone.life_satisfaction == float(model.people.life_satisfaction[17])
    riders = residents.select(lambda a: a.rode_bus_out)
    assert len(riders) == int(model.people.rode_bus_out.sum()) > 0
    someone.habit = 0.75  # writing through the agent writes the array
    assert model.people.habit[17] == np.float32(0.75)

    mean_ls = residents.agg("life_satisfaction", np.mean)
    assert mean_ls == pytest.approx(float(model.people.life_satisfaction.mean()), rel=1e-6)
    open_groups = groups.select(lambda g: g.open)
    assert len(open_groups) == int(model.groups.open.sum())

    # Mesa's DataCollector works with the model's metrics (the model keeps its own record once).
    collector = mesa.DataCollector(model_reporters={"inactive": lambda m: m.metric("inactive_pct")})
    collector.collect(model)
    model.step()
    collector.collect(model)
    table = collector.get_model_vars_dataframe()
    assert len(table) == 2
    assert table["inactive"].iloc[-1] == model.results().series("inactive_pct")[-1]


def test_groups_opened_later_get_agents():
    town = typical_town(residents=3_000, neighbourhoods=10)
    model = HealthgapModel(town, Parameters().with_overrides({"burn_in_weeks": 8}), seed=2)
    before = len(model.agents_by_type[CommunityGroup])
    model.groups.add([1], [0], model.week, funded_until=100)
    model.groups_changed()
    model.step()
    assert len(model.agents_by_type[CommunityGroup]) == before + 1


def test_friendships_export_to_networkx():
    town = typical_town(residents=2_000, neighbourhoods=10)
    model = HealthgapModel(
        town, Parameters().with_overrides({"burn_in_weeks": 26}), seed=2, mesa_agents=False
    )
    graph = model.friendship_graph()
    assert graph.number_of_nodes() == model.people.n
    degrees = np.array([d for _, d in sorted(graph.degree())])
    assert np.array_equal(degrees, model.friends.degree())
    kinds = {k for _, _, k in graph.edges(data="kind")}
    assert kinds == {"neighbour", "group"}
