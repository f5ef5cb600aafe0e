"""Letters to the person under a procedure: mandatory content, templates, Markdown/HTML/PDF.

For the site and other callers: :func:`render_letters` and :class:`RenderedLetter`.
"""

from casebook.publish.letters.render import (
    FORMATS,
    Format,
    RenderedEnclosure,
    RenderedLetter,
    Renderer,
    render_letters,
)

__all__ = [
    "FORMATS",
    "Format",
    "RenderedEnclosure",
    "RenderedLetter",
    "Renderer",
    "render_letters",
]
