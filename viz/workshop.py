"""What the workshop app drives: a scenario run with the room's levers beside its baseline twin.

Pure Python (no Solara), so the page stays thin and every piece is testable:

    workshop = Workshop("baseline", residents=10_000)
    levers, errors = check_levers({"outreach": True, "outreach_workers": "3"}, workshop)
    workshop.apply(levers)            # both runs back to week 0, from one burnt-in town
    workshop.step()                   # a week of each
    workshop.town_map("inactive_pct").neighbourhoods   # value and change against the baseline
    workshop.series()                 # tidy, for the charts

The baseline twin is the chosen scenario without the levers, from the same burnt-in
town and seed (common random numbers): every difference is down to the levers.
"""

from __future__ import annotations

import dataclasses
import json
import math
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from healthgap.model.errors import InputError
from healthgap.model.groups import TYPE_NAMES
from healthgap.model.interventions import (
    LOW_IMPACT_TYPES,
    WEEKS_PER_YEAR,
    Directory,
    Intervention,
    LowImpactOffer,
    Outreach,
    SeedFunding,
    Transport,
    TransportMode,
)
from healthgap.model.metrics import (
    GROUPS,
    INEQUALITY_METRICS,
    METRIC_NAMES,
    METRICS,
)
from healthgap.model.parameters import Parameters, iter_parameters
from healthgap.scenarios import Scenario
from healthgap.scenarios.loader import parse_scenario, read_toml
from healthgap.scenarios.schema import PLACE_FILES
from healthgap.simulation import ScenarioLike, Simulation, as_scenario, burnt_in_town
from healthgap.viz.formatting import gap_change, horizon, money, number

if TYPE_CHECKING:
    import pandas as pd

    from healthgap.effects import Comparison
    from healthgap.model.town import Town

MAX_BUDGET_GBP = 5_000_000  # a budget lever's ceiling: Big Local gave each area about £1m
MAX_WORKERS = 50
MAX_UPLOAD_BYTES = 200_000  # a scenario file is a few kilobytes
CSV_DECIMALS = 4  # results are percentages and means: 0.0001 is well below what a run resolves

MAP_OUTCOMES = {
    "imd_decile": "Deprivation (IMD decile, 1 = most deprived)",
    **{
        name: METRICS[name].label
        for name in (
            "inactive_pct",
            "life_satisfaction_mean",
            "lonely_pct",
            "very_good_health_pct",
            "children_active_pct",
            "reach_kinds_pct",
        )
    },
}
CHART_METRICS = ("inactive_pct", "active_pct", "life_satisfaction_mean", "lonely_pct")
RUNS = ("with levers", "baseline", "difference")

# What the room's transport levers set (a scenario file can set its own); costs otherwise are
# the Transport defaults: buses per bus-hour, drivers per trip, free fares per fare forgone.
DRIVERS_COST_PER_YEAR_GBP = 5_000  # coordination, as in the Oadby and Wigston scenario (assumption)
DRIVER_PLACES = 60  # residents the drivers take


def plain(name: str) -> str:
    """A code name in plain words: "walk_and_talk" -> "Walk and talk"."""
    return name.replace("_", " ").capitalize()


LEVER_CHOICES: dict[str, list[tuple[str, str]]] = {
    "seed_target": [
        ("most_deprived", "The most deprived neighbourhoods"),
        ("universal", "Every neighbourhood"),
    ],
    "seed_chooser": [
        ("residents", "Residents choose the groups"),
        ("commissioner", "The commissioner chooses"),
    ],
    "seed_group_type": [(name, plain(name)) for name in TYPE_NAMES],
    "outreach_target": [
        ("inactive", "Inactive people"),
        ("lonely", "Lonely people"),
        ("most_deprived", "People in the most deprived neighbourhoods"),
        ("health_limited", "People whose health limits them"),
        ("everyone", "Everyone"),
    ],
    "transport_mode": [
        ("bus_route", "A new bus route, every 30 minutes"),
        ("more_buses", "Twice the buses on the town's routes through them"),
        ("fare_subsidy", "Free buses on the route"),
        ("volunteer_drivers", "Volunteer drivers"),
        ("demand_responsive", "A demand-responsive minibus"),
    ],
    "low_impact_group_type": [(name, plain(name)) for name in LOW_IMPACT_TYPES],
}


@dataclasses.dataclass(frozen=True)
class AssumptionSlider:
    """A declared parameter the room may move, within its declared range."""

    path: str
    label: str
    low: float
    high: float
    default: float


