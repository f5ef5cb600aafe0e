"""`casebook site build`: generate the Markdown tree, run the site builder, swap the output in.

The build happens in a folder next to the output (same file system, same permissions). The
Markdown tree holds personal data, so the build folder is removed whatever happens. The new
site replaces the old one only when the builder succeeded: a failed build never leaves half a
site.

Two builders read the same generated tree and ``mkdocs.yml``: Material for MkDocs (the default)
and Zensical, its makers' successor (docs/decisions/0026-two-site-builders.md). Zensical keeps
a cache of rendered pages (personal data) in ``.cache/`` of the folder it runs in: it runs in
the build folder, so the cache goes with it.

The council's ``site/*.yml`` is data, not code: ``INHERIT`` (MkDocs would read another
configuration file from anywhere) and ``hooks`` (Python run by MkDocs) are refused, and
``theme.custom_dir`` (MkDocs copies every non-template file in it into the published site) must
name a folder inside ``site/``. Everything copied from ``site/`` is read as regular files, a
symbolic link anywhere refused (``store.safefile.copy_tree``).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path, PurePosixPath
from typing import Any, Literal

import yaml

from casebook import __version__
from casebook.errors import ConfigError, SiteError, UsageError
from casebook.publish.site import md
from casebook.publish.site.governance import governance_tree
from casebook.publish.site.inputs import SiteInputs
from casebook.publish.site.staff import staff_tree
from casebook.publish.site.tree import Tree
from casebook.store import safefile, temporary
from casebook.store.cases import Casebook, gc_paused
from casebook.store.outdir import swap_in

Audience = Literal["staff", "governance"]
AUDIENCES: tuple[Audience, ...] = ("staff", "governance")
Builder = Literal["mkdocs", "zensical"]
BUILDERS: tuple[Builder, ...] = ("mkdocs", "zensical")

SITE_DIR = "site"  # the casebook's site configuration: mkdocs.yml, <audience>.yml, overrides/
MARKER = ".casebook-site"
HOOKS = Path(__file__).with_name(
    "mkdocs_hooks.py"
)  # written into every built site; guards what --out may replace
# What a council's site/*.yml may turn on. Plugins and these Markdown extensions run over the
# generated pages, whose text comes from the records: the generator's escaping is tested
# against exactly these extensions, and Zensical bundles plugins that evaluate Jinja in pages
# (macros), run code blocks (markdown-exec) or include other files (include-markdown,
# pymdownx.snippets), which MkDocs would only run if installed.
PLUGINS = frozenset({"search"})
MARKDOWN_EXTENSIONS = frozenset({"toc", "tables", "admonition"})
STRUCTURAL_RULES = frozenset({"file-name", "duplicate-id", "reference"})


@dataclass(frozen=True, slots=True)
class BuildOptions:
    root: Path
    audience: Audience
    out: Path
    as_of: date
    repo_url: str | None = None
    # Which builder reads the generated tree (docs/decisions/0026-two-site-builders.md).
    builder: Builder = "mkdocs"
    # Its command, before `build`; default `python -m mkdocs` or `python -m zensical` with
    # this interpreter.
    command: Sequence[str] | None = None
    # MkDocs only: hand pre-escaped HTML straight to MkDocs (mkdocs_hooks.py). Same output
    # either way (Zensical has no hooks and gets the same pages); tests build without it.
    hooks: bool = True

    def builder_command(self) -> list[str]:
        return list(self.command or [sys.executable, "-m", self.builder])


@dataclass(frozen=True, slots=True)
class BuildResult:
    audience: Audience
    out: Path
    as_of: date
    pages: int
    cases: int
    generate_seconds: float
    mkdocs_seconds: float

    def as_json(self) -> dict[str, object]:
        return {
            "audience": self.audience,
            "out": str(self.out),
            "as_of": self.as_of.isoformat(),
            "pages": self.pages,
            "cases": self.cases,
            "generate_seconds": round(self.generate_seconds, 3),
            "mkdocs_seconds": round(self.mkdocs_seconds, 3),
        }


def generate(
    book: Casebook,
    audience: Audience,
    as_of: date,
    inputs: SiteInputs | None = None,
    repo_url: str | None = None,
    docs: Path | None = None,
) -> Tree:
    """The Markdown tree of one audience's site, each case read once and let go.

    With ``docs``, every page is written there as it is made (a hand-written page already at
    a generated path is left alone and listed in ``Tree.clashes``); without, the pages are
    kept in the returned tree. No other I/O besides reading published texts and letters.
    """
    inputs = inputs or SiteInputs()
    tree = Tree(docs)
    if audience == "staff":  # cards only: the staff site never sees an inactive case
        return staff_tree(book.policy, book.each_case(), as_of, inputs, tree)
    return governance_tree(
        book.policy, book.each_case(), as_of, inputs, repo_url, book.root, tree, book.files
    )


def build_site(
    options: BuildOptions, inputs: SiteInputs | None = None, *, book: Casebook
) -> BuildResult:
    """Build one audience's site from ``book`` (loaded and checked by the caller)."""
    if options.audience not in AUDIENCES:
        raise UsageError(f"unknown audience {options.audience!r}: use staff or governance")
    if options.builder not in BUILDERS:
        raise UsageError(f"unknown site builder {options.builder!r}: use mkdocs or zensical")
    refuse_broken_records(book)
    config_dir = options.root / SITE_DIR
    base = _read_yaml(options.root, config_dir / "mkdocs.yml")
    overlay = _read_yaml(options.root, config_dir / f"{options.audience}.yml", required=False)
    custom_dir = _custom_dir(options.root, merge(base, overlay))
    # Absolute, but symlinks not followed: a symlinked --out is refused, not written through.
    out = Path(os.path.abspath(options.out))  # noqa: PTH100 - resolve() follows symlinks
    check_out(out, options.audience)

    started = time.perf_counter()
    out.parent.mkdir(parents=True, exist_ok=True)
    work = temporary.new_dir(out.parent, out.name)
    try:
        docs = work / "docs"
        _copy_pages(options.root, config_dir / "pages", options.audience, docs)
        # Pages are written into docs/ as they are made (one case in memory at a time).
        with gc_paused():  # thousands of pages of short-lived strings: see casebook.gc_paused
            tree = generate(
                book, options.audience, options.as_of, inputs, options.repo_url, docs=docs
            )
        if tree.clashes:
            raise ConfigError(
                f"hand-written pages in {SITE_DIR}/pages/ use generated paths: "
                + ", ".join(tree.clashes)
            )
        if (config_dir / "assets").is_dir():
            safefile.copy_tree(options.root, config_dir / "assets", docs / "assets")
        for folder in sorted({"overrides", *([custom_dir] if custom_dir else [])}):
            if (config_dir / folder).is_dir():
                safefile.copy_tree(options.root, config_dir / folder, work / folder)
        hooks = options.hooks and options.builder == "mkdocs"
        if hooks:
            shutil.copy(HOOKS, work / HOOKS.name)
        site_dir = work / "site"
        config = mkdocs_config(base, overlay, tree, options, site_dir, custom_dir, hooks=hooks)
        config_file = work / "mkdocs.yml"
        config_file.write_text(
            yaml.safe_dump(config, sort_keys=False, allow_unicode=True), encoding="utf-8"
        )
        generated = time.perf_counter()
        run_builder(options.builder, options.builder_command(), config_file, site_dir)
        built = time.perf_counter()
        (site_dir / MARKER).write_text(
            json.dumps(
                {
                    "audience": options.audience,
                    "as_of": options.as_of.isoformat(),
                    "casebook": __version__,
                }
            )
            + "\n",
            encoding="utf-8",
        )
        swap_in(site_dir, out)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    cases = sum(1 for p in tree.paths if p.startswith(("cases/", "cards/")))
    return BuildResult(
        options.audience,
        out,
        options.as_of,
        len(tree.paths),
        cases,
        generated - started,
        built - generated,
    )


