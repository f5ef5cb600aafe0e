"""`casebook purge`."""

from __future__ import annotations

import click

from casebook.cli.common import Env, as_of_option, emit_json, format_option, pass_env, resolve_as_of
from casebook.privacy.purge import purge as do_purge


@click.command()
@click.argument("case_id", metavar="CASE_ID")
@click.option(
    "--ground",
    metavar="TEXT",
    help="Why the record is deleted, when not because its retention period has ended "
    "(e.g. 'erasure request (UK GDPR Art. 17)'). No personal data: it is kept for ever.",
)
@as_of_option
@format_option("text", "json")
@pass_env
def purge(env: Env, case_id: str, ground: str | None, as_of: str | None, fmt: str) -> None:
    """Delete a case record, log a tombstone without personal data in the deletion log, and
    print the steps that remove the record from git history and every clone."""
    result = do_purge(env.root, case_id, resolve_as_of(as_of), ground)
    if fmt == "json":
        emit_json(result.as_json())
        return
    t = result.tombstone
    logged = "was already in" if result.resumed else "added to"
    click.echo(f"Removed {result.removed}; tombstone {logged} {result.deletion_log}:")
    click.echo(f"  {t.id} ({t.procedure}) purged {t.purged}: {t.ground}")
    click.echo("")
    click.echo("The record is still in git history and in every clone. Now:")
    for step in result.steps:
        click.echo("")
        click.echo(step.text)
        for line in step.shell():
            click.echo(f"    {line}")
