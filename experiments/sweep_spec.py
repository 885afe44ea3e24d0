"""The sweep file (TOML): a base scenario, the factors to vary, a design, and what to keep.

    base = "morecambe_bay"          # a built-in name or a scenario file (relative to this file)
    design = "latin"                # grid | latin | saltelli | morris
    samples = 64                    # N for SALib's samplers
    replicates = 2
    years = 3
    paired = true                   # also run the base's baseline: effects, WELLBYs, costs
    outputs = ["delta_gap_inactive_pct", "wellbys"]
    [[factors]]
    path = "behaviour.travel_weight"            # any declared parameter (default: its range)
    [[factors]]
    path = "interventions.0.grant_gbp"          # an intervention field: give its range
    low = 1000
    high = 5000
    [[factors]]
    path = "habit.*"                # every declared parameter of a section ("*": all of them)

Errors name the file, the field and the fix, as a scenario file's do.
"""

from __future__ import annotations

import difflib
import math
import warnings
from pathlib import Path
from typing import Literal

from pydantic import Field, ValidationError, ValidationInfo, field_validator, model_validator

from healthgap.model.errors import InputError
from healthgap.model.metrics import INEQUALITY_METRICS, METRICS
from healthgap.model.parameters import PARAMETERS, ImplausibleValue
from healthgap.scenarios import Scenario, load_scenario
from healthgap.scenarios.loader import read_toml
from healthgap.scenarios.schema import Place, Strict, describe_validation

Design = Literal["grid", "latin", "saltelli", "morris", "places"]
LEVELS = [*METRICS] + [f"{kind}_{m}" for kind in ("gap", "sii") for m in INEQUALITY_METRICS]
EFFECTS = [f"delta_{name}" for name in LEVELS] + ["wellbys", "cost_gbp", "cost_per_wellby"]
DEFAULT_LEVELS = [*INEQUALITY_METRICS, *(f"gap_{m}" for m in INEQUALITY_METRICS)]
DEFAULT_EFFECTS = [
    "wellbys",
    "cost_gbp",
    "cost_per_wellby",
    *(f"delta_{m}" for m in INEQUALITY_METRICS),
    *(f"delta_gap_{m}" for m in INEQUALITY_METRICS),
]
WILDCARD = "*"


class Factor(Strict):
    """One factor: a parameter or intervention field by dotted path, a range or levels."""

    path: str
    low: float | None = None
    high: float | None = None
    levels: list[float] | None = Field(None, min_length=1)

    @property
    def wildcard(self) -> bool:
        """The factor names every declared parameter under a section: '*' or 'behaviour.*'."""
        return WILDCARD in self.path

    @model_validator(mode="after")
    def a_range_or_levels(self) -> Factor:
        if self.wildcard:
            if self.path != WILDCARD and not (
                self.path.endswith(".*") and self.path.count(WILDCARD) == 1
            ):
                raise ValueError(
                    f"'{self.path}': a * stands for every parameter of a section, as in '*' "
                    "(all of them) or 'behaviour.*'"
                )
            if (self.low, self.high, self.levels) != (None, None, None):
                raise ValueError(
                    f"'{self.path}' varies each parameter over its declared range: "
                    "give no low, high or levels (name a parameter alone to set its own)"
                )
        if self.levels is not None and (self.low is not None or self.high is not None):
            raise ValueError("give levels or low and high, not both")
        if self.low is not None and self.high is not None and self.low > self.high:
            raise ValueError(f"low ({self.low:g}) is above high ({self.high:g}): swap them")
        return self


class PlaceSet(Strict):
    """The places of a `places` design: local authorities of an IoD table, at a sample."""

    imd_file: str
    population_file: str | None = None
    centroids_file: str | None = None
    local_authorities: list[str] | None = Field(None, min_length=1, description="default: all")
    sample: float = Field(1.0, gt=0, le=1, description="share of each place's adults simulated")


