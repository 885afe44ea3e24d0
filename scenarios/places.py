"""Build the town a scenario names."""

from __future__ import annotations

from healthgap.model.town import Town, typical_town

from .schema import Scenario


def build_place(scenario: Scenario) -> Town:
    """The scenario's town."""
    place = scenario.place
    return typical_town(residents=place.residents, neighbourhoods=place.neighbourhoods)
