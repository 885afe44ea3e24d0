"""What a Step costs the browser: the pictures are updated in place (only the marks that changed
are touched, and the result is exactly what the server drew), and Solara's busy bar still
shows, standing still, while a tab waits for the server."""

from __future__ import annotations

from healthgap.viz.app.charts import activity_svg, chart_svgs, charted, panels_html
from healthgap.viz.app.controls import UPDATE_JS
from healthgap.viz.app.drawing import town_map_svg
from healthgap.viz.app.server import running_app
from healthgap.viz.workshop import Workshop, check_levers

from .test_app_browser import open_app, step

# Update `old` (drawn from `before`) to `after`; say whether it came out as `after` drawn
# afresh (the same marks with the same attributes, in any order), and how many of its marks were kept rather than made again.
UPDATED_JS = (
    "([before, after]) => {"
    + UPDATE_JS
    + """
  const old = document.createElement('div');
  old.innerHTML = before;
  const marks = new Set(old.querySelectorAll('*'));
  const next = document.createElement('template');
  next.innerHTML = after;
  update(old, next.content);
  const afresh = document.createElement('div');
  afresh.innerHTML = after;
  const kept = [...old.querySelectorAll('*')].filter((mark) => marks.has(mark)).length;
  return {same: old.isEqualNode(afresh), kept, marks: marks.size};
}"""
)


def pictures_at(workshop: Workshop, outcome: str, change: bool, picked: tuple) -> list[str]:
    series = workshop.chart_series(charted("inactive_pct"))
    return [
        town_map_svg(workshop.town_map(outcome), workshop.week, change=change, picked=picked),
        panels_html([activity_svg(series), *chart_svgs(series, "inactive_pct")]),
    ]


def test_a_picture_is_updated_in_place_to_exactly_what_the_server_drew(chromium):
    workshop = Workshop("baseline", residents=2_000)
    workshop.step()
    early = pictures_at(workshop, "imd_decile", False, ())
    raw = {
        "transport": True,
        "transport_from": "T001",
        "transport_to": "T005",
        "seed_funding": True,
    }
    levers, errors = check_levers({**workshop.levers.model_dump(), **raw}, workshop)
    assert not errors
    workshop.apply(levers)  # an added link and new groups: marks come and go
    workshop.step(30)
    late = pictures_at(workshop, "inactive_pct", True, ("T002",))
    page = chromium.new_page()
    try:
        for before, after in [
            *zip(early, late, strict=True),
            *zip(late, early, strict=True),
            early,
        ]:
            updated = page.evaluate(UPDATED_JS, [before, after])
            assert updated["same"], "the updated picture is not what the server drew"
        # A Step's picture keeps most of its marks (the legend, the streets, the axes).
        workshop.step()
        next_week = pictures_at(workshop, "inactive_pct", True, ("T002",))
        for before, after in zip(late, next_week, strict=True):
            updated = page.evaluate(UPDATED_JS, [before, after])
            assert updated["same"] and updated["kept"] > 0.9 * updated["marks"], updated
        assert page.evaluate(UPDATED_JS, ["", late[0]])["same"]
        assert page.evaluate(UPDATED_JS, [late[0], ""])["same"]
    finally:
        page.close()


KEEP_MARKS_JS = """() => {
  window.hgMarks = [...document.querySelectorAll("svg[aria-label='Map of the town'] .hg-legend")];
  return window.hgMarks.length;
}"""


def test_a_step_keeps_the_pictures_marks_in_place(server, new_session):
    page, recorded = new_session()
    open_app(page, server.url)
    assert page.evaluate(KEEP_MARKS_JS) == 1
    step(page)
    step(page)
    assert page.evaluate("() => window.hgMarks.every((mark) => mark.isConnected)"), (
        "a Step drew the map's legend again instead of keeping it"
    )
    assert recorded.errors == []


BAR = ".v-application > .v-progress-linear, .v-application--wrap > .v-progress-linear"
# From the page itself: each time Solara's busy bar turns visible, how it looks then (the
# width its bar takes and the animations and transitions running in it).
WATCH_BAR_JS = f"""() => {{
  const bar = document.querySelector("{BAR}");
  window.hgBarSeen = [];
  new MutationObserver(() => {{
    if (getComputedStyle(bar).visibility !== 'visible') {{ return; }}
    const shown = [...bar.querySelectorAll('.long')].map((b) => b.getBoundingClientRect().width);
    window.hgBarSeen.push({{
      width: Math.max(0, ...shown),
      moving: bar.getAnimations({{subtree: true}}).length,
    }});
  }}).observe(bar, {{subtree: true, attributes: true}});
  return bar.getBoundingClientRect().width;
}}"""


def test_the_busy_bar_shows_standing_still_while_a_tab_waits(chromium):
    """Loading another town of 50,000 residents keeps the server busy for seconds: the bar
    shows across the page, and nothing in it moves (a moving bar made the browser lay out
    and paint the page every frame while it waited)."""
    with running_app(residents=50_000, start_seconds=300) as app:
        context = chromium.new_context(viewport={"width": 1400, "height": 1000})
        context.set_default_timeout(120_000)
        try:
            page = context.new_page()
            open_app(page, app.url)
            assert page.evaluate(WATCH_BAR_JS) > 1000
            page.get_by_role("button", name="Built-in scenario").click()
            page.get_by_role("option", name="big_local", exact=False).click()
            page.get_by_text("Loaded big_local: week 0.").wait_for()
            seen = page.evaluate("() => window.hgBarSeen")
            assert seen, "the busy bar never showed while the tab waited for the town"
            assert all(look["width"] > 1000 for look in seen), seen
            assert all(look["moving"] == 0 for look in seen), seen
        finally:
            context.close()
