"""service_certify: pro rata in ninths, comments, the letter gate and DANE corrections."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from accounts.scopes import scope_for
from establishments.models import SchoolYear
from indemnities.models import Allocation, ServiceCertification
from indemnities.services.allocations import allocation_set
from indemnities.services.certifications import certification_amount, service_certify
from indemnities.services.letters import allocation_cover_by_letter
from tests.factories import platform_of

from .conftest import ImpWorld

D = Decimal


@pytest.fixture
def allocation(imp: tuple[ImpWorld, ImpWorld]) -> Allocation:
    poitiers, _ = imp
    [allocation] = allocation_set(
        establishment=poitiers.establishment,
        school_year=SchoolYear.objects.current(),
        amounts={poitiers.world.rupn: D("1250.00")},
        actor=scope_for(poitiers.world.principal),
    )
    return allocation


@pytest.mark.parametrize(
    ("amount", "status", "months", "due"),
    [
        (D("1250.00"), "full", 9, D("1250.00")),
        (D("1250.00"), "partial", 4, D("555.56")),
        (D("1250.00"), "partial", 1, D("138.89")),
        (D("1250.00"), "partial", 8, D("1111.11")),
        (D("312.50"), "partial", 5, D("173.61")),
        (D("625.00"), "partial", 4, D("277.78")),
        (D("3750.00"), "partial", 3, D("1250.00")),
        (D("1250.00"), "none", 0, D("0.00")),
    ],
)
def test_amount_due_in_ninths(amount: Decimal, status: str, months: int, due: Decimal) -> None:
    assert certification_amount(allocation_amount=amount, status=status, months_done=months) == due


def test_dane_admin_certifies_partial_service(
    imp: tuple[ImpWorld, ImpWorld], allocation: Allocation
) -> None:
    poitiers, _ = imp
    certification = service_certify(
        allocation=allocation,
        status="partial",
        months_done=4,
        comment="Arrêt maladie à partir de février.",
        actor=scope_for(poitiers.world.dane_admin),
    )
    assert certification.amount == D("555.56")
    assert certification.months_done == 4
    assert certification.certified_by == poitiers.world.dane_admin.user
    assert certification.academie == poitiers.world.academie
    assert not certification.is_correction


def test_full_and_none_set_the_months(
    imp: tuple[ImpWorld, ImpWorld], allocation: Allocation
) -> None:
    poitiers, _ = imp
    full = service_certify(
        allocation=allocation,
        status="full",
        months_done=3,  # ignored: a full service is nine months
        comment="",
        actor=scope_for(poitiers.world.dane_admin),
    )
    assert (full.months_done, full.amount) == (9, D("1250.00"))
    none = service_certify(
        allocation=allocation,
        status="none",
        months_done=None,
        comment="Mission non assurée.",
        actor=scope_for(poitiers.world.dane_admin),
    )
    assert (none.months_done, none.amount, none.is_correction) == (0, D("0.00"), True)


@pytest.mark.parametrize(
    ("status", "months", "comment", "message"),
    [
        ("partial", None, "Départ en cours d’année", "nombre de mois effectués, de 1 à 8"),
        ("partial", 9, "Départ", "de 1 à 8"),
        ("partial", 0, "Départ", "de 1 à 8"),
        ("partial", 4, "  ", "Un commentaire est obligatoire"),
        ("none", None, "", "Un commentaire est obligatoire"),
        ("maybe", None, "x", "Choisissez si le service a été fait"),
    ],
)
def test_invalid_certifications_are_refused(
    imp: tuple[ImpWorld, ImpWorld],
    allocation: Allocation,
    status: str,
    months: int | None,
    comment: str,
    message: str,
) -> None:
    poitiers, _ = imp
    with pytest.raises(ValidationError) as error:
        service_certify(
            allocation=allocation,
            status=status,
            months_done=months,
            comment=comment,
            actor=scope_for(poitiers.world.dane_admin),
        )
    assert message in " ".join(error.value.messages)
    assert ServiceCertification.objects.count() == 0


def test_principal_cannot_certify_without_issued_letter(
    imp: tuple[ImpWorld, ImpWorld], allocation: Allocation
) -> None:
    poitiers, _ = imp
    assert allocation.letter_issued_at is None
    for member in (poitiers.world.principal, poitiers.world.deputy):
        with pytest.raises(ValidationError) as error:
            service_certify(
                allocation=allocation,
                status="full",
                months_done=None,
                comment="",
                actor=scope_for(member),
            )
        assert error.value.messages == [
            "La certification sera possible après l’émission de la lettre de mission."
        ]
    assert ServiceCertification.objects.count() == 0


def test_principal_certifies_once_when_the_letter_is_issued(
    imp: tuple[ImpWorld, ImpWorld], allocation: Allocation
) -> None:
    poitiers, _ = imp
    allocation_cover_by_letter(
        allocation=allocation, letter_reference="LM-2026-TEST", actor=platform_of(allocation)
    )
    service_certify(
        allocation=allocation,
        status="full",
        months_done=None,
        comment="",
        actor=scope_for(poitiers.world.principal),
    )
    with pytest.raises(ValidationError) as error:
        service_certify(
            allocation=allocation,
            status="none",
            months_done=None,
            comment="Erreur",
            actor=scope_for(poitiers.world.deputy),
        )
    assert "seule la DANE peut le corriger" in error.value.messages[0]
    with pytest.raises(ValidationError):
        service_certify(
            allocation=allocation,
            status="none",
            months_done=None,
            comment="Erreur",
            actor=scope_for(poitiers.world.principal),
        )
    assert ServiceCertification.objects.count() == 1


@pytest.mark.parametrize("role", ["coordinator", "rupn"])
def test_other_roles_cannot_certify(
    imp: tuple[ImpWorld, ImpWorld], allocation: Allocation, role: str
) -> None:
    poitiers, _ = imp
    with pytest.raises(ValidationError) as error:
        service_certify(
            allocation=allocation,
            status="full",
            months_done=None,
            comment="",
            actor=scope_for(getattr(poitiers.world, role)),
        )
    assert error.value.messages == ["Vous ne pouvez pas certifier le service fait de ce référent."]


def test_other_academie_cannot_certify(
    imp: tuple[ImpWorld, ImpWorld], allocation: Allocation
) -> None:
    _, bordeaux = imp
    allocation_cover_by_letter(
        allocation=allocation, letter_reference="LM-2026-TEST", actor=platform_of(allocation)
    )
    for member in (bordeaux.world.dane_admin, bordeaux.world.principal):
        with pytest.raises(ValidationError):
            service_certify(
                allocation=allocation,
                status="full",
                months_done=None,
                comment="",
                actor=scope_for(member),
            )
    assert ServiceCertification.objects.count() == 0


def test_dane_correction_keeps_history(
    imp: tuple[ImpWorld, ImpWorld], allocation: Allocation
) -> None:
    poitiers, _ = imp
    admin = poitiers.world.dane_admin
    first = service_certify(
        allocation=allocation, status="full", months_done=None, comment="", actor=scope_for(admin)
    )
    assert not first.is_correction
    # The DANE certifying again an allocation already certified is a correction of it.
    correction = service_certify(
        allocation=allocation,
        status="partial",
        months_done=6,
        comment="Mission arrêtée fin mars.",
        actor=scope_for(admin),
    )
    history = list(allocation.certifications.all())
    assert history == [correction, first]
    assert correction.is_correction and correction.amount == D("833.33")
    first.refresh_from_db()
    assert (first.status, first.amount) == ("full", D("1250.00"))
