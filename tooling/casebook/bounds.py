"""The dates casebook accepts anywhere, in a module that imports nothing (``casebook.model``
re-exports them; the command line reads them here without building every model).

Every date the engine adds periods to is bounded, so that no sum overflows (date.max is
9999-12-31) and a mistyped year (2206, 9999) is a finding, not an internal error. The same
bounds apply at the command line (--as-of and other date options).
"""

from __future__ import annotations

from datetime import date

EARLIEST = date(1900, 1, 1)
LATEST = date(2200, 12, 31)
