"""HTML blocks for the pages there are thousands of (case pages) and the long tables.

Python-Markdown's inline processing runs over every list item and table cell, and costs a case
page with a long history many times what MkDocs Material itself spends on the page. So case
pages, the register and the other long tables are written as HTML blocks inside the Markdown
page (headings stay Markdown, for the table of contents), every value escaped by ``esc``, and
links already relative to the page they are on (the site uses directory URLs: ``register.md``
is served at ``register/``). ``tests/site`` checks that every internal link resolves.
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Sequence

from casebook.publish.site.md import DASH


def esc(value: object) -> str:
    s = " ".join(str(value).split())
    return html.escape(s, quote=True) if s else DASH


def a(label: object, href: str) -> str:
    """A link to a page the generator wrote (``href`` is never record text)."""
    return f'<a href="{html.escape(href, quote=True)}">{esc(label)}</a>'


def paragraphs(value: str) -> str:
    """Multi-line record text: one paragraph per non-blank line."""
    lines = [line for line in value.splitlines() if line.strip()]
    return "\n".join(f"<p>{esc(line)}</p>" for line in lines) or f"<p>{DASH}</p>"


def ul(items: Iterable[str], cls: str = "") -> str:
    """A list of already escaped HTML items (``cls``: its class, for the site's CSS)."""
    lis = [f"<li>{item}</li>" for item in items]
    if not lis:
        return "<p><em>None.</em></p>"
    return (f'<ul class="{esc(cls)}">' if cls else "<ul>") + "\n" + "\n".join(lis) + "\n</ul>"


def fields(rows: Iterable[tuple[str, str]]) -> str:
    """Label and value pairs (labels are generator text, values already escaped)."""
    return ul(f"<strong>{esc(label)}:</strong> {value or DASH}" for label, value in rows)


def table(
    header: Sequence[str],
    rows: Iterable[Sequence[str]],
    tools: bool = True,
    drop_empty: bool = False,
) -> str:
    """An HTML table of already escaped cells, as one raw block (no blank lines inside).

    ``drop_empty`` leaves out a column that is empty in every row (a column of dashes tells
    the reader nothing; case pages use it).
    """
    rows = [list(r) for r in rows]
    if drop_empty and rows:
        keep = [i for i in range(len(header)) if any(i < len(r) and r[i] for r in rows)]
        header = [header[i] for i in keep]
        rows = [[r[i] if i < len(r) else "" for i in keep] for r in rows]
    body = ["<tr>" + "".join(f"<td>{c or DASH}</td>" for c in row) + "</tr>" for row in rows]
    if not body:
        return "<p><em>None.</em></p>"
    head = "<tr>" + "".join(f"<th>{esc(h)}</th>" for h in header) + "</tr>"
    out = []
    if tools:
        out.append('<div class="cb-table-tools" data-cb-table></div>')
    out += ["<table>", f"<thead>{head}</thead>", "<tbody>", *body, "</tbody>", "</table>"]
    return "\n".join(out)


def h2(anchor: str, label: str) -> str:
    """A section heading (``anchor`` and ``label`` are generator text)."""
    return f'<h2 id="{html.escape(anchor, quote=True)}">{esc(label)}</h2>'


def pre(lines: Iterable[str], cls: str = "language-timeline") -> str:
    """Plain-text lines shown as they are (one raw block: the lines must not be blank)."""
    body = html.escape("\n".join(lines), quote=True)
    if not body:
        return "<p><em>None.</em></p>"
    return f'<pre><code class="{cls}">{body}\n</code></pre>'


def admonition(kind: str, title: str, body: str) -> str:
    """Material's admonition markup; ``body`` is escaped HTML, ``title`` generator text."""
    return (
        f'<div class="admonition {html.escape(kind, quote=True)}">\n'
        f'<p class="admonition-title">{esc(title)}</p>\n{body}\n</div>'
    )
