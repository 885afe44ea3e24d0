"""How quickly the workshop app answers: from the click on "Step" to the page showing the new
week with the map and charts redrawn (a step of the town and of its baseline twin), timed
inside Debian's headless Chromium on the real page; median of repeats. Then a room: ten
visitors clicking Step together; the room again while one table downloads its report; and the
facilitator's run of three named plans on three seeds to the horizon of the default town.

Targets: median under 250 ms with 10,000 residents, under 1 s with 50,000; in a room of ten
visitors stepping together, median under 300 ms, also while a table's report is drawn (beside
as many rounds with no report, under the same load); the facilitator's run under a minute.
The room also says where its time went: CPU a step of the server and of Chromium's ten tabs
(which here share the server's cores; in a room each visitor's browser is on their own device).

    python benchmarks/app_speed.py
    python benchmarks/app_speed.py --steps 40 --residents 10000 --room-rounds 10
    python benchmarks/app_speed.py --only room --against ../before/.venv/bin/python --pairs 2
    python benchmarks/app_speed.py --only report --against ../before/.venv/bin/python --pairs 2

`--against PYTHON` times the room (and the report's room) also with the server run by another
interpreter (another checkout's .venv, e.g. the commit before a change), alternating the two
`--pairs` times (before first in one pair, after first in the next: use an even number), so a
before-and-after comparison shares the machine's load and neither side always goes first.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import statistics
import sys
import time
from pathlib import Path

import psutil
from playwright.sync_api import sync_playwright

from healthgap.viz.app.server import CHROMIUM, CHROMIUM_ARGS, running_app

sys.path.insert(0, str(Path(__file__).resolve().parent))
from provenance import header, write_result  # noqa: E402

TARGET_SECONDS = {10_000: 0.25, 50_000: 1.0}
WARM_UP_STEPS = 3
ROOM_VISITORS = 10
ROOM_RESIDENTS = 10_000  # each visitor's town
ROOM_STEP_TARGET_SECONDS = 0.3
RUN_TARGET_SECONDS = 60.0
PLANS = {  # the facilitator's run: three tables' plans, each one lever
    "Table A": "Link workers who invite people to groups",
    "Table B": "Fund new local groups",
    "Table C": "An online directory of local groups",
}

# Click "Step" and wait, in the page itself, until every element carrying `data-week` (the
# map and the charts) shows the next week and the browser has painted it; milliseconds.
CLICK_TO_DRAWN_JS = """
async () => {
  const week = () => [...document.querySelectorAll('[data-week]')].map((e) => e.dataset.week);
  const target = String(Number(week()[0]) + 1);
  const button = [...document.querySelectorAll('button')].find(
    (b) => b.textContent.trim() === 'Step');
  const drawn = () => { const w = week(); return w.length > 0 && w.every((x) => x === target); };
  const started = performance.now();
  button.click();
  await new Promise((resolve) => {
    const watcher = new MutationObserver(() => { if (drawn()) { watcher.disconnect(); resolve(); } });
    watcher.observe(document.body, {subtree: true, childList: true, attributes: true,
                                    characterData: true});
  });
  await new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve, 0)));
  return performance.now() - started;
}
"""


def time_steps(browser, url: str, steps: int) -> tuple[list[float], float]:
    """Open the page, wait for week 0 to be drawn, then time `steps` steps (after a few
    untimed ones); returns the seconds of each and the seconds the page took to load."""
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.set_default_timeout(300_000)
    started = time.perf_counter()
    page.goto(url)
    page.wait_for_function("() => document.querySelector('[data-week]')?.dataset.week === '0'")
    loaded = time.perf_counter() - started
    for _ in range(WARM_UP_STEPS):
        page.evaluate(CLICK_TO_DRAWN_JS)
    times = [page.evaluate(CLICK_TO_DRAWN_JS) / 1000 for _ in range(steps)]
    page.close()
    return times, loaded


# Start a timed step without waiting for it: the result lands in window.hgTimed. Ten pages are
# open at once, and a page not in front gets no animation frames, so this one stops the clock
# when the new week is in the page, without waiting for a frame to be painted.
UNPAINTED_JS = CLICK_TO_DRAWN_JS.replace(
    "  await new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve, 0)));\n", ""
)
START_TIMED_STEP_JS = f"() => {{ window.hgTimed = null; ({UNPAINTED_JS})().then((ms) => {{ window.hgTimed = ms; }}); }}"


def opened(browser, url: str, viewport=(1400, 1000), drawn: bool = True):
    """A page of its own (a visitor), with week 0 drawn when it has a town (`drawn`)."""
    page = browser.new_context(viewport={"width": viewport[0], "height": viewport[1]}).new_page()
    page.set_default_timeout(300_000)
    page.goto(url)
    if drawn:
        page.wait_for_function("() => document.querySelector('[data-week]')?.dataset.week === '0'")
    return page


def cpu_seconds(processes) -> float:
    """User and system CPU seconds used so far by `processes` (those still running)."""
    total = 0.0
    for process in processes:
        with contextlib.suppress(psutil.Error):
            used = process.cpu_times()
            total += used.user + used.system
    return total


def timed_round(pages) -> list[float]:
    """Every one of `pages` clicks Step at once: each one's click-to-redrawn seconds."""
    for page in pages:
        page.evaluate(START_TIMED_STEP_JS)
    for page in pages:
        page.wait_for_function("() => window.hgTimed !== null")
    return [page.evaluate("() => window.hgTimed") / 1000 for page in pages]


