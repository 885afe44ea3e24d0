"""Heavy work off the server's threads: a report's charts and a comparison's runs.

Python runs one thread at a time, so three seconds of drawing charts on the server would stall
every table's Step. This work runs in worker processes at low CPU priority instead: a table's
Step comes first and the background work takes what the cores have left.
"""

from __future__ import annotations

import contextlib
import os
import sys
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from typing import TYPE_CHECKING

from healthgap.experiments.compare import ignore_interrupts, process_context

if TYPE_CHECKING:
    from healthgap.experiments.comparison import Comparison

NICE = 10  # of 0 (normal) to 19 (lowest)


def lower_this_thread() -> None:
    """Give the calling thread, and every process it starts from now (the worker processes'
    forkserver included), low CPU priority. On Linux priority is per thread; elsewhere only
    the report's worker lowers itself (`lowered_worker`)."""
    if sys.platform == "linux":
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), NICE)


def lowered_worker() -> None:
    """A worker process's start: low priority, and deaf to Ctrl-C (the server stops it)."""
    ignore_interrupts()
    os.nice(max(0, NICE - os.nice(0)))


@contextlib.contextmanager
def background_pool(workers: int = 1) -> Iterator[ProcessPoolExecutor]:
    """Worker processes at low priority, started cleanly (the server has threads)."""
    lower_this_thread()
    with ProcessPoolExecutor(
        max_workers=workers, mp_context=process_context(), initializer=lowered_worker
    ) as pool:
        yield pool


def in_background(fn: Callable, *args):
    """`fn(*args)` in a low-priority worker process; its result (pickled back)."""
    with background_pool() as pool:
        return pool.submit(fn, *args).result()


def report_html(comparison: Comparison) -> str:
    """The compare command's HTML report of `comparison`, drawn in a background worker."""
    from healthgap.viz.report import render_report

    return in_background(render_report, comparison)
