"""Every click acts once, with both cores busy: a click on apply right after typing a number,
or right after switching a lever on, puts those levers to work at the first click."""

from __future__ import annotations

from .test_app_browser import open_app, step, wait_until_drawn

APPLY = "Apply the levers (both towns restart)"


def spent(page) -> str:
    return page.get_by_text("Spent beyond the baseline:").inner_text()


def test_apply_after_typing_a_number_acts_on_the_first_click(server, new_session, busy_cpus):
    page, recorded = new_session()
    open_app(page, server.url)
    page.get_by_text("Fund new local groups").click()
    budget = page.locator(".hg-field-seed_budget_gbp input")
    budget.wait_for()
    page.get_by_role("button", name=APPLY).click()
    page.get_by_text("These levers are running").wait_for()
    step(page)
    assert spent(page) == "Spent beyond the baseline: £150,000"

    # A new budget typed, no Enter, and one click: the towns restart with that budget.
    budget.fill("300000")
    page.get_by_role("button", name=APPLY).click()
    wait_until_drawn(page, 0)
    step(page)
    assert spent(page) == "Spent beyond the baseline: £300,000"
    assert recorded.errors == []


def test_apply_right_after_switching_levers_on_acts_on_the_first_click(
    server, new_session, busy_cpus
):
    page, recorded = new_session()
    open_app(page, server.url)
    for lever in (
        "Link workers who invite people to groups",
        "Fund new local groups",
        "An online directory of local groups",
    ):
        step(page)
        page.get_by_text(lever).click()
        page.get_by_role("button", name=APPLY).click()  # at once, before the page redraws
        wait_until_drawn(page, 0)
    assert recorded.errors == []
