"""The workshop page: the town, the levers, play and step, live charts against the baseline.

Each browser tab gets its own `Workshop` (made inside the component, never at module level).
The play thread and clicks change it only under the session's lock, and the page reads it
under the same lock, so a half-stepped pair is never drawn.

A Step redraws only what shows the week: the parts of the page that watch the tab's version
(`use_version`: the header's week and spending, the result, the map and the charts), not the levers, the
plan or the scenario picker; and Steps take turns across the whole server (`TURNS`).
"""

from __future__ import annotations

import contextlib
import functools
import os
import threading
import time
import uuid
from collections.abc import Callable
from urllib.parse import parse_qs, urlencode

import solara
from reacton.core import get_render_context

from healthgap.model.errors import InputError
from healthgap.model.metrics import METRICS
from healthgap.viz.formatting import capitalised, horizon, money, number, ratio
from healthgap.viz.workshop import (
    MAX_UPLOAD_BYTES,
    LeverCost,
    SoFar,
    Workshop,
    check_levers,
    plan_scenario,
    scenario_toml,
    uploaded_scenario,
)

from .about import About
from .charts import Charts
from .controls import Choice, Message, UploadButton
from .drawing import change_with_unit, with_unit
from .levers import LeverPanel, as_raw
from .room import Plan, Session, check_name, report_filename, room, slug
from .server import RESIDENTS_VARIABLE, SCENARIO_VARIABLE
from .town_map import TownMapView
from .web import report_address

SPEEDS = [("1", "1 week a second"), ("4", "4 weeks a second"), ("13", "A quarter a second"),
          ("52", "A year a second")]  # fmt: skip
TICK_SECONDS = 0.1  # play redraws at most this often; quicker speeds step several weeks a tick
FOLLOW_SECONDS = 0.5  # how often a tab on a named plan looks for levers another tab applied


class Turns:
    """First come, first served across the server: one tab's Step (or play's tick) is
    stepped and redrawn before the next one's starts.

    The server is one Python process, so ten visitors' Steps at once shared its time and each
    finished only near the end of the round (a median wait of about the whole round); taking
    turns, the median visitor waits for half the others (and threads switching among ten
    redraws cost time of their own). Only quick work takes a turn: applying levers or loading
    a scenario (seconds) does not, so it never holds up another table's Step. Turns only
    order the work (each tab's lock keeps its towns whole), so a tab kept waiting longer than
    `patience` goes ahead anyway: a tab whose redraw is stuck (a phone that went to sleep
    while playing, its connection not yet given up) cannot hold up the room."""

    def __init__(self, patience: float = 1.0) -> None:
        self.patience = patience
        self._changed = threading.Condition()
        self._issued = 0  # tickets handed out
        self._serving = 0  # every ticket before this one is done
        self._done: set[int] = set()  # tickets done out of turn

    @contextlib.contextmanager
    def turn(self):
        with self._changed:
            ticket, self._issued = self._issued, self._issued + 1
            self._changed.wait_for(lambda: self._serving >= ticket, timeout=self.patience)
        try:
            yield
        finally:
            with self._changed:
                self._done.add(ticket)
                while self._serving in self._done:
                    self._done.remove(self._serving)
                    self._serving += 1
                self._changed.notify_all()


