"""The healthgap weekly rules written the plain per-agent Mesa way: the reference for speed and agreement.

Every resident and every group is a Mesa `Agent` with ordinary Python
attributes and its own methods; draws come from the model's `random.Random`.
The rules are those of `healthgap.model.behaviour`, written again one agent at
a time, so that agreement between the two is evidence that the vectorised
phases implement them; every number comes from the same declared parameters
(`model.params`, see `healthgap.model.parameters`).

The reference starts from the exact state of a built `HealthgapModel` (town,
residents, friendships, groups, burn-in, loneliness calibration): see
`ReferenceModel.__init__`. Interventions (and the referrals and volunteer
drivers they set up) are not supported: the reference runs the baseline rules. Nor are
children: they follow no rule of the adults' kind (their activity is drawn, and the Daily Mile
is an intervention), so the vectorised model steps them and the reference does not.

A week runs the same phases in the same order as `HealthgapModel.advance_week`:

1. residents choose whether to go to a group (friends are counted from last week);
2. full sessions turn away arrivals at random;
3. each resident joins or drops out, updates habit, confidence and activity, may take a
   bus out, meets (or loses) group friends, may have a life event, and updates wellbeing;
4. each group's attendees may befriend a co-attendee;
5. residents update loneliness (which needs this week's ties) and rate their health;
6. groups count attendance, members and volunteers and may close.
"""

from __future__ import annotations

import math
from collections import deque
from itertools import accumulate
from statistics import NormalDist

import mesa
import numpy as np
from scipy.special import betaincinv

from healthgap.model import HealthgapModel, Parameters, evidence, metrics, population
from healthgap.model.behaviour import LIFE_EVENT_WEEKS
from healthgap.model.groups import LOW_IMPACT, TYPE_NAMES
from healthgap.model.health import AGE_55_74
from healthgap.model.outings import RECALL_WEEKS

# The model's metrics plus two that the group rules drive directly: group members (%) and
# open groups (a count).
# Adults' metrics: the reference has no children (they have no rules of the adults' kind to check).
PER_PERSON = (*(m.name for m in metrics.RESIDENT_METRICS if not m.children), "member_pct")
METRIC_NAMES = (*PER_PERSON, "open_groups")
UNSCALED = {m.name for m in metrics.RESIDENT_METRICS if not m.percent}
STANDARD_NORMAL = NormalDist()
RANK_BOUNDS = (1e-9, 1 - 1e-9)


class Group(mesa.Agent):
    """A community group: its type, venue, members and this week's attendees."""

    def __init__(
        self, model: ReferenceModel, index: int, kind: int, travel: dict[str, list], **state
    ) -> None:
        super().__init__(model)
        self.index = index
        self.kind = kind
        self.type = getattr(model.params.groups.types, TYPE_NAMES[kind])  # minutes, gain...
        self.low_impact = bool(LOW_IMPACT[kind])
        # From each neighbourhood: minutes without a car (walk or bus, the quicker: for noticing
        # groups), minutes by car, and minutes walking, by bus and the bus fare.
        self.minutes_no_car = travel["minutes_no_car"]
        self.minutes_by_car = travel["minutes_by_car"]
        self.minutes_walking = travel["minutes_walking"]
        self.minutes_by_bus = travel["minutes_by_bus"]
        self.bus_fare = travel["bus_fare"]
        self.capacity = state["capacity"]
        self.cost_gbp = state["cost_gbp"]
        self.women_only = state["women_only"]
        self.open = state["open"]
        self.opened_week = state["opened_week"]
        self.closed_week = state["closed_week"]
        self.funded_until = state["funded_until"]
        self.member_count = state["members"]  # as counted at the last review: room is judged on it
        self.volunteers = state["volunteers"]
        self.history = deque(state["history"], maxlen=len(state["history"]))  # newest first
        self.members: set[Resident] = set()
        self.arrivals: list[Resident] = []
        self.attendees: list[Resident] = []

    def has_room(self) -> bool:
        """Whether the group still takes on newcomers."""
        return self.member_count < self.model.params.behaviour.members_per_place * self.capacity

    def turn_away(self) -> None:
        """Keep at most `capacity` of this week's arrivals, chosen at random; send the rest home."""
        arrivals = self.arrivals
        if len(arrivals) > self.capacity:
            self.random.shuffle(arrivals)
            for resident in arrivals[self.capacity :]:
                resident.attended = None
            del arrivals[self.capacity :]
        self.attendees, self.arrivals = arrivals, []

    def make_ties(self, week: int) -> None:
        """Each attendee, with chance formation_rate x this type's tie rate, befriends a random co-attendee."""
        size = len(self.attendees)
        if size < 2:
            return
        chance = self.model.params.ties.formation_rate * self.type.tie_rate
        for position, resident in enumerate(self.attendees):
            if self.random.random() < chance:
                other = self.random.randrange(size - 1)
                other += other >= position  # anyone but oneself
                resident.befriend(self.attendees[other], week)

    def review(self, week: int) -> None:
        """Count attendance, members and volunteers; every few weeks, close if unsustainable."""
        rules = self.model.params.groups
        self.member_count = len(self.members)
        settled = sum(1 for member in self.members if member.habit >= rules.volunteer_habit)
        self.volunteers = math.floor(settled * rules.volunteer_share + 0.5)
        self.history.appendleft(len(self.attendees))
        if week % rules.closure_check_weeks or not self.open:
            return
        if self.funded_until >= week or week - self.opened_week < rules.grace_weeks:
            return
        too_small = sum(self.history) / len(self.history) < self.type.min_attendance
        if too_small or self.volunteers < rules.min_volunteers:
            self.close(week)

    def close(self, week: int) -> None:
        """Stop running: members are left without a group and nobody discovers it any more."""
        self.open = False
        self.closed_week = week
        for member in list(self.members):
            member.leave_group()
        self.model.update_discovery()