SLIDER_LABELS = {
    "behaviour.travel_weight": "How much travel time puts people off",
    "behaviour.cost_weight": "How much a session's charge puts people off",
    "interventions.referral_intercept": "Pull of a referral",
    "wellbeing.gain_rate": "How fast taking part lifts life satisfaction",
}


def _sliders() -> list[AssumptionSlider]:
    declared = {path: (value, meta["range"]) for path, value, meta in iter_parameters(Parameters())}
    return [
        AssumptionSlider(path, label, *declared[path][1], declared[path][0])
        for path, label in SLIDER_LABELS.items()
    ]


ASSUMPTION_SLIDERS = _sliders()


class Levers(BaseModel):
    """The room's levers: one field per control on the page."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    seed_funding: bool = False
    seed_budget_gbp: int = Field(150_000, gt=0, le=MAX_BUDGET_GBP)  # whole pounds
    seed_grant_gbp: int = Field(10_000, gt=0, le=MAX_BUDGET_GBP)
    seed_target: Literal["most_deprived", "universal"] = "most_deprived"
    seed_most_deprived: int = Field(3, ge=1)
    seed_chooser: Literal["residents", "commissioner"] = "residents"
    seed_group_type: str = "walk_and_talk"  # what the commissioner funds
    outreach: bool = False
    outreach_workers: int = Field(2, gt=0, le=MAX_WORKERS)  # whole people
    outreach_target: Literal[
        "inactive", "lonely", "most_deprived", "health_limited", "everyone"
    ] = "inactive"
    outreach_supported_first_visit: bool = True
    transport: bool = False
    transport_mode: TransportMode = "bus_route"
    transport_from: str | None = None
    transport_to: str | None = None
    directory: bool = False
    low_impact: bool = False
    low_impact_group_type: str = "swim"
    assumptions: dict[str, float] = Field(default_factory=dict)

    def interventions(self) -> list[Intervention]:
        """The interventions these levers add to a scenario."""
        added: list[Intervention] = []
        if self.seed_funding:
            added.append(
                SeedFunding(
                    name="seed funding",
                    budget_gbp=self.seed_budget_gbp,
                    grant_gbp=self.seed_grant_gbp,
                    target=self.seed_target,
                    most_deprived=self.seed_most_deprived,
                    chooser=self.seed_chooser,
                    group_types=[self.seed_group_type]
                    if self.seed_chooser == "commissioner"
                    else [],
                )
            )
        if self.outreach:
            added.append(
                Outreach(
                    name="outreach",
                    workers=self.outreach_workers,
                    target=self.outreach_target,
                    supported_first_visit=self.outreach_supported_first_visit,
                )
            )
        if self.transport:
            drivers = (
                {"capacity": DRIVER_PLACES, "cost_per_year_gbp": DRIVERS_COST_PER_YEAR_GBP}
                if self.transport_mode in ("volunteer_drivers", "demand_responsive")
                else {}
            )
            added.append(
                Transport(
                    name=plain(self.transport_mode).lower(),
                    mode=self.transport_mode,
                    neighbourhoods=[self.transport_from, self.transport_to],
                    **drivers,
                )
            )
        if self.directory:
            added.append(Directory(name="directory"))
        if self.low_impact:
            added.append(
                LowImpactOffer(name="low-impact offer", group_type=self.low_impact_group_type)
            )
        return added

    def words(self, names: dict[str, str] | None = None) -> list[str]:
        """Each lever switched on, and each moved assumption, in plain words (neighbourhoods by
        their names in `names`, by code otherwise)."""
        names = names or {}
        choice = {key: dict(pairs) for key, pairs in LEVER_CHOICES.items()}
        said = []
        if self.seed_funding:
            where = (
                f"the {self.seed_most_deprived} most deprived neighbourhoods"
                if self.seed_target == "most_deprived"
                else "every neighbourhood"
            )
            who = (
                "residents choose the groups"
                if self.seed_chooser == "residents"
                else f"the commissioner funds {plain(self.seed_group_type).lower()} groups"
            )
            said.append(
                f"Seed funding: {money(self.seed_budget_gbp)} in grants of "
                f"{money(self.seed_grant_gbp)} for new groups in {where}; {who}"
            )
        if self.outreach:
            along = ", going along the first time" if self.outreach_supported_first_visit else ""
            said.append(
                f"Outreach: {self.outreach_workers} link worker"
                f"{'s' if self.outreach_workers != 1 else ''} inviting "
                f"{choice['outreach_target'][self.outreach_target].lower()} to groups{along}"
            )
        if self.transport:
            ends = [
                names.get(str(code), str(code)) for code in (self.transport_from, self.transport_to)
            ]
            said.append(
                f"Transport: {choice['transport_mode'][self.transport_mode].lower()}, "
                f"between {ends[0]} and {ends[1]}"
            )
        if self.directory:
            said.append("An online directory of local groups")
        if self.low_impact:
            said.append(
                f"Free low-impact {plain(self.low_impact_group_type).lower()} sessions for "
                "people in pain"
            )
        labels = {s.path: s.label for s in ASSUMPTION_SLIDERS}
        said += [
            f"Assumption moved: {labels.get(path, path).lower()} = {value:g}"
            for path, value in self.assumptions.items()
        ]
        return said

    def costs(self, town: Town, params: Parameters) -> list[LeverCost]:
        """What each lever costs in `town` and when it is paid (what a transport lever pays for
        trips is known only as they are taken): each intervention's own `planned_cost`."""
        out = []
        for spec in self.interventions():
            planned = spec.planned_cost(town, params.travel, params)
            per_trip = (
                "the fares of the trips taken"
                if planned.pays_fares
                else f"{money(planned.per_trip_gbp)} a trip taken"
                if planned.per_trip_gbp
                else ""
            )
            out.append(LeverCost(spec.label, planned.at_start_gbp, planned.per_year_gbp, per_trip))
        return out


