"""The levers: controls that layer interventions and move key assumptions, as a draft the room
edits and then applies. Values stay as typed until `check_levers` reads them, so a bad entry
gets its message beside the control instead of stopping the app."""

from __future__ import annotations

import math
from collections.abc import Callable

import solara

from healthgap.viz.formatting import money
from healthgap.viz.workshop import (
    ASSUMPTION_SLIDERS,
    LEVER_CHOICES,
    MAX_BUDGET_GBP,
    AssumptionSlider,
    Levers,
)

from .controls import Choice, Message

TEXT_FIELDS = ("seed_budget_gbp", "seed_grant_gbp", "seed_most_deprived", "outreach_workers")
Raw = dict  # lever field -> value as the page holds it (text from text fields)
SetField = Callable[[str, object], None]  # a field, or "assumptions.<path>" for a slider


def as_raw(levers: Levers) -> Raw:
    """Levers as the page shows them: numbers typed into text fields become text."""
    raw = levers.model_dump()
    for name in TEXT_FIELDS:
        value = float(raw[name])
        raw[name] = f"{value:.0f}" if value.is_integer() else f"{value:g}"
    return raw


@solara.component
def TextLever(name: str, label: str, raw: Raw, set_field: SetField, errors: dict, hint: str = ""):
    """A number typed as text; `check_levers`' message for it shows underneath."""
    solara.InputText(
        label,
        value=str(raw[name]),
        on_value=lambda text: set_field(name, text),
        error=errors.get(name, False),
        message=hint or None,
        classes=["mb-2", f"hg-field-{name}"],
    )


@solara.component
def ChoiceLever(name: str, label: str, raw: Raw, set_field: SetField, errors: dict):
    Choice(label, LEVER_CHOICES[name], raw[name], lambda v: set_field(name, v), errors.get(name))


@solara.component
def SwitchLever(name: str, label: str, raw: Raw, set_field: SetField):
    solara.Switch(label=label, value=bool(raw[name]), on_value=lambda on: set_field(name, on))


def slider_step(slider: AssumptionSlider) -> float:
    """A round step giving 50 to 500 positions along the slider's range (0.01 for 0.1 to 0.7)."""
    return 10 ** math.floor(math.log10((slider.high - slider.low) / 50))


def on_step(value: float, low: float, high: float, step: float) -> float:
    """`value` as Vuetify's slider rounds it to its steps (`roundValue`: the nearest step up
    from `low`, halves up, written to the step's decimals), so the browser keeps it as given."""
    decimals = max(0, -math.floor(math.log10(step) + 1e-9))
    offset = math.fmod(low, step)
    steps = math.floor((value - offset) / step + 0.5)
    return float(f"{min(steps * step + offset, high):.{decimals}f}")


@solara.component
def AssumptionSliderControl(slider: AssumptionSlider, value: float, set_field: SetField):
    """A slider under its label, which shows the value exactly (a fitted 0.1591 as it is).

    The browser's slider rounds a value that is not on its steps (0.1591 to 0.16) and sends
    the rounded one back as if moved; a value within half a step of the one shown is that
    rounding, not a move, so it is ignored and a fresh page keeps the scenario's values. The
    slider is handed the value already rounded as the browser rounds it (`on_step`): handed
    0.1591, it sent 0.16 back after every redraw of the page, three sliders each Step, and
    each message cost the server a round of its own."""
    step = slider_step(slider)

    def moved(new: float) -> None:
        if abs(new - value) >= step / 2:
            set_field(f"assumptions.{slider.path}", new)

    solara.Text(
        f"{slider.label}: {value:g}",
        classes=["hg-slider-label"],
        style={"display": "block", "font-size": "0.9em"},
    )
    with solara.Row(gap="8px", style={"align-items": "center"}):
        solara.Text(f"{slider.low:g}", style={"font-size": "0.8em"})
        solara.v.Slider(
            v_model=on_step(value, slider.low, slider.high, step),
            on_v_model=moved,
            min=slider.low,
            max=slider.high,
            step=step,
            hide_details=True,
            class_="hg-slider",
            style_="flex: 1 1 auto",
        )
        solara.Text(f"{slider.high:g}", style={"font-size": "0.8em"})


@solara.component
def LeverPanel(
    raw: Raw,
    set_field: SetField,
    errors: dict,
    neighbourhoods: list[tuple[str, str]],
    parameters: dict[str, float],
):
    """Every lever, each section's details shown when it is switched on."""
    common = {"raw": raw, "set_field": set_field, "errors": errors}

    with solara.Card("Seed funding", margin=0, classes=["mb-2"]):
        SwitchLever("seed_funding", "Fund new local groups", raw, set_field)
        if raw["seed_funding"]:
            TextLever(
                "seed_budget_gbp",
                "Budget (£)",
                **common,
                hint=f"Up to {money(MAX_BUDGET_GBP)}",
            )
            TextLever("seed_grant_gbp", "Grant for each group (£)", **common)
            ChoiceLever("seed_target", "Where the money goes", **common)
            if raw["seed_target"] == "most_deprived":
                TextLever(
                    "seed_most_deprived", "How many of the most deprived neighbourhoods", **common
                )
            ChoiceLever("seed_chooser", "Who chooses the groups", **common)
            if raw["seed_chooser"] == "commissioner":
                ChoiceLever("seed_group_type", "The kind of group funded", **common)
    with solara.Card("Outreach", margin=0, classes=["mb-2"]):
        SwitchLever("outreach", "Link workers who invite people to groups", raw, set_field)
        if raw["outreach"]:
            TextLever("outreach_workers", "Workers (full-time)", **common)
            ChoiceLever("outreach_target", "Who they reach", **common)
            SwitchLever(
                "outreach_supported_first_visit",
                "Go along with people the first time",
                raw,
                set_field,
            )
    with solara.Card("Transport", margin=0, classes=["mb-2"]):
        SwitchLever("transport", "Better transport between two neighbourhoods", raw, set_field)
        if raw["transport"]:
            ChoiceLever("transport_mode", "How", **common)
            for name, label in (("transport_from", "From"), ("transport_to", "To")):
                Choice(
                    label,
                    neighbourhoods,
                    raw[name],
                    lambda code, name=name: set_field(name, code),
                    errors.get(name),
                )
            solara.Text("Or click two neighbourhoods on the map.", style={"font-size": "0.85em"})
    with solara.Card("Awareness", margin=0, classes=["mb-2"]):
        SwitchLever("directory", "An online directory of local groups", raw, set_field)
        SwitchLever("low_impact", "Free low-impact sessions for people in pain", raw, set_field)
        if raw["low_impact"]:
            ChoiceLever("low_impact_group_type", "The kind of session", **common)
    with solara.Card("Assumptions", margin=0, classes=["mb-2"]):
        solara.Text(
            "How people respond is uncertain: move these within their plausible ranges.",
            style={"font-size": "0.85em"},
        )
        for slider in ASSUMPTION_SLIDERS:
            value = raw["assumptions"].get(slider.path, parameters.get(slider.path, slider.default))
            AssumptionSliderControl(slider, value, set_field)
            Message(errors.get(f"assumptions.{slider.path}"))
        if raw["assumptions"]:
            solara.Button(
                "Back to the scenario's assumptions",
                on_click=lambda: set_field("assumptions", {}),
                text=True,
            )
