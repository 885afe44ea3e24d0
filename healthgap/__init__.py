"""healthgap: what-if simulation of community health interventions and the inequality gap."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("healthgap")
except PackageNotFoundError:  # running from a source tree without an install
    __version__ = "0+unknown"
