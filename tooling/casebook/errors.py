"""The exceptions casebook raises. Only the CLI turns them into messages and exit codes.

Rules never raise for bad records: they return findings (see ``findings.py``). Exceptions are
for conditions that stop a command as a whole.
"""

from __future__ import annotations


class CasebookError(Exception):
    """Base class for every error casebook raises on purpose."""

    exit_code = 1


class UsageError(CasebookError):
    """The command was called wrongly (bad option value, unknown case id)."""

    exit_code = 2


class ConfigError(CasebookError):
    """The casebook itself is misconfigured: no root, or invalid policy files."""

    exit_code = 2


class RecordError(CasebookError):
    """A record would be invalid after the requested change; nothing was written."""

    exit_code = 1


class GitHubError(CasebookError):
    """GitHub refused or failed a request in a way the user must act on."""

    exit_code = 1

    def __init__(
        self,
        message: str,
        status: int | None = None,
        maybe_applied: bool = False,
        codes: tuple[str, ...] = (),
    ) -> None:
        super().__init__(message)
        self.status = status  # the HTTP status, when GitHub answered
        # True when a request that is not safe to repeat (a POST that creates something) failed
        # in a way that does not say whether GitHub carried it out: a 5xx, a timeout, a dropped
        # connection. The caller must look before it creates again.
        self.maybe_applied = maybe_applied
        # The ``code`` of each entry in a 422's ``errors`` list (e.g. "already_exists").
        self.codes = codes


class LetterContentError(CasebookError):
    """A letter cannot be written: the case lacks content the procedure makes mandatory."""

    exit_code = 1


class NotifyError(CasebookError):
    """A notification could not be built or delivered (no recipients, SMTP refused it)."""

    exit_code = 1


class SiteError(CasebookError):
    """The site could not be built; the previous site, if any, is left as it was."""

    exit_code = 1