def time_room(browser, app, rounds: int) -> tuple[list[float], dict[str, float]]:
    """Ten visitors click Step together, `rounds` times: each one's click-to-redrawn seconds,
    and where the time went: CPU seconds a step used by the server (with its workers) and by
    Chromium (all ten tabs), and the wall-clock seconds of a round of ten."""
    pages = [opened(browser, app.url) for _ in range(ROOM_VISITORS)]
    server, us = psutil.Process(app.process.pid), psutil.Process()

    def used() -> tuple[float, float, float]:
        chromium = [p for p in us.children(recursive=True) if "chrom" in p.name().lower()]
        serving = [server, *server.children(recursive=True)]
        return cpu_seconds(serving), cpu_seconds(chromium), time.perf_counter()

    times = []
    for round_ in range(WARM_UP_STEPS + rounds):
        if round_ == WARM_UP_STEPS:
            before = used()
        got = timed_round(pages)
        if round_ >= WARM_UP_STEPS:
            times.extend(got)
    after = used()
    for page in pages:
        page.context.close()
    steps = rounds * ROOM_VISITORS
    split = {
        "server_cpu_seconds_a_step": (after[0] - before[0]) / steps,
        "chromium_cpu_seconds_a_step": (after[1] - before[1]) / steps,
        "seconds_a_round": (after[2] - before[2]) / rounds,
    }
    return times, split


REPORT = "Comparison with the baseline (HTML report)"
MOST_REPORTS = 20  # a quick report covers a round or two: stop after this many


