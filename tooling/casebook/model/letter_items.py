"""The vocabulary of mandatory letter contents a procedure can require.

A procedure's ``letters.<id>.required`` lists items from here, each with a ``source`` quoting the
sentence that makes it mandatory. What fills each item from a case is in ``letters.py``.
"""

from __future__ import annotations

LETTER_ITEMS: dict[str, str] = {
    "behaviour-of-concern": "the behaviour that has caused concern (from the referral)",
    "why-unacceptable": "why the conduct is considered unacceptable (the decision's reasons)",
    "service-impact": "evidence of the impact the conduct has on service delivery",
    "expectations": "what the council expects of future contact and behaviour",
    "final-position": "the council's final position on the issues the person raises",
    "actions": "what action is being taken: the restrictions or special measures in force",
    "duration": "how long the action lasts (end of the period, or when it will be reviewed)",
    "monitoring-period": "the period for which contact will be monitored",
    "spoc": "name and contact details of the single point of contact",
    "contact-arrangements": "who the person may contact, how and when",
    "possible-outcomes": "the possible outcome, including sanctions, if behaviour does not change",
    "sanction": "the sanction the council has decided to apply",
    "review-outcome": "the outcome of the review of the person's conduct",
    "thanks": "thanks for co-operation and confirmation that contact is no longer monitored",
    "policy-copy": "a copy of the procedure (enclosed)",
    "how-to-challenge": "how the person can challenge the decision",
    "ombudsman": "how to contact the ombudsman (the procedure's challenge.ombudsman)",
    "statutory-rights": "that statutory rights to services and information are unaffected",
    "how-to-access-services": "how to request council services while the arrangements apply",
    "councillor-arrangements": "how the person can still contact their councillor",
}
