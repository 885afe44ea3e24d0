"""The app's pictures laid out by Chromium itself: no text runs past a chart's edge (where the
browser would clip it, e.g. "year 10" shown as "year 1")."""

from __future__ import annotations

import numpy as np
import pytest

from healthgap.viz.app.drawing import Line, line_chart_svg

OUTSIDE_JS = """() => {
  const svg = document.querySelector('svg');
  const box = svg.viewBox.baseVal;
  return [...svg.querySelectorAll('text')]
    .map((t) => [t.textContent, t.getBBox()])
    .filter(([, b]) => b.x < box.x - 0.5 || b.x + b.width > box.x + box.width + 0.5)
    .map(([text]) => text);
}"""


@pytest.mark.parametrize("weeks", [30, 157, 520], ids=["weeks", "three years", "ten years"])
def test_no_chart_text_runs_past_the_edge(chromium, weeks):
    line = Line("Whole town", np.arange(weeks + 1), np.linspace(20, 21, weeks + 1), "#000")
    page = chromium.new_page()
    try:
        page.set_content(f"<div style='width: 480px'>{line_chart_svg('Inactive', [line])}</div>")
        assert page.evaluate(OUTSIDE_JS) == []
    finally:
        page.close()