@dataclasses.dataclass(frozen=True)
class LeverCost:
    """What a lever costs, and when: at the start, every year, and as trips are taken."""

    label: str
    at_start_gbp: float = 0.0
    per_year_gbp: float = 0.0
    per_trip: str = ""  # what is paid for each trip taken, in words

    def words(self) -> str:
        """In words: "£5,000 at the start and £2,000 a year", "the fares of the trips taken"."""
        parts = [f"{money(self.at_start_gbp)} at the start"] if self.at_start_gbp else []
        if self.per_year_gbp:
            parts.append(f"{money(self.per_year_gbp)} a year")
        if self.per_trip:
            parts.append(self.per_trip)
        return " and ".join(parts) or "nothing"


FIELD_HINTS = {
    "seed_budget_gbp": f"Give a budget in whole pounds, from £1 to £{MAX_BUDGET_GBP:,}.",
    "seed_grant_gbp": f"Give a grant in whole pounds, from £1 to £{MAX_BUDGET_GBP:,}.",
    "seed_most_deprived": "Give a whole number of neighbourhoods, 1 or more.",
    "outreach_workers": f"Give a whole number of workers, from 1 to {MAX_WORKERS}.",
}


SWITCHED_FIELDS = {  # a lever's switch and the fields that only count while it is on
    switch: [name for name in Levers.model_fields if name.startswith(prefix) and name != switch]
    for switch, prefix in (
        ("seed_funding", "seed_"),
        ("outreach", "outreach_"),
        ("transport", "transport_"),
        ("low_impact", "low_impact_"),
    )
}


def check_levers(raw: dict, workshop: Workshop) -> tuple[Levers | None, dict[str, str]]:
    """Levers from what the page holds (text from fields included), or a plain message per field.

    Messages are keyed by `Levers` field ("assumptions.<path>" for a slider, "levers" for a
    problem of the levers together). Levers is None when there is any message. A lever that
    is switched off keeps its defaults, so whatever its fields hold blocks nothing.
    """
    errors: dict[str, str] = {}
    off = {
        name for switch, names in SWITCHED_FIELDS.items() if not raw.get(switch) for name in names
    }
    try:
        levers = Levers.model_validate({k: v for k, v in raw.items() if k not in off})
    except ValidationError as error:
        for item in error.errors():
            name = str(item["loc"][0])
            errors[name] = FIELD_HINTS.get(name, item["msg"].removeprefix("Value error, ") + ".")
        return None, errors
    codes = dict(workshop.neighbourhood_choices())
    if levers.transport:
        ends = {"transport_from": levers.transport_from, "transport_to": levers.transport_to}
        for name, code in ends.items():
            if code is None:
                errors[name] = "Pick a neighbourhood (from the list, or click the map)."
            elif code not in codes:
                errors[name] = f"'{code}' is not a neighbourhood of this place."
        if not errors and levers.transport_from == levers.transport_to:
            errors["transport_to"] = (
                "Pick a different neighbourhood from the first: a link joins two."
            )
    if levers.seed_funding and levers.seed_target == "most_deprived":
        if levers.seed_most_deprived > len(codes):
            errors["seed_most_deprived"] = f"This place has {len(codes)} neighbourhoods."
    if levers.seed_funding and levers.seed_grant_gbp > levers.seed_budget_gbp:
        errors["seed_grant_gbp"] = "A grant cannot be more than the whole budget."
    if levers.low_impact and levers.low_impact_group_type not in LOW_IMPACT_TYPES:
        errors["low_impact_group_type"] = (
            f"Choose a low-impact kind: {', '.join(LOW_IMPACT_TYPES)}."
        )
    if levers.seed_group_type not in TYPE_NAMES:
        errors["seed_group_type"] = f"Choose a kind of group: {', '.join(TYPE_NAMES)}."
    ranges = {s.path: (s.low, s.high) for s in ASSUMPTION_SLIDERS}
    for path, value in levers.assumptions.items():
        if path not in ranges:
            errors[f"assumptions.{path}"] = "Not one of the app's assumption sliders."
        elif not ranges[path][0] <= value <= ranges[path][1]:
            low, high = ranges[path]
            errors[f"assumptions.{path}"] = (
                f"Keep it within its plausible range, {low:g} to {high:g}."
            )
    if errors:
        return None, errors
    try:
        workshop.with_levers_scenario(levers)
    except (ValidationError, InputError, ValueError) as error:
        return None, {"levers": str(error)}
    return levers, {}


