"""Numbers, money and periods as the report and its figures print them."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from healthgap.effects import Interval
    from healthgap.model.metrics import Metric

MINUS = "\u2212"


def is_number(x) -> bool:
    """A finite real number (not None, NaN or a bool)."""
    return isinstance(x, int | float) and not isinstance(x, bool) and math.isfinite(x)


def decimals(values, sig: int = 3, most: int = 6) -> int:
    """Decimal places giving `sig` significant figures to the largest of `values`."""
    big = max((abs(v) for v in values if is_number(v)), default=0.0)
    if big == 0:
        return 0
    return int(min(most, max(0, sig - 1 - math.floor(math.log10(big)))))


def number(x, places: int | None = None, sig: int = 3) -> str:
    """1,234.5 with a true minus sign and no "-0"; "n/a" for none."""
    if not is_number(x):
        return "n/a"
    places = decimals([x], sig) if places is None else places
    text = f"{x:,.{places}f}"
    if float(text.replace(",", "")) == 0:
        text = text.lstrip("-")
    return text.replace("-", MINUS)


def money(x) -> str:
    """£1,234 (whole pounds from £100 up), £12.34 below; "n/a" for none."""
    if not is_number(x):
        return "n/a"
    if x == 0:
        return "£0"
    text = f"£{abs(x):,.0f}" if abs(x) >= 100 else f"£{abs(x):,.2f}"
    return MINUS + text if x < 0 and text.strip("£0.,") else text


def ratio(x) -> str:
    """A benefit-cost ratio: two decimals, whole numbers from 1,000."""
    return number(x, 2) if is_number(x) and abs(x) < 1000 else number(x, 0)


def interval_parts(iv: Interval, sig: int = 3) -> tuple[str, str | None]:
    """(mean, "low to high" or None when there is no interval), with shared decimals."""
    places = decimals([iv.mean, iv.low, iv.high], sig)
    if not (is_number(iv.low) and is_number(iv.high)):
        return number(iv.mean, places), None
    return number(iv.mean, places), f"{number(iv.low, places)} to {number(iv.high, places)}"


def interval_text(iv: Interval, sig: int = 3) -> str:
    """ "12.3 (95% interval 10.1 to 14.5)", or "12.3 (no interval)"."""
    mean, span = interval_parts(iv, sig)
    return f"{mean} (95% interval {span})" if span else f"{mean} (no interval)"


def percent(rate: float) -> str:
    """0.015 -> "1.5%"."""
    return f"{rate * 100:g}%"


def horizon(weeks: int) -> str:
    """52 -> "1 year", 1 -> "1 week", 13 -> "13 weeks", 78 -> "1.5 years"."""
    if weeks % 52 == 0:
        years = weeks // 52
        return f"{years} year{'s' if years != 1 else ''}"
    if weeks < 52:
        return f"{weeks} week{'s' if weeks != 1 else ''}"
    return f"{weeks / 52:.1f} years"


def capitalised(text: str) -> str:
    return text[:1].upper() + text[1:]


def gap_change(metric: Metric, change: float | None, kind: str = "gap") -> str:
    """ "widens", "narrows" or "no change" for a change in the gap ("gap") or the SII ("sii");
    "" where the metric has no better direction or there is no number."""
    if not is_number(change) or metric.gap_widens_when == 0:
        return ""
    if change == 0:
        return "no change"
    widens_when = metric.gap_widens_when * (1 if kind == "gap" else -1)
    return "widens" if change * widens_when > 0 else "narrows"
