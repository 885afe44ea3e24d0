"""The server's web app: Solara's, and a plain address for each table's report and the room's.

A report downloaded through a Solara widget cost the whole room: the page re-rendered for the
click and for the download's thread, and the report's bytes went to the browser as widget
messages, so every other table's Step waited on the server's threads and the browsers. A plain
link to an address of its own costs a page nothing: the browser fetches the file as any
download, the report is drawn in the worker (`background.report_html`), and no widget changes.
Each tab's address carries a token of its own, so a room cannot fetch another table's report.
"""

from __future__ import annotations

import logging

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, PlainTextResponse
from starlette.routing import Route

from .room import room

log = logging.getLogger(__name__)

REPORTS = "_healthgap/report"  # a table's report at REPORTS/<its tab's token>
ROOM_REPORT = "_healthgap/room-report"  # the facilitator's run's report for all plans
ROOM_REPORT_FILE = "healthgap-room-report.html"
GONE = (
    "This tab's towns have closed (the tab was closed, or went quiet for a minute). "
    "Open the app again, and download the report from its page."
)
FAILED = (
    "The report could not be drawn ({error}). Click its link again; if it fails again, the "
    "facilitator can restart the app (each table's plan comes back with a reload)."
)
NOT_YET = "The facilitator's run has no report yet. Run every plan, and download it when shown."


def report_address(token: str) -> str:
    """Where the page links a table's report: relative, so it works under any address."""
    return f"{REPORTS}/{token}"


def attachment(html: str, filename: str) -> HTMLResponse:
    """`html` as a file to save, named `filename`."""
    return HTMLResponse(html, headers={"Content-Disposition": f'attachment; filename="{filename}"'})


def table_report(request: Request):
    """The report of the tab whose token the address carries: its plan against the baseline.
    Starlette runs it on a thread of its pool, where waiting for the worker holds up no one."""
    session = room.session_with(request.path_params["token"])
    try:
        report = session.report() if session is not None else None
    except Exception as error:  # the page's own link: say what happened, not a bare 500
        log.exception("A table's report could not be drawn")
        return PlainTextResponse(FAILED.format(error=error), status_code=500)
    if report is None:
        return PlainTextResponse(GONE, status_code=404)
    return attachment(*report)


def room_report(request: Request):
    """The facilitator's run's report for all plans, once drawn."""
    report = room.run.report
    if not report:
        return PlainTextResponse(NOT_YET, status_code=404)
    return attachment(report, ROOM_REPORT_FILE)


def make_app() -> Starlette:
    """Solara's routes behind the reports' (uvicorn's factory: Solara's server is loaded only
    when the app is served, after `server.serve` has set its settings)."""
    import solara.server.starlette as solara_server

    return Starlette(
        routes=[
            Route(f"/{REPORTS}/{{token}}", table_report),
            Route(f"/{ROOM_REPORT}", room_report),
            *solara_server.routes,
        ],
        lifespan=solara_server.lifespan,
        middleware=solara_server.middleware,
    )
