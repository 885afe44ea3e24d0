"""The reports' addresses without a browser: a tab's report as a file to save, plain words when
the tab has gone or the drawing failed, and the room's report only once drawn."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from healthgap.viz.app import web
from healthgap.viz.app.room import Room, RoomRun, Session


class StandInSession:
    def __init__(self, report) -> None:
        self.token = "t0ken"
        self._report = report

    def report(self):
        if isinstance(self._report, Exception):
            raise self._report
        return self._report


def asked(token: str = "t0ken"):
    return SimpleNamespace(path_params={"token": token})


@pytest.fixture
def room(monkeypatch) -> Room:
    room = Room()
    monkeypatch.setattr(web, "room", room)
    return room


def test_a_tabs_report_is_a_file_named_for_its_plan(room):
    room.sessions["kernel"] = [StandInSession(("<html>Table 1</html>", "table-1-report.html"))]
    answer = web.table_report(asked())
    assert answer.status_code == 200 and answer.body == b"<html>Table 1</html>"
    assert answer.headers["content-disposition"] == 'attachment; filename="table-1-report.html"'
    assert web.table_report(asked("another")).status_code == 404


def test_a_gone_tab_or_a_failed_drawing_is_said_in_words(room):
    room.sessions["kernel"] = [StandInSession(None)]  # closed: its towns are let go of
    gone = web.table_report(asked())
    assert gone.status_code == 404 and b"Open the app again" in gone.body
    room.sessions["kernel"] = [StandInSession(RuntimeError("the worker stopped"))]
    failed = web.table_report(asked())
    assert (
        failed.status_code == 500 and b"(the worker stopped). Click its link again" in failed.body
    )


def test_the_rooms_report_once_drawn(room):
    assert web.room_report(asked()).status_code == 404
    room.run = RoomRun(report="<html>all plans</html>")
    answer = web.room_report(asked())
    assert answer.body == b"<html>all plans</html>"
    assert "healthgap-room-report.html" in answer.headers["content-disposition"]


def test_a_closed_sessions_report_is_none_and_tokens_differ():
    first, second = (Session("baseline", residents=500) for _ in range(2))
    assert first.token != second.token and len(first.token) >= 20
    first.close()
    assert first.report() is None
