"""Interventions: each a mechanism in the model with its own cost accounting.

An intervention is declared in a scenario file: the fields below are its schema,
a frozen declaration that running it never changes. What one model run of it
has done (where it acts, what it has spent, whom it drives) lives apart, in the
`InterventionState` that `setup` makes for that run. The lifecycle is the same
for every intervention and written once, in `Intervention.advance`: it starts
in its first week, applies each week it runs, and stops after its last week or
as soon as its budget refuses a payment. Every pound goes through `spend`, which
refuses anything over the budget, so an intervention can never overspend; what
was spent is in `model.spending`.

A model may simulate a sample of a place's adults (`HealthgapModel.scale`, the
place's `sample`). Its interventions shrink alike (`scaled`: budgets, workers,
capacities and fixed costs times the sample), so a sample of the town gets a
sample of each intervention; what they spend is recorded at full scale.
"""

from __future__ import annotations

import dataclasses
import itertools
import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Annotated, ClassVar, Literal

import numpy as np
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
    model_validator,
)

from . import behaviour
from .groups import LOW_IMPACT, TYPE_INDEX, TYPE_NAMES, WEEKS_PER_YEAR
from .parameters import Parameters, Travel
from .town import BusRoute, Town

if TYPE_CHECKING:
    from .model import HealthgapModel

GroupTypeName = Literal[TYPE_NAMES]  # type: ignore[valid-type]
LOW_IMPACT_TYPES = tuple(name for name, low in zip(TYPE_NAMES, LOW_IMPACT, strict=True) if low)
TransportMode = Literal[
    "bus_route", "more_buses", "fare_subsidy", "volunteer_drivers", "demand_responsive"
]


@dataclass(frozen=True)
class PlannedCost:
    """What an intervention will cost before it runs, and when: at the start, every year, and
    for each trip taken (a fixed sum, or the fare), the part known only as trips are taken."""

    at_start_gbp: float = 0.0
    per_year_gbp: float = 0.0
    per_trip_gbp: float = 0.0
    pays_fares: bool = False


@dataclass(eq=False)
class InterventionState:
    """What one model run of an intervention has done so far (its spec never changes)."""

    places: np.ndarray  # the neighbourhoods it serves
    phase: Literal["waiting", "running", "ended"] = "waiting"
    spent_gbp: float = 0.0
    out_of_money: bool = False  # a payment was refused: the lifecycle stops it


class Intervention(BaseModel):
    """What every intervention has: a name, when it runs, a budget, and where it is aimed."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    SCALED: ClassVar[tuple[str, ...]] = ()  # its size fields, besides the budget (see `scaled`)

    name: str | None = None
    start_year: float = Field(0, ge=0, description="years after the start when it begins")
    end_year: float | None = Field(None, gt=0, description="when it stops (default: never)")
    budget_gbp: float | None = Field(None, ge=0, description="spending never goes over this")
    neighbourhoods: list[str] | None = Field(
        None,
        min_length=1,
        description="codes of the neighbourhoods it serves (default: by its targeting)",
    )

    @model_validator(mode="after")
    def _ends_after_it_starts(self):
        if self.end_year is not None and self.end_year <= self.start_year:
            raise ValueError(
                f"end_year ({self.end_year}) must be after start_year ({self.start_year})"
            )
        return self

    @property
    def label(self) -> str:
        return self.name or self.type  # type: ignore[attr-defined]

    @property
    def start_week(self) -> int:
        return round(self.start_year * WEEKS_PER_YEAR) + 1

    @property
    def end_week(self) -> float:
        return np.inf if self.end_year is None else round(self.end_year * WEEKS_PER_YEAR)

    def scaled(self, scale: float) -> Intervention:
        """The same intervention for a town of `scale` times the place's adults: its budget and
        size fields (`SCALED`) times `scale`, whole numbers rounded."""
        if scale == 1:
            return self
        update = {}
        for name in ("budget_gbp", *self.SCALED):
            value = getattr(self, name)
            if value is not None:
                update[name] = round(value * scale) if isinstance(value, int) else value * scale
        return self.model_copy(update=update)

    def planned_cost(self, town: Town, travel: Travel, params: Parameters) -> PlannedCost:
        """What it will cost in `town` before it runs, as its own `apply` pays (default: its
        budget at the start, if it has one)."""
        return PlannedCost(at_start_gbp=self.budget_gbp or 0.0)

    def places_picked(self) -> tuple[str, int] | None:
        """The field that says how many neighbourhoods it picks by its own rule when it names
        none, and that number (None: it serves them all, or names them)."""
        return None

    def setup(self, model: HealthgapModel) -> InterventionState:
        """A fresh state for one model run."""
        return InterventionState(places=self.places_served(model))

    def places_served(self, model: HealthgapModel) -> np.ndarray:
        """The neighbourhoods it names (codes were checked when the scenario was read), else its default."""
        if self.neighbourhoods is None:
            return self.default_places(model)
        index = {code: i for i, code in enumerate(model.town.node_array("code"))}
        return np.array([index[code] for code in self.neighbourhoods], dtype=np.int64)

    def default_places(self, model: HealthgapModel) -> np.ndarray:
        return np.arange(model.town.n)

    def advance(self, model: HealthgapModel, state: InterventionState, week: int) -> None:
        """One week of the lifecycle every intervention shares: start, apply, stop."""
        if state.phase == "waiting" and self.start_week <= week <= self.end_week:
            state.phase = "running"
            self.start(model, state, week)
        if state.phase != "running":
            return
        if week <= self.end_week and not state.out_of_money:
            self.apply(model, state, week)
        if week > self.end_week or state.out_of_money:
            state.phase = "ended"
            self.stop(model, state, week)

    def start(self, model: HealthgapModel, state: InterventionState, week: int) -> None:
        """What it does once, in its first week, before that week's `apply` (default: nothing)."""

    def apply(self, model: HealthgapModel, state: InterventionState, week: int) -> None:
        """What it does each week it runs (default: nothing)."""

    def stop(self, model: HealthgapModel, state: InterventionState, week: int) -> None:
        """Undo what lasts only while it runs (default: nothing)."""

    def spend(self, model: HealthgapModel, state: InterventionState, amount: float) -> bool:
        """Pay `amount` if the budget allows; once a payment is refused, the money has run out.
        The model records it at the full place's scale."""
        over = self.budget_gbp is not None and state.spent_gbp + amount > self.budget_gbp + 1e-6
        if over or state.out_of_money:
            state.out_of_money = True
            return False
        state.spent_gbp += amount
        full_scale = amount / model.scale
        model.spending[self.label] = model.spending.get(self.label, 0.0) + full_scale
        return True


