"""Scenario files come from the visitor's browser, as an upload: the page never asks for, nor
reads, a path on the computer that serves it."""

from __future__ import annotations

from .test_app_browser import open_app, step, wait_until_drawn

OURS = b"""name = "ours"
description = "Our table's town"
years = 2
"""
NAMES_A_FILE = b"""name = "probe"
parameters_file = "../../etc/shadow"
"""


def upload(page, name: str, content: bytes) -> None:
    """Choose a file in the browser's file chooser, as a visitor does from their own computer."""
    with page.expect_file_chooser() as chooser:
        page.get_by_role("button", name="Choose a file").click()
    chooser.value.set_files({"name": name, "mimeType": "application/toml", "buffer": content})


def test_a_scenario_file_is_uploaded_from_the_browser_and_names_no_file_here(server, new_session):
    page, recorded = new_session()
    open_app(page, server.url)
    assert "path on this computer" not in page.inner_text("body")
    assert page.locator(".hg-field-scenario_path").count() == 0, "a box asks for a path here"

    step(page)
    upload(page, "probe.toml", NAMES_A_FILE)
    page.get_by_text("cannot name files on this computer").wait_for()
    said = page.locator(".hg-error").all_inner_texts()
    assert not any("TOML" in text or "line 1" in text for text in said), said
    assert page.locator(".hg-when").inner_text() == "Year 1, week 1"  # the town is kept

    upload(page, "not-toml.toml", b"\x00\x01 not a scenario")
    page.get_by_text("not-toml.toml").first.wait_for()

    upload(page, "ours.toml", OURS)
    page.get_by_text("Loaded ours: week 0.").wait_for()
    wait_until_drawn(page, 0)
    assert page.get_by_text("of 2 years").is_visible()
    assert "Traceback" not in page.inner_text("body")
    assert recorded.errors == []


def test_the_results_download_has_rounded_numbers(server, new_session, tmp_path):
    page, recorded = new_session()
    open_app(page, server.url)
    for _ in range(3):
        step(page)
    with page.expect_download() as download:
        page.get_by_role("button", name="Results so far (CSV)").click()
    path = tmp_path / "results.csv"
    download.value.save_as(path)
    rows = path.read_text().splitlines()
    assert rows[0] == "run,step,quintile,metric,value" and len(rows) > 100
    values = [row.rsplit(",", 1)[1] for row in rows[1:]]
    assert not [v for v in values if len(v.partition(".")[2]) > 4], "values with float noise"
    assert recorded.errors == []