LEVERS_LINE = "# healthgap app levers: "  # a plan file's levers, so the app can set them again


def uploaded_scenario(
    filename: str, content: bytes, size: int | None = None
) -> tuple[Scenario, Levers | None]:
    """A scenario file sent from a visitor's browser, checked as a file is (an `InputError`
    naming the file otherwise). It may not name other files (a parameters file, a place's
    tables): those would be files of the computer serving the app, not the visitor's.

    A plan file the app wrote (`scenario_toml`) also gives back its levers, and the scenario
    without them, so the page can set them again. `size` is the file's size when the browser
    sent none of a file too large to read."""
    name = Path(filename).name or "scenario.toml"
    size = len(content) if size is None else size
    if size > MAX_UPLOAD_BYTES:
        raise InputError(
            f"This file is {size:,} bytes: too large for a scenario.",
            where=name,
            fix="Send a scenario .toml file (a few kilobytes).",
        )
    with tempfile.TemporaryDirectory(prefix="healthgap-upload-") as folder:
        path = Path(folder, name)
        path.write_bytes(content)
        try:
            data = read_toml(path)
            place = data.get("place") if isinstance(data.get("place"), dict) else {}
            named = [key for key in ("parameters_file",) if key in data]
            named += [f"place.{key}" for key in PLACE_FILES if key in place]
            if named:
                raise InputError(
                    "A scenario sent from a browser cannot name files on this computer "
                    f"(this one names {', '.join(named)}).",
                    fix="Remove those fields (a place's own tables need the app started "
                    "with that scenario: healthgap app FILE).",
                )
            return without_levers(parse_scenario(path), content)
        except InputError as error:
            where = (error.where or "").replace(str(path), name) or name
            raise InputError(error.problem, where=where, fix=error.fix) from None


INACTIVE = METRICS["inactive_pct"]


@dataclasses.dataclass(frozen=True)
class SoFar:
    """Where a table's levers stand against the baseline this week, in one run."""

    weeks: int
    spent_gbp: float
    wellbys: float  # gained so far, discounted as the report does
    inactive_q1: float  # change in inactive adults in the most deprived fifth, at the place's scale
    gap_points: float  # change in the inactivity gap (quintile 1 minus 5), percentage points

    @property
    def benefit_cost_ratio(self) -> float | None:
        """WELLBYs at the central value per pound spent; None before anything is spent."""
        from healthgap.effects import WELLBY_VALUES

        return self.wellbys * WELLBY_VALUES["central"] / self.spent_gbp if self.spent_gbp else None

    def words(self) -> str:
        """The result in plain words, with the size that matters in practice beside it."""
        if self.weeks == 0:
            return "Step or play to see what the levers do against the baseline."
        people = round(abs(self.inactive_q1))
        fewer = "fewer" if self.inactive_q1 < 0 else "more"
        moved = (
            f"{people:,} {fewer} inactive adult{'s' if people != 1 else ''}"
            if people
            else "no change in the number of inactive adults"
        )
        direction = gap_change(INACTIVE, self.gap_points) or "no change"
        size = f"{number(abs(self.gap_points), sig=2)} points"
        gap = (
            "the gap in inactivity is unchanged"
            if direction == "no change"
            else (
                f"the gap in inactivity {'narrowed' if direction == 'narrows' else 'widened'} {size}"
            )
        )
        matters = "at least" if abs(self.gap_points) >= INACTIVE.important_change else "less than"
        return (
            f"After {horizon(self.weeks)}: {moved} in the most deprived fifth; {gap} "
            f"({matters} the {INACTIVE.important_change:g} points that matter in practice). "
            "One run: whether it is more than chance shows in the facilitator's run of "
            "several seeds."
        )