class Resident(mesa.Agent):
    """An adult resident with plain attributes, a set of friends and a weekly routine."""

    def __init__(self, model: ReferenceModel, **state) -> None:
        super().__init__(model)
        self.__dict__.update(state)
        self.member_of: Group | None = None
        self.attended: Group | None = None
        self.attended_last: Group | None = None  # what friends see when deciding next week
        self.friends: set[Resident] = set()
        self.group_ties: dict[Resident, int] = {}  # friends made in groups -> week last met

    # Phase 1 ---------------------------------------------------------------------------------
    def choose_group(self) -> None:
        """Members decide whether to go this week; others may notice a group and try it."""
        b = self.model.params.behaviour
        self.attended = None
        group = self.member_of
        if group is None:
            if not (self.random.random() < self.awareness and self.model.open_groups):
                return
            group = self.model.discover_group(self.neighbourhood, self.car)
            if not group.has_room():
                return
            intercept = b.try_intercept
        else:  # members: habit keeps them going
            intercept = b.attend_intercept + b.habit_weight * self.habit
        if group.women_only and not self.female:
            return
        friends_going = sum(1 for friend in self.friends if friend.attended_last is group)
        if self.random.random() < logistic(intercept + self.appeal(group, friends_going)):
            self.attended = group
            group.arrivals.append(self)

    def appeal(self, group: Group, friends_going: int) -> float:
        """How much this resident wants to go to `group` (logit scale, before the intercept)."""
        b = self.model.params.behaviour
        home = self.neighbourhood
        if self.car:
            travel = b.travel_weight * group.minutes_by_car[home] / 10.0
        else:  # walking or the bus, whichever costs this resident less
            walking = b.travel_weight * group.minutes_walking[home] / 10.0
            by_bus = (
                b.travel_weight * group.minutes_by_bus[home] / 10.0
                + b.cost_weight * group.bus_fare[home] * self.deprivation
            )
            travel = min(walking, by_bus)
        mismatch = self.health_limited and not group.low_impact
        return (
            b.confidence_weight * self.confidence
            + self.taste
            + b.friend_weight * min(friends_going, b.max_friends_counted)
            - travel
            - b.cost_weight * group.cost_gbp * self.deprivation
            - b.deprivation_weight * self.deprivation
            - b.health_mismatch_weight * mismatch
        )

    # Phase 3 ---------------------------------------------------------------------------------
    def step(self) -> None:
        """After attendance is settled: membership, habit, activity, group ties, wellbeing."""
        if self.attended is not None and self.member_of is None:
            self.join(self.attended)
        self.maybe_drop_out()
        self.update_habit()
        self.update_activity()
        self.take_bus()
        self.refresh_group_ties(self.model.week)
        self.update_wellbeing()

    def join(self, group: Group) -> None:
        self.member_of = group
        group.members.add(self)

    def leave_group(self) -> None:
        self.member_of.members.discard(self)
        self.member_of = None

    def maybe_drop_out(self) -> None:
        """Settled members rarely leave; newcomers (low habit) more often; a member who has not
        been for `lapse_weeks` has lapsed."""
        b, week = self.model.params.behaviour, self.model.week
        if self.attended is not None:
            self.last_went = week
        if self.member_of is None:
            return
        leaves = self.random.random() < b.dropout_settled + b.dropout_new * (1 - self.habit)
        if leaves or week - self.last_went >= b.lapse_weeks:
            self.leave_group()

    def update_habit(self) -> None:
        """Going builds habit and confidence; staying away lets them fade."""
        h = self.model.params.habit
        if self.attended is not None:
            self.habit += h.habit_gain * (1 - self.habit)
            self.confidence += h.confidence_gain * (1 - self.confidence)
        else:
            self.habit *= 1 - h.habit_decay
            self.confidence += h.confidence_decay * (self.confidence_base - self.confidence)

    def update_activity(self) -> None:
        """Usual minutes + recent group minutes (recall window) + habit spilling over."""
        h = self.model.params.habit
        this_week = self.attended.type.minutes if self.attended is not None else 0.0
        self.group_minutes += (this_week - self.group_minutes) / h.recall_weeks
        self.activity_minutes = (
            self.base_minutes + self.group_minutes + h.spillover_minutes * self.habit
        )

    def take_bus(self) -> None:
        """Whether I take a bus out this week, at my neighbourhood's fare and buses; my recent
        weeks out."""
        fare = self.model.everyday_fare[self.neighbourhood]
        cost = self.model.params.behaviour.cost_weight * fare * self.deprivation
        cost += self.model.everyday_quicker[self.neighbourhood]
        rode = self.random.random() < logistic(self.bus_propensity - cost)
        self.bus_recent += (rode - self.bus_recent) / RECALL_WEEKS

    def refresh_group_ties(self, week: int) -> None:
        """Group ties whose pair met this week are refreshed; unused ones may fade.

        Each tie is handled once, by the friend with the lower id.
        """
        t = self.model.params.ties
        for friend, last_met in list(self.group_ties.items()):
            if friend.unique_id < self.unique_id:
                continue
            if self.attended is not None and friend.attended is self.attended:
                self.group_ties[friend] = friend.group_ties[self] = week
            elif week - last_met > t.unused_after_weeks and self.random.random() < t.fade_rate:
                self.unfriend(friend)

    def befriend(self, other: Resident, week: int) -> None:
        """Make a group tie with `other` unless they are already friends."""
        if other not in self.friends:
            self.friends.add(other)
            other.friends.add(self)
            self.group_ties[other] = other.group_ties[self] = week

    def unfriend(self, other: Resident) -> None:
        self.friends.discard(other)
        other.friends.discard(self)
        del self.group_ties[other], other.group_ties[self]

    def update_wellbeing(self) -> None:
        """A life event may reset circumstances; going moves the group gain towards the group's.

        Life events are drawn every LIFE_EVENT_WEEKS weeks at the weekly rate compounded.
        """
        w = self.model.params.wellbeing
        if self.model.week % LIFE_EVENT_WEEKS == 0:
            chance = 1 - (1 - w.life_event_rate) ** LIFE_EVENT_WEEKS
            if self.random.random() < chance:
                self.redraw_circumstances()
        if self.attended is not None:
            self.wellbeing_gain += w.gain_rate * (
                self.attended.type.wellbeing_gain - self.wellbeing_gain
            )
        else:
            self.wellbeing_gain *= 1 - w.gain_decay
        self.life_satisfaction = min(
            max(self.life_satisfaction_base + self.wellbeing_gain, 0.0), 10.0
        )

    def redraw_circumstances(self) -> None:
        """New usual activity, life-satisfaction set point and loneliness propensity (a life event).

        The same Gaussian copula as `population.redraw_circumstances`, one person at a time.
        """
        copula, q, gauss = self.model.copula, self.quintile, self.random.gauss
        c = self.model.params.circumstances
        activity_noise = gauss(0.0, 1.0)
        activity_shift = (
            c.activity_shift_health_limited * self.health_limited
            + c.activity_shift_per_age_band * self.age_band
        )
        activity_rank = copula.rank("activity", q, activity_shift + activity_noise)
        self.base_minutes = copula.minutes_at_rank(activity_rank, q)
        r = c.activity_life_satisfaction_correlation
        ls_noise = r * activity_noise + math.sqrt(1 - r**2) * gauss(0.0, 1.0)
        ls_shift = c.life_satisfaction_shift_health_limited * self.health_limited
        ls_rank = copula.rank("life_satisfaction", q, ls_shift + ls_noise)
        self.life_satisfaction_base = copula.life_satisfaction_at_rank(ls_rank, q)
        r = c.loneliness_life_satisfaction_correlation
        own_noise = math.sqrt(1 - r**2) * gauss(0.0, 1.0)
        self.loneliness_noise = r * STANDARD_NORMAL.inv_cdf(ls_rank) + own_noise

    # Phase 5 ---------------------------------------------------------------------------------
    def end_week(self) -> None:
        """Loneliness from this week's ties and belonging; remember where I went for my friends."""
        w = self.model.params.wellbeing
        score = (
            self.model.loneliness_intercept[self.quintile - 1]
            + self.loneliness_noise
            - w.loneliness_ties_weight * math.log1p(len(self.friends))
            - w.loneliness_group_weight * self.wellbeing_gain
            - w.loneliness_outing_weight * (1.0 if self.car else self.bus_recent)
        )
        self.lonely = score > 0
        self.attended_last = self.attended
        self.rate_health()

    def rate_health(self) -> None:
        """Whether I would call my health very good, from this week's activity and wellbeing."""
        h = self.model.params.health
        activity = min(self.activity_minutes, h.activity_cap_minutes) / evidence.ACTIVE_MINUTES
        now = h.activity_weight * activity + h.life_satisfaction_weight * self.life_satisfaction
        self.very_good_health = self.health_fixed + now > 0


