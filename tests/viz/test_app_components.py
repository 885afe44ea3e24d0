"""The app's components rendered without a browser (solara.render), driven through their widgets."""

from __future__ import annotations

import re
import threading
import time

import ipyvuetify as v
import numpy as np
import pytest
import solara

from healthgap.viz.app import page
from healthgap.viz.app.charts import chart_svgs
from healthgap.viz.app.controls import SvgView, UploadButton
from healthgap.viz.app.drawing import (
    Line,
    grouped_bars_svg,
    line_chart_svg,
    panels_svg,
    series_lookup,
    town_map_svg,
)
from healthgap.viz.formatting import MINUS
from healthgap.viz.workshop import MAX_BUDGET_GBP, Workshop

RESIDENTS = 2_000


@pytest.fixture
def sessions(monkeypatch) -> list[page.Session]:
    """Every Session a rendered Page makes, in order."""
    made: list[page.Session] = []
    init = page.Session.__init__

    def recording(self, *args, **kwargs):
        init(self, *args, **kwargs)
        made.append(self)

    monkeypatch.setattr(page.Session, "__init__", recording)
    return made


def render(scenario: str = "baseline"):
    _, rc = solara.render(page.Page(scenario, residents=RESIDENTS), handle_error=False)
    return rc


def button(rc, label: str) -> v.Btn:
    """The button whose text starts with `label`."""
    return next(
        b
        for b in rc.find(v.Btn).widgets
        if any(isinstance(c, str) and c.startswith(label) for c in b.children)
    )


def switch(rc, label: str) -> v.Switch:
    return next(s for s in rc.find(v.Switch).widgets if s.label == label)


def field(rc, name: str) -> v.TextField:
    """The text field of lever `name`."""
    return rc.find(v.TextField, class_=f"mb-2 hg-field-{name}").widget


def errors_shown(rc) -> list[v.Html]:
    return rc.find(v.Html, class_="hg-error").widgets


def week_label(rc) -> str:
    return rc.find(v.Html, class_="hg-when").widget.children[0]


def pictures(rc) -> list[str]:
    """The map's SVG text, then the charts'."""
    return [view.svg for view in rc.find(SvgView).widgets]


def test_step_advances_the_week_and_redraws_map_and_charts():
    rc = render()
    assert week_label(rc) == "Start (week 0)"
    before = pictures(rc)
    assert all("data-week='0'" in svg for svg in before)
    button(rc, "Step").click()
    assert week_label(rc) == "Year 1, week 1"
    after = pictures(rc)
    assert all("data-week='1'" in svg for svg in after)
    assert "data-week='0'" not in after[1]


def test_reset_goes_back_to_week_0():
    rc = render()
    button(rc, "Step").click()
    button(rc, "Step").click()
    button(rc, "Reset").click()
    assert week_label(rc) == "Start (week 0)"


def test_each_page_has_its_own_workshop(sessions):
    first, second = render(), render()
    button(first, "Step").click()
    assert week_label(first) == "Year 1, week 1"
    assert week_label(second) == "Start (week 0)"
    assert len(sessions) == 2 and sessions[0].workshop is not sessions[1].workshop
    assert sessions[1].workshop.week == 0


@pytest.mark.parametrize(
    "typed", ["0", "lots", str(MAX_BUDGET_GBP * 2)], ids=["zero", "text", "over the maximum"]
)
def test_a_bad_budget_is_marked_beside_its_field_and_the_app_carries_on(typed):
    rc = render()
    switch(rc, "Fund new local groups").v_model = True
    budget = field(rc, "seed_budget_gbp")
    budget.v_model = typed
    budget.fire_event("focusout", None)  # solara reads a text field when it loses focus
    budget = field(rc, "seed_budget_gbp")
    assert budget.error and "budget in whole pounds" in budget.messages[0]
    assert button(rc, "Step") and "Fix the marked fields first." in [
        t.children[0] for t in errors_shown(rc)
    ]
    button(rc, "Step").click()
    assert week_label(rc) == "Year 1, week 1"


def test_a_link_from_a_neighbourhood_to_itself_is_marked_and_map_clicks_pick_the_ends():
    rc = render()
    switch(rc, "Better transport between two neighbourhoods").v_model = True
    town_map = rc.find(SvgView).widgets[0]
    town_map.vue_pick("T001")
    town_map.vue_pick("T001")
    selects = {s.label: s for s in rc.find(v.Select).widgets}
    assert selects["From"].v_model == "T001" and selects["To"].v_model == "T001"
    assert "different neighbourhood" in selects["To"].error_messages[0]
    town_map.vue_pick("T002")  # a third click starts a new link
    town_map.vue_pick("T003")
    selects = {s.label: s for s in rc.find(v.Select).widgets}
    assert (selects["From"].v_model, selects["To"].v_model) == ("T002", "T003")
    assert not selects["To"].error_messages
    assert "stroke='#000' stroke-width='3'" in pictures(rc)[0]  # the picked ends stand out