def most_deprived_first(model: HealthgapModel) -> np.ndarray:
    """Neighbourhoods from most to least deprived (IMD rank where known, else decile)."""
    return most_deprived_order(model.town)


def most_deprived_order(town: Town) -> np.ndarray:
    """A town's neighbourhoods from most to least deprived (IMD rank where known, else decile)."""
    rank = town.node_array("imd_rank") if "imd_rank" in town.graph.nodes[0] else town.imd_decile
    return np.lexsort((np.arange(town.n), rank))


class SeedFunding(Intervention):
    """Small grants that open new groups in the chosen neighbourhoods (Big Local style).

    Each round's money is split into grants of `grant_gbp`; each grant opens a
    group funded for `funding_years`, after which it must sustain itself or
    close. With `chooser = "residents"` each neighbourhood opens the kind of
    group its residents most want (and residents who run it spread the word);
    with "commissioner" the kinds come from `group_types`.
    """

    type: Literal["seed_funding"] = "seed_funding"
    budget_gbp: float = Field(..., ge=0)
    grant_gbp: float = Field(10_000, gt=0, description="one group's grant (start-up and running)")
    rounds: int = Field(1, ge=1, description="grant rounds, spread evenly over the period")
    funding_years: float = Field(3, gt=0, description="how long each grant keeps a group going")
    target: Literal["most_deprived", "universal"] = "most_deprived"
    most_deprived: int = Field(3, ge=1, description="how many of the most deprived neighbourhoods")
    chooser: Literal["residents", "commissioner"] = "residents"
    group_types: list[GroupTypeName] = Field(default_factory=list)
    women_only: bool = Field(False, description="sessions for women only (e.g. at a mosque)")
    ends_with_funding: bool = Field(
        False,
        description="a time-limited programme (e.g. exercise referral's 12 to 24 weeks): its "
        "sessions stop when its funding does, instead of carrying on if they can pay their way",
    )

    @model_validator(mode="after")
    def _commissioner_names_types(self):
        if self.chooser == "commissioner" and not self.group_types:
            raise ValueError("chooser = 'commissioner' needs group_types, the kinds to fund")
        return self

    @field_validator("rounds")
    @classmethod
    def _rounds_need_a_period(cls, rounds: int, info: ValidationInfo) -> int:
        if rounds > 1 and info.data.get("end_year") is None:
            raise ValueError(
                f"{rounds} rounds are spread from start_year to end_year: give end_year"
            )
        return rounds

    def places_picked(self) -> tuple[str, int] | None:
        if self.neighbourhoods is None and self.target == "most_deprived":
            return "most_deprived", self.most_deprived
        return None

    def default_places(self, model: HealthgapModel) -> np.ndarray:
        order = most_deprived_first(model)
        return order if self.target == "universal" else order[: self.most_deprived]

    def round_weeks(self) -> list[int]:
        if self.rounds == 1:
            return [self.start_week]
        step = (self.end_week - self.start_week) / self.rounds
        return [self.start_week + round(i * step) for i in range(self.rounds)]

    def apply(self, model: HealthgapModel, state: InterventionState, week: int) -> None:
        if week not in self.round_weeks():
            return
        grants = int(self.budget_gbp / self.rounds // self.grant_gbp)
        for i in range(grants):
            place = int(state.places[i % len(state.places)])
            kind = self.choose_kind(model, place, i)
            if not self.spend(model, state, self.grant_gbp):
                break
            funded_until = week + round(self.funding_years * WEEKS_PER_YEAR)
            model.groups.add(
                [kind],
                [place],
                week,
                funded_until=funded_until,
                women_only=self.women_only,
                ends_with_funding=self.ends_with_funding,
            )
            if self.chooser == "residents":
                here = model.people.neighbourhood == place
                boost = model.params.interventions.community_led_awareness
                model.people.awareness[here] = np.minimum(model.people.awareness[here] + boost, 1)
        model.groups_changed()

    def choose_kind(self, model: HealthgapModel, place: int, i: int) -> int:
        """The commissioner's list in turn, or the kind local residents most want that is not yet there."""
        if self.chooser == "commissioner":
            return TYPE_INDEX[self.group_types[i % len(self.group_types)]]
        residents = np.flatnonzero(model.people.neighbourhood == place)
        demand = np.array(
            [
                behaviour.sigmoid(behaviour.type_appeal(model, residents, k, place)).mean()
                for k in range(len(TYPE_NAMES))
            ]
        )
        g = model.groups
        present = np.unique(g.kind[g.open & (g.venue == place)])
        demand[present] *= 0.5  # prefer something new; a second copy if it is still wanted most
        return int(np.argmax(demand))


@dataclass(eq=False)
class OutreachState(InterventionState):
    index: int = -1  # its place in `model.interventions` (marks whom it saw: `people.seen_by`)
    carry: float = 0.0  # part of a person the workers will see next week


class Outreach(Intervention):
    """Link workers, social prescribers, GP referral or local and faith-centre champions.

    Each week the workers see their caseload, drawn from the people the
    targeting rule picks; each learns of local groups, and a share (`uptake`)
    accept a referral to the best-suited group with room, with a supported
    first visit if offered. Link workers see people again: each week someone
    they are seeing meets them once more with chance `contact_continue`, until
    a week they do not; at each meeting someone not in a group is referred
    again, to the best group with room then.
    """

    SCALED = ("workers",)
    type: Literal["outreach"] = "outreach"
    channel: Literal["link_worker", "gp_referral", "champions", "faith_centre"] = "link_worker"
    workers: float = Field(1, ge=0)
    caseload_per_worker_year: float = Field(
        200, ge=0, description="people seen by one worker in a year (assumption)"
    )
    cost_per_worker_year_gbp: float = Field(
        35_000, ge=0, description="salary and on-costs of one worker (assumption)"
    )
    target: Literal[
        "inactive", "not_active", "lonely", "most_deprived", "health_limited", "everyone"
    ] = "inactive"
    uptake: float = Field(
        0.8,
        ge=0,
        le=1,
        description="share of those seen who accept a referral (assumption: with the fitted "
        "chance of then starting, about two in three of those seen start, as exercise referral's "
        "uptake of 66%, Pavey et al. 2012)",
    )
    supported_first_visit: bool = True
    group_types: list[GroupTypeName] = Field(
        default_factory=list, description="kinds of group referred to (default: any)"
    )

    def planned_cost(self, town: Town, travel: Travel, params: Parameters) -> PlannedCost:
        return PlannedCost(per_year_gbp=self.workers * self.cost_per_worker_year_gbp)

    def setup(self, model: HealthgapModel) -> OutreachState:
        return OutreachState(places=self.places_served(model), index=len(model.interventions))

    def apply(self, model: HealthgapModel, state: OutreachState, week: int) -> None:
        if not self.spend(
            model, state, self.workers * self.cost_per_worker_year_gbp / WEEKS_PER_YEAR
        ):
            return
        state.carry += self.workers * self.caseload_per_worker_year / WEEKS_PER_YEAR
        seen_count, state.carry = int(state.carry), state.carry - int(state.carry)
        p, effects = model.people, model.params.interventions
        rng = model.streams.week("interventions", week)
        eligible = np.flatnonzero(self.eligible(model, state, week))
        if seen_count > 0 and len(eligible) > 0:
            seen = rng.choice(eligible, size=min(seen_count, len(eligible)), replace=False)
            p.awareness[seen] = np.maximum(p.awareness[seen], effects.referral_awareness)
            p.seen_week[seen], p.seen_by[seen] = week, state.index
            if self.channel == "link_worker":
                p.link_worker_contacts[seen], p.in_contact[seen] = 1, True
            self.refer(model, seen[rng.random(len(seen)) < self.uptake], week)
        if self.channel == "link_worker":
            self.meet_again(model, state, week, rng)

    def meet_again(
        self, model: HealthgapModel, state: OutreachState, week: int, rng: np.random.Generator
    ) -> None:
        """Those the link workers have been seeing meet them again this week, or stop for good;
        anyone met who is not in a group is referred again."""
        p = model.people
        seeing = np.flatnonzero(p.in_contact & (p.seen_by == state.index) & (p.seen_week < week))
        meets = rng.random(len(seeing)) < model.params.interventions.contact_continue
        p.in_contact[seeing[~meets]] = False
        met = seeing[meets]
        p.link_worker_contacts[met] += 1
        self.refer(model, met[p.member_of[met] < 0], week)

    def refer(self, model: HealthgapModel, accepted: np.ndarray, week: int) -> None:
        """Refer `accepted` to the best-suited group with room for the referral's weeks."""
        p, effects = model.people, model.params.interventions
        group = self.best_group(model, accepted)
        accepted, group = accepted[group >= 0], group[group >= 0]
        p.referred_to[accepted] = group
        p.referred_until[accepted] = week + effects.referral_weeks - 1
        p.referred_week[accepted] = week
        p.referral_intercept[accepted] = effects.referral_intercept - (
            0.0 if self.supported_first_visit else effects.unsupported_referral_penalty
        )

    def eligible(self, model: HealthgapModel, state: OutreachState, week: int) -> np.ndarray:
        """Who the targeting rule picks: not in a group, not already referred or being seen, in
        the area served."""
        p = model.people
        rule = {
            "inactive": p.activity_minutes < 30,
            "not_active": p.activity_minutes < 150,  # exercise referral: short of the guidelines
            "lonely": p.lonely,
            "most_deprived": p.quintile == 1,
            "health_limited": p.health_limited,
            "everyone": np.ones(p.n, bool),
        }[self.target]
        in_area = np.isin(p.neighbourhood, state.places)
        return rule & in_area & (p.member_of < 0) & (p.referred_until < week) & ~p.in_contact

    def best_group(self, model: HealthgapModel, who: np.ndarray) -> np.ndarray:
        """For each person, the open group with room they would like most (-1 if none)."""
        g = model.groups
        room = g.open & (g.members < model.params.behaviour.members_per_place * g.capacity)
        if self.group_types:
            room &= np.isin(g.kind, [TYPE_INDEX[t] for t in self.group_types])
        options = np.flatnonzero(room)
        if len(who) == 0 or len(options) == 0:
            return np.full(len(who), -1)
        appeal = np.stack(
            [
                behaviour.group_appeal(model, who, np.full(len(who), o), np.zeros(len(who)))
                for o in options
            ]
        )
        best = options[np.argmax(appeal, axis=0)]
        return np.where(np.isfinite(appeal.max(axis=0)), best, -1)


@dataclass(eq=False, kw_only=True)
class TransportState(InterventionState):
    """A transport scheme in one run: the model's travel is the town's plus every scheme running."""

    mode: TransportMode
    mechanism: TransportMechanism
    routes: list[tuple[int, int]]  # every pair of the neighbourhoods it serves, once
    new_route: BusRoute | None = None  # bus_route: the service it runs
    factor: float = 1.0  # more_buses: how many times the buses of the routes it serves
    bus_hours_per_week: float = 0.0  # bus modes: what it pays for
    enrolled: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))  # drivers' riders

    def pairs(self) -> tuple[np.ndarray, np.ndarray]:
        """Both ends of every pair of neighbourhoods it serves."""
        return np.array(self.routes, dtype=np.intp).reshape(-1, 2).T

    def drawn_links(self) -> list[tuple[int, int]]:
        """The links it adds to a map: a new bus route stop to stop, others between every pair
        of the neighbourhoods they serve."""
        if self.new_route is not None:
            stops = self.new_route.stops
            return list(zip(stops[:-1], stops[1:], strict=True))
        return self.routes


