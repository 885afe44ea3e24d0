"""The simulation: town, residents, groups, behaviour, metrics."""

from .model import HealthgapModel
from .parameters import Parameters
from .town import Town, build_town, typical_town

__all__ = ["HealthgapModel", "Parameters", "Town", "build_town", "typical_town"]