TURNS = Turns()
CSS = """
.hg-header { position: sticky; top: 0; z-index: 5; background: #fff; border-bottom: 1px solid #ddd;
  padding: 6px 0; align-items: center; flex-wrap: wrap; }
.hg-when { font-size: 1.6rem; font-weight: 600; min-width: 12ch; }
.hg-svg svg { display: block; }
.v-card .v-btn:not(.v-btn--round) { height: auto !important; min-height: 36px; max-width: 100%; }
.v-card .v-btn__content { white-space: normal; flex-shrink: 1; text-align: left; padding: 4px 0; }
.v-progress-linear__indeterminate--active .long { animation: none !important; left: 0 !important;
  right: 0 !important; }
.v-progress-linear__indeterminate--active .short { animation: none !important; display: none; }
.v-progress-linear, .v-progress-linear * { transition: none !important; }
.v-progress-circular--indeterminate, .v-progress-circular--indeterminate * {
  animation: none !important; }
"""  # Solara's busy bar (shown once the server takes over 0.3 s to answer) stands still and
# shows at once: its animation moved the bar's ends, a layout and paint of the whole page every
# frame while a tab waited, and its fading in and out drew frames too, which in a room of ten
# tabs on the serving laptop's cores took more CPU than the server. A button's spinner (a
# download's, while it is made) stands still too: turning, the report's took a tenth of a core
# of Chromium for as long as the report took, and slowed nine other tabs' Steps on 2 cores by a
# seventh (the report is now a link, with no spinner; the plan file and results keep theirs)
LARGE_CSS = "html { font-size: 22px !important; } .v-application { font-size: 1.1rem; }"
LARGE_TEXT = 1.6  # how much larger Large type draws the map's and charts' text
# The projector's map is drawn on a canvas half as wide (so its text is twice the size). The
# page is one screen high and the pictures take whatever height the header, any notice, the
# pickers and the result in words leave (flex boxes down to each picture, whose viewBox keeps
# its proportions), so at 1280x720 the map with its legend and the difference chart stay on
# the screen however tall the text above them grows (Large type, a wrapped header, a notice).
PROJECTOR_TEXT = 2.0
PROJECTOR_CSS = """
.hg-root.hg-projecting { height: 100vh; box-sizing: border-box; }
.hg-projector { flex: 1 1 0; min-height: 0; }
.hg-projector .hg-fill, .hg-projector .hg-svg { flex: 1 1 0; min-height: 0; }
.hg-projector .hg-fill > :not(.hg-svg):not(.hg-fill) { flex: 0 0 auto; }
.hg-projector .hg-svg > div { display: flex !important; height: 100%; }
.hg-projector .hg-svg > div > div { flex: 1 1 0; min-width: 0; }
.hg-projector .hg-svg svg { width: 100%; height: 100%; }
.hg-projector .hg-result-words { font-size: 21px; line-height: 1.35; }
"""  # the result's words in px: Large type would otherwise leave the chart no room


@functools.cache
def builtin_choices() -> tuple[tuple[str, str], ...]:
    """The built-in scenario library as (name, "name: description")."""
    from healthgap.scenarios import builtin_names, load_scenario

    return tuple((n, f"{n}: {load_scenario(n).description}") for n in builtin_names())


def start_options() -> tuple[str, int | None]:
    """The scenario and town size `healthgap app` asked for, through the environment."""
    residents = os.environ.get(RESIDENTS_VARIABLE)
    return os.environ.get(SCENARIO_VARIABLE) or "baseline", int(residents) if residents else None


def address_of(search: str | None) -> tuple[str, str]:
    """The tab and plan name a tab's address carries (`?tab=3f2a...&plan=Table+1`); a new
    tab id when it carries none."""
    query = parse_qs(search or "")
    return query.get("tab", [uuid.uuid4().hex[:12]])[0], query.get("plan", [""])[0]


@solara.component
def Page(scenario: str | None = None, residents: int | None = None):
    """The whole app for one browser tab: the plan its address names, else the one it had
    (a reload), else the scenario's."""
    default_scenario, default_residents = start_options()
    router = solara.use_router()
    tab, name = solara.use_memo(lambda: address_of(router.search), [])

    def start() -> Session:
        session = Session(
            scenario or default_scenario, residents or default_residents, room.plan(tab, name)
        )
        room.track(session)
        return session

    session = solara.use_memo(start, [])
    WorkshopPage(session, tab)


