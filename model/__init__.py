"""The simulation: town, residents, groups, behaviour, interventions, metrics.

The names below are imported on first use (SPEC 1 lazy loading), so the command line can start,
and report a mistake in a scenario file, without first importing Mesa, SciPy and NetworkX.
"""

import lazy_loader

__getattr__, __dir__, __all__ = lazy_loader.attach(
    __name__,
    submod_attrs={
        "model": ["HealthgapModel"],
        "parameters": ["Parameters"],
        "town": ["Town", "build_town", "typical_town"],
    },
)
