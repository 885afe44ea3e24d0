"""The town map with its outcome picker: neighbourhoods, links and groups as this week has them."""

from __future__ import annotations

from collections.abc import Callable

import solara

from healthgap.viz.workshop import MAP_OUTCOMES, TownMap

from .controls import Choice, SvgView
from .drawing import MAP_WIDTH, town_map_svg

TownAt = Callable[[int, str], tuple[TownMap, int]]  # (version, outcome) -> (map, week)


@solara.component
def TownMapView(
    version_of: Callable[[], int],
    town_at: TownAt,
    outcome: str,
    on_outcome: Callable[[str], None],
    change: bool,
    on_change: Callable[[bool], None],
    picked: tuple[str | None, ...],
    on_pick: Callable[[str], None],
    text_scale: float = 1.0,
):
    """The map, what it is coloured by, and whether it shows change against the baseline; with
    `text_scale` above 1 the map is drawn on a smaller canvas shown at the same size, so its
    labels and legend come out that much larger. Only the picture watches the tab's runs'
    version (`version_of`, a hook), so a Step redraws it and not the pickers."""
    with solara.Column(gap="4px", classes=["hg-fill"]):  # fills a projector's height
        with solara.Row(style={"align-items": "center", "flex-wrap": "wrap"}):
            with solara.Div(style={"flex": "1 1 260px", "max-width": "460px"}):
                Choice(
                    "Colour the neighbourhoods by", list(MAP_OUTCOMES.items()), outcome, on_outcome
                )
            solara.Switch(
                label="Change against the baseline",
                value=change,
                on_value=on_change,
                disabled=outcome == "imd_decile",
            )
        MapPicture(version_of, town_at, outcome, change, picked, on_pick, text_scale)


@solara.component
def MapPicture(
    version_of: Callable[[], int],
    town_at: TownAt,
    outcome: str,
    change: bool,
    picked: tuple[str | None, ...],
    on_pick: Callable[[str], None],
    text_scale: float,
):
    town, week = town_at(version_of(), outcome)
    svg = solara.use_memo(
        lambda: town_map_svg(
            town, week, change=change, picked=picked, width=round(MAP_WIDTH / text_scale)
        ),
        [town, change, picked, text_scale],
    )
    SvgView.element(svg=svg, on_pick=on_pick)
