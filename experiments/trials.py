"""Virtual trials: published evaluations of the levers, re-run on the model's own people.

Each `Trial` below declares a study's design (the place, who is eligible, who gets the lever, the
comparison, the follow-up) and its outcomes, each measured as the study measured it and set
beside the published estimate and interval (whether a fit used it is read from the shipped
calibration files: `measures.shipped_targets`). The model re-runs the design:
the lever's arm, and the same residents in the baseline twin (same seed, same burnt-in town, no
lever), so the comparison arm is a clean counterfactual by common random numbers. A study with
no comparison arm (before and after, or a cohort of people who joined by themselves) is re-run
on the baseline alone, and measured before and after as it was.

A run enrols residents week by week as the design says (those the outreach saw, those who
joined a parkrun), and follows each of them from the week before they were enrolled to the end
of their follow-up, in both arms: `Cohort` holds what an outcome reads.

    result = run_trial(TRIALS["glasgow_link_workers"], seeds=[1, 2, 3])
    result.outcomes["itt_life_satisfaction"]      # one value per seed

`TRIALS` is the one registry of trials: `healthgap validate` reports every outcome, and a
calibration may fit any of them (their measures are in `experiments/measures.py`).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

import numpy as np

from healthgap.funnel import FunnelRow, FunnelWatcher
from healthgap.model import evidence, outings
from healthgap.model.evidence import Figure
from healthgap.model.groups import TYPE_INDEX
from healthgap.model.health import AGE_55_74
from healthgap.model.interventions import DailyMile, Outreach, SeedFunding, Transport
from healthgap.scenarios import Scenario
from healthgap.simulation import Simulation, as_scenario

if TYPE_CHECKING:
    from healthgap.model import HealthgapModel

Test = Literal["interval", "null", "above", "below"]
ARMS = ("arm", "twin")


# What is followed: one value per resident, read from the model each week.
def _kind_member(m: HealthgapModel) -> np.ndarray:
    return np.where(m.people.member_of >= 0, m.groups.kind[np.maximum(m.people.member_of, 0)], -1)


def _went_to_new(m: HealthgapModel) -> np.ndarray:
    """Went this week to a group that opened after the start (one a lever opened)."""
    attended = m.people.attended
    return (attended >= 0) & (m.groups.opened_week[np.maximum(attended, 0)] > 0)


FOLLOWED: dict[str, Callable[[HealthgapModel], np.ndarray]] = {
    "activity_minutes": lambda m: m.people.activity_minutes.astype(float),
    "life_satisfaction": lambda m: m.people.life_satisfaction.astype(float),
    "lonely": lambda m: m.people.lonely.astype(float),
    "low_life_satisfaction": lambda m: (m.people.life_satisfaction <= 4).astype(float),
    "went": lambda m: (m.people.attended >= 0).astype(float),
    "link_worker_contacts": lambda m: m.people.link_worker_contacts.astype(float),
    "went_to_new": lambda m: _went_to_new(m).astype(float),
    "member_kind": lambda m: _kind_member(m).astype(float),
    "rode_bus": lambda m: outings.rode_bus(m).astype(float),
    "very_good_health": lambda m: m.people.very_good_health.astype(float),
    "children_minutes": lambda m: m.children.minutes.astype(float),  # children's, not adults'
}


@dataclass
class Cohort:
    """The enrolled residents of one run, followed week by week in both arms.

    `weekly[arm][field]` is (people, weeks): column k is the week k-1 after enrolment, so column
    0 is the week before (at registration) and column 1 the week they were enrolled."""

    ids: np.ndarray
    enrolled_week: np.ndarray
    quintile: np.ndarray
    weekly: dict[str, dict[str, np.ndarray]]
    funnel: FunnelWatcher  # the arm's referral funnel (everyone its outreach saw)

    def at(self, name: str, weeks_after: int, arm: str = "arm") -> np.ndarray:
        """Each person's value `weeks_after` their enrolment (0: the week they were enrolled;
        -1: the week before)."""
        return self.weekly[arm][name][:, weeks_after + 1]

    def during(self, name: str, first: int, last: int, arm: str = "arm") -> np.ndarray:
        """Each person's values in the weeks `first` to `last` after enrolment (columns)."""
        return self.weekly[arm][name][:, first + 1 : last + 2]

    def __len__(self) -> int:
        return len(self.ids)


@dataclass(frozen=True)
class Outcome:
    """One published estimate and how the model measures its counterpart on a `Cohort`.

    `test` says when the model agrees: "interval", within the published interval (low-high);
    "null", the published trial found no difference, and the model's effect is one a trial of
    `trial_size` (arm, comparison) could not tell from zero (within 1.96 standard errors of
    the model's own spread, `spread`); "above"/"below", the model's effect is above/below
    `threshold` (default `figure.value`): the published finding is a direction."""

    name: str
    label: str
    unit: str
    figure: Figure
    measure: Callable[[Cohort], float]
    test: Test = "interval"
    low: float | None = None
    high: float | None = None
    threshold: float | None = None  # "above"/"below": the line (default: the figure's value)
    interval_source: str = "the published 95% interval"  # "interval": where low-high come from
    trial_size: tuple[int, int] | None = None
    spread: Callable[[Cohort], float] | None = None
    note: str = ""
    # The lever's effect is this very figure (a parameter): the trial shows it is carried
    # through to the outcome, not that it is right.
    by_construction: bool = False

    @property
    def finding(self) -> str:
        """The published finding in a few words: its value and interval, or its direction."""
        if self.test == "null":
            return "no difference"
        if self.test in ("above", "below"):
            line = self.figure.value if self.threshold is None else self.threshold
            return f"{'above' if self.test == 'above' else 'below'} {line:g}"
        return f"{self.figure.value:g} ({self.low:g} to {self.high:g})"