class TransportMechanism:
    """How one mode of transport scheme changes travel and what it pays for, week by week.

    `Transport` is the scenario file's one declaration (its `mode` picks the mechanism in
    `MECHANISMS`); the model asks every running scheme's mechanism how the bus network, fares and
    lifts differ (`HealthgapModel.update_travel`). The default changes nothing and pays for
    nothing but the scheme's fixed costs."""

    fields: ClassVar[frozenset[str]] = frozenset()  # the Transport fields only this mode uses
    trip_cost_gbp: float = 0.0  # paid per return trip taken (default; a file may set its own)
    pays_fares: ClassVar[bool] = False  # pays the fare of each trip taken instead

    def start(self, spec: Transport, model: HealthgapModel, state: TransportState) -> None:
        """What it sets up in its first week (before the model's travel is recomputed)."""

    def uplift(self, state: TransportState, route: BusRoute) -> BusRoute:
        """A town bus route as it runs while the scheme does."""
        return route

    def alter_trips(self, model: HealthgapModel, state: TransportState) -> None:
        """Change the model's fares and lifts between the places it serves."""

    def bus_hours(self, spec: Transport, town: Town, travel: Travel, places, town_routes) -> float:
        """Bus-hours a week it pays for."""
        return 0.0

    def trips_paid(self, spec: Transport, model: HealthgapModel, state: TransportState) -> int:
        """Return trips taken last week that it pays for, each at `Transport.trip_cost_gbp`
        (or the fare)."""
        return 0


