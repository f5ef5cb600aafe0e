"""`casebook schema`: JSON Schema files for editors (yaml-language-server)."""

from __future__ import annotations

from pathlib import Path

import click

from casebook.cli.common import Env, pass_env
from casebook.errors import UsageError
from casebook.model.schema import expected, stale
from casebook.store.cases import write_atomic


@click.command()
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder to write to (default: schema/ in the casebook).",
)
@click.option(
    "--check",
    "check_only",
    is_flag=True,
    help="Write nothing; exit 1 if the files are missing or out of date.",
)
@pass_env
def schema(env: Env, out: Path | None, check_only: bool) -> None:
    """Write case.schema.json, procedure.schema.json and people.schema.json (JSON Schema
    draft 7, the dialect yaml-language-server speaks).

    Case files name their schema on their first line:
    # yaml-language-server: $schema=../schema/case.schema.json
    """
    folder = out if out is not None else env.root / "schema"
    if out is not None and not check_only:
        _writable_here(out)
    if check_only:
        old = stale(folder)
        for name in old:
            click.echo(f"{folder / name}: out of date; run `casebook schema`")
        raise SystemExit(1 if old else 0)
    for name, text in expected().items():
        path = folder / name
        try:
            same = path.read_text(encoding="utf-8") == text
        except OSError:
            same = False
        if not same:
            write_atomic(path, text.encode("utf-8"))
        click.echo(f"{path}{'' if not same else ' (unchanged)'}")


def _writable_here(folder: Path) -> None:
    """Refuse an --out that holds anything but the schema files (``--out /``, ``--out ~``).

    A new or empty folder is fine, and so is one that holds only the files this command
    writes (running it again).
    """
    if folder.exists() and not folder.is_dir():
        raise UsageError(f"--out {folder}: is a file, not a folder")
    if not folder.is_dir():
        return
    ours = set(expected())
    other = [p.name for p in folder.iterdir() if p.name not in ours]
    if other:
        raise UsageError(
            f"--out {folder}: the folder holds other files ({len(other)}); choose a new or "
            "empty folder, or the one that holds only the schema files"
        )
