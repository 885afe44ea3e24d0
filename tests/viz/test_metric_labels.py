"""Each metric is labelled in one place: its label string appears in model/metrics.py only."""

from __future__ import annotations

from pathlib import Path

import pytest

from healthgap.model.metrics import METRICS

ROOT = Path(__file__).resolve().parents[2]
SOURCES = [
    path
    for folder in ("model", "scenarios", "experiments", "viz")
    for path in sorted((ROOT / folder).rglob("*"))
    if path.suffix == ".py" or (path.is_file() and "templates" in path.parts)
]


@pytest.mark.parametrize("name", list(METRICS))
def test_label_is_written_once(name):
    label = METRICS[name].label
    found = [p.relative_to(ROOT).as_posix() for p in SOURCES if label in p.read_text("utf-8")]
    assert found == ["model/metrics.py"]
