"""The town map with its outcome picker: neighbourhoods, links and groups as this week has them."""

from __future__ import annotations

from collections.abc import Callable

import solara

from healthgap.viz.workshop import MAP_OUTCOMES, TownMap

from .controls import Choice, SvgView
from .drawing import town_map_svg


@solara.component
def TownMapView(
    town: TownMap,
    week: int,
    outcome: str,
    on_outcome: Callable[[str], None],
    change: bool,
    on_change: Callable[[bool], None],
    picked: tuple[str | None, ...],
    on_pick: Callable[[str], None],
):
    """The map, what it is coloured by, and whether it shows change against the baseline."""
    svg = solara.use_memo(
        lambda: town_map_svg(town, week, change=change, picked=picked), [town, change, picked]
    )
    with solara.Column(gap="4px"):
        with solara.Row(style={"align-items": "center", "flex-wrap": "wrap"}):
            Choice("Colour the neighbourhoods by", list(MAP_OUTCOMES.items()), outcome, on_outcome)
            solara.Switch(
                label="Change against the baseline",
                value=change,
                on_value=on_change,
                disabled=outcome == "imd_decile",
            )
        SvgView.element(svg=svg, on_pick=on_pick)
