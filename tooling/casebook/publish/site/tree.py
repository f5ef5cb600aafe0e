"""The generated Markdown tree: pages by path, and the navigation that lists some of them.

A tree with a ``docs`` folder writes each page there as it is added and keeps only its path,
so a governance build of 10,000 cases holds one case page at a time, not all of them
(issue 14). Without one (tests, ``build.generate`` called alone) the pages stay in ``pages``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

NavItem = str | dict[str, "str | list[NavItem]"]


@dataclass(slots=True)
class Tree:
    docs: Path | None = None
    # Page text by path, kept only when there is no ``docs`` folder to write to.
    pages: dict[str, str] = field(default_factory=dict)
    paths: list[str] = field(default_factory=list)  # every page added, in order
    # Generated paths that a hand-written page in ``docs`` already had: not written, and the
    # build refuses (``build.build_site``).
    clashes: list[str] = field(default_factory=list)
    # Only the few top-level pages: case pages stay out of the navigation, because MkDocs
    # Material embeds the whole navigation in every page (see docs/decisions).
    nav: list[NavItem] = field(default_factory=list)
    _seen: set[str] = field(default_factory=set)

    def add(self, path: str, content: str) -> None:
        """Add (with ``docs``: write) one page; ``ValueError`` for a path added twice."""
        if path in self._seen:
            raise ValueError(f"two pages at {path}")
        self._seen.add(path)
        self.paths.append(path)
        if self.docs is None:
            self.pages[path] = content
            return
        target = self.docs / path
        if target.exists():
            self.clashes.append(path)
            return
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(content, encoding="utf-8")

    def write(self, docs: Path) -> None:
        """Write the pages kept in memory (a tree made without ``docs``)."""
        for rel, content in self.pages.items():
            path = docs / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(content, encoding="utf-8")
