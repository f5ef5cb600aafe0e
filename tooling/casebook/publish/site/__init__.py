"""The internal site: a Markdown tree per audience, built with Material for MkDocs or Zensical.

Privacy lives here, in the generator: the staff tree is made from handling cards only, and
every value from a record is escaped (``md``). Nothing depends on a plugin or theme setting.
"""

from casebook.publish.site.build import (
    AUDIENCES,
    BUILDERS,
    Audience,
    Builder,
    BuildOptions,
    BuildResult,
    build_site,
    generate,
)
from casebook.publish.site.inputs import (
    Breach,
    BreachPeriod,
    RegisterRow,
    RenderedLetter,
    SiteInputs,
)

__all__ = [
    "AUDIENCES",
    "BUILDERS",
    "Audience",
    "Breach",
    "BreachPeriod",
    "BuildOptions",
    "BuildResult",
    "Builder",
    "RegisterRow",
    "RenderedLetter",
    "SiteInputs",
    "build_site",
    "generate",
]
