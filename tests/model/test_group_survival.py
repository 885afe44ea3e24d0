"""Groups a grant opened meet their running costs once it ends, or close (issue 10)."""

from __future__ import annotations

import numpy as np
import pytest

from healthgap.experiments.group_survival import check_grants, running_after_funding_pct
from healthgap.model import HealthgapModel, Parameters, typical_town
from healthgap.model.errors import InputError
from healthgap.model.groups import TYPE_INDEX
from healthgap.model.interventions import SeedFunding
from healthgap.scenarios import load_scenario

TOWN = typical_town(residents=15_000, neighbourhoods=15)
GRANTS = SeedFunding(budget_gbp=24_000, grant_gbp=2_000, funding_years=1, most_deprived=6)


def run(params: Parameters, years: float, seed: int = 3, grants=(GRANTS,)) -> HealthgapModel:
    model = HealthgapModel(TOWN, params, seed=seed, mesa_agents=False)
    model.add_interventions(list(grants))
    for _ in range(round(years * 52)):
        model.step()
    return model


@pytest.fixture(scope="module")
def after_grants() -> HealthgapModel:
    """Three years on, volunteers covering a little of the running costs (the groups in
    between must charge; the default covers most groups' costs)."""
    return run(Parameters().with_overrides({"groups.volunteer_cover_gbp": 4.0}), years=3)


def test_a_group_past_its_grant_charges_for_what_volunteers_do_not_cover(after_grants):
    g, rules = after_grants.groups, after_grants.params.groups
    usual = rules.types.column("cost_gbp")[g.kind]
    past = g.opened_by_grant & g.open
    assert past.any()
    assert np.all(g.cost_gbp[past] >= usual[past] - 1e-6)
    running = rules.types.column("running_cost_gbp")[g.kind[past]]
    uncovered = running > rules.volunteer_cover_gbp * g.volunteers[past]
    charged_more = g.cost_gbp[past] > usual[past] + 1e-6
    assert charged_more.any()
    assert np.all(uncovered[charged_more])  # only where volunteers fall short
    assert not np.all(charged_more)
    np.testing.assert_allclose(g.cost_gbp[~g.opened_by_grant], usual[~g.opened_by_grant])


def test_existing_groups_never_face_the_after_grant_rules():
    """A town with no grants runs the same whatever the after-grant parameters (its gyms charge
    more than this cap, and stay open)."""
    harsh = Parameters().with_overrides(
        {
            "groups.organiser_exit_per_year": 0.5,
            "groups.volunteer_cover_gbp": 0.0,
            "groups.max_charge_gbp": 3.0,
        }
    )
    a, b = run(Parameters(), 1, grants=()), run(harsh, 1, grants=())
    assert np.array_equal(a.groups.open, b.groups.open)
    assert np.array_equal(a.people.member_of, b.people.member_of)


def test_fewer_grant_groups_survive_when_volunteers_cover_less_and_organisers_leave_more():
    kind = Parameters().with_overrides(
        {"groups.organiser_exit_per_year": 0.0, "groups.volunteer_cover_gbp": 30.0}
    )
    harsh = Parameters().with_overrides(
        {"groups.organiser_exit_per_year": 0.5, "groups.volunteer_cover_gbp": 0.0}
    )
    survival = {
        name: np.mean([running_after_funding_pct(run(p, 4, seed), 2) for seed in (1, 2)])
        for name, p in (("kind", kind), ("harsh", harsh))
    }
    assert survival["harsh"] < survival["kind"] - 10


def test_survival_counts_only_groups_whose_funding_ended_long_enough_ago():
    model = HealthgapModel(TOWN, Parameters(), seed=1, mesa_agents=False)
    model.week = 400
    g = model.groups
    walk = TYPE_INDEX["walk_and_talk"]
    # Funding ended at weeks 100, 100, 100 and 380 (too recent for a year's survival).
    ids = g.add([walk] * 4, [0] * 4, 0, funded_until=np.array([100, 100, 100, 380]))
    g.open[ids] = [True, False, False, False]
    g.closed_week[ids] = [-1, 200, 120, 390]
    assert running_after_funding_pct(model, 1) == pytest.approx(100 * 2 / 3)
    assert np.isnan(running_after_funding_pct(model, 6))


def test_survival_needs_a_scenario_with_grants():
    check_grants(load_scenario("morecambe_bay"))
    with pytest.raises(InputError, match="opens no groups with a grant"):
        check_grants(load_scenario("baseline"))
