"""Transport changes who can get where: the town's bus network, routes, frequency, fares and
drivers, each scheme ending without touching the others."""

from __future__ import annotations

import copy
import itertools

import numpy as np
import pytest

from healthgap.model import HealthgapModel, Parameters, behaviour, typical_town
from healthgap.model.interventions import Transport
from healthgap.model.town import BusRoute

DEFAULT_TOWN = typical_town()  # the default scenario's town: 50,000 adults, 30 neighbourhoods


@pytest.fixture(scope="module")
def start() -> HealthgapModel:
    return HealthgapModel(DEFAULT_TOWN, Parameters(), seed=1, mesa_agents=False)


def run(start: HealthgapModel, interventions, weeks: int) -> HealthgapModel:
    model = copy.deepcopy(start)
    model.add_interventions(interventions)
    model.attended_history = []
    for _ in range(weeks):
        model.step()
        model.attended_history.append(model.people.attended.copy())
    return model


def code(model: HealthgapModel, i: int) -> str:
    return str(model.town.node_array("code")[i])


def served_together(routes: list[BusRoute], n: int) -> np.ndarray:
    """Pairs of neighbourhoods some route calls at both of (a direct bus)."""
    direct = np.eye(n, dtype=bool)
    for route in routes:
        for a, b in itertools.combinations(route.stops, 2):
            direct[a, b] = direct[b, a] = True
    return direct


def test_the_town_network_serves_every_neighbourhood_thinner_at_the_edge(start):
    routes, town = start.bus_routes, start.town
    assert set(itertools.chain(*(r.stops for r in routes))) == set(range(town.n))
    assert all(r.stops[0] == town.hub() for r in routes)
    x, y = town.node_array("x_km"), town.node_array("y_km")
    reach = [
        np.hypot(x[r.stops[-1]] - x[town.hub()], y[r.stops[-1]] - y[town.hub()]) for r in routes
    ]
    frequency = [r.buses_per_hour for r in routes]
    assert np.corrcoef(reach, frequency)[0, 1] < -0.9  # further out, fewer buses
    # Not every pair has a direct bus: most trips across town change at the centre.
    assert 0.5 < 1 - served_together(routes, town.n).mean() < 0.95


def best_new_route(model: HealthgapModel) -> tuple[int, int, float]:
    """Two neighbourhoods with no direct bus today, more than 30 minutes apart without a car, that
    a direct bus every 15 minutes would bring within 30 minutes, each with an open group: the pair
    where it saves most, and the minutes the direct bus takes (the walks to and from the stops,
    half the 15 minutes between buses, and the straight ride times the circuity)."""
    travel, town, g = model.params.travel, model.town, model.groups
    x, y = town.node_array("x_km"), town.node_array("y_km")
    direct = served_together(model.bus_routes, town.n)
    now = np.minimum(model.travel["walk"], model.travel["bus"])
    hosts = set(g.venue[g.open].tolist())
    best, saved = None, 0.0
    for a, b in itertools.combinations(sorted(hosts), 2):
        if direct[a, b] or town.graph.has_edge(a, b):
            continue
        ride = np.hypot(x[a] - x[b], y[a] - y[b]) * travel.circuity / travel.bus_kmh * 60
        expected = 2 * travel.stop_walk_min + 15 / 2 + ride
        if now[a, b] > 30 >= expected and now[a, b] - expected > saved:
            best, saved = (a, b, expected), now[a, b] - expected
    return best


def test_a_new_route_cuts_minutes_raises_access_and_attendance(start):
    """Issue 9, must show 1: a route every 15 minutes between two neighbourhoods with no direct
    bus today cuts their public-transport minutes to those of the direct bus (in the default
    town, the pair it brings within 30 minutes of each other that saves most: 45 to 30 minutes,
    a third of the trip, as the change of buses at the centre, its wait and the detour go), lets
    their car-less residents reach more groups within 30 minutes, and makes them likelier to
    notice and try each other's groups (the chance the model draws attendance from).

    Realised attendance across is not asserted: with the travel weight fitted to parkrun's
    distance decay (issue 10), two years of one route move the car-less residents' few dozen
    attendances across by less than chance does."""
    a, b, expected = best_new_route(start)
    before = min(start.travel["walk"][a, b], start.travel["bus"][a, b])
    codes = [code(start, a), code(start, b)]
    route = Transport(mode="bus_route", neighbourhoods=codes, buses_per_hour=4)
    treated, untreated = run(start, [route], 104), run(start, [], 104)

    assert treated.travel["bus"][a, b] == treated.travel["bus"][b, a] == pytest.approx(expected)
    assert 10 <= before - expected <= 25 and expected < 0.75 * before

    def reachable(model, kind=None):
        """Mean over car-less residents of a and b of the open groups within 30 minutes."""
        p, g = model.people, model.groups
        who = np.flatnonzero(np.isin(p.neighbourhood, [a, b]) & ~p.car)
        near = (model.minutes_to_group[0][p.neighbourhood[who]] <= 30) & g.open
        return near.sum(axis=1).mean()

    assert reachable(treated) > reachable(untreated)

    def tries_across(model) -> float:
        """Expected tries a week by car-less residents of a (or b) of groups in b (or a): aware,
        noticing the group (the discovery rule) and trying it (the appeal, no friends there)."""
        p, g = model.people, model.groups
        cdf = model._discovery_cdf.reshape(model.town.n * 2, g.n)
        total = 0.0
        for home, venue in ((a, b), (b, a)):
            notice = np.diff(cdf[home], prepend=home)  # row `home`: without a car
            who = np.flatnonzero((p.neighbourhood == home) & ~p.car & (p.member_of < 0))
            for group in np.flatnonzero((g.venue == venue) & g.open):
                appeal = behaviour.group_appeal(
                    model, who, np.full(len(who), group), np.zeros(len(who))
                )
                trying = behaviour.sigmoid(model.params.behaviour.try_intercept + appeal)
                total += notice[group] * float((p.awareness[who] * trying).sum())
        return total

    assert tries_across(treated) > 1.2 * tries_across(untreated)


