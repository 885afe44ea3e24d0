"""A report's charts drawn off the server's threads.

Python runs one thread at a time, so three seconds of drawing charts on the server would stall
every table's Step (to about 1 s each). Reports are drawn in a worker process at low CPU
priority instead: a table's Step comes first and the report takes what the cores have left.
"""

from __future__ import annotations

import os
import threading
from concurrent.futures import ProcessPoolExecutor
from typing import TYPE_CHECKING

from healthgap.workers import process_context, start_worker

if TYPE_CHECKING:
    from healthgap.effects import Comparison

NICE = 5  # of 0 (normal) to 19 (lowest): well below a table's step, yet a report still
# comes within a minute on a machine whose cores are kept busy by other work


def lowered_worker(server: int) -> None:
    """A worker process's start: low priority, deaf to Ctrl-C (the server stops it), ending with
    the server (process `server`) however it ends, and the report's charting loaded, so the
    first report is as quick as the next."""
    start_worker(server)
    os.nice(max(0, NICE - os.nice(0)))
    import healthgap.viz.report  # noqa: F401


_worker: ProcessPoolExecutor | None = None
_worker_lock = threading.Lock()


def worker() -> ProcessPoolExecutor:
    """The server's low-priority worker process, started on first use (`warm_up` starts it
    with the server). Starting one takes a few seconds of importing, which would slow the
    tables' steps as much as the report itself, so there is one, kept; reports queue for it."""
    global _worker
    with _worker_lock:
        if _worker is None:
            _worker = ProcessPoolExecutor(
                max_workers=1,
                mp_context=process_context(),
                initializer=lowered_worker,
                initargs=(os.getpid(),),
            )
        return _worker


def warm_up() -> None:
    """Start the worker process now, in the background, and load what a report needs on the
    server (the comparison's summary), so no table waits for either at its first report."""

    def start() -> None:
        import healthgap.effects  # noqa: F401

        worker().submit(int).result()

    threading.Thread(target=start, daemon=True).start()


def render(comparison: Comparison) -> str:
    """The report, drawn where this runs: the worker (the charting is loaded only there)."""
    from healthgap.viz.report import render_report

    return render_report(comparison)


def report_html(comparison: Comparison) -> str:
    """The compare command's HTML report of `comparison`, drawn in the worker process."""
    return worker().submit(render, comparison).result()
