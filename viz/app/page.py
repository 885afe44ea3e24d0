"""The workshop page: the town, the levers, play and step, live charts against the baseline.

Each browser tab gets its own `Workshop` (made inside the component, never at module level).
The play thread and clicks change it only under the session's lock, and the page reads it
under the same lock, so a half-stepped pair is never drawn.
"""

from __future__ import annotations

import dataclasses
import functools
import os
import threading
import time
from collections.abc import Callable

import ipywidgets
import solara
from solara.server.kernel_context import has_current_context

from healthgap.model.errors import InputError
from healthgap.model.metrics import METRICS
from healthgap.scenarios import Scenario
from healthgap.viz.formatting import capitalised, horizon, money, number
from healthgap.viz.workshop import (
    LeverCost,
    Levers,
    Workshop,
    check_levers,
    uploaded_scenario,
)

from .about import About
from .charts import SERIES_METRICS, Charts
from .controls import Choice, Message
from .drawing import series_lookup, signed
from .levers import LeverPanel, as_raw
from .server import RESIDENTS_VARIABLE, SCENARIO_VARIABLE
from .town_map import TownMapView

SPEEDS = [("1", "1 week a second"), ("4", "4 weeks a second"), ("13", "A quarter a second"),
          ("52", "A year a second")]  # fmt: skip
TICK_SECONDS = 0.1  # play redraws at most this often; quicker speeds step several weeks a tick
CSS = """
.hg-header { position: sticky; top: 0; z-index: 5; background: #fff; border-bottom: 1px solid #ddd;
  padding: 6px 0; align-items: center; flex-wrap: wrap; }
.hg-when { font-size: 1.6rem; font-weight: 600; min-width: 12ch; }
.hg-svg svg { display: block; }
"""
LARGE_CSS = "html { font-size: 22px !important; } .v-application { font-size: 1.1rem; }"


@functools.cache
def builtin_choices() -> tuple[tuple[str, str], ...]:
    """The built-in scenario library as (name, "name: description")."""
    from healthgap.scenarios import builtin_names, load_scenario

    return tuple((n, f"{n}: {load_scenario(n).description}") for n in builtin_names())


@dataclasses.dataclass(frozen=True)
class Plan:
    """What a browser's table has chosen: the scenario, the levers running and the levers as
    set on the page (the draft). A reload gives it back."""

    scenario: Scenario
    levers: Levers
    draft: dict


PLANS_KEPT = 500  # the plans of the most recent browsers; each is a few kilobytes
plans: dict[str, Plan] = {}  # by browser (Solara's session cookie), for the server's life


def keep_plan(browser: str, plan: Plan) -> None:
    plans.pop(browser, None)
    plans[browser] = plan
    while len(plans) > PLANS_KEPT:
        del plans[next(iter(plans))]


def this_browser() -> str | None:
    """Solara's id for the browser the page is open in; None when rendered without a server."""
    return solara.get_session_id() if has_current_context() else None


class Session:
    """One browser tab's workshop and the lock that keeps its play thread and clicks apart;
    it starts from the browser's plan when there is one (a reload), at week 0."""

    def __init__(self, scenario: str, residents: int | None, plan: Plan | None = None) -> None:
        self.lock = threading.RLock()
        self.notice = ""
        try:
            if plan is None:
                self.workshop = Workshop(scenario, residents=residents)
            else:
                self.workshop = Workshop(plan.scenario, residents=residents, levers=plan.levers)
                self.notice = "Your table's plan is back: both towns start again from week 0."
        except InputError as error:
            self.notice = f"Started with the baseline instead: {error.message()}"
            self.workshop = Workshop("baseline", residents=residents)
        self.draft = plan.draft if plan else as_raw(self.workshop.levers)

    def read(self, fn: Callable[[Workshop], object]):
        """`fn(workshop)` under the lock."""
        with self.lock:
            return fn(self.workshop)


def start_options() -> tuple[str, int | None]:
    """The scenario and town size `healthgap app` asked for, through the environment."""
    residents = os.environ.get(RESIDENTS_VARIABLE)
    return os.environ.get(SCENARIO_VARIABLE) or "baseline", int(residents) if residents else None


@solara.component
def Page(scenario: str | None = None, residents: int | None = None):
    """The whole app for one browser tab."""
    default_scenario, default_residents = start_options()
    browser = this_browser()
    session = solara.use_memo(
        lambda: Session(
            scenario or default_scenario, residents or default_residents, plans.get(browser)
        ),
        [],
    )
    WorkshopPage(session, browser)


