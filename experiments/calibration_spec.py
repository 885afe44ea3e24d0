"""The calibration file (TOML): a base scenario, the free parameters, the targets, and the study.

    base = "baseline"              # a built-in name or a scenario file (relative to this file)
    years = 2                      # horizon of every run (default: the base's)
    residents = 5000               # adults simulated: a sample of the base town (default: all)
    replicates = 2                 # seeds seed, seed+1, ... at every trial, averaged
    trials = 60                    # finished trials the study ends with
    seed = 1                       # the runs' first seed and the sampler's seed
    sampler = "tpe"                # tpe | random
    [[free]]
    path = "behaviour.try_intercept"   # a declared parameter: its declared range is the prior
    low = -8                           # optional, inside the declared range
    [[targets]]
    measure = "inactive_pct_q1"    # a measure of experiments/measures.py
    tolerance = 2.0                # in the measure's unit: a miss of one tolerance adds 1 to the loss
    value = 34.0                   # optional: the figure (default: the measure's published one)

Errors name the file, the field and the fix, as a sweep file's do.
"""

from __future__ import annotations

import difflib
import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from pydantic import Field, ValidationError, field_validator, model_validator

from healthgap.model.errors import InputError
from healthgap.model.evidence import Figure
from healthgap.scenarios import Scenario
from healthgap.scenarios.schema import Strict, describe_validation

from .measures import MEASURES
from .sweep_spec import PARAMETERS, check_residents, read_with_base

Sampler = Literal["tpe", "random"]
STUDY_FILE = "study.db"  # the study, in the output folder
LOSS = "((model - figure) / tolerance)^2 summed over the targets"


class FreeParameter(Strict):
    """A parameter the study fits: a declared one by dotted path, within its declared range."""

    path: str
    low: float | None = None
    high: float | None = None

    @field_validator("path")
    @classmethod
    def declared(cls, path: str) -> str:
        if path in PARAMETERS:
            return path
        close = difflib.get_close_matches(path, list(PARAMETERS), n=1)
        hint = f"did you mean '{close[0]}'?" if close else "name one of model/parameters.py"
        raise ValueError(f"'{path}' is not a declared parameter: {hint}")

    @model_validator(mode="after")
    def inside_the_declared_range(self) -> FreeParameter:
        declared_low, declared_high = PARAMETERS[self.path][1]["range"]
        for name, value in (("low", self.low), ("high", self.high)):
            if value is not None and not declared_low <= value <= declared_high:
                raise ValueError(
                    f"{name} ({value:g}) is outside the declared range of '{self.path}' "
                    f"({declared_low:g} to {declared_high:g}): give a value inside it, or "
                    "leave it out to search the whole range"
                )
        low, high = self.bounds
        if self.whole and low >= high:
            raise ValueError(
                f"'{self.path}' takes whole numbers, and {low:g} to {high:g} holds fewer than "
                "two: widen its low and high, or leave the parameter out"
            )
        if low >= high:
            raise ValueError(
                f"'{self.path}' would not vary (from {low:g} to {high:g}): give a low below its "
                "high, or leave the parameter out"
            )
        return self

    @property
    def whole(self) -> bool:
        """The parameter takes whole numbers."""
        return isinstance(PARAMETERS[self.path][0], int)

    @property
    def bounds(self) -> tuple[float, float]:
        """The range searched: the declared range, narrowed by low and high (whole numbers for
        a whole-number parameter)."""
        declared_low, declared_high = PARAMETERS[self.path][1]["range"]
        low = declared_low if self.low is None else self.low
        high = declared_high if self.high is None else self.high
        if self.whole:
            return float(math.ceil(low)), float(math.floor(high))
        return float(low), float(high)


class Target(Strict):
    """A figure the model should reproduce: a measure, its tolerance, and optionally the figure."""

    measure: str
    tolerance: float | None = Field(
        None, gt=0, description="in the measure's unit; default: the measure's declared tolerance"
    )
    value: float | None = Field(None, description="default: the measure's published figure")

    @field_validator("measure")
    @classmethod
    def known_measure(cls, measure: str) -> str:
        if measure in MEASURES and MEASURES[measure].measured:
            return measure
        if measure in MEASURES:
            raise ValueError(f"'{measure}' is a published figure the model does not measure")
        close = difflib.get_close_matches(measure, list(MEASURES), n=1)
        hint = f"did you mean '{close[0]}'?" if close else f"known: {', '.join(MEASURES)}"
        raise ValueError(f"unknown measure '{measure}': {hint}")

    @model_validator(mode="after")
    def a_figure_to_compare_with(self) -> Target:
        measure = MEASURES[self.measure]
        if self.value is None and measure.figure is None:
            raise ValueError(
                f"'{self.measure}' has no published figure: give the value to fit, as value = ..."
            )
        if self.tolerance is None:
            raise ValueError(
                f"'{self.measure}' declares no tolerance: give one, as tolerance = ..."
            )
        return self

    @model_validator(mode="before")
    @classmethod
    def declared_tolerance(cls, data):
        """A target with no tolerance of its own takes the one its measure declares."""
        if isinstance(data, dict) and data.get("tolerance") is None:
            measure = MEASURES.get(data.get("measure"))
            if measure is not None and measure.tolerance is not None:
                data = data | {"tolerance": measure.tolerance}
        return data

    @property
    def figure(self) -> Figure:
        """The figure fitted: the file's own value, or the measure's published figure."""
        if self.value is None:
            return MEASURES[self.measure].figure
        return Figure(self.value, "given in the calibration file", "the calibration file")


