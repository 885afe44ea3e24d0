"""Virtual trials: each design enrols whom it says, gives the lever to one arm only, follows each
person as long as it says; outcomes agree with a published finding only when they should; and
the referral funnel counts a referral taken up in the very week it is made."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

from healthgap.experiments import trials
from healthgap.funnel import FunnelRow, FunnelWatcher
from healthgap.model.groups import TYPE_INDEX

SMALL = 6_000  # adults: a sample of each design's town
HAS_PARKRUN = 50_000  # about one parkrun to 50,000 adults


@pytest.fixture(scope="module")
def cohorts() -> dict[str, trials.Cohort]:
    return {
        name: trials.follow(t, seed=3, residents=HAS_PARKRUN if name == "parkrun" else SMALL)
        for name, t in trials.TRIALS.items()
    }


def test_every_trial_declares_a_design_and_sourced_outcomes():
    assert len(trials.TRIALS) >= 8
    for t in trials.TRIALS.values():
        for part in (t.place, t.eligible, t.lever, t.comparison, t.follow_up):
            assert part and part in t.design
        for o in t.outcomes:
            assert o.figure.source and o.figure.population, o.name
            if o.test == "interval":
                assert o.low <= o.figure.value <= o.high, o.name
            if o.test == "null":
                assert o.trial_size and o.spread, o.name


@pytest.mark.parametrize("name", list(trials.TRIALS))
def test_each_design_enrols_and_follows_as_declared(cohorts, name):
    t, c = trials.TRIALS[name], cohorts[name]
    assert len(c) > 0, f"{name}: nobody enrolled"
    assert ((c.enrolled_week >= 1) & (c.enrolled_week <= t.enrol_weeks)).all()
    for arm in trials.ARMS:
        for values in c.weekly[arm].values():
            assert values.shape == (len(c), t.follow_weeks + 2)  # before, enrolled, follow-up
    # The twin is the same residents: identical until the lever first acts (week 1).
    first = c.enrolled_week == 1
    for field in t.followed:
        before = c.weekly["arm"][field][first, 0]
        assert np.array_equal(before, c.weekly["twin"][field][first, 0]), (name, field)


def test_outreach_designs_enrol_only_the_eligible_seen_in_the_arm(cohorts):
    glasgow = cohorts["glasgow_link_workers"]
    assert (glasgow.quintile == 1).all()  # link workers in the most deprived practices
    referral = cohorts["exercise_referral"]
    assert (referral.at("activity_minutes", -1) < 150).all()  # short of the guidelines when seen
    assert (referral.at("member_kind", -1) < 0).all()  # and in no group
    # The lever reached only the arm: nobody in the twin ever went to the scheme's sessions
    # more than they would have anyway, and the arm's referred went far more.
    went_arm = referral.during("went", 0, 11, "arm").sum()
    went_twin = referral.during("went", 0, 11, "twin").sum()
    assert went_arm > 3 * max(went_twin, 1)


def test_cohort_designs_enrol_people_as_they_join(cohorts):
    for name, kind in (("walking_retention", "walk_and_talk"), ("parkrun", "parkrun")):
        c = cohorts[name]
        assert (c.at("member_kind", 0) == TYPE_INDEX[kind]).all(), name
        assert (c.at("member_kind", -1) != TYPE_INDEX[kind]).all(), name
        assert (c.at("went", 0) == 1).all(), name
    joiners = cohorts["joining_a_group"]
    assert (joiners.at("member_kind", -1) < 0).all() and (joiners.at("member_kind", 0) >= 0).all()


def test_free_bus_and_big_local_enrol_everyone_eligible_at_the_start(cohorts):
    assert (cohorts["free_bus"].enrolled_week == 1).all()
    assert (cohorts["big_local"].enrolled_week == 1).all()
    census = cohorts["big_local_census"]
    assert (census.enrolled_week == 1).all()
    assert len(census) == len(cohorts["big_local"])  # the same area's adults, followed longer


def test_big_local_census_counts_the_funded_areas_rise_beyond_the_twins(cohorts):
    """Big Local's Census finding, re-run: the same adults, funded against the twin, 10 years
    on, in percentage points; they start alike, and 'above 0' is the published direction."""
    c = cohorts["big_local_census"]
    outcome = trials.TRIALS["big_local_census"].outcomes[0]
    assert np.array_equal(c.at("very_good_health", -1, "arm"), c.at("very_good_health", -1, "twin"))
    end = c.at("very_good_health", 519, "arm").mean() - c.at("very_good_health", 519, "twin").mean()
    assert outcome.measure(c) == pytest.approx(100 * end)
    assert trials.agrees(outcome, 0.2) and not trials.agrees(outcome, -0.2)
    assert not trials.agrees(outcome, 0.0)  # no difference is not the finding


def test_agreement_tests_can_fail():
    o = trials.TRIALS["exercise_referral"].outcomes[3]  # relative risk 1.16 (1.03-1.30)
    assert trials.agrees(o, 1.2) and not trials.agrees(o, 1.5) and not trials.agrees(o, 1.0)
    null = trials.TRIALS["glasgow_link_workers"].outcomes[0]
    assert trials.agrees(null, 0.1, null_bound=0.2) and not trials.agrees(null, 0.3, 0.2)
    assert trials.agrees(null, 0.1) is None  # no bound: cannot tell
    above = trials.TRIALS["glasgow_link_workers"].outcomes[3]
    assert trials.agrees(above, 0.1) and not trials.agrees(above, -0.1)
    assert trials.agrees(o, float("nan")) is None


def test_intention_to_treat_is_arm_minus_twin():
    weekly = {
        "arm": {"life_satisfaction": np.array([[7.0, 7.0, 8.0], [6.0, 6.0, 6.0]])},
        "twin": {"life_satisfaction": np.array([[7.0, 7.0, 7.0], [6.0, 6.0, 6.5]])},
    }
    c = trials.Cohort(np.arange(2), np.ones(2, int), np.ones(2, int), weekly, None)
    assert trials.itt("life_satisfaction", 1)(c) == pytest.approx((1.0 - 0.5) / 2)


def fake_model(n: int, week: int) -> SimpleNamespace:
    people = SimpleNamespace(
        seen_week=np.full(n, -1),
        seen_by=np.full(n, -1),
        referred_week=np.full(n, -1),
        attended=np.full(n, -1),
        quintile=np.array([1, 1, 5, 5][:n]),
        n=n,
    )
    return SimpleNamespace(people=people, week=week)


def test_funnel_counts_a_referral_taken_up_the_week_it_is_made():
    model = fake_model(4, week=0)
    watcher = FunnelWatcher(model)
    p = model.people
    for week in range(1, 30):
        model.week = week
        p.attended[:] = -1
        if week == 5:  # all four are seen; three accept; person 0 goes that same week
            p.seen_week[:], p.seen_by[:] = 5, 0
            p.referred_week[:3] = 5
            p.attended[0] = 7
        if week == 10:
            p.attended[1] = 7  # starts later, within 12 weeks
        if week == 14:
            p.attended[0] = 7  # 9 weeks on: attending at 12 weeks
        if week == 27:
            p.attended[0] = 7  # 22 weeks on: attending at 24 weeks
            p.attended[2] = 7  # never started within 12 weeks: not "still" attending
        watcher.week(model)
    (row, *quintiles) = watcher.table({0: "GP referral"})
    assert row.counts["seen"] == 4 and row.counts["accepted"] == 3
    assert row.counts["started"] == 2  # person 0 in the week of the referral, person 1 later
    assert row.counts["at_12_weeks"] == 1 and row.counts["at_24_weeks"] == 1
    assert row.share("started") == 0.5
    assert [q.counts["seen"] for q in quintiles] == [2, 0, 0, 0, 2]


def test_funnel_counts_a_stage_only_once_followed_that_long():
    model = fake_model(2, week=0)
    watcher = FunnelWatcher(model)
    model.week = 1
    model.people.seen_week[:], model.people.seen_by[:] = 1, 0
    model.people.attended[0] = 3
    watcher.week(model)
    counts = watcher.counts(np.ones(2, bool))
    assert counts["followed_12_weeks"] == 0 and counts["started"] == 0
    assert np.isnan(FunnelRow("x", "all", counts).share("started"))


def test_a_gp_referral_in_a_real_town_reaches_every_stage():
    values, runs = trials.run_trial(trials.TRIALS["exercise_referral"], [3], residents=SMALL)
    shares = [values[f"funnel_{s}"][0] for s in ("started", "at_12_weeks", "at_24_weeks")]
    assert 0 < shares[2] <= shares[1] <= shares[0] <= 1
