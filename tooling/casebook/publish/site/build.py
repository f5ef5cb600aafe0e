"""`casebook site build`: generate the Markdown tree, run MkDocs, swap the output in.

The build happens in a folder next to the output (same file system, same permissions). The
Markdown tree holds personal data, so the build folder is removed whatever happens. The new
site replaces the old one only when MkDocs succeeded: a failed build never leaves half a site.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, Literal

import yaml

from casebook import __version__
from casebook.errors import ConfigError, SiteError, UsageError
from casebook.publish.site import md
from casebook.publish.site.governance import governance_tree
from casebook.publish.site.inputs import SiteInputs
from casebook.publish.site.staff import staff_tree
from casebook.publish.site.tree import Tree
from casebook.publish.site.view import site_data
from casebook.store import safefile, temporary
from casebook.store.cases import Casebook, gc_paused

Audience = Literal["staff", "governance"]
AUDIENCES: tuple[Audience, ...] = ("staff", "governance")

SITE_DIR = "site"  # the casebook's site configuration: mkdocs.yml, <audience>.yml, overrides/
MARKER = ".casebook-site"
HOOKS = Path(__file__).with_name(
    "mkdocs_hooks.py"
)  # written into every built site; guards what --out may replace
STRUCTURAL_RULES = frozenset({"file-name", "duplicate-id", "reference"})


@dataclass(frozen=True, slots=True)
class BuildOptions:
    root: Path
    audience: Audience
    out: Path
    as_of: date
    repo_url: str | None = None
    # The builder command; MkDocs by default. Anything that reads mkdocs.yml and takes
    # `build --strict -f FILE -d DIR` fits (kept swappable: see docs/decisions).
    builder: Sequence[str] = field(default_factory=lambda: [sys.executable, "-m", "mkdocs"])
    # Hand pre-escaped HTML straight to MkDocs (mkdocs_hooks.py). Same output either way;
    # tests build without it to show that.
    hooks: bool = True


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
) -> Tree:
    """The Markdown tree of one audience's site (no I/O besides reading published texts)."""
    data = site_data(book.policy, book.cases(), as_of, inputs, repo_url)
    if audience == "staff":
        return staff_tree(data)
    return governance_tree(data, book.root)


def build_site(
    options: BuildOptions, inputs: SiteInputs | None = None, *, book: Casebook
) -> BuildResult:
    """Build one audience's site from ``book`` (loaded and checked by the caller)."""
    if options.audience not in AUDIENCES:
        raise UsageError(f"unknown audience {options.audience!r}: use staff or governance")
    refuse_broken_records(book)
    config_dir = options.root / SITE_DIR
    base = _read_yaml(options.root, config_dir / "mkdocs.yml")
    overlay = _read_yaml(options.root, config_dir / f"{options.audience}.yml", required=False)
    # Absolute, but symlinks not followed: a symlinked --out is refused, not written through.
    out = Path(os.path.abspath(options.out))  # noqa: PTH100 - resolve() follows symlinks
    check_out(out, options.audience)

    started = time.perf_counter()
    with gc_paused():  # thousands of pages of short-lived strings: see casebook.gc_paused
        tree = generate(book, options.audience, options.as_of, inputs, options.repo_url)
    out.parent.mkdir(parents=True, exist_ok=True)
    work = temporary.new_dir(out.parent, out.name)
    try:
        docs = work / "docs"
        _copy_pages(options.root, config_dir / "pages", options.audience, docs)
        clash = [p for p in tree.pages if (docs / p).exists()]
        if clash:
            raise ConfigError(
                f"hand-written pages in {SITE_DIR}/pages/ use generated paths: {', '.join(clash)}"
            )
        tree.write(docs)
        if (config_dir / "assets").is_dir():
            safefile.copy_tree(options.root, config_dir / "assets", docs / "assets")
        if (config_dir / "overrides").is_dir():
            safefile.copy_tree(options.root, config_dir / "overrides", work / "overrides")
        if options.hooks:
            shutil.copy(HOOKS, work / HOOKS.name)
        site_dir = work / "site"
        config = mkdocs_config(base, overlay, tree, options, site_dir)
        config_file = work / "mkdocs.yml"
        config_file.write_text(
            yaml.safe_dump(config, sort_keys=False, allow_unicode=True), encoding="utf-8"
        )
        generated = time.perf_counter()
        run_builder(options.builder, config_file, site_dir)
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
    cases = sum(1 for p in tree.pages if p.startswith(("cases/", "cards/")))
    return BuildResult(
        options.audience,
        out,
        options.as_of,
        len(tree.pages),
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
) -> dict[str, Any]:
    overlay = dict(overlay)
    extra_nav = overlay.pop("nav", []) or []
    config = merge(base, overlay)
    config["docs_dir"] = "docs"
    config["site_dir"] = str(site_dir)
    config["nav"] = [*tree.nav, *extra_nav]
    # Links in the generated HTML are written for directory URLs (cases/<ID>/).
    config["use_directory_urls"] = True
    if options.hooks:
        config["hooks"] = [*(config.get("hooks") or []), HOOKS.name]
    theme = dict(config.get("theme") or {})
    if "custom_dir" in theme and not (options.root / SITE_DIR / str(theme["custom_dir"])).is_dir():
        theme.pop("custom_dir")
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


def run_builder(builder: Sequence[str], config_file: Path, site_dir: Path) -> None:
    # Not --quiet: MkDocs' strict mode counts warnings as they are logged, and --quiet stops
    # them being logged, so a broken link would pass (tests/site/test_site_build.py).
    cmd = [*builder, "build", "--strict", "-f", str(config_file), "-d", str(site_dir)]
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    try:
        proc = subprocess.run(
            cmd, cwd=config_file.parent, capture_output=True, text=True, env=env, check=False
        )
    except OSError as exc:
        raise SiteError(f"cannot run the site builder {builder[0]!r}: {exc}") from None
    if proc.returncode != 0 or not (site_dir / "index.html").is_file():
        # MkDocs names files and links, not their content. Its warnings and errors only.
        output = proc.stderr + proc.stdout
        for cause, plain in _OS_FAILURES.items():
            if cause in output:
                raise SiteError(
                    f"{plain} while MkDocs wrote the site; the previous site is unchanged"
                )
        lines = output.splitlines()
        problems = [x for x in lines if x.startswith(("WARNING", "ERROR", "Aborted", "Error"))]
        # Never MkDocs' traceback: its last line says what went wrong.
        tail = "\n".join(problems[-15:] or lines[-1:])
        raise SiteError("mkdocs build --strict failed; the previous site is unchanged.\n" + tail)


def swap_in(new: Path, out: Path) -> None:
    """Put ``new`` at ``out``: two renames in the same folder, the old site kept until then."""
    if not out.exists():
        new.rename(out)
        return
    old = temporary.new_dir(out.parent, out.name)
    old.rmdir()
    out.rename(old)
    try:
        new.rename(out)
    except BaseException:
        old.rename(out)
        raise
    shutil.rmtree(old, ignore_errors=True)


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
    return data
