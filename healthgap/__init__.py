"""healthgap: what-if simulation of community health interventions and the inequality gap.

The Python API (see the README's "Use from Python"), imported on first use so the
command line starts quickly:

- `load_scenario(name_or_path)`: a built-in scenario by name, or a scenario .toml file;
- `Simulation(scenario, seed)`: build and burn in a town, then `step()`, `metrics()`, `run()`,
  `results()` (`.table()`, `.summary()`); `Simulation.pair(scenario, seed)` gives the scenario
  and its baseline from the same burnt-in start;
- `compare(baseline, scenarios, replicates=...)`: paired differences, costs and WELLBYs;
- `METRICS`: every outcome with its label, unit and direction.
"""

import importlib
from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("healthgap")
except PackageNotFoundError:  # running from a source tree without an install
    __version__ = "0+unknown"

_HOMES = {
    "load_scenario": "healthgap.scenarios",
    "Scenario": "healthgap.scenarios",
    "Simulation": "healthgap.experiments.simulation",
    "compare": "healthgap.experiments.compare",
    "METRICS": "healthgap.model.metrics",
}
__all__ = ["__version__", *_HOMES]


def __getattr__(name: str):
    if name in _HOMES:
        return getattr(importlib.import_module(_HOMES[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
