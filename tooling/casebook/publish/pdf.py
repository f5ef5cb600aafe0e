"""Every PDF casebook writes: letters, enclosures and the subject access bundle.

One URL fetcher for all of them (:func:`fetch_allowed`): WeasyPrint may load the letterhead's
own files from ``policy/letterhead/`` (regular files, no links) and data: images, and nothing
else: no other local file, no network. The subject access Markdown is casebook's own output
with record text escaped (``sar.esc``) and sanitised with nh3; it loads nothing at all.
"""

from __future__ import annotations

from html import escape
from pathlib import Path
from typing import Any, NamedTuple
from urllib.parse import unquote, urlsplit
from urllib.request import url2pathname

import markdown
import nh3

from casebook.errors import ConfigError
from casebook.store.paths import PathRefused, read_confined

CSS = """
@page { size: A4; margin: 20mm 18mm; @bottom-right { content: "Page " counter(page) " of "
  counter(pages); font-size: 8pt; color: #555; } }
body { font-family: "DejaVu Sans", sans-serif; font-size: 10pt; line-height: 1.4; }
h1 { font-size: 16pt; } h2 { font-size: 13pt; margin-top: 1.4em; border-bottom: 1px solid #999; }
h3 { font-size: 11pt; } blockquote { border-left: 3px solid #c00; margin: 0; padding-left: 8px; }
table { border-collapse: collapse; width: 100%; } td, th { border: 1px solid #bbb; padding: 3px;
  vertical-align: top; font-size: 9pt; }
"""


def to_html(md: str, title: str) -> str:
    body = markdown.markdown(md, extensions=["tables"], output_format="html")
    body = nh3.clean(body)
    return (
        f'<!DOCTYPE html><html lang="en-GB"><head><meta charset="utf-8"><title>{escape(title)}'
        f"</title><style>{CSS}</style></head><body>{body}</body></html>"
    )


PDF_VARIANT = "pdf/ua-1"

# What a letterhead may load from its own folder, by suffix: styles, images, fonts.
ASSET_TYPES = {
    ".css": "text/css",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".gif": "image/gif",
    ".webp": "image/webp",
    ".woff": "font/woff",
    ".woff2": "font/woff2",
    ".ttf": "font/ttf",
    ".otf": "font/otf",
}
# Inline images (the letterhead's logo is one); no other data: URL (a stylesheet or font in
# a data: URL could only come from a template, and needs nothing casebook cannot serve).
DATA_TYPES = ("image/png", "image/jpeg", "image/gif", "image/webp", "image/svg+xml")

Assets = tuple[Path, str]  # (casebook root, folder under it with "/"), e.g. policy/letterhead


class Fetched(NamedTuple):
    body: bytes
    media_type: str


class Refused(ValueError):
    """A URL the PDF may not load (WeasyPrint logs it and leaves the resource out)."""


def fetch_allowed(url: str, assets: Assets | None) -> Fetched | None:
    """What casebook's PDFs may load: None for a data: image, the bytes of an asset file.

    ``assets`` is the one folder whose files may be loaded (the letterhead's), or None (the
    subject access bundle loads nothing). A file URL must point inside that folder, at a
    regular file reached without links, with a suffix in ``ASSET_TYPES``. Everything else
    raises :class:`Refused`: other files, http, https, ftp, data: that is not an image.
    Issue 16: "One URL fetcher for every PDF casebook makes: it serves only the letterhead's
    own files from inside `policy/` ... and refuses everything else".
    """
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme == "data":
        media = parts.path.split(",", 1)[0].split(";", 1)[0].strip().lower()
        if media in DATA_TYPES:
            return None
        raise Refused(f"only data: images may be inlined, not {media or 'text/plain'}")
    if scheme != "file":
        raise Refused(f"casebook PDFs load nothing from the network ({scheme or 'no'} scheme)")
    if assets is None:
        raise Refused("this document loads no files")
    root, folder = assets
    if parts.netloc not in ("", "localhost"):
        raise Refused("a file URL on another host is not the letterhead's")
    path = Path(url2pathname(unquote(parts.path)))
    base = root / folder
    try:
        rel = path.relative_to(base)
    except ValueError:
        try:  # root given as a resolved path in the base URL
            rel = path.relative_to(base.resolve())
        except ValueError:
            raise Refused(f"only files inside {folder}/ may be loaded") from None
    kind = ASSET_TYPES.get(path.suffix.lower())
    if kind is None:
        raise Refused(f"{folder}/{rel.as_posix()}: only styles, images and fonts may be loaded")
    try:
        return Fetched(read_confined(root, folder, rel.as_posix()), kind)
    except PathRefused as exc:
        raise Refused(str(exc)) from None


