"""What a benchmark measured: which model code, on which machine."""

from __future__ import annotations

import os
import platform
import subprocess
from pathlib import Path

import mesa
import numpy as np

import healthgap.model


def describe() -> dict:
    """The model package's path and git commit (and whether it has local edits), and versions."""
    package = Path(healthgap.model.__file__).resolve().parent

    def git(*args: str) -> str:
        result = subprocess.run(["git", *args], cwd=package, capture_output=True, text=True)
        return result.stdout.strip() if result.returncode == 0 else ""

    return {
        "model_path": str(package),
        "commit": git("rev-parse", "--short", "HEAD"),
        "model_has_local_edits": bool(git("status", "--porcelain", "--", ".")),
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "numpy": np.__version__,
        "mesa": mesa.__version__,
    }