def plan_description(scenario: Scenario, levers: Levers, names: dict[str, str]) -> str:
    """What a plan does, in words: its scenario, then each lever."""
    said = levers.words(names)
    return f"{scenario.name}, plus: {'; '.join(said)}" if said else f"{scenario.name}, no levers"


def plan_scenario(name: str, workshop: Workshop, levers: Levers) -> Scenario:
    """A table's plan as a scenario a comparison runs: its scenario with its levers."""
    return workshop.with_levers_scenario(levers).model_copy(
        update={
            "name": name,
            "description": plan_description(workshop.scenario, levers, workshop.names()),
        }
    )


def scenario_toml(scenario: Scenario, levers: Levers | None = None) -> str:
    """A scenario as a .toml file that `healthgap compare` runs and the app loads back, with
    the `levers` that made it in a comment (`LEVERS_LINE`) when given. A place's own tables are
    named by file name only (the paths are the serving computer's)."""
    data = scenario.model_dump(mode="json", exclude_defaults=True, exclude_none=True)
    data.pop("interventions", None)
    for key in PLACE_FILES:
        if key in data.get("place", {}):
            data["place"][key] = Path(data["place"][key]).name
    lines = [
        "# A plan made in the healthgap workshop app. Compare it with the baseline:",
        "#   healthgap compare baseline THIS_FILE.toml",
        *([LEVERS_LINE + levers.model_dump_json()] if levers is not None else []),
        f"name = {toml_value(scenario.name)}",
        *(
            f"{key} = {toml_value(v)}"
            for key, v in data.items()
            if key != "name" and not isinstance(v, dict)
        ),
    ]
    for key, table in data.items():
        if isinstance(table, dict) and table:
            lines += [
                "",
                f"[{key}]",
                *(f"{toml_key(k)} = {toml_value(v)}" for k, v in table.items()),
            ]
    for spec in scenario.interventions:
        fields = spec.model_dump(mode="json", exclude_defaults=True, exclude_none=True)
        lines += ["", "[[interventions]]", f"type = {toml_value(spec.type)}"]
        lines += [f"{toml_key(k)} = {toml_value(v)}" for k, v in fields.items() if k != "type"]
    return "\n".join(lines) + "\n"


def toml_key(key: str) -> str:
    """A TOML key: bare when it can be, quoted otherwise (dotted parameter paths)."""
    return (
        key
        if key.replace("_", "").replace("-", "").isalnum() and key.isascii()
        else json.dumps(key)
    )


