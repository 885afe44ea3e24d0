"""What the server keeps for the whole room: each tab's and each named plan (a reload gives a
table its plan back), what every table's named plan has done so far (the facilitator's
view), and the facilitator's run of every plan against the baseline on several seeds.

Each tab's `Session` (its two towns) is released when Solara closes the tab's kernel: when the
tab closes, or half a minute after it goes without a goodbye (`server.KERNEL_CULL_TIMEOUT`).
"""

from __future__ import annotations

import atexit
import dataclasses
import logging
import re
import secrets
import threading
import time
from collections.abc import Callable

import solara
from solara.server import kernel_context
from solara.server.kernel_context import PageStatus, get_current_context, has_current_context

from healthgap.model.errors import InputError
from healthgap.scenarios import Scenario
from healthgap.viz.workshop import Levers, SoFar, Workshop, plan_scenario

from .background import PlansRun, report_html
from .server import trim_memory

PLANS_KEPT = 500  # the plans of the most recent tabs and names; each is a few kilobytes
MAX_NAME = 40
ROOM_SEEDS = 3  # seeds the facilitator's run gives every plan: enough for an interval
TRIM_AFTER_SECONDS = 2.0
# A tab's towns are let go of by Solara's kernel close, half a minute after its last page went;
# should that close not come (seen once on CI's machine: nothing freed a minute on, cause not
# found), the room's own check lets go of them within 45 s.
CHECK_TABS_EVERY_SECONDS = 5.0
GONE_TAB_SECONDS = 40.0
log = logging.getLogger(__name__)  # printed when `healthgap app` runs with HEALTHGAP_APP_LOG=info


@dataclasses.dataclass(frozen=True)
class Plan:
    """What a table has chosen: its name (blank until named), the scenario, the levers running
    and the levers as set on the page (the draft)."""

    scenario: Scenario
    levers: Levers
    draft: dict
    name: str = ""


@dataclasses.dataclass(frozen=True)
class TablePlan:
    """A named plan as the facilitator sees it: what it does, what it costs, how it has done
    so far in the tab that last moved it, and the scenario a comparison runs."""

    plan: Plan
    words: list[str]
    cost: str
    so_far: SoFar
    compared: Scenario


@dataclasses.dataclass(frozen=True)
class RoomRun:
    """The facilitator's run of every plan: how far it has got, and what it found."""

    plans: tuple[str, ...] = ()
    seeds: int = 0
    done: int = 0
    running: bool = False
    comparison: object = None  # healthgap.effects.Comparison when finished
    error: str = ""
    report: str = ""  # its HTML report, once drawn
    cancelled: bool = False  # the facilitator stopped it


def same_run(a: Plan, b: Plan) -> bool:
    """Whether two plans run the same levers on the same scenario (drafts aside)."""
    return a.levers == b.levers and a.scenario == b.scenario


def check_name(name: str, baseline: str) -> str:
    """A plan's name as typed, trimmed; an `InputError` saying what to type otherwise."""
    name = " ".join(name.split())
    if not name:
        raise InputError("A plan needs a name.", fix="Type your table's name for it, e.g. Table 1.")
    if len(name) > MAX_NAME:
        raise InputError(
            f"This name has {len(name)} characters.", fix=f"Keep it to {MAX_NAME} or fewer."
        )
    if name.casefold() == baseline.casefold():
        raise InputError(
            f"'{name}' is the baseline's name.", fix="Give your plan a name of its own."
        )
    return name


def slug(name: str) -> str:
    """A plan's name as a file name: "Table 1: walks" -> "table-1-walks"."""
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")


def report_filename(name: str) -> str:
    """The file name a plan's report downloads as."""
    return f"{slug(name) or 'healthgap'}-report.html"


