"""The levers in Chromium as a table meets them: assumption sliders that open at the scenario's
own values and stay readable at a projector's width."""

from __future__ import annotations

import re

import pytest

from healthgap.viz.workshop import ASSUMPTION_SLIDERS

from .test_app_browser import open_app, step, wait_until_drawn

RUNNING = "These levers are running."
BACK = "Back to the scenario's assumptions"
OVERLAP_JS = """() => {
  const boxes = (selector) => [...document.querySelectorAll(selector)]
    .map((e) => e.getBoundingClientRect()).filter((r) => r.width > 0 && r.height > 0);
  const meet = (a, b) => a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom;
  const texts = boxes('.hg-slider-label, .v-label');
  return boxes('.v-slider__thumb-label').some((bubble) => texts.some((t) => meet(bubble, t)));
}"""


def test_sliders_open_at_the_scenario_values_and_go_back_to_them(server, new_session):
    page, recorded = new_session()
    open_app(page, server.url)
    step(page)  # answered after anything the sliders sent as they were drawn
    body = page.inner_text("body")
    assert page.get_by_role("button", name=BACK).count() == 0, "a fresh page has moved sliders"
    assert page.get_by_text(RUNNING).is_visible()
    assert not re.search(r"\d\.\d{6,}", body), "a slider shows a value with float noise"
    for slider in ASSUMPTION_SLIDERS:
        assert f"{slider.label}: {slider.default:g}" in body

    # One step right on the first slider, then back to the scenario's values.
    page.get_by_role("slider").first.press("ArrowRight")
    page.get_by_text("Changed: apply to run these levers.").wait_for()
    page.get_by_role("button", name=BACK).click()
    page.get_by_text(RUNNING).wait_for()
    page.get_by_role("button", name=BACK).wait_for(state="detached")  # each widget redraws apart
    assert recorded.errors == []


def test_a_step_sends_no_slider_values_back_and_forth(server, new_session):
    """Handed a value off its steps (a fitted 0.1591), a slider sent the rounded one back after
    every redraw: three sliders cost each Step three messages each way, each a round of the
    server's of its own (in a room of ten, that is ten visitors' Steps waiting on them)."""
    page, recorded = new_session()
    frames: list[str] = []
    page.on(
        "websocket",
        lambda ws: (
            ws.on("framesent", lambda f: frames.append(f"sent {f}")),
            ws.on("framereceived", lambda f: frames.append(f"received {f}")),
        ),
    )
    open_app(page, server.url)
    step(page)  # whatever the page sends as it is first drawn is over once this is answered
    frames.clear()
    for _ in range(3):
        step(page)
    step(page)  # and the answers to the third step's messages, if any, arrived before this
    sliders = [f[:300] for f in frames if '"v_model"' in f]
    assert sliders == [], f"{len(sliders)} slider messages in four steps: {sliders[:2]}"
    assert recorded.errors == []


@pytest.mark.parametrize("width", [1280, 1400])
def test_slider_tracks_are_wide_and_no_value_covers_a_label(server, new_session, width):
    page, _ = new_session()
    page.set_viewport_size({"width": width, "height": 720})
    open_app(page, server.url)
    tracks = page.locator(".v-slider__track-container")
    assert tracks.count() == len(ASSUMPTION_SLIDERS)
    widths = [tracks.nth(i).bounding_box()["width"] for i in range(tracks.count())]
    assert min(widths) > 200, f"slider tracks {widths} px wide at {width} px"
    assert not page.evaluate(OVERLAP_JS), "a slider's value bubble covers a label"


def test_a_bad_value_in_a_lever_switched_off_does_not_block_apply(server, new_session):
    page, recorded = new_session()
    open_app(page, server.url)
    page.get_by_text("Link workers who invite people to groups").click()
    workers = page.locator(".hg-field-outreach_workers input")
    workers.fill("lots")
    workers.press("Enter")
    page.get_by_text("Give a whole number of workers").wait_for()
    page.get_by_text("Link workers who invite people to groups").click()  # off again
    page.get_by_text("Fund new local groups").click()
    page.locator(".hg-field-seed_budget_gbp input").wait_for()
    step(page)
    page.get_by_role("button", name="Apply the levers (both towns restart)").click()
    wait_until_drawn(page, 0)
    step(page)
    assert page.get_by_text("Spent beyond the baseline:").inner_text().endswith("£150,000")
    assert recorded.errors == []


@pytest.mark.parametrize(
    ("field", "switch", "typed", "said"),
    [
        ("outreach_workers", "Link workers who invite people to groups", "3.5", "whole number"),
        ("seed_grant_gbp", "Fund new local groups", "3.50", "whole pounds"),
    ],
    ids=["workers", "grant"],
)
def test_a_part_worker_or_pence_get_a_plain_message(
    server, new_session, field, switch, typed, said
):
    page, recorded = new_session()
    open_app(page, server.url)
    page.get_by_text(switch).click()
    box = page.locator(f".hg-field-{field} input")
    box.fill(typed)
    box.press("Enter")
    page.locator(f".hg-field-{field} .error--text").get_by_text(said).wait_for()
    assert page.get_by_text("Fix the marked fields first.").is_visible()
    assert recorded.errors == []


def test_costs_say_when_they_are_paid(server, new_session):
    page, recorded = new_session()
    open_app(page, server.url)
    page.get_by_text("Fund new local groups").click()
    page.get_by_text("Seed funding: £150,000 at the start").wait_for()  # grants go out at once
    page.get_by_text("Better transport between two neighbourhoods").click()
    page.get_by_role("button", name="How").click()
    page.get_by_role("option", name="Free buses on the route").click()
    places = page.locator("svg[aria-label='Map of the town'] circle[data-code]")
    for end in (0, 1):  # a click on the map picks each end of the link
        places.nth(end).click()
    page.get_by_text("Fare subsidy: the fares of the trips taken").wait_for()
    assert "£0" not in page.locator(".hg-costs").inner_text()
    assert recorded.errors == []
