"""MkDocs hooks copied into every site build (``hooks:`` in the generated mkdocs.yml).

Standalone on purpose: MkDocs loads this file by path, so it imports nothing from casebook.

Generated pages put their body, already HTML and already escaped by the generator, after the
line ``<!-- casebook:html -->``. Python-Markdown would pass that HTML through unchanged, but
only after parsing it twice with Python's HTMLParser (once for MkDocs' anchor check, once for
raw-HTML blocks), which costs more than MkDocs Material spends on the rest of the page. These
hooks hand the HTML straight to the page instead. Without them the output is the same, only
slower: nothing the site shows or hides depends on this file (tests/site checks both ways).
"""

from __future__ import annotations

from typing import Any

MARKER = "\n<!-- casebook:html -->\n"
_STASH: dict[str, str] = {}


def on_page_markdown(markdown: str, page: Any, **kwargs: Any) -> str:
    head, sep, body = markdown.partition(MARKER)
    if not sep:
        return markdown
    _STASH[page.file.src_uri] = body
    return head


def on_page_content(html: str, page: Any, **kwargs: Any) -> str:
    body = _STASH.pop(page.file.src_uri, None)
    return html if body is None else html + "\n" + body