def test_applying_a_lever_restarts_both_runs_and_shows_the_added_link(sessions):
    rc = render()
    button(rc, "Step").click()
    switch(rc, "Better transport between two neighbourhoods").v_model = True
    town_map = rc.find(SvgView).widgets[0]
    town_map.vue_pick("T001")
    town_map.vue_pick("T030")
    assert "£" in rc.find(v.Html, class_="hg-cost").widget.children[0]
    button(rc, "Apply the levers").click()
    assert week_label(rc) == "Start (week 0)"
    assert sessions[0].workshop.levers.transport
    assert "These levers are running." in [
        t.children[0] for t in rc.find(v.Html, class_="hg-success").widgets
    ]
    button(rc, "Step").click()  # the bus starts running in the first week
    assert "Added: bus route" in pictures(rc)[0]


def test_an_unreadable_uploaded_scenario_is_marked_and_the_town_kept():
    rc = render()
    button(rc, "Step").click()
    upload = rc.find(UploadButton).widget
    upload.vue_send({"name": "mine.toml", "size": 9, "text": "years = ["})
    assert any("mine.toml: This is not valid TOML" in t.children[0] for t in errors_shown(rc))
    assert week_label(rc) == "Year 1, week 1"
    upload.vue_send({"name": "huge.toml", "size": 10**9, "text": ""})  # never read in the browser
    assert any("1,000,000,000 bytes: too large" in t.children[0] for t in errors_shown(rc))


def test_the_map_colours_by_the_chosen_outcome_and_its_change():
    workshop = Workshop("baseline", residents=RESIDENTS)
    workshop.step()
    deciles = town_map_svg(workshop.town_map("imd_decile"), workshop.week)
    inactive = town_map_svg(workshop.town_map("inactive_pct"), workshop.week)
    change = town_map_svg(workshop.town_map("inactive_pct"), workshop.week, change=True)
    assert deciles.count("data-code=") == len(workshop.neighbourhood_choices())
    assert "IMD decile" in deciles and "Inactive" in inactive
    assert "Change against the baseline (percentage points)" in change


def test_the_map_draws_its_streets_once_and_each_look_once():
    """A Step sends the map again: every street is one path, and marks of a kind take their
    look from their group, not an attribute each (the map of 30 neighbourhoods was 19 kB)."""
    workshop = Workshop("baseline", residents=RESIDENTS)
    workshop.step()
    town = workshop.town_map("imd_decile")
    svg = town_map_svg(town, workshop.week, picked=("T001",))
    drawn = svg.split("<g class='hg-legend'>")[0]  # the legend draws one of each mark
    assert "<line" not in drawn  # no link added by a lever
    [streets] = re.findall(r"<path d='([^']*)'", drawn)
    assert streets.count("M") == streets.count("L") == len(town.links)
    assert drawn.count("cursor:pointer") == 1 and drawn.count("stroke='#555'") == 1
    assert drawn.count("stroke='#000' stroke-width='3'") == 1  # the picked neighbourhood
    assert drawn.count("font-size") == 1 and drawn.count("pointer-events") == 2  # labels, groups
    assert len(svg) < 12_000


def test_charts_use_the_metric_labels_and_show_the_gap_and_sii():
    workshop = Workshop("baseline", residents=RESIDENTS)
    workshop.step(3)
    panels = chart_svgs(series_lookup(workshop.series()), "life_satisfaction_mean")
    text = "".join(panels)
    assert "Mean life satisfaction (0 to 10)" in text
    assert "Slope Index of Inequality" in text and "quintile 1 minus 5" in text
    assert "Difference from the baseline (points on the 0-10 scale)" in text


@pytest.mark.parametrize("values", [[0.0, 0.0, 0.0], [15.67, 15.67, 15.67 + 1e-14]])
def test_a_flat_line_still_gets_an_axis(values):
    weeks = np.arange(len(values))
    svg = line_chart_svg("Flat", [Line("flat", weeks, np.array(values), "#000000")], zero=True)
    assert svg.count("<polyline") == 1 and "data-week='2'" in svg


def test_a_band_is_shaded_under_its_line_and_kept_in_view():
    weeks = np.arange(3)
    band = Line("a", weeks, np.array([0.0, 1.0, 2.0]), "#000000", "", np.zeros(3), np.full(3, 9.0))
    svg = line_chart_svg("Banded", [band], zero=True, span=(-4.0, 0.0))
    assert svg.count("<polygon") == 1 and svg.count("<polyline") == 1
    assert ">10</text>" in svg and f">{MINUS}5</text>" in svg  # past the band and the span


