"""PDF letters and the subject access bundle are PDF/UA-1: tagged, with a language and a title
a PDF reader shows as the window title (Public Sector Bodies Accessibility Regulations).

Read back with pypdf: the catalogue's /MarkInfo, /StructTreeRoot (headings and paragraphs
tagged), /Lang, /ViewerPreferences /DisplayDocTitle, the document /Title and the XMP claim
``pdfuaid:part="1"``. The same input still gives the same bytes.
"""

from __future__ import annotations

import io
from typing import Any

import pytest

from casebook.publish.letters import render_letters
from casebook.publish.pdf import to_html, to_pdf

from .helpers import ALLITEMS_CASE, copy_fixture, load

pytest.importorskip("weasyprint")
pypdf = pytest.importorskip("pypdf")


def _tags(node: Any, found: set[str]) -> set[str]:
    """Every structure type (/S) under a structure element, e.g. {"/H1", "/P", "/L"}."""
    node = node.get_object() if hasattr(node, "get_object") else node
    if isinstance(node, list):
        for kid in node:
            _tags(kid, found)
    elif isinstance(node, dict):
        if "/S" in node:
            found.add(str(node["/S"]))
        if "/K" in node:
            _tags(node["/K"], found)
    return found


def check_pdfua(pdf: bytes, title: str, lang: str) -> set[str]:
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    root = reader.trailer["/Root"]
    assert bool(root["/MarkInfo"]["/Marked"])
    assert root["/Lang"] == lang
    assert bool(root["/ViewerPreferences"]["/DisplayDocTitle"])
    assert reader.metadata is not None and reader.metadata.title == title
    xmp = root["/Metadata"].get_object().get_data()
    assert b'pdfuaid:part="1"' in xmp
    tags = _tags(root["/StructTreeRoot"]["/K"], set())
    assert {"/Document", "/P"} <= tags, tags
    return tags


def test_pdf_letters_are_tagged_pdf_ua(tmp_path):
    root = copy_fixture("allitems", tmp_path)
    first = render_letters(load(root), ALLITEMS_CASE, "pdf")[0]
    again = render_letters(load(root), ALLITEMS_CASE, "pdf")[0]
    assert first.content == again.content  # PDF/UA still: same input, same bytes
    tags = check_pdfua(first.content, f"{ALLITEMS_CASE}: {first.title}", "en-GB")
    assert "/H1" in tags or "/H2" in tags, tags  # the letter's headings are headings


def test_subject_access_pdf_is_tagged_pdf_ua():
    html = to_html("# Subject access request\n\n## Case MC-1\n\nA paragraph.", "Subject access")
    pdf = to_pdf(html)
    assert to_pdf(html) == pdf
    tags = check_pdfua(pdf, "Subject access", "en-GB")
    assert {"/H1", "/H2"} <= tags, tags