def time_room_reporting(browser, app, rounds: int) -> tuple[list[float], list[float], list[float]]:
    """Nine visitors click Step together while the tenth steps its town and downloads its
    table's report, until `rounds` rounds have begun while a report was being drawn (or
    `MOST_REPORTS` reports); after each report, as many rounds again with none drawn, so both
    share the machine's load. A round counts from its clicks: one begun before the report came
    is slowed by it however soon the report comes (the app's report, drawn as SVG, comes within
    a round or two; counting only rounds drawn all through a report left none to count). Each of those steps' click-to-redrawn seconds during the reports
    and without them, and each report's seconds. The tenth steps first so that each report is
    of a new week, drawn anew (one of the same week is kept, and comes at once)."""
    pages = [opened(browser, app.url) for _ in range(ROOM_VISITORS)]
    reporter, others = pages[0], pages[1:]
    for _ in range(WARM_UP_STEPS):
        timed_round(others)
    during: list[float] = []
    without: list[float] = []
    reports: list[float] = []
    while len(during) < rounds * len(others) and len(reports) < MOST_REPORTS:
        reporter.evaluate(UNPAINTED_JS)
        started, overlapped = time.perf_counter(), 0
        with reporter.expect_download(timeout=300_000) as download:
            # a link since the report got its own address; a button in checkouts before it
            reporter.get_by_role("link", name=REPORT).or_(
                reporter.get_by_role("button", name=REPORT)
            ).click()
            while not download.is_done() and len(during) < rounds * len(others):
                during.extend(timed_round(others))  # begun while the report was drawn
                overlapped += 1
        reports.append(time.perf_counter() - started)
        for _ in range(overlapped):
            without.extend(timed_round(others))
    for page in pages:
        page.context.close()
    return during, without, reports


def report_line(label: str, during: list[float], without: list[float], reports: list[float]) -> str:
    if not during:
        return (
            f"{label}room while a table downloads its report: no round of {ROOM_VISITORS - 1} "
            f"Steps began before any of {len(reports)} reports came (they took "
            f"{' / '.join(f'{r:.1f}' for r in reports)} s)"
        )
    median, quiet = statistics.median(during), statistics.median(without)
    return (
        f"{label}room while a table downloads its report: {ROOM_VISITORS - 1} visitors "
        f"stepping, median {median * 1000:.0f} ms of {len(during)} steps begun while a "
        f"report was drawn (range {min(during) * 1000:.0f}-{max(during) * 1000:.0f} ms) "
        f"({'meets' if median < ROOM_STEP_TARGET_SECONDS else 'MISSES'} the "
        f"{ROOM_STEP_TARGET_SECONDS * 1000:.0f} ms target), against {quiet * 1000:.0f} "
        f"ms in as many rounds right after with no report (x{median / quiet:.2f}); the "
        f"reports took {' / '.join(f'{r:.1f}' for r in reports)} s; load average "
        f"{os.getloadavg()[0]:.1f}"
    )


def report_entry(during: list[float], without: list[float], reports: list[float]) -> dict:
    return {
        "visitors_stepping": ROOM_VISITORS - 1,
        "residents": ROOM_RESIDENTS,
        "seconds": [round(t, 4) for t in during],
        "median_seconds": round(statistics.median(during), 4) if during else None,
        "seconds_without_a_report": [round(t, 4) for t in without],
        "median_seconds_without_a_report": round(statistics.median(without), 4)
        if without
        else None,
        "report_seconds": [round(r, 2) for r in reports],
        "target_seconds": ROOM_STEP_TARGET_SECONDS,
    }


def in_turn(sides: dict, pair: int) -> list:
    """The sides' (label, value) in the order pair `pair` (from 0) runs them: before first in
    the first pair, after first in the second, and so on. Whichever side went first ran
    slower (the same server on both sides, 2 pairs: x0.90 after/before), so a side always
    first would carry that."""
    order = list(sides.items())
    return order if pair % 2 == 0 else order[::-1]


