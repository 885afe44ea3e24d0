"""How quickly the workshop app answers a step: from the click on "Step" to the page showing
the new week with the map and charts redrawn (a step of the town and of its baseline twin),
timed inside Debian's headless Chromium on the real page; median of repeats.

Targets: median under 250 ms with 10,000 residents, under 1 s with 50,000.

    python benchmarks/app_speed.py
    python benchmarks/app_speed.py --steps 40 --residents 10000
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

from playwright.sync_api import sync_playwright

from healthgap.viz.app.server import CHROMIUM, CHROMIUM_ARGS, running_app

sys.path.insert(0, str(Path(__file__).resolve().parent))
from provenance import header, write_result  # noqa: E402

TARGET_SECONDS = {10_000: 0.25, 50_000: 1.0}
WARM_UP_STEPS = 3

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


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=25, help="timed steps per town (>= 20)")
    parser.add_argument("--residents", type=int, nargs="+", default=list(TARGET_SECONDS))
    args = parser.parse_args(argv)
    print(header())
    result = {"steps": args.steps, "warm_up_steps": WARM_UP_STEPS, "towns": {}}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        for residents in args.residents:
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
        browser.close()
    print(f"written to {write_result('app_speed', result)}")
    return result


if __name__ == "__main__":
    main()
