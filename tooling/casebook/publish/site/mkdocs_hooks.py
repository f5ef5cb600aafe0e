"""MkDocs hooks copied into every site build (``hooks:`` in the generated mkdocs.yml).

Standalone on purpose: MkDocs loads this file by path, so it imports nothing from casebook.

Generated pages put their body, already HTML and already escaped by the generator, after the
line ``<!-- casebook:html -->``. Python-Markdown would pass that HTML through unchanged, but
only after parsing it twice with Python's HTMLParser (once for MkDocs' anchor check, once for
raw-HTML blocks), which costs more than MkDocs Material spends on the rest of the page. These
hooks hand the HTML straight to the page instead. Without them the output is the same, only
slower: nothing the site shows or hides depends on this file (tests/site checks both ways).

MkDocs renders every page's Markdown first and only then writes the pages, holding every
page's HTML in between: 10,000 case pages were most of a 600 MB MkDocs process (issue 14). So
the body is read from the page's file again just before the page is written (before any plugin
sees the page: the search plugin indexes it then), and let go once it is written.
"""

from __future__ import annotations

from typing import Any

from mkdocs.plugins import event_priority

MARKER = "\n<!-- casebook:html -->\n"
_HEADS: dict[str, str] = {}  # pages with a body: the HTML MkDocs made of their head


def on_page_markdown(markdown: str, page: Any, **kwargs: Any) -> str:
    head, sep, _ = markdown.partition(MARKER)
    if not sep:
        return markdown
    _HEADS[page.file.src_uri] = ""
    return head


def on_page_content(html: str, page: Any, **kwargs: Any) -> str:
    if page.file.src_uri in _HEADS:
        _HEADS[page.file.src_uri] = html
    return html


@event_priority(100)  # before the plugins (search) read page.content
def on_page_context(context: Any, page: Any, **kwargs: Any) -> Any:
    head = _HEADS.get(page.file.src_uri)
    if head is not None:
        # Read as MkDocs reads a page (utf-8-sig, newlines made "\n").
        with open(page.file.abs_src_path, encoding="utf-8-sig", errors="strict") as f:  # noqa: PTH123
            _, sep, body = f.read().partition(MARKER)
        page.content = head + "\n" + body if sep else head
    return context


def on_post_page(output: str, page: Any, **kwargs: Any) -> str:
    head = _HEADS.get(page.file.src_uri)
    if head is not None:
        page.content = head  # written: the body is not needed again
    return output