def refuse_broken_records(book: Casebook) -> None:
    """A case file that cannot be read would silently drop a person from the staff site.

    So the build stops (and the previous site stays) until `casebook check` is clean of
    unreadable files. Only file and rule are named here: messages may quote record values.
    """
    broken = [
        f
        for f in book.findings
        if f.severity == "error"
        and f.file
        and f.file.startswith("cases/")
        and (
            f.rule.startswith(("yaml", "schema", "encoding", "io", "size"))
            or f.rule in STRUCTURAL_RULES
        )
    ]
    if broken:
        where = sorted({f"{f.file} [{f.rule}]" for f in broken})
        raise SiteError(
            "case files that cannot be read; the site was not built and the previous site is "
            "unchanged. Run `casebook check` and fix:\n  " + "\n  ".join(where)
        )


def check_out(out: Path, audience: Audience) -> None:
    """Refuse an --out that is not ours to replace, or that holds the other audience's site.

    Only an empty folder or one holding the marker of a site built for the same audience is
    replaced: a mistyped ``--out .`` or ``--out ~`` is refused, not deleted.
    """
    if not out.exists() and not out.is_symlink():
        return
    if not out.is_dir() or out.is_symlink():
        raise UsageError(f"--out {out} exists and is not a folder")
    marker = out / MARKER
    if marker.is_file():
        try:
            built_for = json.loads(marker.read_text(encoding="utf-8")).get("audience")
        except (OSError, ValueError, AttributeError):
            built_for = None
        if built_for != audience:
            raise UsageError(
                f"--out {out} holds the {built_for or 'unknown'} site; building the {audience} "
                "site there would publish it to the wrong readers. Use another folder."
            )
        return
    if any(out.iterdir()):
        raise UsageError(
            f"--out {out} is a folder that casebook did not build; refusing to replace it"
        )