def round_trip_bus_hours(spec: Transport, town: Town, travel: Travel, route: BusRoute) -> float:
    """The bus-hours a week `route` needs: enough buses for its round trip, all week."""
    one_way = town.ride_minutes(route, travel)[-1]
    buses = math.ceil((2 * one_way + LAYOVER_MIN) * route.buses_per_hour / 60)
    return buses * spec.service_hours_per_week


class NewBusRoute(TransportMechanism):
    """A new bus calling at the places in the order named, paid per bus-hour."""

    fields = frozenset({"buses_per_hour", "service_hours_per_week", "cost_per_bus_hour_gbp"})

    def start(self, spec: Transport, model: HealthgapModel, state: TransportState) -> None:
        state.new_route = spec.new_route(state.places)

    def bus_hours(self, spec: Transport, town: Town, travel: Travel, places, town_routes) -> float:
        return round_trip_bus_hours(spec, town, travel, spec.new_route(places))


class MoreBuses(TransportMechanism):
    """The town's routes calling at any of the places run `frequency_factor` times as often,
    paid per extra bus-hour."""

    fields = frozenset({"frequency_factor", "service_hours_per_week", "cost_per_bus_hour_gbp"})

    def start(self, spec: Transport, model: HealthgapModel, state: TransportState) -> None:
        state.factor = spec.frequency_factor

    def uplift(self, state: TransportState, route: BusRoute) -> BusRoute:
        if not np.isin(route.stops, state.places).any():
            return route
        return dataclasses.replace(route, buses_per_hour=route.buses_per_hour * state.factor)

    def bus_hours(self, spec: Transport, town: Town, travel: Travel, places, town_routes) -> float:
        more = spec.frequency_factor
        return sum(
            round_trip_bus_hours(
                spec, town, travel, dataclasses.replace(r, buses_per_hour=r.buses_per_hour * more)
            )
            - round_trip_bus_hours(spec, town, travel, r)
            for r in town_routes
            if np.isin(r.stops, places).any()
        )


