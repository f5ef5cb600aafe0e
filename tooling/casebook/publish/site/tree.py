"""The generated Markdown tree: pages by path, and the navigation that lists some of them."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

NavItem = str | dict[str, "str | list[NavItem]"]


@dataclass(slots=True)
class Tree:
    pages: dict[str, str] = field(default_factory=dict)
    # Only the few top-level pages: case pages stay out of the navigation, because MkDocs
    # Material embeds the whole navigation in every page (see docs/decisions).
    nav: list[NavItem] = field(default_factory=list)

    def add(self, path: str, content: str) -> None:
        if path in self.pages:
            raise ValueError(f"two pages at {path}")
        self.pages[path] = content

    def write(self, docs: Path) -> None:
        for rel, content in self.pages.items():
            path = docs / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(content, encoding="utf-8")