class Room:
    """Plans by browser and by name, the named plans' progress, and the facilitator's run."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.plans: dict[tuple[str, str], Plan] = {}  # ("tab", id) or ("name", name)
        self.tables: dict[str, TablePlan] = {}  # named plans, by name
        self.changed: dict[str, tuple[int, str]] = {}  # see `changes`
        self.run = RoomRun()
        self.plans_run: PlansRun | None = None  # the run's process while it goes
        self.runs = 0  # numbers the runs, so a cancelled one's last words are ignored
        self.version = 0  # bumped at every change the facilitator's page shows
        self.sessions: dict[str, list[Session]] = {}  # by Solara kernel (one per tab)
        self.unconnected: dict[str, float] = {}  # kernels seen with no page, since when
        self.checking: threading.Thread | None = None

    def keep(self, tab: str, plan: Plan) -> None:
        """Remember the plan for this tab, and under its name when named."""
        keys = [("tab", tab)] + ([("name", plan.name)] if plan.name else [])
        with self.lock:
            for key in keys:
                self.plans.pop(key, None)
                self.plans[key] = plan
            while len(self.plans) > PLANS_KEPT:
                del self.plans[next(iter(self.plans))]

    def plan(self, tab: str, name: str = "") -> Plan | None:
        """The plan called `name` if there is one, else this tab's last plan."""
        with self.lock:
            return self.plans.get(("name", name)) or self.plans.get(("tab", tab))

    def publish(self, table: TablePlan, tab: str = "") -> None:
        """A named plan as tab `tab` has just named, joined or applied it, for the facilitator;
        when its levers or scenario changed, the other tabs on the plan follow (`changes`)."""
        name = table.plan.name
        with self.lock:
            before = self.tables.pop(name, None)
            self.tables[name] = table
            while len(self.tables) > PLANS_KEPT:
                gone = next(iter(self.tables))
                del self.tables[gone]
                self.changed.pop(gone, None)
            if before is not None and not same_run(before.plan, table.plan):
                self.changed[name] = (self.changed.get(name, (0, ""))[0] + 1, tab)
            self.version += 1

    def changes(self, name: str) -> tuple[int, str]:
        """How many times the plan called `name` has had new levers or a new scenario, and
        which tab gave it the last ones."""
        with self.lock:
            return self.changed.get(name, (0, ""))

    def table(self, name: str) -> Plan | None:
        """The plan called `name` as a tab last applied it (its levers running)."""
        with self.lock:
            table = self.tables.get(name)
            return None if table is None else table.plan

    def progress(self, name: str, levers: Levers, so_far: SoFar) -> None:
        """How a tab running the plan called `name` is doing; a tab whose levers are not the
        plan's (one that joined before the plan changed) leaves it as it is."""
        with self.lock:
            table = self.tables.get(name)
            if table is not None and table.plan.levers == levers:
                self.tables[name] = dataclasses.replace(table, so_far=so_far)
                self.version += 1

    def table_plans(self) -> list[TablePlan]:
        with self.lock:
            return list(self.tables.values())

    def start_run(self, baseline: Scenario, seeds: int = ROOM_SEEDS) -> str:
        """Start running every named plan against `baseline` on `seeds` seeds to its horizon,
        in a process of its own; "" once started, or why it cannot start."""
        tables = self.table_plans()
        if not tables:
            return "No table has named a plan yet."
        with self.lock:
            if self.run.running:
                return "The plans are running already."
            self.run = RoomRun(tuple(t.plan.name for t in tables), seeds, running=True)
            self.version += 1
            self.runs += 1
            run, number = PlansRun(baseline, [t.compared for t in tables], seeds), self.runs
            self.plans_run = run
        threading.Thread(target=self._follow_run, args=(run, number, seeds), daemon=True).start()
        return ""

    def cancel_run(self) -> None:
        """Stop the facilitator's run now (its process and its workers), and say so."""
        with self.lock:
            run, self.plans_run = self.plans_run, None
            if run is None or not self.run.running:
                return
            self.runs += 1  # what the stopped run still says is not listened to
            self.run = dataclasses.replace(
                self.run, running=False, cancelled=True, comparison=None, report=""
            )
            self.version += 1
        run.cancel()

    def _set_run_of(self, number: int, **changes) -> bool:
        """Change the run's state if run `number` is still the one going (not cancelled)."""
        with self.lock:
            if number != self.runs:
                return False
            self.run = dataclasses.replace(self.run, **changes)
            self.version += 1
            return True

    def _follow_run(self, run: PlansRun, number: int, seeds: int) -> None:
        try:
            self._pass_on(run, number, seeds)
        finally:
            with self.lock:
                if self.plans_run is run:
                    self.plans_run = None

    def _pass_on(self, run: PlansRun, number: int, seeds: int) -> None:
        """Pass on what the run says; once it has its comparison, draw the report."""
        comparison, error = None, "The run stopped before it finished. Run it again."
        for what, said in run.messages():
            if what == "done":
                self._set_run_of(number, done=said)
            elif what == "error":
                error = said
            elif what == "finished":
                comparison = said
        if comparison is None:  # after a cancel, the page says so already
            self._set_run_of(number, running=False, error=error)
            return
        if self._set_run_of(number, comparison=comparison, done=seeds):
            report = report_html(comparison)
            self._set_run_of(number, report=report, running=False)

    # --- the tabs' towns -------------------------------------------------------------------
    def track(self, session: Session) -> None:
        """Release `session` when the kernel of the tab it belongs to closes."""
        if has_current_context():
            kernel = get_current_context().id
            with self.lock:
                self.sessions.setdefault(kernel, []).append(session)
                if self.checking is None:
                    self.checking = threading.Thread(target=self._check_tabs, daemon=True)
                    self.checking.start()
            log.info("Tab %s opened its towns", kernel)

    def _check_tabs(self) -> None:
        while True:
            time.sleep(CHECK_TABS_EVERY_SECONDS)
            self.let_go_of_gone_tabs(time.monotonic())

    def let_go_of_gone_tabs(self, now: float) -> list[str]:
        """Close, as Solara's cull does, every server tab's kernel that has had no page
        connected for `GONE_TAB_SECONDS`, and release the towns of any whose kernel closed
        without the room hearing of it; returns those tabs. (A tab's page holds its towns too,
        so only closing its kernel gives their memory back.)"""
        gone = []
        with self.lock:
            for kernel in list(self.sessions):
                context = kernel_context.contexts.get(kernel)
                if context is None:  # not a server's tab (a test's page): nothing to judge by
                    continue
                if PageStatus.CONNECTED in list(context.page_status.values()):
                    self.unconnected.pop(kernel, None)
                    continue
                since = self.unconnected.setdefault(kernel, now)
                if context.closed_event.is_set() or now - since >= GONE_TAB_SECONDS:
                    gone.append((kernel, context))
                    del self.unconnected[kernel]
        for kernel, context in gone:
            log.warning("Tab %s had gone and Solara had not closed it: the room closes it", kernel)
            if not context.closed_event.is_set():
                try:
                    context.close(reason="cull")  # Solara's own close, which calls `closed`
                except Exception:
                    log.exception("Tab %s could not be closed", kernel)
            self.release(kernel)
        return [kernel for kernel, _ in gone]

    def release(self, kernel: str) -> None:
        """Let go of the towns of the tab whose kernel is `kernel` (it has closed)."""
        with self.lock:
            sessions = self.sessions.pop(kernel, [])
        if not sessions:
            return
        for session in sessions:
            session.close()
        log.info("Tab %s closed: %d of its sessions let go of their towns", kernel, len(sessions))
        # Solara lets go of the tab's page after this runs: trim once it has.
        threading.Timer(TRIM_AFTER_SECONDS, trim_memory).start()

    def session_with(self, token: str) -> Session | None:
        """The open tab session whose report address carries `token` (`web.report_address`)."""
        with self.lock:
            return next(
                (s for tab in self.sessions.values() for s in tab if s.token == token), None
            )

    def kernel_started(self) -> Callable[[], None]:
        """For `solara.lab.on_kernel_start`: when this kernel (a tab) closes, its sessions
        let go of their towns."""
        kernel = get_current_context().id
        return lambda: self.release(kernel)


