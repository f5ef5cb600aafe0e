"""The one way casebook makes a Jinja environment: sandboxed, strict, templates from one folder.

Letters, the letterhead and notifications all render templates from ``policy/`` with values
from case records. The sandbox, ``StrictUndefined`` (a typo is an error, not a blank) and the
removal of ``safe`` (no template can switch escaping off) are decided here, once.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import jinja2
from jinja2.loaders import split_template_path
from jinja2.sandbox import SandboxedEnvironment

from casebook.store import safefile


class SafeLoader(jinja2.BaseLoader):
    """Templates from one folder, read through ``store.safefile``: a template that is a
    symlink, FIFO or device is refused (``UnsafeFile``, a ConfigError naming it), never read.
    ``root`` is the casebook: no component between it and the template may be a link."""

    def __init__(self, folder: Path, root: Path) -> None:
        self.folder, self.root = folder, root

    def get_source(
        self, environment: jinja2.Environment, template: str
    ) -> tuple[str, str, Callable[[], bool]]:
        path = self.folder.joinpath(*split_template_path(template))
        try:
            source = safefile.read_text(self.root, path)
        except FileNotFoundError:
            raise jinja2.TemplateNotFound(template) from None
        except (OSError, UnicodeDecodeError) as exc:
            raise jinja2.TemplateNotFound(f"{template} ({exc})") from None
        return source, str(path), lambda: True


def sandboxed_env(
    folder: Path,
    *,
    root: Path,
    autoescape: bool,
    finalize: Callable[[Any], Any] | None = None,
) -> SandboxedEnvironment:
    env = SandboxedEnvironment(
        loader=SafeLoader(folder, root),
        undefined=jinja2.StrictUndefined,
        autoescape=autoescape,
        finalize=finalize,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        auto_reload=False,
    )
    env.filters.pop("safe", None)
    return env