class SweepSpec(Strict):
    """A sweep: the base scenario, the factors, the design, replicates, horizon and outputs."""

    base: str
    design: Design = "latin"
    samples: int = Field(16, ge=1, le=1_000_000, description="N for SALib's samplers")
    grid_steps: int = Field(3, ge=2, le=100, description="grid values of a factor without levels")
    morris_levels: int = Field(4, ge=2, le=20, description="Morris's grid levels (num_levels)")
    second_order: bool = Field(False, description="Saltelli design for second-order indices too")
    factors: list[Factor] = Field(default_factory=list)
    places: PlaceSet | None = Field(None, description="the local authorities of a places design")
    replicates: int = Field(1, ge=1, le=10_000)
    years: float | None = Field(None, gt=0, le=50, description="horizon (default: the base's)")
    residents: int | None = Field(
        None,
        ge=100,
        le=5_000_000,
        description="adults simulated: a sample of the base's preset town, interventions alike",
    )
    paired: bool = False
    outputs: list[str] | None = Field(None, min_length=1)
    seed: int = Field(1, ge=0)

    @field_validator("samples")
    @classmethod
    def sobol_needs_a_power_of_two(cls, samples: int, info: ValidationInfo) -> int:
        if info.data.get("design") == "saltelli" and samples & (samples - 1):
            power = 2 ** round(math.log2(samples))
            raise ValueError(f"Saltelli's (Sobol') design needs a power of 2, e.g. {power}")
        return samples

    @field_validator("factors")
    @classmethod
    def each_once_and_fit_the_design(cls, factors: list[Factor], info: ValidationInfo):
        paths = [f.path for f in factors]
        twice = sorted({p for p in paths if paths.count(p) > 1})
        if twice:
            raise ValueError(f"{', '.join(twice)} is named more than once: name each factor once")
        design = info.data.get("design")
        if (design == "places") == bool(factors):
            raise ValueError(
                "a places design varies the place, not factors: leave out [[factors]]"
                if factors
                else "name at least one factor to vary, in a [[factors]] table"
            )
        for i, factor in enumerate(factors):
            if factor.levels is not None and design not in ("grid", None):
                raise ValueError(
                    f"factors.{i} ('{factor.path}') gives levels, but design '{design}' samples "
                    'each factor from its range: give low and high, or use design = "grid"'
                )
        return factors

    @field_validator("places")
    @classmethod
    def places_for_a_places_design(cls, places: PlaceSet | None, info: ValidationInfo):
        if (info.data.get("design") == "places") != (places is not None):
            raise ValueError(
                'a [places] table (imd_file, local_authorities, sample) goes with design = "places"'
            )
        return places

    @field_validator("outputs")
    @classmethod
    def known_outputs(cls, outputs: list[str] | None, info: ValidationInfo):
        known = LEVELS + EFFECTS if info.data.get("paired") else LEVELS
        for name in outputs or []:
            if name in known:
                continue
            if name in EFFECTS:
                raise ValueError(f"'{name}' is an effect: it needs paired = true")
            close = difflib.get_close_matches(name, known, n=1)
            hint = f"did you mean '{close[0]}'?" if close else f"known: {', '.join(known)}"
            raise ValueError(f"unknown output '{name}': {hint}")
        return outputs

    @property
    def output_names(self) -> list[str]:
        """The outputs asked for, or a sensible set: levels and gaps, and effects when paired."""
        if self.outputs:
            return list(self.outputs)
        return DEFAULT_LEVELS + (DEFAULT_EFFECTS if self.paired else [])

    @property
    def factor_paths(self) -> list[str]:
        return ["local_authority"] if self.places else [f.path for f in self.factors]


