"""The README's examples run as written."""

from __future__ import annotations

import re
from pathlib import Path

README = Path(__file__).resolve().parents[1] / "README.md"


def python_block(section: str) -> str:
    """The first ```python block after the heading `section`."""
    text = README.read_text()
    start = text.index(f"## {section}")
    return re.search(r"```python\n(.*?)```", text[start:], re.DOTALL).group(1)


def test_use_from_python_runs(capsys):
    namespace: dict = {}
    exec(compile(python_block("Use from Python"), "README.md", "exec"), namespace)
    assert namespace["sim"].finished
    assert namespace["effect"].cost_gbp > 0
    assert set(namespace["table"].columns) == {"step", "quintile", "metric", "value"}
    assert "inactive_pct" in capsys.readouterr().out


def python_blocks(section: str) -> list[str]:
    """Every ```python block under the heading `section`, up to the next heading."""
    text = README.read_text()
    body = text[text.index(f"# {section}\n") :].split("\n", 1)[1]
    body = re.split(r"^##", body, maxsplit=1, flags=re.MULTILINE)[0]  # to the next heading
    return re.findall(r"```python\n(.*?)```", body, re.DOTALL)
