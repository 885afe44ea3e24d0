"""A workshop room: ten visitors at once, each stepping their own town, on one server."""

from __future__ import annotations

import time

from healthgap.viz.app.server import running_app

from .conftest import TEST_RESIDENTS
from .test_app_browser import drawn_week, open_app, step, wait_until_drawn

VISITORS = 10
STEP_BOUND_SECONDS = 30  # generous: ten towns on two shared cores; a stuck server never answers


def chromium_mib() -> float:
    """Memory of every Chromium process this test run started (proportional set size, so
    memory shared between them counts once), in MiB."""
    import psutil

    return (
        sum(
            child.memory_full_info().pss
            for child in psutil.Process().children(recursive=True)
            if "chrom" in child.name()
        )
        / 2**20
    )


def test_ten_visitors_step_at_once_and_the_server_stays_responsive(chromium, new_session):
    with running_app(residents=TEST_RESIDENTS) as app:
        before = app.rss_mib()
        pages = []
        for _ in range(VISITORS):
            page, recorded = new_session()
            open_app(page, app.url)
            pages.append((page, recorded))
        loaded = app.rss_mib()

        browser_mib = chromium_mib()

        # Each visitor steps in turn, then all click at once and wait for every answer.
        in_turn = []
        for page, _ in pages:
            started = time.perf_counter()
            step(page)
            in_turn.append(time.perf_counter() - started)
        assert max(in_turn) < STEP_BOUND_SECONDS
        started = time.perf_counter()
        for page, _ in pages:
            page.get_by_role("button", name="Step", exact=True).click()
        for page, _ in pages:
            wait_until_drawn(page, 2, seconds=STEP_BOUND_SECONDS)
        all_at_once = time.perf_counter() - started
        assert all(drawn_week(page) == 2 for page, _ in pages)
        assert all(not recorded.errors for _, recorded in pages)
        per_session = (loaded - before) / VISITORS
        print(
            f"\nserver memory: {before:.0f} MiB before, {loaded:.0f} MiB with {VISITORS} "
            f"visitors ({TEST_RESIDENTS:,} residents each): {per_session:.1f} MiB a visitor; "
            f"Chromium {browser_mib:.0f} MiB in all; a step in turn took at most "
            f"{max(in_turn):.2f} s, ten at once were all answered in {all_at_once:.1f} s"
        )
        assert per_session < 200, "each visitor should cost the server far less than 200 MiB"
