"""The HTML report: self-contained, complete, escaped, led by key messages, and robust to thin
or crowded comparisons. Comparisons are built directly, plus one tiny real run."""

from __future__ import annotations

import dataclasses
import html
import pickle
import re
import subprocess
import sys
import urllib.parse

import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from healthgap.effects import (
    Band,
    Comparison,
    Interval,
    ScenarioEffect,
    gap_warnings,
)
from healthgap.model.metrics import GROUPS, INEQUALITY_METRICS, METRICS, SII_DIRECTION
from healthgap.viz import figures
from healthgap.viz.report import BRIEF_OVER_TIME, render_report, write_report

SERIES = (*INEQUALITY_METRICS, "attendance_pct")
VALUES = {"low": 10_000, "central": 13_000, "high": 16_000}
PROVENANCE = {
    "package_version": "0.1.0",
    "git_revision": "abc123",
    "seed": 1,
    "scenario_hash": "hash-baseline",
    "parameters": {"behaviour.habit_weight": 2.0, "burn_in_weeks": 10},
}


def spread(mean: float, half: float | None) -> Interval:
    return Interval(mean) if half is None else Interval(mean, mean - half, mean + half)


def effect(
    name: str,
    *,
    cost: float,
    wellbys: float,
    half: float | None = 1.5,
    gap: dict[str, float] | None = None,
    description: str = "",
    weeks: int = 10,
) -> ScenarioEffect:
    """One scenario's effect; `gap` sets the end-of-period change in chosen gaps (default 0)."""
    small = None if half is None else 0.05
    delta_gap = {m: spread((gap or {}).get(m, 0.0), small) for m in INEQUALITY_METRICS}
    return ScenarioEffect(
        name=name,
        description=description or f"{name} programme",
        place={},
        residents_simulated=2_000,
        people_represented=2_000,
        cost_gbp=cost,
        wellbys=spread(wellbys, half),
        wellbys_undiscounted=spread(wellbys * 1.01, half),
        cost_per_wellby=cost / wellbys if cost > 0 and wellbys > 0 else None,
        bcr={k: wellbys * v / cost if cost > 0 else None for k, v in VALUES.items()},
        moved_out_of_inactivity=spread(12.0, None if half is None else 4.0),
        delta={
            m: {g: spread(-0.1 * (i + 1), small) for i, g in enumerate(GROUPS)}
            for m in METRICS
            if METRICS[m].summary
        },
        delta_sii={m: spread(0.02, small) for m in INEQUALITY_METRICS},
        delta_gap=delta_gap,
        warnings=gap_warnings(name, delta_gap),
        series={
            m: {
                g: Band(
                    [0.01 * w for w in range(weeks + 1)],
                    [None if half is None else 0.01 * w - 0.005 for w in range(weeks + 1)],
                    [None if half is None else 0.01 * w + 0.005 for w in range(weeks + 1)],
                )
                for g in ("all", "1", "5")
            }
            for m in SERIES
        },
        provenance={**PROVENANCE, "scenario_hash": f"hash-{name}"},
    )


def comparison(*effects: ScenarioEffect, replicates: int = 3) -> Comparison:
    return Comparison(
        baseline="baseline",
        replicates=replicates,
        seeds=list(range(1, replicates + 1)),
        weeks=10,
        residents=2_000,
        wellby_values_gbp=VALUES,
        discount_rate=0.015,
        method="Paired differences across seeds.",
        sii_direction=SII_DIRECTION,
        provenance=PROVENANCE,
        scenarios={e.name: e for e in effects},
    )


@pytest.fixture
def two() -> Comparison:
    """Seed funding narrows the loneliness gap; gyms & pools widens the inactivity gap."""
    return comparison(
        effect("seed-funding", cost=100_000, wellbys=41.2, gap={"lonely_pct": -0.8}),
        effect("gyms & pools", cost=50_000, wellbys=7.3, gap={"inactive_pct": 0.9}),
    )


