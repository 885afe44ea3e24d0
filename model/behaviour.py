"""What residents do each week, one function per phase, vectorised over residents.

The order of phases is written once, in `HealthgapModel.advance_week`.
The rule for who joins and who attends a group is `group_appeal`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from . import outings, population
from .groups import LOW_IMPACT, WEEKS_PER_YEAR

if TYPE_CHECKING:
    from .model import HealthgapModel

LIFE_EVENT_WEEKS = 4  # life events are drawn every four weeks (at the weekly rate compounded)


def sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


def group_appeal(
    model: HealthgapModel, who: np.ndarray, group: np.ndarray, friends_going: np.ndarray
) -> np.ndarray:
    """How much each person `who` wants to go to `group` (logit scale, before the intercept).

    Motivation (confidence), a person's own taste for group activity and friends who go pull;
    getting there (`travel_cost`), the session's charge (felt more by the deprived), deprivation
    itself and a poor fit to a health limit push away. Women-only sessions are closed to men.
    """
    p, g = model.people, model.groups
    home = p.neighbourhood[who]
    by_car = p.car[who] | (p.driven[who] & model.driven_routes[home, g.venue[group]])
    walk, bus, fare = model.trip_to_group[:, home, group]
    car = model.minutes_to_group[1, home, group]
    travel = travel_cost(model, who, by_car, walk, bus, fare, car)
    appeal = _appeal(model, who, g.kind[group], travel, g.cost_gbp[group], friends_going)
    return np.where(g.women_only[group] & ~p.female[who], -np.inf, appeal)


def type_appeal(model: HealthgapModel, who: np.ndarray, kind: int, venue: int) -> np.ndarray:
    """How much each person would want a new group of type `kind` at `venue` (no friends there yet)."""
    walk, bus, fare, car = model.trips(model.people.neighbourhood[who], venue)
    travel = travel_cost(model, who, model.people.car[who], walk, bus, fare, car)
    cost = model.params.groups.types.column("cost_gbp")[kind]
    return _appeal(model, who, np.full(len(who), kind), travel, cost, np.zeros(len(who)))


def travel_cost(model: HealthgapModel, who, by_car, walk, bus, fare, car) -> np.ndarray:
    """What getting there costs each person (logit): the minutes by car if they go by car, else
    walking or the bus, whichever costs them less, the bus's fare weighing more on the deprived
    (a fare can make the walk the better way, though slower)."""
    b = model.params.behaviour
    walking = b.travel_weight * walk / 10.0
    by_bus = b.travel_weight * bus / 10.0 + b.cost_weight * fare * model.people.deprivation[who]
    return np.where(by_car, b.travel_weight * car / 10.0, np.minimum(walking, by_bus))


def _appeal(model, who, kind, travel, cost_gbp, friends_going) -> np.ndarray:
    """The one formula behind `group_appeal` and `type_appeal`."""
    p, b = model.people, model.params.behaviour
    deprivation = p.deprivation[who]
    return (
        b.confidence_weight * p.confidence[who]
        + p.taste[who]
        + b.friend_weight * np.minimum(friends_going, b.max_friends_counted)
        - travel
        - b.cost_weight * cost_gbp * deprivation
        - b.deprivation_weight * deprivation
        - b.health_mismatch_weight * (p.health_limited[who] & ~LOW_IMPACT[kind])
    )


def choose_groups(model: HealthgapModel, week: int) -> None:
    """Members decide whether to go this week; others who notice a group decide whether to try it.

    Someone referred by outreach weighs the group they were referred to, with the referral's
    own intercept (`referral_intercept`, lower without a supported first visit) in place of
    `try_intercept`: a referral is a decision prompted, not a group noticed in passing.
    Sets `people.attended` (group id or -1) and `people.member_of` for new joiners.
    """
    p, g, b = model.people, model.groups, model.params.behaviour
    u_notice, u_pick, u_go = model.streams.week("choice", week).random((3, p.n))
    is_member = p.member_of >= 0
    noticed = ~is_member & (u_notice < p.awareness)
    # Every term of the appeal but confidence and friends is a cost, so nobody whose draw is
    # above the chance at the most appealing possible group can try one: skip working out
    # their group (an exact shortcut; the same draws decide).
    costs = (b.travel_weight, b.cost_weight, b.deprivation_weight, b.health_mismatch_weight)
    if min(costs) >= 0:
        pulls = max(b.confidence_weight, 0) + max(b.friend_weight, 0) * b.max_friends_counted
        noticed &= u_go < sigmoid(b.try_intercept + pulls + p.taste)
    referred = np.flatnonzero(p.referred_to >= 0)  # ever referred by outreach (few)
    referred = referred[~is_member[referred] & (p.referred_until[referred] >= week)]
    referred = referred[g.open[p.referred_to[referred]]]
    noticed[referred] = False  # they weigh the group they were referred to
    noticers = np.flatnonzero(noticed)
    if not g.open.any():
        noticers = noticers[:0]
    trying = np.concatenate([noticers, referred])
    tried = np.concatenate(
        [
            model.discover_groups(p.neighbourhood[noticers], u_pick[noticers], p.car[noticers]),
            p.referred_to[referred],
        ]
    )
    has_room = g.members < b.members_per_place * g.capacity
    trying, tried = trying[has_room[tried]], tried[has_room[tried]]

    members = np.flatnonzero(is_member)
    weighing = np.concatenate([members, trying])
    candidate = np.full(p.n, -1, np.int32)
    candidate[weighing] = np.concatenate([p.member_of[members], tried])
    friends = model.friends.friends_attending(candidate, p.attended)[weighing]
    # Members go more the stronger their habit; others weigh trying it.
    intercept = np.concatenate(
        [
            b.attend_intercept + b.habit_weight * p.habit[members],
            np.full(len(trying), b.try_intercept),
        ]
    )
    referred_now = p.referred_until[trying] >= week  # they weigh the referral, not a whim
    intercept[len(members) :][referred_now] = p.referral_intercept[trying[referred_now]]
    appeal = group_appeal(model, weighing, candidate[weighing], friends) + intercept
    goes = u_go[weighing] < sigmoid(appeal)

    attended = np.full(p.n, -1, np.int32)
    attended[weighing[goes]] = candidate[weighing[goes]]
    p.attended[:] = turn_away_over_capacity(
        attended, g.capacity, model.streams.week("attendance", week)
    )
    joined = trying[p.attended[trying] >= 0]
    p.member_of[joined] = p.attended[joined]
    p.referred_until[joined] = -1


def seed_memberships(model: HealthgapModel, rng: np.random.Generator) -> None:
    """Start the burn-in near equilibrium, as if people had been joining and leaving for years.

    A person joins the group they would notice at weekly rate
    j = awareness x chance of trying it, and a settled member leaves at rate d;
    in equilibrium they are a member with chance j / (j + d). Members start
    with a settled habit; groups keep no more members than they take.
    """
    p, g, b = model.people, model.groups, model.params.behaviour
    settled_habit = model.params.habit.seeded_member_habit
    everyone = np.arange(p.n)
    candidate = model.discover_groups(p.neighbourhood, rng.random(p.n), p.car)
    joining = p.awareness * sigmoid(
        group_appeal(model, everyone, candidate, np.zeros(p.n)) + b.try_intercept
    )
    leaving = b.dropout_settled + b.dropout_new * (1 - settled_habit)
    member = rng.random(p.n) < joining / (joining + leaving)
    member &= g.open[candidate]
    p.member_of[member] = candidate[member]
    room = np.floor(b.members_per_place * g.capacity).astype(np.int64)
    p.member_of[:] = turn_away_over_capacity(p.member_of, room, rng)
    p.habit[p.member_of >= 0] = settled_habit
    p.last_went[:] = -model.params.burn_in_weeks  # as if each had been the week before it began


def turn_away_over_capacity(
    attended: np.ndarray, capacity: np.ndarray, rng: np.random.Generator
) -> np.ndarray:
    """Full sessions turn away the latest arrivals (chosen at random)."""
    going = np.flatnonzero(attended >= 0)
    counts = np.bincount(attended[going], minlength=len(capacity))
    if not (counts > capacity).any():
        return attended
    order = np.lexsort((rng.random(len(going)), attended[going]))
    going = going[order]
    group = attended[going]
    rank = np.arange(len(going)) - np.searchsorted(group, group, side="left")
    result = attended.copy()
    result[going[rank >= capacity[group]]] = -1
    return result


def drop_out(model: HealthgapModel, week: int) -> None:
    """Members leave: settled members rarely, newcomers (low habit) more often, and a member who
    has not been for `lapse_weeks` has lapsed."""
    p, b = model.people, model.params.behaviour
    p.last_went[attendees(p)] = week
    u = model.streams.week("dropout", week).random(p.n)
    members = np.flatnonzero(p.member_of >= 0)
    chance = b.dropout_settled + b.dropout_new * (1 - p.habit[members])
    lapsed = week - p.last_went[members] >= b.lapse_weeks
    leaves = members[(u[members] < chance) | lapsed]
    p.member_of[leaves] = -1


def attendees(people) -> np.ndarray:
    """Who went to a group this week (few: updates for them alone are cheap)."""
    return np.flatnonzero(people.attended >= 0)


def update_habits(model: HealthgapModel) -> None:
    """Going builds habit and confidence; staying away lets them fade."""
    p, h = model.people, model.params.habit
    went = attendees(p)
    habit, confidence = p.habit[went], p.confidence[went]
    # Everyone fades in place; then those who went are set from where they were.
    p.habit *= 1 - h.habit_decay
    p.confidence += h.confidence_decay * (p.confidence_base - p.confidence)
    p.habit[went] = habit + h.habit_gain * (1 - habit)
    p.confidence[went] = confidence + h.confidence_gain * (1 - confidence)


def update_activity(model: HealthgapModel) -> None:
    """Activity = usual minutes + recent group minutes (28-day recall) + habit spilling over."""
    p, h, g = model.people, model.params.habit, model.groups
    went = attendees(p)
    minutes = model.params.groups.types.column("minutes", np.float32)
    this_week = np.zeros(p.n, np.float32)
    this_week[went] = minutes[g.kind[p.attended[went]]]
    p.group_minutes += (this_week - p.group_minutes) / h.recall_weeks
    p.activity_minutes[:] = p.base_minutes + p.group_minutes + h.spillover_minutes * p.habit


def drift_wellbeing(model: HealthgapModel, week: int) -> None:
    """Life satisfaction = set point + what groups add; life events (every four weeks) reset set points.

    Going moves a person's group gain towards the group's gain (Haake 2024);
    staying away lets it fade. Loneliness falls with more ties, more
    belonging and getting out (`outings.getting_out`).
    """
    p, w, g = model.people, model.params.wellbeing, model.groups
    if week % LIFE_EVENT_WEEKS == 0:
        rng = model.streams.week("life_events", week)
        chance = 1 - (1 - w.life_event_rate) ** LIFE_EVENT_WEEKS
        events = np.flatnonzero(rng.random(p.n) < chance)
        population.redraw_circumstances(p, events, model.copula_maps, model.params, rng)
    went = attendees(p)
    gain = model.params.groups.types.column("wellbeing_gain", np.float32)
    target, now = gain[g.kind[p.attended[went]]], p.wellbeing_gain[went]
    p.wellbeing_gain *= 1 - w.gain_decay
    p.wellbeing_gain[went] = now + w.gain_rate * (target - now)
    p.life_satisfaction[:] = np.clip(p.life_satisfaction_base + p.wellbeing_gain, 0, 10)
    p.lonely[:] = loneliness_score(model) > 0


def loneliness_score(model: HealthgapModel) -> np.ndarray:
    """Above zero means often or always lonely (probit scale)."""
    p, w = model.people, model.params.wellbeing
    return (
        model.per_resident(p.loneliness_intercept[model.neighbourhood_quintile - 1])
        + p.loneliness_noise
        - w.loneliness_ties_weight * np.log1p(model.ties_per_person)
        - w.loneliness_group_weight * p.wellbeing_gain
        - w.loneliness_outing_weight * outings.getting_out(model)
    )


def form_ties(model: HealthgapModel, week: int) -> None:
    """People who go to the same session befriend each other; unused group ties fade."""
    tie_rate = model.params.groups.types.column("tie_rate", np.float32)[model.groups.kind]
    model.friends.meet_in_groups(
        model.people.attended, week, model.params.ties, tie_rate, model.streams.week("ties", week)
    )
    model.ties_per_person = model.friends.degree()


def close_unsustainable_groups(model: HealthgapModel, week: int) -> None:
    """Count attendance and volunteers; an unfunded group that is too small or has no volunteers closes.

    Checked every `closure_check_weeks`. A time-limited programme (`ends_with_funding`) ends with
    its funding. Members of a closed group are left without one.
    """
    p, g, rules = model.people, model.groups, model.params.groups
    g.attendance[:] = np.bincount(p.attended[attendees(p)], minlength=g.n)
    members = np.flatnonzero(p.member_of >= 0)
    member_of = p.member_of[members]
    g.members[:] = np.bincount(member_of, minlength=g.n)
    settled = p.habit[members] >= rules.volunteer_habit
    settled_count = np.bincount(member_of[settled], minlength=g.n)
    g.volunteers[:] = np.floor(settled_count * rules.volunteer_share + 0.5)
    g.history[:, 1:] = g.history[:, :-1]  # a week older
    g.history[:, 0] = g.attendance
    if week % rules.closure_check_weeks:
        return
    funded = g.funded_until >= week
    judged = week - g.opened_week >= rules.grace_weeks
    too_small = g.history.mean(axis=1) < rules.types.column("min_attendance")[g.kind]
    no_volunteers = g.volunteers < rules.min_volunteers
    cannot_pay = charge_after_grant(model, week)
    closing = g.open & judged & ~funded & (too_small | no_volunteers | cannot_pay)
    closing |= organiser_left_unreplaced(model, week) & ~funded
    closing |= g.open & g.ends_with_funding & ~funded  # a programme that has run its course
    if closing.any():
        g.open[closing] = False
        g.closed_week[closing] = week
        p.member_of[np.isin(p.member_of, np.flatnonzero(closing))] = -1
        model.groups_changed()


def organiser_left_unreplaced(model: HealthgapModel, week: int) -> np.ndarray:
    """Groups a grant opened whose organiser stepped down (`organiser_exit_per_year`) and whose
    other volunteers each declined to take over (`successor_chance`): losing its leader is the
    second reason volunteer groups fold (Wituk et al. 2002). A town's existing groups are taken
    as established: their stock holds."""
    g, rules = model.groups, model.params.groups
    others = np.maximum(g.volunteers.astype(np.float64) - 1, 0)
    chance = rules.organiser_exit_per_year * rules.closure_check_weeks / WEEKS_PER_YEAR
    chance *= (1 - rules.successor_chance) ** others
    folds = model.streams.week("organisers", week).random(g.n) < chance
    return g.open & g.opened_by_grant & folds


def charge_after_grant(model: HealthgapModel, week: int) -> np.ndarray:
    """Once a group's grant has run out, its running costs fall on its volunteers and its members.

    Volunteers cover `volunteer_cover_gbp` a week each in kind (leading, organising, a donated
    room); the rest is charged per attendee, never less than the kind's usual charge. Sets the
    charge of such groups (which deters the deprived most: `cost_weight`) and returns which of
    them cannot pay their way: their charge would pass `max_charge_gbp`. A town's existing
    groups already pay their way as they are, whatever their kind charges (a venue subsidy for
    them ends as it began).
    """
    g, rules = model.groups, model.params.groups
    grant_ended = g.opened_by_grant & (g.funded_until < week) & g.open
    running = rules.types.column("running_cost_gbp")[g.kind[grant_ended]]
    shortfall = np.maximum(running - rules.volunteer_cover_gbp * g.volunteers[grant_ended], 0)
    attendance = np.maximum(g.history[grant_ended].mean(axis=1), 1)
    usual = rules.types.column("cost_gbp")[g.kind[grant_ended]]
    g.cost_gbp[grant_ended] = np.maximum(usual, shortfall / attendance)
    return grant_ended & (g.cost_gbp > rules.max_charge_gbp)
