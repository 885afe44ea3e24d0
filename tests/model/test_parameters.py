"""Every assumption is declared once, with unit, range and source, and reachable by dotted path."""

import ast
import dataclasses
import pickle
from pathlib import Path

import numpy as np
import pytest

from healthgap.model import HealthgapModel, Parameters, behaviour, typical_town
from healthgap.model.errors import InputError
from healthgap.model.groups import TYPE_INDEX, TYPE_NAMES
from healthgap.model.parameters import CHANCE, GROUP_TYPE_ATTRIBUTES, iter_parameters
from healthgap.scenarios import load_scenario

MODEL = Path(__file__).resolve().parents[2] / "model"
CAFE_GAIN = "groups.types.peer_support_cafe.wellbeing_gain"


def test_every_declared_parameter_has_unit_range_and_source():
    declared = list(iter_parameters(Parameters()))
    assert len(declared) > 150
    for path, value, meta in declared:
        low, high = meta["range"]
        assert type(value) in (int, float), path
        assert type(low) is type(high) is type(value), f"{path}: range of another type"
        assert low <= value <= high, path
        assert meta["unit"] and meta["source"], path
        assert meta["possible"].allows(low) and meta["possible"].allows(high), path


def test_a_chance_or_share_cannot_leave_0_to_1():
    """A parameter whose unit reads as a chance, a share or a rate per week is declared so."""
    for path, _, meta in iter_parameters(Parameters()):
        unit = meta["unit"].split(" (")[0]
        if unit.startswith(("chance", "share")) or unit in ("per week", "per week, scaled by"):
            assert meta["possible"] == CHANCE, path


@pytest.mark.parametrize(
    ("path", "value", "expected"),
    [
        ("groups.successor_chance", 1.5, "cannot be 1.5: it must be from 0 to 1"),
        ("behaviour.dropout_new", -0.01, "from 0 to 1"),
        ("behaviour.travel_weight", -3, "cannot be -3: it must be at least 0"),
        ("travel.walk_kmh", 0, "it must be above 0"),
        ("circumstances.activity_life_satisfaction_correlation", 1.2, "from -1 to 1"),
        ("place.inactive_offset_pct", -20, "above -20"),  # no quintile left inactive
        ("behaviour.lapse_weeks", 0, "at least 1"),
    ],
)
def test_an_impossible_value_is_refused_with_the_plausible_range(path, value, expected):
    with pytest.raises(InputError) as error:
        Parameters().with_overrides({path: value})
    assert expected in str(error.value)
    assert "plausible range" in error.value.fix


def test_a_value_beyond_the_plausible_range_but_possible_is_accepted():
    params = Parameters().with_overrides(
        {"groups.successor_chance": 1.0, "behaviour.try_intercept": -20}
    )
    assert params.groups.successor_chance == 1.0


def test_group_types_are_a_table_in_type_name_order():
    types = Parameters().groups.types
    assert tuple(f.name for f in dataclasses.fields(types)) == TYPE_NAMES
    for name in TYPE_NAMES:
        kind = getattr(types, name)
        assert tuple(f.name for f in dataclasses.fields(kind)) == tuple(GROUP_TYPE_ATTRIBUTES)
        for attribute, (number, _) in GROUP_TYPE_ATTRIBUTES.items():
            assert type(getattr(kind, attribute)) is number, f"{name}.{attribute}"
            assert types.column(attribute)[TYPE_INDEX[name]] == getattr(kind, attribute)
    assert types.column("capacity").dtype.kind == "i"
    assert types.parkrun.wellbeing_gain == pytest.approx(0.3219)  # fitted: response.toml
    with pytest.raises(ValueError):
        types.column("capacity")[0] = 1  # shared by every model built from these parameters


def test_an_override_replaces_one_figure_and_pickles():
    params = Parameters().with_overrides({CAFE_GAIN: 0.8, "groups.types.swim.capacity": 30})
    types = params.groups.types
    assert types.peer_support_cafe.wellbeing_gain == 0.8
    assert types.column("wellbeing_gain")[TYPE_INDEX["peer_support_cafe"]] == 0.8
    assert types.column("capacity")[TYPE_INDEX["swim"]] == 30
    assert Parameters().groups.types.peer_support_cafe.wellbeing_gain == 0.4
    assert pickle.loads(pickle.dumps(params)) == params


