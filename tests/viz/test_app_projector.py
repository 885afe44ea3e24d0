"""Readable in a room: Large type enlarges the text inside the map and charts too, buttons stay
inside their cards, the projector shows the map beside the difference chart at 1280x720 with
the levers folded away, and the map's legend says what every colour and mark means."""

from __future__ import annotations

from .test_app_browser import open_app, step

MAP = "svg[aria-label='Map of the town']"
DIFFERENCE = "svg[aria-label^='Difference from the baseline']"
LEGEND = f"{MAP} .hg-legend"
TEXT_PX_JS = "(svg) => svg.querySelector('text').getBoundingClientRect().height"
OVERFLOWING_JS = """() => [...document.querySelectorAll('.v-card .v-btn')]
  .filter((b) => b.getBoundingClientRect().right > b.closest('.v-card').getBoundingClientRect().right + 1)
  .map((b) => b.textContent.trim())"""


def text_px(page, picture: str) -> float:
    """The rendered height of the first text in a picture, in CSS pixels."""
    return page.locator(picture).evaluate(TEXT_PX_JS)


def test_large_type_enlarges_the_pictures_text_and_buttons_stay_in_their_cards(server, new_session):
    page, recorded = new_session()
    open_app(page, server.url)
    assert page.evaluate(OVERFLOWING_JS) == []
    small = {picture: text_px(page, picture) for picture in (MAP, DIFFERENCE)}
    page.get_by_text("Large type").click()
    page.wait_for_function(
        f"(px) => document.querySelector(\"{MAP}\").querySelector('text')"
        ".getBoundingClientRect().height > 1.4 * px",
        arg=small[MAP],
    )
    for picture, before in small.items():
        assert text_px(page, picture) > 1.4 * before, picture
    assert page.evaluate(OVERFLOWING_JS) == []
    assert recorded.errors == []


def assert_on_screen(page, shown: dict[str, str], width: int = 1280, height: int = 720) -> None:
    """Each element (by what it is, its selector) lies wholly inside the viewport, as the
    browser has laid it out: a projector shows nothing below or right of the screen."""
    for what, selector in shown.items():
        box = page.locator(selector).bounding_box()
        assert box is not None, f"{what} is not shown"
        assert box["x"] >= 0 and box["x"] + box["width"] <= width + 1, f"{what}: {box}"
        assert box["y"] >= 0, f"{what} starts above the screen: {box}"
        assert box["y"] + box["height"] <= height + 1, (
            f"{what} is cut off: its bottom is at {box['y'] + box['height']:.0f} px of {height}"
        )


ON_THE_PROJECTOR = {"the map's legend": LEGEND, "the map": MAP, "the difference": DIFFERENCE}


def test_the_projector_shows_the_map_beside_the_difference_at_1280_by_720(server, chromium):
    context = chromium.new_context(viewport={"width": 1280, "height": 720})
    context.set_default_timeout(60_000)
    try:
        page = context.new_page()
        open_app(page, server.url)
        normal = text_px(page, MAP)
        page.get_by_text("Projector").click()
        page.locator(".hg-projector").wait_for()
        step(page)
        assert_on_screen(page, ON_THE_PROJECTOR)
        shown = {p: page.locator(p).bounding_box() for p in (MAP, DIFFERENCE)}
        assert shown[DIFFERENCE]["x"] >= shown[MAP]["x"] + shown[MAP]["width"] - 1
        assert not page.get_by_role("button", name="Apply the levers (both towns restart)").count()
        assert page.locator(".hg-result-words").is_visible()
        assert text_px(page, MAP) > 1.15 * normal and text_px(page, DIFFERENCE) >= 14

        # Large type on a projector makes the header and the result taller: the map and its
        # legend must shrink to fit what is left, not run off the bottom of the screen.
        header = page.locator(".hg-header").bounding_box()["height"]
        page.get_by_text("Large type").click()
        page.wait_for_function(
            "(h) => document.querySelector('.hg-header').getBoundingClientRect().height > h",
            arg=header,
        )
        step(page)
        assert_on_screen(page, ON_THE_PROJECTOR)
        assert page.locator(".hg-result-words").is_visible()
    finally:
        context.close()


def test_the_change_legend_says_what_its_colours_and_marks_mean(server, new_session):
    page, recorded = new_session()
    open_app(page, server.url)
    page.get_by_role("button", name="Colour the neighbourhoods by").click()
    page.get_by_role("option", name="Inactive: under 30 minutes of activity a week").click()
    page.get_by_text("Change against the baseline", exact=True).click()
    page.locator(f"{MAP} >> text=no change").wait_for()
    legend = page.locator(MAP).inner_html()
    for said in ("better", "worse", "neighbourhood (size: residents)",
                 "street between neighbourhoods", "local group (size: who goes)"):  # fmt: skip
        assert said in legend, said
    middle = page.locator(f"{MAP} linearGradient stop").nth(1).get_attribute("stop-color")
    assert middle == "#F7F7F7", "no change is drawn near-white: the legend's middle must be too"

    page.locator(f"{MAP} circle[data-code]").first.click()
    said = page.locator(".hg-info").filter(has_text="against the baseline").inner_text()
    assert "%" in said and "percentage points against the baseline" in said
    assert recorded.errors == []
