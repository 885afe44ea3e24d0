"""Combine the shipped fits' ensembles into scenarios/calibrations/ensemble.csv.

Each fit's `ensemble.csv` (docs/calibration/*/) holds the parameter sets of its trials within
tolerance of every target. The fits share no parameter, so a set for the whole model is one set
from each: their product (pandas' cross merge), cut to at most MAX_SETS by a seeded sample so
`compare --ensemble` draws from a file of a sensible size. The same inputs give the same file.

    .venv/bin/python scripts/combine_ensembles.py
"""

from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
FITS = ("response", "distance_decay", "survival", "room")
MAX_SETS = 500


def main() -> None:
    combined = None
    for fit in FITS:
        table = pd.read_csv(ROOT / "docs" / "calibration" / fit / "ensemble.csv")
        table = table.rename(columns={"trial": f"trial_{fit}"})
        combined = table if combined is None else combined.merge(table, how="cross")
    if len(combined) > MAX_SETS:
        combined = combined.sample(n=MAX_SETS, random_state=1).sort_index()
    trials = [f"trial_{fit}" for fit in FITS]
    combined.insert(0, "trial", combined[trials].astype(str).agg("+".join, axis=1))
    combined = combined.drop(columns=trials)
    out = ROOT / "scenarios" / "calibrations" / "ensemble.csv"
    combined.to_csv(out, index=False)
    print(f"{len(combined)} parameter sets written to {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
