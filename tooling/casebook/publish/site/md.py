"""Writing Markdown safely: every value that comes from a record goes through here.

Record text is typed by people and may contain anything: ``<script>``, Markdown links to
``javascript:``, a line of ``===`` that would turn the line above into a heading, table pipes.
The generator never pastes record text into a page; it passes it through ``text`` (inline),
``paragraphs`` (multi-line) or ``title`` (front matter), which make it render as the literal
characters typed and nothing else. ``tests/unit/test_site_md.py`` renders hostile strings with
the site's own Markdown extensions and checks that exactly the text comes out.
"""

from __future__ import annotations

import functools
import html
import json
import re
from collections.abc import Iterable, Sequence
from datetime import date

# Python-Markdown's backslash escapes (core plus the tables extension's "|"). "<", ">" and "&"
# become character references instead, so no raw HTML or entity can be formed.
_BACKSLASH = re.compile(r"([\\`*_{}\[\]()#+\-.!|])")
_ENTITIES = {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#x27;"}
_ENTITY = re.compile(r"[&<>\"']")

DASH = "—"


def text(value: object) -> str:
    """Inline text: one line, every Markdown and HTML character made literal."""
    s = " ".join(str(value).split())  # no newlines: nothing can start a block
    if not s:
        return DASH
    s = _BACKSLASH.sub(r"\\\1", s)
    return _ENTITY.sub(lambda m: _ENTITIES[m.group(0)], s)


def paragraphs(value: str, indent: str = "") -> str:
    """Multi-line text: each non-blank line its own paragraph, each made literal."""
    lines = [line for line in value.splitlines() if line.strip()]
    if not lines:
        return indent + DASH
    return "\n\n".join(indent + text(line) for line in lines)


def attr(value: object) -> str:
    """A value for a raw HTML attribute or element written by the generator."""
    return html.escape(" ".join(str(value).split()), quote=True)


def title(value: str) -> str:
    """Front matter ``title:``: MkDocs Material inserts it unescaped into <title> and headers.

    Escaping it here is what stops a name like ``</title><script>`` from becoming markup.
    JSON is valid YAML, so ``json.dumps`` gives a correctly quoted scalar.
    """
    return json.dumps(html.escape(" ".join(value.split()), quote=True), ensure_ascii=False)


HTML_MARKER = "<!-- casebook:html -->"


def page(
    page_title: str,
    body: str,
    hide: Sequence[str] = (),
    search: bool = True,
    html: str | None = None,
) -> str:
    """A complete Markdown page with front matter.

    ``html`` is a body already written as escaped HTML (``markup``); it follows the Markdown
    body after ``HTML_MARKER``, where the build's MkDocs hook hands it to the page without
    parsing it again (``mkdocs_hooks.py``). ``search=False`` keeps the page out of the search
    index (case records and long tables: see docs/decisions).
    """
    head = [f"title: {title(page_title)}"]
    if hide:
        head.append("hide: [" + ", ".join(hide) + "]")
    if not search:
        head.append("search: {exclude: true}")
    text = "---\n" + "\n".join(head) + "\n---\n\n" + body.rstrip() + "\n"
    if html is not None:
        text += f"\n{HTML_MARKER}\n{html.strip()}\n"
    return text


def link(label: object, href: str) -> str:
    """A Markdown link to a page the generator wrote (``href`` is never record text)."""
    return f"[{text(label)}]({href})"


@functools.lru_cache(maxsize=8192)
def day(d: date | None) -> str:
    """A date as people in the UK read it: 9 March 2026.

    Remembered: a governance build writes about 130 dates a case (every timeline line), few
    of them different, and ``strftime`` was a tenth of the page generator's time (issue 14).
    """
    return f"{d.day} {d:%B %Y}" if d else DASH


def when(d: date | None) -> str:
    """A date in a table: written as people read it (9 March 2026), never broken across lines,
    with its ISO value in ``<time datetime>`` that ``assets/tables.js`` sorts by."""
    if d is None:
        return DASH
    return f'<time datetime="{d.isoformat()}">{day(d)}</time>'


def table(header: Sequence[str], rows: Iterable[Sequence[str]], tools: bool = False) -> str:
    """A Markdown table whose cells are already escaped Markdown.

    ``tools=True`` puts a marker before it that ``assets/tables.js`` turns into a filter box
    and sortable headers.
    """
    out = []
    if tools:
        out.append('<div class="cb-table-tools" data-cb-table></div>\n')
    out.append("| " + " | ".join(header) + " |")
    out.append("|" + "|".join(" --- " for _ in header) + "|")
    count = 0
    for row in rows:
        out.append("| " + " | ".join(cell or DASH for cell in row) + " |")
        count += 1
    if count == 0:
        return "*None.*"
    return "\n".join(out)


def fields(rows: Iterable[tuple[str, str]]) -> str:
    """Label and value pairs as a list: ``- **Label:** value`` (labels are generator text)."""
    return "\n".join(f"- **{label}:** {value or DASH}" for label, value in rows)


def bullets(items: Iterable[str], indent: str = "") -> str:
    """A bulleted list of already escaped Markdown."""
    lines = [f"{indent}- {item}" for item in items]
    return "\n".join(lines) if lines else f"{indent}*None.*"


def admonition(kind: str, heading: str, body: str) -> str:
    """A Material admonition; ``heading`` is fixed text from the generator, never record text."""
    inner = "\n".join(("    " + line) if line else "" for line in body.splitlines())
    return f'!!! {kind} "{heading}"\n\n{inner}'
