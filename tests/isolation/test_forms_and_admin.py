"""Isolation outside the URL walk: choice fields naming another académie's objects, the admin."""

from __future__ import annotations

import pytest
from django.urls import reverse

from accounts.models import Role
from establishments.models import Departement
from tests.conftest import client_acting_as
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
    assert FILTER_ERROR in body, "le département de Bordeaux a été accepté comme filtre"
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
