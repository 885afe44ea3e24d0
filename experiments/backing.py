"""The evidence behind a scenario's answer: which virtual trials back its levers, how well the
model reproduced them at the last validation, and, where a published range of returns exists
for the kind of programme, whether its benefit-cost ratio falls inside it.

The last validation's trial rows ship in docs/validation/validation.csv (`healthgap validate
--out docs/validation`); a comparison reads them rather than re-running every trial. The page
says which revision they were made at, and says so plainly when they were made with other
parameters than the comparison's.
"""

from __future__ import annotations

import csv
import functools
import math
from dataclasses import dataclass
from pathlib import Path

from healthgap.model import evidence
from healthgap.scenarios import Scenario

from .measures import MEASURES
from .trials import TRIALS, Trial

VALIDATION_CSV = Path(__file__).resolve().parents[1] / "docs" / "validation" / "validation.csv"
SOCIAL_PRESCRIBING_CHANNELS = ("link_worker", "gp_referral")


def lever_keys(scenario: Scenario) -> set[str]:
    """Each lever as "type" and "type/channel or mode"."""
    keys = set()
    for lever in scenario.interventions:
        keys.add(lever.type)
        detail = getattr(lever, "channel", None) or getattr(lever, "mode", None)
        if detail:
            keys.add(f"{lever.type}/{detail}")
    return keys


@dataclass(frozen=True)
class OutcomeCheck:
    """One outcome of a backing trial as the last validation found it."""

    label: str
    status: str  # "calibration target" or "held out"
    agrees: str  # "yes", "no", "not compared", or "not validated" (no shipped row)
    published: str  # the finding: value and interval, or its direction
    model: float | None
    unit: str


@dataclass(frozen=True)
class TrialBacking:
    """A trial whose design speaks to one of the scenario's levers."""

    title: str
    source: str
    outcomes: list[OutcomeCheck]

    @property
    def summary(self) -> str:
        checked = [o for o in self.outcomes if o.agrees in ("yes", "no")]
        agree = sum(o.agrees == "yes" for o in checked)
        fitted = sum(o.status == "calibration target" for o in self.outcomes)
        parts = [
            f"the model agrees on {agree} of {len(checked)} outcomes"
            if checked
            else "not validated yet"
        ]
        if fitted:
            parts.append(f"{fitted} of them fitted")
        return ", ".join(parts)


@functools.cache
def validated_rows(path: Path = VALIDATION_CSV) -> dict[str, dict[str, str]]:
    """The shipped validation's rows by name (empty if there is none)."""
    if not path.exists():
        return {}
    with path.open(newline="", encoding="utf-8") as f:
        return {row["name"]: row for row in csv.DictReader(f)}


def _float(text: str | None) -> float | None:
    try:
        value = float(text) if text not in (None, "") else None
    except ValueError:
        return None
    return value if value is None or math.isfinite(value) else None


def trials_backing(scenario: Scenario) -> list[TrialBacking]:
    """The trials behind the scenario's levers, with the last validation's verdicts."""
    keys = lever_keys(scenario)
    rows = validated_rows()
    return [_backing(trial, rows) for trial in TRIALS.values() if keys & set(trial.levers)]


def _backing(trial: Trial, rows: dict[str, dict[str, str]]) -> TrialBacking:
    checks = []
    for o in trial.outcomes:
        row = rows.get(o.name, {})
        checks.append(
            OutcomeCheck(
                o.label,
                row.get("status") or MEASURES[o.name].status(),
                row.get("within") or "not validated",
                o.finding,
                _float(row.get("model")),
                o.unit,
            )
        )
    return TrialBacking(trial.title, trial.source, checks)


@dataclass(frozen=True)
class ReturnCheck:
    """A scenario's benefit-cost ratio beside the published returns of its kind of programme."""

    kind: str
    published: evidence.Figure
    low: float
    high: float
    bcr: float | None
    text: str

    @property
    def within(self) -> bool | None:
        return None if self.bcr is None else self.low <= self.bcr <= self.high


def return_check(
    scenario: Scenario, bcr: float | None, cost_gbp: float, wellbys: float, started: float | None
) -> ReturnCheck | None:
    """Set the central benefit-cost ratio of a scenario whose every lever is social prescribing
    (link workers or GP referral) beside the published range of its social returns, with a plain
    warning and what drives it when it falls outside. None for other kinds of programme: no
    published range of returns is held for them."""
    levers = scenario.interventions
    if not levers or not all(
        lever.type == "outreach" and lever.channel in SOCIAL_PRESCRIBING_CHANNELS
        for lever in levers
    ):
        return None
    figure = evidence.SOCIAL_PRESCRIBING_RETURN
    low, high = evidence.SOCIAL_PRESCRIBING_RETURN_RANGE
    kind = "social prescribing"
    if bcr is None:
        text = (
            f"No benefit: nothing to set beside the published returns of {kind} "
            f"(GBP {low:.2f} to {high:.2f} per GBP 1)."
        )
        return ReturnCheck(kind, figure, low, high, bcr, text)
    drive = ""
    if started:
        drive = (
            f" It rests on about {started:,.0f} people who started going to a group, at GBP "
            f"{cost_gbp / started:,.0f} of spending and {wellbys / started:.2f} WELLBYs each"
        )
    where = "within" if low <= bcr <= high else ("below" if bcr < low else "above")
    text = (
        f"Its benefit-cost ratio, {bcr:.2f} at the central WELLBY value, is {where} the published "
        f"social returns of {kind} (GBP {low:.2f} to {high:.2f} per GBP 1; {figure.source})."
        f"{drive}."
    )
    if where != "within":
        text += (
            " Treat it with caution: published returns count other benefits and costs than "
            "WELLBYs do, and the model's response to referrals is fitted to exercise referral "
            "(see the trials below)."
        )
    return ReturnCheck(kind, figure, low, high, bcr, text)
