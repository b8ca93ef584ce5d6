"""Isolation outside the URL walk: choice fields naming another académie's objects, the admin."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.urls import reverse

from accounts.models import Role
from establishments.models import Departement, SchoolYear
from tests.conftest import client_acting_as
from tests.factories import make_establishment
from tests.isolation.url_registry import Ctx

FILTER_ERROR = "Les filtres saisis ne sont pas valides"


@pytest.mark.django_db
@pytest.mark.parametrize("role", list(Role))
def test_list_filter_refuses_a_departement_of_the_other_academie(ctx: Ctx, role: Role) -> None:
    bordeaux_departement = ctx.b.establishment.departement
    response = client_acting_as(ctx.a.members[role.value]).get(
        reverse("establishments:list"), {"departement": bordeaux_departement.pk}
    )
    body = response.content.decode()
    assert response.status_code in (200, 400)
    if 'name="departement"' in body:
        assert FILTER_ERROR in body, "le département de Bordeaux a été accepté comme filtre"
    # A role seeing a single establishment has no département filter: the parameter is ignored.
    # Refused as not among the choices: neither offered in the list nor used to filter.
    for departement in Departement.objects.filter(academie=ctx.b.academie):
        assert departement.name not in body
    for establishment in (ctx.b.establishment, ctx.b.other_establishment):
        assert establishment.name not in body
        assert establishment.uai not in body
    assert "Bordeaux" not in body


@pytest.mark.django_db
def test_list_filter_refuses_a_departement_outside_the_coordinators_scope(ctx: Ctx) -> None:
    # The coordinator follows the first département only; the last one is the académie's too.
    outside = ctx.a.other_establishment.departement
    # A second establishment of their département gives them a choice, and so the filters.
    make_establishment(
        academie=ctx.a.academie,
        departement=ctx.a.establishment.departement,
        name="Collège Voisin",
    )
    response = client_acting_as(ctx.a.coordinator).get(
        reverse("establishments:list"), {"departement": outside.pk}
    )
    body = response.content.decode()
    assert FILTER_ERROR in body
    assert ctx.a.other_establishment.name not in body


@pytest.mark.django_db
def test_list_filter_offers_only_the_own_academie_departements(ctx: Ctx) -> None:
    body = client_acting_as(ctx.a.dane_admin).get(reverse("establishments:list")).content.decode()
    for departement in ctx.a.academie.departements.all():
        assert f'value="{departement.pk}"' in body
    for departement in ctx.b.academie.departements.all():
        assert departement.name not in body


# Filter and export forms whose choice field names an object: (URL name, role, query giving
# a choice of the OTHER académie). Each must be refused, never used to show the other's data.
FOREIGN_CHOICES: list[tuple[str, Role, Callable[[Ctx], dict[str, Any]]]] = [
    (
        "establishments:list",
        Role.DANE_ADMIN,
        lambda ctx: {"departement": ctx.b.establishment.departement_id},
    ),
    (
        "indemnities:envelopes",
        Role.DANE_ADMIN,
        lambda ctx: {"departement": ctx.b.establishment.departement_id},
    ),
    (
        "indemnities:export",
        Role.DANE_ADMIN,
        lambda ctx: {
            "annee": SchoolYear.objects.current().start_year,
            "departement": ctx.b.establishment.departement.code,
            "format": "csv",
        },
    ),
    (
        "indemnities:export",
        Role.DANE_COORDINATOR,
        # The coordinator's own académie, but a département outside their scope.
        lambda ctx: {
            "annee": SchoolYear.objects.current().start_year,
            "departement": ctx.a.other_establishment.departement.code,
            "format": "csv",
        },
    ),
]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("name", "role", "query"),
    FOREIGN_CHOICES,
    ids=[f"{name}-{role.value}" for name, role, _ in FOREIGN_CHOICES],
)
def test_choice_fields_refuse_objects_outside_the_scope(
    ctx: Ctx, name: str, role: Role, query: Callable[[Ctx], dict[str, Any]]
) -> None:
    from tests.isolation.url_registry import a_allocation

    a_allocation(ctx)  # IMP rows in both académies, so that a leaking answer would show some
    params = query(ctx)
    response = client_acting_as(ctx.a.members[role.value]).get(reverse(name), params)
    assert response.status_code in (200, 400)
    assert response["Content-Type"].startswith("text/html"), "un fichier a été produit"
    body = response.content.decode()
    assert 'role="alert"' in body, "le choix hors périmètre n’a pas été signalé comme une erreur"
    outside = [ctx.b.establishment, ctx.b.other_establishment]
    if role != Role.DANE_ADMIN:
        outside.append(ctx.a.other_establishment)
    for establishment in outside:
        assert establishment.name not in body
        assert establishment.uai not in body


@pytest.mark.django_db
@pytest.mark.parametrize("role", list(Role))
def test_admin_refuses_academie_members(ctx: Ctx, role: Role) -> None:
    """The Django admin is for platform staff: a member of an académie is sent to its login."""
    membership = ctx.a.members[role.value]
    assert not membership.user.is_staff
    client = client_acting_as(membership)
    response = client.get("/admin/")
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))
    changelist = client.get(reverse("admin:account_emailaddress_changelist"))
    assert changelist.status_code == 302
    assert changelist["Location"].startswith(reverse("admin:login"))