def time_reporting_rooms(browser, rounds: int, against: str | None, pairs: int) -> dict:
    """The report's room with this checkout's server, and with `against`'s too when given
    (alternating `pairs` times, each side's steps pooled)."""
    sides = {"before": against, "after": None} if against else {"": None}
    got: dict[str, tuple[list, list, list]] = {label: ([], [], []) for label in sides}
    for pair in range(pairs if against else 1):
        for label, python in in_turn(sides, pair):
            with running_app(residents=ROOM_RESIDENTS, start_seconds=300, python=python) as app:
                measured = time_room_reporting(browser, app, rounds)
            for pooled, new in zip(got[label], measured, strict=True):
                pooled.extend(new)
            if against:
                print(report_line(f"[{label}, pair {pair + 1}] ", *measured), flush=True)
    if not against:
        print(report_line("", *got[""]))
        return report_entry(*got[""])
    found = {}
    for label, python in sides.items():
        found[label] = {"python": python or sys.executable, **report_entry(*got[label])}
        print(report_line(f"[{label}, all {pairs} pairs] ", *got[label]))
    before, after = (found[label]["median_seconds"] for label in sides)
    if before and after:
        print(
            f"report's room, median Step while a report is drawn, after/before: x{after / before:.2f}"
        )
    return found


def time_facilitators_run(browser, url: str) -> tuple[float, list[str]]:
    """Three tables name and apply a plan; the facilitator runs them all. The seconds from the
    click to the ranked table, and each progress line the page showed on the way."""
    for name, lever in PLANS.items():
        page = opened(browser, url)
        field = page.locator(".hg-field-plan_name input")
        field.fill(name)
        field.press("Enter")
        page.get_by_text(f"The facilitator sees {name}.").wait_for()
        page.get_by_text(lever).click()
        page.get_by_role("button", name="Apply the levers (both towns restart)").click()
        page.get_by_text("These levers are running.").wait_for()
    facilitator = opened(browser, url + "facilitator", viewport=(1280, 720), drawn=False)
    facilitator.get_by_role("button", name="Run every plan against the baseline").wait_for()
    started = time.perf_counter()
    facilitator.get_by_role("button", name="Run every plan against the baseline").click()
    seen: list[str] = []
    while not facilitator.locator(".hg-ranking").count():
        shown = facilitator.locator(".hg-run-progress").all_inner_texts()
        if shown and shown[0] not in seen:
            seen.append(shown[0])
        time.sleep(0.2)
    return time.perf_counter() - started, seen


def room_line(label: str, times: list[float], split: dict[str, float]) -> str:
    median = statistics.median(times)
    return (
        f"{label}room of {ROOM_VISITORS} visitors ({ROOM_RESIDENTS:,} residents each) clicking "
        f"Step together: median {median * 1000:.0f} ms of {len(times)} steps (range "
        f"{min(times) * 1000:.0f}-{max(times) * 1000:.0f} ms) "
        f"({'meets' if median < ROOM_STEP_TARGET_SECONDS else 'MISSES'} the "
        f"{ROOM_STEP_TARGET_SECONDS * 1000:.0f} ms target); CPU a step: server "
        f"{split['server_cpu_seconds_a_step'] * 1000:.0f} ms, Chromium's ten tabs "
        f"{split['chromium_cpu_seconds_a_step'] * 1000:.0f} ms; a round of ten "
        f"{split['seconds_a_round']:.2f} s on {os.cpu_count()} CPUs; load average "
        f"{os.getloadavg()[0]:.1f}"
    )


def room_entry(times: list[float], split: dict[str, float]) -> dict:
    return {
        "visitors": ROOM_VISITORS,
        "residents": ROOM_RESIDENTS,
        "seconds": [round(t, 4) for t in times],
        "median_seconds": round(statistics.median(times), 4),
        "target_seconds": ROOM_STEP_TARGET_SECONDS,
        **{key: round(value, 4) for key, value in split.items()},
    }


