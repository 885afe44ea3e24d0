"""A workshop room: ten visitors at three tables, each table's plan named and set, every click
acting once, the facilitator's page and its run of every plan; the server's memory comes back
once the visitors close their tabs."""

from __future__ import annotations

import time
from pathlib import Path

from healthgap.viz.app.server import running_app

from .conftest import TEST_RESIDENTS
from .test_app_browser import drawn_week, open_app, step, wait_until_drawn
from .test_app_memory import BACK_WITHIN_MIB, memory_back, waited
from .test_app_report_browser import apply_levers, name_plan

VISITORS = 10
TABLES = {  # each table's plan: the lever its first visitor switches on
    "Table A": "Link workers who invite people to groups",
    "Table B": "Fund new local groups",
    "Table C": "An online directory of local groups",
}
STEP_BOUND_SECONDS = 30  # generous: ten towns on two shared cores; a stuck server never answers
RUN_BOUND_MS = 300_000


def test_a_room_of_ten_visitors_in_three_plans_and_the_facilitators_run(chromium, new_session):
    with running_app(residents=TEST_RESIDENTS, log="info") as app:
        first, _ = new_session()  # the server's start: with what a page loads loaded
        open_app(first, app.url)
        first.context.close()
        opened = app.rss_mib()
        visitors = []
        for i in range(VISITORS):
            page, recorded = new_session()
            open_app(page, app.url)
            table = list(TABLES)[i % len(TABLES)]
            name_plan(page, table)
            visitors.append((page, recorded, table))

        # The first visitor at each table sets its lever; one click on apply puts it to work.
        for page, _, table in visitors[: len(TABLES)]:
            page.get_by_text(TABLES[table]).click()
            apply_levers(page)
            wait_until_drawn(page, 0)

        # Every visitor steps in turn: each click moves their town exactly one week.
        for page, _, _ in visitors:
            step(page)
            step(page)
            assert drawn_week(page) == 2
        started = time.perf_counter()  # then all click at once
        for page, _, _ in visitors:
            page.get_by_role("button", name="Step", exact=True).click()
        for page, _, _ in visitors:
            wait_until_drawn(page, 3, seconds=STEP_BOUND_SECONDS)
        all_at_once = time.perf_counter() - started
        assert all(drawn_week(page) == 3 for page, _, _ in visitors), "a click acted twice"
        for page, _, _ in visitors[: len(TABLES)]:
            assert page.locator(".hg-result-words").inner_text().startswith("After 3 weeks: ")
        loaded = app.rss_mib()

        facilitator, facilitator_recorded = new_session()
        facilitator.goto(app.url + "facilitator")
        for table in TABLES:
            facilitator.locator(".hg-plans").get_by_text(table).wait_for()
        plans = facilitator.locator(".hg-plans").inner_text()
        assert "Outreach: 2 link workers" in plans and "An online directory" in plans
        facilitator.get_by_role("button", name="Run every plan against the baseline").click()
        facilitator.get_by_text("0 of 3 seeds done").or_(
            facilitator.locator(".hg-ranking")
        ).first.wait_for()
        room_report = facilitator.get_by_role("link", name="The report for all plans (HTML)")
        room_report.wait_for(timeout=RUN_BOUND_MS)
        with facilitator.expect_download() as download:
            room_report.click()
        assert download.value.suggested_filename == "healthgap-room-report.html"
        report_text = Path(download.value.path()).read_text(encoding="utf-8")
        assert all(table in report_text for table in TABLES)
        ranking = facilitator.locator(".hg-ranking tbody tr").all_inner_texts()
        assert len(ranking) == len(TABLES)
        assert all(any(table in row for row in ranking) for table in TABLES)
        assert "3 of 3 seeds done" in facilitator.locator(".hg-run-progress").inner_text()
        assert "95% interval over 3 runs" in facilitator.locator(".hg-ranking").inner_text()

        for page, recorded, _ in visitors:
            assert recorded.errors == [] and recorded.beyond_this_machine() == []
            page.context.close()
        assert facilitator_recorded.errors == []
        # Ten small towns may take less than the memory allowed, so the log must say each tab
        # let go of its towns: the first visitor's and the ten's (the facilitator's has none).
        assert waited(lambda: app.output().count("let go of their towns") == VISITORS + 1, 60), (
            f"not every closed tab let go of its towns; the server said:\n{app.output()[-4000:]}"
        )
        back = memory_back(app, opened)
        print(
            f"\nserver memory: {opened:.0f} MiB at the start, {loaded:.0f} MiB with {VISITORS} "
            f"visitors ({TEST_RESIDENTS:,} residents each), {back:.0f} MiB after they closed "
            f"their tabs; ten steps clicked at once all answered in {all_at_once:.1f} s"
        )
        assert back - opened <= BACK_WITHIN_MIB