def test_grouped_bars_show_intervals_missing_bars_and_a_reference():
    svg = grouped_bars_svg(
        "Ratios",
        ["first", "second & third"],
        [("low", "#111111"), ("high", "#222222")],
        [[(2.0, 1.0, 3.0), (None, None, None)], [(0.5, None, None), (-1.0, -2.0, 0.5)]],
        reference=(1.0, "break-even"),
    )
    assert svg.count("<rect x=") == 3 + 2  # bars drawn (not the missing one) and the legend
    assert svg.count("stroke='#222' stroke-width='1'") == 2  # the two intervals
    assert "break-even" in svg and "second &amp; third" in svg
    together = panels_svg("Both", [svg, svg, svg], columns=2)
    assert together.count("<svg") == 4 and together.count("width='100%'") == 0
    assert "<svg x='480' y='0'" in together


def test_play_steps_on_its_own_until_paused():
    rc = render()
    speed = next(s for s in rc.find(v.Select).widgets if s.label == "Speed")
    speed.v_model = "52"
    button(rc, "Play").click()
    deadline = time.monotonic() + 10
    while week_label(rc).startswith("Start") and time.monotonic() < deadline:
        time.sleep(0.05)
    button(rc, "Pause").click()
    time.sleep(0.3)  # a step under way when Pause was clicked still lands
    paused_at = week_label(rc)
    assert paused_at.startswith("Year 1")
    time.sleep(0.3)
    assert week_label(rc) == paused_at
    assert button(rc, "Play")


def test_a_moved_assumption_applies_to_both_towns_and_can_be_taken_back(sessions):
    rc = render()
    slider = rc.find(v.Slider).widgets[0]  # the first assumption: travel time's deterrence
    slider.v_model = slider.max
    button(rc, "Apply the levers").click()
    assert sessions[0].workshop.levers.assumptions == {"behaviour.travel_weight": slider.max}
    button(rc, "Back to the scenario's assumptions").click()
    button(rc, "Apply the levers").click()
    assert sessions[0].workshop.levers.assumptions == {}


def texts(rc) -> list[str]:
    return [c for t in rc.find(v.Html).widgets for c in t.children if isinstance(c, str)]


def test_a_second_apply_shows_the_new_levers_running_and_a_step_leaves_the_levers_alone():
    """A Step redraws only the week's parts; applying levers (the same notice as the last
    apply) must still redraw the page, or it goes on saying the levers are not yet applied
    and the others on the plan never hear of them."""
    rc = render()
    switch(rc, "Link workers who invite people to groups").v_model = True
    button(rc, "Apply the levers").click()
    assert "These levers are running." in texts(rc)
    workers = field(rc, "outreach_workers")
    workers.v_model = "7"
    workers.fire_event("focusout", None)  # solara reads a text field when it loses focus
    assert "Changed: apply to run these levers." in texts(rc)
    button(rc, "Apply the levers").click()
    assert "These levers are running." in texts(rc)
    levers_panel = rc.find(v.TextField, class_="mb-2 hg-field-outreach_workers").widget
    button(rc, "Step").click()
    assert week_label(rc) == "Year 1, week 1"
    # the levers' field is the same widget: the Step did not redraw the levers
    assert rc.find(v.TextField, class_="mb-2 hg-field-outreach_workers").widget is levers_panel


def test_steps_take_turns_first_come_first_served_but_a_stuck_one_holds_no_one_up():
    turns = page.Turns(patience=0.5)
    order: list[str] = []
    first_in, release_first = threading.Event(), threading.Event()

    def first() -> None:
        with turns.turn():
            first_in.set()
            release_first.wait(5)
            order.append("first")

    def second() -> None:
        with turns.turn():
            order.append("second")

    one = threading.Thread(target=first)
    one.start()
    first_in.wait(5)
    two = threading.Thread(target=second)
    started = time.monotonic()
    two.start()
    two.join(5)  # the first is stuck: the second goes ahead after its patience
    waited = time.monotonic() - started
    assert order == ["second"] and 0.4 < waited < 3
    release_first.set()
    one.join(5)
    assert order == ["second", "first"]
    # Both tickets done: the next one goes at once, in turn.
    started = time.monotonic()
    with turns.turn():
        assert time.monotonic() - started < 0.3
    # In turn: while one is in, the next waits for it (not for its patience).
    in_turn, let_go = threading.Event(), threading.Event()

    def holder() -> None:
        with turns.turn():
            in_turn.set()
            let_go.wait(5)
            order.append("holder")

    held = threading.Thread(target=holder)
    held.start()
    in_turn.wait(5)
    threading.Timer(0.1, let_go.set).start()
    with turns.turn():
        order.append("next")
    held.join(5)
    assert order[-2:] == ["holder", "next"]
