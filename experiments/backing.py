"""The evidence behind a scenario's answer: which virtual trials back its levers, and how well
the model reproduced them at the last validation (its return beside published returns is
`healthgap.effects.return_check`, part of the comparison).

The last validation's trial rows ship in docs/validation/validation.csv (`healthgap validate
--out docs/validation`, re-made whenever a change moves a trial); a comparison reads them rather
than re-running every trial. They are the default model's verdicts: a comparison made with other
parameters shows them as they are, and its report lists the parameters that differ.
"""

from __future__ import annotations

import csv
import functools
import math
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from .measures import MEASURES
from .trials import TRIALS, Trial

VALIDATION_CSV = Path(__file__).resolve().parents[1] / "docs" / "validation" / "validation.csv"


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


def trials_backing(levers: Iterable[str]) -> list[TrialBacking]:
    """The trials behind a scenario's levers (`ScenarioEffect.levers`), with the last
    validation's verdicts."""
    rows = validated_rows()
    return [_backing(trial, rows) for trial in TRIALS.values() if set(levers) & set(trial.levers)]


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
