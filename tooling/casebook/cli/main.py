"""Entry point: the `casebook` group and its commands."""

from __future__ import annotations

import errno
import importlib
import os
import sys
from collections.abc import Callable, Iterator, MutableMapping
from pathlib import Path

import click

from casebook import __version__
from casebook.cli.common import Env, emit_json
from casebook.cli.stop import Stopped, stops_cleanly
from casebook.errors import CasebookError
from casebook.store import temporary


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


# One line per command; each lives in its own module under casebook/cli/, named like it, and
# is imported only when used: importing all of them (GitHub client, site builder, letters)
# cost a second of CPU at every start, as much as a warm `check` itself (issue 14).
COMMANDS: tuple[str, ...] = (
    "check",
    "due",
    "register",
    "retention",
    "purge",
    "new",
    "log",
    "close",
    "fmt",
    "schema",
    "guard",
    "sar",
    "approvals",
    "issues",
    "history",
    "letters",
    "notify",
    "site",
)


class LazyCommands(MutableMapping[str, click.Command]):
    """``Group.commands`` whose values are imported on first access (``casebook.cli.NAME``).

    Click reads ``commands`` as a mapping (``get``, ``items``, ``sorted``), so help, the
    usage-error JSON and the docs tests see every command; each is imported when asked for,
    then given ``--root`` after the command (``_with_root``).
    """

    def __init__(self, names: tuple[str, ...]) -> None:
        self._names = list(names)
        self._loaded: dict[str, click.Command] = {}

    def __getitem__(self, name: str) -> click.Command:
        if name not in self._loaded:
            if name not in self._names:
                raise KeyError(name)
            module = importlib.import_module(f"casebook.cli.{name}")
            self._loaded[name] = _with_root(getattr(module, name))
        return self._loaded[name]

    def __setitem__(self, name: str, cmd: click.Command) -> None:
        if name not in self._names:
            self._names.append(name)
        self._loaded[name] = cmd

    def __delitem__(self, name: str) -> None:
        self._names.remove(name)
        self._loaded.pop(name, None)

    def __iter__(self) -> Iterator[str]:
        return iter(self._names)

    def __len__(self) -> int:
        return len(self._names)


cli.commands = LazyCommands(COMMANDS)


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


def _leaves(cmd: click.Command) -> list[click.Command]:
    if isinstance(cmd, click.Group):
        return [leaf for sub in cmd.commands.values() for leaf in _leaves(sub)]
    return [cmd]


def _with_root(cmd: click.Command) -> click.Command:
    """``cmd`` with ``--root`` accepted after it too (people type the command, then where)."""
    for leaf in _leaves(cmd):
        if any("--root" in getattr(p, "opts", ()) for p in leaf.params):
            continue
        leaf.params.append(
            click.Option(
                ["--root"],
                type=click.Path(file_okay=False, path_type=Path),
                expose_value=False,
                callback=_root_after,
                help="The casebook folder (the same as casebook --root DIR before the command).",
            )
        )
    return cmd


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
    return _asks_json(argv)


def _asks_json(argv: list[str]) -> bool:
    """``--format json`` (or ``--format=json``) is among the arguments."""
    return any(
        word == "--format=json" or (word == "--format" and argv[i + 1 : i + 2] == ["json"])
        for i, word in enumerate(argv)
    )


def _fail(argv: list[str], message: str, code: int, show: Callable[[], None]) -> int:
    """Report a usage or configuration error: as JSON on stdout when the command line asked
    for JSON (``{"ok": false, "error": ...}``, same exit code), else as text on stderr."""
    if _wants_json(argv):
        emit_json({"ok": False, "error": message, "exit_code": code})
    else:
        show()
    return code


def run(argv: list[str] | None = None) -> int:
    """Run the command line and return its exit code (tests call this directly).

    SIGTERM and Ctrl-C stop the run cleanly (``casebook.cli.stop``): temporaries removed,
    exit 128 + the signal's number (130, 143), one line on stderr.
    """
    args = list(sys.argv[1:] if argv is None else argv)
    with stops_cleanly():
        try:
            return _run(args)
        except Stopped as stop:
            # Every `finally` has run (builder killed, build folder removed); this catches a
            # temporary whose `finally` the signal came too early or too late for.
            temporary.remove_own()
            message = (
                f"stopped by {stop.name}; temporary files removed, "
                "finished files and the previous output left as they were"
            )
            # Not ``_fail``: it looks the command up to see whether it takes --format json,
            # importing its modules, and the signal may have come in the middle of that
            # import (a half-imported module fails again, with a traceback). The arguments
            # alone say it: click accepts --format json only from a command that has it.
            if _asks_json(args):
                emit_json({"ok": False, "error": message, "exit_code": stop.exit_code})
            else:
                click.echo(f"casebook: {message}", err=True)
            return stop.exit_code


def _run(args: list[str]) -> int:
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
