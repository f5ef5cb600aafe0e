"""The one way casebook makes a Jinja environment: sandboxed, strict, templates from one folder.

Letters, the letterhead and notifications all render templates from ``policy/`` with values
from case records. The sandbox, ``StrictUndefined`` (a typo is an error, not a blank) and the
removal of ``safe`` (no template can switch escaping off) are decided here, once.

Templates (and what they include, import or extend) load through :class:`ConfinedLoader`: a
name that is absolute, has a ``..`` part, or passes through a symbolic link is refused
(``store.paths``), so no template can read a file outside its folder (issue 16, item 4).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jinja2
from jinja2.sandbox import SandboxedEnvironment

from casebook.errors import ConfigError
from casebook.store.paths import PathMissing, PathRefused, read_confined

# A lone surrogate (U+D800-U+DFFF) is no character: UTF-8 cannot encode one, so no letter file,
# no converter that takes UTF-8 (cmark-gfm) and no PDF can hold it. Template files are read as
# strict UTF-8, records are refused by the YAML reader, but Jinja decodes the escapes of a
# template's string literals: ``{{ "\\ud800" }}`` makes one.
_SURROGATE = re.compile("[\ud800-\udfff]")


def refuse_lone_surrogate(text: str, template: str) -> None:
    """ConfigError naming ``template`` (its path in the casebook) when ``text``, what it
    rendered, holds a lone surrogate: writing it would stop the run with an encoding error."""
    found = _SURROGATE.search(text)
    if found is not None:
        raise ConfigError(
            f"{template}: the letter holds U+{ord(found.group()):04X}, a lone surrogate, which "
            'no letter can hold (a string escape such as "\\ud800"); remove it from the template'
        )


def template_problem(folder: str, name: str, exc: jinja2.TemplateError) -> ConfigError:
    """What is wrong with template ``name`` in ``folder`` (or one it includes), as a
    ConfigError naming the file, and the line for a syntax error."""
    if isinstance(exc, jinja2.TemplateNotFound):
        return ConfigError(f"{folder}/{exc.name or name} not found")
    if isinstance(exc, jinja2.TemplateSyntaxError):
        return ConfigError(f"{folder}/{exc.name or name}:{exc.lineno}: {exc.message}")
    return ConfigError(f"{folder}/{name}: {exc}")


class TemplateRefused(jinja2.TemplateError):
    """A template name that leaves its folder or goes through a link; the message says why."""


class ConfinedLoader(jinja2.BaseLoader):
    """Templates from ``<root>/<folder>/`` only, each a regular file reached without links.

    Jinja's own ``FileSystemLoader`` drops a leading ``/`` (so ``/etc/x`` quietly means
    ``<folder>/etc/x``) and follows symbolic links anywhere; this loader refuses both.
    Raises ``TemplateNotFound`` for a missing file and :class:`TemplateRefused` otherwise.

    Each file is read once per loader (one environment, one run): the checks that parse a
    template (``letters.templates.template_items``: its item blocks, text outside blocks) and
    Jinja's compiling it for the render then see the same bytes, even if the file is edited
    in between (a template checked clean, then rendered with stray text, would lose it).
    """

    def __init__(self, root: Path, folder: str) -> None:
        self.root = root
        self.folder = folder
        self._sources: dict[str, str] = {}

    def get_source(
        self, environment: jinja2.Environment, template: str
    ) -> tuple[str, str, Callable[[], bool]]:
        source = self._sources.get(template)
        if source is None:
            source = self._sources[template] = self._read(template)
        return source, f"{self.folder}/{template}", lambda: False

    def _read(self, template: str) -> str:
        try:
            data = read_confined(self.root, self.folder, template)
        except PathMissing:
            raise jinja2.TemplateNotFound(template) from None
        except PathRefused as exc:
            raise TemplateRefused(str(exc)) from None
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError:
            raise TemplateRefused(f"{self.folder}/{template} is not UTF-8 text") from None


def sandboxed_env(
    root: Path, folder: str, *, autoescape: bool, finalize: Callable[[Any], Any] | None = None
) -> SandboxedEnvironment:
    """A sandboxed environment loading templates from ``<root>/<folder>`` (confined)."""
    env = SandboxedEnvironment(
        loader=ConfinedLoader(root, folder),
        undefined=jinja2.StrictUndefined,
        autoescape=autoescape,
        finalize=finalize,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        auto_reload=False,
    )
    env.filters.pop("safe", None)
    # No chance: a letter (or its refusal) is cached as a function of the record and policy/
    # (decision 30), and `casebook letters` must print what the site shows.
    env.filters.pop("random", None)
    env.globals.pop("lipsum", None)
    return env
