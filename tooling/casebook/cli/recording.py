"""What the record commands (`new`, `log ...`, `close`) share: asking for missing options,
reporting an edit, and the options every one of them takes."""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, TypeVar

import click

from casebook.check.loading import require
from casebook.cli.common import Env, parse_date, resolve_as_of
from casebook.errors import RecordError, UsageError
from casebook.model.findings import Finding
from casebook.records.edits import Edit, apply
from casebook.store.cases import Casebook

F = TypeVar("F", bound=Callable[..., Any])


def interactive() -> bool:
    """Ask for missing options only when a person is at a terminal (never in CI or a pipe)."""
    return sys.stdin.isatty()


@dataclass
class Need:
    """One option a command cannot do without."""

    option: str  # "--name"
    prompt: str
    value: Any
    choices: Sequence[str] | None = None
    default: str | None = None
    multiple: bool = False  # ask for a comma-separated list
    parse: Callable[[str], Any] | None = None

    @property
    def missing(self) -> bool:
        return self.value is None or self.value == () or self.value == []


def resolve(needs: Sequence[Need]) -> None:
    """Fill in missing values by asking, or fail naming every missing option."""
    missing = [n for n in needs if n.missing]
    if not missing:
        return
    if not interactive():
        names = ", ".join(n.option for n in missing)
        raise UsageError(
            f"missing {names}; pass {'them' if len(missing) > 1 else 'it'} as options "
            "(casebook asks for missing options only when run at a terminal)"
        )
    for n in missing:
        n.value = _ask(n)


def _ask(n: Need) -> Any:
    shown = (
        f"{n.prompt} ({', '.join(n.choices)})" if n.choices and len(n.choices) <= 12 else n.prompt
    )
    if n.multiple:
        shown += " [comma-separated]"

    def convert(raw: str) -> Any:
        parts = split_ids([raw]) if n.multiple else [raw.strip()]
        if not parts or not all(parts):
            raise click.BadParameter("a value is needed")
        if n.choices is not None:
            bad = [p for p in parts if p not in n.choices]
            if bad:
                raise click.BadParameter(f"{', '.join(bad)} is not one of: {', '.join(n.choices)}")
        if n.parse is not None:
            try:
                parts = [n.parse(p) for p in parts]
            except UsageError as exc:
                raise click.BadParameter(str(exc)) from None
        return tuple(parts) if n.multiple else parts[0]

    return click.prompt(shown, default=n.default, value_proc=convert, err=True)


def ask_optional(prompt: str, value: str | None) -> str | None:
    """An optional value: asked at a terminal (Enter skips), never required."""
    if value is not None or not interactive():
        return value
    answer: str = click.prompt(
        f"{prompt} (Enter to skip)", default="", show_default=False, err=True
    )
    return answer.strip() or None


def split_ids(values: Sequence[str] | None) -> list[str]:
    """``--by a --by b,c`` -> ``[a, b, c]``."""
    out: list[str] = []
    for v in values or ():
        out += [p.strip() for p in v.split(",") if p.strip()]
    return out


def day(value: str | date | None, option: str) -> date | None:
    if value is None or isinstance(value, date):
        return value
    return parse_date(value, option)


def day_parser(option: str) -> Callable[[str], date]:
    def parse(value: str) -> date:
        return parse_date(value, option)

    return parse


def record_options(f: F) -> F:
    """``--as-of`` and ``--dry-run``, on every record command."""
    f = click.option(
        "--dry-run",
        is_flag=True,
        help="Validate and show the change as a diff; write nothing.",
    )(f)
    f = click.option(
        "--as-of",
        "as_of",
        metavar="YYYY-MM-DD",
        help="Validate as on this date (default: today in Europe/London).",
    )(f)
    return f


def book_of(env: Env) -> Casebook:
    return require(env.root)


def as_of_date(value: str | None) -> date:
    return resolve_as_of(value)


def show(f: Finding) -> str:
    where = f" {f.field}:" if f.field else ""
    return f"  {f.severity} [{f.rule}]{where} {f.message}"


# A refused import of 100,000 rows must not print 100,000 lines: the first errors, then a count
# (docs/limits.md).
MAX_SHOWN = 50


def finish(
    edit: Edit, done: str, dry_run: bool, origin: Callable[[Finding], str] | None = None
) -> None:
    """Refuse (with every new error), or write; then show what still needs doing."""
    if edit.new_errors:
        shown = edit.new_errors[:MAX_SHOWN]
        lines = [(origin(f) + ": " if origin else "") + show(f).strip() for f in shown]
        if len(edit.new_errors) > MAX_SHOWN:
            more = len(edit.new_errors) - MAX_SHOWN
            lines.append(f"... and {more} more (fix these first, then run the command again)")
        raise RecordError(
            f"{edit.rel} not written: the change would bring "
            f"{len(edit.new_errors)} error(s):\n  " + "\n  ".join(lines)
        )
    if dry_run:
        click.echo(edit.diff(), nl=False)
        click.echo(f"{edit.rel}: dry run, nothing written", err=True)
    else:
        # The edit written: made again to the file another command changed meanwhile.
        edit = apply(edit)
        click.echo(f"{edit.rel}: {done}")
    for f in edit.warnings:
        click.echo(show(f), err=True)
    if edit.old_errors:
        click.echo(
            f"  note: {edit.rel} already had {len(edit.old_errors)} error(s) before this "
            "change; `casebook check` lists them",
            err=True,
        )