class Sweep:
    """A validated sweep file: the spec, its base scenario and each factor's bounds and kind."""

    def __init__(
        self, spec: SweepSpec, base: Scenario, where: str = "the sweep", folder: Path = Path()
    ) -> None:
        self.spec = spec
        self.base = base
        self.bounds: list[tuple[float, float]] = []
        self.whole: list[bool] = []  # the factor takes whole numbers
        self.zero_width: list[str] = []  # parameters a wildcard names that have nothing to vary
        self.places = [] if spec.places is None else real_places(spec.places, folder, where)
        if self.places:
            self.bounds, self.whole = [(0, len(self.places) - 1)], [True]
        if any(factor.wildcard for factor in spec.factors):
            self.spec = spec = spec.model_copy(update={"factors": self.expanded(where)})
        check_residents(spec.residents, base, where, real_places=bool(self.places))
        for i, factor in enumerate(spec.factors):
            declared, whole = self.declared(factor.path, f"{where}: field 'factors.{i}.path'")
            values = factor.levels or [
                declared[0] if factor.low is None else factor.low,
                declared[1] if factor.high is None else factor.high,
            ]
            if None in values:
                raise InputError(
                    f"'{factor.path}' is an intervention field, which has no declared range.",
                    where=f"{where}: field 'factors.{i}'",
                    fix="Give its low and high (or levels).",
                )
            if min(values) == max(values):
                raise InputError(
                    f"'{factor.path}' would not vary (from {min(values):g} to {max(values):g}).",
                    where=f"{where}: field 'factors.{i}'",
                    fix="Give a low below its high, or leave the factor out.",
                )
            low, high = float(min(values)), float(max(values))
            if factor.path in PARAMETERS:
                possible = PARAMETERS[factor.path][1]["possible"]
                if not (possible.allows(low) and possible.allows(high)):
                    raise InputError(
                        f"'{factor.path}' cannot vary from {low:g} to {high:g}: it must be "
                        f"{possible.describe()}.",
                        where=f"{where}: field 'factors.{i}'",
                        fix=f"Keep its low and high {possible.describe()}; its plausible range "
                        f"is {declared[0]:g} to {declared[1]:g} (model/parameters.py).",
                    )
                if low < declared[0] or high > declared[1]:
                    warnings.warn(
                        f"{where}: field 'factors.{i}' varies '{factor.path}' from {low:g} to "
                        f"{high:g}, beyond its plausible range ({declared[0]:g} to "
                        f"{declared[1]:g}); it runs, but no evidence backs the values outside.",
                        ImplausibleValue,
                        stacklevel=2,
                    )
            if whole and spec.design == "morris":
                low, high = on_morris_levels(low, high, spec.morris_levels, where, i, factor.path)
            self.bounds.append((low, high))
            self.whole.append(whole)

    def expanded(self, where: str) -> list[Factor]:
        """The factors with each wildcard replaced by the declared parameters it names whose
        range is not zero-width (those are kept in `zero_width`); a factor named on its own
        keeps its own range, wherever a wildcard also names it."""
        named = {factor.path for factor in self.spec.factors if not factor.wildcard}
        chosen: dict[str, Factor] = {}
        for i, factor in enumerate(self.spec.factors):
            if not factor.wildcard:
                chosen[factor.path] = factor
                continue
            section = factor.path.removesuffix(WILDCARD)
            paths = [path for path in PARAMETERS if path.startswith(section)]
            if not paths:
                sections = {path.rpartition(".")[0] + ".*" for path in PARAMETERS}
                close = difflib.get_close_matches(factor.path, sorted(sections), n=1)
                raise InputError(
                    f"'{factor.path}' names no declared parameter.",
                    where=f"{where}: field 'factors.{i}.path'",
                    fix=(f"Did you mean '{close[0]}'? " if close else "")
                    + "Give '*' for every parameter, or a section of model/parameters.py.",
                )
            for path in paths:
                low, high = PARAMETERS[path][1]["range"]
                if low == high and path not in self.zero_width:
                    self.zero_width.append(path)
                elif low != high and path not in named:
                    chosen.setdefault(path, Factor(path=path))
        return list(chosen.values())

    def declared(self, path: str, where: str) -> tuple[tuple[float | None, float | None], bool]:
        """A factor's declared range and whether it takes whole numbers; an error if unknown."""
        if path in PARAMETERS:
            value, meta = PARAMETERS[path]
            return meta["range"], isinstance(value, int)
        parts = path.split(".")
        if len(parts) == 3 and parts[0] == "interventions" and parts[1].isdigit():
            return (None, None), self.intervention_field(parts, where)
        close = difflib.get_close_matches(path, list(PARAMETERS), n=1)
        raise InputError(
            f"'{path}' is not a declared parameter or an intervention field.",
            where=where,
            fix=(f"Did you mean '{close[0]}'? " if close else "")
            + "Name a parameter by its dotted path (model/parameters.py), or an intervention "
            "field as interventions.<index>.<field>.",
        )

    def intervention_field(self, parts: list[str], where: str) -> bool:
        """Check interventions.<index>.<field> against the base; True for a whole-number field."""
        count = len(self.base.interventions)
        if int(parts[1]) >= count:
            raise InputError(
                f"'{'.'.join(parts)}' names no intervention of the base scenario, which has "
                f"{count}.",
                where=where,
                fix="Count the base's interventions from 0, in the order its file lists them.",
            )
        spec = self.base.interventions[int(parts[1])]
        fields = type(spec).model_fields
        numeric = [n for n, f in fields.items() if f.annotation in (int, float, float | None)]
        if parts[2] not in numeric:
            close = difflib.get_close_matches(parts[2], numeric, n=1)
            raise InputError(
                f"Intervention {parts[1]} ('{spec.label}') has no number field '{parts[2]}'.",
                where=where,
                fix=(f"Did you mean '{close[0]}'? " if close else "")
                + f"Its number fields: {', '.join(numeric)}.",
            )
        return fields[parts[2]].annotation is int

    @property
    def problem(self) -> dict:
        """SALib's problem: the number of factors, their names (paths) and bounds."""
        return {
            "num_vars": len(self.bounds),
            "names": self.spec.factor_paths,
            "bounds": [list(b) for b in self.bounds],
        }


