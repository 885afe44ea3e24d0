"""The simulation: town, residents, groups, behaviour, metrics.

`HealthgapModel` is imported on first use, so the command line can report a
mistake in a scenario file without first paying for importing Mesa.
"""

from .parameters import Parameters
from .town import Town, build_town, typical_town

__all__ = ["HealthgapModel", "Parameters", "Town", "build_town", "typical_town"]


def __getattr__(name: str):
    if name == "HealthgapModel":
        from .model import HealthgapModel

        return HealthgapModel
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
