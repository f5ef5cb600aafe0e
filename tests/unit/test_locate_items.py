"""The line-reading shortcut for ``events[i]`` agrees with composing the document."""

from __future__ import annotations

from pathlib import Path

import pytest

from casebook.store import yamlio
from tests.conftest import REPO

FILES = sorted(
    [
        *(REPO / "cases").glob("*.yaml"),
        # Not tests/hostile/: its inputs are broken on purpose (not UTF-8, NUL bytes).
        *(p for p in (REPO / "tests").rglob("*.yaml") if "hostile" not in p.parts),
    ]
)


def composed(text: str, key: str, index: int) -> int | None:
    node = yamlio._compose(text)
    child = yamlio._child(node, key) if node is not None else None
    if child is None:
        return None
    item = yamlio._child(child[1], index)
    return item[0] if item else None


def test_agrees_with_compose_on_every_record_in_the_repository():
    checked = 0
    for path in FILES:
        text = path.read_text(encoding="utf-8")
        items = yamlio._block_items(text, "events")
        if items is None:
            continue
        for i, line in enumerate(items):
            assert line == composed(text, "events", i), (path, i)
            checked += 1
        assert composed(text, "events", len(items)) is None, path
    assert checked > 300


@pytest.mark.parametrize(
    "text",
    [
        "events:\n-   {date: 2026-01-01}\n",  # more than one space after the dash
        "events:\n  -\n    date: 2026-01-01\n",  # a dash alone on its line
        "events:\n\t- x\n",  # tabs: refuse
        "events: []\n",  # flow style
    ],
)
def test_falls_back_when_the_layout_is_not_plain(text):
    items = yamlio._block_items(text, "events")
    if items is not None:
        for i, line in enumerate(items):
            assert line == composed(text, "events", i)


def test_block_scalars_and_comments_do_not_confuse_it():
    text = (
        "id: X\n"
        "events:\n"
        "  # a comment\n"
        "  - date: 2026-01-01\n"
        "    reasons: >-\n"
        "      - not an item\n"
        "  - {date: 2026-01-02,\n"
        "     summary: two lines}\n"
        "\n"
        "  - date: 2026-01-03\n"
        "other: 1\n"
        "  - not an event\n"
    )
    assert yamlio._block_items(text, "events") == (4, 7, 10)
    assert yamlio.locate(text, ("events", 2)) == 10


def test_big_file_is_not_composed_for_event_lines(tmp_path: Path):
    lines = ["id: X", "events:"] + [f"  - {{date: 2026-01-01, n: {i}}}" for i in range(5000)]
    text = "\n".join(lines) + "\n"
    yamlio._compose.cache_clear()
    assert yamlio.locate(text, ("events", 4999)) == 5002
    assert yamlio._compose.cache_info().misses == 0
