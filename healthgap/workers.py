"""Worker processes for comparisons, sweeps and the app's reports: started clean, deaf to
Ctrl-C (the parent stops them), and ending with the command that started them."""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import select
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor, as_completed
from multiprocessing import forkserver


@contextlib.contextmanager
def process_pool(workers: int) -> Iterator[ProcessPoolExecutor]:
    """A pool of clean worker processes (see `process_context`); on Ctrl-C or an error in the
    parent, queued work is cancelled and running workers are stopped at once."""
    with ProcessPoolExecutor(
        max_workers=workers,
        mp_context=process_context(),
        initializer=start_worker,
        initargs=(os.getpid(),),
    ) as pool:
        try:
            yield pool
        except BaseException:
            workers_running = list((pool._processes or {}).values())
            pool.shutdown(wait=False, cancel_futures=True)
            for process in workers_running:
                process.terminate()
            raise


def run_in_order(
    jobs: list[tuple[Callable, tuple]],
    workers: int,
    on_done: Callable[[int], None] | None = None,
) -> list:
    """Each job's `function(*args)`, in the jobs' order: one after another here, or on a pool of
    `workers` processes (`process_pool`); `on_done(count)` as each finishes."""
    if workers <= 1:
        results = []
        for count, (function, args) in enumerate(jobs, start=1):
            results.append(function(*args))
            if on_done:
                on_done(count)
        return results
    with process_pool(workers) as pool:
        futures = [pool.submit(function, *args) for function, args in jobs]
        for count, _ in enumerate(as_completed(futures), start=1):
            if on_done:
                on_done(count)
        return [future.result() for future in futures]


@contextlib.contextmanager
def interrupts_held() -> Iterator[None]:
    """Block Ctrl-C while starting a process (the main thread only): the process starts with it
    blocked, so it stays deaf, and a press meanwhile reaches this process afterwards, not lost
    (ignoring it instead lost a press made while the workers started)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


def start_worker(command: int) -> None:
    """Workers leave Ctrl-C to the parent, which stops them: no traceback from each worker. And
    each ends the moment the command (process `command`) does, however it ended: a worker mid-run
    would otherwise run its town to the end, as would one still starting when the command was
    stopped, which the command cannot stop (and it keeps the forkserver alive too)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    threading.Thread(target=exit_with, args=(command,), daemon=True).start()


def exit_with(pid: int) -> None:
    """Wait for process `pid` to end, then end this process at once."""
    try:
        select.select([os.pidfd_open(pid)], [], [])  # Linux: readable when it has ended
    except (AttributeError, OSError):  # elsewhere: look every second
        while True:
            time.sleep(1)
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                break
    os._exit(1)


def process_context():
    """Worker processes started cleanly (not forked from a threaded parent), with the model
    preloaded. The forkserver starts deaf to Ctrl-C, as do the workers it forks, so an
    interrupted comparison stops in the parent alone, with one message."""
    if "forkserver" not in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("spawn")
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["healthgap.compare"])
    with interrupts_held(), stderr_silenced():
        forkserver.ensure_running()
    return context


@contextlib.contextmanager
def stderr_silenced() -> Iterator[None]:
    """Point file descriptor 2 at /dev/null for a moment: a process started now (the forkserver
    and the workers it forks) prints nothing. A worker's error still reaches the parent, which
    raises it; what is lost is a worker cut off while starting when Ctrl-C stops the parent."""
    sys.stderr.flush()
    saved, quiet = os.dup(2), os.open(os.devnull, os.O_WRONLY)
    os.dup2(quiet, 2)
    try:
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(quiet)
