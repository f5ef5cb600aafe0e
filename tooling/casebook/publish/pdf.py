"""Markdown to HTML to PDF, for documents casebook writes (the subject access bundle).

The Markdown is casebook's own output with record text escaped (``sar.esc``); the HTML is
still sanitised with nh3 before WeasyPrint sees it, and WeasyPrint may fetch nothing (no
network, no local files): a record cannot pull anything into the PDF.
"""

from __future__ import annotations

from html import escape
from typing import Any

import markdown
import nh3

from casebook.errors import ConfigError

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
        f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{escape(title)}'
        f"</title><style>{CSS}</style></head><body>{body}</body></html>"
    )


def to_pdf(html: str) -> bytes:
    try:
        import weasyprint
    except ImportError:
        raise ConfigError(
            "PDF output needs WeasyPrint: pip install 'casebook[pdf]' (or pass --no-pdf)"
        ) from None
    fetcher: Any
    try:
        fetcher = weasyprint.URLFetcher(allowed_protocols=[])
    except (AttributeError, TypeError):  # WeasyPrint before 63: a function

        def fetcher(url: str, *args: object, **kwargs: object) -> Any:
            raise ValueError(f"casebook documents load nothing from outside: {url}")

    pdf: bytes = weasyprint.HTML(string=html, url_fetcher=fetcher).write_pdf()
    return pdf