def test_a_route_is_paid_per_bus_hour_and_more_buses_per_extra_bus_hour(start):
    a, b, _ = best_new_route(start)
    codes = [code(start, a), code(start, b)]
    route = Transport(mode="bus_route", neighbourhoods=codes, cost_per_bus_hour_gbp=50)
    model = run(start, [route], 52)
    ((_, state),) = model.interventions
    one_way = model.town.ride_minutes(state.new_route, model.params.travel)[-1]
    buses = int(np.ceil((2 * one_way + 10) * 2 / 60))
    assert model.spending["transport"] == pytest.approx(buses * 80 * 50 * 52)
    more = run(start, [Transport(mode="more_buses", neighbourhoods=codes[:1])], 2)
    ((_, state),) = more.interventions
    assert state.bus_hours_per_week > 0
    changed = [r for r, s in zip(more.bus_routes, start.bus_routes, strict=True) if r != s]
    assert changed and all(a in r.stops for r in changed)
    assert all(
        r.buses_per_hour == 2 * s.buses_per_hour
        for r, s in zip(changed, (s for s in start.bus_routes if a in s.stops), strict=True)
    )


def test_routes_more_buses_and_drivers_at_once_each_end_leaving_the_others(start):
    """Issue 9, must show 3: two routes, a frequency uplift and a driver scheme run at once and
    end at different times; at each end, travel is what the schemes still running give alone."""
    codes = list(start.town.node_array("code"))
    n = start.town.n
    ends = {"route 1": 2, "uplift": 4, "drivers": 6}  # weeks; route 2 runs on
    schemes = [
        Transport(
            name="route 1",
            mode="bus_route",
            neighbourhoods=[codes[0], codes[n - 1]],
            end_year=ends["route 1"] / 52,
        ),
        Transport(
            name="route 2",
            mode="bus_route",
            neighbourhoods=[codes[1], codes[n - 2]],
            buses_per_hour=4,
        ),
        Transport(
            name="uplift",
            mode="more_buses",
            neighbourhoods=[codes[2]],
            end_year=ends["uplift"] / 52,
        ),
        Transport(
            name="drivers",
            mode="volunteer_drivers",
            neighbourhoods=codes[3:7],
            end_year=ends["drivers"] / 52,
        ),
    ]
    for week in (3, 5, 7):
        together = run(start, schemes, week)
        left = [s for s in schemes if ends.get(s.name, 99) >= week]
        alone = run(start, left, week)
        for field in ("bus", "walk", "car"):
            assert np.array_equal(together.travel[field], alone.travel[field]), (week, field)
        assert together.bus_routes == alone.bus_routes
        assert np.array_equal(together.bus_fare, alone.bus_fare)
        assert np.array_equal(together.people.driven, alone.people.driven)
        assert np.array_equal(together.driven_routes, alone.driven_routes)
    assert len(run(start, schemes, 7).transport_schemes) == 1


def test_a_fare_subsidy_pays_the_fares_of_bus_trips_it_makes_free(start):
    codes = list(start.town.node_array("code"))
    model = run(start, [Transport(mode="fare_subsidy", neighbourhoods=codes)], 26)
    fare = model.params.travel.bus_return_fare_gbp
    assert model.spending["transport"] > 0
    assert model.spending["transport"] % fare == pytest.approx(0, abs=1e-6)


@pytest.mark.parametrize(
    ("body", "says"),
    [
        (
            {"mode": "bus_route", "neighbourhoods": ["T001", "T002"], "capacity": 5},
            "only volunteer_drivers and demand_responsive use it",
        ),
        (
            {"mode": "fare_subsidy", "neighbourhoods": ["T001", "T002"], "buses_per_hour": 3},
            "only bus_route use it",
        ),
        ({"mode": "bus_route", "neighbourhoods": ["T001"]}, "at least two different"),
    ],
)
def test_a_field_of_another_mode_is_refused_by_name(body, says):
    with pytest.raises(ValueError, match=says):
        Transport(**body)
