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
from jinja2.sandbox import SandboxedEnvironment


def sandboxed_env(
    folder: Path, *, autoescape: bool, finalize: Callable[[Any], Any] | None = None
) -> SandboxedEnvironment:
    env = SandboxedEnvironment(
        loader=jinja2.FileSystemLoader(str(folder)),
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
