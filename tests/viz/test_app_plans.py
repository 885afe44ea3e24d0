"""A table's plan: it survives a reload (the levers running, the levers as set, the moved
assumptions) while another browser still starts from the scenario; named, it is kept per tab
(two tabs of one browser keep their own), joined by name, downloaded as a scenario file that
`compare` runs, and uploaded back with its levers; two devices on one plan follow each
other's levers without a reload."""

from __future__ import annotations

from .test_app_browser import open_app, step, wait_until_drawn
from .test_app_files import upload
from .test_app_report_browser import apply_levers, name_plan, open_plan

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


def test_two_tabs_of_one_browser_keep_their_own_named_plans(server, new_session):
    page, recorded = new_session()
    open_plan(page, server.url, "Table 2", "Link workers who invite people to groups")
    apply_levers(page)
    assert "plan=Table+2" in page.url

    other = page.context.new_page()  # the same browser: one session cookie for both tabs
    open_app(other, server.url)
    name_plan(other, "Table 3")
    other.get_by_text("An online directory of local groups").click()
    apply_levers(other)

    page.reload()
    wait_until_drawn(page, 0)
    assert page.locator(".hg-field-plan_name input").input_value() == "Table 2"
    assert page.get_by_text("Outreach: £").is_visible()
    assert not page.get_by_text("Directory: £").is_visible()
    other.reload()
    wait_until_drawn(other, 0)
    assert other.locator(".hg-field-plan_name input").input_value() == "Table 3"
    assert other.get_by_text("Directory: £").is_visible()
    assert not other.get_by_text("Outreach: £").is_visible()
    assert recorded.errors == []


def test_a_plan_downloads_as_a_scenario_that_compare_runs_and_uploads_back(
    server, new_session, tmp_path
):
    from healthgap.compare import compare

    page, recorded = new_session()
    open_plan(page, server.url, "Table 4: walks", "Link workers who invite people to groups")
    page.locator(WORKERS).fill("5")
    page.locator(WORKERS).press("Enter")
    apply_levers(page)
    step(page)
    assert page.locator(".hg-result-words").inner_text().startswith("After 1 week: ")
    with page.expect_download() as download:
        page.get_by_role("button", name="This plan as a scenario file (.toml)").click()
    assert download.value.suggested_filename == "table-4-walks.toml"
    path = tmp_path / download.value.suggested_filename
    download.value.save_as(path)

    comparison = compare("baseline", [path], replicates=2, years=0.1, workers=1)
    effect = comparison.scenarios["Table 4: walks"]
    assert effect.cost_gbp > 0 and "5 link workers" in effect.description

    fresh, fresh_recorded = new_session()  # another table, in another browser
    open_app(fresh, server.url)
    chooser_button = fresh.get_by_role("button", name="Choose a file")
    assert chooser_button.inner_text().strip().upper() == "CHOOSE A FILE", "a counter shows"
    upload(fresh, path.name, path.read_bytes())
    fresh.get_by_text("Loaded the plan Table 4: walks: its levers are set, at week 0.").wait_for()
    assert fresh.locator(WORKERS).input_value() == "5"
    assert fresh.get_by_text("These levers are running.").is_visible()
    assert recorded.errors == [] and fresh_recorded.errors == []


def test_a_table_joins_a_plan_by_its_name_and_a_bad_name_is_explained(server, new_session):
    first, _ = new_session()
    open_plan(first, server.url, "Table 5", "An online directory of local groups")
    apply_levers(first)

    second, recorded = new_session()
    open_app(second, server.url)
    field = second.locator(".hg-field-plan_name input")
    field.fill("baseline")
    field.press("Enter")
    second.get_by_text("'baseline' is the baseline's name.").wait_for()
    name_plan(second, "Table 5")
    second.get_by_text("Joined the plan Table 5: its levers are set, at week 0.").wait_for()
    assert second.get_by_text("Directory: £").is_visible()
    assert recorded.errors == []


FOLLOWED_WITHIN_MS = 15_000  # "within a few seconds" (every half second, idle), on busy cores


def test_two_devices_on_one_plan_follow_each_others_levers_without_a_reload(server, new_session):
    first, recorded = new_session()
    open_plan(first, server.url, "Table 6", "Link workers who invite people to groups")
    apply_levers(first)
    second, second_recorded = new_session()  # another device at the same table
    open_app(second, server.url)
    name_plan(second, "Table 6")
    second.get_by_text("Joined the plan Table 6: its levers are set, at week 0.").wait_for()
    step(second)

    first.locator(WORKERS).fill("7")
    first.locator(WORKERS).press("Enter")
    first.get_by_text("An online directory of local groups").click()
    apply_levers(first)
    second.get_by_text("Another device at Table 6 applied new levers").wait_for(
        timeout=FOLLOWED_WITHIN_MS
    )
    wait_until_drawn(second, 0)  # both its towns restarted with the new levers
    assert second.locator(WORKERS).input_value() == "7"
    assert second.get_by_text("Directory: £").is_visible()
    assert second.get_by_text("These levers are running.").is_visible()
    # The device that applied them keeps them, and is not told about its own change.
    assert first.locator(WORKERS).input_value() == "7"
    assert first.get_by_text("Another device at").count() == 0

    # And back the other way: the second device changes the plan, the first follows.
    second.locator(WORKERS).fill("3")
    second.locator(WORKERS).press("Enter")
    apply_levers(second)
    first.get_by_text("Another device at Table 6 applied new levers").wait_for(
        timeout=FOLLOWED_WITHIN_MS
    )
    first.wait_for_function("(sel) => document.querySelector(sel).value === '3'", arg=WORKERS)
    assert recorded.errors == [] and second_recorded.errors == []
