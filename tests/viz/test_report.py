"""The HTML report: self-contained, complete, escaped, and robust to thin or odd comparisons."""

from __future__ import annotations

import re

from healthgap.viz.report import write_report

WARNING = "gyms & pools widens the gap in inactivity between the most and least deprived fifth"


def triple(mean: float, half: float | None) -> dict:
    if half is None:
        return {"mean": mean, "low": None, "high": None}
    return {"mean": mean, "low": mean - half, "high": mean + half}


def scenario_entry(
    name: str,
    *,
    cost: float,
    wellbys: float,
    half: float | None,
    steps: int = 10,
    warnings: list[str] | None = None,
    description: str = "",
) -> dict:
    """One scenario's entry, shaped like experiments.compare.summarise output."""
    quintiles = ("all", "1", "3", "5")  # a thin set: the report must cope with missing quintiles
    metrics = (
        "inactive_pct",
        "active_pct",
        "life_satisfaction_mean",
        "lonely_pct",
        "attendance_pct",
    )
    delta = {
        m: {
            g: triple(-0.1 * (k + 1) + 0.01 * i, None if half is None else 0.05)
            for k, g in enumerate(quintiles)
        }
        for i, m in enumerate(metrics)
    }
    sii_metrics = ("life_satisfaction_mean", "inactive_pct", "active_pct", "lonely_pct")
    series = {
        m: {
            g: {
                "mean": [0.01 * s for s in range(steps + 1)],
                "low": [None if half is None else 0.01 * s - 0.005 for s in range(steps + 1)],
                "high": [None if half is None else 0.01 * s + 0.005 for s in range(steps + 1)],
            }
            for g in ("all", "1", "5")
        }
        for m in ("life_satisfaction_mean", "inactive_pct", "attendance_pct")
    }
    values = {"low": 10_000, "central": 13_000, "high": 16_000}
    return {
        "description": description or f"{name} programme",
        "cost_gbp": cost,
        "wellbys": triple(wellbys, half),
        "cost_per_wellby": cost / wellbys if cost > 0 and wellbys > 0 else None,
        "bcr": {k: wellbys * v / cost if cost > 0 else None for k, v in values.items()},
        "moved_out_of_inactivity": triple(12.0, None if half is None else 4.0),
        "delta": delta,
        "delta_sii": {m: triple(0.02, None if half is None else 0.01) for m in sii_metrics},
        "delta_gap": {m: triple(-0.03, None if half is None else 0.01) for m in sii_metrics},
        "provenance": {
            "package_version": "0.1.0",
            "git_revision": None,
            "seed": 1,
            "scenario": name,
            "scenario_hash": f"hash-{name}",
            "parameters": {"behaviour.habit_weight": 2.0, "burn_in_weeks": 10},
        },
        "warnings": warnings or [],
        "series": series,
    }


def fabricate(replicates: int = 3, scenarios: dict | None = None) -> dict:
    """A small synthetic comparison: 2 scenarios, 10-step series, one warning."""
    one = replicates < 2
    half = None if one else 1.5
    scenarios = scenarios or {
        "seed-funding": scenario_entry("seed-funding", cost=100_000, wellbys=41.2, half=half),
        "gyms & pools": scenario_entry(
            "gyms & pools",
            cost=50_000,
            wellbys=7.3,
            half=half,
            warnings=[WARNING],
            description="Gym passes <pilot> for over-50s",
        ),
    }
    return {
        "baseline": "baseline",
        "replicates": replicates,
        "seeds": list(range(1, replicates + 1)),
        "weeks": 10,
        "residents": 2_000,
        "wellby_values_gbp": {"low": 10_000, "central": 13_000, "high": 16_000},
        "method": "Paired differences across seeds. SII is fitted(least) minus fitted(most).",
        "provenance": {
            "package_version": "0.1.0",
            "git_revision": "abc123",
            "seed": 1,
            "scenario": "baseline",
            "scenario_hash": "hash-baseline",
            "parameters": {"behaviour.habit_weight": 2.0, "burn_in_weeks": 10},
        },
        "scenarios": scenarios,
    }


def test_report_is_self_contained_and_complete(tmp_path):
    path = tmp_path / "report.html"
    write_report(fabricate(), path)
    page = path.read_text(encoding="utf-8")
    assert not re.search(r"""(src|href)\s*=\s*["']?\s*(https?:)?//""", page, re.I)
    assert "<script" not in page.lower()
    assert page.count("data:image/png;base64,") >= 4
    for name in ("seed-funding", "gyms &amp; pools"):
        assert name in page
    assert "gyms &amp; pools widens the gap in inactivity" in page
    assert "£" in page
    for value in ("£10,000", "£13,000", "£16,000"):
        assert value in page
    for wellbys in ("41.2", "7.3"):
        assert wellbys in page
    # text from the data is escaped
    assert "&lt;pilot&gt;" in page and "<pilot>" not in page
    # every image has alt text
    images = re.findall(r"<img\b[^>]*>", page)
    assert images and all(re.search(r'alt="[^"]{20,}"', img) for img in images)


def test_one_replicate_with_null_intervals(tmp_path):
    path = tmp_path / "report.html"
    write_report(fabricate(replicates=1), path)
    page = path.read_text(encoding="utf-8")
    assert "n/a" in page
    assert "only one run" in page.lower()
    assert page.count("data:image/png;base64,") >= 4


def test_zero_cost_negative_wellbys_no_warnings_many_scenarios(tmp_path):
    scenarios = {
        "free": scenario_entry("free", cost=0.0, wellbys=3.0, half=1.0),
        "harmful": scenario_entry("harmful", cost=20_000, wellbys=-5.0, half=2.0),
    }
    scenarios |= {
        f"option-{i}": scenario_entry(f"option-{i}", cost=1_000.0 * i, wellbys=float(i), half=0.5)
        for i in range(1, 7)
    }
    write_report(fabricate(scenarios=scenarios), tmp_path)  # a directory: writes report.html
    page = (tmp_path / "report.html").read_text(encoding="utf-8")
    assert "No scenario widened the gap" in page
    assert "lost 5" in page
    assert "no cost recorded" in page
    assert all(name in page for name in scenarios)