@dataclass(frozen=True)
class Trial:
    """A published evaluation, declared as the model re-runs it."""

    name: str
    title: str
    source: str  # authors, journal, year, doi
    place: str
    eligible: str
    lever: str
    comparison: str
    follow_up: str
    scenario: Callable[[dict[str, float]], Scenario]  # the design, given the parameters
    # Who is enrolled this week: (arm, twin, week, last week's followed values by arm) -> ids
    enrol: Callable[[HealthgapModel, HealthgapModel, int, dict], np.ndarray]
    enrol_weeks: int  # enrolment runs in weeks 1 to this
    follow_weeks: int  # each enrolled person is followed this many weeks
    outcomes: tuple[Outcome, ...]
    levers: tuple[str, ...] = ()  # the levers it speaks to: "type" or "type/channel or mode"
    paired: bool = True  # False: no comparison arm (the baseline alone, before and after)
    children: bool = False  # its cohort is children (`model.children`), not adults
    followed: tuple[str, ...] = (
        "activity_minutes",
        "life_satisfaction",
        "lonely",
        "went",
        "member_kind",
    )

    @property
    def design(self) -> str:
        return (
            f"{self.place}. Eligible: {self.eligible}. Lever: {self.lever}. Comparison: "
            f"{self.comparison}. Follow-up: {self.follow_up}."
        )


@dataclass
class TrialRun:
    """What one seed of a trial gives: its cohort and each outcome's value."""

    cohort: Cohort
    outcomes: dict[str, float]
    null_bounds: dict[str, float] = field(default_factory=dict)  # 1.96 SE of a trial that size


def follow(
    trial: Trial,
    seed: int,
    parameters: dict[str, float] | None = None,
    residents: int | None = None,
) -> Cohort:
    """Run the trial's design for one seed and follow its cohort in both arms; `residents`
    simulates a sample of the design's town (its levers shrink alike), e.g. for a quick check."""

    scenario = trial.scenario(parameters or {})
    if residents is not None:
        sample = residents / scenario.place.residents
        place = scenario.place.model_copy(update={"sample": sample})
        scenario = as_scenario(scenario.model_copy(update={"place": place}))
    if trial.paired:
        arm, twin = Simulation.pair(scenario, seed)
    else:
        arm = twin = Simulation(scenario, seed)
    population = arm.model.children if trial.children else arm.model.people
    enrolled_week = np.full(population.n, -1, np.int64)

    def observe() -> dict[str, dict[str, np.ndarray]]:
        """This week's followed values by arm (one model serves both without a comparison)."""
        arm_now = {f: FOLLOWED[f](arm.model).astype(np.float32) for f in trial.followed}
        if not trial.paired:
            return {"arm": arm_now, "twin": arm_now}
        twin_now = {f: FOLLOWED[f](twin.model).astype(np.float32) for f in trial.followed}
        return {"arm": arm_now, "twin": twin_now}

    weekly = [observe()]  # weekly[k]: the end of week k (0: the start)
    funnel = FunnelWatcher(arm.model)
    for week in range(1, trial.enrol_weeks + trial.follow_weeks + 1):
        arm.step()
        if trial.paired:
            twin.step()
        weekly.append(observe())
        funnel.week(arm.model)
        if week <= trial.enrol_weeks:
            new = trial.enrol(arm.model, twin.model, week, weekly[-2])
            new = np.asarray(new, dtype=np.int64)
            enrolled_week[new[enrolled_week[new] < 0]] = week
    ids = np.flatnonzero(enrolled_week > 0)
    columns = enrolled_week[ids][:, None] - 1 + np.arange(trial.follow_weeks + 2)
    followed = {
        a: {
            f: np.stack([w[a][f] for w in weekly])[columns, ids[:, None]].astype(float)
            for f in trial.followed
        }
        for a in ARMS
    }
    quintile = population.quintile[ids].copy()
    return Cohort(ids, enrolled_week[ids], quintile, followed, funnel)


def run_trial(
    trial: Trial,
    seeds: list[int],
    parameters: dict[str, float] | None = None,
    residents: int | None = None,
):
    """Every outcome of `trial` for each seed: {outcome name: [value per seed]}, and the runs."""
    runs = [run_seed(trial, seed, parameters, residents) for seed in seeds]
    values = {o.name: [run.outcomes[o.name] for run in runs] for o in trial.outcomes}
    return values, runs


def run_seed(
    trial: Trial,
    seed: int,
    parameters: dict[str, float] | None = None,
    residents: int | None = None,
) -> TrialRun:
    """One seed of `run_trial`: its cohort, each outcome's value and, for a null finding, what
    a trial of the study's size could tell from zero."""
    cohort = follow(trial, seed, parameters, residents)
    run = TrialRun(cohort, {})
    for o in trial.outcomes:
        run.outcomes[o.name] = float(o.measure(cohort)) if len(cohort) else math.nan
        if o.test == "null" and o.trial_size and o.spread and len(cohort):
            n_arm, n_comparison = o.trial_size
            se = o.spread(cohort) * math.sqrt(1 / n_arm + 1 / n_comparison)
            run.null_bounds[o.name] = 1.96 * se
    return run


