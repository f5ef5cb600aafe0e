"""The letter dialect (ADR 32): CommonMark with GitHub's tables, converted by cmark-gfm.

Record text escaped by ``mdtext.escape`` renders as exactly the text typed, in every letter
format; what a template writes on purpose (lists, emphasis, tables, links) renders as markup;
and what no letter may hold is cut by the sanitiser whatever the template says.
"""

from __future__ import annotations

import html
import os
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from casebook.publish.letters.mdtext import LETTER_TAGS, escape, to_html
from tests.unit.test_site_md import HOSTILE

# What may fold between words: CommonMark's whitespace (spec 0.29, "whitespace character") and
# every other line break ``str.splitlines`` knows, which ``escape`` turns into a newline.
_FOLD = re.compile(r"[ \t\n\r\f\v\x1c-\x1e\x85\u2028\u2029]+")


def shown(fragment: str) -> str:
    """The text a reader sees in an HTML fragment: tags dropped, references decoded, runs of
    whitespace (line breaks included) as one space."""
    text = html.unescape(re.sub(r"<[^>]*>", " ", fragment))
    return _FOLD.sub(" ", text).strip()


def typed(value: str) -> str:
    return _FOLD.sub(" ", value).strip()


def tags(fragment: str) -> set[str]:
    return set(re.findall(r"<([a-z0-9]+)", fragment))


@pytest.mark.parametrize("value", [*HOSTILE, "www.evil.example", "http://evil.example/x"])
def test_record_text_renders_as_typed(value: str) -> None:
    out = to_html("Dear " + escape(value) + "\n")
    assert shown(out) == typed("Dear " + value)
    assert tags(out) <= {"p", "br"}, out  # no link, list, heading, code, table or raw HTML


@given(st.text(st.characters(blacklist_categories=("Cs", "Cc")) | st.sampled_from("\n\t\r")))
@settings(max_examples=400, deadline=None)
def test_any_record_text_renders_as_typed(value: str) -> None:
    out = to_html("Text: " + escape(value) + " end\n")
    assert shown(out) == typed("Text: " + value + " end")
    assert tags(out) <= {"p", "br"}, out


def test_a_template_writes_markup_on_purpose() -> None:
    md = (
        "# Title\n\nA *stressed* and **strong** word, a [link](https://council.example).\n\n"
        "- one\n- two\n\n1. first\n2. second\n\n> quoted\n\n| Day | Time |\n| --- | --- |\n"
        "| Monday | 10:00 |\n\n---\n\nline one  \nline two\n"
    )
    out = to_html(md)
    assert tags(out) == {
        "h1", "p", "em", "strong", "a", "ul", "ol", "li", "blockquote", "table", "thead",
        "tbody", "tr", "th", "td", "hr", "br",
    }  # fmt: skip
    assert '<a href="https://council.example" rel="noopener noreferrer">link</a>' in out
    assert "<td>Monday</td>" in out


def test_what_no_letter_may_hold_is_cut_whatever_the_template_says() -> None:
    md = (
        '<script>alert(1)</script>\n\n<img src="http://evil.example/x.png">\n\n'
        "[a](javascript:alert(1)) ![b](http://evil.example/y.png)\n\n"
        '<p onclick="alert(1)" style="color:red">styled</p>\n\n~~struck~~ www.example.org\n\n'
        "- [ ] task\n\n```\ncode\n```\n"
    )
    out = to_html(md)
    assert tags(out) <= LETTER_TAGS
    for gone in ("script", "alert(1)</", "img", "javascript:", "onclick=", "style=", "evil"):
        assert gone not in out, gone
    assert "<del>" not in out and "~~struck~~" in out  # no strikethrough extension
    assert "<a" not in out.split("~~struck~~")[1]  # no autolinks
    assert "<input" not in out  # no task lists


def test_long_and_pathological_record_text_is_linear() -> None:
    """cmark-gfm's 2023 advisories were quadratic inputs; the floor (2024.1.14) is past them.
    Record text (escaped) of 50,000 repeats: a quadratic parser would take minutes."""
    n = 50_000
    for value in ("[", "*a ", "> ", "- ", "|", "a|", "<b>", "`", "_a_ "):
        out = to_html(escape(value * n) + "\n")
        assert shown(out) == typed(value * n)


def _rss_mb() -> float:
    with open("/proc/self/statm") as fh:  # pages: size, resident, ...
        return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


@pytest.mark.skipif(not os.path.exists("/proc/self/statm"), reason="Linux's /proc")
def test_converting_letters_does_not_grow_memory() -> None:
    """cmarkgfm's own wrapper left the document tree and the HTML string of every conversion
    behind (about 30 KB a letter: 450 MB over a cold governance build of 10,000 cases,
    issue 14); ``mdtext._cmark_html`` frees both. 3,000 letters grew the process by about
    90 MB before; now by nothing the allocator keeps for itself."""
    letter = (
        "# Letter\n\nDear Ms Example,\n\n"
        + "We are writing about your contact with the council. " * 30
        + "\n\n- one\n- two\n\n| a | b |\n| - | - |\n| 1 | 2 |\n\n"
    ) * 3
    for i in range(200):  # the allocator's own arenas settle first
        to_html(letter + str(i))
    before = _rss_mb()
    for i in range(3000):
        to_html(letter + str(i))
    assert _rss_mb() - before < 10


@given(st.text(max_size=300))
@settings(max_examples=200, deadline=None)
def test_the_freeing_converter_gives_cmarkgfms_own_html(text: str) -> None:
    import cmarkgfm
    from cmarkgfm.cmark import Options

    from casebook.publish.letters.mdtext import _cmark_html

    expected = cmarkgfm.markdown_to_html_with_extensions(
        text, options=Options.CMARK_OPT_UNSAFE, extensions=["table"]
    )
    assert _cmark_html(text) == expected
