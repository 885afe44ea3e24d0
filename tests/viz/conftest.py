"""Browser fixtures: the app served by `healthgap app` on a free port, and Debian's Chromium
driven by Playwright with every request the page makes recorded."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import pytest

from healthgap.viz.app.server import CHROMIUM, CHROMIUM_ARGS, RunningApp, running_app

TEST_RESIDENTS = 3_000  # a small town per session keeps ten sessions light on two cores
LOCAL_HOSTS = {"127.0.0.1", "localhost"}


@pytest.fixture(scope="session")
def chromium():
    """Debian's headless Chromium under Playwright; skipped, with the reason, if either is absent."""
    if not CHROMIUM.exists():
        pytest.skip(f"Chromium is not installed at {CHROMIUM} (.ci/run installs Debian's chromium)")
    sync_api = pytest.importorskip(
        "playwright.sync_api", reason="Playwright is not installed (pip install -e '.[dev]')"
    )
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="session")
def server(chromium) -> Iterator[RunningApp]:
    """One app server for the browser tests, opening at the baseline with a small town."""
    with running_app(residents=TEST_RESIDENTS) as app:
        yield app


@pytest.fixture
def busy_cpus() -> Iterator[None]:
    """Two processes that keep both cores busy for the test, as a shared CI machine or a laptop
    doing other work does: the window in which a click can race a redraw is then wide open."""
    burners = [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(2)]
    try:
        yield
    finally:
        for burner in burners:
            burner.kill()
            burner.wait()


@dataclass
class Recorded:
    """What a browser context did: every request's URL, and every page error and error in
    the console (a script that failed, an asset that did not load)."""

    requests: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def beyond_this_machine(self) -> list[str]:
        """Requests to any host but this one (data: and blob: URLs stay in the browser)."""
        return [
            url
            for url in self.requests
            if urlsplit(url).scheme in {"http", "https", "ws", "wss"}
            and urlsplit(url).hostname not in LOCAL_HOSTS
        ]


@pytest.fixture
def new_session(chromium):
    """Opens a browser context (a visitor of its own) that records its requests and page
    errors; returns (page, recorded). The contexts close at the end of the test."""
    contexts = []

    def open_session():
        context = chromium.new_context(viewport={"width": 1400, "height": 1000})
        context.set_default_timeout(60_000)  # two shared cores: generous, never a sleep
        contexts.append(context)
        recorded = Recorded()
        context.on("request", lambda request: recorded.requests.append(request.url))
        page = context.new_page()
        page.on("pageerror", lambda error: recorded.errors.append(str(error)))
        page.on(
            "console",
            lambda message: message.type == "error" and recorded.errors.append(message.text),
        )
        page.on("websocket", lambda websocket: recorded.requests.append(websocket.url))
        return page, recorded

    yield open_session
    for context in contexts:
        context.close()