def cafe_goers_gain(params: Parameters) -> np.ndarray:
    """What ten people gain from one session of a new peer-support café (no life events)."""
    model = HealthgapModel(
        typical_town(residents=2_000, neighbourhoods=10), params, 1, mesa_agents=False
    )
    [cafe] = model.groups.add([TYPE_INDEX["peer_support_cafe"]], [0], model.week)
    people = model.people
    people.attended[:] = -1
    people.attended[:10] = cafe
    people.wellbeing_gain[:] = 0
    behaviour.drift_wellbeing(model, week=1)  # life events fall every fourth week
    return people.wellbeing_gain[:10]


def test_a_scenario_override_of_a_group_type_reaches_the_model(tmp_path):
    path = tmp_path / "cafe.toml"
    path.write_text(f'[parameters]\nburn_in_weeks = 8\n"{CAFE_GAIN}" = 0.8\n')
    params = load_scenario(path).model_parameters()
    rate = params.wellbeing.gain_rate
    np.testing.assert_allclose(cafe_goers_gain(params), rate * 0.8, rtol=1e-6)
    default = Parameters().with_overrides({"burn_in_weeks": 8})
    np.testing.assert_allclose(cafe_goers_gain(default), rate * 0.4, rtol=1e-6)


@pytest.mark.parametrize(
    ("path", "value", "expected"),
    [
        ("groups.types.peer_suport_cafe.wellbeing_gain", 0.5, f"Did you mean '{CAFE_GAIN}'?"),
        ("groups.types.yoga.capacity", 20, "no 'yoga' in 'groups.types'"),
        ("groups.types.yoga.capacity", 20, "parkrun, walk_and_talk"),
        ("groups.types.swim.colour", 1, "holds: minutes, wellbeing_gain, capacity"),
        ("groups.types.swim.capacity", 20.5, "must be a whole number"),
        ("groups.types.swim", 1, "e.g. 'groups.types.swim.minutes'"),
        ("behaviour.travel_weight.far", 1, "is a parameter, not a section"),
    ],
)
def test_a_wrong_path_or_value_gives_a_clear_error(path, value, expected):
    with pytest.raises(InputError) as error:
        Parameters().with_overrides({path: value})
    assert expected in str(error.value)


# Numbers these modules may keep at module level, and why none is an assumption to sweep.
NOT_PARAMETERS = {
    "LIFE_EVENT_WEEKS": "how often life events are drawn (at the declared weekly rate compounded)",
    "LIFE_SATISFACTION_CONCENTRATION": "solved from the published mean and low share",
    "QUANTILE_GRID": "resolution of a lookup table",
    "WEEKS_PER_YEAR": "the calendar",
    "AGE_55_74": "the index of an age band",
    "REFERENCE_PER_DECILE": "the size of the reference England self-rated health is solved on",
    "REFERENCE_SEED": "which draw of that reference (the same for every run: a definition)",
}


@pytest.mark.parametrize(
    "module", ["behaviour.py", "population.py", "groups.py", "ties.py", "health.py"]
)
def test_behaviour_modules_keep_no_numbers_of_their_own(module):
    """Assumptions live in parameters.py: any other module-level number is listed above."""
    tree = ast.parse((MODEL / module).read_text())
    for statement in tree.body:
        if not isinstance(statement, ast.Assign | ast.AnnAssign) or statement.value is None:
            continue
        numbers = [
            node.value
            for node in ast.walk(statement.value)
            if isinstance(node, ast.Constant) and type(node.value) in (int, float)
        ]
        targets = statement.targets if isinstance(statement, ast.Assign) else [statement.target]
        names = [ast.unparse(target) for target in targets]
        if numbers:
            assert set(names) <= set(NOT_PARAMETERS), f"{module}: {names} = {numbers}"
