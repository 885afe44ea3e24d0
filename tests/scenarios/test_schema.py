"""Scenario files: every field checked when the file is read, with the file, field and fix."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from pydantic import ValidationError

from healthgap.model.errors import InputError
from healthgap.model.interventions import Outreach
from healthgap.scenarios import check_place_fits, load_scenario, parse_scenario, places
from healthgap.scenarios.schema import Scenario

SAMPLES = Path(places.SAMPLES)
SAMPLE_PLACE = (
    '[place]\nlocal_authority = "Ashbrook"\nimd_file = "File_1_sample_IMD.csv"\n'
    'population_file = "File_6_sample_population.csv"\ncentroids_file = "sample_centroids.csv"\n'
)


def scenario_file(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "what_if.toml"
    path.write_text(text)
    return path


def read_error(tmp_path: Path, text: str) -> str:
    """The message of the error that reading `text` as a scenario file gives."""
    with pytest.raises(InputError) as error:
        parse_scenario(scenario_file(tmp_path, text))
    message = " ".join(error.value.message().split())
    assert "what_if.toml" in message
    return message


def test_a_low_impact_offer_of_a_high_impact_kind_is_an_error_when_read(tmp_path):
    message = read_error(
        tmp_path, '[[interventions]]\ntype = "low_impact"\ngroup_type = "parkrun"\n'
    )
    assert "interventions.0.low_impact.group_type" in message
    assert "'parkrun' is not a low-impact kind" in message and "swim" in message


BUS = 'type = "transport"\nmode = "bus_route"\n'
FUND = 'type = "seed_funding"\nbudget_gbp = 1\n'


@pytest.mark.parametrize(
    ("intervention", "field", "words"),
    [
        (BUS + 'neighbourhoods = ["T001", "T099"]', "0.neighbourhoods", "T099"),
        ('type = "directory"\nneighbourhoods = []', "0.directory.neighbourhoods", "at least 1"),
        (BUS + 'neighbourhoods = ["T001", "T001"]', "0.transport", "two different neighbourhoods"),
        (BUS + 'neighbourhoods = ["T001", "T002"]\ncapacity = 9', "0.transport.capacity", "driver"),
        (FUND + "most_deprived = 31", "0.most_deprived", "this place has 30"),
        (FUND + "rounds = 3", "0.seed_funding.rounds", "give end_year"),
        ('type = "low_impact"\nsessions = 31', "0.sessions", "this place has 30"),
        (
            'type = "low_impact"\nsessions = 3\nneighbourhoods = ["T001", "T002"]',
            "0.low_impact.sessions",
            "2 are named",
        ),
        ('type = "outreach"\nstart_year = 12', "", "after the scenario ends (years = 10)"),
    ],
)
def test_every_intervention_field_is_checked_when_read(tmp_path, intervention, field, words):
    message = read_error(tmp_path, f"years = 10\n[[interventions]]\n{intervention}\n")
    assert f"field 'interventions{'.' if field else ''}{field}'" in message
    assert words in message


def test_neighbourhood_codes_are_checked_without_building_the_town(tmp_path, monkeypatch):
    def no_town(*args, **kwargs):
        raise AssertionError("a town was built to check codes")

    monkeypatch.setattr(places, "build_town", no_town)
    monkeypatch.setattr(places, "typical_town", no_town)
    for name in ("File_1_sample_IMD.csv", "File_6_sample_population.csv", "sample_centroids.csv"):
        shutil.copy(SAMPLES / name, tmp_path)
    place = parse_scenario(scenario_file(tmp_path, SAMPLE_PLACE)).place
    first, second = places.place_neighbourhoods(place).code[:2]
    drivers = '[[interventions]]\ntype = "transport"\nmode = "volunteer_drivers"\n'
    parse_scenario(
        scenario_file(
            tmp_path, f'{SAMPLE_PLACE}{drivers}neighbourhoods = ["{first}", "{second}"]\n'
        )
    )
    message = read_error(tmp_path, f'{SAMPLE_PLACE}{drivers}neighbourhoods = ["{first}", "T001"]\n')
    assert "not in this place: T001" in message and first in message  # codes of this place
    assert load_scenario("oadby_wigston").interventions[0].neighbourhoods[0] == "T001"


def test_a_scenario_made_in_code_is_checked_by_check_place_fits():
    made = Scenario(interventions=[Outreach(neighbourhoods=["T001", "T031"])])
    with pytest.raises(InputError, match="T031") as error:
        check_place_fits(made)
    assert error.value.where == "field 'interventions.0.neighbourhoods'"


def test_a_spec_is_a_frozen_declaration():
    spec = Outreach(workers=2)
    with pytest.raises(ValidationError):
        spec.workers = 3


def test_the_scenario_hash_comes_from_file_contents_not_paths(tmp_path):
    digests = []
    for folder in ("one", "two"):
        (tmp_path / folder).mkdir()
        for name in (
            "File_1_sample_IMD.csv",
            "File_6_sample_population.csv",
            "sample_centroids.csv",
        ):
            shutil.copy(SAMPLES / name, tmp_path / folder)
        scenario = parse_scenario(scenario_file(tmp_path / folder, SAMPLE_PLACE))
        assert str(tmp_path / folder) in scenario.place.imd_file
        digests.append(scenario.digest())
    assert digests[0] == digests[1]
    centroids = tmp_path / "two" / "sample_centroids.csv"
    centroids.write_text(centroids.read_text().replace(".1", ".2", 1))
    assert parse_scenario(tmp_path / "two" / "what_if.toml").digest() != digests[0]
