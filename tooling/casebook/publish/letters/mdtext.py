"""Case data inside Markdown: escaped so that it can only ever be text.

Templates are trusted (the council writes and reviews them); case records are not: a person's
own words, a name, an account of their contact. Everything a template prints with ``{{ ... }}``
passes through :func:`escape` unless it is :class:`Md` (Markdown the code or the template built
on purpose). The escaped text shows the same characters in Markdown, in the HTML made from it,
and on the site, whatever those characters are: ``*``, ``[link](x)``, ``<script>``, ``{{ 7*7 }}``.
"""

from __future__ import annotations

import re


class Md(str):
    """Markdown that is meant as Markdown (built by casebook or a template, never raw data)."""

    __slots__ = ()


# Backslash escapes Python-Markdown (and CommonMark) honour anywhere in a line.
_INLINE = str.maketrans(
    {
        "\\": "\\\\",
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
# What makes a line a heading, list item or code: escaped only at the start of a line.
_LINE_START = re.compile(r"^(#|-|\+)")
_ORDERED = re.compile(r"^(\d+)([.)])")


def escape(value: object) -> str:
    """``value`` as Markdown text that renders exactly as ``str(value)`` reads."""
    if isinstance(value, Md):
        return value
    text = str(value).replace("\r\n", "\n").replace("\r", "\n").translate(_INLINE)
    lines = []
    for line in text.split("\n"):
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
