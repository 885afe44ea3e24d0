"""Interventions: each a mechanism in the model with its own cost accounting.

An intervention is declared in a scenario file (the fields below are its
schema) and applied each week, before residents choose groups. Every pound
goes through `spend`, which refuses anything over the budget, so an
intervention can never overspend; what was spent is in `model.spending`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, model_validator

from . import behaviour
from .errors import InputError
from .groups import GROUP_TYPES, TYPE_INDEX, type_table
from .town import CIRCUITY, SPEED_KMH

if TYPE_CHECKING:
    from .model import HealthgapModel

GroupTypeName = Literal[tuple(t.name for t in GROUP_TYPES)]  # type: ignore[valid-type]
WEEKS_PER_YEAR = 52
RUNNING_COST = type_table("running_cost_gbp")


class Intervention(BaseModel):
    """What every intervention has: a name, when it runs, a budget, and where it is aimed."""

    model_config = ConfigDict(extra="forbid")

    name: str | None = None
    start_year: float = Field(0, ge=0, description="years after the start when it begins")
    end_year: float | None = Field(None, gt=0, description="when it stops (default: never)")
    budget_gbp: float | None = Field(None, ge=0, description="spending never goes over this")
    neighbourhoods: list[str] | None = Field(
        None, description="codes of the neighbourhoods it serves (default: by its targeting)"
    )
    _spent: float = PrivateAttr(0.0)
    _places: np.ndarray = PrivateAttr(None)

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

    def running(self, week: int) -> bool:
        return self.start_week <= week <= self.end_week

    def spend(self, model: HealthgapModel, amount: float) -> bool:
        """Pay `amount` if the budget allows; returns whether it was paid."""
        if self.budget_gbp is not None and self._spent + amount > self.budget_gbp + 1e-6:
            return False
        self._spent += amount
        model.spending[self.label] = model.spending.get(self.label, 0.0) + amount
        return True

    def setup(self, model: HealthgapModel) -> None:
        """Resolve which neighbourhoods it serves, with a clear error for unknown codes."""
        codes = list(model.town.node_array("code"))
        if self.neighbourhoods is None:
            self._places = self.default_places(model)
            return
        unknown = [c for c in self.neighbourhoods if c not in codes]
        if unknown:
            raise InputError(
                f"Intervention '{self.label}': neighbourhoods {unknown} are not in this place.",
                fix=f"Use codes of the place's neighbourhoods, e.g. {', '.join(codes[:5])}.",
            )
        self._places = np.array([codes.index(c) for c in self.neighbourhoods], dtype=np.int64)

    def default_places(self, model: HealthgapModel) -> np.ndarray:
        return np.arange(model.town.n)


def most_deprived_first(model: HealthgapModel) -> np.ndarray:
    """Neighbourhoods from most to least deprived (IMD rank where known, else decile)."""
    town = model.town
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

    @model_validator(mode="after")
    def _commissioner_names_types(self):
        if self.chooser == "commissioner" and not self.group_types:
            raise ValueError("chooser = 'commissioner' needs group_types, the kinds to fund")
        return self

    def default_places(self, model: HealthgapModel) -> np.ndarray:
        order = most_deprived_first(model)
        return order if self.target == "universal" else order[: self.most_deprived]

    def round_weeks(self) -> list[int]:
        if self.rounds == 1 or self.end_year is None:
            return [self.start_week]
        step = (self.end_week - self.start_week) / self.rounds
        return [self.start_week + round(i * step) for i in range(self.rounds)]

    def apply(self, model: HealthgapModel, week: int) -> None:
        if week not in self.round_weeks():
            return
        grants = int(self.budget_gbp / self.rounds // self.grant_gbp)
        for i in range(grants):
            place = int(self._places[i % len(self._places)])
            kind = self.choose_kind(model, place, i)
            if not self.spend(model, self.grant_gbp):
                break
            funded_until = week + round(self.funding_years * WEEKS_PER_YEAR)
            model.groups.add(
                [kind], [place], week, funded_until=funded_until, women_only=self.women_only
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
                for k in range(len(GROUP_TYPES))
            ]
        )
        g = model.groups
        present = np.unique(g.kind[g.open & (g.venue == place)])
        demand[present] *= 0.5  # prefer something new; a second copy if it is still wanted most
        return int(np.argmax(demand))


class Outreach(Intervention):
    """Link workers, social prescribers, GP referral or local and faith-centre champions.

    Each week the workers see their caseload, drawn from the people the
    targeting rule picks; each learns of local groups, and a share (`uptake`)
    accept a referral to the best-suited group with room, with a supported
    first visit if offered.
    """

    type: Literal["outreach"] = "outreach"
    channel: Literal["link_worker", "gp_referral", "champions", "faith_centre"] = "link_worker"
    workers: float = Field(1, ge=0)
    caseload_per_worker_year: float = Field(
        200, ge=0, description="people seen by one worker in a year (assumption)"
    )
    cost_per_worker_year_gbp: float = Field(
        35_000, ge=0, description="salary and on-costs of one worker (assumption)"
    )
    target: Literal["inactive", "lonely", "most_deprived", "health_limited", "everyone"] = (
        "inactive"
    )
    uptake: float = Field(0.6, ge=0, le=1, description="share of those seen who accept a referral")
    supported_first_visit: bool = True
    group_types: list[GroupTypeName] = Field(
        default_factory=list, description="kinds of group referred to (default: any)"
    )
    _carry: float = PrivateAttr(0.0)

    def apply(self, model: HealthgapModel, week: int) -> None:
        if not self.running(week):
            return
        if not self.spend(model, self.workers * self.cost_per_worker_year_gbp / WEEKS_PER_YEAR):
            return
        self._carry += self.workers * self.caseload_per_worker_year / WEEKS_PER_YEAR
        seen_count, self._carry = int(self._carry), self._carry - int(self._carry)
        p, effects = model.people, model.params.interventions
        eligible = np.flatnonzero(self.eligible(model, week))
        if seen_count == 0 or len(eligible) == 0:
            return
        rng = model.streams.week("interventions", week)
        seen = rng.choice(eligible, size=min(seen_count, len(eligible)), replace=False)
        p.awareness[seen] = np.maximum(p.awareness[seen], effects.referral_awareness)
        accepted = seen[rng.random(len(seen)) < self.uptake]
        group = self.best_group(model, accepted)
        accepted, group = accepted[group >= 0], group[group >= 0]
        p.referred_to[accepted] = group
        p.referred_until[accepted] = week + effects.referral_weeks
        p.referral_boost[accepted] = (
            effects.referral_boost_supported
            if self.supported_first_visit
            else effects.referral_boost_unsupported
        )

    def eligible(self, model: HealthgapModel, week: int) -> np.ndarray:
        """Who the targeting rule picks: not in a group, not already referred, in the area served."""
        p = model.people
        rule = {
            "inactive": p.activity_minutes < 30,
            "lonely": p.lonely,
            "most_deprived": p.quintile == 1,
            "health_limited": p.health_limited,
            "everyone": np.ones(p.n, bool),
        }[self.target]
        in_area = np.isin(p.neighbourhood, self._places)
        return rule & in_area & (p.member_of < 0) & (p.referred_until < week)

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


class Transport(Intervention):
    """A new bus link, a fare subsidy or volunteer drivers between the named neighbourhoods.

    bus_link: a direct bus between every pair of them. fare_subsidy: free buses
    between them. volunteer_drivers: up to `capacity` residents without a car
    (health-limited and older first) are driven between them, paying per trip.
    """

    type: Literal["transport"] = "transport"
    mode: Literal["bus_link", "fare_subsidy", "volunteer_drivers"]
    neighbourhoods: list[str] = Field(..., min_length=2)
    capacity: int = Field(50, ge=0, description="residents a volunteer driver scheme can take")
    cost_per_year_gbp: float = Field(0, ge=0)
    cost_per_trip_gbp: float = Field(0, ge=0, description="per return trip (volunteer drivers)")
    _saved: dict = PrivateAttr(default_factory=dict)

    _on: bool = PrivateAttr(False)

    def apply(self, model: HealthgapModel, week: int) -> None:
        if week == self.start_week:
            self.start(model)
        if not self._on:
            return
        trips = self.trips_last_week(model) if self.mode == "volunteer_drivers" else 0
        cost = self.cost_per_year_gbp / WEEKS_PER_YEAR + self.cost_per_trip_gbp * trips
        if week > self.end_week or not self.spend(model, cost):
            self.stop(model)

    def pairs(self) -> tuple[np.ndarray, np.ndarray]:
        a, b = np.meshgrid(self._places, self._places, indexing="ij")
        off = a != b
        return a[off], b[off]

    def start(self, model: HealthgapModel) -> None:
        self._on = True
        a, b = self.pairs()
        if self.mode == "bus_link":
            self._saved["bus"] = model.travel["bus"].copy()
            x, y = model.town.node_array("x_km"), model.town.node_array("y_km")
            direct = np.hypot(x[a] - x[b], y[a] - y[b]) * CIRCUITY / SPEED_KMH["bus"] * 60 + 10
            model.travel["bus"][a, b] = np.minimum(model.travel["bus"][a, b], direct)
        elif self.mode == "fare_subsidy":
            self._saved["fare"] = model.bus_fare.copy()
            model.bus_fare[a, b] = 0.0
        else:
            model.driven_routes[a, b] = True
            p = model.people
            candidates = np.flatnonzero(~p.car & np.isin(p.neighbourhood, self._places))
            priority = np.lexsort((-p.age_band[candidates], ~p.health_limited[candidates]))
            p.driven[candidates[priority[: self.capacity]]] = True
        model.groups_changed()

    def stop(self, model: HealthgapModel) -> None:
        self._on = False
        if self.mode == "bus_link":
            model.travel["bus"] = self._saved["bus"]
        elif self.mode == "fare_subsidy":
            model.bus_fare[:] = self._saved["fare"]
        else:
            a, b = self.pairs()
            model.driven_routes[a, b] = False
            model.people.driven[:] = False
        model.groups_changed()

    def trips_last_week(self, model: HealthgapModel) -> int:
        """Return trips the volunteer drivers made last week (paid for now)."""
        p, g = model.people, model.groups
        went = np.flatnonzero(p.driven & (p.attended >= 0))
        return int(model.driven_routes[p.neighbourhood[went], g.venue[p.attended[went]]].sum())


class Directory(Intervention):
    """One online directory of local groups: more people know what is on."""

    type: Literal["directory"] = "directory"
    setup_cost_gbp: float = Field(5_000, ge=0, description="building it (assumption)")
    cost_per_year_gbp: float = Field(2_000, ge=0, description="keeping it current (assumption)")
    _added: np.ndarray = PrivateAttr(None)

    def apply(self, model: HealthgapModel, week: int) -> None:
        p = model.people
        if week == self.start_week and self.spend(model, self.setup_cost_gbp):
            here = np.isin(p.neighbourhood, self._places)
            before = p.awareness.copy()
            uplift = model.params.interventions.directory_awareness
            p.awareness[here] = np.minimum(p.awareness[here] + uplift, 1)
            self._added = p.awareness - before
        if self._added is None:
            return
        if week == self.end_week + 1 or not self.spend(model, self.cost_per_year_gbp / 52):
            p.awareness[:] = np.maximum(p.awareness - self._added, 0)
            self._added = None


class VenueSubsidy(Intervention):
    """Pays the running costs of open groups in the neighbourhoods served, so none closes for money."""

    type: Literal["venue_subsidy"] = "venue_subsidy"
    budget_gbp: float = Field(..., ge=0)

    def apply(self, model: HealthgapModel, week: int) -> None:
        if not self.running(week):
            return
        g = model.groups
        for group in np.flatnonzero(g.open & np.isin(g.venue, self._places)):
            if self.spend(model, float(RUNNING_COST[g.kind[group]])):
                g.funded_until[group] = max(g.funded_until[group], week)


class LowImpactOffer(Intervention):
    """Free low-impact sessions (e.g. swimming for people with pain), and word of them to people with health limits."""

    type: Literal["low_impact"] = "low_impact"
    group_type: GroupTypeName = "swim"
    sessions: int = Field(
        1, ge=1, description="new free weekly sessions, one per neighbourhood served"
    )

    def default_places(self, model: HealthgapModel) -> np.ndarray:
        return most_deprived_first(model)

    def apply(self, model: HealthgapModel, week: int) -> None:
        if week != self.start_week:
            return
        kind = TYPE_INDEX[self.group_type]
        if not GROUP_TYPES[kind].low_impact:
            raise InputError(
                f"Intervention '{self.label}': {self.group_type} is not low-impact.",
                fix="Choose swim, walk_and_talk or another low-impact kind.",
            )
        weeks = self.end_week - week + 1 if self.end_year is not None else 3 * WEEKS_PER_YEAR
        places = self._places[: self.sessions]
        opened = [place for place in places if self.spend(model, float(RUNNING_COST[kind]) * weeks)]
        model.groups.add(
            [kind] * len(opened),
            opened,
            week,
            funded_until=week + weeks,
            cost_gbp=np.zeros(len(opened)),
        )
        p = model.people
        told = p.health_limited & np.isin(p.neighbourhood, self._places)
        uplift = model.params.interventions.low_impact_awareness
        p.awareness[told] = np.minimum(p.awareness[told] + uplift, 1)
        model.groups_changed()


class WalkTo5k(Intervention):
    """A progressive pathway: settled walkers move on to a run club or parkrun nearby."""

    type: Literal["walk_to_5k"] = "walk_to_5k"
    graduation_rate: float = Field(
        0.02, ge=0, le=1, description="chance a week a settled walker moves on (assumption)"
    )
    coach_cost_per_year_gbp: float = Field(5_000, ge=0, description="a run leader (assumption)")
    settled_habit: float = Field(0.6, ge=0, le=1)

    def apply(self, model: HealthgapModel, week: int) -> None:
        if not self.running(week) or not self.spend(model, self.coach_cost_per_year_gbp / 52):
            return
        p, g = model.people, model.groups
        walkers = np.flatnonzero(
            (p.member_of >= 0)
            & (g.kind[np.maximum(p.member_of, 0)] == TYPE_INDEX["walk_and_talk"])
            & (p.habit >= self.settled_habit)
            & ~p.health_limited
            & np.isin(p.neighbourhood, self._places)
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


AnyIntervention = Annotated[
    SeedFunding | Outreach | Transport | Directory | VenueSubsidy | LowImpactOffer | WalkTo5k,
    Field(discriminator="type"),
]
