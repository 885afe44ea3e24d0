"""The scenario schema: what a scenario file (TOML) may say, and plain errors for what it may not."""

from __future__ import annotations

import difflib
import hashlib
import json
from collections.abc import Callable
from pathlib import Path
from typing import Literal, get_args

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from healthgap.model.errors import InputError
from healthgap.model.interventions import AnyIntervention
from healthgap.model.parameters import Parameters

PLACE_FILES = ("imd_file", "population_file", "centroids_file", "bus_minutes_file")


class Strict(BaseModel):
    """Misspelt or unknown keys are errors, not ignored."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class Place(Strict):
    """Where: a synthetic town (preset), or the LSOAs of a real English local authority."""

    preset: Literal["typical_town"] | None = "typical_town"
    residents: int = Field(50_000, ge=100, le=5_000_000, description="adults of the town (preset)")
    neighbourhoods: int = Field(30, ge=10, le=5_000, description="neighbourhoods (preset)")
    deciles: list[int] | None = Field(
        None, description="IMD decile of each neighbourhood (preset); default: every decile"
    )
    local_authority: str | None = Field(None, description="name or code of a real local authority")
    imd_file: str | None = Field(None, description="IoD File 7, or File 1 with population_file")
    population_file: str | None = Field(None, description="IoD File 6 (population denominators)")
    centroids_file: str | None = Field(
        None, description="LSOA centroids: code, longitude, latitude"
    )
    bus_minutes_file: str | None = Field(
        None,
        description="door-to-door minutes by bus and walking between neighbourhoods (from, to, "
        "minutes), e.g. from a journey planner; where given they replace the model's bus network",
    )
    sample: float = Field(
        1.0,
        gt=0,
        le=1,
        description="share of the place's adults to simulate; interventions shrink alike",
    )

    @field_validator(*PLACE_FILES)
    @classmethod
    def from_scenario_folder(cls, path: str | None, info: ValidationInfo) -> str | None:
        """A relative path starts at the scenario file's folder (context `base_dir`)."""
        base_dir = (info.context or {}).get("base_dir")
        if path is None or base_dir is None:
            return path
        return str(Path(base_dir) / Path(path).expanduser())

    @model_validator(mode="after")
    def one_kind_of_place(self) -> Place:
        if self.local_authority and not self.imd_file:
            raise ValueError(
                "a real place needs imd_file (the IoD File 7, or File 1 with population_file)"
            )
        if self.deciles is not None:
            if len(self.deciles) != self.neighbourhoods:
                raise ValueError(
                    f"deciles lists {len(self.deciles)} neighbourhoods but neighbourhoods is "
                    f"{self.neighbourhoods}; give one decile per neighbourhood"
                )
            if any(not 1 <= d <= 10 for d in self.deciles):
                raise ValueError("every decile must be a whole number from 1 to 10")
        return self


class Scenario(Strict):
    """A what-if: a place, a horizon, a seed, parameter overrides and interventions."""

    name: str = "scenario"
    description: str = ""
    years: float = Field(10, gt=0, le=50, description="simulated years after the burn-in")
    seed: int = Field(1, ge=0)
    place: Place = Place()
    parameters: dict[str, float] = Field(
        default_factory=dict, description="model parameters by dotted path"
    )
    interventions: list[AnyIntervention] = Field(default_factory=list)

    @field_validator("interventions")
    @classmethod
    def start_in_time(cls, interventions: list, info: ValidationInfo) -> list:
        years = info.data.get("years")
        for i, spec in enumerate(interventions):
            if years is not None and spec.start_year >= years:
                raise ValueError(
                    f"intervention {i + 1} ('{spec.label}') starts at year {spec.start_year:g}, "
                    f"after the scenario ends (years = {years:g}): start it earlier or simulate "
                    "more years"
                )
        return interventions

    @property
    def weeks(self) -> int:
        return max(1, round(self.years * 52))

    def model_parameters(self) -> Parameters:
        return Parameters().with_overrides(self.parameters)

    def digest(self) -> str:
        """A hash of everything that defines the scenario (for provenance), a real place's tables
        by their content, not their paths: the same scenario hashes the same on any machine."""
        content = self.model_dump(mode="json")
        for key in PLACE_FILES:
            if content["place"][key] is not None:
                content["place"][key] = file_digest(content["place"][key])
        canonical = json.dumps(content, sort_keys=True)
        return hashlib.sha256(canonical.encode()).hexdigest()[:16]


def file_digest(path: str | Path) -> str:
    """The SHA-256 of a file's content."""
    try:
        with open(path, "rb") as file:
            return hashlib.file_digest(file, "sha256").hexdigest()
    except OSError as error:
        raise InputError.unreadable(path, error) from None


def _known_keys(parent: tuple) -> list[str]:
    """The keys allowed where an unknown one was found: top level, [place] or an intervention."""
    if parent == ():
        return list(Scenario.model_fields)
    if parent == ("place",):
        return list(Place.model_fields)
    if len(parent) == 3 and parent[0] == "interventions":
        for kind in get_args(get_args(AnyIntervention)[0]):
            if kind.model_fields["type"].default == parent[2]:
                return list(kind.model_fields)
    return []


def describe_validation(
    error: ValidationError, known_keys: Callable[[tuple], list[str]] = _known_keys
) -> str:
    """Pydantic's errors as plain sentences naming each field (and the likely intended key);
    `known_keys(parent)` gives the keys allowed where an unknown one was found."""
    parts = []
    for item in error.errors():
        field = ".".join(str(x) for x in item["loc"]) or "(top level)"
        if item["type"] == "extra_forbidden":
            known = known_keys(item["loc"][:-1])
            close = difflib.get_close_matches(str(item["loc"][-1]), known, n=1)
            hint = f" Did you mean '{close[0]}'?" if close else ""
            listing = f" Known here: {', '.join(known)}." if known and not close else ""
            parts.append(f"'{field}' is not a known setting.{hint}{listing}")
        else:
            message = item["msg"].removeprefix("Value error, ")
            parts.append(f"field '{field}': {message} (got {item.get('input')!r}).")
    return " ".join(parts)