def outcomes_of_seed(name: str, seed: int) -> tuple[dict[str, float], dict[str, float]]:
    """The trial `name` (in `TRIALS`) for one seed, as a worker process returns it: each
    outcome's value and the null bounds, without the cohort."""
    run = run_seed(TRIALS[name], seed)
    return run.outcomes, run.null_bounds


def agrees(o: Outcome, value: float, null_bound: float | None = None) -> bool | None:
    """Whether the model's value agrees with the published finding (None: cannot tell)."""
    if value is None or not math.isfinite(value):
        return None
    if o.test == "interval":
        return o.low <= value <= o.high
    if o.test == "null":
        return None if null_bound is None else abs(value) <= null_bound
    line = o.figure.value if o.threshold is None else o.threshold
    return value > line if o.test == "above" else value < line


# --- How the designs are measured --------------------------------------------------------


def itt(name: str, weeks_after: int) -> Callable[[Cohort], float]:
    """Intention to treat: the mean of `name` among everyone enrolled, arm minus twin."""
    return lambda c: float(
        (c.at(name, weeks_after, "arm") - c.at(name, weeks_after, "twin")).mean()
    )


def change_since_enrolment(name: str, weeks_after: int) -> Callable[[Cohort], float]:
    """Before and after: the mean of `name` `weeks_after` enrolment less the week before, in the
    arm (the baseline itself for a design with no comparison arm)."""
    return lambda c: float((c.at(name, weeks_after) - c.at(name, -1)).mean())


def twin_sd(name: str, weeks_after: int) -> Callable[[Cohort], float]:
    """The spread of `name` among the enrolled in the twin: a real trial's noise per person."""
    return lambda c: float(c.at(name, weeks_after, "twin").std())


def sessions(c: Cohort, first: int, last: int, arm: str = "arm") -> np.ndarray:
    return c.during("went", first, last, arm).sum(axis=1)


def engaged(c: Cohort, weeks: int) -> np.ndarray:
    """Met their link worker at least 3 times within `weeks` of enrolment, as the trial's
    engaged did."""
    return c.at("link_worker_contacts", weeks) >= 3


def share(mask: np.ndarray) -> float:
    return float(mask.mean()) if len(mask) else math.nan


def risk_ratio(minutes: float, weeks_after: int) -> Callable[[Cohort], float]:
    """The share reaching `minutes` a week in the arm over the share in the twin."""

    def measure(c: Cohort) -> float:
        arm = (c.at("activity_minutes", weeks_after, "arm") >= minutes).mean()
        twin = (c.at("activity_minutes", weeks_after, "twin") >= minutes).mean()
        return float(arm / twin) if twin > 0 else math.nan

    return measure


def odds_ratio(minutes: float, weeks_after: int) -> Callable[[Cohort], float]:
    def measure(c: Cohort) -> float:
        arm = (c.at("activity_minutes", weeks_after, "arm") >= minutes).mean()
        twin = (c.at("activity_minutes", weeks_after, "twin") >= minutes).mean()
        if min(arm, twin) <= 0 or max(arm, twin) >= 1:
            return math.nan
        return float(arm / (1 - arm) / (twin / (1 - twin)))

    return measure


def hedges_g(name: str, weeks_after: int, among=None) -> Callable[[Cohort], float]:
    """The arm's mean minus the twin's over their pooled standard deviation (large samples:
    Hedges' correction is 1 to three decimals)."""

    def measure(c: Cohort) -> float:
        who = slice(None) if among is None else among(c)
        arm, twin = c.at(name, weeks_after, "arm")[who], c.at(name, weeks_after, "twin")[who]
        pooled = math.sqrt((arm.var(ddof=1) + twin.var(ddof=1)) / 2) if len(arm) > 1 else 0
        return float((arm.mean() - twin.mean()) / pooled) if pooled > 0 else math.nan

    return measure


def funnel_stage(stage: str) -> Callable[[Cohort], float]:
    """A stage of the referral funnel (`funnel.py`) among everyone the outreach saw, in the arm."""

    def measure(c: Cohort) -> float:
        everyone_seen = c.funnel.seen_at >= 0
        return FunnelRow("", "all", c.funnel.counts(everyone_seen)).share(stage)

    return measure


def seen_by_outreach(arm: HealthgapModel, twin: HealthgapModel, week: int, before) -> np.ndarray:
    return np.flatnonzero(arm.people.seen_week == week)


def referred(arm: HealthgapModel, twin: HealthgapModel, week: int, before) -> np.ndarray:
    return np.flatnonzero(arm.people.referred_week == week)


def joined(kind: str | None = None, among=None):
    """Residents who go to a group of `kind` (any kind if None) this week as its member, and
    were in no such group the week before (the baseline's own joiners; followed:
    "member_kind")."""

    def enrol(arm: HealthgapModel, twin: HealthgapModel, week: int, before) -> np.ndarray:
        now, was = _kind_member(twin), before["twin"]["member_kind"]
        new = (twin.people.attended >= 0) & (now >= 0)
        new &= (now == TYPE_INDEX[kind]) & (was != now) if kind else (was < 0)
        if among is not None:
            new &= among(twin)
        return np.flatnonzero(new)

    return enrol


