"""Each behavioural mechanism has a test that fails if the mechanism is broken or reversed."""

from dataclasses import replace

import numpy as np

from healthgap.model import behaviour, build_town, typical_town
from healthgap.model.groups import TYPE_INDEX, baseline_groups
from healthgap.model.parameters import Parameters
from tests.conftest import small_model


def attendance(model, weeks=26):
    """Mean weekly attendances over `weeks`."""
    total = 0
    for _ in range(weeks):
        model.step()
        total += int((model.people.attended >= 0).sum())
    return total / weeks


def test_attending_raises_activity():
    model = small_model()
    people = model.people
    attended = people.attended.copy()
    kind = model.groups.kind[np.maximum(attended, 0)]
    minutes = model.params.groups.types.column("minutes")
    went = (attended >= 0) & (minutes[kind] > 0)  # a choir is not exercise
    assert went.sum() > 20
    recent = people.group_minutes.copy()
    behaviour.update_activity(model)
    went_minutes = people.activity_minutes.copy()
    people.group_minutes[:] = recent  # replay the same week, had nobody gone
    people.attended[:] = -1
    behaviour.update_activity(model)
    stayed_home = people.activity_minutes
    assert np.all(went_minutes[went] > stayed_home[went])
    assert np.array_equal(went_minutes[attended < 0], stayed_home[attended < 0])


def test_longer_travel_lowers_attendance():
    """With places to spare (people slower to try groups), a town six times as spread out
    sees fewer people at its groups. Everyone is alike in their taste for groups here
    (`taste_sd` 0): at the fitted spread, those who go are mostly those who always would, and
    26 weeks show too few newcomers to tell the towns apart."""
    spare = {"behaviour.try_intercept": -8.0, "behaviour.taste_sd": 0.0}
    near = typical_town(residents=10_000, neighbourhoods=10)
    graph = near.graph
    x, y = near.node_array("x_km"), near.node_array("y_km")
    far = build_town(
        [graph.nodes[i]["code"] for i in range(near.n)],
        [graph.nodes[i]["name"] for i in range(near.n)],
        near.population,
        near.imd_decile,
        6 * x,
        6 * y,
    )
    assert attendance(small_model(town=far, **spare)) < 0.9 * attendance(  # 0.86 at the default
        small_model(town=near, **spare)
    )


def test_friends_who_attend_raise_the_chance_to_attend():
    model = small_model()
    who = np.arange(200)
    group = np.zeros(200, dtype=np.int32)
    alone = behaviour.group_appeal(model, who, group, np.zeros(200))
    with_friends = behaviour.group_appeal(model, who, group, np.full(200, 2))
    assert np.all(with_friends > alone)
    # In the whole town, switching off the friend effect lowers attendance (with everyone alike
    # in their taste for groups, so that newcomers in 26 weeks are many enough to show it).
    alike = {"behaviour.taste_sd": 0.0, "behaviour.try_intercept": -7.0}
    without = small_model(**{"behaviour.friend_weight": 0.0}, **alike)
    assert attendance(without) < attendance(small_model(**alike))


def test_ties_form_among_co_attendees():
    model = small_model()
    before = len(model.friends.group_keys)
    model.step()
    friends, people = model.friends, model.people
    new = friends.group_last_met == model.week
    a, b = friends.group_a[new], friends.group_b[new]
    assert new.sum() > 0
    assert np.all(people.attended[a] >= 0)
    assert np.all(people.attended[a] == people.attended[b])
    # Without attendance no group ties form.
    quiet = small_model(**{"ties.formation_rate": 0.0})
    assert len(quiet.friends.group_keys) == 0 and before > 0


def test_unfunded_group_with_too_few_members_closes():
    model = small_model()
    rules = model.params.groups
    choir = TYPE_INDEX["choir"]  # needs 8 a week on average
    # Two choirs that can seat only two people: one unfunded, one funded for years.
    unfunded, funded = model.groups.add(
        [choir, choir], [0, 0], model.week, capacity=2, funded_until=[-1, 10_000]
    )
    model.groups_changed()
    for _ in range(rules.grace_weeks + rules.closure_check_weeks + 1):
        model.step()
    assert not model.groups.open[unfunded]
    assert model.groups.open[funded]
    assert not np.any(model.people.member_of == unfunded)


def test_more_existing_groups_leave_parkrun_as_counted():
    """`existing_count_scale` multiplies a town's own groups, not parkrun's nationally counted
    events (per_50k alone)."""
    rules = Parameters().groups
    counts = {}
    for scale in (1.0, 2.0):
        groups = baseline_groups(
            np.ones(20),
            500_000,
            0,
            np.random.default_rng(1),
            replace(rules, existing_count_scale=scale),
        )
        counts[scale] = np.bincount(groups.kind[: groups.n], minlength=len(TYPE_INDEX))
    parkrun, walks = TYPE_INDEX["parkrun"], TYPE_INDEX["walk_and_talk"]
    assert counts[2.0][parkrun] == counts[1.0][parkrun] == round(10 * rules.types.parkrun.per_50k)
    assert counts[2.0][walks] == 2 * counts[1.0][walks]
