"""The app's server without a browser: local assets, offline settings, addresses, clear errors."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from healthgap.viz.app import server

ALTAIR_ASKS_FOR = (  # what Solara's Altair charts (and so Mesa's SolaraViz) load
    "vega@5/build/vega.min.js",
    "vega-lite@5/build/vega-lite.min.js",
    "vega-embed@6/build/vega-embed.min.js",
)


def test_assets_are_served_by_exact_and_major_version(tmp_path):
    server.link_assets(server.shipped_assets(), tmp_path)
    for asked in (
        *ALTAIR_ASKS_FOR,
        "vega@5.21.0/build/vega.min.js",
        "requirejs@2.3.6/require.js",
        "@widgetti/solara-vuetify-app@10.1.1/dist/fonts.css",
    ):
        assert (tmp_path / asked).is_file(), asked


def test_the_running_app_serves_altairs_javascript_itself():
    with server.running_app(residents=3_000) as app:
        for asked in ALTAIR_ASKS_FOR:
            with urllib.request.urlopen(f"{app.url}_solara/cdn/{asked}", timeout=30) as response:
                assert response.status == 200 and len(response.read()) > 10_000, asked


def test_settings_ask_nothing_of_other_hosts(tmp_path):
    settings = server.offline_settings(tmp_path)
    assert settings["SOLARA_TELEMETRY_MIXPANEL_ENABLE"] == "False"
    assert settings["SOLARA_ASSETS_PROXY"] == "True"
    assert settings["SOLARA_ASSETS_PROXY_CACHE_DIR"] == str(tmp_path)
    assert server.is_local(urlsplit(settings["SOLARA_ASSETS_CDN"]).hostname)


def test_room_addresses():
    assert server.is_local("127.0.0.1") and server.is_local("localhost")
    assert not server.is_local("0.0.0.0")
    assert server.room_addresses("192.168.1.20") == ["192.168.1.20"]
    assert all(not server.is_local(a) for a in server.room_addresses("0.0.0.0"))
    assert server.url("::1", 8765) == "http://[::1]:8765/"


def app(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "healthgap", "app", *args],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, **(env or {})},
    )


def test_unknown_scenario_is_a_clear_error():
    result = app("no_such_place")
    assert result.returncode == 2
    assert "There is no scenario called 'no_such_place'" in result.stderr
    assert "Traceback" not in result.stderr


def test_port_in_use_is_a_clear_error():
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        result = app("--port", str(taken.getsockname()[1]))
    assert result.returncode == 2
    assert "Choose another port with --port" in " ".join(result.stderr.split())
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("port", ["0", "70000", "http"])
def test_bad_port_is_refused_by_the_command(port):
    result = app("--port", port)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr


def test_a_log_level_that_is_not_one_is_a_clear_error():
    result = app("--port", str(server.free_port()), env={server.LOG_VARIABLE: "loud"})
    assert result.returncode == 2
    assert f"{server.LOG_VARIABLE}=loud is not a logging level" in result.stderr
    assert "The app is at" not in result.stdout
    assert "Traceback" not in result.stderr


def test_a_scenario_file_that_is_not_toml_is_a_clear_error(tmp_path):
    (tmp_path / "mine.toml").write_text('name = "unfinished\n')
    result = app(str(tmp_path / "mine.toml"))
    assert result.returncode == 2
    assert "mine.toml: This is not valid TOML" in " ".join(result.stderr.split())
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(
    ("host", "stop"),
    [("127.0.0.1", signal.SIGINT), ("0.0.0.0", signal.SIGTERM)],
    ids=["ctrl-c", "room-sigterm"],
)
def test_the_app_says_where_it_is_and_stops_cleanly(host, stop, tmp_path):
    folders = set(Path(tempfile.gettempdir()).glob("healthgap-app-assets-*"))
    port = server.free_port()
    said_out, said_err = tmp_path / "out.txt", tmp_path / "err.txt"
    with said_out.open("w") as stdout, said_err.open("w") as stderr:
        process = subprocess.Popen(
            [sys.executable, "-m", "healthgap", "app", "--host", host, "--port", str(port)],
            stdout=stdout,
            stderr=stderr,
        )
    app = server.RunningApp(server.url("127.0.0.1", port), process, said_out)
    server.wait_until_answering(app, 120)
    process.send_signal(stop)
    process.wait(timeout=60)
    out, err = said_out.read_text(), said_err.read_text()
    assert process.returncode == 0, err
    assert f"The app is at http://127.0.0.1:{port}/" in out
    if host == "0.0.0.0":  # the room is told where to go, and what to do if it cannot
        said = " ".join(out.split())
        assert "Others on this network open" in said and f"allow port {port}" in said
    assert (server.ROOM_WARNING in out.splitlines()) == (host == "0.0.0.0")
    assert err.strip() == "The app has stopped."
    assert set(Path(tempfile.gettempdir()).glob("healthgap-app-assets-*")) == folders
