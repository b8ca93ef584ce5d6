"""Reads of allocations and certifications scoped to the role a person acts in.

Establishments come from `establishments_visible_to`: a principal or deputy sees their own
establishments, a coordinator their départements, a DANE admin the whole académie. Anything
outside that scope, in another académie or not existing at all, gets the same 404.
"""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404

from establishments.access import get_establishment_for
from establishments.models import Establishment, SchoolYear
from indemnities.models import Allocation
from tenancy.scope import Scope


def get_school_year(start_year: int | str | None) -> SchoolYear:
    """The school year starting in `start_year`; 404 for a year nobody created."""
    if start_year is None:
        raise Http404("Année scolaire introuvable.")
    try:
        return SchoolYear.objects.get(start_year=start_year)
    except (SchoolYear.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404("Année scolaire introuvable.") from exc


def get_establishment_and_year_for(
    scope: Scope | None, establishment_pk: int | str, start_year: int | str
) -> tuple[Establishment, SchoolYear]:
    return get_establishment_for(scope, establishment_pk), get_school_year(start_year)


def allocations_visible_to(scope: Scope | None) -> QuerySet[Allocation]:
    """Allocations of the scope's establishments; for a referent, only their own."""
    if scope is None:
        return Allocation.objects.none()
    return Allocation.objects.current().filter(
        scope.establishments_q("establishment") & scope.own_rows_q("referent__user_id")
    )


def get_allocation_for(scope: Scope | None, pk: int | str | None) -> Allocation:
    if pk is None:
        raise Http404("Attribution introuvable.")
    try:
        return (
            allocations_visible_to(scope)
            .select_related("establishment", "school_year", "referent__user", "academie")
            .get(pk=pk)
        )
    except (Allocation.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404("Attribution introuvable.") from exc
