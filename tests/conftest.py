"""Shared fixtures: small towns that build in well under a second."""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path

import pytest

from healthgap.model import HealthgapModel, Parameters, typical_town


def small_model(
    seed: int = 3, residents: int = 4_000, burn_in: int = 26, town=None, **overrides: float
) -> HealthgapModel:
    """A small town with a short burn-in, for mechanism tests."""
    params = Parameters().with_overrides({"burn_in_weeks": burn_in, **overrides})
    town = town or typical_town(residents=residents, neighbourhoods=10)
    return HealthgapModel(town, params, seed, mesa_agents=False)


@pytest.fixture
def model() -> HealthgapModel:
    return small_model()


def ctrl_c_heard() -> None:
    """For `subprocess.Popen(preexec_fn=...)`: the command hears Ctrl-C even when the tests run
    where it is ignored (a shell's background job ignores it, and children inherit that)."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def healthgap(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    """Run the command line as a user would (`python -m healthgap ARGS`) and collect its output."""
    return subprocess.run(
        [sys.executable, "-m", "healthgap", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=300,
    )