class Copula:
    """The copula maps of `population` as plain Python: latent score -> within-quintile rank -> value."""

    def __init__(self, maps: dict, shares: np.ndarray, params: Parameters) -> None:
        self.components = {  # per quintile: (latent shift, share of the quintile with it)
            name: [
                [(v, w) for v, w in zip(quantiles.values.tolist(), row.tolist(), strict=True) if w]
                for row in quantiles.weights
            ]
            for name, quantiles in maps.items()
        }
        self.inactive, self.fairly_active = shares.tolist()
        self.inactive_zero_share = params.circumstances.inactive_zero_share
        self.active_tail_mean = params.circumstances.active_tail_mean_minutes
        c = population.LIFE_SATISFACTION_CONCENTRATION
        gradient = params.wellbeing.quintile_gradient
        means = [
            evidence.LIFE_SATISFACTION_MEAN.value + gradient * (q - 3) / 4 for q in range(1, 6)
        ]
        self.beta_shapes = [(m / 10 * c, c - m / 10 * c) for m in means]

    def rank(self, name: str, quintile: int, latent: float) -> float:
        """Rank (0-1) of a latent score within its quintile's mixture of shifted normals."""
        u = sum(
            weight * STANDARD_NORMAL.cdf(latent - shift)
            for shift, weight in self.components[name][quintile - 1]
        )
        return min(max(u, RANK_BOUNDS[0]), RANK_BOUNDS[1])

    def minutes_at_rank(self, u: float, quintile: int) -> float:
        """Usual weekly minutes at rank u, by the Active Lives categories of the quintile."""
        p_in, p_fair = self.inactive[quintile - 1], self.fairly_active[quintile - 1]
        low, high = evidence.FAIRLY_ACTIVE_MINUTES, evidence.ACTIVE_MINUTES
        if u < p_in:
            zero = self.inactive_zero_share
            return min(max((u / p_in - zero) / (1 - zero), 0.0), 1.0) * (low - 0.01)
        if u < p_in + p_fair:
            return low + (u - p_in) / p_fair * (high - low - 0.01)
        into_tail = min((u - p_in - p_fair) / (1 - p_in - p_fair), 1 - 1e-9)
        return high - math.log1p(-into_tail) * self.active_tail_mean

    def life_satisfaction_at_rank(self, u: float, quintile: int) -> float:
        """Life satisfaction (0-10) at rank u of the quintile's Beta distribution."""
        a, b = self.beta_shapes[quintile - 1]
        return 10 * float(betaincinv(a, b, u))


