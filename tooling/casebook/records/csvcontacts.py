"""Contacts in bulk from a CSV export of a mailbox or a telephone system.

Columns (header row required, names case-insensitive, in any order; others are ignored):

=========  ========  =====================================================================
column     needed    value
=========  ========  =====================================================================
date       yes       ``YYYY-MM-DD``, or ``YYYY-MM-DD HH:MM[:SS]`` / ``YYYY-MM-DDTHH:MM``, with
                     an optional UTC offset (``Z``, ``+01:00``, ``-0500``)
time       no        ``HH:MM`` (24-hour); taken from ``date`` when it holds a time
channel    yes*      a channel id of the case's procedure (``email``, ``phone`` ...)
to         yes*      the person id or team the contact was made to
direction  no        ``in`` (default) or ``out``
summary    yes       one line: what the contact was about
topic      no        the matter it concerns
minutes    no        length of a call, whole minutes
=========  ========  =====================================================================

(*) or given once for the whole file with ``--channel`` / ``--to``.

Times without an offset are the council's local time. A time with an offset (phone systems
export UTC: ``2027-06-10T09:30:00Z``) is converted to the council's zone (``timezone`` in
policy/settings.yaml), date included: ``2027-06-10T23:30:00Z`` is 00:30 on 11 June in
Europe/London in summer. An offset on a date without a time is refused (its local date is
unknown).

Rows are sorted by date and time before they are appended (exports are often newest first).
A row identical to a contact already in the case (same date, time, channel, to and summary) is
skipped, so importing the same export twice does not log anything twice.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, timezone
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from pydantic import TypeAdapter, ValidationError

from casebook.errors import UsageError
from casebook.model import Case
from casebook.model.case import ContactLogged
from casebook.records import entries

COLUMNS = ("date", "time", "channel", "to", "direction", "summary", "topic", "minutes")
REQUIRED = ("date", "summary")
_STAMP = re.compile(
    r"^([0-9]{4}-[0-9]{2}-[0-9]{2})(?:[T ]([0-9]{2}:[0-9]{2})(?::[0-9]{2}(?:\.[0-9]+)?)?)?"
    r"(Z|z|[+-][0-9]{2}:?[0-9]{2})?$"
)
_MINUTES = re.compile(r"^[0-9]{1,9}$")  # ASCII digits ("²".isdigit() is true; int() refuses it)
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


def read_rows(
    path: Path,
    channel: str | None = None,
    to: str | None = None,
    zone: ZoneInfo | None = None,
) -> list[Row]:
    """Every row as a contact entry; UsageError naming the file and line of the first bad one.

    ``zone`` is the council's time zone (default Europe/London): times with a UTC offset are
    converted to it.
    """
    zone = zone or ZoneInfo("Europe/London")
    name = path.name
    try:
        # Read no more than the limit can hold (4 bytes a character): `--csv /dev/zero` or a
        # years-long export is refused below instead of filling the memory first.
        with path.open("rb") as fh:
            data = fh.read(4 * MAX_BYTES + 1)
        text = data.decode("utf-8-sig")
    except OSError as exc:
        raise UsageError(f"--csv: cannot read {path}: {exc.strerror or exc}") from None
    except UnicodeDecodeError as exc:
        raise UsageError(
            f"{name}: not UTF-8 (byte 0x{exc.object[exc.start]:02x}); export it as CSV UTF-8"
        ) from None
    if len(text) > MAX_BYTES or len(data) > 4 * MAX_BYTES:
        raise UsageError(
            f"{name}: {len(text.encode('utf-8')):,} bytes; an import takes at most "
            f"{MAX_BYTES:,} bytes ({MAX_ROWS:,} rows). Split the export by month"
        )
    # strict: an unterminated quote is an error at its line, not the rest of the file
    # swallowed into one cell.
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header = next(reader)
    except StopIteration:
        raise UsageError(f"{name}: the file is empty; it needs a header row") from None
    except csv.Error as exc:
        raise UsageError(f"{name} line 1: {exc}") from None
    cols = [h.strip().lower() for h in header]
    twice = sorted({c for c in cols if c in COLUMNS and cols.count(c) > 1})
    if twice:
        raise UsageError(
            f"{name} line 1: column(s) {', '.join(twice)} named more than once; which one "
            "holds the value cannot be told. Keep one of each"
        )
    need = [c for c in REQUIRED if c not in cols]
    need += [c for c, given in (("channel", channel), ("to", to)) if c not in cols and not given]
    if need:
        raise UsageError(
            f"{name} line 1: missing column(s) {', '.join(need)}; the header must name "
            f"{', '.join(COLUMNS)} (see `casebook log contacts --help`)"
        )
    rows: list[Row] = []
    line = reader.line_num + 1
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
        rows.append(Row(start, _event(name, start, cells, channel, to, zone)))
    if not rows:
        raise UsageError(f"{name}: no rows after the header")
    return rows


def _event(
    name: str,
    line: int,
    cells: dict[str, str],
    channel: str | None,
    to: str | None,
    zone: ZoneInfo,
) -> dict[str, Any]:
    where = f"{name} line {line}"
    m = _STAMP.match(cells.get("date", ""))
    if not m:
        raise UsageError(
            f"{where}: date {_short(cells.get('date', ''))} is not YYYY-MM-DD (or YYYY-MM-DD HH:MM)"
        )
    try:
        on = date.fromisoformat(m.group(1))
    except ValueError:
        raise UsageError(f"{where}: {m.group(1)!r} is not a real date") from None
    at = cells.get("time") or m.group(2)
    if m.group(3):
        on, at = _local(where, on, at, m.group(3), zone)
    minutes = cells.get("minutes") or None
    if minutes is not None and not _MINUTES.match(minutes):
        raise UsageError(f"{where}: minutes {_short(minutes)} is not a whole number")
    event = entries.contact(
        on=on,
        time=at,
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


def _local(where: str, on: date, at: str | None, offset: str, zone: ZoneInfo) -> tuple[date, str]:
    """The council's local date and HH:MM of a time written with a UTC offset.

    UsageError when there is no time (an offset on a bare date says nothing) or the time is not
    HH:MM. The zone's rules (ZoneInfo) decide summer time, so the days the clocks change are
    right: 00:30Z on 29 March 2026 is 00:30 GMT, 01:30Z is 02:30 BST.
    """
    if at is None:
        raise UsageError(f"{where}: a UTC offset ({offset}) needs a time; write YYYY-MM-DDTHH:MMZ")
    try:
        clock = time.fromisoformat(at)
    except ValueError:
        raise UsageError(f"{where}: time {_short(at)} is not HH:MM") from None
    sign = offset[0]
    digits = offset[1:].replace(":", "")
    if offset in ("Z", "z"):
        tz = UTC
    else:
        hours, mins = int(digits[:2]), int(digits[2:])
        if hours > 23 or mins > 59:
            raise UsageError(f"{where}: {offset!r} is not a UTC offset")
        delta = timedelta(hours=hours, minutes=mins)
        tz = timezone(-delta if sign == "-" else delta)
    moment = datetime.combine(on, clock.replace(second=0, microsecond=0), tzinfo=tz)
    try:
        local = moment.astimezone(zone)
    except OverflowError:  # 0001-01-01 or 9999-12-31 moved across midnight
        raise UsageError(f"{where}: {on} is outside the dates casebook accepts") from None
    return local.date(), local.strftime("%H:%M")


def _short(value: str) -> str:
    """A cell as shown in a message: quoted, and cut at 40 characters."""
    return repr(value if len(value) <= 40 else value[:40] + "...")


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
