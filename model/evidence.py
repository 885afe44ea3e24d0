"""Published figures the model is calibrated against, with their sources.

Every calibration target and prior range used elsewhere is read from here, so
reports and tests cite one table. Figures are copied from shared/EVIDENCE.md.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Figure:
    """One published figure: its value, the population and period, and the source."""

    value: float
    population: str
    source: str


ACTIVE_LIVES = "Sport England, Active Lives Adult Survey"

INACTIVE_PCT = Figure(25.7, "England adults 16+, Nov 2022-23", ACTIVE_LIVES)
FAIRLY_ACTIVE_PCT = Figure(10.9, "England adults 16+, Nov 2022-23", ACTIVE_LIVES)
ACTIVE_PCT = Figure(63.4, "England adults 16+, Nov 2022-23", ACTIVE_LIVES)
INACTIVE_MOST_DEPRIVED_PCT = Figure(
    34.0, "England, most deprived places", "Sport England, Feb 2025"
)
INACTIVE_LEAST_DEPRIVED_PCT = Figure(
    20.0, "England, least deprived places", "Sport England, Feb 2025"
)
ACTIVE_MOST_DEPRIVED_PCT = Figure(55.5, "England, Nov 2023-24", "Active Lives 2023-24")
ACTIVE_LEAST_DEPRIVED_PCT = Figure(68.9, "England, Nov 2023-24", "Active Lives 2023-24")
LIFE_SATISFACTION_MEAN = Figure(
    7.45, "UK, year to Mar 2023", "ONS Annual Population Survey, personal well-being"
)
LOW_LIFE_SATISFACTION_PCT = Figure(
    5.8, "UK, Oct-Dec 2023", "ONS, Measuring progress, well-being and beyond GDP (May 2024)"
)
LONELY_PCT = Figure(7.0, "England 2023/24", "DCMS Community Life Survey")
LONELY_RATIO = Figure(
    1.5,
    "often or always lonely, most vs least deprived areas (over-50s; applied to all ages)",
    "Victor & Pikhartova, BMC Public Health 2020 (over 50% more likely); Community Life Survey "
    "2019/20",
)
NO_CAR_POOREST_PCT = Figure(37.0, "UK 2019/20, poorest fifth", "Health Foundation evidence hub")
NO_CAR_RICHEST_PCT = Figure(8.3, "UK 2019/20, richest fifth", "Health Foundation evidence hub")
MEMBERS_PER_DINER = Figure(
    1.32,
    "Sheffield's 60 council-funded lunch clubs, 2014-15: about 1,788 members aged 65+ (29.8 a "
    "club) and 63,305 meals over 2,804 sessions (22.6 a session)",
    "White, The Impact of Lunch Clubs for Older People in Sheffield, Sheffield City Council, "
    "April 2016",
)
ACTIVE_LIVES_CYP = "Sport England, Active Lives Children and Young People Survey 2023-24"
CYP_POPULATION = "England, children aged 5-16, academic year 2023-24"
CHILDREN_ACTIVE_PCT = Figure(47.8, f"{CYP_POPULATION}: 60 minutes a day or more", ACTIVE_LIVES_CYP)
CHILDREN_FAIRLY_ACTIVE_PCT = Figure(
    22.7, f"{CYP_POPULATION}: 30-59 minutes a day", ACTIVE_LIVES_CYP
)
CHILDREN_LESS_ACTIVE_PCT = Figure(
    29.6, f"{CYP_POPULATION}: under 30 minutes a day", ACTIVE_LIVES_CYP
)
CHILDREN_ACTIVE_LOW_AFFLUENCE_PCT = Figure(
    45.0, f"{CYP_POPULATION}, low family affluence: active", ACTIVE_LIVES_CYP
)
CHILDREN_ACTIVE_MEDIUM_AFFLUENCE_PCT = Figure(
    47.0, f"{CYP_POPULATION}, medium family affluence: active", ACTIVE_LIVES_CYP
)
CHILDREN_ACTIVE_HIGH_AFFLUENCE_PCT = Figure(
    57.0, f"{CYP_POPULATION}, high family affluence: active", ACTIVE_LIVES_CYP
)
DAILY_MILE_MVPA_MINUTES = Figure(
    9.1,
    "391 children of two primary schools: moderate-to-vigorous activity a day, intervention "
    "against control school (95% CI 5.1-13.2)",
    "Chesham et al., BMC Medicine 2018",
)
CENSUS_HEALTH = (
    "ONS, Census 2021: general health ('very good' of very good, good, fair, bad, very bad)"
)
VERY_GOOD_HEALTH_PCT = Figure(
    47.5,
    "England, Census 2021: usual residents of every age, age-standardised (45.0% in 2011); the "
    "model has adults only and applies it to them",
    CENSUS_HEALTH,
)
VERY_GOOD_HEALTH_2011_PCT = Figure(45.0, "England, Census 2011, age-standardised", CENSUS_HEALTH)
HEALTH_BY_DEPRIVATION = "ONS, General health by age, sex and deprivation, Census 2021"
VERY_GOOD_HEALTH_MOST_DEPRIVED_55_59_PCT = Figure(
    19.8, "England, Census 2021, ages 55-59, most deprived IMD decile", HEALTH_BY_DEPRIVATION
)
VERY_GOOD_HEALTH_LEAST_DEPRIVED_55_59_PCT = Figure(
    46.0, "England, Census 2021, ages 55-59, least deprived IMD decile", HEALTH_BY_DEPRIVATION
)
JOURNEY_TIME_SOURCE = "DfT Journey time statistics, England 2019 (published November 2021)"
# Average minimum minutes from home to the nearest of 8 key services (the model's groups are not
# those services: a comparison of scale, not a calibration target).
NEAREST_SERVICE_WALK_MIN = Figure(28, "England 2019, walking only", JOURNEY_TIME_SOURCE)
NEAREST_SERVICE_PT_WALK_MIN = Figure(
    18, "England 2019, public transport or walking", JOURNEY_TIME_SOURCE
)
NEAREST_SERVICE_CAR_MIN = Figure(10, "England 2019, by car", JOURNEY_TIME_SOURCE)
CLOSE_FRIENDS_SOURCE = "YouGov Friendship Study, Great Britain 2021"
# close friends: none / one / 2-3 / 4-5 / 6+ (the 3% who did not answer are spread pro rata)
CLOSE_FRIENDS = {(0, 0): 7.0, (1, 1): 12.0, (2, 3): 41.0, (4, 5): 21.0, (6, 10): 16.0}

PARKRUN_LIFE_SATISFACTION_GAIN = Figure(
    0.257,
    "548 new UK parkrunners, after 6 months (7.489 -> 7.746)",
    "Haake, Quirk & Bullas, PLOS Global Public Health 2024",
)
PARKRUN_RATE_RATIO_PER_KM = Figure(
    0.921,
    "32,844 English LSOAs and 455 parkrun events, 2018: each LSOA's runs Poisson-regressed on "
    "the km from its centroid to the nearest event, adjusted for IMD score (95% CI 0.921-0.922)",
    "Schneider, Smith, Bullas et al., Public Health 189:48-53 (2020); preprint medRxiv "
    "10.1101/19004143",
)
# How groups opened by small grants fare once the grant ends. No English micro-grant scheme
# published follow-up figures that could be found; the ranges below pool the nearest studies
# (notes in docs/evidence/group_survival.md), so a calibration targets their middles with a
# tolerance of half the range.
GRANT_SURVIVAL_SOURCES = (
    "pooled: RWJF Local Initiative Funding Partners (Mathematica 2002-03: 86-92% ran at least a "
    "year after funding, 75-80% in 2002); Near Neighbours (Church Urban Fund 2014, GBP 250-5,000 "
    "grants: 90% still meet, self-reported); US Dept of Education recreation projects (66-83% "
    "1-3 years after funding); O'Loughlin et al., Prev Med 1998 (44% of 189 community "
    "heart-health interventions 'very permanent'); Mankowski et al. (median life of peer-led "
    "groups 4.5 years)"
)
GRANT_GROUPS_RUNNING_1Y_PCT = Figure(
    82.5,
    "groups opened by small grants, 1 year after funding ended (75-90%)",
    GRANT_SURVIVAL_SOURCES,
)
GRANT_GROUPS_RUNNING_2Y_PCT = Figure(
    70.0,
    "groups opened by small grants, 2 years after funding ended (60-80%)",
    GRANT_SURVIVAL_SOURCES,
)
GRANT_GROUPS_RUNNING_5Y_PCT = Figure(
    47.5,
    "groups opened by small grants, 5 years after funding ended (35-60%)",
    GRANT_SURVIVAL_SOURCES,
)
GRANT_GROUPS_NOT_SMALLER_PCT = Figure(
    80.0,
    "groups still meeting after a Near Neighbours grant (GBP 250-5,000, about 6 months) that "
    "grew or stayed the same size; self-reported, years after the grant not stated",
    "Church Urban Fund, Near Neighbours sustainability (2014)",
)
WALKING_RETENTION_AFTER_YEAR = Figure(
    0.75,
    "22,416 registrants, Australia: at least 75% still taking part after a year, in every "
    "demographic group",
    "Gregory et al. (Heart Foundation Walking), IJBNPA 2017",
)
FRIEND_CONTAGION_RISE = Figure(0.57, "Framingham", "Christakis & Fowler, NEJM 2007")
LEAMINGTON_FORMED_CONNECTIONS = Figure(
    0.85, "142 patients surveyed, Leamington 2025", "Leamington case study (EVIDENCE.md)"
)

WELLBY_VALUE_GBP = Figure(
    13_000, "2019 prices", "HM Treasury Green Book supplementary guidance on wellbeing, July 2021"
)
WELLBY_VALUE_RANGE_GBP = (10_000, 16_000)
WELLBY_DISCOUNT_RATE = Figure(
    0.015,
    "a year, for wellbeing and health effects (the Green Book rate without its wealth term)",
    "HM Treasury Green Book (2022) and its supplementary guidance on wellbeing, July 2021",
)

# Active Lives categories, minutes of moderate-equivalent activity a week.
FAIRLY_ACTIVE_MINUTES = 30
ACTIVE_MINUTES = 150
# The Chief Medical Officers' guideline for children: 60 minutes a day on average; Active Lives
# CYP counts 30-59 as fairly active.
CHILDREN_ACTIVE_MINUTES = 60
CHILDREN_FAIRLY_ACTIVE_MINUTES = 30
# ONS "low" life satisfaction is an answer of 0-4 on the 0-10 scale.
LOW_LIFE_SATISFACTION_BELOW = 4.5
# A group is within reach of someone without a car when the door-to-door trip (the quicker of
# walking and the bus) takes this many minutes or fewer: the threshold of the DfT Journey Time
# Statistics' indicators of access to key services "within 30 minutes by public
# transport/walking" (destination indicators: the share of users who can reach a service;
# origin indicators: how many services they can reach). A definition, not an assumption to vary.
ACCESS_MINUTES = 30


def quintile_targets() -> dict[str, list[float]]:
    """Calibration targets by IMD quintile (1 = most deprived), in percent.

    The ends are published (34% vs 20% inactive; 55.5% vs 68.9% active); the
    middle quintiles are interpolated so that equal quintiles average to the
    national figures (assumption: a smooth gradient).
    """
    inactive = [34.0, 28.0, 25.0, 22.0, 20.0]  # mean 25.8 vs 25.7 published
    active = [55.5, 61.3, 64.5, 67.0, 68.9]  # mean 63.4 vs 63.4 published
    return {
        "inactive_pct": inactive,
        "active_pct": active,
        "fairly_active_pct": [100 - i - a for i, a in zip(inactive, active, strict=True)],
    }


def children_quintile_targets() -> dict[str, list[float]]:
    """Children's activity targets by IMD quintile (1 = most deprived), in percent.

    Active Lives CYP reports activity by family affluence, not by area deprivation: IMD quintile
    stands in for it (assumption), quintile 1 as low affluence, 2-4 medium and 5 high (the
    survey's groups are not equal fifths, so equal quintiles average 48.6% active against the
    published 47.8%). The rest split between less and fairly active as they do nationally
    (assumption: the survey gives no split by affluence)."""
    by_affluence = {
        "low": CHILDREN_ACTIVE_LOW_AFFLUENCE_PCT.value,
        "medium": CHILDREN_ACTIVE_MEDIUM_AFFLUENCE_PCT.value,
        "high": CHILDREN_ACTIVE_HIGH_AFFLUENCE_PCT.value,
    }
    active = [by_affluence[a] for a in ("low", "medium", "medium", "medium", "high")]
    less, fairly = CHILDREN_LESS_ACTIVE_PCT.value, CHILDREN_FAIRLY_ACTIVE_PCT.value
    less_share = less / (less + fairly)
    return {
        "children_active_pct": active,
        "children_less_active_pct": [(100 - a) * less_share for a in active],
        "children_fairly_active_pct": [(100 - a) * (1 - less_share) for a in active],
    }


# Virtual trials (experiments/trials.py): what controlled and quasi-experimental evaluations of
# the levers found, each as its study measured it.
ITT_LIFE_SATISFACTION = Figure(
    0.0,
    "288 referred vs 612 comparison patients: no difference in any outcome at 9 months",
    "Mercer et al., Annals of Family Medicine 2019;17:518 (doi 10.1370/afm.2429)",
)
ITT_LONELY = Figure(
    0.0,
    "288 referred vs 612 comparison patients: no difference in social outcomes at 9 months",
    "Mercer et al., Annals of Family Medicine 2019 (doi 10.1370/afm.2429); Kiely et al., BMJ "
    "Open 2022 (doi 10.1136/bmjopen-2022-062951): little or no difference in social contacts",
)
ENGAGED_SHARE = Figure(
    0.45,
    "Glasgow: 45% of those referred saw the link worker 3 or more times",
    "Mercer et al., Annals of Family Medicine 2019;17:518 (doi 10.1370/afm.2429)",
)
CITY_AND_HACKNEY = (
    "Bertotti & Hutt, Social prescribing in City and Hackney: lessons from implementation and "
    "evaluation (slides; City and Hackney CCG's Shine 2014 project, University of East London, "
    "Health Foundation final report September 2015)"
)
LINK_WORKER_ONE_MEETING = Figure(
    0.382,
    "737 patients referred to 3 social prescribing coordinators, 2014-15: 11% did not come, 34% "
    "came once (0.382 of those who came)",
    CITY_AND_HACKNEY,
)
LINK_WORKER_OVER_FIVE_MEETINGS = Figure(
    0.124,
    "the same 737: 11% came more than five times (0.124 of those who came)",
    CITY_AND_HACKNEY,
)
ENGAGED_LIFE_SATISFACTION_GAIN = Figure(
    0.0,
    "improvements only among those who saw the link worker 3 or more times",
    "Mercer et al., Annals of Family Medicine 2019;17:518 (doi 10.1370/afm.2429)",
)
FUNNEL_STARTED = Figure(
    0.66,
    "uptake of exercise referral, 20 studies (95% CI 57-75% observational; 81% in trials)",
    "Pavey et al., JECH 2012;66:737 (doi 10.1136/jech-2011-200354)",
)
FUNNEL_AT_12_WEEKS = Figure(
    0.433,
    "2,233 referred, Northumberland: 968 attending at 12 weeks",
    "Hanson et al., BMJ Open 2013;3:e002849",
)
FUNNEL_AT_24_WEEKS = Figure(
    0.348,
    "2,233 referred, Northumberland: 777 completed the 24 weeks",
    "Hanson et al., BMJ Open 2013; about 20% of starters completed in UK "
    "schemes, Gidlow et al. 2005",
)
RR_90_MINUTES = Figure(
    1.16, "meta-analysis of 8 RCTs (95% CI 1.03-1.30)", "Pavey et al., BMJ 2011;343:d6462"
)
HEDGES_G_ACTIVITY = Figure(
    0.18,
    "11 RCTs, n=5,046 (95% CI 0.12-0.25)",
    "Mino et al., IJBNPA 2024 (doi 10.1186/s12966-024-01623-5)",
)
OR_ACTIVE_12_MONTHS = Figure(
    1.19,
    "Wales National Exercise Referral Scheme, pragmatic RCT, n=2,160 (95% CI 0.99-1.43)",
    "Murphy et al., JECH 2012 (doi 10.1136/jech-2011-200689)",
)
WALKING_ACTIVITY_D = Figure(
    0.52,
    "meta-analysis of 19 studies, n=4,572 (95% CI 0.32-0.71)",
    "Kassavou et al., IJBNPA 2013 (doi 10.1186/1479-5868-10-18)",
)
PARKRUN_MINUTES_12_MONTHS = Figure(
    39.0,
    "354 new registrants, prospective, 12 months",
    "Stevinson & Hickson, J Public Health 2019 (doi 10.1093/pubmed/fdy178)",
)
UNDERSTANDING_SOCIETY_BUS = (
    "NatCen and UWE for DfT, Access to Transport and Life Opportunities (2019), section 4.2.3, "
    "from Understanding Society 2014-15"
)
BUS_WEEKLY_PCT = Figure(
    25.0,
    "England adults 16+, 2014-15: use a bus often (at least once a week)",
    UNDERSTANDING_SOCIETY_BUS,
)
BUS_MONTHLY_PCT = Figure(
    39.0,
    "England adults 16+, 2014-15: use a bus at least once a month (25% often and 14% sometimes)",
    UNDERSTANDING_SOCIETY_BUS,
)
BUS_USE = Figure(
    0.08,
    "English Longitudinal Study of Ageing: eligibility raises public "
    "transport use by 8 points (6.4-9.6)",
    "Reinhard et al., JECH 2018 (doi 10.1136/jech-2017-210038)",
)
BUS_LONELY = Figure(
    0.0,
    "instrumented on the eligibility age: the pass lowers loneliness",
    "Reinhard et al., JECH 2018 (doi 10.1136/jech-2017-210038)",
)
POPULATION_LOW_LIFE_SATISFACTION = Figure(
    -0.008,
    "150 areas: population change in 'high anxiety' -0.8 points (-2.4 to 0.7), not significant",
    "Popay et al., NIHR Public Health Research 2023 (doi 10.3310/GRMA6711)",
)
INVOLVED_GAIN = Figure(
    0.0,
    "mental health improved among involved residents",
    "Popay et al., NIHR Public Health Research 2023 (doi 10.3310/GRMA6711)",
)
BIG_LOCAL_VERY_GOOD_HEALTH_RISE = Figure(
    0.0,
    "about 150 Big Local areas, Census 2011 to 2021: a larger rise in 'very good' health than "
    "England as a whole (England: 45.0% to 47.5%); a direction, the areas' own rise not given",
    "Big Local case study (shared EVIDENCE.md), from the Census 2011 and 2021",
)
JOINING_GAIN_18_MONTHS = Figure(
    0.0,
    "Salford, n=4,377: starting raised QALYs by 0.056 (0.017-0.094) at 18 months",
    "Munford et al., BMJ Open 2020;10:e033186",
)
CENTRE_NEVER_USED = Figure(
    0.738,
    "549 inactive adults of Frankston (Melbourne) recruited before a new recreation centre "
    "opened: 73.8% did not use it in 12 months (17.5% less than monthly)",
    "Smith et al., IJBNPA 2019;16:59 (doi 10.1186/s12966-019-0823-4)",
)
CENTRE_MONTHLY_OR_MORE = Figure(
    0.087,
    "the same 549 inactive adults: 8.7% used the centre once a month or more over 12 months; "
    "costs of transport and entry were the main barriers",
    "Smith et al., IJBNPA 2019;16:59 (doi 10.1186/s12966-019-0823-4)",
)
STOPPING_OVER_STARTING = Figure(
    -1.8,
    "stopping -0.102 QALYs against starting +0.056 at 18 months",
    "Munford et al., BMJ Open 2020;10:e033186",
)

# Published returns of a kind of programme, to set a scenario's benefit-cost ratio beside.
SOCIAL_PRESCRIBING_RETURN = Figure(
    2.90,
    "social return on investment of social prescribing schemes, GBP per GBP 1 (range 2.14-8.56)",
    "Kimberlee (University of the West of England); National Academy for Social Prescribing",
)
SOCIAL_PRESCRIBING_RETURN_RANGE = (2.14, 8.56)