@solara.component
def WorkshopPage(session: Session, tab: str):
    w = session.workshop
    router = solara.use_router()

    def keep_address(name: str) -> None:
        """The tab's id and plan name in its address, so a reload finds them again (a page
        rendered without Solara's server has no address)."""
        if router.set_path is None:
            return
        router.push(
            f"{router.path}?{urlencode({'tab': tab, 'plan': name} if name else {'tab': tab})}"
        )

    batch = get_render_context()  # the parts a bump redraws are drawn once, together
    loaded, set_loaded = solara.use_state(0)  # bumped when a scenario is loaded
    # Bumped when levers are applied: the page is drawn again, so it shows them as running
    # and passes them on to the others on its plan (a Step redraws only the week's parts).
    _, set_applied = solara.use_state(0)
    playing, set_playing = solara.use_state(False)
    speed, set_speed = solara.use_state("4")
    outcome, set_outcome = solara.use_state("imd_decile")
    change, set_change = solara.use_state(False)
    chart_metric, set_chart_metric = solara.use_state("inactive_pct")
    raw, set_raw = solara.use_state(session.draft or as_raw(w.levers))
    selected, set_selected = solara.use_state(None)
    notice, set_notice = solara.use_state(session.notice)
    load_error, set_load_error = solara.use_state("")
    large, set_large = solara.use_state(False)
    projector, set_projector = solara.use_state(False)
    name, set_name = solara.use_state(session.name)
    name_error, set_name_error = solara.use_state("")

    def bump() -> None:
        with batch:
            session.bump()  # only the parts that show the week redraw (`use_version`)

    def act(fn: Callable[[Workshop], None]) -> None:
        session.read(fn)
        bump()

    def step() -> None:
        with TURNS.turn():
            act(lambda w: w.step())

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
            with TURNS.turn():
                with session.lock:
                    if session.closed.is_set() or w.finished or cancel.is_set():
                        break
                    w.step(weeks)
                bump()
            played += weeks
        if not cancel.is_set():
            set_playing(False)

    solara.use_thread(play, [playing, speed], intrusive_cancel=False)

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
        room.keep(tab, Plan(w.scenario, w.levers, raw, name))
        if f"tab={tab}" not in (router.search or ""):  # not yet there when the page opens
            keep_address(name)

    solara.use_effect(remember, [raw, w.levers, loaded, name])
    named = solara.use_memo(
        lambda: session.table_plan(Plan(w.scenario, w.levers, raw, name)) if name else None,
        [w.levers, loaded, name],
    )

    def publish() -> None:
        if named is not None:
            room.publish(named, tab)

    solara.use_effect(publish, [named])

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
        set_applied(lambda n: n + 1)
        set_notice("Levers applied: both towns start again from week 0.")

    def load(scenario, levers=None, draft=None) -> bool:
        """Run `scenario` (with `levers`, when given) from week 0; False, with the message
        shown, if it cannot be read."""
        set_playing(False)

        def run(w: Workshop) -> None:
            w.load(scenario)
            if levers is not None:
                w.apply(levers)

        try:
            session.read(run)
        except InputError as error:
            set_load_error(error.message())
            return False
        set_load_error("")
        set_raw(draft or as_raw(w.levers))
        set_selected(None)
        set_notice(f"Loaded {w.scenario.name}: week 0.")
        set_loaded(lambda n: n + 1)
        bump()
        return True

    def upload(filename: str, content: bytes, size: int) -> None:
        try:
            scenario, levers = uploaded_scenario(filename, content, size)
        except InputError as error:
            set_load_error(error.message())
            return
        if load(scenario, levers) and levers is not None:
            set_notice(f"Loaded the plan {scenario.name}: its levers are set, at week 0.")

    def follow_plan(cancel: threading.Event) -> None:
        """While this tab's plan is named, take up the levers (and scenario) that another tab
        on the same plan applies, within `FOLLOW_SECONDS`: a table's devices stay in step."""
        if not name:
            return
        seen = room.changes(name)[0]
        while not cancel.wait(FOLLOW_SECONDS):
            count, by = room.changes(name)
            if count == seen:
                continue
            seen = count
            plan = room.table(name)
            if by == tab or plan is None:
                continue
            if session.read(  # a closed tab has no towns: nothing to follow
                lambda w, p=plan: w is None or (w.levers, w.scenario) == (p.levers, p.scenario)
            ):
                continue
            if load(plan.scenario, plan.levers, plan.draft):
                set_notice(
                    f"Another device at {name} applied new levers: they are set here too, "
                    "and both towns start again from week 0."
                )

    solara.use_thread(follow_plan, [name], intrusive_cancel=False)

    def rename(text: str) -> None:
        """Name this tab's plan; a name another tab already gave brings that plan here."""
        try:
            new = check_name(text, room_baseline().name)
        except InputError as error:
            set_name_error(error.message())
            return
        set_name_error("")
        joined = room.plan(None, new) if new != name else None
        if joined is not None and load(joined.scenario, joined.levers, joined.draft):
            set_notice(f"Joined the plan {new}: its levers are set, at week 0.")
        set_name(new)
        session.name = new
        keep_address(new)

    def plan_file() -> str:
        return session.read(
            lambda w: scenario_toml(
                plan_scenario(session.name or w.scenario.name, w, w.levers), w.levers
            )
        )

    def version_of() -> int:
        return use_version(session)

    def town_at(v: int, outcome: str):
        return session.town_map(v, outcome), session.status(v)[1]

    def series_at(v: int, metrics: tuple[str, ...]):
        return session.read(lambda w: w.chart_series(metrics))

    downloads = solara.use_memo(
        lambda: (plan_file, lambda: session.read(lambda w: w.results_csv())), []
    )

    text_scale = LARGE_TEXT if large else 1.0
    solara.Style(CSS)
    if large:
        solara.Style(LARGE_CSS)
    if projector:
        solara.Style(PROJECTOR_CSS)
    root = ["hg-root", "hg-projecting"] if projector else ["hg-root"]
    with solara.Column(gap="8px", classes=root, style={"padding": "0 12px"}):
        with solara.Row(classes=["hg-header"], gap="8px"):
            Week(session)
            PlayButton(session, playing, set_playing)
            StepButton(session, playing, step)
            solara.Button(
                "Reset", icon_name="mdi-restart",
                on_click=lambda: (set_playing(False), act(lambda w: w.reset())),
            )  # fmt: skip
            with solara.Div(style={"width": "190px"}):
                Choice("Speed", SPEEDS, speed, set_speed)
            solara.Switch(label="Large type", value=large, on_value=set_large)
            solara.Switch(label="Projector", value=projector, on_value=set_projector)
            Spent(session)
        Message(notice, "info")
        Finished(session)
        picked = (raw["transport_from"], raw["transport_to"]) if raw["transport"] else ()

        def town_map(scale: float) -> None:
            TownMapView(version_of, town_at, outcome, set_outcome, change, set_change, picked, pick,
                        scale)  # fmt: skip

        if projector:  # the map beside the result and the difference, the levers folded away
            with solara.Row(gap="16px", classes=["hg-projector"], style={"flex-wrap": "nowrap"}):
                with solara.Column(gap="4px", style={"flex": "1 1 50%", "min-width": "0"}):
                    town_map(PROJECTOR_TEXT)
                with solara.Column(
                    gap="8px",
                    classes=["hg-difference"],
                    style={"flex": "1 1 50%", "min-width": "0"},
                ):
                    LiveResult(session, name)
                    Charts(version_of, series_at, chart_metric, set_chart_metric,
                           only_difference=True)  # fmt: skip
            return
        LiveResult(session, name)
        with solara.Columns([1, 2]):
            with solara.Column(gap="4px"):
                PlanCard(name, rename, name_error, downloads, session.token)
                ScenarioPicker(w.scenario.name, load, upload, load_error)
                ApplyLevers(levers, errors, levers == w.levers, costs, apply)
                LeverPanel(raw, set_field, errors, neighbourhoods, dict(w.scenario.parameters))
                About()
            with solara.Row(gap="16px", style={"flex-wrap": "wrap", "align-items": "flex-start"}):
                with solara.Column(gap="4px", style={"flex": "1 1 480px", "max-width": "720px"}):
                    town_map(text_scale)
                    Picked(session, outcome, selected)
                with solara.Column(gap="4px", style={"flex": "1 1 480px"}):
                    Charts(version_of, series_at, chart_metric, set_chart_metric, text_scale)


