"""Ctrl-C stops any command cleanly: a one-line message, no traceback, no partial output."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import ctrl_c_heard

SLOW = 'name = "{name}"\nyears = 10\n[place]\nresidents = 150000\nneighbourhoods = 60\n'
FUNDED = '[[interventions]]\ntype = "seed_funding"\nbudget_gbp = 50000\n'


def interrupt(args: list[str], cwd: Path, after: float) -> subprocess.CompletedProcess:
    """Run `python -m healthgap ARGS`, press Ctrl-C (SIGINT to its process group) after
    `after` seconds, and collect what it printed."""
    process = subprocess.Popen(
        [sys.executable, "-m", "healthgap", *args],
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
        preexec_fn=ctrl_c_heard,
    )
    time.sleep(after)
    assert process.poll() is None, "the command finished before it could be interrupted"
    os.killpg(process.pid, signal.SIGINT)
    stdout, stderr = process.communicate(timeout=60)
    return subprocess.CompletedProcess(process.args, process.returncode, stdout, stderr)


@pytest.mark.parametrize("command", ["run", "compare"])
def test_ctrl_c_stops_cleanly_and_leaves_no_output(command, tmp_path):
    (tmp_path / "base.toml").write_text(SLOW.format(name="base"))
    (tmp_path / "funded.toml").write_text(SLOW.format(name="funded") + FUNDED)
    args = {
        "run": ["run", "funded.toml", "--out", "out"],
        "compare": ["compare", "base.toml", "funded.toml", "--replicates", "4", "--out", "out"],
    }[command]
    result = interrupt(args, tmp_path, after=3.0)
    assert result.returncode == 130, result.stderr
    assert "Traceback" not in result.stderr
    assert "Interrupted" in result.stderr
    assert not (tmp_path / "out").exists()
    assert not list(tmp_path.glob(".healthgap-*"))