class ReferenceModel(mesa.Model):
    """The per-agent model, starting from the state of a built vectorised model."""

    def __init__(self, start: HealthgapModel, seed: int = 0) -> None:
        super().__init__(rng=seed)
        if start.interventions:
            raise ValueError("the reference model does not run interventions")
        self.params = start.params
        self.week = start.week
        p, g = start.people, start.groups
        self.copula = Copula(start.copula_maps, p.usual_activity_shares, self.params)
        self.loneliness_intercept = p.loneliness_intercept.tolist()
        self.everyday_fare = start.everyday_fare.tolist()
        self.everyday_quicker = (
            (start.everyday_minutes - start.usual_everyday_minutes)
            * start.params.behaviour.travel_weight
            / 10
        ).tolist()
        self.n_neighbourhoods = start.minutes_to_group.shape[1]

        minutes, trips = start.minutes_to_group.astype(float), start.trip_to_group.astype(float)
        group_fields = (
            "capacity",
            "cost_gbp",
            "women_only",
            "open",
            "opened_week",
            "closed_week",
            "funded_until",
            "members",
            "volunteers",
            "history",
        )
        group_state = {name: getattr(g, name).tolist() for name in group_fields}
        group_list = [
            Group(
                self,
                i,
                int(g.kind[i]),
                {
                    "minutes_no_car": minutes[0, :, i].tolist(),
                    "minutes_by_car": minutes[1, :, i].tolist(),
                    "minutes_walking": trips[0, :, i].tolist(),
                    "minutes_by_bus": trips[1, :, i].tolist(),
                    "bus_fare": trips[2, :, i].tolist(),
                },
                **{name: values[i] for name, values in group_state.items()},
            )
            for i in range(g.n)
        ]
        self.groups = self.agents_by_type[Group]

        resident_fields = (
            "neighbourhood",
            "quintile",
            "deprivation",
            "age_band",
            "female",
            "car",
            "health_limited",
            "base_minutes",
            "group_minutes",
            "activity_minutes",
            "habit",
            "confidence",
            "confidence_base",
            "awareness",
            "life_satisfaction_base",
            "wellbeing_gain",
            "life_satisfaction",
            "loneliness_noise",
            "lonely",
            "last_went",
            "taste",
            "health_fixed",
            "very_good_health",
            "bus_propensity",
            "bus_recent",
        )
        columns = [getattr(p, name).tolist() for name in resident_fields]
        people = [
            Resident(self, **dict(zip(resident_fields, row, strict=True)))
            for row in zip(*columns, strict=True)
        ]
        self.residents = self.agents_by_type[Resident]
        for person, member_of, attended in zip(
            people, p.member_of.tolist(), p.attended.tolist(), strict=True
        ):
            if member_of >= 0:
                person.join(group_list[member_of])
            if attended >= 0:
                person.attended = person.attended_last = group_list[attended]
                group_list[attended].attendees.append(person)

        friends = start.friends
        base_a, base_b = np.divmod(friends.base_keys, friends.n)  # one key per unordered pair
        for a, b in zip(base_a.tolist(), base_b.tolist(), strict=True):
            people[a].friends.add(people[b])
            people[b].friends.add(people[a])
        for a, b, last_met in zip(
            friends.group_a.tolist(),
            friends.group_b.tolist(),
            friends.group_last_met.tolist(),
            strict=True,
        ):
            people[a].friends.add(people[b])
            people[b].friends.add(people[a])
            people[a].group_ties[people[b]] = people[b].group_ties[people[a]] = last_met
        self.update_discovery()

    def update_discovery(self) -> None:
        """Where people hear of groups: open groups, the nearer the likelier (discovery_minutes),
        by car for those with one, else on foot or by bus."""
        self.open_groups = [group for group in self.groups if group.open]
        scale = self.params.behaviour.discovery_minutes
        self.discovery_weights = {
            (n, car): list(
                accumulate(
                    math.exp(-(group.minutes_by_car if car else group.minutes_no_car)[n] / scale)
                    for group in self.open_groups
                )
            )
            for n in range(self.n_neighbourhoods)
            for car in (False, True)
        }

    def discover_group(self, neighbourhood: int, car: bool) -> Group:
        """The open group a person from `neighbourhood` notices (nearer groups are likelier)."""
        return self.random.choices(
            self.open_groups, cum_weights=self.discovery_weights[neighbourhood, car]
        )[0]

    def step(self) -> None:
        """One week, in the phase order of `HealthgapModel.advance_week`."""
        self.week += 1
        self.residents.do("choose_group")
        self.groups.do("turn_away")
        self.residents.do("step")
        self.groups.do("make_ties", self.week)
        self.residents.do("end_week")
        self.groups.do("review", self.week)

    def metrics(self) -> dict[str, float]:
        """This week's town-wide metrics (`METRIC_NAMES`), scaled as in `healthgap.model.metrics`."""
        low, high = evidence.FAIRLY_ACTIVE_MINUTES, evidence.ACTIVE_MINUTES
        totals = dict.fromkeys(PER_PERSON, 0.0)
        near = [  # open groups within reach of each neighbourhood without a car
            [g for g in self.open_groups if g.minutes_no_car[n] <= evidence.ACCESS_MINUTES]
            for n in range(self.n_neighbourhoods)
        ]
        kinds_open = {g.kind for g in self.open_groups}
        reachable = [len(groups) for groups in near]
        kinds_share = [len({g.kind for g in groups}) / max(len(kinds_open), 1) for groups in near]
        without_car = aged_55_74 = 0  # whom the access and ages 55-74 metrics count
        for r in self.residents:
            minutes = r.activity_minutes
            totals["inactive_pct"] += minutes < low
            totals["fairly_active_pct"] += low <= minutes < high
            totals["active_pct"] += minutes >= high
            totals["life_satisfaction_mean"] += r.life_satisfaction
            totals["low_life_satisfaction_pct"] += (
                r.life_satisfaction < evidence.LOW_LIFE_SATISFACTION_BELOW
            )
            totals["lonely_pct"] += r.lonely
            totals["very_good_health_pct"] += r.very_good_health
            if r.age_band == AGE_55_74:
                aged_55_74 += 1
                totals["very_good_health_55_74_pct"] += r.very_good_health
            totals["ties_mean"] += len(r.friends)
            totals["attendance_pct"] += r.attended is not None
            totals["activity_minutes_mean"] += minutes
            totals["member_pct"] += r.member_of is not None
            if not r.car:
                without_car += 1
                totals["reach_kinds_pct"] += kinds_share[r.neighbourhood]
                totals["groups_reachable_mean"] += reachable[r.neighbourhood]
        n = len(self.residents)
        among = {
            "reach_kinds_pct": without_car,
            "groups_reachable_mean": without_car,
            "very_good_health_55_74_pct": aged_55_74,
        }
        values = {
            name: (total / among.get(name, n) if among.get(name, n) else math.nan)
            * (1.0 if name in UNSCALED else 100.0)
            for name, total in totals.items()
        }
        return values | {"open_groups": float(len(self.open_groups))}


def vectorised_metrics(model: HealthgapModel) -> dict[str, float]:
    """The vectorised model's town-wide metrics as it is now (not as last recorded: a start
    state may have opened groups since), in the same form as `ReferenceModel.metrics`."""
    now = metrics.by_group(*metrics.decile_sums(model))[0]
    values = dict(zip(metrics.METRIC_NAMES, now.tolist(), strict=True))
    return {name: values[name] for name in PER_PERSON if name in values} | {
        "member_pct": 100.0 * float(np.mean(model.people.member_of >= 0)),
        "open_groups": float(model.groups.open.sum()),
    }


def logistic(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x))
