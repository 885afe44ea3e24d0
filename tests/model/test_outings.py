"""Everyday trips by bus: set to Understanding Society's bus use, deterred by a car and a fare,
and lowering loneliness; drawn from their own stream."""

import numpy as np

from healthgap.model import HealthgapModel, Parameters, evidence, outings, typical_town
from healthgap.model.interventions import Transport
from healthgap.model.metrics import METRIC_NAMES
from healthgap.model.population import synthesise_residents


def test_a_reference_england_takes_the_bus_as_understanding_society_found():
    """Drawn week by week (not the expectation the level is solved on): 25% take a bus in a
    week and 39% in four weeks, at the usual fare."""
    params = Parameters()
    rng = np.random.default_rng(5)
    people, _ = synthesise_residents(np.arange(1, 11), np.full(10, 4_000), params, rng)
    level, spread = outings.solve_level(params)
    own = level + spread * rng.normal(size=people.n) - params.outings.car_weight * people.car
    cost = params.behaviour.cost_weight * params.travel.bus_return_fare_gbp * people.deprivation
    chance = 1 / (1 + np.exp(-(own - cost)))
    rode = rng.random((4, people.n)) < chance
    assert abs(rode[0].mean() - evidence.BUS_WEEKLY_PCT.value / 100) < 0.01
    assert abs(rode.any(axis=0).mean() - evidence.BUS_MONTHLY_PCT.value / 100) < 0.01


def paired_runs(weeks=26, seed=4):
    town = typical_town(8_000)
    free = Transport(name="free", mode="fare_subsidy", neighbourhoods=list(town.node_array("code")))
    runs = [
        HealthgapModel(town, seed=seed, interventions=levers, mesa_agents=False)
        for levers in ((), (free,))
    ]
    out = [np.zeros(run.people.n) for run in runs]
    for week in range(weeks):
        for run, trips in zip(runs, out, strict=True):
            run.step()
            if week >= weeks - 4:
                trips += run.people.rode_bus_out
    return runs, [(trips > 0).astype(float) for trips in out]


def test_free_buses_take_more_out_the_deprived_most_and_fewer_are_lonely():
    (fares, free), (out_fares, out_free) = paired_runs()
    p = fares.people
    assert out_free.mean() > out_fares.mean() + 0.02
    rise = [(out_free - out_fares)[p.quintile == q].mean() for q in (1, 5)]
    assert rise[0] > rise[1]  # a fare weighs more on the deprived
    without_car = ~p.car
    assert out_fares[without_car].mean() > out_fares[p.car].mean()
    assert free.people.lonely[without_car].sum() < fares.people.lonely[without_car].sum()
    assert np.array_equal(free.people.lonely[p.car], fares.people.lonely[p.car])


def test_trips_out_leave_every_other_outcome_alone_when_they_do_not_touch_loneliness(
    monkeypatch,
):
    """Their own random stream: with no weight on loneliness, leaving trips out changes no
    metric but loneliness to the last bit."""
    params = Parameters().with_overrides({"wellbeing.loneliness_outing_weight": 0.0})

    def run():
        model = HealthgapModel(typical_town(6_000), params, seed=9, mesa_agents=False)
        for _ in range(52):
            model.step()
        return model

    with_trips = run()
    monkeypatch.setattr(outings, "take_buses", lambda model, week: None)
    without = run()
    assert with_trips.people.rode_bus_out.any() and not without.people.rode_bus_out.any()
    a, b = with_trips.results(), without.results()
    for j, name in enumerate(METRIC_NAMES):
        assert np.array_equal(a.sums[..., j], b.sums[..., j]), name
    for field in ("activity_minutes", "life_satisfaction", "lonely", "member_of", "habit"):
        assert np.array_equal(getattr(with_trips.people, field), getattr(without.people, field))


def test_more_buses_make_trips_out_likelier_where_they_run_and_nowhere_less_likely():
    town = typical_town(4_000)
    codes = list(town.node_array("code"))
    more = Transport(name="more", mode="more_buses", neighbourhoods=codes[:3])
    usual, busier = (
        HealthgapModel(town, seed=2, interventions=levers, mesa_agents=False)
        for levers in ((), (more,))
    )
    usual.step()
    busier.step()
    gain = outings.bus_chance(busier) - outings.bus_chance(usual)
    assert (gain >= -1e-6).all()
    assert gain.max() > 0.005
    assert (busier.everyday_minutes <= usual.everyday_minutes + 1e-9).all()
