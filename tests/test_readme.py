"""The README's and the documentation's examples run as written."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
DOCS = ROOT / "docs"


def python_block(section: str, page: Path = README) -> str:
    """The first ```python block after the heading `section` of `page`."""
    text = page.read_text()
    start = text.index(f"## {section}")
    return re.search(r"```python\n(.*?)```", text[start:], re.DOTALL).group(1)


def test_use_from_python_runs(capsys):
    namespace: dict = {}
    exec(compile(python_block("Use from Python"), "README.md", "exec"), namespace)
    assert namespace["sim"].finished
    assert namespace["effect"].cost_gbp > 0
    assert set(namespace["table"].columns) == {"step", "quintile", "metric", "value"}
    assert "inactive_pct" in capsys.readouterr().out


def python_blocks(section: str, page: Path = README) -> list[str]:
    """Every ```python block under the heading `section` of `page`, up to the next heading."""
    text = page.read_text()
    body = text[text.index(f"# {section}\n") :].split("\n", 1)[1]
    body = re.split(r"^##", body, maxsplit=1, flags=re.MULTILINE)[0]  # to the next heading
    return re.findall(r"```python\n(.*?)```", body, re.DOTALL)


def test_readme_is_short_and_every_page_it_links_exists():
    text = README.read_text()
    assert len(text.splitlines()) < 200
    linked = re.findall(r"\]\((docs/[^)#]+)", text)
    assert len(linked) >= 10
    for path in linked:
        assert (ROOT / path).exists(), path


def test_the_model_page_tables_every_declared_parameter():
    import sys

    from healthgap.model.parameters import PARAMETERS

    sys.path.insert(0, str(ROOT / "scripts"))
    from docs_hooks import MARKER, on_page_markdown

    assert MARKER in (DOCS / "model.md").read_text()
    tables = on_page_markdown(MARKER)
    rows = [line for line in tables.splitlines() if line.startswith("| `")]
    assert [row.split("`")[1] for row in rows] == list(PARAMETERS)