PDF_HOW = (
    "PDF output needs WeasyPrint, which is not installed here: in a casebook checkout, run "
    "pip install -e '.[pdf]' (with the virtual environment of the README: .venv/bin/pip "
    "install -e '.[pdf]'; Debian also needs its packages libpango-1.0-0 and libpangoft2-1.0-0). "
    "Or use --format html and print the pages from a browser"
)


def pdf_available() -> bool:
    """WeasyPrint can be imported (it is the optional ``pdf`` extra)."""
    try:
        _import_weasyprint()
    except ConfigError:
        return False
    return True


def _import_weasyprint() -> Any:
    try:
        import weasyprint
    except (ImportError, OSError):  # OSError: installed, but Pango missing from the system
        raise ConfigError(PDF_HOW) from None
    return weasyprint


def _fetcher(weasyprint: Any, assets: Assets | None, refused: list[str]) -> Any:
    """A WeasyPrint ``URLFetcher`` that asks :func:`fetch_allowed` before anything loads.

    Built on WeasyPrint's class (70+) with only the data: protocol left to it, so even a
    mistake here cannot open a network connection or a file.
    """
    from weasyprint.urls import URLFetcherResponse

    class Fetcher(weasyprint.URLFetcher):  # type: ignore[misc]
        def fetch(self, url: str, headers: Any = None) -> Any:
            try:
                got = fetch_allowed(url, assets)
            except Refused as exc:
                refused.append(f"{_short(url)}: {exc}")
                raise
            if got is None:
                return super().fetch(url, headers)
            return URLFetcherResponse(url, got.body, {"Content-Type": got.media_type})

    return Fetcher(allowed_protocols=["data"], allow_redirects=False, timeout=1)


def _short(url: str) -> str:
    return url if len(url) <= 80 else url[:77] + "..."


def render_pdf(html: str, assets: Assets | None = None) -> tuple[bytes, list[str]]:
    """HTML to PDF bytes, and each URL refused (with why), through the one fetcher.

    ``assets``: see :func:`fetch_allowed`. Relative URLs resolve against that folder. No PDF
    casebook writes has attachments: ``<link rel="attachment">`` and ``<a rel="attachment">``
    are dropped (and listed as refused) before any is fetched.
    """
    weasyprint = _import_weasyprint()
    refused: list[str] = []
    base_url = (assets[0] / assets[1]).resolve().as_uri() + "/" if assets else None
    doc = weasyprint.HTML(
        string=html, base_url=base_url, url_fetcher=_fetcher(weasyprint, assets, refused)
    ).render()
    for att in doc.metadata.attachments:  # fetched only when written: dropped unread
        refused.append(f"<link rel=attachment> {att.description or ''}: no attachments")
    doc.metadata.attachments = []
    for page in doc.pages:
        kept = [link for link in page.links if link[0] != "attachment"]
        refused += [f"{_short(str(link[1]))}: no attachments" for link in page.links[len(kept) :]]
        page.links = kept
    # PDF/UA-1 (ISO 14289): tagged, with the document's language and its <title> shown as the
    # window title (DisplayDocTitle), so a screen reader can read a letter (WCAG 2.2 AA for
    # documents, Public Sector Bodies Accessibility Regulations). tests/letters/test_pdfua.py.
    pdf: bytes = doc.write_pdf(pdf_variant=PDF_VARIANT)
    return pdf, refused


def to_pdf(html: str, assets: Assets | None = None) -> bytes:
    """HTML to PDF; ``ConfigError`` naming each URL the document asked for and may not load.

    A letter printed without its logo, or with a stylesheet quietly missing, is not what the
    council approved: so a refused URL stops the command (exit 2) instead of a PDF being
    written that differs from the HTML.
    """
    pdf, refused = render_pdf(html, assets)
    if refused:
        where = f"{assets[1]}/" if assets else "the document"
        raise ConfigError(
            f"the PDF asks for what casebook does not load (only files in {where}"
            " and data: images):\n" + "\n".join(f"  {r}" for r in refused)
        )
    return pdf
