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


def session_processes(session: int) -> list[int]:
    """The processes still in a session (the command, its forkserver and its workers)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if fields[0] != "Z" and int(fields[3]) == session:  # state; session id
            found.append(int(stat.parent.name))
    return found


def start_compare_with_workers(tmp_path: Path) -> subprocess.Popen:
    """A slow comparison on two worker processes, once the workers are running."""
    (tmp_path / "base.toml").write_text(SLOW.format(name="base"))
    (tmp_path / "funded.toml").write_text(SLOW.format(name="funded") + FUNDED)
    args = ["compare", "base.toml", "funded.toml", "--replicates", "4", "--workers", "2"]
    process = subprocess.Popen(
        [sys.executable, "-m", "healthgap", *args, "--out", "out"],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    deadline = time.monotonic() + 60
    while len(session_processes(process.pid)) < 4 and time.monotonic() < deadline:
        time.sleep(0.1)  # the command, its forkserver and two workers
    assert len(session_processes(process.pid)) >= 4, "the workers did not start"
    return process


def gone_within(session: int, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while session_processes(session) and time.monotonic() < deadline:
        time.sleep(0.1)
    return not session_processes(session)


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads /proc (Linux)")
def test_kill_stops_the_command_and_its_workers(tmp_path):
    """`kill PID` (SIGTERM to the command alone, not its process group) stops its worker
    processes too, and leaves no output."""
    process = start_compare_with_workers(tmp_path)
    process.terminate()
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 143, stderr
    assert "Traceback" not in stderr
    assert gone_within(process.pid, 20), "worker processes were left running"
    assert not (tmp_path / "out").exists()


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads /proc (Linux)")
def test_workers_die_with_the_command_even_when_it_cannot_stop_them(tmp_path):
    """`kill -9` gives the command no chance to stop its workers (nor does a stop that lands
    while one is still starting): they die with it all the same, mid-run, instead of running
    their 10-year towns to the end."""
    process = start_compare_with_workers(tmp_path)
    process.kill()
    process.communicate(timeout=60)
    assert gone_within(process.pid, 20), "worker processes were left running"
