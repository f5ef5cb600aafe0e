"""Record text in generated pages renders as exactly the text typed, with the site's own
Markdown extensions (site/mkdocs.yml plus MkDocs' defaults)."""

from __future__ import annotations

import html
import json
import re
from datetime import date

import markdown
import pytest
import yaml

from casebook.publish.site import markup, md
from tests.conftest import REPO

HOSTILE = [
    '<script>alert("x")</script>',
    "<img src=x onerror=alert(1)>",
    "[click](javascript:alert(1))",
    "![img](http://evil.example/x.png)",
    "**bold** _em_ `code` ~~del~~ ==mark== ^^ins^^",
    "# heading",
    "===",
    "---",
    "1. not a list",
    "- not a list",
    "> not a quote",
    '!!! danger "not an admonition"',
    '{: onclick="alert(1)" }',
    "[ref]: javascript:alert(1)",
    "| a | b |",
    "&lt;entity&gt; &#60;b&#62; &amp; &copy;",
    "<!-- comment -->",
    "back\\slash \\* \\_",
    "trailing two spaces  ",
    "tabs\tand    spaces",
    "<http://autolink.example>",
    "<user@example.org>",
    "    indented code",
    "```fence",
    "[[wiki]] {{ jinja }} {% raw %}",
    "naïve café — “quotes” ‘single’",
]


def site_markdown() -> markdown.Markdown:
    config = yaml.safe_load((REPO / "site" / "mkdocs.yml").read_text(encoding="utf-8"))
    # MkDocs always adds these three to the configured extensions.
    exts = ["toc", "tables", "fenced_code"]
    for ext in config["markdown_extensions"]:
        name = ext if isinstance(ext, str) else next(iter(ext))
        if name not in exts:
            exts.append(name)
    return markdown.Markdown(extensions=exts)


def text_of(rendered: str) -> str:
    assert re.fullmatch(r"<p>.*</p>", rendered, re.S), rendered
    inner = rendered[3:-4]
    assert "<" not in inner, f"markup in {rendered!r}"
    return html.unescape(inner)


@pytest.mark.parametrize("value", HOSTILE)
def test_inline_text_renders_as_typed(value: str) -> None:
    out = site_markdown().convert(md.text(value))
    assert text_of(out) == " ".join(value.split())


def test_multiline_text_becomes_paragraphs_of_literal_text() -> None:
    value = "\n".join(HOSTILE)
    out = site_markdown().convert(md.paragraphs(value))
    paras = re.findall(r"<p>(.*?)</p>", out, re.S)
    assert [html.unescape(p) for p in paras] == [" ".join(v.split()) for v in HOSTILE]
    assert len(re.findall(r"<[a-z]", out)) == len(HOSTILE)  # nothing but the <p>s


@pytest.mark.parametrize("value", HOSTILE)
def test_html_helpers_escape(value: str) -> None:
    for fragment in (markup.esc(value), markup.pre([value]), markup.paragraphs(value)):
        stripped = re.sub(r"</?(p|pre|code)( class=\"language-timeline\")?>", "", fragment)
        assert "<" not in stripped and ">" not in stripped.replace("&gt;", "")


@pytest.mark.parametrize("value", [*HOSTILE, "</title><script>alert(1)</script>", 'a"b'])
def test_front_matter_title_is_escaped_yaml(value: str) -> None:
    page = md.page(value, "body")
    front = yaml.safe_load(page.split("---\n")[1])
    assert html.unescape(front["title"]) == " ".join(value.split())
    assert "<" not in front["title"]


def test_tables_and_lists() -> None:
    out = site_markdown().convert(md.table(["A", "B"], [(md.text("x|y"), md.text("*z*"))]))
    assert "<td>x|y</td>" in out and "<td>*z*</td>" in out
    assert md.table(["A"], []) == "*None.*"
    assert md.day(date(2026, 3, 9)) == "9 March 2026" and md.when(None) == md.DASH
    assert md.when(date(2026, 11, 2)) == '<time datetime="2026-11-02">2 November 2026</time>'
    assert json.loads(md.title("A & B")) == "A &amp; B"


def test_case_page_tables_leave_out_columns_empty_in_every_row() -> None:
    """Issue 17: no empty "—" columns on case pages."""
    html = markup.table(
        ["Date", "Consulted", "Reasons"], [["1 May 2026", "", "x"]], drop_empty=True
    )
    assert "Consulted" not in html and "<th>Reasons</th>" in html and "—" not in html
    kept = markup.table(["Date", "Consulted"], [["1 May 2026", ""]])
    assert "Consulted" in kept and "—" in kept
