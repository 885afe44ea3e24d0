"""A table's plan survives a reload: the levers running, the levers as set and the moved
assumptions come back; another browser still starts from the scenario."""

from __future__ import annotations

from .test_app_browser import open_app, wait_until_drawn

WORKERS = ".hg-field-outreach_workers input"


def test_a_reload_gives_a_table_its_plan_back(server, new_session):
    page, recorded = new_session()
    open_app(page, server.url)
    page.get_by_text("Link workers who invite people to groups").click()
    page.locator(WORKERS).fill("7")
    page.locator(WORKERS).press("Enter")
    page.get_by_role("slider").first.press("ArrowRight")
    page.get_by_role("button", name="Back to the scenario's assumptions").wait_for()
    page.get_by_role("button", name="Apply the levers (both towns restart)").click()
    page.get_by_text("These levers are running.").wait_for()
    page.get_by_text("Fund new local groups").click()  # set, not applied
    page.get_by_text("Changed: apply to run these levers.").wait_for()
    moved = page.locator(".hg-slider-label").first.inner_text()

    page.reload()
    wait_until_drawn(page, 0)
    assert page.locator(WORKERS).input_value() == "7"
    assert page.locator(".hg-field-seed_budget_gbp input").is_visible()
    assert page.get_by_text("Changed: apply to run these levers.").is_visible()
    assert page.locator(".hg-slider-label").first.inner_text() == moved
    assert page.get_by_text("Outreach: £").is_visible()

    other, _ = new_session()
    open_app(other, server.url)
    assert other.locator(WORKERS).count() == 0
    assert other.get_by_text("These levers are running.").is_visible()
    assert recorded.errors == []
