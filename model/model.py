"""The healthgap Mesa model: a town's residents and community groups, stepped weekly."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

import mesa
import numpy as np

from . import behaviour, children, evidence, health, metrics, outings, population
from .agents import Child, CommunityGroup, Resident
from .groups import baseline_groups
from .parameters import Parameters
from .population import lonely_targets, synthesise_residents
from .randomness import Streams
from .ties import Friendships, build_friendships
from .town import Town, typical_town

if TYPE_CHECKING:
    from .interventions import Intervention, InterventionState, TransportState

# Passes of `calibrate_activity`, each taking half the gap (a full step overshoots: moving a band's
# edge moves every rank inside it, and members' minutes carry some across the next edge).
ACTIVITY_CALIBRATION_PASSES = 16


class HealthgapModel(mesa.Model):
    """A town stepped one week at a time.

    Resident, child and group state live in NumPy arrays (`people`, `children`, `groups`);
    the Mesa agents (`Resident`, `Child`, `CommunityGroup`) are views of those arrays.
    Before the reported start the model runs `burn_in_weeks` so that baseline
    groups and ties reach equilibrium; then usual activity and the loneliness intercepts are
    set so each quintile starts at its published shares (`calibrate_activity`,
    `calibrate_loneliness`).
    """

    def __init__(
        self,
        town: Town | None = None,
        parameters: Parameters | None = None,
        seed: int = 0,
        *,
        interventions=(),
        mesa_agents: bool = True,
        horizon_weeks: int | None = None,
        scale: float = 1.0,
    ) -> None:
        super().__init__(rng=seed)
        self.scale = scale  # the share of the place's adults simulated; interventions shrink alike
        self.horizon_weeks = horizon_weeks  # Mesa's `running` turns False there (None: never)
        self.seed = int(seed)
        self.params = parameters or Parameters()
        self.town = town or typical_town()
        self.streams = Streams(self.seed)
        self.interventions: list[tuple[Intervention, InterventionState]] = []
        self.spending: dict[str, float] = {}
        self.transport_schemes: list[TransportState] = []  # those running, in starting order
        self.people, self.copula_maps = synthesise_residents(
            self.town.imd_decile, self.town.population, self.params, self.streams.build("residents")
        )
        taste = self.streams.build("taste").normal(0.0, 1.0, self.people.n)
        self.people.taste[:] = self.params.behaviour.taste_sd * taste
        pairs = build_friendships(
            self.people.neighbourhood,
            self.people.deprivation,
            self.params.ties,
            self.streams.build("friendships"),
        )
        self.friends = Friendships(self.people.n, pairs)
        self.children = children.add_children(
            self.town, self.params.children, self.streams.build("children")
        )
        # Residents are stored neighbourhood by neighbourhood (for summing by decile).
        self.block_sizes = self.town.population
        self.block_starts = np.concatenate([[0], np.cumsum(self.block_sizes)[:-1]])
        self.block_decile = self.town.imd_decile.astype(np.intp) - 1
        self.neighbourhood_quintile = (self.town.imd_decile.astype(np.intp) + 1) // 2
        self.ties_per_person = self.friends.degree()
        burn_in = self.params.burn_in_weeks
        tilt = self.params.groups.venue_deprivation_tilt  # venues favour less deprived places
        venue_weights = self.town.population * (0.5 + tilt * self.town.imd_decile)
        self.groups = baseline_groups(
            venue_weights, self.people.n, -burn_in, self.streams.build("groups"), self.params.groups
        )
        self.town_bus_routes = self.town.bus_network(self.params.travel)  # before any scheme
        self.update_travel()
        behaviour.seed_memberships(self, self.streams.build("memberships"))
        health.set_up_health(self, self.streams.build("self_rated_health"))
        outings.set_up_outings(self, self.streams.build("outings"))
        self.burn_in(burn_in)
        self.week = 0
        self.calibrate_activity()
        self.calibrate_loneliness()
        health.rate_health(self)  # with the calibrated activity
        self.add_interventions(interventions)
        self.history = metrics.History()
        self.history.record(self)
        self.group_agents: list[CommunityGroup] = []
        if mesa_agents:
            Resident.create_agents(self, self.people.n, index=list(range(self.people.n)))
            Child.create_agents(self, self.children.n, index=list(range(self.children.n)))
            self.add_group_agents()

    def add_interventions(self, interventions: Iterable[Intervention]) -> None:
        """Attach interventions, each with its own state for this run (a spec never changes, so
        one serves many runs); they act from week 1, shrunk to the model's scale."""
        for spec in interventions:
            spec = spec.scaled(self.scale)
            self.interventions.append((spec, spec.setup(self)))

    def burn_in(self, weeks: int) -> None:
        """Run `weeks` before the reported start so groups fill and ties form."""
        for week in range(-weeks + 1, 1):
            self.advance_week(week)

    # The weekly order of phases, written once.
    def advance_week(self, week: int) -> None:
        """One week: interventions, children, choice, attendance, habits, activity, trips out
        by bus, ties, wellbeing, health, groups."""
        for spec, state in self.interventions:
            spec.advance(self, state, week)
        children.grow_up(self, week)
        children.update_children_activity(self)
        behaviour.choose_groups(self, week)
        behaviour.drop_out(self, week)
        behaviour.update_habits(self)
        behaviour.update_activity(self)
        outings.take_buses(self, week)
        behaviour.form_ties(self, week)
        behaviour.drift_wellbeing(self, week)
        health.rate_health(self)
        behaviour.close_unsustainable_groups(self, week)

    def step(self) -> None:
        """Advance one reported week and record its metrics; stop `running` at the horizon."""
        self.week += 1
        self.advance_week(self.week)
        self.add_group_agents()
        self.history.record(self)
        if self.horizon_weeks is not None and self.week >= self.horizon_weeks:
            self.running = False

    def latest(self) -> dict[str, np.ndarray]:
        """This week's resident metrics (`metrics.METRIC_NAMES` order) for "all" and quintiles "1"-"5"."""
        return self.history.latest()

    def metric(self, name: str, group: str = "all") -> float:
        """This week's value of one metric (see `metrics.METRICS`) for the town or a quintile."""
        return self.history.value(name, group)

    def results(self) -> metrics.Results:
        """Every recorded week so far (week 0 is the reported start)."""
        return self.history.results()

    def calibrate_activity(self) -> None:
        """Set each quintile's usual-activity shares so that it starts at its published shares
        with the minutes groups already add counted.

        Members' group minutes and habit lift some of them a category, so usual activity is
        drawn to more inactive and fairly active shares, by what groups lift: damped fixed-point
        passes, each person keeping their rank (who is more active does not change). Life
        events redraw usual activity to the same shares.
        """
        p, c = self.people, self.params.circumstances
        from_groups = p.activity_minutes - p.base_minutes
        targets = population.usual_activity_shares(self.params)
        counts = np.bincount(p.quintile, minlength=6)[1:]
        present = counts > 0
        shares = p.usual_activity_shares
        for _ in range(ACTIVITY_CALIBRATION_PASSES):
            usual = population.minutes_at_rank(p.activity_rank, p.quintile, shares, c)
            minutes = usual + from_groups
            inactive = minutes < evidence.FAIRLY_ACTIVE_MINUTES
            fairly = ~inactive & (minutes < evidence.ACTIVE_MINUTES)
            for row, category in enumerate((inactive, fairly)):
                share = np.bincount(p.quintile[category], minlength=6)[1:] / np.maximum(counts, 1)
                shares[row, present] += 0.5 * (targets[row] - share)[present]
            shares[:] = np.clip(shares, 0.001, 0.9)
        p.base_minutes[:] = population.minutes_at_rank(p.activity_rank, p.quintile, shares, c)
        p.activity_minutes[:] = p.base_minutes + from_groups

    def calibrate_loneliness(self) -> None:
        """Set each quintile's loneliness intercept so it starts at its published share.

        The intercept is the one free level; how ties and group belonging move
        loneliness afterwards (the weights) are parameters, not calibrated here.
        """
        p = self.people
        p.loneliness_intercept[:] = 0
        score = behaviour.loneliness_score(self)
        targets = lonely_targets(self.params.wellbeing.lonely_most_deprived_ratio)
        for q in range(1, 6):
            in_q = score[p.quintile == q]
            if len(in_q):
                p.loneliness_intercept[q - 1] = -np.quantile(in_q, 1 - targets[q - 1])
        p.lonely[:] = behaviour.loneliness_score(self) > 0

    def update_travel(self) -> None:
        """Travel as the town's streets and buses plus every transport scheme running: minutes
        by mode, bus fares, and who volunteers drive where; then `groups_changed`."""
        schemes = self.transport_schemes
        self.bus_routes = []
        for route in self.town_bus_routes:
            for scheme in schemes:
                route = scheme.mechanism.uplift(scheme, route)
            self.bus_routes.append(route)
        self.bus_routes += [s.new_route for s in schemes if s.new_route is not None]
        self.travel = self.town.travel_minutes(self.params.travel, bus_routes=self.bus_routes)
        self.bus_fare = self.town.bus_fares(self.params.travel)
        self.driven_routes = np.zeros((self.town.n, self.town.n), bool)
        self.people.driven[:] = False
        for scheme in schemes:
            scheme.mechanism.alter_trips(self, scheme)
        self.everyday_fare, self.everyday_minutes = outings.everyday_trips(self)
        self.bus_chance: np.ndarray | None = None  # `outings.bus_chance` works it out again
        self.groups_changed()

    def groups_changed(self) -> None:
        """Recompute travel minutes and fares to each group and where people discover groups."""
        g = self.groups
        walk, bus, fare, car = self.trips(slice(None), g.venue)
        no_car = np.minimum(walk, bus)
        self.minutes_to_group = np.stack([no_car, car]).astype(np.float32)  # quickest, by car
        self.trip_to_group = np.stack([walk, bus, fare]).astype(np.float32)  # without a car
        minutes = np.concatenate([no_car, car])  # rows: without a car, then with one
        weight = np.exp(-minutes / self.params.behaviour.discovery_minutes) * g.open
        total = weight.sum(axis=1, keepdims=True)
        cdf = np.cumsum(weight, axis=1) / np.where(total > 0, total, 1)
        self._discovery_cdf = (cdf + np.arange(len(cdf))[:, None]).ravel()

    def trips(self, home, venue) -> tuple[np.ndarray, ...]:
        """Minutes walking, by bus and by car, and the bus fare, from `home` to `venue`
        neighbourhoods (numpy indexing)."""
        travel = self.travel
        walk, bus, car = (
            travel["walk"][home, venue],
            travel["bus"][home, venue],
            travel["car"][home, venue],
        )
        return walk, bus, self.bus_fare[home, venue], car

    def discover_groups(
        self, neighbourhood: np.ndarray, u: np.ndarray, car: np.ndarray
    ) -> np.ndarray:
        """The group each person notices: open groups nearer by their own way of travelling
        (by car if they have one) are likelier (u uniform in 0-1)."""
        n_groups = self.groups.n
        row = neighbourhood + self.town.n * car.astype(np.intp)
        flat = np.searchsorted(self._discovery_cdf, row + u, side="right")
        return np.minimum(flat - row * n_groups, n_groups - 1).astype(np.int32)

    def per_resident(self, by_neighbourhood: np.ndarray) -> np.ndarray:
        """One value per neighbourhood given to each of its residents."""
        return np.repeat(by_neighbourhood, self.block_sizes)

    def add_group_agents(self) -> None:
        """Give every group that has no Mesa agent yet its view agent."""
        if not hasattr(self, "group_agents"):
            return
        start = len(self.group_agents)
        if self.groups.n > start:
            self.group_agents += list(
                CommunityGroup.create_agents(
                    self, self.groups.n - start, index=list(range(start, self.groups.n))
                )
            )

    def friendship_graph(self):
        """Friendships as a NetworkX graph (use on small towns)."""
        return self.friends.to_networkx()
