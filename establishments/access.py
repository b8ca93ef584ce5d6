"""Reads of establishments scoped to the role a person acts in.

An object outside that scope, in another académie or not existing at all, gets the same 404.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import QuerySet
from django.http import Http404

from establishments.models import Departement, Establishment, EstablishmentImport

if TYPE_CHECKING:
    from accounts.models import Membership


def establishments_visible_to(actor: Membership | None) -> QuerySet[Establishment]:
    from accounts.models import Role

    if actor is None or not actor.is_active:
        return Establishment.objects.none()
    establishments = Establishment.objects.filter(academie_id=actor.academie_id)
    if actor.role == Role.DANE_ADMIN:
        return establishments
    if actor.role == Role.DANE_COORDINATOR:
        return establishments.filter(departement__in=actor.departements.all())
    return establishments.filter(pk__in=actor.establishments.values("pk"))


def get_establishment_for(actor: Membership | None, pk: int | str) -> Establishment:
    try:
        establishment = establishments_visible_to(actor).select_related("departement").get(pk=pk)
    except (Establishment.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404("Établissement introuvable.") from exc
    return establishment


def departements_visible_to(actor: Membership | None) -> QuerySet[Departement]:
    from accounts.models import Role

    if actor is None or not actor.is_active:
        return Departement.objects.none()
    departements = Departement.objects.filter(academie_id=actor.academie_id)
    if actor.role == Role.DANE_COORDINATOR:
        return departements.filter(pk__in=actor.departements.values("pk"))
    if actor.role == Role.DANE_ADMIN:
        return departements
    return departements.filter(establishments__in=actor.establishments.all()).distinct()


# The import pages belong to the DANE admin of the académie only.


def establishment_imports_visible_to(actor: Membership | None) -> QuerySet[EstablishmentImport]:
    from accounts.models import Role

    if actor is None or not actor.is_active or actor.role != Role.DANE_ADMIN:
        return EstablishmentImport.objects.none()
    return EstablishmentImport.objects.filter(academie_id=actor.academie_id)


def get_establishment_import_for(actor: Membership | None, pk: int | str) -> EstablishmentImport:
    """The import `pk` of the actor's académie; 404 alike when missing or another académie's."""
    try:
        return (
            establishment_imports_visible_to(actor)
            .select_related("school_year", "academie", "created_by", "applied_by")
            .defer("content")  # the file's text is read again by the services that need it
            .get(pk=pk)
        )
    except (EstablishmentImport.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404("Import introuvable.") from exc
