"""`casebook letters`: write the letters recorded in cases as Markdown, HTML or PDF."""

from __future__ import annotations

from pathlib import Path
from typing import cast

import click

from casebook.check.loading import require
from casebook.cli.common import Env, as_of_option, pass_env, release, resolve_as_of
from casebook.errors import CasebookError, UsageError
from casebook.publish.letters import Format, Renderer
from casebook.publish.pdf import PDF_HOW, pdf_available
from casebook.store.outdir import prepare, replace_folder


@click.command()
@click.argument("case_ids", nargs=-1, metavar="[CASE_ID]...")
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder to write to (default: out/letters in the casebook; git ignores out/).",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["md", "html", "pdf"]),
    default="html",
    show_default=True,
    help="md for the site, html for a browser or printer (works on every install), pdf to "
    "post or e-mail (needs the pdf extra: pip install -e '.[pdf]').",
)
@click.option(
    "--pending",
    is_flag=True,
    help="Also draft the letters decisions require that the case does not yet record "
    "(dated --as-of).",
)
@as_of_option
@pass_env
def letters(
    env: Env,
    case_ids: tuple[str, ...],
    out: Path | None,
    fmt: str,
    pending: bool,
    as_of: str | None,
) -> None:
    """Write every letter recorded in each case (default: every case).

    Each case's letters go to OUT/CASE_ID/, named DATE-LETTER.FORMAT; the copy of each procedure
    that letters enclose goes to OUT/enclosures/. Exit 1 if a letter cannot be written because
    the case lacks its mandatory content (`casebook check` names what is missing).
    """
    if fmt == "pdf" and not pdf_available():
        # Before anything is made: no empty output folder is left behind.
        raise UsageError(PDF_HOW)
    root = env.root
    book = require(root)
    renderer = Renderer(book)
    on = resolve_as_of(as_of) if pending else None
    target = out if out is not None else root / "out" / "letters"
    ids = list(case_ids) or [f.path.stem for f in book.files]
    for cid in case_ids:
        renderer.case(cid)  # an unknown id is a usage error before anything is written
    if fmt != "md":
        renderer.check_letterhead()  # a broken letterhead stops the run once, exit 2
    prepare(target, "casebook letters")
    form = cast(Format, fmt)
    failed = 0
    written = 0
    procedures: set[str] = set()
    for cid in ids:
        try:
            case = renderer.case(cid)
            rendered = renderer.render(cid, form, on)
        except UsageError:
            raise
        except CasebookError as exc:
            click.echo(f"casebook: {exc}", err=True)
            failed += 1
            continue
        finally:
            release(book, cid)  # one record in memory at a time (issue 14)
        if not rendered:
            continue
        replace_folder(target / case.id, {r.filename: r.content for r in rendered})
        procedures.add(case.procedure)
        written += len(rendered)
        big = " (large print)" if any(r.large_print for r in rendered) else ""
        click.echo(f"{case.id}: {len(rendered)} letter(s){big} in {target / case.id}")
        for r in rendered:
            for note in r.notes:
                click.echo(f"  note: {note}")
    if procedures:
        enclosures = {}
        for pid in sorted(procedures):
            enc = renderer.enclosure(pid, form)
            enclosures[enc.filename] = enc.content
        replace_folder(target / "enclosures", enclosures)
    click.echo(f"{written} letter(s) written as {fmt}; {failed} case(s) could not be written")
    raise SystemExit(1 if failed else 0)
