"""The app's report is drawn in the low-priority worker, not on the server's thread that serves
every table's Step; and a table that downloads it again before its next Step gets it at once."""

from __future__ import annotations

import time
from concurrent.futures import Future

import pytest

from healthgap.viz.app import background
from healthgap.viz.workshop import Workshop

RESIDENTS = 2_000


class CountingWorker:
    """A stand-in for the worker process: draws where it is asked and counts the reports."""

    def __init__(self) -> None:
        self.drawn = 0

    def submit(self, function, *args) -> Future:
        self.drawn += 1
        future: Future = Future()
        future.set_result(function(*args))
        return future


@pytest.fixture
def stepped() -> Workshop:
    workshop = Workshop("baseline", residents=RESIDENTS)
    workshop.step(2)
    return workshop


def test_the_same_plan_and_week_is_drawn_once(stepped, monkeypatch):
    counting = CountingWorker()
    monkeypatch.setattr(background, "worker", lambda: counting)
    monkeypatch.setattr(background, "_reports", type(background._reports)())
    first = background.report_html(stepped.comparison("Table 2"))
    again = background.report_html(stepped.comparison("Table 2"))
    assert again == first and counting.drawn == 1
    assert "Table 2" in first and "brief report" in first
    background.report_html(stepped.comparison("Table 3"))  # another plan's name
    stepped.step()
    background.report_html(stepped.comparison("Table 2"))  # the next week
    assert counting.drawn == 3


def test_the_report_is_drawn_in_the_worker_at_low_priority(stepped, monkeypatch):
    """The server's thread only builds the comparison and hands it over: its CPU is a small
    part of the worker's (drawn on the server's thread, a report stalled every Step)."""
    monkeypatch.setattr(background, "_reports", type(background._reports)())
    worker = background.worker()
    assert worker.submit(background.os.nice, 0).result() >= background.NICE
    comparison = stepped.comparison("Table 2")
    thread_started = time.thread_time()
    worker_started = worker.submit(time.process_time).result()
    html = background.report_html(comparison)
    on_this_thread = time.thread_time() - thread_started
    in_the_worker = worker.submit(time.process_time).result() - worker_started
    assert "Table 2" in html
    assert on_this_thread < 0.1 * in_the_worker, (on_this_thread, in_the_worker)


def test_a_report_is_drawn_after_the_worker_died(stepped, monkeypatch):
    monkeypatch.setattr(background, "_reports", type(background._reports)())
    worker = background.worker()
    worker.submit(background.os.kill, worker.submit(background.os.getpid).result(), 9)
    with pytest.raises(background.BrokenProcessPool):
        worker.submit(int).result(timeout=60)  # a server that found it dead
    html = background.report_html(stepped.comparison("Table 4"))
    assert "Table 4" in html and background.worker() is not worker
