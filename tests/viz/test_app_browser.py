"""The workshop app end to end in Debian's headless Chromium: it loads with nothing asked of any
other host, a lever acts, steps redraw the map and charts, and each visitor has their own town."""

from __future__ import annotations

import re

import pytest

DRAWN_JS = """(week) => {
  const pictures = [...document.querySelectorAll('[data-week]')];
  return pictures.length > 1 && pictures.every((p) => p.dataset.week === week);
}"""
DIFFERENCE_CHART = "svg[aria-label^='Difference from the baseline']"


def wait_until_drawn(page, week: int, seconds: float = 60) -> None:
    """Wait until the map and every chart show `week`; fail with what the page says if not."""
    from playwright.sync_api import TimeoutError as NotDrawn

    try:
        page.wait_for_function(DRAWN_JS, arg=str(week), timeout=seconds * 1000)
    except NotDrawn:
        pytest.fail(
            f"week {week} was never drawn; the page says:\n{page.inner_text('body')[:3000]}"
        )


def open_app(page, url: str) -> None:
    """Load the page and wait until the map and charts of week 0 are drawn."""
    page.goto(url)
    wait_until_drawn(page, 0)


def drawn_week(page) -> int:
    """The week every picture on the page shows (they must agree)."""
    weeks = {p.get_attribute("data-week") for p in page.locator("[data-week]").all()}
    assert len(weeks) == 1, f"the pictures show different weeks: {weeks}"
    return int(weeks.pop())


def step(page) -> None:
    """Click Step and wait until the map and every chart show the next week."""
    week = drawn_week(page)
    page.get_by_role("button", name="Step", exact=True).click()
    wait_until_drawn(page, week + 1)


def difference_heights(page) -> set[str]:
    """The heights of every point on the difference-from-baseline lines: one height while
    the two towns have not differed (all on zero)."""
    points = page.locator(f"{DIFFERENCE_CHART} polyline").evaluate_all(
        "lines => lines.map((l) => l.getAttribute('points')).join(' ')"
    )
    return {point.split(",")[1] for point in points.split()}


def test_a_lever_acts_against_the_baseline_and_each_visitor_has_a_town(
    server, new_session, tmp_path
):
    page, recorded = new_session()
    open_app(page, server.url)
    assert page.locator(".hg-when").inner_text() == "Start (week 0)"

    # Without levers the two towns are the same town: the difference stays at zero.
    step(page)
    assert len(difference_heights(page)) == 1

    # Link workers and new local groups: switch the levers on, set the workers, apply (both
    # towns restart). The new groups show on the map (this small town's two groups run full).
    page.get_by_text("Link workers who invite people to groups").click()
    workers = page.locator(".hg-field-outreach_workers input")
    workers.fill("10")
    workers.press("Enter")
    page.get_by_text("Fund new local groups").click()
    page.get_by_role("button", name="Apply the levers (both towns restart)").click()
    page.get_by_text("These levers are running.").wait_for()
    wait_until_drawn(page, 0)
    assert re.search(r"Cost: £[1-9]", page.locator(".hg-cost").inner_text())

    town_map = page.locator("svg[aria-label='Map of the town']")
    charts = page.locator(f"{DIFFERENCE_CHART}")
    map_before, chart_before = town_map.inner_html(), charts.inner_html()
    for _ in range(4):
        step(page)
    assert drawn_week(page) == 4
    assert page.locator(".hg-when").inner_text() == "Year 1, week 4"
    assert town_map.inner_html() != map_before, "the map did not change over four weeks"
    assert charts.inner_html() != chart_before, "the chart did not change over four weeks"
    assert len(difference_heights(page)) > 1, "the levers made no difference"
    page.screenshot(path=tmp_path / "app.png", full_page=True)
    assert (tmp_path / "app.png").stat().st_size > 10_000

    # A second visitor starts at week 0 in a town of their own, and neither moves the other.
    other, other_recorded = new_session()
    open_app(other, server.url)
    assert other.locator(".hg-when").inner_text() == "Start (week 0)"
    assert other.get_by_text("Link workers who invite people to groups").is_visible()
    step(other)
    assert drawn_week(other) == 1 and drawn_week(page) == 4
    step(page)
    assert drawn_week(other) == 1 and drawn_week(page) == 5

    assert "Traceback" not in page.inner_text("body") + other.inner_text("body")
    for seen in (recorded, other_recorded):
        assert seen.errors == [], f"the page raised errors: {seen.errors}"
        assert seen.beyond_this_machine() == [], "the page asked another host for something"
        assert any(url.startswith(server.url) for url in seen.requests)