class FreeFares(TransportMechanism):
    """Free buses between the places, paying the fares forgone on the trips taken."""

    pays_fares = True

    def alter_trips(self, model: HealthgapModel, state: TransportState) -> None:
        a, b = state.pairs()
        model.bus_fare[a, b] = model.bus_fare[b, a] = 0.0

    def trips_paid(self, spec: Transport, model: HealthgapModel, state: TransportState) -> int:
        riders = np.flatnonzero(~model.people.car & ~model.people.driven)
        return spec.trips_last_week(model, state, riders, by_bus=True)


class Lifts(TransportMechanism):
    """Up to `capacity` residents without a car (health-limited and older first) are driven
    between the places, paid per return trip: volunteer drivers, or demand-responsive minibuses."""

    fields = frozenset({"capacity", "cost_per_trip_gbp"})

    def __init__(self, trip_cost_gbp: float) -> None:
        self.trip_cost_gbp = trip_cost_gbp

    def start(self, spec: Transport, model: HealthgapModel, state: TransportState) -> None:
        p = model.people
        candidates = np.flatnonzero(~p.car & np.isin(p.neighbourhood, state.places))
        priority = np.lexsort((-p.age_band[candidates], ~p.health_limited[candidates]))
        state.enrolled = candidates[priority[: spec.capacity]]

    def alter_trips(self, model: HealthgapModel, state: TransportState) -> None:
        a, b = state.pairs()
        model.driven_routes[a, b] = model.driven_routes[b, a] = True
        model.people.driven[state.enrolled] = True

    def trips_paid(self, spec: Transport, model: HealthgapModel, state: TransportState) -> int:
        return spec.trips_last_week(model, state, state.enrolled)


MECHANISMS: dict[str, TransportMechanism] = {
    "bus_route": NewBusRoute(),
    "more_buses": MoreBuses(),
    "fare_subsidy": FreeFares(),
    # Mileage for a return trip of a few miles at HMRC's 45p a mile, and booking (assumption).
    "volunteer_drivers": Lifts(trip_cost_gbp=6.0),
    # A passenger trip on demand-responsive minibuses (assumption: English trials often cost more).
    "demand_responsive": Lifts(trip_cost_gbp=15.0),
}
MODE_FIELDS_USERS = {
    name: [mode for mode, m in MECHANISMS.items() if name in m.fields]
    for name in set().union(*(m.fields for m in MECHANISMS.values()))
}
LAYOVER_MIN = 10  # minutes a bus waits at the ends of its round trip (assumption)


