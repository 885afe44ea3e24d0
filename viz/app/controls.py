"""Small building blocks of the page: a labelled choice, an SVG view that reports clicks."""

from __future__ import annotations

from collections.abc import Callable

import ipyvuetify
import solara
import traitlets

SVG_TEMPLATE = """
<template>
  <div class="hg-svg" v-html="svg" @click="clicked"></div>
</template>
<script>
module.exports = {
  methods: {
    clicked(event) {
      const mark = event.target.closest("[data-code]");
      if (mark) { this.pick(mark.getAttribute("data-code")); }
    },
  },
};
</script>
"""


class SvgView(ipyvuetify.VuetifyTemplate):
    """SVG text shown as it is; a click on a mark with `data-code` calls `on_pick(code)`."""

    template = traitlets.Unicode(SVG_TEMPLATE).tag(sync=True)
    svg = traitlets.Unicode("").tag(sync=True)
    on_pick = traitlets.Callable(None, allow_none=True)

    def vue_pick(self, code: str) -> None:
        if self.on_pick is not None:
            self.on_pick(code)


@solara.component
def Choice(
    label: str,
    choices: list[tuple[str, str]],
    value: str | None,
    on_value: Callable[[str], None],
    error: str | None = None,
):
    """A drop-down of (value, plain label) pairs, with its message underneath when there is one."""
    return solara.v.Select(
        label=label,
        items=[{"value": v, "text": text} for v, text in choices],
        v_model=value,
        on_v_model=on_value,
        error_messages=[error] if error else [],
        hide_details="auto",
        dense=True,
        class_="mb-2",
    )


@solara.component
def Message(text: str | None, kind: str = "error"):
    """A short message beside a control ("error", "info" or "success"), or nothing."""
    if text:
        colour = {"error": "#B00020", "info": "#333", "success": "#1B5E20"}[kind]
        solara.Text(text, classes=[f"hg-{kind}"], style={"color": colour, "display": "block"})
