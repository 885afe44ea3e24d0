"""Reading scenarios: the built-in library and scenario files, every field checked as it is read.

Errors name the file, the field and the fix. What an intervention names is checked against the
scenario's place here, once, from the place's neighbourhood codes (read, not built).
"""

from __future__ import annotations

import tomllib
import warnings
from pathlib import Path

from pydantic import ValidationError

from healthgap.model.errors import InputError
from healthgap.model.parameters import PARAMETERS, ImplausibleValue
from healthgap.model.town import preset_codes

from .schema import Place, Scenario, describe_validation

LIBRARY = Path(__file__).parent / "library"


def builtin_names() -> list[str]:
    return sorted(p.stem for p in LIBRARY.glob("*.toml"))


def load_scenario(name_or_path: str | Path | None = None) -> Scenario:
    """A built-in scenario by name, or a TOML file by path; the baseline when None."""
    if name_or_path is None:
        name_or_path = "baseline"
    path = Path(name_or_path)
    if not path.suffix and (LIBRARY / f"{path}.toml").exists():
        path = LIBRARY / f"{path}.toml"
    if not path.exists():
        raise InputError(
            f"There is no scenario called '{name_or_path}'.",
            fix=f"Name a built-in scenario ({', '.join(builtin_names())}; "
            "'healthgap scenarios' lists them) or give the path of a scenario .toml file.",
        )
    return parse_scenario(path)


def read_toml(path: Path, kind: str = "scenario") -> dict:
    """A TOML file's content; an error naming the file if it is unreadable, not text or not TOML."""
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError:
        raise InputError(
            "This is not a text file.",
            where=str(path),
            fix=f"Give a {kind} written in TOML (a text file).",
        ) from None
    except tomllib.TOMLDecodeError as error:
        raise InputError(
            f"This is not valid TOML ({error}).",
            where=str(path),
            fix="Correct the syntax at that line.",
        ) from None
    except OSError as error:
        raise InputError.unreadable(path, error) from None


def parse_scenario(path: Path) -> Scenario:
    """Read and validate one scenario file."""
    data = read_toml(path)
    if not data:
        raise InputError(
            "The scenario file is empty.",
            where=str(path),
            fix="Start from a built-in scenario, e.g. scenarios/library/baseline.toml.",
        )
    if "parameters_file" in data:
        data = with_parameters_file(data, path)
    try:
        scenario = Scenario.model_validate(data, context={"base_dir": path.resolve().parent})
        scenario.model_parameters()
    except ValidationError as error:
        raise InputError(
            describe_validation(error), where=str(path), fix="Correct the field(s) named above."
        ) from None
    except InputError as error:
        raise InputError(
            error.problem, where=f"{path}: field 'parameters'", fix=error.fix
        ) from None
    check_place_fits(scenario, where=str(path))
    for name, value in scenario.parameters.items():
        low, high = PARAMETERS[name][1]["range"]
        if not low <= value <= high:
            warnings.warn(
                f"{path}: field 'parameters.{name}' = {value:g} is outside its plausible range "
                f"({low:g} to {high:g}); it runs, but no evidence backs it.",
                ImplausibleValue,
                stacklevel=2,
            )
    return scenario


def with_parameters_file(data: dict, path: Path) -> dict:
    """A scenario that names a `parameters_file` (a calibration's fitted.toml, relative to the
    scenario's folder) takes that file's [parameters] table; its own [parameters] win."""
    data = dict(data)
    named = data.pop("parameters_file")
    where = f"{path}: field 'parameters_file'"
    fix = (
        "Name a TOML file with a [parameters] table of parameters by dotted path, such as the "
        "fitted.toml that healthgap calibrate writes (relative to the scenario's folder)."
    )
    if not isinstance(named, str):
        raise InputError(f"parameters_file must be a path, got {named!r}.", where=where, fix=fix)
    file = path.resolve().parent / Path(named).expanduser()
    try:
        content = read_toml(file, "parameters file")
    except InputError as error:
        raise InputError(f"{file}: {error.problem}", where=where, fix=error.fix) from None
    table = content.get("parameters")
    if not isinstance(table, dict) or not table:
        raise InputError(f"'{named}' has no [parameters] table.", where=where, fix=fix)
    return data | {"parameters": table | data.get("parameters", {})}


def check_place_fits(scenario: Scenario, where: str | None = None) -> None:
    """What the interventions name is in the scenario's place: each neighbourhood code, and no
    more neighbourhoods than it has. For a scenario made in code, call this before running it."""
    interventions = list(enumerate(scenario.interventions))
    named = [(i, spec) for i, spec in interventions if spec.neighbourhoods]
    picked = [(i, spec, *rule) for i, spec in interventions if (rule := spec.places_picked())]
    if not named and not picked:
        return
    codes = place_codes(scenario.place)
    known = set(codes)
    for i, spec in named:
        unknown = [c for c in spec.neighbourhoods if c not in known]
        if unknown:
            raise InputError(
                f"Intervention {i + 1} ('{spec.label}') names neighbourhoods that are not in "
                f"this place: {', '.join(unknown)}.",
                where=_field(where, f"interventions.{i}.neighbourhoods"),
                fix=f"Use the place's neighbourhood codes, e.g. {', '.join(codes[:4])} "
                "('healthgap place' lists a real place's LSOAs).",
            )
    for i, spec, key, count in picked:
        if count > len(codes):
            raise InputError(
                f"Intervention {i + 1} ('{spec.label}') picks {count} neighbourhoods; this place "
                f"has {len(codes)}.",
                where=_field(where, f"interventions.{i}.{key}"),
                fix=f"Give {key} = {len(codes)} or fewer.",
            )


def place_codes(place: Place) -> list[str]:
    """The codes of a place's neighbourhoods, without building its town: T001... for a preset,
    else its local authority's LSOAs (from the tables, cached for building the town next)."""
    if place.local_authority is None:
        return preset_codes(place.neighbourhoods)
    from .places import place_neighbourhoods  # pandas, only for a real place

    return place_neighbourhoods(place).code.tolist()


def _field(where: str | None, field: str) -> str:
    return f"{where}: field '{field}'" if where else f"field '{field}'"