def test_page_is_self_contained_and_complete(two, tmp_path):
    write_report(two, tmp_path)  # a folder: report.html inside it
    page = (tmp_path / "report.html").read_text(encoding="utf-8")
    assert not re.search(r"""(src|href)\s*=\s*["']?\s*(https?:)?//""", page, re.I)
    assert "<script" not in page.lower()
    assert page.count("data:image/png;base64,") == len(SERIES) + 3
    assert "seed-funding" in page and "gyms &amp; pools" in page
    for text in ("£10,000", "£13,000", "£16,000", "41.2", "7.3", "41.6"):  # 41.6: undiscounted
        assert text in page
    assert "discounted at 1.5% a year" in page and "undiscounted" in page
    # the sizes of practical importance, read from the registry
    assert (
        "0.5 percentage points for inactivity, being active, loneliness, very good health, "
        "children being active and children being less active" in page
    )
    assert "0.02 points on the 0-10 scale for life satisfaction" in page
    assert "gyms &amp; pools widens the gap in inactivity" in page  # the warning
    assert SII_DIRECTION in page
    for section in ("key", "over-time", "by-quintile", "gap", "value", "certainty", "provenance"):
        assert f'<section id="{section}">' in page and f'href="#{section}"' in page
    images = re.findall(r"<img\b[^>]*>", page)
    assert all(re.search(r'alt="[^"]{80,}"', img) for img in images)
    assert page.count("<table") == page.count("<caption>")
    assert "<th>" not in page  # every header cell has a scope


def test_user_text_renders_as_text():
    evil = "<script>alert(1)</script>"
    page = render_report(
        comparison(
            effect(
                evil,
                cost=1_000,
                wellbys=2.0,
                description="Walks & talks <b>bold</b>",
                gap={"inactive_pct": 0.9},  # the name is in a warning too
            )
        )
    )
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "Walks &amp; talks &lt;b&gt;bold&lt;/b&gt;" in page
    assert "<script" not in page.lower()
    assert not re.search(r"<b[\s>]", page, re.I)


def test_key_messages_come_first(two):
    page = render_report(two)
    headings = re.findall(r"<h2>(.*?)</h2>", page)
    assert headings[0] == "Key messages"
    key = page[page.index('<section id="key">') : page.index("</section>")]
    assert "<figure" not in key  # the detail comes after
    messages = re.findall(r"<li>(.*?)</li>", key[: key.index("</ul>")], re.S)
    assert 3 <= len(messages) <= 5
    best, gap, sure, cost = messages
    assert best.startswith("seed-funding gains the most wellbeing per pound")  # BCR 5.4 vs 1.9
    assert "seed-funding narrows the gap in loneliness by 0.80 percentage points" in gap
    assert "gyms &amp; pools widens the gap in inactivity by 0.90 percentage points" in gap
    assert "not cover uncertainty in the model&#39;s assumptions" in sure
    assert "£50,000 (gyms &amp; pools) to £100,000 (seed-funding)" in cost


def test_one_replicate_has_no_intervals(tmp_path):
    one = comparison(
        effect("a", cost=1_000, wellbys=2.0, half=None),
        effect("b", cost=2_000, wellbys=1.0, half=None),
        replicates=1,
    )
    page = render_report(one)
    assert "interval n/a" in page
    assert "Only one run" in page
    assert page.count("data:image/png;base64,") == len(SERIES) + 3


def test_many_scenarios_free_and_harmful_ones():
    effects = [
        effect("free", cost=0.0, wellbys=3.0),
        effect("harmful", cost=20_000, wellbys=-5.0),
        *(effect(f"option-{i}", cost=1_000.0 * i, wellbys=float(i), half=0.5) for i in range(1, 9)),
    ]
    page = render_report(comparison(*effects))
    assert all(f'<th scope="row">{e.name}</th>' in page for e in effects)
    assert "No scenario widened the gap" in page
    assert "\u22125.00" in page  # a loss, with a true minus sign
    assert "option-1 gains the most wellbeing per pound" in page
    assert "from £0 (free) to £20,000 (harmful)" in page


def test_a_town_without_the_most_deprived_fifth():
    lacking = effect("leafy", cost=1_000, wellbys=2.0)
    lacking.delta_gap = {m: Interval(None) for m in INEQUALITY_METRICS}
    for by_group in lacking.delta.values():
        by_group["1"] = Interval(None)
    page = render_report(comparison(lacking))
    assert "The gap cannot be measured for leafy" in page
    assert "No scenario narrows or widens" not in page
    assert "Not measurable" in page


def test_no_scenario_gains():
    page = render_report(comparison(effect("harmful", cost=20_000, wellbys=-5.0)))
    assert "No scenario with a cost gained wellbeing" in page


