"""Reads of establishments scoped to the role a person acts in.

An object outside that scope, in another académie or not existing at all, gets the same 404.
"""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404

from establishments.models import Departement, Establishment, EstablishmentImport
from tenancy.scope import Scope


def establishments_visible_to(scope: Scope | None) -> QuerySet[Establishment]:
    if scope is None:
        return Establishment.objects.none()
    return Establishment.objects.filter(scope.establishments_q())


def get_establishment_for(scope: Scope | None, pk: int | str) -> Establishment:
    try:
        establishment = establishments_visible_to(scope).select_related("departement").get(pk=pk)
    except (Establishment.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404("Établissement introuvable.") from exc
    return establishment


def departements_visible_to(scope: Scope | None) -> QuerySet[Departement]:
    if scope is None:
        return Departement.objects.none()
    return Departement.objects.filter(scope.departements_q()).distinct()


# The import pages belong to the DANE admin of the académie only.


def establishment_imports_visible_to(scope: Scope | None) -> QuerySet[EstablishmentImport]:
    if scope is None or not scope.whole_academie or not (scope.is_dane_admin or scope.is_platform):
        return EstablishmentImport.objects.none()
    return EstablishmentImport.objects.filter(academie_id=scope.academie_id)


def get_establishment_import_for(scope: Scope | None, pk: int | str) -> EstablishmentImport:
    """The import `pk` of the scope's académie; 404 alike when missing or another académie's."""
    try:
        return (
            establishment_imports_visible_to(scope)
            .select_related("school_year", "academie", "created_by", "applied_by")
            .defer("content")  # the file's text is read again by the services that need it
            .get(pk=pk)
        )
    except (EstablishmentImport.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404("Import introuvable.") from exc
