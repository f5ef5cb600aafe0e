"""Pydantic models of every file a casebook holds."""

from .behaviours import Behaviour, Taxonomy
from .case import Case, Decision, Event
from .people import People, Person
from .procedure import ACTIVE_KINDS, ENDED_KINDS, Procedure, State, Transition
from .restrictions import RESTRICTION_TYPES, Restriction

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
