"""Entry point: the `casebook` group and its commands."""

from __future__ import annotations

import errno
import os
import sys
from collections.abc import Callable
from pathlib import Path

import click

from casebook import __version__
from casebook.cli.approvals import approvals
from casebook.cli.check import check
from casebook.cli.close import close
from casebook.cli.common import Env, emit_json
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


# Failures of the machine, not of casebook: said plainly, with the file, never as a bug.
# (message, exit code): 1 = act on it (free space); 2 = the command or setup is wrong.
_OS_ERRORS: dict[int, tuple[str, int]] = {
    errno.ENOSPC: ("the disk is full", 1),
    errno.EDQUOT: ("the disk quota is used up", 1),
    errno.EACCES: ("permission denied", 2),
    errno.EPERM: ("permission denied", 2),
    errno.EROFS: ("the folder is on a read-only file system", 2),
}


def os_failure(exc: OSError) -> tuple[str, int] | None:
    """A plain message and exit code for a full disk or a refused write; None for others."""
    known = _OS_ERRORS.get(exc.errno or 0)
    if known is None:
        return None
    message, code = known
    if exc.filename is not None:
        message += f": {exc.filename}"
    # Every write goes through a temporary renamed into place: the old file is still whole.
    return f"{message}. Files casebook was writing were left as they were.", code


def _root_after(ctx: click.Context, _param: click.Parameter, value: Path | None) -> None:
    """``casebook check --root DIR``: the same as ``casebook --root DIR check``."""
    if value is None:
        return
    env = Env(value)
    c: click.Context | None = ctx
    while c is not None:  # every level: @pass_env finds the nearest
        c.obj = env
        c = c.parent


def _leaves(group: click.Group) -> list[click.Command]:
    out: list[click.Command] = []
    for cmd in group.commands.values():
        out += _leaves(cmd) if isinstance(cmd, click.Group) else [cmd]
    return out


# `--root` is accepted after the subcommand too (people type the command, then where).
for _leaf in _leaves(cli):
    _leaf.params.append(
        click.Option(
            ["--root"],
            type=click.Path(file_okay=False, path_type=Path),
            expose_value=False,
            callback=_root_after,
            help="The casebook folder (the same as casebook --root DIR before the command).",
        )
    )


def _wants_json(argv: list[str]) -> bool:
    """The command line asks a command that has ``--format json`` for JSON.

    Walks the command names to the command the arguments name, then looks for
    ``--format json`` (or ``--format=json``) among the arguments.
    """
    cmd: click.Command = cli
    for word in argv:
        if isinstance(cmd, click.Group) and word in cmd.commands:
            cmd = cmd.commands[word]
    formats = [p for p in cmd.params if isinstance(p, click.Option) and "--format" in p.opts]
    if not formats or not isinstance(formats[0].type, click.Choice):
        return False
    if "json" not in formats[0].type.choices:
        return False
    for i, word in enumerate(argv):
        if word == "--format=json" or (word == "--format" and argv[i + 1 : i + 2] == ["json"]):
            return True
    return False


def _fail(argv: list[str], message: str, code: int, show: Callable[[], None]) -> int:
    """Report a usage or configuration error: as JSON on stdout when the command line asked
    for JSON (``{"ok": false, "error": ...}``, same exit code), else as text on stderr."""
    if _wants_json(argv):
        emit_json({"ok": False, "error": message, "exit_code": code})
    else:
        show()
    return code


def run(argv: list[str] | None = None) -> int:
    """Run the command line and return its exit code (tests call this directly)."""
    args = list(sys.argv[1:] if argv is None else argv)
    try:
        cli.main(args=args, prog_name="casebook", standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("Aborted.", err=True)
        return 1
    except click.ClickException as exc:
        return _fail(args, exc.format_message(), 2, exc.show)
    except CasebookError as exc:
        err = exc
        return _fail(
            args, str(err), err.exit_code, lambda: click.echo(f"casebook: {err}", err=True)
        )
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 2)
    except OSError as exc:
        plain = os_failure(exc)
        if plain is None or os.environ.get("CASEBOOK_DEBUG"):
            raise
        message, code = plain
        click.echo(f"casebook: {message}", err=True)
        return code
    except Exception as exc:
        if isinstance(exc, OSError) and (plain := os_failure(exc)) is not None:
            click.echo(f"casebook: {plain[0]}", err=True)
            return plain[1]
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