def test_figures_return_figures_without_pyplot(two):
    drawn = [
        figures.change_over_time(two, "life_satisfaction_mean"),
        figures.change_by_quintile(two),
        figures.change_in_inequality(two),
        figures.wellbeing_and_value(two),
    ]
    for fig in drawn:
        assert isinstance(fig, Figure) and isinstance(fig.canvas, FigureCanvasAgg)
    described = [
        figures.change_over_time_alt(two, "life_satisfaction_mean"),
        figures.change_by_quintile_alt(two),
        figures.change_in_inequality_alt(two),
        figures.wellbeing_and_value_alt(two),
    ]
    assert all("seed-funding" in text for text in described)
    source = open(figures.__file__, encoding="utf-8").read()
    assert not re.search(r"^\s*(import|from)\s.*pyplot", source, re.M)


def test_a_real_comparison_renders(tmp_path):
    from healthgap.compare import compare
    from healthgap.scenarios import Scenario

    place = {"residents": 3_000, "neighbourhoods": 10}
    baseline = Scenario(name="baseline", years=0.25, place=place)
    scenario = Scenario.model_validate(
        {
            "name": "<script>alert(1)</script>",
            "description": "A directory & <b>link workers</b>",
            "years": 0.25,
            "place": place,
            "interventions": [
                {"type": "directory", "name": "one online directory"},
                {"type": "outreach", "name": "link workers", "channel": "link_worker"},
            ],
        }
    )
    write_report(compare(baseline, [scenario], replicates=2, workers=1), tmp_path / "report.html")
    page = (tmp_path / "report.html").read_text(encoding="utf-8")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "A directory &amp; &lt;b&gt;link workers&lt;/b&gt;" in page
    assert "<script" not in page.lower() and not re.search(r"<b[\s>]", page, re.I)
    assert page.count("data:image/png;base64,") >= 4
    assert '<section id="access">' in page and "Any kind" in page and "Walk and talk" in page


def test_access_without_a_car_by_kind(two):
    """The registry's access metrics join the gap table and charts; the levels by kind of group
    are a table per scenario, baseline beside scenario, quintile 1 and 5 and their gap."""
    kinds = {"any": (40.0, 90.0), "walk_and_talk": (25.0, None), "swim": (0.0, 12.5)}
    shifted = {"any": (60.0, 90.0), "walk_and_talk": (45.0, None), "swim": (20.0, 12.5)}
    two.scenarios["seed-funding"].access = {
        run: {kind: {"all": 50.0, "1": q1, "5": q5} for kind, (q1, q5) in table.items()}
        for run, table in (("baseline", kinds), ("scenario", shifted))
    }
    page = render_report(two)
    for name in ("reach_kinds_pct", "groups_reachable_mean"):
        assert METRICS[name].label in page  # a column of the gap table
    assert '<section id="access">' in page and 'href="#access"' in page
    section = page[page.index('<section id="access">') :]
    section = section[: section.index("</section>")]
    assert section.count("<table") == 1  # gyms & pools has no access figures: no table
    assert "seed-funding" in section and "30 minutes" in section
    rows = re.findall(r"<tr>\s*<th scope=\"row\">(.*?)</th>(.*?)</tr>", section, re.S)
    cells = {kind: re.findall(r"<td>(.*?)</td>", rest) for kind, rest in rows}
    assert cells == {
        "Any kind": ["40.0", "90.0", "\u221250.0", "60.0", "90.0", "\u221230.0"],
        "Walk and talk": ["25.0", "n/a", "n/a", "45.0", "n/a", "n/a"],
        "Swim": ["0.0", "12.5", "\u221212.5", "20.0", "12.5", "7.5"],
    }


def test_a_brief_report_draws_fewer_charts_and_keeps_every_table(two):
    """The workshop app's report draws a few outcomes over time and no chart of the gaps, as
    small SVG with no matplotlib (drawn while the other tables step, and downloaded beside
    them), and keeps every table and word: the levers, the headline results, every gap and
    SII."""
    full, brief = render_report(two), render_report(two, brief=True)
    over_time = [m for m in BRIEF_OVER_TIME if m in SERIES]
    assert brief.count("data:image/svg+xml,") == len(over_time) + 2  # by quintile, value
    assert "data:image/png" not in brief
    assert full.count("data:image/png;base64,") == len(SERIES) + 3
    assert "data:image/svg" not in full
    assert len(brief) < len(full) / 5
    assert "brief report" in brief and "brief report" not in full
    assert "healthgap compare" in brief
    for name in over_time:
        assert METRICS[name].label in brief
    text = " ".join(re.sub(r"<[^>]+>", " ", re.sub(r"<img[^>]*>", "", brief)).split())
    assert "seed-funding programme" in text  # what the scenario does
    for metric in INEQUALITY_METRICS:  # the gap table lists every outcome
        assert f"{METRICS[metric].label} ({METRICS[metric].change_unit})" in text
    assert "gyms &amp; pools widens the gap in inactivity" in brief  # the warning
    for section in ("key", "over-time", "by-quintile", "gap", "value", "certainty", "provenance"):
        assert f'<section id="{section}">' in brief


