"""The simulation: town, residents, groups, behaviour, interventions, metrics.

The names below are imported on first use, so the command line can start (and
report a mistake in a scenario file) without first importing Mesa, SciPy and NetworkX.
"""

import importlib

_HOMES = {
    "HealthgapModel": ".model",
    "Parameters": ".parameters",
    "Town": ".town",
    "build_town": ".town",
    "typical_town": ".town",
}
__all__ = list(_HOMES)


def __getattr__(name: str):
    if name in _HOMES:
        return getattr(importlib.import_module(_HOMES[name], __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
