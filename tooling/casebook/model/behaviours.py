"""The taxonomy of conduct a referral names: ``policy/behaviours.yaml``."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from casebook.model.common import Slug, Source, Strict, Text


class Citation(Strict):
    procedure: Slug
    source: Source


class Behaviour(Strict):
    id: Slug
    label: Text
    kind: Literal["unacceptable", "unreasonably-persistent", "other"]
    cited_in: list[Citation] = Field(min_length=1)


class Taxonomy(Strict):
    behaviours: list[Behaviour] = Field(min_length=1)
