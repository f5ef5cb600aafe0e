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


def test_field_shortcut_agrees_with_compose_on_every_record_in_the_repository():
    """``events[i].field`` lines read from the text equal the composed document's, for every
    key of every event of every record here (and the shortcut is taken for most of them)."""
    checked = 0
    for path in FILES:
        text = path.read_text(encoding="utf-8")
        items = yamlio._block_items(text, "events")
        node = yamlio._compose(text)
        if items is None or node is None:
            continue
        events = yamlio._child(node, "events")
        assert events is not None
        for i, item in enumerate(events[1].value):
            keys = [k.value for k, _ in getattr(item, "value", []) if hasattr(k, "value")]
            for key in [*keys, "no-such-key"]:
                want = yamlio._child(item, key)
                got = yamlio._item_key(text, items, i, key)
                if got is not None:
                    assert want is not None and got == want[0], (path, i, key)
                    checked += 1
                assert yamlio.locate(text, ("events", i, key)) == (want[0] if want else items[i]), (
                    path,
                    i,
                    key,
                )
    assert checked > 1000


@pytest.mark.parametrize(
    ("text", "want"),
    [
        ("events:\n  - date: 2026-01-01\n    to: a\n", 3),
        ("events:\n  - to: a\n    date: 2026-01-01\n", 2),
        ("events:\n  - date: 1\n    note: |\n      to: not a key\n    to: b\n", 5),
        ("events:\n  - date: 1\n    'to': quoted\n", 3),  # quoted key: composed, found
        ("events:\n  - date: 1\n    tomorrow: x\n    to: y\n", 4),
        ("events:\r\n  - date: 1\r\n    to:\r\n      - a\r\n", 3),
    ],
)
def test_field_lines_in_awkward_layouts(text, want):
    assert yamlio.locate(text, ("events", 0, "to")) == want
