"""'About this model': the main assumptions in plain words and where the figures come from,
read from the declared evidence and parameters (never retyped here)."""

from __future__ import annotations

import functools

import solara

from healthgap.model import evidence
from healthgap.model.parameters import Parameters, iter_parameters
from healthgap.viz.formatting import number
from healthgap.viz.workshop import ASSUMPTION_SLIDERS

HOW_IT_WORKS = """
- **Each step is a week.** Every resident who knows of a local group may go: habit, confidence
  and friends who go pull them in; travel time, cost, deprivation and health limits hold them back.
- **Getting there.** People with a car drive; others walk or take the town's buses, whichever
  suits them (a fare weighs more on the deprived). Buses run from the centre out, less often at
  the edge, so crossing town means changing at the centre. How much a journey puts people off is
  fitted to how parkrun attendance falls with distance in England.
  Transport levers change those journeys; the map can show which kinds of group people without a
  car can reach within 30 minutes.
- **Taking part** adds activity, friendships and life satisfaction, and eases loneliness. Without it,
  habits fade and wellbeing drifts back to what a person's circumstances set.
- **Change lasts only through what persists**: habits formed, friendships made, and groups that
  keep going once their funding ends: then volunteers and small charges must cover their costs,
  and a group folds when its organiser leaves and nobody takes over (about half of new groups
  still run five years on, as published studies find).
- **The baseline** is the same town, with the same chance events, without your levers: every
  difference is down to the levers. One run is one possible future, so small differences may be
  chance; the downloadable report says how the comparison was made.
- **Deprivation quintiles** group neighbourhoods by the English Index of Multiple Deprivation:
  quintile 1 is the most deprived fifth, 5 the least.
"""


def figure_name(name: str) -> str:
    """INACTIVE_MOST_DEPRIVED_PCT -> "Inactive most deprived (%)"."""
    units = {"_PCT": " (%)", "_GBP": " (£)"}
    for suffix, unit in units.items():
        if name.endswith(suffix):
            name = name.removesuffix(suffix) + unit
    return name.replace("_", " ").capitalize()


@functools.cache
def sources_markdown() -> str:
    """Published figures the model starts from, and parameters that rest on a published figure."""
    rows = [
        f"| {figure_name(name)} | {number(fig.value)} | {fig.population} | {fig.source} |"
        for name, fig in vars(evidence).items()
        if isinstance(fig, evidence.Figure)
    ]
    declared = list(iter_parameters(Parameters()))
    published = [
        f"| `{path}` | {number(value)} {meta['unit']} | {meta['source']} |"
        for path, value, meta in declared
        if not meta["source"].startswith("assumption")
    ]
    sliders = "\n".join(
        f"- {s.label}: `{s.path}`, {number(s.low)} to {number(s.high)}" for s in ASSUMPTION_SLIDERS
    )
    return "\n".join(
        [
            "#### Published figures the town starts from",
            "| Figure | Value | Population | Source |",
            "|---|---|---|---|",
            *rows,
            "",
            "#### Model settings that rest on a published figure",
            "| Setting | Value | Source |",
            "|---|---|---|",
            *published,
            "",
            f"The other {len(declared) - len(published)} settings are assumptions, each with a "
            "plausible range that the sensitivity analysis explores. The sliders move four of them:",
            "",
            sliders,
        ]
    )


@solara.component
def About():
    """A closed panel the room can open."""
    with solara.Details("About this model: assumptions and sources"):
        solara.Markdown(HOW_IT_WORKS)
        solara.Markdown(sources_markdown())
