"""Pydantic models of every file a casebook holds."""

from casebook.model.behaviours import Behaviour, Taxonomy
from casebook.model.case import Case, Decision, Event
from casebook.model.people import People, Person
from casebook.model.procedure import ACTIVE_KINDS, ENDED_KINDS, Procedure, State, Transition
from casebook.model.restrictions import RESTRICTION_TYPES, Restriction

__all__ = [
    "ACTIVE_KINDS",
    "ENDED_KINDS",
    "RESTRICTION_TYPES",
    "Behaviour",
    "Case",
    "Decision",
    "Event",
    "People",
    "Person",
    "Procedure",
    "Restriction",
    "State",
    "Taxonomy",
    "Transition",
]
