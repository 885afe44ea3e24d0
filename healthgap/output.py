"""Write one run's results: the tidy time series and the summary, each written whole."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path

from .simulation import Simulation


def write_outputs(sim: Simulation, out_dir: Path) -> None:
    """timeseries.parquet (tidy: step, quintile, metric, value) and summary.json."""
    out_dir.mkdir(parents=True, exist_ok=True)
    table = sim.results().table()
    atomic_write(out_dir / "timeseries.parquet", lambda p: table.to_parquet(p, index=False))
    text = json.dumps(sim.summary(), indent=2, sort_keys=True)
    atomic_write(out_dir / "summary.json", lambda p: p.write_text(text))


def atomic_write(path: Path, write: Callable[[Path], None]) -> None:
    """Write to a temporary name beside `path`, then rename: a reader never sees half a file."""
    partial = path.with_name(f".{path.name}.partial")  # hidden: dataset readers skip it
    try:
        write(partial)
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)