@solara.component
def WorkshopPage(session: Session, browser: str | None = None):
    w = session.workshop
    version, set_version = solara.use_state(0)  # bumped whenever either run changes
    loaded, set_loaded = solara.use_state(0)  # bumped when a scenario is loaded
    playing, set_playing = solara.use_state(False)
    speed, set_speed = solara.use_state("4")
    outcome, set_outcome = solara.use_state("imd_decile")
    change, set_change = solara.use_state(False)
    chart_metric, set_chart_metric = solara.use_state("inactive_pct")
    raw, set_raw = solara.use_state(session.draft)
    selected, set_selected = solara.use_state(None)
    notice, set_notice = solara.use_state(session.notice)
    load_error, set_load_error = solara.use_state("")
    large, set_large = solara.use_state(False)

    def bump() -> None:
        set_version(lambda v: v + 1)

    def act(fn: Callable[[Workshop], None]) -> None:
        session.read(fn)
        bump()

    def play(cancel: threading.Event) -> None:
        """Step the weeks as they fall due by the clock, redrawing at most every tick: a slow
        step is made up by stepping more weeks at once, so play keeps to its label's speed."""
        if not playing:
            return
        weeks_a_second = int(speed)
        started, played = time.monotonic(), 0

        def elapsed() -> float:
            return time.monotonic() - started

        while not cancel.wait(max(TICK_SECONDS, (played + 1) / weeks_a_second - elapsed())):
            weeks = max(1, int(elapsed() * weeks_a_second) - played)
            with session.lock:
                if w.finished or cancel.is_set():
                    break
                w.step(weeks)
            played += weeks
            bump()
        if not cancel.is_set():
            set_playing(False)

    solara.use_thread(play, [playing, speed], intrusive_cancel=False)

    status = solara.use_memo(
        lambda: session.read(lambda w: (w.when, w.week, w.weeks, w.finished, w.spent_gbp)),
        [version],
    )
    when, week, weeks, finished, spent = status
    town = solara.use_memo(lambda: session.read(lambda w: w.town_map(outcome)), [version, outcome])
    lookup = solara.use_memo(
        lambda: session.read(lambda w: series_lookup(w.series(SERIES_METRICS))), [version]
    )
    levers, errors = solara.use_memo(
        lambda: session.read(lambda w: check_levers(raw, w)), [raw, loaded]
    )
    costs = solara.use_memo(
        lambda: [] if levers is None else w.lever_costs(levers), [levers, loaded]
    )
    neighbourhoods = solara.use_memo(
        lambda: session.read(lambda w: w.neighbourhood_choices()), [loaded]
    )

    def remember() -> None:
        if browser is not None:
            keep_plan(browser, Plan(w.scenario, w.levers, raw))

    solara.use_effect(remember, [raw, w.levers, loaded])

    def set_field(name: str, value) -> None:
        if name.startswith("assumptions."):
            key = name.removeprefix("assumptions.")
            set_raw(lambda r: {**r, "assumptions": {**r["assumptions"], key: value}})
        else:
            set_raw(lambda r: {**r, name: value})

    def pick(code: str) -> None:
        """A click on the map: show the neighbourhood; with transport on, pick the link's ends."""
        set_selected(code)

        def ends(r: dict) -> dict:
            if not r["transport"]:
                return r
            if r["transport_from"] is None or r["transport_to"] is not None:
                return {**r, "transport_from": code, "transport_to": None}
            return {**r, "transport_to": code}

        set_raw(ends)

    def apply() -> None:
        if levers is None:
            return  # the marked fields say what to fix
        set_playing(False)
        act(lambda w: w.apply(levers))
        set_notice("Levers applied: both towns start again from week 0.")

    def load(scenario) -> None:
        set_playing(False)
        try:
            session.read(lambda w: w.load(scenario))
        except InputError as error:
            set_load_error(error.message())
            return
        set_load_error("")
        set_raw(as_raw(w.levers))
        set_selected(None)
        set_notice(f"Loaded {w.scenario.name}: week 0.")
        set_loaded(lambda n: n + 1)
        bump()

    def upload(name: str, content: bytes) -> None:
        try:
            scenario = uploaded_scenario(name, content)
        except InputError as error:
            set_load_error(error.message())
            return
        load(scenario)

    solara.Style(CSS)
    if large:
        solara.Style(LARGE_CSS)
    with solara.Column(gap="8px", classes=["hg-root"], style={"padding": "0 12px"}):
        with solara.Row(classes=["hg-header"], gap="8px"):
            solara.Text(when, classes=["hg-when"])
            solara.Text(f"of {horizon(weeks)}", style={"margin-right": "12px"})
            if playing:
                solara.Button("Pause", icon_name="mdi-pause", on_click=lambda: set_playing(False))
            else:
                solara.Button(
                    "Play",
                    icon_name="mdi-play",
                    on_click=lambda: set_playing(True),
                    disabled=finished,
                )
            solara.Button(
                "Step", icon_name="mdi-step-forward", on_click=lambda: act(lambda w: w.step()),
                disabled=finished or playing,
            )  # fmt: skip
            solara.Button(
                "Reset", icon_name="mdi-restart",
                on_click=lambda: (set_playing(False), act(lambda w: w.reset())),
            )  # fmt: skip
            with solara.Div(style={"width": "190px"}):
                Choice("Speed", SPEEDS, speed, set_speed)
            solara.Switch(label="Large type", value=large, on_value=set_large)
            solara.Text(f"Spent beyond the baseline: {money(spent)}", style={"margin-left": "auto"})
        Message(notice, "info")
        if finished:
            Message("The end of this scenario's years: Reset to run it again.", "info")
        with solara.Columns([1, 2]):
            with solara.Column(gap="4px"):
                ScenarioPicker(w.scenario.name, load, upload, load_error)
                ApplyLevers(levers, errors, levers == w.levers, costs, apply)
                LeverPanel(raw, set_field, errors, neighbourhoods, dict(w.scenario.parameters))
                with solara.Card("Downloads", margin=0):
                    solara.FileDownload(
                        lambda: session.read(lambda w: w.results_csv()),
                        filename="healthgap-results.csv",
                        label="Results so far (CSV)",
                        mime_type="text/csv",
                    )
                    solara.FileDownload(
                        lambda: session.read(lambda w: w.report_html()),
                        filename="healthgap-report.html",
                        label="Comparison with the baseline (HTML report)",
                        mime_type="text/html",
                    )
                About()
            with solara.Row(gap="16px", style={"flex-wrap": "wrap", "align-items": "flex-start"}):
                with solara.Column(gap="4px", style={"flex": "1 1 480px", "max-width": "720px"}):
                    picked = (
                        (raw["transport_from"], raw["transport_to"]) if raw["transport"] else ()
                    )
                    TownMapView(town, week, outcome, set_outcome, change, set_change, picked, pick)
                    Message(neighbourhood_text(town, selected), "info")
                with solara.Column(gap="4px", style={"flex": "1 1 480px"}):
                    Charts(lookup, chart_metric, set_chart_metric)


