"""The facilitator's page (/facilitator): every table's named plan side by side as it stands,
one button that runs them all against the baseline on several seeds to the horizon (with the
comparison API, in the background), a ranked table with intervals, and the report for all."""

from __future__ import annotations

import threading
from html import escape

import solara

from healthgap.effects import Comparison, ScenarioEffect
from healthgap.viz.formatting import (
    capitalised,
    gap_change,
    horizon,
    interval_text,
    money,
    number,
    ratio,
)
from healthgap.viz.workshop import INACTIVE

from .controls import Message
from .page import CSS, LARGE_CSS, DownloadLink, room_baseline
from .room import ROOM_SEEDS, TablePlan, room
from .web import ROOM_REPORT, ROOM_REPORT_FILE

POLL_SECONDS = 1.0  # how often the page looks for the tables' news
TABLE_CSS = """
.hg-room-table { border-collapse: collapse; width: 100%; }
.hg-room-table th, .hg-room-table td { border-bottom: 1px solid #ddd; padding: 6px 8px;
  text-align: left; vertical-align: top; }
.hg-room-table td.num { text-align: right; white-space: nowrap; }
.hg-room-table ul { margin: 0; padding-left: 1.1em; }
"""


def html_table(caption: str, headings: list[str], rows: list[list[str]], numeric: set[int]) -> str:
    """An HTML table of cells already escaped; columns in `numeric` right-aligned."""
    head = "".join(f"<th scope='col'>{h}</th>" for h in headings)
    body = "".join(
        "<tr>"
        + "".join(
            f"<td class='num'>{cell}</td>" if i in numeric else f"<td>{cell}</td>"
            for i, cell in enumerate(row)
        )
        + "</tr>"
        for row in rows
    )
    return (
        f"<table class='hg-room-table'><caption>{escape(caption)}</caption>"
        f"<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
    )


def plans_html(tables: list[TablePlan]) -> str:
    """Every named plan: its levers, cost, and how it has done so far in its table's run."""
    rows = []
    for t in tables:
        levers = "".join(f"<li>{escape(w)}</li>" for w in t.words) or "No levers"
        s = t.so_far
        rows.append(
            [
                f"<strong>{escape(t.plan.name)}</strong><br>{escape(t.plan.scenario.name)}",
                f"<ul>{levers}</ul>",
                escape(t.cost),
                escape(horizon(s.weeks)) if s.weeks else "not started",
                money(s.spent_gbp),
                number(s.wellbys, sig=2),
                escape(gap_words(s.gap_points)),
            ]
        )
    return html_table(
        "Each table's plan and its own run so far (one run each, at its own week)",
        ["Plan", "Levers", "Cost", "Run so far", "Spent", "WELLBYs", "Gap in inactivity"],
        rows,
        numeric={4, 5},
    )


def gap_words(points: float | None, chance: bool = False) -> str:
    """A change in the inactivity gap in words: "narrowed 0.3 points"."""
    direction = gap_change(INACTIVE, points)
    if direction in ("", "no change"):
        return "no change"
    verb = "narrowed" if direction == "narrows" else "widened"
    said = f"{verb} {number(abs(points), sig=2)} points"
    return said + (" (could be chance)" if chance else "")


def ranked(comparison: Comparison) -> list[ScenarioEffect]:
    """Plans from the most WELLBYs for each pound to the least (no spending last)."""

    def value(effect: ScenarioEffect) -> float:
        central = effect.bcr.get("central")
        return central if central is not None else float("-inf")

    return sorted(comparison.scenarios.values(), key=value, reverse=True)


def ranking_html(comparison: Comparison) -> str:
    """The run's plans ranked by benefit-cost ratio, with intervals and gap warnings."""
    rows = []
    for rank, e in enumerate(ranked(comparison), start=1):
        gap = e.delta_gap["inactive_pct"]
        warnings = "".join(f"<li>{escape(w.text)}</li>" for w in e.warnings)
        rows.append(
            [
                str(rank),
                f"<strong>{escape(e.name)}</strong>",
                money(e.cost_gbp),
                escape(interval_text(e.wellbys, sig=2)),
                money(e.cost_per_wellby),
                ratio(e.bcr.get("central")),
                escape(capitalised(gap_words(gap.mean, chance=not gap.excludes_zero)))
                + (f"<ul>{warnings}</ul>" if warnings else ""),
            ]
        )
    return html_table(
        f"Every plan against the baseline over {horizon(comparison.weeks)}, "
        f"{comparison.replicates} seeds each; {comparison.interval}",
        [
            "Rank",
            "Plan",
            "Cost",
            "WELLBYs gained",
            "Cost per WELLBY",
            "Benefit-cost ratio",
            "Gap in inactivity, and warnings",
        ],  # fmt: skip
        rows,
        numeric={0, 2, 3, 4, 5},
    )


@solara.component
def FacilitatorPage():
    """The facilitator's page; it follows the tables and the run as they change."""
    _, set_seen = solara.use_state(room.version)
    large, set_large = solara.use_state(False)

    def follow(cancel: threading.Event) -> None:
        seen = room.version
        while not cancel.wait(POLL_SECONDS):
            if room.version != seen:
                seen = room.version
                set_seen(seen)

    solara.use_thread(follow, [], intrusive_cancel=False)
    tables, run = room.table_plans(), room.run
    message, set_message = solara.use_state("")
    baseline = solara.use_memo(room_baseline, [])

    def cancel() -> None:
        room.cancel_run()
        set_seen(room.version)  # say so now, not at the next look

    solara.Style(CSS + TABLE_CSS)
    if large:
        solara.Style(LARGE_CSS)
    with solara.Column(gap="12px", style={"padding": "0 12px"}):
        with solara.Row(classes=["hg-header"], gap="12px"):
            solara.Text("Facilitator: every table's plan", classes=["hg-when"])
            solara.Switch(label="Large type", value=large, on_value=set_large)
        if not tables:
            solara.Text(
                "No table has named its plan yet: each table types a name for it on its page.",
                classes=["hg-info"],
            )
        else:
            solara.HTML(tag="div", unsafe_innerHTML=plans_html(tables), classes=["hg-plans"])
        with solara.Row(gap="12px"):
            solara.Button(
                f"Run every plan against the baseline ({ROOM_SEEDS} seeds, "
                f"{horizon(baseline.weeks)})",
                on_click=lambda: set_message(room.start_run(baseline)),
                color="primary",
                disabled=run.running,
            )
            if run.running:
                solara.Button("Cancel the run", icon_name="mdi-stop", on_click=cancel)
        Message(message or run.error)
        if run.cancelled:
            Message(
                "The run was cancelled: it has stopped, and no plan was compared. "
                "Run every plan again when you are ready.",
                "info",
            )
        elif run.seeds:
            solara.ProgressLinear(value=100 * run.done / run.seeds)
            solara.Text(
                f"{run.done} of {run.seeds} seeds done for "
                f"{', '.join(run.plans)}" + ("" if run.done < run.seeds else "."),
                classes=["hg-run-progress"],
            )
        if isinstance(run.comparison, Comparison):
            solara.HTML(
                tag="div", unsafe_innerHTML=ranking_html(run.comparison), classes=["hg-ranking"]
            )
            if run.report:
                DownloadLink("The report for all plans (HTML)", ROOM_REPORT, ROOM_REPORT_FILE)
            else:
                solara.Text("Drawing the report for all plans…")