def on_morris_levels(
    low: float, high: float, levels: int, where: str, index: int, path: str
) -> tuple[float, float]:
    """A whole-number factor's range for a Morris design: the widest middle part of its range
    whose every level is a whole number, so no run's value is rounded (a rounded step is not
    the design's, and SALib divides each change in an output by the design's step)."""
    low, high = math.ceil(low), math.floor(high)
    steps = levels - 1
    span = (high - low) // steps * steps
    if span <= 0:
        raise InputError(
            f"'{path}' takes the whole numbers {low} to {high}: too few for {levels} Morris "
            "levels, each a whole number.",
            where=f"{where}: field 'factors.{index}'",
            fix=f"Set morris_levels to {high - low + 1} or fewer, or widen its range.",
        )
    low += (high - low - span) // 2
    return float(low), float(low + span)


def load_sweep(path: str | Path) -> Sweep:
    """Read and check a sweep file: its fields, its base scenario and every factor."""
    path = Path(path)
    spec, scenario = read_with_base(path, SweepSpec, "sweep file", known_keys)
    return Sweep(spec, scenario, str(path), path.resolve().parent)


def read_with_base(path: Path, schema: type[Strict], kind: str, known) -> tuple:
    """A file that names a `base` scenario (a sweep's or a calibration's): its fields checked
    against `schema` (`known` suggests keys), and the base scenario, a name or a path relative
    to the file. Errors name the file and the field."""
    where = str(path)
    try:
        spec = schema.model_validate(read_toml(path, kind))
    except ValidationError as error:
        raise InputError(
            describe_validation(error, known), where=where, fix="Correct the field(s) named above."
        ) from None
    base = Path(spec.base).expanduser()
    if base.suffix:
        base = path.resolve().parent / base
    try:
        return spec, load_scenario(base)
    except InputError as error:
        raise InputError(error.problem, where=f"{where}: field 'base'", fix=error.fix) from None


def check_residents(
    residents: int | None, base: Scenario, where: str, real_places: bool = False
) -> None:
    """A file's `residents` simulates a sample of its base's preset town: not of a real place
    (whose sample is the place's own), and not more adults than the town has."""
    if residents is None:
        return
    if real_places or base.place.local_authority:
        raise InputError(
            "residents sets the size of a preset town; the base scenario is a real place.",
            where=f"{where}: field 'residents'",
            fix="Remove residents; set a real place's sample fraction instead.",
        )
    if residents > base.place.residents:
        raise InputError(
            f"residents ({residents:,}) simulates a sample of the base's town, which has "
            f"{base.place.residents:,} adults.",
            where=f"{where}: field 'residents'",
            fix=f"Give at most {base.place.residents:,}, or a base scenario with a larger town.",
        )


def real_places(places: PlaceSet, folder: Path, where: str) -> list[Place]:
    """Each local authority of a places design as a `Place` (files relative to `folder`)."""
    from healthgap.scenarios.places import local_authorities, place_neighbourhoods

    files = places.model_dump(exclude={"local_authorities"})
    context = {"base_dir": folder}
    imd_file = Place.model_validate(files | {"preset": None}, context=context).imd_file
    try:
        names = places.local_authorities or local_authorities(imd_file).la_name.tolist()
        chosen = [
            Place.model_validate(files | {"preset": None, "local_authority": n}, context=context)
            for n in names
        ]
        for place in chosen:
            place_neighbourhoods(place)  # each is in the tables, with every figure it needs
    except InputError as error:
        raise InputError(error.problem, where=f"{where}: field 'places'", fix=error.fix) from None
    return chosen


def known_keys(parent: tuple) -> list[str]:
    """The keys allowed where an unknown one was found: top level, [places] or a factor."""
    kind = {(): SweepSpec, ("places",): PlaceSet}.get(tuple(parent), Factor)
    return list(kind.model_fields)