class Transport(Intervention):
    """A transport scheme between the named neighbourhoods; any number run at once.

    Its `mode` picks the mechanism (`MECHANISMS`): bus_route, a new bus (`NewBusRoute`);
    more_buses, the town's routes more often (`MoreBuses`); fare_subsidy, free buses
    (`FreeFares`); volunteer_drivers and demand_responsive, lifts for residents without a car
    (`Lifts`). Travel is recomputed from the town and every scheme running whenever one starts
    or stops (`HealthgapModel.update_travel`), so each ends without touching the others.
    """

    type: Literal["transport"] = "transport"
    SCALED = ("capacity", "cost_per_year_gbp", "cost_per_bus_hour_gbp")
    mode: TransportMode
    neighbourhoods: list[str] = Field(..., min_length=1)
    buses_per_hour: float = Field(2.0, gt=0, le=30, description="bus_route: buses each way an hour")
    frequency_factor: float = Field(
        2.0, gt=1, le=10, description="more_buses: times as many buses on the routes served"
    )
    service_hours_per_week: float = Field(
        80,
        gt=0,
        le=168,
        description="hours a week the buses run (assumption: 13 a day, less on Sundays)",
    )
    cost_per_bus_hour_gbp: float = Field(
        50,
        ge=0,
        description="running one bus for an hour, driver included (assumption: about England's "
        "local-bus operating cost per vehicle-mile, DfT Annual Bus Statistics BUS04, at 11 mph)",
    )
    capacity: int = Field(50, ge=0, description="residents the drivers or minibuses can take")
    cost_per_year_gbp: float = Field(0, ge=0, description="fixed running costs a year")
    cost_per_trip_gbp: float | None = Field(
        None, ge=0, description="per return trip (default: the mode's, in MECHANISMS)"
    )

    @model_validator(mode="after")
    def _links_two_places(self):
        if self.mode != "more_buses" and len(set(self.neighbourhoods)) < 2:
            raise ValueError(f"a {self.mode} links at least two different neighbourhoods")
        return self

    @field_validator(*sorted(MODE_FIELDS_USERS))
    @classmethod
    def _only_for_its_modes(cls, value: float, info: ValidationInfo) -> float:
        mode, users = info.data.get("mode"), MODE_FIELDS_USERS[info.field_name]
        if mode not in users:
            raise ValueError(f"only {' and '.join(users)} use it; remove it from this {mode}")
        return value

    @property
    def mechanism(self) -> TransportMechanism:
        return MECHANISMS[self.mode]

    @property
    def trip_cost_gbp(self) -> float:
        own = self.cost_per_trip_gbp
        return self.mechanism.trip_cost_gbp if own is None else own

    def setup(self, model: HealthgapModel) -> TransportState:
        places = self.places_served(model)
        routes = list(itertools.combinations(np.unique(places).tolist(), 2))
        return TransportState(
            places=places, mode=self.mode, mechanism=self.mechanism, routes=routes
        )

    def start(self, model: HealthgapModel, state: TransportState, week: int) -> None:
        self.mechanism.start(self, model, state)
        state.bus_hours_per_week = self.mechanism.bus_hours(
            self, model.town, model.params.travel, state.places, model.town_bus_routes
        )
        model.transport_schemes.append(state)
        model.update_travel()

    def new_route(self, places: np.ndarray) -> BusRoute:
        return BusRoute(tuple(int(i) for i in places), self.buses_per_hour)

    def planned_cost(self, town: Town, travel: Travel, params: Parameters) -> PlannedCost:
        """Fixed costs and bus-hours a year; lifts or the fares forgone as trips are taken."""
        index = {code: i for i, code in enumerate(town.node_array("code"))}
        places = np.array([index[code] for code in self.neighbourhoods])
        hours = self.mechanism.bus_hours(self, town, travel, places, town.bus_network(travel))
        return PlannedCost(
            per_year_gbp=self.cost_per_year_gbp
            + hours * self.cost_per_bus_hour_gbp * WEEKS_PER_YEAR,
            per_trip_gbp=self.trip_cost_gbp,
            pays_fares=self.mechanism.pays_fares,
        )

    def apply(self, model: HealthgapModel, state: TransportState, week: int) -> None:
        trips = self.mechanism.trips_paid(self, model, state)
        per_trip = (
            model.params.travel.bus_return_fare_gbp
            if self.mechanism.pays_fares
            else self.trip_cost_gbp
        )
        weekly = (
            self.cost_per_year_gbp / WEEKS_PER_YEAR
            + state.bus_hours_per_week * self.cost_per_bus_hour_gbp
            + per_trip * trips
        )
        self.spend(model, state, weekly)

    def stop(self, model: HealthgapModel, state: TransportState, week: int) -> None:
        model.transport_schemes.remove(state)
        model.update_travel()

    def trips_last_week(
        self, model: HealthgapModel, state: TransportState, riders: np.ndarray, by_bus=False
    ) -> int:
        """Return trips `riders` made last week to a group in another neighbourhood it serves
        (paid for now); `by_bus`: only those quicker by bus than on foot."""
        p, g = model.people, model.groups
        went = riders[p.attended[riders] >= 0]
        home, venue = p.neighbourhood[went], g.venue[p.attended[went]]
        trips = np.isin(home, state.places) & np.isin(venue, state.places) & (venue != home)
        if by_bus:
            trips &= model.travel["bus"][home, venue] < model.travel["walk"][home, venue]
        return int(trips.sum())


