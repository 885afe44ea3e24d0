"""A report's charts, and the facilitator's run of every plan, off the server's threads.

Python runs one thread at a time, so seconds of drawing charts on the server would stall every
table's Step (to about 1 s each). Reports are drawn in a worker process at low CPU priority
instead: a table's Step comes first and the report takes what the cores have left. The report
is the brief one (a third of the compare command's drawing), and a table that downloads it
again before its next Step gets the one already drawn. The facilitator's run goes in a process
of its own, which Cancel can kill with its workers.
"""

from __future__ import annotations

import datetime
import hashlib
import os
import pickle
import threading
from collections import OrderedDict
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from multiprocessing.connection import Connection
from typing import TYPE_CHECKING

from healthgap.workers import process_context, start_worker

if TYPE_CHECKING:
    from healthgap.effects import Comparison
    from healthgap.scenarios import Scenario

NICE = 10  # of 0 (normal) to 19 (lowest); Linux gives a process at 10 about a tenth of the CPU
# a nice-0 one gets when they compete. Measured with nine tables stepping on 2 cores: at 5, the
# full report slowed their Steps x1.7 while it was drawn; at 19 x1.2-1.3, near a report that
# only waited (x1.1-1.3, single runs). But at 19 a report would take minutes when two other
# processes keep both cores busy; at 10 a brief report (about 2 s of CPU) comes in about half a
# minute then. Side by side, brief at 10 against full at 5: x1.33 against x1.48
REPORTS_KEPT = 16  # reports drawn lately (about 0.6 MB each), by what they show


def lowered_worker(server: int) -> None:
    """A worker process's start: low priority, deaf to Ctrl-C (the server stops it), ending with
    the server (process `server`) however it ends, and the report's code loaded, so the first
    report is as quick as the next. The brief report's charts are SVG (no matplotlib)."""
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


def forget_worker() -> None:
    """Let go of a worker process that has died, so that `worker` starts another."""
    global _worker
    with _worker_lock:
        if _worker is not None:
            _worker.shutdown(wait=False)
        _worker = None


def warm_up() -> None:
    """Start the worker process now, in the background, and load what a report needs on the
    server (the comparison's summary), so no table waits for either at its first report."""

    def start() -> None:
        import healthgap.effects  # noqa: F401

        worker().submit(int).result()

    threading.Thread(target=start, daemon=True).start()


def render(comparison: bytes) -> str:
    """The brief report of a pickled comparison, drawn where this runs: the worker (the
    charting is loaded only there)."""
    from healthgap.viz.report import render_report

    return render_report(pickle.loads(comparison), brief=True)


_reports: OrderedDict[bytes, str] = OrderedDict()
_reports_lock = threading.Lock()


def report_html(comparison: Comparison) -> str:
    """The compare command's HTML report of `comparison`, brief, drawn in the worker process;
    a comparison drawn lately (the same plan at the same week, today) is not drawn again."""
    sent = pickle.dumps(comparison)
    key = hashlib.sha256(sent).digest() + datetime.date.today().isoformat().encode()
    with _reports_lock:
        if key in _reports:
            _reports.move_to_end(key)
            return _reports[key]
    try:
        html = worker().submit(render, sent).result()
    except BrokenProcessPool:  # the worker died (killed, out of memory): start another, once
        forget_worker()
        html = worker().submit(render, sent).result()
    with _reports_lock:
        _reports[key] = html
        while len(_reports) > REPORTS_KEPT:
            _reports.popitem(last=False)
    return html


# --- the facilitator's run of every plan, in a process of its own so that Cancel stops it ---
def run_plans(
    send: Connection, server: int, baseline: Scenario, scenarios: list[Scenario], seeds: int
) -> None:
    """In the run's process: every plan against `baseline` on `seeds` seeds with the
    comparison API, saying ("done", n) as each seed finishes and ("finished", comparison) or
    ("error", words) at the end. Its seeds run in compare's own worker processes, which end
    the moment this process does (`start_worker`), so killing it stops the whole run."""
    start_worker(server)
    from healthgap.compare import compare
    from healthgap.model.errors import InputError

    try:
        comparison = compare(
            baseline,
            scenarios,
            replicates=seeds,
            seed=baseline.seed,
            workers=min(2, seeds),
            on_done=lambda done: send.send(("done", done)),
            transport_apart=False,
        )
    except InputError as error:
        send.send(("error", error.message()))
    except Exception as error:  # a worker that died: say so, and let the room run again
        send.send(("error", f"The run stopped: {error}. Run it again."))
    else:
        send.send(("finished", comparison))
    finally:
        send.close()


class PlansRun:
    """Every plan against the baseline, running in a process of its own (with its seeds in
    compare's worker processes under it): `messages()` gives what it says as it goes, and
    `cancel()` kills it, its workers following it at once."""

    def __init__(self, baseline: Scenario, scenarios: list[Scenario], seeds: int) -> None:
        context = process_context()
        self.receive, send = context.Pipe(duplex=False)
        self.process = context.Process(
            target=run_plans,
            args=(send, os.getpid(), baseline, scenarios, seeds),
            name="healthgap room run",
        )  # not a daemon: a daemon may not start compare's worker processes
        self.process.start()
        send.close()  # the run's process holds the only writing end: its end is our EOF

    def messages(self) -> Iterator[tuple[str, object]]:
        """What the run says, until its process ends (however it ends)."""
        try:
            while True:
                yield self.receive.recv()
        except (EOFError, OSError):
            return
        finally:
            self.receive.close()
            self.process.join()

    def cancel(self) -> None:
        """Stop the run now: its process is killed and its workers end with it."""
        if self.process.is_alive():
            self.process.kill()