def neighbourhood_text(town, code: str | None) -> str:
    """What a clicked neighbourhood is and how it is doing this week."""
    rows = town.neighbourhoods[town.neighbourhoods["code"] == code]
    if rows.empty:
        return ""
    row = rows.iloc[0]
    said = f"{row['name']} ({code}): IMD decile {row['decile']}, {row['population']:,} residents"
    if town.outcome in METRICS:
        metric = METRICS[town.outcome]
        said += (
            f"; {metric.short} {number(row['value'])}"
            f" ({signed(row['change'])} against the baseline)"
        )
    return said + "."


@solara.component
def ScenarioPicker(
    current: str,
    load: Callable[[str], None],
    upload: Callable[[str, bytes], None],
    error: str,
):
    """The built-in library, or a scenario file sent from the visitor's own browser (never a
    path on the computer serving the app: anyone in the room could name its files)."""
    with solara.Card("Scenario", margin=0, classes=["mb-2"]):
        names = [name for name, _ in builtin_choices()]
        Choice(
            "Built-in scenario",
            list(builtin_choices()),
            current if current in names else None,
            load,
        )
        solara.Text("Or your own scenario file (.toml):", style={"font-size": "0.9em"})
        ScenarioUpload(upload)
        Message(error)


@solara.component
def ScenarioUpload(upload: Callable[[str, bytes], None]):
    """A button that opens the browser's file chooser; the chosen file's bytes go to
    `upload(name, content)`, and a fresh button follows so the same file can be sent again."""
    sent, set_sent = solara.use_state(0)

    def received(files) -> None:
        if files:
            set_sent(sent + 1)
            upload(files[0]["name"], bytes(files[0]["content"]))

    ipywidgets.FileUpload.element(
        accept=".toml", multiple=False, description="Choose a file", on_value=received
    ).key(f"upload-{sent}")


@solara.component
def ApplyLevers(
    levers, errors: dict, running: bool, costs: list[LeverCost], apply: Callable[[], None]
):
    """The button that puts the levers to work, then what they cost as they are set.

    The card sits above the levers and the button comes first in it, always enabled and
    always labelled the same: opening a lever's details, a new cost line or a message never
    moves or changes the button under the pointer, and a click right after typing a number
    first commits the field (the field loses focus) and then applies it. A click on a disabled
    or moving button would be lost."""
    with solara.Card("These levers", margin=0, classes=["mb-2"]):
        solara.Button(
            "Apply the levers (both towns restart)",
            on_click=apply,
            color="primary",
            classes=["mb-2"],
        )
        if levers is None:
            Message(errors.get("levers") or "Fix the marked fields first.")
            return
        if running:
            Message("These levers are running.", "success")
        else:
            Message("Changed: apply to run these levers.", "info")
        at_start = sum(cost.at_start_gbp for cost in costs)
        per_year = sum(cost.per_year_gbp for cost in costs)
        total = LeverCost(
            "", at_start, per_year, "the trips taken" if any(c.per_trip for c in costs) else ""
        )
        solara.Text(f"Cost: {total.words()}", classes=["hg-cost"])
        with solara.Div(classes=["hg-costs"]):
            for cost in costs:
                solara.Text(
                    f"{capitalised(cost.label)}: {cost.words()}",
                    style={"display": "block", "font-size": "0.85em"},
                )
