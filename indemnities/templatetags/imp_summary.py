"""The IMP block of a referent's home page.

A template tag, so that the home page (in `accounts`, below `indemnities`) shows it without
importing this app.
"""

from __future__ import annotations

from typing import Any

from django import template

from accounts.models import Membership, Role
from indemnities.models import Allocation

register = template.Library()


@register.inclusion_tag("indemnities/rupn_imp_summary.html")
def rupn_imp_summary(acting: Membership | None) -> dict[str, Any]:
    """The allocation and latest service-fait certification of the referent acting now."""
    if acting is None or acting.role != Role.RUPN:
        return {"shown": False}
    allocations = list(
        Allocation.objects.filter(
            referent=acting, school_year_id=acting.school_year_id, academie_id=acting.academie_id
        )
        .select_related("establishment", "school_year")
        .prefetch_related("certifications")
    )
    return {
        "shown": True,
        "school_year": acting.school_year,
        "lines": [
            {"allocation": a, "certification": next(iter(a.certifications.all()), None)}
            for a in allocations
        ],
    }