def mkdocs_config(
    base: dict[str, Any],
    overlay: dict[str, Any],
    tree: Tree,
    options: BuildOptions,
    site_dir: Path,
    custom_dir: str | None,
    *,
    hooks: bool,
) -> dict[str, Any]:
    """The configuration the builder reads: the council's, with casebook's settings on top.

    ``custom_dir`` is the checked value from :func:`_custom_dir` (None: the folder is absent).
    """
    overlay = dict(overlay)
    extra_nav = overlay.pop("nav", []) or []
    config = merge(base, overlay)
    config["docs_dir"] = "docs"
    config["site_dir"] = str(site_dir)
    config["nav"] = [*tree.nav, *extra_nav]
    # Links in the generated HTML are written for directory URLs (cases/<ID>/).
    config["use_directory_urls"] = True
    config.pop("hooks", None)  # refused in the council's files (_read_yaml); only casebook's
    if hooks:
        config["hooks"] = [HOOKS.name]
    theme = dict(config.get("theme") or {})
    theme.pop("custom_dir", None)
    if custom_dir is not None:
        theme["custom_dir"] = custom_dir
    if options.builder == "zensical":
        # Zensical's default look ("modern") ignores palette.primary; "classic" is Material's.
        theme.setdefault("variant", "classic")
    config["theme"] = theme
    extra = dict(config.get("extra") or {})
    who = "Council staff only" if options.audience == "staff" else "Governance team only"
    extra["banner"] = f"{who}. Internal: do not share. Correct as of {md.day(options.as_of)}."
    extra["audience"] = options.audience
    config["extra"] = extra
    return config


def merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    """Mappings merged key by key, recursively; anything else in ``over`` replaces."""
    out = dict(base)
    for key, value in over.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = merge(out[key], value)
        else:
            out[key] = value
    return out


# What an operating-system failure inside MkDocs looks like in its output, said plainly.
_OS_FAILURES = {
    "No space left on device": "the disk is full",
    "Disk quota exceeded": "the disk quota is used up",
    "Permission denied": "permission denied",
    "Read-only file system": "the output folder is on a read-only file system",
}


_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


def run_builder(
    builder: Builder, command: Sequence[str], config_file: Path, site_dir: Path
) -> None:
    """Run ``<command> build --strict -f <config_file>`` in the build folder.

    Raises ``SiteError`` (the builder's warning and error lines, never page text) when the
    builder fails or writes no ``index.html``. Zensical takes no ``-d`` (``site_dir`` is in the
    configuration) and writes ``.cache/`` into its working folder, the build folder.
    """
    # Not --quiet: MkDocs' strict mode counts warnings as they are logged, and --quiet stops
    # them being logged, so a broken link would pass (tests/site/test_site_build.py).
    cmd = [*command, "build", "--strict", "-f", str(config_file)]
    if builder == "mkdocs":
        cmd += ["-d", str(site_dir)]
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1", "NO_COLOR": "1"}
    try:
        proc = subprocess.run(
            cmd, cwd=config_file.parent, capture_output=True, text=True, env=env, check=False
        )
    except OSError as exc:
        raise SiteError(f"cannot run the site builder {command[0]!r}: {exc}") from None
    if proc.returncode != 0 or not (site_dir / "index.html").is_file():
        lines = _ANSI.sub("", proc.stderr + proc.stdout).splitlines()
        output = "\n".join(lines)
        for cause, plain in _OS_FAILURES.items():
            if cause in output:
                raise SiteError(
                    f"{plain} while {builder} wrote the site; the previous site is unchanged"
                )
        if builder == "mkdocs":
            # MkDocs names files and links, not their content. Its warnings and errors only,
            # never its traceback: its last line says what went wrong.
            starts: tuple[str, ...] = ("WARNING", "ERROR", "Aborted", "Error")
            problems = [x for x in lines if x.startswith(starts)]
            shown = (problems or lines[-1:])[-15:]
        else:
            # Zensical quotes the page's source around each warning (personal data, in a CI
            # log): its one-line messages only, or the exit status.
            problems = [x.strip() for x in lines if x.strip().startswith(("Warning", "Error"))]
            shown = problems[-15:] or [f"zensical exited with status {proc.returncode}"]
        raise SiteError(
            f"{builder} build --strict failed; the previous site is unchanged.\n" + "\n".join(shown)
        )


