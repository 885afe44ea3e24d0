"""calibration.html: one self-contained page of a finished calibration.

A table of the targets (figure, source, tolerance, the model at the best trial, within tolerance
or not), the fitted parameters beside their searched ranges and defaults, and a PNG (embedded as
a data URI, as the comparison report's charts are) of the fit against each target and of the loss
by trial. No network, no JavaScript, no other files.
"""

from __future__ import annotations

import datetime
import html
from typing import TYPE_CHECKING

import numpy as np

import healthgap
from healthgap.experiments.calibration import ensemble_note
from healthgap.experiments.calibration_spec import LOSS, STUDY_FILE
from healthgap.output import atomic_write
from healthgap.simulation import git_revision

from .figures import new_figure, style
from .report import data_uri

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from healthgap.experiments.calibration import CalibrationResult

STYLE = """
body { font-family: system-ui, sans-serif; max-width: 62rem; margin: 2rem auto; padding: 0 1rem;
       color: #222; line-height: 1.45; }
table { border-collapse: collapse; margin: 1rem 0; }
th, td { border-bottom: 1px solid #ddd; padding: 0.3rem 0.6rem; text-align: right; }
th:first-child, td:first-child, td.text { text-align: left; }
td.out { color: #a0361b; font-weight: 600; }
.warning { background: #fff4d6; border: 2px solid #b36b00; border-left-width: 10px;
           padding: 0.6rem 1rem; color: #3d2600; font-weight: 600; }
img { max-width: 100%; }
.note { color: #555; font-size: 0.92rem; }
"""


def number(x: float, digits: int = 4) -> str:
    return "-" if x is None or x != x else f"{x:.{digits}g}"


def write_calibration_page(result: CalibrationResult) -> None:
    """calibration.html in the study's folder, written whole."""
    page = render(result)
    atomic_write(result.folder / "calibration.html", lambda p: p.write_text(page, encoding="utf-8"))


