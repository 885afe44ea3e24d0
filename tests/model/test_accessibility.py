"""Access to groups without a car: metrics measured among adults without a car only, checked
against direct counts from travel minutes, open groups and car ownership."""

from __future__ import annotations

import copy
import warnings

import numpy as np
import pandas as pd
import pytest

from healthgap.model import HealthgapModel, Parameters, evidence, typical_town
from healthgap.model.groups import TYPE_NAMES
from healthgap.model.metrics import (
    GROUPS,
    INEQUALITY_METRICS,
    METRIC_NAMES,
    METRICS,
    History,
    accessibility_by_kind,
    by_group,
    decile_sums,
    inequality,
    neighbourhood_values,
    slope_index,
)

ACCESS = ("reach_kinds_pct", "groups_reachable_mean")


@pytest.fixture(scope="module")
def built() -> HealthgapModel:
    return HealthgapModel(
        typical_town(residents=5000, neighbourhoods=12), Parameters(), seed=3, mesa_agents=False
    )


@pytest.fixture
def model(built) -> HealthgapModel:
    """A fresh copy for each test: the tests change travel times, groups and cars."""
    return copy.deepcopy(built)


def now(model: HealthgapModel, name: str) -> dict[str, float]:
    """A resident metric as the model is now (not as last recorded), for the town and quintiles."""
    values = by_group(*decile_sums(model))
    return dict(zip(GROUPS, values[:, METRIC_NAMES.index(name)].tolist(), strict=True))


def within_by_neighbourhood(model: HealthgapModel) -> tuple[np.ndarray, np.ndarray]:
    """Per neighbourhood: the share of the town's open kinds of group, and the open groups, within
    30 minutes without a car (nobody is driven in these tests unless they say so)."""
    within = (model.minutes_to_group[0] <= 30) & model.groups.open
    kinds = np.unique(model.groups.kind[model.groups.open])
    reached = np.array(
        [[within[n, model.groups.kind == k].any() for k in kinds] for n in range(len(within))]
    )
    return reached.mean(axis=1), within.sum(axis=1)


def direct(model: HealthgapModel) -> dict[str, dict[str, float]]:
    """Both access metrics counted person by person: each adult without a car, the kinds of
    group and the open groups within 30 minutes of their neighbourhood without a car."""
    p = model.people
    kinds, groups = (values[p.neighbourhood] for values in within_by_neighbourhood(model))
    quintile = model.neighbourhood_quintile[p.neighbourhood]
    out = {"reach_kinds_pct": {}, "groups_reachable_mean": {}}
    for group in GROUPS:
        counted = ~p.car & ((quintile == int(group)) if group != "all" else True)
        if not counted.any():
            out["reach_kinds_pct"][group] = out["groups_reachable_mean"][group] = np.nan
            continue
        out["reach_kinds_pct"][group] = 100 * np.mean(kinds[counted])
        out["groups_reachable_mean"][group] = np.mean(groups[counted])
    return out


def cut_off(model: HealthgapModel, neighbourhoods) -> None:
    """No group within reach of these neighbourhoods without a car (by car, as before)."""
    model.minutes_to_group[0][neighbourhoods] = 999


def test_thirty_minutes_is_the_one_definition():
    assert evidence.ACCESS_MINUTES == 30
    for name in ACCESS:
        m = METRICS[name]
        assert m.inequality and m.higher_is_better and m.summary and m.among is not None
        assert name in INEQUALITY_METRICS
        assert f"within {evidence.ACCESS_MINUTES} minutes" in m.label  # the label says so


def test_metrics_equal_a_direct_count(model):
    cut_off(model, [0, 5])  # so the share is not 100% everywhere
    expected = direct(model)
    assert 0 < expected["reach_kinds_pct"]["all"] < 100
    for name in ACCESS:
        assert now(model, name) == pytest.approx(expected[name], nan_ok=True)


def test_the_record_at_the_start_is_the_direct_count(built):
    expected = direct(built)
    for name in ACCESS:
        for group in GROUPS:
            assert built.metric(name, group) == pytest.approx(expected[name][group], nan_ok=True)


def test_each_neighbourhood_counts_its_adults_without_a_car(model):
    cut_off(model, [2])
    p = model.people
    kinds, within = within_by_neighbourhood(model)
    carless = np.bincount(p.neighbourhood[~p.car], minlength=model.town.n)
    reach = neighbourhood_values(model, "reach_kinds_pct")
    mean = neighbourhood_values(model, "groups_reachable_mean")
    assert reach == pytest.approx(np.where(carless > 0, 100.0 * kinds, np.nan), nan_ok=True)
    assert mean == pytest.approx(np.where(carless > 0, within, np.nan), nan_ok=True)
    assert reach[2] == 0 and mean[2] == 0


def test_closing_every_group_leaves_nothing_within_reach(model):
    model.groups.open[:] = False
    for name in ACCESS:
        assert all(v == 0 for v in now(model, name).values() if not np.isnan(v))
        assert np.nansum(neighbourhood_values(model, name)) == 0
    assert np.nansum(accessibility_by_kind(model).to_numpy()) == 0


