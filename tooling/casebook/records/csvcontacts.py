"""Contacts in bulk from a CSV export of a mailbox or a telephone system.

Columns (header row required, names case-insensitive, in any order; others are ignored):

=========  ========  =====================================================================
column     needed    value
=========  ========  =====================================================================
date       yes       ``YYYY-MM-DD``, or ``YYYY-MM-DD HH:MM[:SS]`` / ``YYYY-MM-DDTHH:MM``
time       no        ``HH:MM`` (24-hour); taken from ``date`` when it holds a time
channel    yes*      a channel id of the case's procedure (``email``, ``phone`` ...)
to         yes*      the person id or team the contact was made to
direction  no        ``in`` (default) or ``out``
summary    yes       one line: what the contact was about
topic      no        the matter it concerns
minutes    no        length of a call, whole minutes
=========  ========  =====================================================================

(*) or given once for the whole file with ``--channel`` / ``--to``.

Rows are sorted by date and time before they are appended (exports are often newest first).
A row identical to a contact already in the case (same date, time, channel, to and summary) is
skipped, so importing the same export twice does not log anything twice.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from pydantic import TypeAdapter, ValidationError

from casebook.errors import UsageError
from casebook.model import Case
from casebook.model.case import ContactLogged
from casebook.records import entries

COLUMNS = ("date", "time", "channel", "to", "direction", "summary", "topic", "minutes")
REQUIRED = ("date", "summary")
_STAMP = re.compile(
    r"^(\d{4}-\d{2}-\d{2})(?:[T ](\d{2}:\d{2})(?::\d{2}(?:\.\d+)?)?)?(?:Z|[+-]\d{2}:?\d{2})?$"
)
# Limits of one import (docs/limits.md): an export larger than this is years of contact, to be
# looked at (and split) before it is logged; a record itself holds at most
# store.cases.MAX_RECORD_BYTES.
MAX_ROWS = 5_000
MAX_BYTES = 2_000_000
_CONTROL = entries.CONTROL
_ADAPTER: TypeAdapter[ContactLogged] = TypeAdapter(ContactLogged)


@dataclass(frozen=True, slots=True)
class Row:
    line: int  # line of the CSV file the row starts on
    event: dict[str, Any]


def read_rows(path: Path, channel: str | None = None, to: str | None = None) -> list[Row]:
    """Every row as a contact entry; UsageError naming the file and line of the first bad one."""
    name = path.name
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except OSError as exc:
        raise UsageError(f"--csv: cannot read {path}: {exc.strerror or exc}") from None
    except UnicodeDecodeError as exc:
        raise UsageError(
            f"{name}: not UTF-8 (byte 0x{exc.object[exc.start]:02x}); export it as CSV UTF-8"
        ) from None
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader)
    except StopIteration:
        raise UsageError(f"{name}: the file is empty; it needs a header row") from None
    except csv.Error as exc:
        raise UsageError(f"{name} line 1: {exc}") from None
    cols = [h.strip().lower() for h in header]
    need = [c for c in REQUIRED if c not in cols]
    need += [c for c, given in (("channel", channel), ("to", to)) if c not in cols and not given]
    if need:
        raise UsageError(
            f"{name} line 1: missing column(s) {', '.join(need)}; the header must name "
            f"{', '.join(COLUMNS)} (see `casebook log contacts --help`)"
        )
    rows: list[Row] = []
    line = reader.line_num + 1
    if len(text) > MAX_BYTES:
        raise UsageError(
            f"{name}: {len(text.encode('utf-8')):,} bytes; an import takes at most "
            f"{MAX_BYTES:,} bytes ({MAX_ROWS:,} rows). Split the export by month"
        )
    while True:
        start = line
        try:
            values = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            raise UsageError(f"{name} line {start}: {exc}") from None
        line = reader.line_num + 1
        if not any(v.strip() for v in values):
            continue
        if len(values) > len(cols):
            raise UsageError(
                f"{name} line {start}: {len(values)} values but {len(cols)} columns; "
                "quote values that contain commas"
            )
        if len(rows) >= MAX_ROWS:
            raise UsageError(
                f"{name} line {start}: more than {MAX_ROWS:,} rows; an import takes at most "
                f"{MAX_ROWS:,}. Split the export by month"
            )
        cells = {c: v.strip() for c, v in zip(cols, values, strict=False) if c in COLUMNS}
        for col, value in cells.items():
            bad = _CONTROL.search(value)
            if bad:
                raise UsageError(
                    f"{name} line {start}: {col}: contains the control character "
                    f"U+{ord(bad.group()):04X}; remove it (some systems pad exported cells "
                    "with them)"
                )
        rows.append(Row(start, _event(name, start, cells, channel, to)))
    if not rows:
        raise UsageError(f"{name}: no rows after the header")
    return rows


def _event(
    name: str, line: int, cells: dict[str, str], channel: str | None, to: str | None
) -> dict[str, Any]:
    where = f"{name} line {line}"
    m = _STAMP.match(cells.get("date", ""))
    if not m:
        raise UsageError(
            f"{where}: date {cells.get('date', '')!r} is not YYYY-MM-DD (or YYYY-MM-DD HH:MM)"
        )
    try:
        on = date.fromisoformat(m.group(1))
    except ValueError:
        raise UsageError(f"{where}: {m.group(1)!r} is not a real date") from None
    minutes = cells.get("minutes") or None
    if minutes is not None and not minutes.isdigit():
        raise UsageError(f"{where}: minutes {minutes!r} is not a whole number")
    event = entries.contact(
        on=on,
        time=cells.get("time") or m.group(2),
        channel=cells.get("channel") or channel or "",
        to=cells.get("to") or to or "",
        direction=cells.get("direction") or None,
        summary=cells.get("summary", ""),
        topic=cells.get("topic") or None,
        minutes=int(minutes) if minutes else None,
    )
    try:
        _ADAPTER.validate_python(event)
    except ValidationError as exc:
        err = exc.errors(include_url=False)[0]
        field = ".".join(str(p) for p in err["loc"]) or "row"
        msg = err["msg"].removeprefix("Value error, ")
        raise UsageError(f"{where}: {field}: {msg}") from None
    return event


def new_rows(rows: list[Row], case: Case) -> tuple[list[Row], int]:
    """Rows sorted by date and time, without those already logged. Returns (rows, skipped)."""
    seen = {
        (e.date, e.time, e.channel, e.to, e.summary)
        for e in case.events
        if isinstance(e, ContactLogged)
    }
    out, skipped = [], 0
    for row in sorted(rows, key=lambda r: (r.event["date"], r.event.get("time") or "")):
        e = row.event
        key = (e["date"], e.get("time"), e["channel"], e["to"], e["summary"])
        if key in seen:
            skipped += 1
            continue
        seen.add(key)
        out.append(row)
    return out, skipped
