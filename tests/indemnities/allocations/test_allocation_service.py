"""allocation_set: quarter steps, minimum, envelope, referents and the max-referents rule."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from accounts.scopes import scope_for
from audit.models import AuditEvent
from establishments.models import PupilCount, SchoolYear
from indemnities.models import Allocation, EnvelopeOverride, ReferentLimitPolicy
from indemnities.services.allocations import allocation_set
from indemnities.services.certifications import service_certify
from tests.factories import make_establishment

from .conftest import ImpWorld, add_referent, make_rules

D = Decimal


def amounts_saved(imp: ImpWorld) -> dict[int, Decimal]:
    return dict(
        Allocation.objects.current()
        .filter(establishment=imp.establishment)
        .values_list("referent_id", "amount")
    )


def allocate(imp: ImpWorld, amounts: dict, **kwargs):
    return allocation_set(
        establishment=imp.establishment,
        school_year=SchoolYear.objects.current(),
        amounts=amounts,
        actor=scope_for(imp.world.principal),
        **kwargs,
    )


def test_split_in_quarter_steps(imp: tuple[ImpWorld, ImpWorld]) -> None:
    poitiers, _ = imp
    first, second, _third = poitiers.referents
    result = allocate(poitiers, {first: D("1562.50"), second: D("937.50")})
    assert result.warnings == []
    assert amounts_saved(poitiers) == {first.pk: D("1562.50"), second.pk: D("937.50")}
    assert {a.updated_by_id for a in result} == {poitiers.world.principal.user_id}
    assert all(a.academie_id == poitiers.world.academie.pk for a in result)


@pytest.mark.parametrize(
    ("amount", "message"),
    [
        (D("100.00"), "inférieur au minimum d’une IMP, 312,50\u00a0€"),
        (D("312.49"), "inférieur au minimum"),
        (D("500.00"), "multiple du quart du taux de base, 312,50\u00a0€"),
        (D("1250.01"), "multiple du quart"),
        (D("4062.50"), "dépasse le maximum d’une IMP, 3\u202f750,00\u00a0€"),
        (D("-312.50"), "n’est pas un montant valide"),
        ("abc", "n’est pas un montant valide"),
        (D("NaN"), "n’est pas un montant valide"),
    ],
)
def test_amounts_off_the_quarter_grid_are_refused(
    imp: tuple[ImpWorld, ImpWorld], amount: object, message: str
) -> None:
    poitiers, _ = imp
    with pytest.raises(ValidationError) as error:
        allocate(poitiers, {poitiers.world.rupn: amount})
    assert message in " ".join(error.value.messages)
    assert amounts_saved(poitiers) == {}


def test_minimum_quarter_is_accepted(imp: tuple[ImpWorld, ImpWorld]) -> None:
    poitiers, _ = imp
    allocate(poitiers, {poitiers.world.rupn: D("312.50")})
    assert amounts_saved(poitiers) == {poitiers.world.rupn.pk: D("312.50")}


def test_over_the_envelope_is_refused_and_nothing_is_saved(
    imp: tuple[ImpWorld, ImpWorld],
) -> None:
    poitiers, _ = imp
    first, second, third = poitiers.referents
    allocate(poitiers, {first: D("1250.00")})
    with pytest.raises(ValidationError) as error:
        # The first two fit; the third takes the total to 2 812,50 € > 2 500 €.
        allocate(poitiers, {first: D("625.00"), second: D("1250.00"), third: D("937.50")})
    assert error.value.messages == [
        "Le total attribué (2\u202f812,50\u00a0€) dépasse l’enveloppe de l’établissement "
        "(2\u202f500,00\u00a0€) de 312,50\u00a0€."
    ]
    assert amounts_saved(poitiers) == {first.pk: D("1250.00")}


def test_whole_envelope_may_be_allocated(imp: tuple[ImpWorld, ImpWorld]) -> None:
    poitiers, _ = imp
    first, second, _ = poitiers.referents
    allocate(poitiers, {first: D("1250.00"), second: D("1250.00")})
    assert sum(amounts_saved(poitiers).values()) == D("2500.00")


def test_existing_allocations_count_against_the_envelope(imp: tuple[ImpWorld, ImpWorld]) -> None:
    poitiers, _ = imp
    first, second, _ = poitiers.referents
    allocate(poitiers, {first: D("2500.00")})
    with pytest.raises(ValidationError):
        allocate(poitiers, {second: D("312.50")})
    allocate(poitiers, {first: D("0"), second: D("312.50")})
    assert amounts_saved(poitiers) == {second.pk: D("312.50")}


def test_zero_removes_an_allocation(imp: tuple[ImpWorld, ImpWorld]) -> None:
    poitiers, _ = imp
    first, second, _ = poitiers.referents
    allocate(poitiers, {first: D("625.00"), second: D("625.00")})
    allocate(poitiers, {first: D("0.00"), second: D("625.00")})
    assert amounts_saved(poitiers) == {second.pk: D("625.00")}
    # Withdrawn, not deleted: the row and its history stay, and an amount reinstates it.
    withdrawn = Allocation.objects.get(referent=first)
    assert withdrawn.withdrawn_at is not None and withdrawn.amount == D("625.00")
    verbs = list(
        AuditEvent.objects.filter(target_id=withdrawn.pk, target_type="indemnities.allocation")
        .order_by("created_at", "pk")
        .values_list("verb", flat=True)
    )
    assert verbs == ["allocation.set", "allocation.withdraw"]
    allocate(poitiers, {first: D("312.50")})
    assert Allocation.objects.get(referent=first).pk == withdrawn.pk
    assert amounts_saved(poitiers)[first.pk] == D("312.50")


def test_override_is_the_envelope_in_force(imp: tuple[ImpWorld, ImpWorld]) -> None:
    poitiers, _ = imp
    EnvelopeOverride.objects.create(
        academie=poitiers.world.academie,
        establishment=poitiers.establishment,
        school_year=SchoolYear.objects.current(),
        amount=D("3750.00"),
        justification="Cité scolaire",
    )
    allocate(poitiers, {poitiers.world.rupn: D("3750.00")})
    assert amounts_saved(poitiers) == {poitiers.world.rupn.pk: D("3750.00")}


def test_max_referents_warning_saves_with_a_message(imp: tuple[ImpWorld, ImpWorld]) -> None:
    poitiers, _ = imp
    fourth = add_referent(poitiers.establishment, "fourth@test.fr", last_name="Quatre")
    amounts = {m: D("312.50") for m in [*poitiers.referents, fourth]}
    result = allocate(poitiers, amounts)
    assert result.warnings == [
        "4 référents reçoivent une IMP, au-delà du maximum de 3 fixé par l’académie. "
        "L’attribution est enregistrée."
    ]
    assert len(amounts_saved(poitiers)) == 4


def test_max_referents_forbidden_refuses(imp: tuple[ImpWorld, ImpWorld]) -> None:
    poitiers, _ = imp
    rules = poitiers.rules
    rules.max_referents = 2
    rules.max_referents_policy = ReferentLimitPolicy.FORBIDDEN
    rules.save()
    with pytest.raises(ValidationError) as error:
        allocate(poitiers, {m: D("312.50") for m in poitiers.referents})
    assert "3 référents reçoivent une IMP, au-delà du maximum de 2" in error.value.messages[0]
    assert amounts_saved(poitiers) == {}
    # Two is fine, and giving 0 to the third does not count as a referent paid.
    allocate(poitiers, dict(zip(poitiers.referents, ["625", "625", "0"], strict=True)))
    assert len(amounts_saved(poitiers)) == 2


def test_referent_of_another_establishment_or_academie_is_refused(
    imp: tuple[ImpWorld, ImpWorld],
) -> None:
    poitiers, bordeaux = imp
    elsewhere = add_referent(poitiers.world.other_establishment, "ailleurs@test.fr")
    for intruder in (elsewhere, bordeaux.world.rupn, poitiers.world.principal):
        with pytest.raises(ValidationError) as error:
            allocate(poitiers, {intruder: D("312.50")})
        assert "n’est pas référent(e) de Collège Jean Moulin (Poitiers)" in error.value.messages[0]
    assert Allocation.objects.count() == 0


def test_referent_of_another_year_is_refused(imp: tuple[ImpWorld, ImpWorld]) -> None:
    poitiers, _ = imp
    previous, _ = SchoolYear.objects.get_or_create(
        start_year=SchoolYear.objects.current().start_year - 1
    )
    last_year = add_referent(poitiers.establishment, "old@test.fr", school_year=previous)
    with pytest.raises(ValidationError):
        allocate(poitiers, {last_year: D("312.50")})


def test_revoked_referent_is_refused_but_can_be_set_back_to_zero(
    imp: tuple[ImpWorld, ImpWorld],
) -> None:
    poitiers, _ = imp
    first = poitiers.world.rupn
    allocate(poitiers, {first: D("625.00")})
    first.revoked_at = timezone.now()
    first.save()
    with pytest.raises(ValidationError):
        allocate(poitiers, {first: D("312.50")})
    allocate(poitiers, {first: D("0")})
    assert amounts_saved(poitiers) == {}


def test_missing_pupil_count_is_a_french_error(imp: tuple[ImpWorld, ImpWorld]) -> None:
    poitiers, _ = imp
    PupilCount.objects.filter(establishment=poitiers.establishment).delete()
    with pytest.raises(ValidationError) as error:
        allocate(poitiers, {poitiers.world.rupn: D("312.50")})
    assert error.value.messages == [
        "L’enveloppe de Collège Jean Moulin (Poitiers) pour "
        f"{SchoolYear.objects.current().label} n’est pas disponible. "
        "Effectif manquant pour l’année : enveloppe non calculable."
    ]


def test_no_rules_for_the_year_is_a_french_error(imp: tuple[ImpWorld, ImpWorld]) -> None:
    poitiers, _ = imp
    next_year, _ = SchoolYear.objects.get_or_create(
        start_year=SchoolYear.objects.current().start_year + 1
    )
    with pytest.raises(ValidationError) as error:
        allocation_set(
            establishment=poitiers.establishment,
            school_year=next_year,
            amounts={},
            actor=scope_for(poitiers.world.principal),
        )
    assert "Aucune règle IMP n’est définie pour l’année" in error.value.messages[0]


def test_certified_amount_cannot_change(imp: tuple[ImpWorld, ImpWorld]) -> None:
    poitiers, _ = imp
    first = poitiers.world.rupn
    [allocation] = allocate(poitiers, {first: D("1250.00")})
    service_certify(
        allocation=allocation,
        status="full",
        months_done=None,
        comment="",
        actor=scope_for(poitiers.world.dane_admin),
    )
    for amount in (D("625.00"), D("0")):
        with pytest.raises(ValidationError) as error:
            allocate(poitiers, {first: amount})
        assert "déjà certifié" in error.value.messages[0]
    # Saving the same amount again (the page sends every referent) is fine.
    allocate(poitiers, {first: D("1250.00"), poitiers.second: D("312.50")})


def test_rules_of_bordeaux_give_another_envelope(imp: tuple[ImpWorld, ImpWorld]) -> None:
    _, bordeaux = imp
    with pytest.raises(ValidationError):  # collège of 300 pupils: 1 IMP in Bordeaux
        allocate(bordeaux, {bordeaux.world.rupn: D("1562.50")})
    allocate(bordeaux, {bordeaux.world.rupn: D("1250.00")})


def test_base_rate_of_the_year_sets_the_step(imp: tuple[ImpWorld, ImpWorld]) -> None:
    poitiers, _ = imp
    next_year, _ = SchoolYear.objects.get_or_create(
        start_year=SchoolYear.objects.current().start_year + 1
    )
    make_rules(poitiers.world.academie, school_year=next_year, base_rate=D("1000.00"))
    college = make_establishment(
        academie=poitiers.world.academie, pupils=150, school_year=next_year
    )
    referent = add_referent(college, "next@test.fr", school_year=next_year)
    with pytest.raises(ValidationError):
        allocation_set(
            establishment=college,
            school_year=next_year,
            amounts={referent: D("312.50")},
            actor=scope_for(poitiers.world.principal),
        )
    allocation_set(
        establishment=college,
        school_year=next_year,
        amounts={referent: D("750.00")},
        actor=scope_for(poitiers.world.principal),
    )
