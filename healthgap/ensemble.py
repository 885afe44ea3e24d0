"""Ensembles of parameter sets: what `healthgap calibrate` writes as ensemble.csv, and what
`healthgap compare --ensemble FILE` draws one set from for each replicate.

    trial,behaviour.travel_weight,behaviour.discovery_minutes
    12,0.21,24.5
    30,0.18,27.0

A column per model parameter by dotted path (model/parameters.py), a row per set; the `trial`
column (the calibration trial a set came from) is optional and only identifies the row. Every
value must lie within its parameter's declared range. Errors name the file, the line or column,
and the fix.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from healthgap.model.errors import InputError
from healthgap.model.parameters import PARAMETERS, Parameters

ENSEMBLE_FILE = "ensemble.csv"
TRIAL = "trial"  # the column naming the calibration trial of a set
STREAM = 0x656E73  # keeps the draw of sets apart from every stream the model draws from
HOW = (
    "An ensemble file is the ensemble.csv that healthgap calibrate writes in its --out folder, "
    "or a CSV with a column per model parameter by dotted path (e.g. behaviour.travel_weight) "
    "and a row per parameter set."
)


@dataclass(frozen=True)
class EnsembleDraws:
    """What a comparison records of its ensemble: the file, how many sets it holds, and the set
    each replicate ran with (numbering the file's sets from 1, in order)."""

    file: str
    sets: int
    drawn: list[int]


@dataclass(frozen=True)
class Ensemble:
    """Parameter sets by dotted path, read from `file` (as the user named it)."""

    file: str
    sets: list[dict[str, float]]

    def draw(self, seed: int, replicates: int) -> EnsembleDraws:
        """The set each replicate runs with: the sets shuffled by a generator seeded from the
        comparison's seed, each used once before any is used again. Drawn before any run, so
        the same seed gives the same sets on any executor and any number of workers, and more
        replicates keep the first ones' sets."""
        rng = np.random.default_rng([seed, STREAM])
        order: list[int] = []
        while len(order) < replicates:
            order += (rng.permutation(len(self.sets)) + 1).tolist()
        return EnsembleDraws(self.file, len(self.sets), order[:replicates])

    def drawn(self, draws: EnsembleDraws) -> list[dict[str, float]]:
        """The parameter sets of `draws`, one per replicate."""
        return [self.sets[n - 1] for n in draws.drawn]


def load_ensemble(path: str | Path) -> Ensemble:
    """Read and check an ensemble file: known parameters, numbers within the declared ranges."""
    where = str(path)
    try:
        with open(path, newline="", encoding="utf-8") as handle:
            lines = list(csv.reader(handle))
    except FileNotFoundError:
        raise InputError("There is no such ensemble file.", where=where, fix=HOW) from None
    except UnicodeDecodeError:
        raise InputError("This is not a text file.", where=where, fix=HOW) from None
    except OSError as error:
        raise InputError.unreadable(path, error) from None
    numbered = [(n, cells) for n, cells in enumerate(lines, 1) if any(c.strip() for c in cells)]
    if not numbered:
        raise InputError("The ensemble file is empty.", where=where, fix=HOW)
    header = [cell.strip() for cell in numbered[0][1]]
    check_header(header, where)
    if len(numbered) == 1:
        raise InputError(
            "The ensemble file has a header and no parameter sets.", where=where, fix=HOW
        )
    sets = [read_set(header, cells, where, n) for n, cells in numbered[1:]]
    return Ensemble(where, sets)


def check_header(header: list[str], where: str) -> None:
    """Each column named once, and each a declared parameter (or `trial`)."""
    twice = sorted({c for c in header if header.count(c) > 1})
    if twice:
        raise InputError(
            f"The column(s) {', '.join(twice)} appear more than once.",
            where=where,
            fix="Name each column once.",
        )
    if not set(header) - {TRIAL}:
        raise InputError("The ensemble file names no parameter.", where=where, fix=HOW)
    for column in header:
        if column == TRIAL or column in PARAMETERS:
            continue
        try:  # the override's own check names the unknown part and the closest parameter
            Parameters().with_overrides({column: 0})
        except InputError as error:
            raise InputError(
                error.problem, where=f"{where}: column '{column}'", fix=error.fix
            ) from None


def read_set(header: list[str], cells: list[str], where: str, line: int) -> dict[str, float]:
    """One row: a number within the declared range for each parameter."""
    if len(cells) != len(header):
        raise InputError(
            f"Line {line} has {len(cells)} value(s) where the header names {len(header)}.",
            where=where,
            fix="Give one value per column on every line.",
        )
    values = {}
    for column, cell in zip(header, cells, strict=True):
        if column == TRIAL:
            continue
        at = f"{where}: line {line}, column '{column}'"
        if not cell.strip():
            raise InputError("There is no value.", where=at, fix="Give a number.")
        try:
            value = float(cell)
            Parameters().with_overrides({column: value})  # a whole-number parameter's fraction
        except ValueError:
            raise InputError(
                f"'{cell.strip()}' is not a number.", where=at, fix="Give a number."
            ) from None
        except InputError as error:
            raise InputError(error.problem, where=at, fix=error.fix) from None
        low, high = PARAMETERS[column][1]["range"]
        if not low <= value <= high:
            raise InputError(
                f"{value:g} is outside the declared range of '{column}' ({low:g} to {high:g}).",
                where=at,
                fix="Give a value within the declared range (model/parameters.py), or leave "
                "this set out.",
            )
        values[column] = value
    return values
