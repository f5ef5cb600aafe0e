"""`casebook fmt`: rewrite records in the canonical layout, comments kept."""

from __future__ import annotations

from pathlib import Path

import click

from casebook.cli.common import Env, pass_env
from casebook.records.fmt import format_file
from casebook.store.reader import case_files


@click.command()
@click.argument("paths", nargs=-1, type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--check",
    "check_only",
    is_flag=True,
    help="Change nothing; list the files that are not in the layout and exit 1 if any.",
)
@pass_env
def fmt(env: Env, paths: tuple[Path, ...], check_only: bool) -> None:
    """Put YAML files in the one layout the record commands write (default: every case).

    Two-space indentation, block mappings, lists of ids on one line, no wrapping, quotes
    only where YAML would misread the text. Comments, key order and data are kept; running
    it twice changes nothing the second time.
    """
    root = env.root
    files = [p if p.is_absolute() else Path.cwd() / p for p in paths] or case_files(root)
    changed = problems = 0
    for path in files:
        result = format_file(root, path, write=not check_only)
        if result.problem:
            problems += 1
            click.echo(f"{result.rel}: not formatted: {result.problem}", err=True)
        elif result.changed:
            changed += 1
            click.echo(
                f"{result.rel}: {'not in the canonical layout' if check_only else 'formatted'}"
            )
    verb = "need formatting" if check_only else "formatted"
    click.echo(f"{len(files)} file(s), {changed} {verb}, {problems} not readable", err=True)
    raise SystemExit(1 if problems or (check_only and changed) else 0)