@dataclass(eq=False)
class DirectoryState(InterventionState):
    added: np.ndarray | None = None  # awareness it gave each resident, taken back when it stops


class Directory(Intervention):
    """One online directory of local groups: more people know what is on."""

    SCALED = ("setup_cost_gbp", "cost_per_year_gbp")
    type: Literal["directory"] = "directory"
    setup_cost_gbp: float = Field(5_000, ge=0, description="building it (assumption)")
    cost_per_year_gbp: float = Field(2_000, ge=0, description="keeping it current (assumption)")

    def planned_cost(self, town: Town, travel: Travel, params: Parameters) -> PlannedCost:
        return PlannedCost(at_start_gbp=self.setup_cost_gbp, per_year_gbp=self.cost_per_year_gbp)

    def setup(self, model: HealthgapModel) -> DirectoryState:
        return DirectoryState(places=self.places_served(model))

    def start(self, model: HealthgapModel, state: DirectoryState, week: int) -> None:
        if not self.spend(model, state, self.setup_cost_gbp):
            return
        p = model.people
        here = np.isin(p.neighbourhood, state.places)
        before = p.awareness.copy()
        uplift = model.params.interventions.directory_awareness
        p.awareness[here] = np.minimum(p.awareness[here] + uplift, 1)
        state.added = p.awareness - before

    def apply(self, model: HealthgapModel, state: DirectoryState, week: int) -> None:
        self.spend(model, state, self.cost_per_year_gbp / WEEKS_PER_YEAR)

    def stop(self, model: HealthgapModel, state: DirectoryState, week: int) -> None:
        if state.added is not None:
            p = model.people
            p.awareness[:] = np.maximum(p.awareness - state.added, 0)


class VenueSubsidy(Intervention):
    """Pays the running costs of open groups in the neighbourhoods served, so none closes for money."""

    type: Literal["venue_subsidy"] = "venue_subsidy"
    budget_gbp: float = Field(..., ge=0)

    def apply(self, model: HealthgapModel, state: InterventionState, week: int) -> None:
        g, running_cost = model.groups, model.params.groups.types.column("running_cost_gbp")
        for group in np.flatnonzero(g.open & np.isin(g.venue, state.places)):
            if not self.spend(model, state, float(running_cost[g.kind[group]])):
                return
            g.funded_until[group] = max(g.funded_until[group], week)


class LowImpactOffer(Intervention):
    """Free low-impact sessions (e.g. swimming for people with pain), and word of them to people with health limits."""

    type: Literal["low_impact"] = "low_impact"
    group_type: GroupTypeName = "swim"
    sessions: int = Field(
        1, ge=1, description="new free weekly sessions, one per neighbourhood served"
    )

    @field_validator("group_type")
    @classmethod
    def _is_low_impact(cls, name: str) -> str:
        if name not in LOW_IMPACT_TYPES:
            raise ValueError(
                f"'{name}' is not a low-impact kind of group; choose one of "
                f"{', '.join(LOW_IMPACT_TYPES)}"
            )
        return name

    @field_validator("sessions")
    @classmethod
    def _a_neighbourhood_per_session(cls, sessions: int, info: ValidationInfo) -> int:
        named = info.data.get("neighbourhoods")
        if named is not None and sessions > len(named):
            raise ValueError(
                f"one session opens in each neighbourhood named, and {len(named)} are named: "
                "name more or open fewer"
            )
        return sessions

    def places_picked(self) -> tuple[str, int] | None:
        return None if self.neighbourhoods is not None else ("sessions", self.sessions)

    def default_places(self, model: HealthgapModel) -> np.ndarray:
        return most_deprived_first(model)

    @property
    def funded_weeks(self) -> int:
        """Weeks its sessions are paid for, all at the start: until it ends, else 3 years."""
        if self.end_year is None:
            return 3 * WEEKS_PER_YEAR
        return int(self.end_week - self.start_week + 1)

    def session_cost(self, params: Parameters) -> float:
        """One session's running costs for `funded_weeks`."""
        kind = TYPE_INDEX[self.group_type]
        return float(params.groups.types.column("running_cost_gbp")[kind]) * self.funded_weeks

    def planned_cost(self, town: Town, travel: Travel, params: Parameters) -> PlannedCost:
        sessions = min(self.sessions, town.n)
        return PlannedCost(at_start_gbp=sessions * self.session_cost(params))

    def start(self, model: HealthgapModel, state: InterventionState, week: int) -> None:
        kind = TYPE_INDEX[self.group_type]
        weeks = self.funded_weeks
        places = state.places[: self.sessions]
        cost = self.session_cost(model.params)
        opened = [place for place in places if self.spend(model, state, cost)]
        model.groups.add(
            [kind] * len(opened),
            opened,
            week,
            funded_until=week + weeks,
            cost_gbp=np.zeros(len(opened)),
        )
        p = model.people
        told = p.health_limited & np.isin(p.neighbourhood, state.places)
        uplift = model.params.interventions.low_impact_awareness
        p.awareness[told] = np.minimum(p.awareness[told] + uplift, 1)
        model.groups_changed()