# --- the parts that show the week: each watches the tab's version, so only they redraw at a Step
def use_version(session: Session) -> int:
    """The tab's runs' version (`Session.bump`); the calling component redraws when it
    changes. A watcher on the session rather than a Solara reactive variable: with one, a
    closed tab's towns stayed in the server's memory."""
    version, set_version = solara.use_state(session.version)

    def watch():
        stop = session.watch(set_version)
        set_version(session.version)  # a bump between the first draw and now
        return stop

    solara.use_effect(watch, [])
    return version


def use_status(session: Session) -> tuple:
    """(when, week, weeks, finished, so_far) at the tab's version; the calling component
    redraws when the version changes."""
    return session.status(use_version(session))


@solara.component
def Week(session: Session):
    when, _, weeks, _, _ = use_status(session)
    solara.Text(when, classes=["hg-when"])
    solara.Text(f"of {horizon(weeks)}", style={"margin-right": "12px"})


@solara.component
def PlayButton(session: Session, playing: bool, set_playing):
    finished = use_status(session)[3]  # a hook: called at every draw
    if playing:
        solara.Button("Pause", icon_name="mdi-pause", on_click=lambda: set_playing(False))
    else:
        solara.Button(
            "Play", icon_name="mdi-play", on_click=lambda: set_playing(True), disabled=finished
        )


@solara.component
def StepButton(session: Session, playing: bool, step: Callable[[], None]):
    finished = use_status(session)[3]
    solara.Button("Step", icon_name="mdi-step-forward", on_click=step, disabled=finished or playing)


@solara.component
def Spent(session: Session):
    so_far = use_status(session)[4]
    solara.Text(
        f"Spent beyond the baseline: {money(so_far.spent_gbp)}", style={"margin-left": "auto"}
    )


