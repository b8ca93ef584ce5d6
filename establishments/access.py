"""Reads of establishments scoped to the role a person acts in.

An object outside that scope, in another académie or not existing at all, gets the same 404.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import QuerySet
from django.http import Http404

from establishments.models import Departement, Establishment, SchoolYear

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


def school_years_known() -> QuerySet[SchoolYear]:
    return SchoolYear.objects.all()