def brief_images(page: str) -> list[tuple[str, str]]:
    """Each picture of a page as (its SVG, its alt text), both unescaped."""
    return [
        (urllib.parse.unquote(html.unescape(src)), html.unescape(alt))
        for src, alt in re.findall(r'<img src="data:image/svg\+xml,([^"]*)" alt="([^"]*)">', page)
    ]


def test_the_brief_reports_svg_charts_show_what_the_full_ones_do(two):
    """Each SVG chart carries the text alternative of the matplotlib figure it stands for, a
    line and a shaded interval per scenario over time, a bar and an error bar per quintile,
    and break-even; user text in them is escaped."""
    images = brief_images(render_report(two, brief=True))
    over_time = [m for m in BRIEF_OVER_TIME if m in SERIES]
    assert [alt for _, alt in images] == [
        *(figures.change_over_time_alt(two, m) for m in over_time),
        figures.change_by_quintile_alt(two),
        figures.wellbeing_and_value_alt(two),
    ]
    lines, quintiles, value = images[0][0], images[-2][0], images[-1][0]
    for svg, _ in images:
        assert svg.startswith("<svg xmlns='http://www.w3.org/2000/svg'")
        assert "gyms &amp; pools" in svg and "gyms & pools" not in svg
    # three panels (town, quintiles 1 and 5), each a line and a band per scenario
    assert lines.count("<polyline") == lines.count("<polygon") == 3 * 2
    assert lines.count("<svg") == 1 + 3
    panels = len(INEQUALITY_METRICS)
    assert quintiles.count("<rect x=") == panels * 2 * 5 + 2 * 5  # bars and the first legends
    assert quintiles.count("stroke='#222'") == panels * 2 * 5  # an error bar per bar
    assert "Quintile 1 (most deprived)" in quintiles
    assert "break-even (benefit equals cost)" in value and "at £13,000 per WELLBY" in value


def test_a_brief_report_of_one_run_draws_no_bands_or_error_bars():
    one = comparison(effect("solo", cost=10_000, wellbys=2.0, half=None), replicates=1)
    images = brief_images(render_report(one, brief=True))
    assert images and all("<polygon" not in svg for svg, _ in images)
    assert all("stroke='#222'" not in svg for svg, _ in images)


def test_the_brief_report_needs_no_matplotlib():
    """Rendered in a fresh interpreter, the brief report loads no matplotlib (a tenth of a
    second to import and tens of megabytes in the process that draws it)."""
    probe = (
        "import sys\n"
        "from healthgap.effects import Comparison\n"
        "from healthgap.viz.report import render_report\n"
        "import pickle\n"
        "page = render_report(pickle.loads(sys.stdin.buffer.read()), brief=True)\n"
        "assert 'data:image/svg+xml,' in page\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'matplotlib'))\n"
    )
    sample = comparison(effect("seed-funding", cost=100_000, wellbys=41.2))
    done = subprocess.run(
        [sys.executable, "-c", probe],
        input=pickle.dumps(sample),
        capture_output=True,
        check=True,
    )
    assert done.stdout.decode().strip() == "[]", done.stderr.decode()


def test_a_chart_of_an_outcome_that_did_not_move_says_so():
    """A flat line or zero bars sit on an axis padded to ±0.001, which reads as a change: the
    chart's title says there was none, and only that chart's."""
    moved = effect("walks", cost=10_000, wellbys=2.0)
    still = "inactive_pct"
    flat = dataclasses.replace(
        moved,
        delta={**moved.delta, still: {g: Interval(0.0, 0.0, 0.0) for g in GROUPS}},
        series={
            **moved.series,
            still: {g: Band([0.0] * 11, [0.0] * 11, [0.0] * 11) for g in ("all", "1", "5")},
        },
    )
    said = ": no change against the baseline"
    images = [svg for svg, _ in brief_images(render_report(comparison(flat), brief=True))]
    over_time = dict(zip([m for m in BRIEF_OVER_TIME if m in SERIES], images, strict=False))
    assert said in over_time[still]
    assert all(said not in svg for m, svg in over_time.items() if m != still)
    assert images[-2].count(said) == 1  # the quintiles' chart of inactivity, not the others
    assert said not in render_report(comparison(moved), brief=True)
