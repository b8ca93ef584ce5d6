"""What other apps show under each referent on the service-fait page.

Indemnities does not know those apps (dependencies point one way): an app registers, from its
`AppConfig.ready()`, a function `(scope, establishment, school_year, allocations)` returning,
for some allocation ids, a panel (a template and its context) that the page shows under the
referent, e.g. what the referent answered about the tasks of their letter in the year's bilan.
Each function must read its rows for all the allocations at once (a constant number of
queries) and show only what `scope` may read.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from establishments.models import Establishment, SchoolYear
from indemnities.models import Allocation
from tenancy.scope import Scope


@dataclass(frozen=True)
class CertificationPanel:
    template: str
    context: Mapping[str, Any] = field(default_factory=dict)


PanelSource = Callable[
    [Scope, Establishment, SchoolYear, Sequence[Allocation]], Mapping[int, CertificationPanel]
]
_SOURCES: list[PanelSource] = []


def register_certification_panel(source: PanelSource) -> PanelSource:
    if source not in _SOURCES:
        _SOURCES.append(source)
    return source


def certification_panels(
    scope: Scope,
    establishment: Establishment,
    school_year: SchoolYear,
    allocations: Sequence[Allocation],
) -> dict[int, list[CertificationPanel]]:
    """By allocation id, the panels of every registered app, in registration order."""
    panels: dict[int, list[CertificationPanel]] = {}
    for source in _SOURCES:
        for allocation_id, panel in source(scope, establishment, school_year, allocations).items():
            panels.setdefault(allocation_id, []).append(panel)
    return panels