def _copy_pages(root: Path, pages: Path, audience: Audience, docs: Path) -> None:
    docs.mkdir(parents=True)
    for part in ("common", audience):
        src = pages / part
        if src.is_dir() or src.is_symlink():
            safefile.copy_tree(root, src, docs)


def _read_yaml(root: Path, path: Path, required: bool = True) -> dict[str, Any]:
    if not safefile.is_regular(root, path):
        if required:
            raise ConfigError(
                f"no {path}: the site needs its MkDocs configuration in {SITE_DIR}/ "
                "(copy it from the casebook template)"
            )
        return {}
    try:
        data = yaml.safe_load(safefile.read_text(root, path))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise ConfigError(f"cannot read {path}: {exc}") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ConfigError(f"{path} must be a mapping of MkDocs settings")
    rel = safefile.relative(root, path)
    if "INHERIT" in data:
        raise ConfigError(
            f"{rel}: INHERIT is not allowed: the site's configuration is {SITE_DIR}/mkdocs.yml "
            "with staff.yml or governance.yml merged over it, and nothing else is read"
        )
    if "hooks" in data:
        raise ConfigError(
            f"{rel}: hooks are not allowed: they are Python code run by the builder where the "
            "records are; casebook runs only its own hook (and Zensical runs none). Put page "
            f"content in {SITE_DIR}/pages/ and styling in {SITE_DIR}/assets/ instead"
        )
    for key, allowed in (("plugins", PLUGINS), ("markdown_extensions", MARKDOWN_EXTENSIONS)):
        extra = sorted(set(_names(data.get(key))) - allowed)
        if extra:
            raise ConfigError(
                f"{rel}: {key} {', '.join(extra)} not allowed; casebook builds the site with "
                f"{', '.join(sorted(allowed))} only (docs/commands/site.md says why)"
            )
    return data


def _names(value: object) -> list[str]:
    """The names in a ``plugins:`` or ``markdown_extensions:`` value (a list of names or of
    one-key mappings, or a mapping); anything else is returned as text, so it is refused."""
    if value is None:
        return []
    items = list(value) if isinstance(value, list | dict) else [value]
    out = []
    for item in items:
        if isinstance(item, dict) and len(item) == 1:
            item = next(iter(item))
        out.append(item if isinstance(item, str) else repr(item))
    return out


def _custom_dir(root: Path, config: dict[str, Any]) -> str | None:
    """``theme.custom_dir`` checked: a folder inside ``site/``, written relative to it.

    MkDocs copies every file of the theme folder that is not a template into the published
    site, so a custom_dir of ``/etc`` or ``../policy`` would publish those files. Returns the
    value (``/``-separated, normalised), None when it is unset or names no folder (the
    template's ``overrides`` is optional); ``ConfigError`` naming the value otherwise. The
    folder's files are then copied as regular files only (a link is refused).
    """
    theme = config.get("theme")
    if not isinstance(theme, dict) or theme.get("custom_dir") is None:
        return None
    value = theme["custom_dir"]
    problem = None
    if not isinstance(value, str) or not value.strip():
        problem = "must be the name of a folder in site/"
    elif "\\" in value or "\x00" in value:
        problem = "must be written with / only"
    elif value.startswith(("/", "~")) or PurePosixPath(value).is_absolute():
        problem = "is absolute: write it relative to site/"
    elif any(part in {"..", "."} for part in value.split("/")):
        problem = "may not use '.' or '..': it must be a folder inside site/"
    if problem:
        raise ConfigError(f"{SITE_DIR}/*.yml: theme.custom_dir {value!r} {problem}")
    rel = PurePosixPath(value).as_posix()
    folder = root / SITE_DIR / rel
    if folder.is_symlink():
        raise ConfigError(
            f"{SITE_DIR}/{rel} (theme.custom_dir) is a symbolic link; casebook copies only "
            "regular files inside site/, never through links"
        )
    return rel if folder.is_dir() else None
