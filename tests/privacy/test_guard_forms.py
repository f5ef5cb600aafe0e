"""Issue 13 kind 9: the commit-message and branch guard catches the other ways a name or an
address is written: surname first, camel case, look-alike letters from other scripts, partial
addresses. Ordinary words and other names still pass."""

from __future__ import annotations

import pytest

from tests.git.test_guard import book, message  # noqa: F401 - the fixture is used by name

CAUGHT = [
    ("Call from Example, Alex", "a name"),
    ("Reply to EXAMPLE ALEX", "a name"),
    ("Letter to alexexample", "a name"),
    ("Call from Аlех Ехаmрlе", "a name"),  # Cyrillic А, х, Е, а, р, е
    ("Call from Ａｌｅｘ Ｅｘａｍｐｌｅ", "a name"),  # full-width
    ("Call from Al\u00adex Exam\u200bple", "a name"),  # soft hyphen, zero-width space: invisible
    ("Call from A\u2060lex\u200d Example", "a name"),  # word joiner, zero-width joiner
    ("Reply sent to alex@example", "an email"),
    ("Reply sent to robin@advocacy", "an email"),
    ("Visit to 1 Example Street", "an address"),
]


@pytest.mark.parametrize(("text", "kind"), CAUGHT)
def test_other_forms_in_a_message_are_refused(cli, book, text, kind):  # noqa: F811
    res = message(cli, book, f"MC-2026-0001: {text}\n")
    assert res.code == 1, text
    assert f"contains {kind}" in res.err


@pytest.mark.parametrize(
    "branch", ["fix/AlexExample", "case/MC-2026-0001-example-alex", "feature/аlex-example"]
)
def test_other_forms_in_a_branch_are_refused(cli, book, branch):  # noqa: F811
    res = cli("--root", book, "guard", "branch", branch)
    assert res.code == 1, branch
    assert "branch name contains a name" in res.err


@pytest.mark.parametrize(
    "text",
    [
        "Alexa Examples asked about planning",  # different people
        "Alex asked for an example",  # the words apart, not the name
        "Update the Example Street letter template",
        "fix/ExampleTemplate",
    ],
)
def test_near_misses_pass(cli, book, text):  # noqa: F811
    assert message(cli, book, f"MC-2026-0001: {text}\n").code == 0, text
