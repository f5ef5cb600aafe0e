"""Entry point: the `casebook` group and its commands."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from casebook import __version__
from casebook.cli.approvals import approvals
from casebook.cli.check import check
from casebook.cli.close import close
from casebook.cli.common import Env
from casebook.cli.due import due
from casebook.cli.fmt import fmt
from casebook.cli.guard import guard
from casebook.cli.history import history
from casebook.cli.issues import issues
from casebook.cli.letters import letters
from casebook.cli.log import log
from casebook.cli.new import new
from casebook.cli.notify import notify
from casebook.cli.purge import purge
from casebook.cli.register import register
from casebook.cli.retention import retention
from casebook.cli.sar import sar
from casebook.cli.schema import schema
from casebook.cli.site import site
from casebook.errors import CasebookError


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="casebook")
@click.option(
    "--root",
    type=click.Path(file_okay=False, path_type=Path),
    help="The casebook folder (default: found from the current folder upwards).",
)
@click.pass_context
def cli(ctx: click.Context, root: Path | None) -> None:
    """casebook: run the council's managed-contact procedures from case records in git.

    Exit codes: 0 all well; 1 findings or failures to act on; 2 usage or configuration error.
    """
    ctx.obj = Env(root)


# One line per command; each lives in its own module under casebook/cli/.
COMMANDS: list[click.Command] = [
    check,
    due,
    register,
    retention,
    purge,
    new,
    log,
    close,
    fmt,
    schema,
    guard,
    sar,
    approvals,
    issues,
    history,
    letters,
    notify,
    site,
]
for _command in COMMANDS:
    cli.add_command(_command)


def run(argv: list[str] | None = None) -> int:
    """Run the command line and return its exit code (tests call this directly)."""
    try:
        cli.main(args=argv, prog_name="casebook", standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("Aborted.", err=True)
        return 1
    except click.ClickException as exc:
        exc.show()
        return 2
    except CasebookError as exc:
        click.echo(f"casebook: {exc}", err=True)
        return exc.exit_code
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 2)
    except Exception as exc:
        if os.environ.get("CASEBOOK_DEBUG"):
            raise
        click.echo(
            f"casebook: internal error: {type(exc).__name__}: {exc}\n"
            "This is a bug in casebook, not in your files. Set CASEBOOK_DEBUG=1 to see details.",
            err=True,
        )
        return 2
    return 0


def main() -> None:
    sys.exit(run())
