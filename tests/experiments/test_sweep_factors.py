"""Wildcard factors: every declared parameter, or a section's, with a range to vary."""

from __future__ import annotations

import pytest

from healthgap.experiments.sweep_spec import PARAMETERS, load_sweep
from healthgap.model.errors import InputError
from tests.experiments.test_sweep import healthgap, write_sweep


def ranged(prefix: str = "") -> list[str]:
    """The declared parameters under `prefix` whose range is not zero-width, in declared order."""
    return [
        path
        for path, (_, meta) in PARAMETERS.items()
        if path.startswith(prefix) and meta["range"][0] != meta["range"][1]
    ]


def sweep_of(tmp_path, factors: str, design: str = "morris"):
    text = f'base = "small.toml"\ndesign = "{design}"\nsamples = 1\n{factors}'
    return load_sweep(write_sweep(tmp_path, text=text))


def test_a_star_names_every_declared_parameter_with_a_range(tmp_path):
    sweep = sweep_of(tmp_path, '[[factors]]\npath = "*"\n')
    assert sweep.spec.factor_paths == ranged()
    assert len(sweep.zero_width) == len(PARAMETERS) - len(ranged()) > 0
    assert sweep.bounds[0] == PARAMETERS[ranged()[0]][1]["range"]  # its declared range


def test_a_section_star_with_a_factor_of_its_own_range(tmp_path):
    sweep = sweep_of(
        tmp_path,
        '[[factors]]\npath = "behaviour.*"\n'
        '[[factors]]\npath = "behaviour.travel_weight"\nlow = 0.2\nhigh = 0.3\n',
        design="latin",
    )
    assert sorted(sweep.spec.factor_paths) == sorted(ranged("behaviour."))
    travel = sweep.spec.factor_paths.index("behaviour.travel_weight")
    assert sweep.bounds[travel] == (0.2, 0.3)
    assert sweep.zero_width == []


@pytest.mark.parametrize(
    ("factor", "says"),
    [
        ('path = "behavior.*"', "Did you mean 'behaviour.*'"),
        ('path = "beh*"', "a * stands for every parameter of a section"),
        ('path = "*"\nlow = 0', "give no low, high or levels"),
    ],
)
def test_a_bad_wildcard_is_an_error_naming_the_field(tmp_path, factor, says):
    with pytest.raises(InputError, match="factors.0") as error:
        sweep_of(tmp_path, f"[[factors]]\n{factor}\n")
    assert says in str(error.value)


def test_the_sweep_says_which_parameters_it_left_out(tmp_path):
    text = 'base = "small.toml"\ndesign = "morris"\nsamples = 1\n[[factors]]\n'
    spec = write_sweep(tmp_path, text=text + 'path = "groups.types.parkrun.*"\n')
    result = healthgap("sweep", str(spec), "--out", "out", "--workers", "1", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    message = " ".join(result.stdout.split())
    factors = len(ranged("groups.types.parkrun."))
    assert f"{factors} factors; 2 declared parameters left out, their range zero-width" in message
    assert "groups.types.parkrun.cost_gbp" in message


def test_a_sweep_over_impossible_values_is_refused_before_it_runs(tmp_path):
    factor = '[[factors]]\npath = "groups.successor_chance"\nlow = 0.2\nhigh = 1.5\n'
    with pytest.raises(InputError, match="factors.0") as error:
        sweep_of(tmp_path, factor, design="latin")
    assert "cannot vary from 0.2 to 1.5: it must be from 0 to 1" in str(error.value)
    result = healthgap("sweep", "sweep.toml", "--out", "out", cwd=tmp_path)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "field 'factors.0'" in " ".join(result.stderr.split())


def test_a_sweep_beyond_the_plausible_range_warns_once_and_runs(tmp_path):
    from healthgap.model.parameters import ImplausibleValue

    factor = '[[factors]]\npath = "groups.successor_chance"\nlow = 0.2\nhigh = 1.0\n'
    with pytest.warns(ImplausibleValue, match="beyond its plausible range") as caught:
        sweep = sweep_of(tmp_path, factor, design="latin")
    assert len([w for w in caught if "'factors.0'" in str(w.message)]) == 1
    assert sweep.bounds == [(0.2, 1.0)]
