"""Scenario schema and loader, the built-in scenario library, place loaders."""

from .places import build_place
from .schema import Scenario, builtin_names, load_scenario, parse_scenario

__all__ = ["Scenario", "build_place", "builtin_names", "load_scenario", "parse_scenario"]
