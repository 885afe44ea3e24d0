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

from importlib.metadata import PackageNotFoundError, version

import lazy_loader

try:
    __version__ = version("healthgap")
except PackageNotFoundError:  # running from a source tree without an install
    __version__ = "0+unknown"

__getattr__, __dir__, __all__ = lazy_loader.attach(
    __name__,
    submod_attrs={
        "scenarios": ["Scenario", "load_scenario"],
        "simulation": ["Simulation", "burnt_in_town"],
        "compare": ["compare"],
        "model.metrics": ["METRICS"],
    },
)
