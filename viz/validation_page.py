"""validation.html: the model against every published figure, for readers who do not use the
tool (`healthgap validate` writes it beside validation.csv)."""

from __future__ import annotations

import datetime
import textwrap
from pathlib import Path

import numpy as np

import healthgap
from healthgap.experiments.validation import (
    FUNNEL_PUBLISHED,
    Row,
    Validation,
    method,
    summary,
    write_csv,
)

from .figures import new_figure, style
from .report import ENVIRONMENT, Chart, data_uri


def chart(result: Validation):
    """Each compared row as its miss in tolerances, with its interval; None if none."""
    rows = [r for r in result.rows if r.miss is not None]
    if not rows:
        return None
    fig = new_figure(9.5, 0.32 * len(rows) + 1.4)
    ax = fig.subplots()
    where = np.arange(len(rows))[::-1]
    misses = np.array([r.miss for r in rows])

    def scaled(r: Row, value: float | None) -> float:
        return np.nan if value is None else (r.in_tolerances(value) or 0.0)

    lows = np.array([scaled(r, r.low) for r in rows])
    highs = np.array([scaled(r, r.high) for r in rows])
    reach = max(2.5, float(np.nanmax(np.abs(misses))) * 1.15)
    ax.axvspan(-1, 1, color="#cde6cf", zorder=0)
    ax.axvline(0, color="#555555", linewidth=0.8)
    colours = ["#009E73" if r.within == "yes" else "#D55E00" for r in rows]
    has = ~np.isnan(lows)
    ax.hlines(
        where[has],
        np.clip(lows[has], -reach, reach),
        np.clip(highs[has], -reach, reach),
        color=np.array(colours)[has],
        linewidth=1.6,
    )
    ax.scatter(np.clip(misses, -reach, reach), where, color=colours, zorder=3, s=30)
    labels = [textwrap.shorten(f"{r.label} ({r.period})", 70, placeholder="...") for r in rows]
    ax.set_yticks(where, labels, fontsize=8)
    ax.set_xlim(-reach, reach)
    ax.set_ylim(-0.6, len(rows) - 0.4)
    ax.set_xlabel("(model - published) / tolerance")
    style(ax, horizontal=True)
    alt = "; ".join(
        f"{r.label} ({r.period}): model {r.model:.3g}, published {r.published:.3g}, "
        f"{r.tolerance_source}, {'within' if r.within == 'yes' else 'outside'}"
        for r in rows
    )
    return Chart(data_uri(fig), "Model against published, in tolerances: " + alt)


def render_page(result: Validation, today=None) -> str:
    """validation.html as a string."""
    today = today or datetime.date.today()
    return ENVIRONMENT.get_template("validation.html").render(
        v=result,
        date=f"{today.day} {today:%B %Y}",
        version=healthgap.__version__,
        summary=summary(result),
        method=method(result),
        chart=chart(result),
        funnel_published=FUNNEL_PUBLISHED,
    )


def write_validation(result: Validation, folder: Path) -> None:
    """Write validation.html and validation.csv into `folder`."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "validation.html").write_text(render_page(result), encoding="utf-8")
    write_csv(result, folder / "validation.csv")