def once(who: Callable[[HealthgapModel], np.ndarray]):
    """Everyone `who` picks in the arm, enrolled in week 1."""

    def enrol(arm: HealthgapModel, twin: HealthgapModel, week: int, before) -> np.ndarray:
        return np.flatnonzero(who(arm)) if week == 1 else np.zeros(0, np.int64)

    return enrol


def default_town(parameters: dict[str, float], residents: int, years: float, interventions):
    """The default town (the baseline's place) at `residents` adults with the design's levers."""

    base = as_scenario("baseline")
    return as_scenario(
        base.model_copy(
            update={
                "name": "virtual trial",
                "years": years,
                "parameters": base.parameters | parameters,
                "interventions": interventions,
                "place": base.place.model_copy(update={"residents": residents}),
            }
        )
    )


def _declared() -> list[Trial]:
    trials = []

    def six_link_workers(years: float):
        """The design: the default town (30,000 adults), 6 link workers in its most deprived
        fifth for `years`."""

        def design(parameters):
            worker = Outreach(
                name="link workers",
                channel="link_worker",
                workers=6,
                target="most_deprived",
                end_year=years,
            )
            return default_town(parameters, 30_000, 1.0, [worker])

        return design

    # Glasgow's Deep End link workers: patients referred in deprived practices, 9 months on.
    glasgow = six_link_workers(0.25)

    trials.append(
        Trial(
            "glasgow_link_workers",
            "Link workers in deprived general practices (Glasgow Deep End)",
            "Mercer et al., Annals of Family Medicine 2019;17:518 (doi 10.1370/afm.2429)",
            "the default town (30,000 adults), its most deprived fifth",
            "adults of the most deprived quintile not in a group, seen by a link worker",
            "6 link workers seeing their caseload for 13 weeks (about 290 people, as the trial's 288), referring to local groups with a "
            "supported first visit",
            "the same residents in the baseline twin (the trial: 612 patients of comparison "
            "practices)",
            "9 months (39 weeks) after each was seen",
            glasgow,
            seen_by_outreach,
            13,
            39,
            (
                Outcome(
                    "itt_life_satisfaction",
                    "Referred patients' life satisfaction at 9 months, referred minus comparison "
                    "(intention to treat)",
                    "points (0-10)",
                    evidence.ITT_LIFE_SATISFACTION,
                    itt("life_satisfaction", 39),
                    test="null",
                    trial_size=(288, 612),
                    spread=twin_sd("life_satisfaction", 39),
                    note="the trial measured EQ-5D, HADS and wellbeing, not life satisfaction",
                ),
                Outcome(
                    "itt_lonely",
                    "Referred patients often lonely at 9 months, referred minus comparison "
                    "(intention to treat)",
                    "share",
                    evidence.ITT_LONELY,
                    itt("lonely", 39),
                    test="null",
                    trial_size=(288, 612),
                    spread=twin_sd("lonely", 39),
                ),
                Outcome(
                    "engaged_share",
                    "Referred patients who engaged (met the link worker 3 or more times within "
                    "13 weeks)",
                    "share",
                    evidence.ENGAGED_SHARE,
                    lambda c: share(engaged(c, 12)),
                    low=0.30,
                    high=0.60,
                    note="a judgement of +-15 points, kept from when the model counted group "
                    "sessions instead (288 referred give +-6); how often people meet a link "
                    "worker is set from City and Hackney's scheme, not from this trial",
                ),
                Outcome(
                    "engaged_life_satisfaction_gain",
                    "Engaged patients' life satisfaction at 9 months, referred minus comparison",
                    "points (0-10)",
                    evidence.ENGAGED_LIFE_SATISFACTION_GAIN,
                    lambda c: float(
                        (
                            c.at("life_satisfaction", 39, "arm")
                            - c.at("life_satisfaction", 39, "twin")
                        )[engaged(c, 12)].mean()
                    ),
                    test="above",
                    note="a direction: the engaged gain",
                ),
            ),
            levers=("outreach/link_worker", "outreach/champions", "outreach/faith_centre"),
            followed=(
                "activity_minutes",
                "life_satisfaction",
                "lonely",
                "went",
                "member_kind",
                "link_worker_contacts",
            ),
        )
    )

    # How often people meet a link worker, set from City and Hackney's scheme (by construction).
    link_workers_for_a_year = six_link_workers(1.0)

    def meetings(c: Cohort) -> np.ndarray:
        return c.at("link_worker_contacts", 25)

    one_chance = (
        "one chance of another meeting a week is set from both figures, so it meets neither exactly"
    )
    trials.append(
        Trial(
            "link_worker_meetings",
            "How often people meet their link worker",
            evidence.CITY_AND_HACKNEY,
            "the default town (30,000 adults), its most deprived fifth, with 6 link workers for "
            "a year",
            "adults of the most deprived quintile not in a group, first seen in the workers' "
            "first 26 weeks",
            "link workers who see each person again each week with the set chance "
            "(interventions.contact_continue)",
            "none: meetings counted in the arm",
            "26 weeks after each was first seen",
            link_workers_for_a_year,
            seen_by_outreach,
            26,
            26,
            (
                Outcome(
                    "link_worker_one_meeting",
                    "Seen by a link worker, met them once in 26 weeks",
                    "share",
                    evidence.LINK_WORKER_ONE_MEETING,
                    lambda c: share(meetings(c) == 1),
                    low=0.332,
                    high=0.432,
                    interval_source="+-5 points (judgement)",
                    note=one_chance,
                    by_construction=True,
                ),
                Outcome(
                    "link_worker_over_five_meetings",
                    "Seen by a link worker, met them more than five times in 26 weeks",
                    "share",
                    evidence.LINK_WORKER_OVER_FIVE_MEETINGS,
                    lambda c: share(meetings(c) > 5),
                    low=0.074,
                    high=0.174,
                    interval_source="+-5 points (judgement)",
                    note=one_chance,
                    by_construction=True,
                ),
            ),
            levers=("outreach/link_worker",),
            followed=("link_worker_contacts",),
        )
    )

    # Exercise referral against usual care: inactive adults a GP refers to a scheme with places.
    # The scheme's sessions carry on after its funding, as a leisure centre's gym and pool do when
    # someone's referral ends. Until December 2026 they closed with the funding, so at 12 months 5%
    # of the referred still went and g was 0.03; changed after seeing that miss, because real
    # schemes use sessions that go on (docs/calibration.md says so).
    def exercise_referral(parameters):
        places = SeedFunding(
            name="the scheme's sessions",
            budget_gbp=60_000,
            grant_gbp=10_000,
            chooser="commissioner",
            group_types=["gym_weight_loss", "walk_and_talk", "swim"],
            target="universal",
            funding_years=0.7,
        )
        gp = Outreach(
            name="GP referral", channel="gp_referral", workers=4, target="not_active", end_year=0.25
        )
        return default_town(parameters, 30_000, 1.5, [places, gp])

    funnel_source = "docs/evidence/referral_funnel.md"
    trials.append(
        Trial(
            "exercise_referral",
            "Exercise referral against usual care",
            "Pavey et al., BMJ 2011;343:d6462; Mino et al., IJBNPA 2024 (doi "
            "10.1186/s12966-024-01623-5); Murphy et al., JECH 2012 (doi "
            "10.1136/jech-2011-200689); funnel: Pavey et al., JECH 2012;66:737 and Hanson et "
            "al., BMJ Open 2013;3:e002849",
            "the default town (30,000 adults) with a referral scheme's programme: 6 groups (gym, "
            "walking, swimming) funded for 37 weeks, so that everyone referred has 24 weeks of it; "
            "then the sessions carry on at the usual charges where they pay their way, as a "
            "leisure centre's do, and those referred carry on in them or elsewhere, if they do",
            "adults short of the guidelines (under 150 minutes a week) not in a group, as the trials' sedentary adults",
            "GP referral (4 full-time equivalents for 13 weeks) with a supported first visit",
            "the same residents in the baseline twin (usual care)",
            "12 months (52 weeks) after each referral; the funnel at 12 and 24 weeks",
            exercise_referral,
            seen_by_outreach,
            13,
            52,
            (
                Outcome(
                    "funnel_started",
                    "Referred who start (a first session within 12 weeks)",
                    "share",
                    evidence.FUNNEL_STARTED,
                    funnel_stage("started"),
                    low=0.56,
                    high=0.81,
                    note=f"routine UK schemes 56-81% ({funnel_source})",
                ),
                Outcome(
                    "funnel_at_12_weeks",
                    "Referred still attending 12 weeks on",
                    "share",
                    evidence.FUNNEL_AT_12_WEEKS,
                    funnel_stage("at_12_weeks"),
                    low=0.33,
                    high=0.53,
                    note="a session in the 4 weeks up to week 12; tolerance +-10 points "
                    "(judgement; pooled adherence 43-49%, Pavey 2012)",
                ),
                Outcome(
                    "funnel_at_24_weeks",
                    "Referred still attending 24 weeks on",
                    "share",
                    evidence.FUNNEL_AT_24_WEEKS,
                    funnel_stage("at_24_weeks"),
                    low=0.248,
                    high=0.448,
                    interval_source="+-10 points (judgement; about 20% of starters completed in "
                    "UK schemes, Gidlow et al. 2005)",
                    note="a session in the 4 weeks up to week 24",
                ),
                Outcome(
                    "rr_90_minutes",
                    "Referred reaching 90 minutes a week at 12 months, relative risk against "
                    "usual care",
                    "ratio",
                    evidence.RR_90_MINUTES,
                    risk_ratio(90, 52),
                    low=1.03,
                    high=1.30,
                ),
                Outcome(
                    "hedges_g_activity",
                    "Referred's weekly activity at 12 months, standardised difference "
                    "(Hedges' g) against usual care",
                    "g",
                    evidence.HEDGES_G_ACTIVITY,
                    hedges_g("activity_minutes", 52),
                    low=0.12,
                    high=0.25,
                ),
                Outcome(
                    "or_active_12_months",
                    "Referred active (150+ minutes a week) at 12 months, odds ratio against "
                    "usual care",
                    "ratio",
                    evidence.OR_ACTIVE_12_MONTHS,
                    odds_ratio(150, 52),
                    low=0.99,
                    high=1.43,
                ),
            ),
            levers=("outreach/gp_referral",),
        )
    )

    # Walking groups: adults who agreed to join new led walks, against not joining.
    def walking(parameters):
        walks = SeedFunding(
            name="new led walks",
            budget_gbp=60_000,
            grant_gbp=10_000,
            chooser="commissioner",
            group_types=["walk_and_talk"],
            target="universal",
            funding_years=2,
        )
        recruit = Outreach(
            name="recruitment",
            channel="link_worker",
            workers=3,
            target="everyone",
            uptake=1.0,
            group_types=["walk_and_talk"],
            end_year=0.25,
        )
        return default_town(parameters, 30_000, 1.25, [walks, recruit])

    trials.append(
        Trial(
            "walking_groups",
            "Walking groups: activity of those recruited, against control",
            "Kassavou et al., IJBNPA 2013 (doi 10.1186/1479-5868-10-18)",
            "the default town (30,000 adults) with 6 new led walks funded for 2 years",
            "adults not in a group who agree to take part when asked (the trials' volunteers)",
            "recruitment into the new walks with a supported first walk, for 13 weeks",
            "the same residents in the baseline twin",
            "6 months (26 weeks) after recruitment",
            walking,
            referred,
            13,
            26,
            (
                Outcome(
                    "walking_activity_d",
                    "Recruits' weekly activity at 6 months, standardised difference against "
                    "control",
                    "d",
                    evidence.WALKING_ACTIVITY_D,
                    hedges_g("activity_minutes", 26),
                    low=0.32,
                    high=0.71,
                ),
            ),
            levers=("seed_funding", "low_impact", "walk_to_5k"),
        )
    )

    # A new leisure centre: inactive adults of the town, followed through its first year.
    def leisure_centre(parameters):
        from healthgap.scenarios import build_place

        scenario = default_town(parameters, 30_000, 1.1, [])
        town = build_place(scenario)
        centre = str(town.node_array("code")[int(np.argmax(town.population))])
        sessions = SeedFunding(
            name="new leisure centre",
            budget_gbp=200_000,
            grant_gbp=10_000,
            chooser="commissioner",
            group_types=["swim", "swim", "gym_weight_loss"],
            neighbourhoods=[centre],
            funding_years=3,
        )
        return scenario.model_copy(update={"interventions": [sessions]})

    def inactive(m):
        return m.people.activity_minutes < 30

    centre_visits = ("went_to_new",)
    trials.append(
        Trial(
            "leisure_centre",
            "A new recreation centre: use by inactive adults in its first year",
            "Smith et al., IJBNPA 2019;16:59 (doi 10.1186/s12966-019-0823-4)",
            "the default town (30,000 adults) and a new centre in its largest neighbourhood: 20 "
            "weekly sessions (swimming and gym, 400 places) at the usual charges",
            "inactive adults (under 30 minutes a week) of the whole town, as the study recruited "
            "Frankston's before the centre opened",
            "the centre opens in week 1; people hear of it as they hear of any group",
            "none: use of the centre itself, counted in the arm",
            "12 months (52 weeks)",
            leisure_centre,
            once(inactive),
            1,
            52,
            (
                Outcome(
                    "centre_never_used",
                    "Inactive adults who never used the new centre in its first year",
                    "share",
                    evidence.CENTRE_NEVER_USED,
                    lambda c: share(c.during("went_to_new", 0, 51).sum(axis=1) == 0),
                    low=0.658,
                    high=0.818,
                    interval_source="+-8 points (judgement: n=549 gives +-4)",
                ),
                Outcome(
                    "centre_monthly_or_more",
                    "Inactive adults who used the new centre monthly or more (12+ visits a year)",
                    "share",
                    evidence.CENTRE_MONTHLY_OR_MORE,
                    lambda c: share(c.during("went_to_new", 0, 51).sum(axis=1) >= 12),
                    low=0.047,
                    high=0.127,
                    interval_source="+-4 points (judgement: n=549 gives +-2.4)",
                ),
            ),
            levers=("seed_funding", "low_impact"),
            followed=centre_visits,
        )
    )

    # Walking-group retention: everyone who joins a walk-and-talk group, a year on.
    trials.append(
        Trial(
            "walking_retention",
            "Walking-group members still taking part a year on",
            "Gregory et al. (Heart Foundation Walking), IJBNPA 2017",
            "the default town at 200,000 adults, no lever",
            "residents who join a walk-and-talk group (their first session)",
            "none: they joined by themselves, as the programme's registrants did",
            "none (a cohort)",
            "a year (52 weeks) after joining",
            lambda parameters: default_town(parameters, 200_000, 1.5, []),
            joined("walk_and_talk"),
            26,
            52,
            (
                Outcome(
                    "walking_retention_after_year",
                    "New walking-group members still in one a year on",
                    "share",
                    evidence.WALKING_RETENTION_AFTER_YEAR,
                    lambda c: share(c.at("member_kind", 52) == TYPE_INDEX["walk_and_talk"]),
                    low=0.65,
                    high=1.0,
                    note="'at least 75%', with 10 points' tolerance below (judgement); the "
                    "study's walkers were in an organised programme",
                ),
            ),
            paired=False,
            followed=("member_kind", "went"),
            levers=("seed_funding", "walk_to_5k"),
        )
    )

    # parkrun: new registrants, before and after (no comparison arm in either study).
    trials.append(
        Trial(
            "parkrun",
            "New parkrunners, before and after",
            "Stevinson & Hickson, J Public Health 2019 (doi 10.1093/pubmed/fdy178); Haake, "
            "Quirk & Bullas, PLOS Global Public Health 2024",
            "the default town at 200,000 adults, no lever",
            "residents who run their first parkrun in a year",
            "none: they registered by themselves",
            "none (before and after)",
            "6 and 12 months after the first run",
            lambda parameters: default_town(parameters, 200_000, 2.0, []),
            joined("parkrun"),
            52,
            52,
            (
                Outcome(
                    "parkrun_life_satisfaction_gain",
                    "New parkrunners' life satisfaction, six months on minus before",
                    "points (0-10)",
                    evidence.PARKRUN_LIFE_SATISFACTION_GAIN,
                    change_since_enrolment("life_satisfaction", 26),
                    low=0.157,
                    high=0.357,
                    note="those who stop included; tolerance +-0.10 (judgement)",
                ),
                Outcome(
                    "parkrun_minutes_12_months",
                    "New parkrunners' weekly activity, 12 months on minus at registration",
                    "minutes a week",
                    evidence.PARKRUN_MINUTES_12_MONTHS,
                    change_since_enrolment("activity_minutes", 52),
                    low=19.0,
                    high=59.0,
                    note="tolerance +-20 minutes (judgement: no interval published)",
                ),
            ),
            paired=False,
            levers=("walk_to_5k",),
        )
    )

    # Free bus travel for residents near the eligibility age for a pass.
    def free_bus(parameters):
        from healthgap.scenarios import build_place

        scenario = default_town(parameters, 30_000, 1.0, [])
        codes = [str(c) for c in build_place(scenario).node_array("code")]
        bus = Transport(name="free buses", mode="fare_subsidy", neighbourhoods=codes)
        return scenario.model_copy(update={"interventions": [bus]})

    def near_eligibility_age(m):
        return m.people.age_band == AGE_55_74

    trials.append(
        Trial(
            "free_bus",
            "Free bus travel for older people",
            "Reinhard et al., JECH 2018 (doi 10.1136/jech-2017-210038)",
            "the default town (30,000 adults)",
            "adults aged 55-74, with a car or without (the study: everyone in ELSA near the "
            "eligibility age of 60-65; the model's nearest age band)",
            "free buses everywhere in town, from week 1",
            "the same residents in the baseline twin (the study: those not yet eligible, by "
            "the eligibility age)",
            "a year",
            free_bus,
            once(near_eligibility_age),
            1,
            52,
            (
                Outcome(
                    "bus_use",
                    "Residents aged 55-74 who took a bus in the last 4 weeks, free minus fares",
                    "share",
                    evidence.BUS_USE,
                    lambda c: float(
                        (c.during("rode_bus", 48, 51, "arm").max(axis=1)).mean()
                        - (c.during("rode_bus", 48, 51, "twin").max(axis=1)).mean()
                    ),
                    low=0.064,
                    high=0.096,
                    note="a bus out (model/outings.py) or to a group; the study's outcome is "
                    "any use of public transport, trains included",
                ),
                Outcome(
                    "bus_lonely",
                    "Residents aged 55-74 often lonely after a year, free minus fares",
                    "share",
                    evidence.BUS_LONELY,
                    itt("lonely", 51),
                    test="below",
                    note="a direction: lower. That getting out lowers loneliness at all is an "
                    "assumption (wellbeing.loneliness_outing_weight); this tests the chain from "
                    "fare to trips to loneliness, not the weight's size",
                ),
            ),
            followed=("lonely", "went", "rode_bus"),
            levers=("transport/fare_subsidy", "transport/bus_route", "transport/more_buses"),
        )
    )

    # Big Local: a resident-led fund in a deprived area, against the same area without it.
    def big_local(years):
        """The Big Local scenario over `years`, given the parameters."""

        def design(parameters):
            scenario = as_scenario("big_local")
            update = {"years": years, "parameters": scenario.parameters | parameters}
            return as_scenario(scenario.model_copy(update=update))

        return design

    def in_big_local_area(m):
        return np.isin(m.people.neighbourhood, m.interventions[0][1].places)

    trials.append(
        Trial(
            "big_local",
            "Big Local: resident-led funds in deprived areas, difference in differences",
            "Popay et al., NIHR Public Health Research 2023 (doi 10.3310/GRMA6711)",
            "the Big Local scenario: one area of 5 deprived neighbourhoods in a town of 12,000 "
            "adults",
            "every adult living in the funded area",
            "GBP 1.15m over 10 years in yearly rounds, spent as residents chose",
            "the same area in the baseline twin (the study: matched comparison areas)",
            "4 years",
            big_local(5),
            once(in_big_local_area),
            1,
            208,
            (
                Outcome(
                    "population_low_life_satisfaction",
                    "Adults in the area with low life satisfaction (0-4) after 4 years, funded "
                    "minus comparison",
                    "share",
                    evidence.POPULATION_LOW_LIFE_SATISFACTION,
                    itt("low_life_satisfaction", 207),
                    low=-0.024,
                    high=0.007,
                    note="the model has no anxiety: low life satisfaction stands in for it",
                ),
                Outcome(
                    "involved_gain",
                    "Residents who took part in groups, life satisfaction after 4 years, funded "
                    "minus comparison",
                    "points (0-10)",
                    evidence.INVOLVED_GAIN,
                    lambda c: float(
                        (
                            c.at("life_satisfaction", 207, "arm")
                            - c.at("life_satisfaction", 207, "twin")
                        )[c.during("went", 0, 207, "arm").sum(axis=1) >= 10].mean()
                    ),
                    test="above",
                    note="involved: 10 or more sessions in the arm; a direction",
                ),
            ),
            followed=("life_satisfaction", "low_life_satisfaction", "went"),
            levers=("seed_funding",),
        )
    )

    # Big Local's Census finding: the same area, ten years on, with and without the fund.
    trials.append(
        Trial(
            "big_local_census",
            "Big Local: 'very good' health in the funded areas between two Censuses",
            "Big Local case study (shared EVIDENCE.md), from the Census 2011 and 2021",
            "the Big Local scenario: one area of 5 deprived neighbourhoods in a town of 12,000 "
            "adults",
            "every adult living in the funded area at the start",
            "GBP 1.15m over 10 years in yearly rounds, spent as residents chose",
            "the same area in the baseline twin, which stays where it started (the published "
            "comparison: England as a whole, whose share rose from 45.0% to 47.5%)",
            "10 years (a Census apart)",
            big_local(10),
            once(in_big_local_area),
            1,
            519,
            (
                Outcome(
                    "big_local_very_good_health_rise",
                    "Adults of the area in very good health after 10 years, funded minus "
                    "comparison",
                    "percentage points",
                    evidence.BIG_LOCAL_VERY_GOOD_HEALTH_RISE,
                    lambda c: 100 * itt("very_good_health", 519)(c),
                    test="above",
                    note="a direction: the areas' own rise is not given, so its size is not "
                    "compared. The model follows the same adults; a Census counts whoever lives "
                    "there, movers too. England's rise (2.5 points) came from outside the model, "
                    "which the twin leaves out, so funded minus twin is the rise beyond England's",
                ),
            ),
            followed=("very_good_health",),
            levers=("seed_funding",),
        )
    )

    # The Daily Mile: the children of two primary schools, against the same children without it.
    def daily_mile(parameters):
        scheme = DailyMile(name="the Daily Mile", children=391)
        return default_town(parameters, 30_000, 0.5, [scheme])

    trials.append(
        Trial(
            "daily_mile",
            "The Daily Mile: children's activity against a control school",
            "Chesham et al., BMC Medicine 2018",
            "the default town (30,000 adults), the schools of its most deprived neighbourhoods",
            "391 children at the schools that run it (the study's 391 in two schools)",
            "15 minutes of running or walking each school day, from week 1",
            "the same children in the baseline twin (the study: a control school)",
            "a school term (13 weeks)",
            daily_mile,
            once(lambda m: m.children.daily_mile > 0),
            1,
            13,
            (
                Outcome(
                    "daily_mile_mvpa_minutes",
                    "Children's moderate-to-vigorous activity, minutes a day, Daily Mile minus "
                    "control",
                    "minutes a day",
                    evidence.DAILY_MILE_MVPA_MINUTES,
                    itt("children_minutes", 12),
                    low=5.1,
                    high=13.2,
                    by_construction=True,
                    note="the model's children gain the trial's minutes while their school runs "
                    "it (children.daily_mile_minutes): this shows the lever carries them to the "
                    "outcome, not that they are right",
                ),
            ),
            levers=("daily_mile",),
            followed=("children_minutes",),
            children=True,
        )
    )

    # Joining and leaving a group: older adults with long-term conditions (Salford).
    def older(m):
        return m.people.age_band >= 2

    def stopping_over_starting(c: Cohort) -> float:
        """How much those who stop by 12 months lose against what those who stay gained."""
        ls = c.at("life_satisfaction", 78) - c.at("life_satisfaction", -1)
        stayed = c.during("went", 74, 77).sum(axis=1) > 0
        gain = ls[stayed].mean()
        stopped = c.during("went", 26, 51).sum(axis=1) > 0
        stopped &= c.during("went", 52, 77).sum(axis=1) == 0
        peak = c.at("life_satisfaction", 51) - c.at("life_satisfaction", -1)
        loss = (ls - peak)[stopped].mean()
        return float(loss / gain) if gain > 0 else math.nan

    trials.append(
        Trial(
            "joining_a_group",
            "Starting and stopping taking part in a group",
            "Munford et al., BMJ Open 2020;10:e033186",
            "the default town at 200,000 adults, no lever",
            "adults aged 55 and over who start taking part in a group (the study: 65 and over with long-term conditions)",
            "none: they started by themselves",
            "before and after (the study: doubly robust against those who did not start)",
            "18 months (78 weeks)",
            lambda parameters: default_town(parameters, 200_000, 2.0, []),
            joined(among=older),
            26,
            78,
            (
                Outcome(
                    "joining_gain_18_months",
                    "Life satisfaction 18 months after starting, minus before",
                    "points (0-10)",
                    evidence.JOINING_GAIN_18_MONTHS,
                    change_since_enrolment("life_satisfaction", 78),
                    test="above",
                    note="QALYs are not life satisfaction: a direction",
                ),
                Outcome(
                    "stopping_over_starting",
                    "Loss on stopping over the gain of staying",
                    "ratio",
                    evidence.STOPPING_OVER_STARTING,
                    stopping_over_starting,
                    test="below",
                    threshold=-1.0,
                    note="a ratio of QALY changes set beside one of life satisfaction; below "
                    "-1 means stopping costs more than starting gained (the published finding)",
                ),
            ),
            levers=("seed_funding", "outreach", "low_impact", "directory", "venue_subsidy"),
        )
    )
    return trials


TRIALS: dict[str, Trial] = {t.name: t for t in _declared()}
