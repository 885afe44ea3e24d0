"""Scenario schema and loader, the built-in scenario library, place loaders.

The names below are imported on first use (SPEC 1 lazy loading), so listing or reading
scenarios does not import what only building a place needs (pandas for a real place's tables).
"""

import lazy_loader

__getattr__, __dir__, __all__ = lazy_loader.attach(
    __name__,
    submod_attrs={
        "schema": ["Scenario"],
        "places": ["build_place"],
        "loader": ["builtin_names", "check_place_fits", "load_scenario", "parse_scenario"],
    },
)
