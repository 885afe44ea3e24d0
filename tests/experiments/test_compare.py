"""Comparisons: common random numbers, intervals, economics, and the whole library against the baseline."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from healthgap.compare import compare
from healthgap.effects import Interval
from healthgap.experiments.backing import trials_backing
from healthgap.model import evidence
from healthgap.scenarios import builtin_names, load_scenario
from healthgap.scenarios.schema import Scenario
from healthgap.simulation import burnt_in_town

SMALL = {"years": 1, "place": {"residents": 8000, "neighbourhoods": 10}}
FUNDED = {"type": "seed_funding", "budget_gbp": 60_000, "grant_gbp": 10_000, "most_deprived": 3}


def scenario(name: str, *interventions: dict) -> Scenario:
    return Scenario.model_validate({**SMALL, "name": name, "interventions": list(interventions)})


def test_a_scenario_without_interventions_is_exactly_the_baseline():
    result = compare(scenario("baseline"), [scenario("same")], replicates=2, workers=1)
    same = result.scenarios["same"]
    assert same.wellbys == Interval(0.0, 0.0, 0.0)
    for by_group in same.delta.values():
        for change in by_group.values():
            assert change.mean in (0.0, None)
    assert same.cost_gbp == 0 and same.cost_per_wellby is None
    assert same.access["scenario"] == same.access["baseline"]
    assert list(same.access["baseline"])[0] == "any"
    assert 0 <= same.access["baseline"]["any"]["all"] <= 100


def test_economics_follow_the_green_book_definitions():
    result = compare(scenario("baseline"), [scenario("funded", FUNDED)], replicates=3, workers=1)
    funded = result.scenarios["funded"]
    assert funded.cost_gbp == 60_000
    wellbys = funded.wellbys.mean
    assert wellbys > 0
    assert funded.cost_per_wellby == pytest.approx(60_000 / wellbys, rel=1e-4)
    for key, value in (("low", 10_000), ("central", 13_000), ("high", 16_000)):
        assert funded.bcr[key] == pytest.approx(wellbys * value / 60_000, rel=1e-4)
    assert funded.wellbys.low <= wellbys <= funded.wellbys.high
    # Discounted at 1.5% a year (Green Book), so a little below the undiscounted sum.
    undiscounted = funded.wellbys_undiscounted.mean
    assert undiscounted * 1.015**-1 < wellbys < undiscounted


def test_intervals_shrink_as_replicates_grow():
    """Averaged over three sets of seeds: one set alone can have three runs that happen to agree
    (at the fitted response, a few keen members decide much of a small group's WELLBYs)."""

    def width(replicates: int) -> float:
        widths = []
        for seed in (20, 40, 60):
            result = compare(
                scenario("baseline"), [scenario("funded", FUNDED)], replicates=replicates, seed=seed
            )
            w = result.scenarios["funded"].wellbys
            widths.append(w.high - w.low)
        return float(np.mean(widths))

    assert width(12) < width(3)  # 7.7 against 12.3 at the shipped default


def test_parallel_and_serial_runs_agree():
    args = (scenario("baseline"), [scenario("funded", FUNDED)])
    serial = compare(*args, replicates=2, workers=1)
    parallel = compare(*args, replicates=2, workers=2)
    assert serial.scenarios["funded"].delta == parallel.scenarios["funded"].delta


def test_luton_baseline_is_as_inactive_as_published():
    luton = load_scenario("luton").model_copy(update={"interventions": []})
    inactive = burnt_in_town(luton, seed=1).metric("inactive_pct")
    assert inactive == pytest.approx(30.5, abs=2.0)  # EVIDENCE.md: Luton 30.5% inactive
    assert evidence.INACTIVE_PCT.value < inactive


def test_every_builtin_scenario_runs_and_compares_with_the_baseline():
    names = [n for n in builtin_names() if n != "baseline"]
    assert {"leamington", "morecambe_bay", "luton", "big_local", "oadby_wigston"} <= set(names)
    baseline = load_scenario("baseline").model_copy(update={"years": 0.25})
    result = compare(baseline, [load_scenario(n) for n in names], replicates=2)
    for name in names:
        entry = result.scenarios[name]
        assert entry.cost_gbp > 0, name
        assert entry.wellbys.mean is not None, name


def test_transport_levers_show_their_cost_and_effect_apart_from_the_others():
    """Issue 9, must show 4: Oadby and Wigston's transport levers (a bus route and volunteer
    drivers) run alone and its other levers alone, against the same baseline seeds: the parts'
    costs add up to the whole's, only the transport part changes access, and the report says
    so in rows of their own."""
    from healthgap.viz.report import render_report

    baseline = load_scenario("baseline").model_copy(update={"years": 0.5})
    result = compare(baseline, [load_scenario("oadby_wigston")], replicates=2, workers=1)
    whole = result.scenarios["oadby_wigston"]
    transport = result.scenarios["oadby_wigston: transport only"]
    others = result.scenarios["oadby_wigston: without transport"]
    assert transport.cost_gbp + others.cost_gbp == pytest.approx(whole.cost_gbp)
    assert transport.cost_gbp > 0 and others.cost_gbp > 0
    assert others.delta["groups_reachable_mean"]["all"].mean == 0
    assert transport.delta["groups_reachable_mean"]["all"].mean > 0
    page = render_report(result)
    assert "oadby_wigston: transport only" in page and "oadby_wigston: without transport" in page
    apart = compare(baseline, [load_scenario("oadby_wigston")], 1, workers=1, transport_apart=False)
    assert list(apart.scenarios) == ["oadby_wigston"]


def test_compare_command_writes_report_json_and_tables(tmp_path):
    mile = {"type": "daily_mile", "schools": 3}
    for name, interventions in (("base", []), ("funded", [FUNDED]), ("mile", [mile])):
        text = "\n".join(
            [
                f'name = "{name}"',
                "years = 0.5",
                "[place]",
                "residents = 5000",
                "neighbourhoods = 10",
            ]
        )
        for spec in interventions:
            text += "\n[[interventions]]\n" + "\n".join(
                f"{k} = {json.dumps(v)}" for k, v in spec.items()
            )
        (tmp_path / f"{name}.toml").write_text(text + "\n")
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "healthgap",
            "compare",
            "base.toml",
            "funded.toml",
            "mile.toml",
            "--replicates",
            "2",
            "--out",
            "out",
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr
    assert "WELLBYs" in result.stdout
    # Children's activity by quintile, for the scenario that moves it only (not in the WELLBYs).
    children = result.stdout[result.stdout.index("Children: change in") :]
    assert "quintile 1" in children and "mile" in children and "funded" not in children
    out = tmp_path / "out"
    comparison = json.loads((out / "comparison.json").read_text())
    funded = comparison["scenarios"]["funded"]
    for key in (
        "cost_gbp",
        "wellbys",
        "cost_per_wellby",
        "bcr",
        "delta",
        "delta_sii",
        "delta_gap",
        "provenance",
        "access",
    ):
        assert key in funded
    assert set(funded["bcr"]) == {"low", "central", "high"}
    assert set(funded["delta"]["inactive_pct"]) == {"all", "1", "2", "3", "4", "5"}
    assert (out / "report.html").stat().st_size > 10_000
    assert (out / "deltas.csv").exists() and (out / "economics.csv").exists()
    assert "reach_kinds_pct" in funded["delta"] and "groups_reachable_mean" in funded["delta_gap"]
    access = pd.read_csv(out / "access.csv")
    assert set(access.run) == {"baseline", "scenario"} and "any" in set(access.kind)


def test_each_answer_says_what_evidence_backs_it():
    """Issue 15: the report names the trials behind each scenario's levers with the shipped
    validation's verdicts, shows outreach's funnel, and sets a social-prescribing scenario's
    benefit-cost ratio beside the published range of returns, warning when it falls outside."""
    from healthgap.viz.report import render_report

    gp = {"type": "outreach", "channel": "gp_referral", "workers": 2, "target": "inactive"}
    result = compare(
        scenario("baseline"),
        [scenario("referral", gp), scenario("funded", FUNDED)],
        replicates=2,
        workers=1,
    )
    referral, funded = result.scenarios["referral"], result.scenarios["funded"]
    assert {"outreach", "outreach/gp_referral"} <= set(referral.levers)
    backing = trials_backing(referral.levers)
    assert "Exercise referral against usual care" in [t.title for t in backing]
    verdicts = [o.agrees for t in backing for o in t.outcomes]
    assert set(verdicts) <= {"yes", "no", "not compared"} and "yes" in verdicts  # shipped ones
    everyone = [f for f in referral.funnel if f.quintile == "all"]
    assert len(everyone) == 1 and everyone[0].counts["seen"] > 0
    assert 0 <= everyone[0].counts["started"] <= everyone[0].counts["seen"]
    returns = referral.returns
    assert returns is not None and (returns.low, returns.high) == (2.14, 8.56)
    assert "social prescribing" in returns.text
    if returns.within is False:
        assert "Treat it with caution" in returns.text
    assert funded.returns is None and funded.funnel == []  # no published range for grants
    assert "Big Local" in " ".join(t.title for t in trials_backing(funded.levers))
    page = render_report(result)
    assert 'id="evidence"' in page and "Exercise referral against usual care" in page