class WalkTo5k(Intervention):
    """A progressive pathway: settled walkers move on to a run club or parkrun nearby."""

    SCALED = ("coach_cost_per_year_gbp",)
    type: Literal["walk_to_5k"] = "walk_to_5k"
    graduation_rate: float = Field(
        0.02, ge=0, le=1, description="chance a week a settled walker moves on (assumption)"
    )
    coach_cost_per_year_gbp: float = Field(5_000, ge=0, description="a run leader (assumption)")
    settled_habit: float = Field(0.6, ge=0, le=1)

    def planned_cost(self, town: Town, travel: Travel, params: Parameters) -> PlannedCost:
        return PlannedCost(per_year_gbp=self.coach_cost_per_year_gbp)

    def apply(self, model: HealthgapModel, state: InterventionState, week: int) -> None:
        if not self.spend(model, state, self.coach_cost_per_year_gbp / WEEKS_PER_YEAR):
            return
        p, g = model.people, model.groups
        walkers = np.flatnonzero(
            (p.member_of >= 0)
            & (g.kind[np.maximum(p.member_of, 0)] == TYPE_INDEX["walk_and_talk"])
            & (p.habit >= self.settled_habit)
            & ~p.health_limited
            & np.isin(p.neighbourhood, state.places)
        )
        rng = model.streams.week("interventions", week)
        moving = walkers[rng.random(len(walkers)) < self.graduation_rate]
        runs = np.flatnonzero(
            g.open & np.isin(g.kind, [TYPE_INDEX["run_club"], TYPE_INDEX["parkrun"]])
        )
        if len(moving) == 0 or len(runs) == 0:
            return
        minutes = model.minutes_to_group[p.car[moving].astype(np.intp)][:, :, runs]
        nearest = runs[np.argmin(minutes[np.arange(len(moving)), p.neighbourhood[moving]], axis=1)]
        p.member_of[moving] = nearest


@dataclass(eq=False)
class DailyMileState(InterventionState):
    taking_part: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))  # children


class DailyMile(Intervention):
    """The Daily Mile: schools run 15 minutes of running or walking each school day, and each of
    their children gains the minutes a day its trial found (`children.daily_mile_minutes`).
    Free to implement by its foundation's account: it costs the staff time to organise it."""

    SCALED = ("children",)
    type: Literal["daily_mile"] = "daily_mile"
    schools: int | None = Field(
        None,
        ge=1,
        description="how many neighbourhoods' schools run it, most deprived first, unless "
        "neighbourhoods are named (default: every one)",
    )
    children: int | None = Field(
        None,
        ge=1,
        description="children taking part: those of the schools it serves, in their order, "
        "until this many (default: every child there)",
    )

    def places_picked(self) -> tuple[str, int] | None:
        return (
            None
            if self.neighbourhoods is not None or self.schools is None
            else (
                "schools",
                self.schools,
            )
        )

    def default_places(self, model: HealthgapModel) -> np.ndarray:
        return most_deprived_first(model)[: self.schools]

    def children_taking_part(self, model: HealthgapModel, places: np.ndarray) -> np.ndarray:
        """The children of the schools in `places`, in that order, up to `children`."""
        home = model.children.neighbourhood
        in_order = np.concatenate([np.flatnonzero(home == place) for place in places])
        return in_order if self.children is None else in_order[: self.children]

    def planned_cost(self, town: Town, travel: Travel, params: Parameters) -> PlannedCost:
        adults = town.population
        if self.neighbourhoods is not None:
            adults = adults[np.isin(town.node_array("code"), self.neighbourhoods)]
        elif self.schools is not None:
            adults = adults[most_deprived_order(town)[: self.schools]]
        c = params.children
        everyone = c.per_adult * adults.sum()
        children = everyone if self.children is None else min(self.children, everyone)
        return PlannedCost(per_year_gbp=children * c.daily_mile_staff_gbp_per_child_year)

    def setup(self, model: HealthgapModel) -> DailyMileState:
        return DailyMileState(places=self.places_served(model))

    def start(self, model: HealthgapModel, state: DailyMileState, week: int) -> None:
        state.taking_part = self.children_taking_part(model, state.places)
        model.children.daily_mile[state.taking_part] += 1

    def apply(self, model: HealthgapModel, state: DailyMileState, week: int) -> None:
        per_child = model.params.children.daily_mile_staff_gbp_per_child_year
        self.spend(model, state, len(state.taking_part) * per_child / WEEKS_PER_YEAR)

    def stop(self, model: HealthgapModel, state: DailyMileState, week: int) -> None:
        model.children.daily_mile[state.taking_part] -= 1


AnyIntervention = Annotated[
    SeedFunding
    | Outreach
    | Transport
    | Directory
    | VenueSubsidy
    | LowImpactOffer
    | WalkTo5k
    | DailyMile,
    Field(discriminator="type"),
]
