"""Options and helpers shared by every command."""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

import click

from casebook import EARLIEST, LATEST
from casebook.errors import UsageError

F = TypeVar("F", bound=Callable[..., Any])

DEFAULT_TZ = "Europe/London"


@dataclass(frozen=True, slots=True)
class Env:
    """What the group options resolved to; commands receive it via ``@pass_env``."""

    root_option: Path | None

    @property
    def root(self) -> Path:
        # Imported here: the models behind it cost half a second, and `check` answers from
        # its memo of the last run without them (casebook.check.memo).
        from casebook.store.paths import find_root

        return find_root(self.root_option or Path.cwd())


pass_env = click.make_pass_decorator(Env)


def today(tz: str = DEFAULT_TZ) -> date:
    """Today's date where the council is (the default for --as-of)."""
    return datetime.now(ZoneInfo(tz)).date()


_YMD = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def parse_date(value: str, option: str) -> date:
    """A date option, YYYY-MM-DD between EARLIEST and LATEST (so that no date sum overflows)."""

    # Only the documented form: date.fromisoformat also takes "20261123" and "2026-W48-1".
    if not _YMD.fullmatch(value):
        raise UsageError(f"{option}: {value!r} is not a date; write it as YYYY-MM-DD")
    try:
        day = date.fromisoformat(value)
    except ValueError:
        raise UsageError(
            f"{option}: {value!r} is not a date: that month has no such day (or no such "
            "month); write a real day as YYYY-MM-DD"
        ) from None
    if not EARLIEST <= day <= LATEST:
        raise UsageError(
            f"{option}: {value} is outside the dates casebook accepts ({EARLIEST} to {LATEST})"
        )
    return day


def as_of_option(f: F) -> F:
    return click.option(
        "--as-of",
        "as_of",
        metavar="YYYY-MM-DD",
        help="Check as on this date (default: today in Europe/London).",
    )(f)


def resolve_as_of(value: str | None) -> date:
    return parse_date(value, "--as-of") if value else today()


def format_option(*choices: str) -> Callable[[F], F]:
    def deco(f: F) -> F:
        return click.option(
            "--format",
            "fmt",
            type=click.Choice(choices),
            default=choices[0],
            show_default=True,
            help="Output format.",
        )(f)

    return deco


def emit_json(payload: object) -> None:
    json.dump(payload, sys.stdout, indent=2, ensure_ascii=False, default=str)
    sys.stdout.write("\n")


def release(book: Any, case_id: str) -> None:
    """Drop the record of ``case_id`` once a command is done with it (``CaseFile.release``)."""
    f = book.file_for(case_id)
    if f is not None:
        f.release()


def warn_unreadable(book: Any) -> int:
    """Tell the user (on stderr) about case files a report had to leave out; return how many.

    A report built without them could miss an overdue review, so the commands that list
    obligations or cases exit 1 when there are any.
    """
    # ``valid``, not ``case``: asking for every record would hold them all in memory.
    bad = [f.rel for f in book.files if not f.valid]
    if bad:
        shown = ", ".join(bad[:5]) + (" ..." if len(bad) > 5 else "")
        click.echo(
            f"casebook: {len(bad)} case file(s) could not be read and are left out: {shown}; "
            "run casebook check for details",
            err=True,
        )
    return len(bad)
