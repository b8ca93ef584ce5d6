"""Reads for establishment pages: search, filters, the pupil count of a year."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db.models import OuterRef, Q, QuerySet, Subquery
from django.http import Http404

from establishments.access import establishments_visible_to
from establishments.models import Establishment, PupilCount, PupilCountImport, SchoolYear
from tenancy.scope import Scope

if TYPE_CHECKING:
    pass


@dataclass(frozen=True)
class EstablishmentFilters:
    query: str = ""
    departement_id: int | None = None
    type: str = ""
    sector: str = ""


def establishments_search(
    *, scope: Scope | None, filters: EstablishmentFilters, school_year: SchoolYear
) -> QuerySet[Establishment]:
    """Visible establishments matching `filters`, each annotated with `pupils` for the year."""
    establishments = establishments_visible_to(scope).select_related("departement")
    if filters.query:
        establishments = establishments.filter(
            Q(name__icontains=filters.query)
            | Q(uai__iexact=filters.query.strip())
            | Q(commune__icontains=filters.query)
        )
    if filters.departement_id:
        establishments = establishments.filter(departement_id=filters.departement_id)
    if filters.type:
        establishments = establishments.filter(type=filters.type)
    if filters.sector:
        establishments = establishments.filter(sector=filters.sector)
    pupils = PupilCount.objects.filter(
        establishment=OuterRef("pk"), school_year=school_year
    ).values("pupils")[:1]
    return establishments.annotate(pupils=Subquery(pupils)).order_by("name", "uai")


# The pupil counts import belongs to the DANE admin of the académie only.


def pupil_count_imports_visible_to(scope: Scope | None) -> QuerySet[PupilCountImport]:
    if scope is None or not scope.whole_academie or not (scope.is_dane_admin or scope.is_platform):
        return PupilCountImport.objects.none()
    return PupilCountImport.objects.filter(academie_id=scope.academie_id)


def get_pupil_count_import_for(scope: Scope | None, pk: int | str) -> PupilCountImport:
    """The import `pk` of the scope's académie; 404 alike when missing or another académie's."""
    try:
        return (
            pupil_count_imports_visible_to(scope)
            .select_related("school_year", "academie", "created_by", "applied_by")
            .defer("content")
            .get(pk=pk)
        )
    except (PupilCountImport.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404("Import d’effectifs introuvable.") from exc
