"""Allocation, service-fait and budget pages: behaviour, isolation, query counts."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.scopes import scope_for
from establishments.models import SchoolYear
from indemnities.models import Allocation, ServiceCertification
from indemnities.services.allocations import allocation_set
from indemnities.services.certifications import service_certify
from tests.conftest import client_acting_as
from tests.factories import make_establishment

from .conftest import ImpWorld, add_referent

D = Decimal


def year() -> SchoolYear:
    return SchoolYear.objects.current()


def edit_url(imp: ImpWorld, establishment=None) -> str:  # type: ignore[no-untyped-def]
    establishment = establishment or imp.establishment
    return reverse(
        "indemnities:allocation_edit",
        kwargs={"establishment_pk": establishment.pk, "start_year": year().start_year},
    )


def cert_url(imp: ImpWorld, establishment=None) -> str:  # type: ignore[no-untyped-def]
    establishment = establishment or imp.establishment
    return reverse(
        "indemnities:certifications",
        kwargs={"establishment_pk": establishment.pk, "start_year": year().start_year},
    )


def state() -> tuple:
    return (
        sorted(Allocation.objects.values_list("pk", "referent_id", "amount")),
        sorted(ServiceCertification.objects.values_list("pk", "status", "amount")),
    )


def allocate(imp: ImpWorld, amounts: dict) -> list[Allocation]:
    return allocation_set(
        establishment=imp.establishment,
        school_year=year(),
        amounts=amounts,
        actor=scope_for(imp.world.principal),
    )


# --- Allocation pages ----------------------------------------------------------------------


def test_list_shows_envelope_allocated_remaining(imp: tuple[ImpWorld, ImpWorld]) -> None:
    poitiers, _ = imp
    allocate(poitiers, {poitiers.world.rupn: D("1250.00")})
    response = client_acting_as(poitiers.world.principal).get(reverse("indemnities:allocations"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Collège Jean Moulin (Poitiers)" in html
    assert "Lycée Victor Hugo" not in html  # not the principal's establishment
    assert html.count("2\u202f500,00\u00a0€") == 1
    assert html.count("1\u202f250,00\u00a0€") == 2  # allocated and remaining
    assert edit_url(poitiers) in html


def test_edit_page_shows_a_select_of_allowed_amounts(imp: tuple[ImpWorld, ImpWorld]) -> None:
    poitiers, _ = imp
    response = client_acting_as(poitiers.world.deputy).get(edit_url(poitiers))
    assert response.status_code == 200
    html = response.content.decode()
    field = f"montant_{poitiers.world.rupn.pk}"
    assert f'name="{field}"' in html
    assert f'<label for="id_{field}" class="fr-label">' in html
    for value in ("0.00", "312.50", "937.50", "2500.00"):
        assert f'value="{value}"' in html
    assert 'value="2812.50"' not in html  # above the envelope


def test_principal_splits_the_envelope(imp: tuple[ImpWorld, ImpWorld]) -> None:
    poitiers, _ = imp
    first, second, third = poitiers.referents
    client = client_acting_as(poitiers.world.principal)
    response = client.post(
        edit_url(poitiers),
        {
            f"montant_{first.pk}": "1250.00",
            f"montant_{second.pk}": "1250.00",
            f"montant_{third.pk}": "0.00",
        },
        follow=True,
    )
    assert response.status_code == 200
    assert "La répartition de l’enveloppe est enregistrée." in response.content.decode()
    assert dict(Allocation.objects.values_list("referent_id", "amount")) == {
        first.pk: D("1250.00"),
        second.pk: D("1250.00"),
    }


def test_over_the_envelope_shows_a_french_error_and_saves_nothing(
    imp: tuple[ImpWorld, ImpWorld],
) -> None:
    poitiers, _ = imp
    first, second, third = poitiers.referents
    allocate(poitiers, {first: D("625.00")})
    before = state()
    response = client_acting_as(poitiers.world.principal).post(
        edit_url(poitiers),
        {
            f"montant_{first.pk}": "1250.00",
            f"montant_{second.pk}": "1250.00",
            f"montant_{third.pk}": "312.50",
        },
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert 'role="alert"' in html
    assert "dépasse l’enveloppe de l’établissement" in html
    assert state() == before


@pytest.mark.parametrize("value", ["500.00", "99999", "abc", ""])
def test_value_outside_the_select_is_refused(imp: tuple[ImpWorld, ImpWorld], value: str) -> None:
    poitiers, _ = imp
    response = client_acting_as(poitiers.world.principal).post(
        edit_url(poitiers), {f"montant_{poitiers.world.rupn.pk}": value}
    )
    assert response.status_code == 400
    assert 'role="alert"' in response.content.decode()
    assert Allocation.objects.count() == 0


def test_warning_is_shown_when_above_the_recommended_maximum(
    imp: tuple[ImpWorld, ImpWorld],
) -> None:
    poitiers, _ = imp
    fourth = add_referent(poitiers.establishment, "fourth@test.fr", last_name="Quatre")
    data = {f"montant_{m.pk}": "312.50" for m in [*poitiers.referents, fourth]}
    response = client_acting_as(poitiers.world.principal).post(
        edit_url(poitiers), data, follow=True
    )
    html = response.content.decode()
    assert "au-delà du maximum de 3 fixé par l’académie" in html
    assert Allocation.objects.count() == 4


def test_missing_pupil_count_is_flagged_and_post_refused(imp: tuple[ImpWorld, ImpWorld]) -> None:
    poitiers, _ = imp
    school = make_establishment(academie=poitiers.world.academie, pupils=None)
    poitiers.world.principal.establishments.add(school)
    referent = add_referent(school, "sans-effectif@test.fr")
    client = client_acting_as(poitiers.world.principal)
    html = client.get(edit_url(poitiers, school)).content.decode()
    assert "Effectif manquant pour l’année" in html
    response = client.post(edit_url(poitiers, school), {f"montant_{referent.pk}": "312.50"})
    assert response.status_code == 400
    assert Allocation.objects.count() == 0


# --- Service fait pages --------------------------------------------------------------------


def test_principal_sees_status_but_cannot_certify_without_letter(
    imp: tuple[ImpWorld, ImpWorld],
) -> None:
    poitiers, _ = imp
    [allocation] = allocate(poitiers, {poitiers.world.rupn: D("1250.00")})
    client = client_acting_as(poitiers.world.principal)
    html = client.get(cert_url(poitiers)).content.decode()
    assert "La certification sera possible après l’émission de la lettre de mission" in html
    assert "Non certifié" in html
    response = client.post(
        cert_url(poitiers), {"allocation": allocation.pk, f"a{allocation.pk}-status": "full"}
    )
    assert response.status_code == 403
    assert ServiceCertification.objects.count() == 0


def test_dane_admin_certifies_and_corrects_with_history(imp: tuple[ImpWorld, ImpWorld]) -> None:
    poitiers, _ = imp
    [allocation] = allocate(poitiers, {poitiers.world.rupn: D("1250.00")})
    client = client_acting_as(poitiers.world.dane_admin)
    prefix = f"a{allocation.pk}"
    # Partial without months nor comment: refused with French messages.
    response = client.post(
        cert_url(poitiers), {"allocation": allocation.pk, f"{prefix}-status": "partial"}
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "Indiquez le nombre de mois effectués" in html
    assert "Un commentaire est obligatoire" in html
    assert ServiceCertification.objects.count() == 0

    response = client.post(
        cert_url(poitiers),
        {
            "allocation": allocation.pk,
            f"{prefix}-status": "partial",
            f"{prefix}-months_done": "4",
            f"{prefix}-comment": "Départ en janvier",
        },
        follow=True,
    )
    html = response.content.decode()
    assert "Le service fait est certifié." in html
    assert "555,56\u00a0€" in html
    response = client.post(
        cert_url(poitiers),
        {"allocation": allocation.pk, f"{prefix}-status": "full"},
        follow=True,
    )
    html = response.content.decode()
    assert "La correction est enregistrée." in html
    assert "correction DANE" in html
    assert [c.status for c in allocation.certifications.all()] == ["full", "partial"]
    assert allocation.certifications.all()[0].is_correction


def test_coordinator_sees_but_cannot_certify(imp: tuple[ImpWorld, ImpWorld]) -> None:
    poitiers, _ = imp
    [allocation] = allocate(poitiers, {poitiers.world.rupn: D("1250.00")})
    client = client_acting_as(poitiers.world.coordinator)
    assert client.get(cert_url(poitiers)).status_code == 200
    response = client.post(
        cert_url(poitiers),
        {"allocation": allocation.pk, f"a{allocation.pk}-status": "full"},
    )
    assert response.status_code == 403
    assert ServiceCertification.objects.count() == 0


def test_allocation_of_another_establishment_is_404(imp: tuple[ImpWorld, ImpWorld]) -> None:
    poitiers, _ = imp
    referent = add_referent(poitiers.world.other_establishment, "hugo@test.fr")
    [other] = allocation_set(
        establishment=poitiers.world.other_establishment,
        school_year=year(),
        amounts={referent: D("1250.00")},
        actor=scope_for(poitiers.world.dane_admin),
    )
    client = client_acting_as(poitiers.world.dane_admin)
    for pk in (other.pk, "abc", "", 999999):
        response = client.post(cert_url(poitiers), {"allocation": pk, f"a{pk}-status": "full"})
        assert response.status_code == 404
    assert ServiceCertification.objects.count() == 0


# --- Isolation: other académie → 404, wrong role → 403, nothing changes ---------------------


def _isolation_setup(imp: tuple[ImpWorld, ImpWorld]) -> tuple[ImpWorld, ImpWorld, Allocation]:
    poitiers, bordeaux = imp
    [allocation] = allocate(poitiers, {poitiers.world.rupn: D("1250.00")})
    return poitiers, bordeaux, allocation


@pytest.mark.parametrize("method", ["get", "post"])
@pytest.mark.parametrize("role", ["principal", "deputy", "dane_admin", "dane_coordinator", "rupn"])
def test_other_academie_gets_404_or_403(
    imp: tuple[ImpWorld, ImpWorld], method: str, role: str
) -> None:
    poitiers, bordeaux, allocation = _isolation_setup(imp)
    client = client_acting_as(bordeaux.world.members[role])
    before = state()
    edit_expected = 404 if role in ("principal", "deputy") else 403
    cert_expected = 403 if role == "rupn" else 404
    data_edit = {f"montant_{poitiers.world.rupn.pk}": "2500.00"}
    data_cert = {"allocation": allocation.pk, f"a{allocation.pk}-status": "none"}
    response = getattr(client, method)(edit_url(poitiers), data_edit)
    assert response.status_code == edit_expected
    response = getattr(client, method)(cert_url(poitiers), data_cert)
    assert response.status_code == cert_expected
    assert state() == before


@pytest.mark.parametrize("role", ["dane_admin", "dane_coordinator", "rupn"])
def test_allocation_pages_refuse_other_roles(imp: tuple[ImpWorld, ImpWorld], role: str) -> None:
    poitiers, _, _ = _isolation_setup(imp)
    client = client_acting_as(poitiers.world.members[role])
    before = state()
    assert client.get(reverse("indemnities:allocations")).status_code == 403
    assert client.get(edit_url(poitiers)).status_code == 403
    assert (
        client.post(edit_url(poitiers), {f"montant_{poitiers.world.rupn.pk}": "0"}).status_code
        == 403
    )
    assert state() == before


@pytest.mark.parametrize("role", ["principal", "deputy", "rupn"])
def test_budget_refuses_establishment_roles(imp: tuple[ImpWorld, ImpWorld], role: str) -> None:
    poitiers, _ = imp
    response = client_acting_as(poitiers.world.members[role]).get(reverse("indemnities:budget"))
    assert response.status_code == 403


def test_principal_of_another_establishment_gets_404(imp: tuple[ImpWorld, ImpWorld]) -> None:
    poitiers, _, allocation = _isolation_setup(imp)
    client = client_acting_as(poitiers.world.principal)
    before = state()
    other = poitiers.world.other_establishment
    assert client.get(edit_url(poitiers, other)).status_code == 404
    assert client.get(cert_url(poitiers, other)).status_code == 404
    coordinator = client_acting_as(poitiers.world.coordinator)  # départements 16 only
    assert coordinator.get(cert_url(poitiers, other)).status_code == 404
    assert state() == before


def test_unknown_school_year_is_404(imp: tuple[ImpWorld, ImpWorld]) -> None:
    poitiers, _ = imp
    client = client_acting_as(poitiers.world.principal)
    url = reverse(
        "indemnities:allocation_edit",
        kwargs={"establishment_pk": poitiers.establishment.pk, "start_year": 1990},
    )
    assert client.get(url).status_code == 404


def test_visitor_is_sent_to_login(imp: tuple[ImpWorld, ImpWorld]) -> None:
    from django.test import Client

    poitiers, _ = imp
    for url in (
        reverse("indemnities:allocations"),
        edit_url(poitiers),
        cert_url(poitiers),
        reverse("indemnities:export"),
        reverse("indemnities:budget"),
    ):
        response = Client().get(url)
        assert response.status_code == 302
        assert "/comptes/login/" in response["Location"]


# --- Budget --------------------------------------------------------------------------------


def test_budget_totals(imp: tuple[ImpWorld, ImpWorld]) -> None:
    poitiers, bordeaux = imp
    [allocation] = allocate(poitiers, {poitiers.world.rupn: D("1250.00")})
    service_certify(
        allocation=allocation,
        status="partial",
        months_done=4,
        comment="Départ",
        actor=scope_for(poitiers.world.dane_admin),
    )
    make_establishment(academie=poitiers.world.academie, pupils=None, name="Collège Sans Effectif")
    allocation_set(
        establishment=bordeaux.establishment,
        school_year=year(),
        amounts={bordeaux.world.rupn: D("1250.00")},
        actor=scope_for(bordeaux.world.principal),
    )
    response = client_acting_as(poitiers.world.dane_admin).get(reverse("indemnities:budget"))
    assert response.status_code == 200
    budget = response.context["budget"]
    # Collège 300 pupils (2 500 €) + lycée 800 pupils (3 750 €); the third has no pupil count.
    assert budget.total.envelope == D("6250.00")
    assert budget.total.allocated == D("1250.00")
    assert budget.total.certified == D("555.56")
    assert budget.total.establishments == 3 and budget.total.without_envelope == 1
    assert [line.label for line in budget.by_departement] == ["16 – Charente", "86 – Vienne"]
    assert [line.label for line in budget.by_type] == [
        "Collège",
        "Lycée général et technologique",
    ]
    assert [b.establishment.name for b in budget.not_fully_allocated] == [
        "Collège Jean Moulin (Poitiers)",
        "Lycée Victor Hugo (Poitiers)",
    ]
    assert [b.establishment.name for b in budget.without_envelope] == ["Collège Sans Effectif"]
    html = response.content.decode()
    assert "(Bordeaux)" not in html
    assert "Effectif manquant pour l’année" in html


def test_coordinator_budget_is_limited_to_their_departements(
    imp: tuple[ImpWorld, ImpWorld],
) -> None:
    poitiers, _ = imp
    response = client_acting_as(poitiers.world.coordinator).get(reverse("indemnities:budget"))
    budget = response.context["budget"]
    assert budget.total.establishments == 1
    assert budget.total.envelope == D("2500.00")


def _fill(imp: ImpWorld, count: int, start: int = 0) -> None:
    academie = imp.world.academie
    deps = list(academie.departements.all())
    for index in range(start, start + count):
        school = make_establishment(
            academie=academie,
            departement=deps[index % len(deps)],
            pupils=None if index % 7 == 0 else 150 + index * 10,
        )
        if index % 7 == 0:
            continue
        referents = [add_referent(school, f"r{index}-{n}@q.test") for n in range(2)]
        [first, *_] = allocation_set(
            establishment=school,
            school_year=year(),
            amounts={referents[0]: D("625.00"), referents[1]: D("312.50")},
            actor=scope_for(imp.world.dane_admin),
        )
        if index % 3 == 0:
            service_certify(
                allocation=first,
                status="full",
                months_done=None,
                comment="",
                actor=scope_for(imp.world.dane_admin),
            )


def _budget_queries(imp: ImpWorld) -> tuple[int, int]:
    client = client_acting_as(imp.world.dane_admin)
    client.get(reverse("indemnities:budget"))  # warm the session and the current year
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("indemnities:budget"))
    assert response.status_code == 200
    return len(queries), response.context["budget"].total.establishments


def test_budget_query_count_is_constant(imp: tuple[ImpWorld, ImpWorld]) -> None:
    poitiers, _ = imp
    _fill(poitiers, 5)
    small, small_count = _budget_queries(poitiers)
    _fill(poitiers, 35, start=5)
    large, large_count = _budget_queries(poitiers)
    assert (small_count, large_count) == (7, 42)
    assert small == large


def test_allocation_list_query_count_is_constant(imp: tuple[ImpWorld, ImpWorld]) -> None:
    poitiers, _ = imp
    principal = poitiers.world.principal

    def count() -> int:
        client = client_acting_as(principal)
        client.get(reverse("indemnities:allocations"))
        with CaptureQueriesContext(connection) as queries:
            client.get(reverse("indemnities:allocations"))
        return len(queries)

    before = count()
    for _ in range(5):
        principal.establishments.add(make_establishment(academie=poitiers.world.academie))
    assert count() == before


def test_allocation_list_totals_sit_in_the_table_footer(imp) -> None:  # type: ignore[no-untyped-def]
    from tests.factories import make_establishment

    poitiers, _ = imp
    principal = poitiers.world.principal
    second = make_establishment(academie=poitiers.world.academie, name="Collège Second")
    principal.establishments.add(second)
    body = client_acting_as(principal).get("/indemnites/attributions/").content.decode()
    footer = body.split("<tfoot>", 1)[1].split("</tfoot>", 1)[0]
    assert "Total" in footer
    assert "5\u202f000,00\u00a0€" in footer  # two collèges of 300 pupils: 2 500 € each
