"""Small building blocks of the page: a labelled choice, an SVG view that reports clicks and
redraws only what changed."""

from __future__ import annotations

from collections.abc import Callable

import ipyvuetify
import solara
import traitlets

# Make `old`'s children what `next`'s are, changing only what differs. A Step changes a few
# marks of each picture (a week's colours and groups, a line's newest points): replacing the
# whole picture made the browser parse, lay out, paint and rasterise every mark again.
UPDATE_JS = """
function update(old, next) {
  const wanted = [...next.childNodes];
  wanted.forEach((node, i) => {
    const there = old.childNodes[i];
    if (!there) {
      old.appendChild(node);
    } else if (there.isEqualNode(node)) {
      // unchanged: keep it as it is
    } else if (there.nodeName !== node.nodeName) {
      old.replaceChild(node, there);
    } else if (node.nodeType !== Node.ELEMENT_NODE) {
      there.nodeValue = node.nodeValue;
    } else {
      for (const { name } of [...there.attributes]) {
        if (!node.hasAttribute(name)) { there.removeAttribute(name); }
      }
      for (const { name, value } of node.attributes) {
        if (there.getAttribute(name) !== value) { there.setAttribute(name, value); }
      }
      update(there, node);
    }
  });
  while (old.childNodes.length > wanted.length) { old.removeChild(old.lastChild); }
}
"""
SVG_TEMPLATE = (
    """
<template>
  <div class="hg-svg" @click="clicked"></div>
</template>
<script>
module.exports = {
  mounted() { this.$el.innerHTML = this.svg; },
  watch: {
    svg(text) {
      const next = document.createElement("template");
      next.innerHTML = text;
      update(this.$el, next.content);
    },
  },
  methods: {
    clicked(event) {
      const mark = event.target.closest("[data-code]");
      if (mark) { this.pick(mark.getAttribute("data-code")); }
    },
  },
};
"""
    + UPDATE_JS
    + "</script>\n"
)


class SvgView(ipyvuetify.VuetifyTemplate):
    """SVG text shown as it is; a click on a mark with `data-code` calls `on_pick(code)`."""

    template = traitlets.Unicode(SVG_TEMPLATE).tag(sync=True)
    svg = traitlets.Unicode("").tag(sync=True)
    on_pick = traitlets.Callable(None, allow_none=True)

    def vue_pick(self, code: str) -> None:
        if self.on_pick is not None:
            self.on_pick(code)


UPLOAD_TEMPLATE = """
<template>
  <v-btn small @click="$refs.chooser.click()">
    <v-icon left small>mdi-upload</v-icon>{{ label }}
    <input ref="chooser" type="file" :accept="accept" style="display: none" @change="chosen" />
  </v-btn>
</template>
<script>
module.exports = {
  methods: {
    chosen(event) {
      const file = event.target.files[0];
      event.target.value = "";  // the same file can be chosen again
      if (!file) { return; }
      if (file.size > this.max_bytes) { this.send({name: file.name, size: file.size, text: ""}); return; }
      file.text().then((text) => this.send({name: file.name, size: file.size, text}));
    },
  },
};
</script>
"""


class UploadButton(ipyvuetify.VuetifyTemplate):
    """A button that opens the browser's file chooser and sends the chosen file's text to
    `on_file(name, content, size)`; a file over `max_bytes` arrives empty, with its size, for
    the server to refuse (the browser never reads it). Unlike ipywidgets' FileUpload, its
    label counts nothing ("Choose a file (0)")."""

    template = traitlets.Unicode(UPLOAD_TEMPLATE).tag(sync=True)
    label = traitlets.Unicode("Choose a file").tag(sync=True)
    accept = traitlets.Unicode("").tag(sync=True)
    max_bytes = traitlets.Int(0).tag(sync=True)
    on_file = traitlets.Callable(None, allow_none=True)

    def vue_send(self, sent: dict) -> None:
        if self.on_file is not None:
            self.on_file(str(sent["name"]), str(sent["text"]).encode("utf-8"), int(sent["size"]))


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