class Session:
    """One browser tab's workshop and the lock that keeps its play thread and clicks apart;
    it starts from the table's plan when there is one (a reload, or a named plan joined),
    at week 0."""

    def __init__(self, scenario: str, residents: int | None, plan: Plan | None = None) -> None:
        self.lock = threading.RLock()
        self.notice = ""
        self.name = plan.name if plan else ""
        try:
            if plan is None:
                self.workshop = Workshop(scenario, residents=residents)
            else:
                self.workshop = Workshop(plan.scenario, residents=residents, levers=plan.levers)
                self.notice = "Your table's plan is back: both towns start again from week 0."
        except InputError as error:
            self.notice = f"Started with the baseline instead: {error.message()}"
            self.workshop = Workshop("baseline", residents=residents)
        self.draft = plan.draft if plan else None
        self.closed = threading.Event()
        self.token = secrets.token_urlsafe(16)  # in the address of its report: no one else's
        self.version = 0  # bumped whenever either run changes (`bump`)
        self._watchers: set[Callable[[int], None]] = set()
        self._status: tuple[int, tuple] = (-1, ())
        self._town_map: tuple[tuple[int, str], object] = ((-1, ""), None)

    def bump(self) -> int:
        """A new version: either run has just changed (a step, new levers, a scenario); the
        parts of the page that show the week are told (`watch`)."""
        with self.lock:
            self.version += 1
            version, watchers = self.version, list(self._watchers)
        for watcher in watchers:
            watcher(version)
        return version

    def watch(self, watcher: Callable[[int], None]) -> Callable[[], None]:
        """Call `watcher(version)` at every `bump`; returns what stops it."""
        with self.lock:
            self._watchers.add(watcher)

        def stop() -> None:
            with self.lock:
                self._watchers.discard(watcher)

        return stop

    def status(self, version: int) -> tuple:
        """(when, week, weeks, finished, so_far) as of `version`, worked out once for all the
        parts of the page that show them."""
        with self.lock:
            if self._status[0] != version:
                w = self.workshop
                self._status = (version, (w.when, w.week, w.weeks, w.finished, w.so_far()))
            return self._status[1]

    def town_map(self, version: int, outcome: str):
        """The map's `TownMap` as of `version`, coloured by `outcome` (made once for both the
        map and the clicked neighbourhood's words)."""
        with self.lock:
            if self._town_map[0] != (version, outcome):
                self._town_map = ((version, outcome), self.workshop.town_map(outcome))
            return self._town_map[1]

    def read(self, fn: Callable[[Workshop], object]):
        """`fn(workshop)` under the lock."""
        with self.lock:
            return fn(self.workshop)

    def report(self) -> tuple[str, str] | None:
        """This tab's plan against the baseline as the brief HTML report (drawn in the worker),
        and the report's file name; None once the tab has closed."""
        with self.lock:
            if self.workshop is None:
                return None
            comparison, name = self.workshop.comparison(self.name), self.name
        return report_html(comparison), report_filename(name)

    def close(self) -> None:
        """Let go of the towns: the tab has gone (its play thread stops at its next tick)."""
        self.closed.set()
        with self.lock:
            self.workshop = None
            self._status, self._town_map = (-1, ()), ((-1, ""), None)
            self._watchers.clear()

    def table_plan(self, plan: Plan) -> TablePlan:
        """This tab's named plan, as the facilitator sees it."""
        with self.lock:
            w = self.workshop
            costs = w.lever_costs(plan.levers)
            return TablePlan(
                plan,
                plan.levers.words(w.names()),
                "; ".join(f"{c.label}: {c.words()}" for c in costs) or "nothing",
                w.so_far(),
                plan_scenario(plan.name, w, plan.levers),
            )


room = Room()
solara.lab.on_kernel_start(room.kernel_started)
atexit.register(room.cancel_run)  # a run going when the server stops ends with it, at once
