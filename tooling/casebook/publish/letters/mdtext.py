"""Case data inside Markdown: escaped so that it can only ever be text.

Templates are trusted (the council writes and reviews them); case records are not: a person's
own words, a name, an account of their contact. Everything a template prints with ``{{ ... }}``
passes through :func:`escape` unless it is :class:`Md` (Markdown the code or the template built
on purpose). The escaped text shows the same characters in Markdown, in the HTML made from it,
and on the site, whatever those characters are: ``*``, ``[link](x)``, ``<script>``, ``{{ 7*7 }}``.

Letters are written in CommonMark with GitHub's tables (GitHub Flavored Markdown, table
extension only), converted by :func:`to_html` with cmark-gfm, GitHub's own C implementation:
one dialect, with a published specification, for the printed letter, its PDF and the site
(docs/decisions/0032-letters-in-commonmark.md).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable


class Md(str):
    """Markdown that is meant as Markdown (built by casebook or a template, never raw data)."""

    __slots__ = ()


# Backslash escapes CommonMark honours anywhere in a line (every ASCII punctuation character
# may be escaped; these are the ones that could start markup).
_INLINE = str.maketrans(
    {
        # As a reference, not "\\\\": in a table row cmark-gfm reads "\\\\|" as a backslash
        # and an escaped pipe, so a record ending in "\\" merged two cells of a template's table.
        "\\": "&#92;",
        "`": "\\`",
        "*": "\\*",
        "_": "\\_",
        "{": "\\{",
        "}": "\\}",
        "[": "\\[",
        "]": "\\]",
        "!": "\\!",
        # Raw HTML, entities, and the extensions a site may enable (tables, ~~, ^^, ==).
        "&": "&amp;",
        "<": "&lt;",
        ">": "&gt;",
        "|": "&#124;",
        "~": "&#126;",
        "^": "&#94;",
        "=": "&#61;",
    }
)
# What makes a line a heading, list item or code: escaped only at the start of a line. A colon
# too: ":--" under a line is a delimiter row, which makes that line a table's head (GFM tables).
_LINE_START = re.compile(r"^(#|-|\+|:)")
_ORDERED = re.compile(r"^(\d+)([.)])")
# Every line break ``str.splitlines`` knows (U+2028, U+0085, \v, \f, \x1c-\x1e besides \r and
# \n). CommonMark breaks lines at \r and \n only, but code after the escape splits with
# ``splitlines`` (``templates._tidy``, ``case_page.letter_body``): a "# heading" after a U+2028
# would start a line there that this escape never saw as one. So each is a line break here.
_BREAK = re.compile("\r\n|[\r\n\v\f\x1c\x1d\x1e\x85\u2028\u2029]")


def escape(value: object) -> str:
    """``value`` as Markdown text that renders exactly as ``str(value)`` reads."""
    if isinstance(value, Md):
        return value
    text = str(value).translate(_INLINE)
    lines = []
    for line in _BREAK.split(text):
        # Leading spaces would make an indented code block; they carry no meaning in data.
        line = line.lstrip(" \t")
        line = _LINE_START.sub(r"\\\1", line)
        line = _ORDERED.sub(r"\1\\\2", line)
        lines.append(line)
    return "\n".join(lines)


def finalize(value: object) -> object:
    """Jinja ``finalize``: every ``{{ ... }}`` output is escaped unless it is :class:`Md`."""
    if value is None:
        return ""
    return value if isinstance(value, Md) else escape(value)


# What a letter may contain: text structure only (no images, so no request leaves a letter
# or the site; no attribute but a link's href, which nh3 limits to safe schemes).
LETTER_TAGS = frozenset(
    {
        "p", "br", "h1", "h2", "h3", "h4", "ul", "ol", "li", "strong", "em", "a", "blockquote",
        "hr", "table", "thead", "tbody", "tr", "th", "td",
    }
)  # fmt: skip


def to_html(markdown_text: str) -> str:
    """A letter's Markdown as an HTML fragment, sanitised to ``LETTER_TAGS``.

    The dialect is CommonMark 0.29 with GitHub's table extension (cmark-gfm through
    ``cmarkgfm``): no autolinks (an address in a record stays text), no strikethrough or task
    lists. Raw HTML in a template passes the converter and is then cut down by nh3, the
    allow-list sanitiser: templates are trusted, and nh3 is the seatbelt. Linear in the length
    of the text (cmark has no backtracking parser), about 0.04 ms for a typical letter.
    """
    # Imported here: `casebook check` imports this module for ``escape`` but converts nothing.
    import nh3

    html = _cmark_html(markdown_text)
    cleaned: str = nh3.clean(html, tags=set(LETTER_TAGS), attributes={"a": {"href"}})
    return cleaned.rstrip("\n")


def _cmark_html(markdown_text: str) -> str:
    """cmark-gfm's HTML of ``markdown_text`` (unsafe raw HTML kept, tables on), with the
    memory cmark hands to its caller given back.

    ``cmarkgfm.markdown_to_html_with_extensions`` (2025.10.22, the newest release) frees the
    parser but neither the document tree ``cmark_parser_finish`` returns nor the string
    ``cmark_render_html`` returns; cmark's documentation makes both the caller's to free
    (``cmark_node_free``, ``free``). About 30 KB a letter stayed behind: a cold governance
    build of 10,000 cases grew by some 450 MB (issue 14). So the same cmarkgfm calls are made
    here, and the two are freed (``_frees``). Test: tests/letters/test_dialect.py
    (``test_converting_letters_does_not_grow_memory``).
    """
    from cmarkgfm import _cmark, cmark
    from cmarkgfm.cmark import Options

    ffi, lib = _cmark.ffi, _cmark.lib
    node_free, free = _frees()
    options = Options.CMARK_OPT_UNSAFE
    cmark.core_extensions_ensure_registered()
    table = cmark.find_syntax_extension("table")
    parser = cmark.parser_new(options=options)
    try:
        cmark.parser_attach_syntax_extension(parser, table)
        cmark.parser_feed(parser, markdown_text)
        root = cmark.parser_finish(parser)  # the caller's: freed below
        try:
            extensions = cmark.parser_get_syntax_extensions(parser)  # the parser's
            raw = lib.cmark_render_html(root, options, extensions)  # the caller's
            try:
                return str(ffi.string(raw).decode("utf-8"))
            finally:
                free(int(ffi.cast("uintptr_t", raw)))
        finally:
            node_free(int(ffi.cast("uintptr_t", root)))
    finally:
        cmark.parser_free(parser)


@functools.cache
def _frees() -> tuple[Callable[[int], None], Callable[[int], None]]:
    """``cmark_node_free`` of cmarkgfm's own library (already loaded: ``dlopen`` of the same
    file gives the same copy) and the C library's ``free``, whose ``malloc`` cmark's default
    allocator uses; each takes an address."""
    import ctypes

    from cmarkgfm import _cmark

    so = ctypes.CDLL(_cmark.__file__)
    node_free = so.cmark_node_free
    node_free.argtypes = [ctypes.c_void_p]
    node_free.restype = None
    free = ctypes.CDLL(None).free
    free.argtypes = [ctypes.c_void_p]
    free.restype = None
    return node_free, free
