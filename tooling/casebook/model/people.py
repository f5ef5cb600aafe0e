"""The council's people and roles: ``policy/people.yaml``.

Roles are what procedures name ("manager", "monitoring-officer"); people hold roles. Approvals
on pull requests are matched to people by their GitHub login. Fictional people only in the demo.
"""

from __future__ import annotations

from pydantic import EmailStr, Field

from casebook.model.common import Slug, Strict, Text


class Role(Strict):
    label: Text
    description: Text | None = None


class Person(Strict):
    id: Slug
    name: Text
    roles: list[Slug] = Field(default_factory=list)
    email: EmailStr | None = None
    phone: Text | None = None  # a work number letters give when this person is a contact
    # A postal address for letters to reach this person, one line per item, when it is not the
    # council's address (policy/letterhead/letterhead.yaml): an area office, a depot.
    address: list[Text] = Field(default_factory=list)
    github: Text | None = None
    # Other e-mail addresses this person's git commits may carry (besides ``email``): a commit
    # GitHub cannot match to an account is matched to a person by its git e-mail.
    git_emails: list[EmailStr] = Field(default_factory=list)
    service: Text | None = None
    # Further services this person heads or works for (a Head of Environmental Services who
    # also heads Highways): a rule asking for someone "for the department affected" accepts
    # them for cases of any of these services too.
    other_services: list[Text] = Field(default_factory=list)
    job_title: Text | None = None
    # The person id of this person's line manager, where a procedure needs it (001: "Staff
    # members should always refer behaviours ... to their line manager"; a capacity with
    # ``by_line_manager``).
    line_manager: Slug | None = None


class MailingList(Strict):
    label: Text
    email: EmailStr


class People(Strict):
    roles: dict[Slug, Role] = Field(min_length=1)
    people: list[Person] = Field(min_length=1)
    mailing_lists: dict[Slug, MailingList] = Field(default_factory=dict)

    def by_id(self) -> dict[str, Person]:
        return {p.id: p for p in self.people}

    def holders(self, role: str) -> list[Person]:
        return [p for p in self.people if role in p.roles]
