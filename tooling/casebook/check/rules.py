"""Rules over one case. Each rule has an id and yields findings; none raises for bad data.

A rule is a function ``(ctx: CaseContext) -> Iterable[Finding]``. Findings carry ``loc`` (the
path inside the case file); the checker fills in file and line. To add a rule, write a function
in a module here and add it to ``CASE_RULES``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date
from typing import TYPE_CHECKING

from casebook.check.appeal_rules import appeal_hearers, appeal_records, appeal_replies
from casebook.check.context import CaseContext
from casebook.check.letter_rules import letter_content, letter_delivery
from casebook.check.procedure_rules import (
    approvals,
    councillor_arrangement,
    event_order,
    exclusions,
    expected_prior,
    future_events,
    guards,
    letters_recorded,
    notifications_recorded,
    referral_by,
    restrictions_allowed,
    spoc_holders,
    transitions,
    triggered,
    waivers,
)
from casebook.check.references import references
from casebook.check.template_rules import letterhead_template
from casebook.check.time_rules import (
    breaches,
    log_reviews,
    obligations_due,
    purged_ids,
    recommenced,
    retention_stated,
    reviews_valid,
)
from casebook.model.findings import Finding

if TYPE_CHECKING:
    from casebook.store.cases import Casebook

Rule = Callable[[CaseContext], Iterable[Finding]]

CASE_RULES: list[Rule] = [
    references,
    referral_by,
    event_order,
    future_events,
    transitions,
    approvals,
    expected_prior,
    guards,
    exclusions,
    restrictions_allowed,
    spoc_holders,
    councillor_arrangement,
    letters_recorded,
    waivers,
    triggered,
    letter_delivery,
    notifications_recorded,
    appeal_records,
    appeal_hearers,
    appeal_replies,
    obligations_due,
    reviews_valid,
    breaches,
    recommenced,
    letter_content,
]

# Rules over the whole casebook (ledgers, purged ids, procedure-wide obligations).
BookRule = Callable[["Casebook", date], list[Finding]]
BOOK_RULES: list[BookRule] = [purged_ids, log_reviews, retention_stated, letterhead_template]

__all__ = ["BOOK_RULES", "CASE_RULES", "BookRule", "CaseContext", "Rule"]