class CalibrationSpec(Strict):
    """A calibration: base scenario, free parameters, targets, replicates, horizon, study."""

    base: str
    free: list[FreeParameter] = Field(min_length=1)
    targets: list[Target] = Field(min_length=1)
    replicates: int = Field(1, ge=1, le=1000, description="seeds a trial runs, averaged")
    years: float | None = Field(None, gt=0, le=50, description="horizon (default: the base's)")
    residents: int | None = Field(
        None, ge=100, le=5_000_000, description="adults simulated: a sample of the base's town"
    )
    trials: int = Field(50, ge=1, le=100_000, description="finished trials the study ends with")
    seed: int = Field(1, ge=0, description="first seed of the runs, and the sampler's seed")
    sampler: Sampler = "tpe"
    batch: int | None = Field(
        None, ge=1, le=10_000, description="trials asked at once (default: one per worker)"
    )

    @field_validator("free")
    @classmethod
    def each_parameter_once(cls, free: list[FreeParameter]) -> list[FreeParameter]:
        paths = [f.path for f in free]
        twice = sorted({p for p in paths if paths.count(p) > 1})
        if twice:
            raise ValueError(f"{', '.join(twice)} is named more than once: name each once")
        return free

    @field_validator("targets")
    @classmethod
    def each_measure_once(cls, targets: list[Target]) -> list[Target]:
        names = [t.measure for t in targets]
        twice = sorted({n for n in names if names.count(n) > 1})
        if twice:
            raise ValueError(f"{', '.join(twice)} is a target more than once: give each once")
        return targets


@dataclass(frozen=True)
class Calibration:
    """A validated calibration file: its spec, its base scenario and where it was read from."""

    spec: CalibrationSpec
    base: Scenario
    where: str = "the calibration"

    @property
    def seeds(self) -> list[int]:
        """The seeds every trial runs (common random numbers across trials)."""
        return [self.spec.seed + r for r in range(self.spec.replicates)]

    @property
    def paths(self) -> list[str]:
        return [f.path for f in self.spec.free]

    @property
    def measures(self) -> list[str]:
        return [t.measure for t in self.spec.targets]

    def scenario(self, values: dict[str, float] | None = None) -> Scenario:
        """The base scenario with the calibration's horizon and sample of its town, and a
        trial's parameter values (by dotted path) on top of the base's own."""
        spec = self.spec
        data = self.base.model_dump(exclude_unset=True)
        if spec.years is not None:
            data["years"] = spec.years
        if spec.residents is not None:  # a sample of the base town, as a sweep's residents
            data.setdefault("place", {})["sample"] = spec.residents / self.base.place.residents
        if values:
            whole = {f.path: f.whole for f in spec.free}
            data["parameters"] = dict(data.get("parameters", {})) | {
                path: int(round(v)) if whole.get(path) else float(v) for path, v in values.items()
            }
        return Scenario.model_validate(data)

    def identity(self) -> str:
        """What must match for a study in a folder to be this calibration's: everything but
        `trials` and `batch` (raising `trials` continues a study), with the base scenario by
        its content, not its path."""
        spec = self.spec.model_dump(mode="json", exclude={"trials", "batch", "base"})
        return json.dumps({"spec": spec, "base": self.scenario().digest()}, sort_keys=True)


def load_calibration(path: str | Path) -> Calibration:
    """Read and check a calibration file: its fields, its base scenario, parameters, targets."""
    path = Path(path)
    where = str(path)
    spec, scenario = read_with_base(path, CalibrationSpec, "calibration file", known_keys)
    check_residents(spec.residents, scenario, where)
    for i, target in enumerate(spec.targets):
        check = MEASURES[target.measure].check
        try:
            if check is not None:
                check(scenario)
        except InputError as error:
            raise InputError(
                error.problem,
                where=f"{where}: field 'targets.{i}.measure' ('{target.measure}')",
                fix=f"{error.fix} Or leave this target out.",
            ) from None
    calibration = Calibration(spec, scenario, where)
    try:
        lows = {f.path: f.bounds[0] for f in spec.free}
        calibration.scenario(lows).model_parameters()
    except (ValidationError, InputError) as error:
        problem = error.problem if isinstance(error, InputError) else describe_validation(error)
        raise InputError(
            f"The base scenario with the free parameters at their lows is invalid: {problem}",
            where=where,
            fix="Check the base scenario and the free parameters' ranges.",
        ) from None
    return calibration


def known_keys(parent: tuple) -> list[str]:
    """The keys allowed where an unknown one was found: top level, a free parameter, a target."""
    if parent == ():
        return list(CalibrationSpec.model_fields)
    kind = {"free": FreeParameter, "targets": Target}.get(str(parent[0]))
    return list(kind.model_fields) if kind else []