def toml_value(value) -> str:
    """A TOML value from JSON-like data (strings in JSON's escapes, which TOML shares)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, list):
        return f"[{', '.join(toml_value(v) for v in value)}]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{toml_key(k)} = {toml_value(v)}" for k, v in value.items()) + "}"
    return json.dumps(str(value), ensure_ascii=False)


def without_levers(scenario: Scenario, content: bytes) -> tuple[Scenario, Levers | None]:
    """A plan file's scenario without the levers its `LEVERS_LINE` names, and those levers;
    any other scenario as it is, with None."""
    text = content.decode("utf-8", errors="replace")
    line = next((x for x in text.splitlines() if x.startswith(LEVERS_LINE)), None)
    if line is None:
        return scenario, None
    try:
        levers = Levers.model_validate_json(line.removeprefix(LEVERS_LINE))
    except ValidationError as error:
        raise InputError(
            f"Its levers line does not hold the app's levers ({error.errors()[0]['msg']}).",
            fix=f"Download the plan from the app again, or delete the line starting '{LEVERS_LINE.strip()}'.",
        ) from None
    added = len(levers.interventions())
    base = scenario.model_copy(
        update={
            "interventions": scenario.interventions[: len(scenario.interventions) - added],
            "parameters": {
                k: v for k, v in scenario.parameters.items() if k not in levers.assumptions
            },
        }
    )
    return base, levers


@dataclasses.dataclass(frozen=True, eq=False)
class TownMap:
    """What the map draws this week (positions in km; values from the run with the levers).

    Equal only to itself: the page compares a new map with the last at every redraw (as an
    argument and a memo's dependency), and comparing their tables cell by cell cost a Step
    more than drawing the map's neighbourhoods did, only to fail (a table has no truth)."""

    outcome: str
    neighbourhoods: pd.DataFrame  # code, name, x_km, y_km, decile, population, value, change
    links: pd.DataFrame  # x1, y1, x2, y2, added (by a transport lever or scenario), mode
    groups: pd.DataFrame  # x_km, y_km, kind, label, attendance, status: running, new or closed


class Workshop:
    """A scenario with the room's levers, stepped week by week beside its baseline twin."""

    def __init__(
        self,
        scenario: ScenarioLike = "baseline",
        seed: int | None = None,
        *,
        residents: int | None = None,
        levers: Levers | None = None,
    ) -> None:
        self.levers = levers or Levers()
        self.residents = residents
        self.load(scenario, seed)

    # --- choosing what runs -------------------------------------------------------------
    def load(self, scenario: ScenarioLike, seed: int | None = None) -> None:
        """A new scenario at week 0 (an `InputError` if it cannot be read); levers that name
        neighbourhoods this place lacks are switched off."""
        chosen = as_scenario(scenario)
        if self.residents is not None:
            if chosen.place.local_authority:
                raise InputError(
                    "A real place's size comes from its tables.",
                    where=chosen.name,
                    fix="Leave the number of residents unset for a real place (or use its sample).",
                )
            place = chosen.place.model_copy(update={"residents": self.residents})
            chosen = chosen.model_copy(update={"place": place})
        self.scenario = chosen
        self.seed = chosen.seed if seed is None else int(seed)
        self._starts: dict[tuple, object] = {}  # burnt-in towns by assumptions
        self.town = self._start(self.levers, self._baseline_scenario(self.levers)).town
        codes = {code for code, _ in self.neighbourhood_choices()}
        levers = self.levers
        if levers.transport and not {levers.transport_from, levers.transport_to} <= codes:
            levers = levers.model_copy(
                update={"transport": False, "transport_from": None, "transport_to": None}
            )
        if levers.seed_most_deprived > len(codes):
            levers = levers.model_copy(update={"seed_most_deprived": len(codes)})
        self.apply(levers)

    def apply(self, levers: Levers) -> None:
        """New levers: both runs start again at week 0 from the same burnt-in town."""
        self.levers = levers
        base = self._baseline_scenario(levers)
        start = self._start(levers, base)
        self.with_levers = Simulation.from_start(start, self.with_levers_scenario(levers))
        self.baseline = Simulation.from_start(start, base)

    def reset(self) -> None:
        """Both runs back to week 0, same levers."""
        self.apply(self.levers)

    def with_levers_scenario(self, levers: Levers) -> Scenario:
        """The chosen scenario with the levers' interventions and assumptions (checked)."""
        base = self._baseline_scenario(levers)
        return as_scenario(
            base.model_copy(
                update={
                    "name": f"{self.scenario.name} with the room's levers",
                    "interventions": [*base.interventions, *levers.interventions()],
                }
            )
        )

    def _baseline_scenario(self, levers: Levers) -> Scenario:
        if not levers.assumptions:
            return self.scenario
        parameters = {**self.scenario.parameters, **levers.assumptions}
        Parameters().with_overrides(parameters)  # an unknown path is an InputError here
        return self.scenario.model_copy(update={"parameters": parameters})

    def _start(self, levers: Levers, scenario: Scenario):
        """The burnt-in town under the levers' assumptions: built once, copied for each run
        (the last two kept, so moving a slider back and forth is quick)."""
        key = tuple(sorted(levers.assumptions.items()))
        if key not in self._starts:
            self._starts = dict(list(self._starts.items())[-1:])
            self._starts[key] = burnt_in_town(scenario, self.seed)
        return self._starts[key]

    # --- time -----------------------------------------------------------------------------
    def step(self, weeks: int = 1) -> None:
        """Advance both runs `weeks` weeks (stopping at the horizon)."""
        self.with_levers.step(weeks)
        self.baseline.step(weeks)

    @property
    def week(self) -> int:
        return self.with_levers.week

    @property
    def weeks(self) -> int:
        return self.with_levers.weeks

    @property
    def finished(self) -> bool:
        return self.with_levers.finished

    @property
    def when(self) -> str:
        """The week in plain words: "Year 1, week 3" (week 0 is the start)."""
        if self.week == 0:
            return "Start (week 0)"
        year, week = divmod(self.week - 1, WEEKS_PER_YEAR)
        return f"Year {year + 1}, week {week + 1}"

    # --- money ------------------------------------------------------------------------------
    def neighbourhood_choices(self) -> list[tuple[str, str]]:
        """(code, label) of every neighbourhood, most deprived first."""
        town = self.town
        codes, names, deciles = town.node_array("code"), town.node_array("name"), town.imd_decile
        order = np.lexsort((codes, deciles))
        return [(str(codes[i]), f"{names[i]} (decile {deciles[i]})") for i in order]

    def lever_costs(self, levers: Levers) -> list[LeverCost]:
        """What each lever costs, and when it is paid."""
        return levers.costs(self.town, self.with_levers.parameters)

    @property
    def spent_gbp(self) -> float:
        """Spent so far by the levers (and the scenario's own interventions) beyond the baseline."""
        return self.with_levers.spent_gbp - self.baseline.spent_gbp

    # --- what the page draws ------------------------------------------------------------------
    def town_map(self, outcome: str = "imd_decile") -> TownMap:
        """Neighbourhoods, links and groups as they are this week."""
        import pandas as pd

        if outcome not in MAP_OUTCOMES:
            raise ValueError(
                f"unknown map outcome {outcome!r}; choose from {', '.join(MAP_OUTCOMES)}"
            )
        town = self.town
        x, y = town.node_array("x_km"), town.node_array("y_km")
        if outcome == "imd_decile":
            value, change = town.imd_decile.astype(float), np.zeros(town.n)
        else:
            value = self.with_levers.neighbourhood_values(outcome)
            change = value - self.baseline.neighbourhood_values(outcome)
        neighbourhoods = pd.DataFrame(
            {
                "code": town.node_array("code"),
                "name": town.node_array("name"),
                "x_km": x,
                "y_km": y,
                "decile": town.imd_decile,
                "population": town.population,
                "value": value,
                "change": change,
            }
        )
        return TownMap(outcome, neighbourhoods, self._links(x, y), self._groups(x, y))

    def _links(self, x: np.ndarray, y: np.ndarray) -> pd.DataFrame:
        import pandas as pd

        streets = np.array(list(self.town.graph.edges), dtype=np.intp).reshape(-1, 2)
        added = self.with_levers.transport_links()
        a = np.concatenate([streets[:, 0], [r[0] for r in added]]).astype(np.intp)
        b = np.concatenate([streets[:, 1], [r[1] for r in added]]).astype(np.intp)
        return pd.DataFrame(
            {
                "x1": x[a],
                "y1": y[a],
                "x2": x[b],
                "y2": y[b],
                "added": np.arange(len(a)) >= len(streets),
                "mode": ["street"] * len(streets) + [mode for *_, mode in added],
            }
        )

    def _groups(self, x: np.ndarray, y: np.ndarray) -> pd.DataFrame:
        import pandas as pd

        groups = {name: column.to_numpy() for name, column in self.with_levers.groups().items()}
        shown = groups["open"] | (groups["closed_week"] > 0)  # not those closed before the start
        index = np.flatnonzero(shown)
        # Spread a neighbourhood's groups around its centre, on a sunflower spiral.
        within = self.town.node_array("within_km")
        venue = groups["venue"][index]
        turn = index * math.pi * (3 - math.sqrt(5))
        radius = within[venue] * 0.7 * np.sqrt((index % 12 + 1) / 12)
        opened, is_open = groups["opened_week"][index], groups["open"][index]
        status = np.where(~is_open, "closed", np.where(opened > 0, "new", "running"))
        kind = groups["kind"][index]
        return pd.DataFrame(
            {
                "x_km": x[venue] + radius * np.cos(turn),
                "y_km": y[venue] + radius * np.sin(turn),
                "kind": kind,
                "label": [plain(k) for k in kind],
                "attendance": groups["attendance"][index],
                "status": status,
            }
        )

    def series(self, metrics: tuple[str, ...] = CHART_METRICS) -> pd.DataFrame:
        """Every week so far, in the results' tidy format (`Results.table`: step, quintile,
        metric, value, with `gap_*` and `sii_*` of inequality metrics) with a run column:
        "with levers", "baseline", and "difference" (the first minus the second)."""
        import pandas as pd

        wanted = [
            *metrics,
            *(f"{kind}_{m}" for m in metrics if m in INEQUALITY_METRICS for kind in ("gap", "sii")),
        ]
        ours, theirs = (sim.results().table(wanted) for sim in (self.with_levers, self.baseline))
        difference = ours.assign(value=ours.value.to_numpy() - theirs.value.to_numpy())
        return pd.concat(
            [t.assign(run=run) for run, t in zip(RUNS, (ours, theirs, difference), strict=True)],
            ignore_index=True,
        )

    def chart_series(
        self, metrics: tuple[str, ...] = CHART_METRICS
    ) -> dict[tuple[str, str, str], tuple[np.ndarray, np.ndarray]]:
        """What `series` holds, keyed as the charts read it: (run, metric, quintile) ->
        (weeks, values), taken straight from the runs' arrays. Building the tidy table and
        then splitting it again was a fifth of the server's time for a Step (9 ms against
        under 1 ms with 10,000 residents)."""
        ours, theirs = self.with_levers.results(), self.baseline.results()
        found: dict[tuple[str, str, str], tuple[np.ndarray, np.ndarray]] = {}

        def add(metric: str, quintile: str, a: np.ndarray, b: np.ndarray) -> None:
            for run, values in zip(RUNS, (a, b, a - b), strict=True):
                found[(run, metric, quintile)] = (ours.weeks, values)

        for metric in metrics:
            if metric in METRIC_NAMES:
                j = METRIC_NAMES.index(metric)
                for i, quintile in enumerate(GROUPS):
                    add(metric, quintile, ours.values[:, i, j], theirs.values[:, i, j])
            if metric in INEQUALITY_METRICS:
                j = INEQUALITY_METRICS.index(metric)
                for kind in ("gap", "sii"):
                    add(f"{kind}_{metric}", "all", ours.inequality[kind][:, j],
                        theirs.inequality[kind][:, j])  # fmt: skip
        return found

    # --- downloads --------------------------------------------------------------------------
    def results_csv(self) -> str:
        """Both runs so far, tidy (run, step, quintile, metric, value), as CSV text."""
        import pandas as pd

        tables = [
            sim.results().table().assign(run=run)
            for run, sim in zip(RUNS[:2], (self.with_levers, self.baseline), strict=True)
        ]
        table = pd.concat(tables, ignore_index=True).round({"value": CSV_DECIMALS})
        return table[["run", "step", "quintile", "metric", "value"]].to_csv(index=False)

    def so_far(self) -> SoFar:
        """The levers against the baseline this week: money, WELLBYs, inactivity and its gap."""
        from healthgap.effects import discounted, weekly_wellbys

        ours, theirs = self.with_levers.results(), self.baseline.results()
        sample = self.scenario.place.sample
        diff = ours.values - theirs.values
        inactive, in_gap = (
            METRIC_NAMES.index("inactive_pct"),
            INEQUALITY_METRICS.index("inactive_pct"),
        )
        most_deprived = slice(0, 2)  # deciles 1 and 2
        return SoFar(
            weeks=self.week,
            spent_gbp=self.spent_gbp,
            wellbys=float(discounted(weekly_wellbys(diff, self.with_levers.residents / sample))),
            inactive_q1=float(
                (
                    ours.sums[-1, most_deprived, inactive]
                    - theirs.sums[-1, most_deprived, inactive]
                ).sum()
                / sample
            ),
            gap_points=float(
                ours.inequality["gap"][-1, in_gap] - theirs.inequality["gap"][-1, in_gap]
            ),
        )

    def comparison(self, plan: str = "") -> Comparison:
        """This run so far as the compare command summarises it (one seed, so no intervals):
        the levers as scenario `plan` (named after the scenario when blank), described by
        what they do, against the same town without them."""
        from healthgap.effects import RunOutcome, summarise

        named = plan or f"{self.scenario.name} with the table's levers"
        scenario = self.with_levers.scenario.model_copy(
            update={
                "name": named,
                "description": plan_description(self.scenario, self.levers, self.names()),
            }
        )
        baseline = self.baseline.scenario.model_copy(
            update={
                "name": f"{self.scenario.name} without the levers",
                "years": max(self.week, 1) / WEEKS_PER_YEAR,
            }
        )
        outcomes = (RunOutcome.so_far(self.with_levers), RunOutcome.so_far(self.baseline))
        return summarise(baseline, [scenario], [self.seed], [[outcomes]])

    def names(self) -> dict[str, str]:
        """Each neighbourhood's name by its code."""
        return dict(zip(self.town.node_array("code"), self.town.node_array("name"), strict=True))