def test_by_car_only_where_a_volunteer_scheme_drives(model):
    """Car minutes change nothing for adults without a car, unless a volunteer scheme drives
    them: then the groups it drives them to count at car minutes."""
    cut_off(model, [0])
    before = {name: now(model, name) for name in ACCESS}
    model.minutes_to_group[1][:] = 999  # every trip by car now takes too long
    assert {name: now(model, name) for name in ACCESS} == before
    model.minutes_to_group[1][:] = 5
    assert {name: now(model, name) for name in ACCESS} == before
    home = model.people.neighbourhood == 0
    model.people.driven[home] = True
    model.driven_routes[0, :] = True
    after = now(model, "groups_reachable_mean")
    quintile = str(model.neighbourhood_quintile[0])
    assert after[quintile] > before["groups_reachable_mean"][quintile]
    assert neighbourhood_values(model, "groups_reachable_mean")[0] == model.groups.open.sum()


def test_adults_with_a_car_are_not_counted(model):
    """Every group near every neighbourhood but one: its adults without a car lower the share.
    Give them all a car: they leave the denominator, the share is everyone else's (100%), and
    that neighbourhood has no value (NaN), with no warning."""
    model.minutes_to_group[0][:] = 5
    cut_off(model, [0])
    p = model.people
    carless = ~p.car
    share = 100 * (1 - np.sum(carless & (p.neighbourhood == 0)) / carless.sum())
    assert now(model, "reach_kinds_pct")["all"] == pytest.approx(share)
    p.car[p.neighbourhood == 0] = True
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert now(model, "reach_kinds_pct")["all"] == pytest.approx(100)
        assert np.isnan(neighbourhood_values(model, "reach_kinds_pct")[0])
        assert np.isnan(neighbourhood_values(model, "groups_reachable_mean")[0])


def test_every_metric_counts_whom_it_is_among_children_or_every_resident(model):
    sums, counts = decile_sums(model)
    population = np.bincount(model.block_decile, weights=model.block_sizes, minlength=10)

    def by_decile(who):
        return np.bincount(model.block_decile[model.people.neighbourhood[who]], minlength=10)

    assert counts[:, METRIC_NAMES.index(ACCESS[0])] == pytest.approx(by_decile(~model.people.car))
    children = np.bincount(model.children.decile - 1, minlength=10)
    for j, name in enumerate(METRIC_NAMES):
        among = METRICS[name].among
        expected = population if among is None else by_decile(among(model))
        assert counts[:, j] == pytest.approx(children if METRICS[name].children else expected)


def test_sii_weights_deciles_by_adults_without_a_car(model):
    cut_off(model, [0, 1, 2])
    sums, counts = decile_sums(model)
    result = inequality(sums[None], counts[None])
    j, k = METRIC_NAMES.index("reach_kinds_pct"), INEQUALITY_METRICS.index("reach_kinds_pct")
    with np.errstate(invalid="ignore", divide="ignore"):
        deciles = np.nan_to_num(100 * sums[:, j] / counts[:, j])
    sii, rii = slope_index(deciles, counts[:, j])
    assert result["sii"][0, k] == pytest.approx(sii)
    assert result["rii"][0, k] == pytest.approx(rii)
    everyone = np.bincount(model.block_decile, weights=model.block_sizes, minlength=10)
    assert result["sii"][0, k] != pytest.approx(slope_index(deciles, everyone)[0])
    groups = now(model, "reach_kinds_pct")
    assert result["gap"][0, k] == pytest.approx(groups["1"] - groups["5"])


def test_nobody_without_a_car_means_no_value_and_no_warning(model):
    model.people.car[:] = True
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        history = History()  # car ownership never changes in a run: a new record
        history.record(model)
        summary = history.results().summary()
        shares = accessibility_by_kind(model)
    for name in ACCESS:
        assert set(summary[name].values()) == {None}
        assert summary["gap"][name] is None and summary["sii"][name] is None
    assert summary["inactive_pct"]["all"] is not None
    assert shares.isna().all().all()


def test_shares_by_kind(model):
    cut_off(model, [0, 4, 9])
    shares = accessibility_by_kind(model)
    assert list(shares.index) == ["any", *TYPE_NAMES]
    assert list(shares.columns) == list(GROUPS)
    values = shares.to_numpy()
    present = ~np.isnan(values)
    assert ((values[present] >= 0) & (values[present] <= 100)).all()
    assert (shares.loc["any"] >= shares.drop(index="any").max()).all()
    kinds_open = [TYPE_NAMES[k] for k in np.unique(model.groups.kind[model.groups.open])]
    assert shares.loc[kinds_open].mean().to_numpy() == pytest.approx(
        list(now(model, "reach_kinds_pct").values()), nan_ok=True
    )
    # A kind is within reach of a neighbourhood only if a group of that kind is open near it.
    swim = TYPE_NAMES.index("swim")
    model.groups.open[model.groups.kind == swim] = False
    after = accessibility_by_kind(model)
    assert after.loc["swim"].fillna(0).eq(0).all()
    others = ["swim", "any"]
    pd.testing.assert_frame_equal(after.drop(index=others), shares.drop(index=others))


def test_a_quicker_trip_brings_groups_within_reach(model):
    """What a transport lever does: shorter minutes without a car raise access."""
    cut_off(model, [0])
    before = now(model, "groups_reachable_mean")
    model.minutes_to_group[0][0] = 10  # every group 10 minutes away from neighbourhood 0
    after = now(model, "groups_reachable_mean")
    quintile = str(model.neighbourhood_quintile[0])
    assert after[quintile] > before[quintile]
    assert neighbourhood_values(model, "groups_reachable_mean")[0] == model.groups.open.sum()
