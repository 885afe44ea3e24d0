"""MkDocs hook: the model page's parameter tables, made from `model/parameters.py` at build time,
so the documentation can never disagree with the code."""

from __future__ import annotations

import dataclasses
import inspect

from healthgap.model.parameters import Parameters, iter_parameters

MARKER = "<!-- parameter tables -->"


def on_page_markdown(markdown: str, **_) -> str:
    return markdown.replace(MARKER, parameter_tables()) if MARKER in markdown else markdown


def parameter_tables() -> str:
    """One table per section of `Parameters`, headed by the section's docstring."""
    defaults = Parameters()
    out = []
    sections = [
        f for f in dataclasses.fields(defaults) if dataclasses.is_dataclass(f.default_factory)
    ]
    for section in sections:
        value = getattr(defaults, section.name)
        out += [f"### `{section.name}`", "", inspect.getdoc(type(value)).split("\n\n")[0], ""]
        out += table(iter_parameters(value, section.name + "."))
    top = [(p, v, m) for p, v, m in iter_parameters(defaults) if "." not in p]
    out += ["### Run", ""] + table(top)
    return "\n".join(out)


def table(rows) -> list[str]:
    lines = [
        "| parameter | default | unit | plausible | possible | source |",
        "|---|---|---|---|---|---|",
    ]
    for path, value, meta in rows:
        low, high = meta["range"]
        plausible = f"{low:g}" if low == high else f"{low:g} to {high:g}"
        cells = [
            f"`{path}`",
            f"{value:g}",
            meta["unit"],
            plausible,
            meta["possible"].describe(),
            meta["source"],
        ]
        lines.append("| " + " | ".join(c.replace("|", "/") for c in cells) + " |")
    return lines + [""]
