"""casebook: run a council's unacceptable-behaviour procedures from YAML case records in git.

Besides the version, the one range of dates every layer accepts lives here, in a module that
imports nothing: ``casebook.model`` re-exports it, and the command line reads it without
building every model. Every date the engine adds periods to is bounded, so that no sum
overflows (``date.max`` is 9999-12-31) and a mistyped year (2206, 9999) is a finding, not an
internal error; the same bounds apply to ``--as-of`` and the other date options.
"""

from datetime import date

__version__ = "0.1.0"

EARLIEST = date(1900, 1, 1)
LATEST = date(2200, 12, 31)
