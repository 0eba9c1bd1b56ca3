"""The house rules a reviewer would otherwise count by hand: small modules, a short README, one place per page."""

from __future__ import annotations

from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
SOURCES = [ROOT / "contracts" / "src", ROOT / "chassis" / "src", ROOT / "deploy" / "local" / "src"]
SOURCES += sorted((ROOT / "services").glob("*/src"))
MODULE_LINES = 400
README_LINES = 250


def test_no_module_is_over_400_lines() -> None:
    """STYLE.md: small modules with one job; a module that grows past 400 lines is split along the domain."""
    modules = [path for source in SOURCES for path in source.rglob("*.py")]
    assert len(modules) > 100, "the sources were found"
    long = {str(p.relative_to(ROOT)): n for p in modules if (n := len(p.read_text().splitlines())) > MODULE_LINES}
    assert long == {}


def test_the_readme_is_a_front_door() -> None:
    lines = (ROOT / "README.md").read_text().splitlines()
    assert len(lines) <= README_LINES
    assert "make run" in lines[lines.index("## Two commands") + 3]


def test_every_page_of_docs_is_in_the_site() -> None:
    """A page written but missing from mkdocs.yml's navigation would be built yet found by nobody; the strict
    build warns about it too, this says which one without building."""
    config = yaml.safe_load((ROOT / "mkdocs.yml").read_text())

    def pages(entry: object) -> list[str]:
        if isinstance(entry, str):
            return [entry]
        if isinstance(entry, dict):
            return [page for value in entry.values() for page in pages(value)]
        if isinstance(entry, list):
            return [page for item in entry for page in pages(item)]
        return []

    listed = set(pages(config["nav"]))
    docs = ROOT / "docs"
    written = {
        str(p.relative_to(docs))
        for p in docs.rglob("*.md")
        if "hooks" not in p.parts and not p.relative_to(docs).as_posix().startswith("architecture/decisions/0")
    }
    assert written - listed == set()
    decisions = sorted(p.name for p in (docs / "architecture" / "decisions").glob("0*.md"))
    index = (docs / "architecture" / "decisions" / "index.md").read_text()
    assert decisions and all(f"({name})" in index for name in decisions)
