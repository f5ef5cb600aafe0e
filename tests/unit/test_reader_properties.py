"""Property-based tests of the strict reader: any text loads or gives a YamlLoadError with a
line, never another exception (issue 13, kind 1)."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from casebook.store.yamlio import YamlLoadError, load_bytes, load_text

# Pieces of YAML that the reader must refuse or resolve, mixed with arbitrary text, so that the
# generated documents reach the parser's interesting states instead of failing at character 1.
TOKENS = st.sampled_from(
    [
        "a: ", "- ", "\n", "  ", "&x ", "*x", "!!int ", "!local ", "! ", "#31", "~", "\ufeff",
        "[", "]", "{", "}", ", ", "? ", ": ", "'q'", '"q"', "|\n", ">\n", "---\n", "...\n",
        "0x28", "9" * 30, "2026-02-30", "1e999", "yes", "010", "10:30", "\t", "\r\n", "\x00",
    ]
)  # fmt: skip
DOCS = st.lists(st.one_of(TOKENS, st.text(max_size=8)), max_size=40).map("".join)
PLAIN = (str, int, float, bool, date, type(None), list, dict)


def _check(text: str) -> None:
    try:
        value = load_text(text)
    except YamlLoadError as exc:
        assert exc.problem.rule.startswith("yaml-")
        assert exc.problem.message
        # Every refusal names a line (1-based, within the text) so the finding can point at it.
        assert exc.problem.line is not None, exc.problem
        # Lines as an editor counts them: LF, CRLF or a lone CR (classic Mac) ends one.
        lines = text.count("\n") + text.count("\r") - text.count("\r\n")
        assert 1 <= exc.problem.line <= lines + 2, exc.problem
    else:
        assert isinstance(value, PLAIN)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(DOCS)
@example("a: \r0\r")  # CR-only line ends: the error is on the third line an editor shows
def test_any_text_loads_or_gives_a_located_error(text: str) -> None:
    _check(text)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=200))
def test_arbitrary_unicode(text: str) -> None:
    _check(text)


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=200))
def test_arbitrary_bytes(data: bytes) -> None:
    try:
        load_bytes(data)
    except YamlLoadError as exc:
        assert exc.problem.line is not None


@pytest.mark.parametrize(
    ("text", "rule", "line"),
    [
        ("a: 1\nb:\n\ufeff&x [1]\nc: \ufeff*x\n", "yaml-alias", 3),
        ("a: !!int 0x28\n", "yaml-tag", 1),
        ("\x85{", "yaml-syntax", 1),  # NEL breaks a YAML line, not an editor's
        ("a: 1\u2028b: 2\nc: [\n", "yaml-syntax", 3),
        ("a: !!float abc\n", "yaml-tag", 1),
        ("a: !!bool yes\n", "yaml-tag", 1),
        ("a: [!local x]\n", "yaml-tag", 1),
        ("a: !!str x\n", "yaml-tag", 1),
        ("x: 1\napproved_in: #31\n", "yaml-empty", 2),
        ("approved_in: ~\n", "yaml-empty", 1),
        ("approved_in:\nx: 1\n", "yaml-empty", 1),
        ("{label: How long, and when}\n", "yaml-empty", 1),
        ("a: 1\n---\nb: 2\n", "yaml-syntax", 2),
        ("a: " + "[" * 60 + "]" * 60 + "\n", "yaml-syntax", 1),
        ("a: 1\nb: x\x00\n", "yaml-syntax", 2),
    ],
)
def test_refused(text: str, rule: str, line: int) -> None:
    with pytest.raises(YamlLoadError) as info:
        load_text(text)
    assert (info.value.problem.rule, info.value.problem.line) == (rule, line)


def test_lost_value_message_names_the_fix() -> None:
    with pytest.raises(YamlLoadError) as info:
        load_text("approved_in: #31\n")
    assert "approved_in: '#31'" in info.value.problem.message


def test_huge_and_infinite_numbers_stay_text() -> None:
    assert load_text("a: " + "9" * 5000 + "\nb: 1e999\nc: 12\n") == {
        "a": "9" * 5000,
        "b": "1e999",
        "c": 12,
    }