def render(result: CalibrationResult, today: datetime.date | None = None) -> str:
    """The page as a string."""
    calibration = result.calibration
    spec = calibration.spec
    scenario = calibration.scenario()
    e = html.escape
    within = sum(t.within for t in result.targets)
    rows = "\n".join(
        f"<tr><td>{e(t.label)} <code>{e(t.measure)}</code></td><td>{number(t.figure)}</td>"
        f"<td class='text'>{e(t.source)} ({e(t.population)})</td><td>± {number(t.tolerance)} {e(t.unit)}</td>"
        f"<td>{number(t.model)}</td><td>{t.miss:+.2f}</td>"
        f"<td class='{'text' if t.within else 'out'}'>{'yes' if t.within else 'no'}</td></tr>"
        for t in result.targets
    )
    parameters = "\n".join(
        f"<tr><td><code>{e(p.path)}</code></td><td>{number(p.fitted, 6)}</td>"
        f"<td>{number(p.low)} to {number(p.high)}</td><td>{number(p.default)}</td>"
        f"<td class='text'>{e(p.unit)}</td></tr>"
        for p in result.parameters
    )
    place = scenario.place.local_authority or scenario.place.preset or "a town"
    seeds = (
        f"seed {spec.seed}"
        if spec.replicates == 1
        else f"seeds {spec.seed} to {spec.seed + spec.replicates - 1}"
    )
    picture = data_uri(fit_figure(result))
    _, consistent = result.ensemble
    ensemble = f"<p class='{'note' if consistent else 'warning'}'>{e(ensemble_note(result))}</p>"
    today = today or datetime.date.today()
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>Calibration: {e(scenario.name)}</title><style>{STYLE}</style></head>
<body>
<h1>Calibration of {e(scenario.name)}</h1>
<p>The best of {result.complete} complete trials is trial {result.best_trial}, with loss
{number(result.loss)} ({e(LOSS)}). {within} of {len(result.targets)} targets are within their
tolerance there.</p>
{"" if consistent else ensemble}
<p class="note">Each trial ran the base scenario ({e(spec.base)}: {e(place)}) with
{round(scenario.place.residents * scenario.place.sample):,} adults simulated for
{scenario.years:g} years after the burn-in, {seeds} (the same in every trial), and averaged each
target over them; sampler {e(spec.sampler)}, seeded with {spec.seed}.
The study is in <code>{e(str(result.folder / STUDY_FILE))}</code>; running the same command
again resumes it, and raising <code>trials</code> continues it.</p>
<h2>Targets at the best trial</h2>
<table>
<tr><th>target</th><th>figure</th><th>source</th><th>tolerance</th><th>model</th>
<th>miss (tolerances)</th><th>within</th></tr>
{rows}
</table>
<img src="{picture}" alt="{e(fit_alt(result))}">
<h2>Fitted parameters</h2>
<table>
<tr><th>parameter</th><th>fitted</th><th>range searched</th><th>default</th><th>unit</th></tr>
{parameters}
</table>
<p class="note">A fit within tolerance says the model at these values reproduces the targets
in this town and horizon; it does not say the values are the only ones that do. Parameters the
targets hardly move are not identified by them: compare the trials (<code>trials.csv</code>)
near the best loss. The interval of chance between seeds is not in the loss.</p>
<h2>Ensemble of parameter sets (ensemble.csv)</h2>
{ensemble}
<p class="note">healthgap {e(healthgap.__version__)}, git {e(git_revision() or "unknown")},
{today.isoformat()}; calibration file {e(calibration.where)}.</p>
</body></html>
"""


def fit_figure(result: CalibrationResult) -> Figure:
    """Left: each target's miss at the best trial, in tolerances (the band is within);
    right: the loss of every complete trial and the best so far."""
    from matplotlib.ticker import MaxNLocator

    targets = result.targets
    fig = new_figure(10, 0.45 * len(targets) + 2.2)
    left, right = fig.subplots(1, 2, width_ratios=[3, 2])
    where = np.arange(len(targets))[::-1]
    misses = np.array([t.miss for t in targets])
    reach = max(2.0, float(np.nanmax(np.abs(misses))) * 1.15) if len(misses) else 2.0
    left.axvspan(-1, 1, color="#cde6cf", zorder=0, label="within tolerance")
    left.axvline(0, color="#555555", linewidth=0.8)
    colours = ["#009E73" if t.within else "#D55E00" for t in targets]
    left.scatter(np.clip(misses, -reach, reach), where, color=colours, zorder=3, s=36)
    for y, t in zip(where, targets, strict=True):
        left.annotate(
            f"{t.model:.3g} vs {t.figure:.3g}",
            (float(np.clip(t.miss, -reach, reach)), y),
            xytext=(6, 4),
            textcoords="offset points",
            fontsize=8,
        )
    left.set_yticks(where, [t.measure for t in targets])
    left.set_xlim(-reach, reach)
    left.set_ylim(-0.6, len(targets) - 0.4)
    left.set_xlabel("(model - figure) / tolerance, at the best trial")
    left.set_title("Fit against each target", fontsize=11)
    style(left, horizontal=True)
    trials = result.trials[result.trials.state == "COMPLETE"].sort_values("trial")
    right.scatter(trials.trial, trials.loss, s=14, color="#0072B2", label="trial")
    right.step(
        trials.trial, trials.loss.cummin(), where="post", color="#222222", label="best so far"
    )
    style(right)
    if len(trials) and trials.loss.min() > 0:
        right.set_yscale("log")
    right.xaxis.set_major_locator(MaxNLocator(integer=True))
    right.set_xlabel("trial")
    right.set_ylabel("loss")
    right.set_title("Loss by trial", fontsize=11)
    right.legend(fontsize=8, frameon=False)
    return fig


def fit_alt(result: CalibrationResult) -> str:
    """The plot's text alternative, with its numbers."""
    parts = [
        f"{t.measure}: model {t.model:.3g}, figure {t.figure:.3g}, tolerance {t.tolerance:g} "
        f"({'within' if t.within else 'outside'})"
        for t in result.targets
    ]
    return (
        f"Fit at the best trial ({result.best_trial}, loss {result.loss:.3g}): "
        + "; ".join(parts)
        + ". Right: the loss of each complete trial and the best so far."
    )
