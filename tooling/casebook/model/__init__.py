"""Pydantic models of every file a casebook holds.

The names below are loaded when first used (PEP 562 ``__getattr__``), not when the package
is: ``casebook.model.findings`` is a plain dataclass that every command imports (through
``store.safefile``), and importing it used to build all the pydantic models first, about
0.25 s of the 0.35 s a ``casebook check`` with nothing changed took at 1,000 cases (issue 14).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # what mypy and readers see; at run time, ``__getattr__`` below
    from casebook.model.behaviours import Behaviour, Taxonomy
    from casebook.model.case import Case, Decision, Event
    from casebook.model.people import People, Person
    from casebook.model.procedure import ACTIVE_KINDS, ENDED_KINDS, Procedure, State, Transition
    from casebook.model.restrictions import RESTRICTION_TYPES, Restriction

# Each name, and the module of this package that defines it.
_WHERE = {
    "Behaviour": "behaviours",
    "Taxonomy": "behaviours",
    "Case": "case",
    "Decision": "case",
    "Event": "case",
    "People": "people",
    "Person": "people",
    "ACTIVE_KINDS": "procedure",
    "ENDED_KINDS": "procedure",
    "Procedure": "procedure",
    "State": "procedure",
    "Transition": "procedure",
    "RESTRICTION_TYPES": "restrictions",
    "Restriction": "restrictions",
}

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


def __getattr__(name: str) -> object:
    """The model named ``name``, imported from its module on first use; AttributeError else."""
    where = _WHERE.get(name)
    if where is None:
        raise AttributeError(f"module 'casebook.model' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"casebook.model.{where}"), name)
    globals()[name] = value  # found directly next time
    return value