@solara.component
def Finished(session: Session):
    if use_status(session)[3]:
        Message("The end of this scenario's years: Reset to run it again.", "info")


@solara.component
def LiveResult(session: Session, name: str):
    """The result in words; a named plan's progress passed on to the facilitator."""
    so_far = use_status(session)[4]

    def progress() -> None:
        if name:
            room.progress(name, session.read(lambda w: w.levers), so_far)

    solara.use_effect(progress, [so_far, name])
    ResultCard(so_far, name)


@solara.component
def Picked(session: Session, outcome: str, selected: str | None):
    """What the clicked neighbourhood (`selected`) is, and how it is doing this week."""
    v = use_version(session)
    said = "" if selected is None else neighbourhood_text(session.town_map(v, outcome), selected)
    Message(said, "info")


def room_baseline():
    """What the facilitator's run compares every plan with: the scenario the app started
    with (at the size it was asked for)."""
    from healthgap.simulation import as_scenario

    scenario, residents = start_options()
    chosen = as_scenario(scenario)
    if residents is None or chosen.place.local_authority:
        return chosen
    return chosen.model_copy(
        update={"place": chosen.place.model_copy(update={"residents": residents})}
    )


@solara.component
def ResultCard(so_far: SoFar, name: str):
    """The plan's result so far in plain words, with spending, WELLBYs and their value."""
    with solara.Card(
        f"{name or 'Your levers'}: the result so far", margin=0, classes=["hg-result"]
    ):
        solara.Text(so_far.words(), classes=["hg-result-words"], style={"display": "block"})
        solara.Text(
            f"Spent beyond the baseline {money(so_far.spent_gbp)} · "
            f"WELLBYs gained {number(so_far.wellbys, sig=2)} · "
            f"benefit-cost ratio {ratio(so_far.benefit_cost_ratio)}",
            classes=["hg-result-figures"],
            style={"display": "block", "font-size": "0.9em"},
        )


@solara.component
def PlanCard(name: str, rename: Callable[[str], None], error: str, downloads, token: str):
    """The plan's name, which the facilitator sees (and others at the table type to join it),
    and what can be taken away: the plan as a scenario file, the results, the report (a plain
    link, which costs the room nothing: see `web`)."""
    plan_file, results = downloads
    with solara.Card("Your table's plan", margin=0, classes=["mb-2"]):
        solara.InputText(
            "Its name (e.g. Table 1): type it and press Enter",
            value=name,
            on_value=rename,
            error=bool(error),
            classes=["hg-field-plan_name"],
        )
        Message(error)
        if name:
            solara.Text(
                f"The facilitator sees {name}. Others at your table type the same name to join it.",
                style={"display": "block", "font-size": "0.85em"},
            )
        solara.FileDownload(
            plan_file,
            filename=f"{slug(name) or 'plan'}.toml",
            label="This plan as a scenario file (.toml)",
            mime_type="application/toml",
        )
        solara.FileDownload(
            results,
            filename="healthgap-results.csv",
            label="Results so far (CSV)",
            mime_type="text/csv",
        )
        DownloadLink(
            "Comparison with the baseline (HTML report)",
            report_address(token),
            report_filename(name),
        )


@solara.component
def DownloadLink(label: str, address: str, filename: str):
    """A button that is a plain link to a file the server makes at `address` (see `web`)."""
    solara.Button(
        label,
        icon_name="mdi-cloud-download-outline",
        href=address,
        attributes={"download": filename},
    )


def neighbourhood_text(town, code: str | None) -> str:
    """What a clicked neighbourhood is and how it is doing this week."""
    if code is None:
        return ""  # nothing clicked: no need to search the table at every redraw
    rows = town.neighbourhoods[town.neighbourhoods["code"] == code]
    if rows.empty:
        return ""
    row = rows.iloc[0]
    said = f"{row['name']} ({code}): IMD decile {row['decile']}, {row['population']:,} residents"
    if town.outcome in METRICS:
        metric = METRICS[town.outcome]
        said += (
            f"; {metric.short} {with_unit(metric, row['value'])}"
            f" ({change_with_unit(metric, row['change'])} against the baseline)"
        )
    return said + "."


@solara.component
def ScenarioPicker(
    current: str,
    load: Callable[[str], None],
    upload: Callable[[str, bytes, int], None],
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
        UploadButton.element(
            label="Choose a file", accept=".toml", max_bytes=MAX_UPLOAD_BYTES, on_file=upload
        )
        Message(error)


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