def time_rooms_against(browser, rounds: int, against: str, pairs: int) -> dict:
    """The room with this checkout's server and with `against`'s (another interpreter, so
    another checkout), alternating `pairs` times; each side's steps pooled."""
    sides = {"before": (against, [], []), "after": (None, [], [])}
    for pair in range(pairs):
        for label, (python, times, splits) in in_turn(sides, pair):
            with running_app(residents=ROOM_RESIDENTS, start_seconds=300, python=python) as app:
                got, split = time_room(browser, app, rounds)
            times.extend(got)
            splits.append(split)
            print(room_line(f"[{label}, pair {pair + 1}] ", got, split), flush=True)
    found = {}
    for label, (python, times, splits) in sides.items():
        split = {key: statistics.mean(s[key] for s in splits) for key in splits[0]}
        found[label] = {"python": python or sys.executable, **room_entry(times, split)}
        print(room_line(f"[{label}, all {pairs} pairs] ", times, split))
    ratio = found["after"]["median_seconds"] / found["before"]["median_seconds"]
    print(f"room median after/before: x{ratio:.2f}")
    return found


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=25, help="timed steps per town (>= 20)")
    parser.add_argument("--residents", type=int, nargs="+", default=list(TARGET_SECONDS))
    parser.add_argument(
        "--room-rounds", type=int, default=5, help="rounds of ten visitors stepping together"
    )
    parser.add_argument(
        "--only",
        nargs="+",
        choices=("one", "room", "report", "run"),
        default=("one", "room", "report", "run"),
        help="time only these: one visitor, the room, the room while a report is drawn, "
        "the facilitator's run",
    )
    parser.add_argument(
        "--against",
        help="another checkout's Python: time the room and the report's room with its server too",
    )
    parser.add_argument("--pairs", type=int, default=2, help="alternations with --against")
    args = parser.parse_args(argv)
    print(header())
    result = {"steps": args.steps, "warm_up_steps": WARM_UP_STEPS, "towns": {}}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        for residents in args.residents if "one" in args.only else ():
            with running_app(residents=residents, start_seconds=300) as app:
                times, loaded = time_steps(browser, app.url, args.steps)
            median = statistics.median(times)
            target = TARGET_SECONDS.get(residents)
            result["towns"][str(residents)] = {
                "seconds": [round(t, 4) for t in times],
                "median_seconds": round(median, 4),
                "page_load_seconds": round(loaded, 2),
                "target_seconds": target,
            }
            verdict = (
                ""
                if target is None
                else (
                    f" ({'meets' if median < target else 'MISSES'} the {target * 1000:.0f} ms target)"
                )
            )
            print(
                f"{residents:,} residents: click to redrawn page, median {median * 1000:.0f} ms "
                f"of {args.steps} steps (range {min(times) * 1000:.0f}-{max(times) * 1000:.0f} ms)"
                f"{verdict}; page loaded with week 0 drawn in {loaded:.1f} s"
            )
        if "room" in args.only and args.against:
            result["rooms"] = time_rooms_against(
                browser, args.room_rounds, args.against, args.pairs
            )
        elif "room" in args.only:
            with running_app(residents=ROOM_RESIDENTS, start_seconds=300) as app:
                times, split = time_room(browser, app, args.room_rounds)
            result["room"] = room_entry(times, split)
            print(room_line("", times, split))
        if "report" in args.only:
            result["room_while_reporting"] = time_reporting_rooms(
                browser, args.room_rounds, args.against, args.pairs
            )
        if "run" not in args.only:
            browser.close()
            print(f"written to {write_result('app_speed', result)}")
            return result
        with running_app(start_seconds=300) as app:  # the default town
            seconds, progress = time_facilitators_run(browser, app.url)
        result["facilitators_run"] = {
            "plans": len(PLANS),
            "seeds": 3,
            "seconds": round(seconds, 1),
            "progress_shown": progress,
            "target_seconds": RUN_TARGET_SECONDS,
        }
        print(
            f"facilitator's run of {len(PLANS)} plans x 3 seeds to the default town's horizon: "
            f"{seconds:.1f} s ({'meets' if seconds < RUN_TARGET_SECONDS else 'MISSES'} the "
            f"{RUN_TARGET_SECONDS:.0f} s target); progress shown: {' / '.join(progress)}"
        )
        browser.close()
    print(f"written to {write_result('app_speed', result)}")
    return result


if __name__ == "__main__":
    main()
