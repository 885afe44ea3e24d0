"""Scenario schema and loader, the built-in scenario library, place loaders.

The names below are imported on first use, so listing or reading scenarios does not import
what only building a place needs (pandas for a real place's tables).
"""

import importlib

_HOMES = {
    "Scenario": ".schema",
    "build_place": ".places",
    "builtin_names": ".loader",
    "check_place_fits": ".loader",
    "load_scenario": ".loader",
    "parse_scenario": ".loader",
}
__all__ = list(_HOMES)


def __getattr__(name: str):
    if name in _HOMES:
        return getattr(importlib.import_module(_HOMES[name], __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
