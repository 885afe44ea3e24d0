"""The facilitator can cancel the run of every plan: its processes stop at once, the page says
plainly that it was cancelled, and the room can run again. The run is on the default town
(50,000 residents, 10 years: about 20 s on two idle cores), so it is still going when Cancel
is pressed; every wait is on what the page shows or on the server's processes, never a sleep."""

from __future__ import annotations

import time

import psutil

from healthgap.viz.app.server import running_app

from .test_app_browser import open_app
from .test_app_report_browser import name_plan

RUN = "Run every plan against the baseline"
CANCEL = "Cancel the run"
CANCELLED = "The run was cancelled"
GONE_WITHIN_SECONDS = 15  # generous on busy shared cores; killing takes well under a second


def processes_under(pid: int) -> set[int]:
    """The ids of every living process below `pid` (its children, theirs, ...)."""
    alive = set()
    for p in psutil.Process(pid).children(recursive=True):
        try:
            if p.status() != psutil.STATUS_ZOMBIE:
                alive.add(p.pid)
        except psutil.NoSuchProcess:  # it ended between being listed and being looked at
            pass
    return alive


def wait_for_processes(pid: int, done, seconds: float, what: str) -> set[int]:
    """Poll the processes under `pid` until `done(them)`; fail saying `what` was awaited."""
    deadline = time.monotonic() + seconds
    while True:
        them = processes_under(pid)
        if done(them):
            return them
        assert time.monotonic() < deadline, f"{what}: still {sorted(them)} after {seconds} s"
        time.sleep(0.05)


def start_and_cancel(facilitator, server_pid: int, before: set[int]) -> float:
    """Start the run, wait until its processes work, cancel it; seconds from the click on
    Cancel until the page says so and every process the run started has gone."""
    facilitator.get_by_role("button", name=RUN).click()
    facilitator.get_by_role("button", name=CANCEL).wait_for()
    # the run's process, its forkserver and compare's two workers
    wait_for_processes(server_pid, lambda now: len(now - before) >= 4, 120, "the run's workers")
    assert facilitator.locator(".hg-ranking").count() == 0, "the run finished before Cancel"
    clicked = time.perf_counter()
    facilitator.get_by_role("button", name=CANCEL).click()
    facilitator.get_by_text(CANCELLED).wait_for()
    wait_for_processes(
        server_pid, lambda now: now <= before, GONE_WITHIN_SECONDS, "the run's processes"
    )
    return time.perf_counter() - clicked


def test_cancel_stops_the_run_of_every_plan_and_frees_its_processes(new_session):
    with running_app() as app:  # the default town, so that the run takes a while
        table, table_recorded = new_session()
        open_app(table, app.url)
        name_plan(table, "Table A")
        facilitator, recorded = new_session()
        facilitator.goto(app.url + "facilitator")
        facilitator.locator(".hg-plans").get_by_text("Table A").wait_for()
        assert facilitator.get_by_role("button", name=CANCEL).count() == 0, "no run, no Cancel"
        before = processes_under(app.process.pid)  # the forkserver and the report's worker

        took = start_and_cancel(facilitator, app.process.pid, before)
        facilitator.get_by_role("button", name=CANCEL).wait_for(state="detached")
        assert facilitator.get_by_role("button", name=RUN).is_enabled()
        assert facilitator.locator(".hg-ranking").count() == 0
        assert facilitator.locator(".hg-run-progress").count() == 0

        # The room can run again, and cancel again; the page's words follow the new run.
        again = start_and_cancel(facilitator, app.process.pid, before)
        assert facilitator.get_by_text(CANCELLED).count() == 1
        print(
            f"\ncancelled, the page saying so and its processes gone: {took:.2f} s, {again:.2f} s"
        )
        assert recorded.errors == [] and table_recorded.errors == []
        assert recorded.beyond_this_machine() == []
