"""What a benchmark measured: which model code, on which interpreter and CPU; and writing it down."""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
from pathlib import Path

import numpy as np

import healthgap
from healthgap.simulation import cpu_model

RESULTS = Path(__file__).resolve().parent / "results"


def describe() -> dict:
    """The package's path and git commit (and local edits), the interpreter, CPU and versions."""
    package = Path(healthgap.__file__).resolve().parents[1]

    def git(*args: str) -> str:
        result = subprocess.run(["git", *args], cwd=package, capture_output=True, text=True)
        return result.stdout.strip() if result.returncode == 0 else ""

    from importlib.metadata import version

    return {
        "source_path": str(package),
        "commit": git("rev-parse", "--short", "HEAD"),
        "has_local_edits": bool(git("status", "--porcelain", "--untracked-files=no")),
        "python": platform.python_version(),
        "python_executable": sys.executable,
        "cpu": cpu_model(),
        "cpus": os.cpu_count(),
        "numpy": np.__version__,
        "mesa": version("mesa"),
    }


def header() -> str:
    """One line to print above a benchmark's figures."""
    d = describe()
    return f"Python {d['python']} on {d['cpu']} ({d['cpus']} CPUs), commit {d['commit']}"


def write_result(name: str, result: dict) -> Path:
    """Write `result` with its provenance to benchmarks/results/NAME.json; returns the path."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"{name}.json"
    path.write_text(json.dumps({**result, "provenance": describe()}, indent=2) + "\n")
    return path
