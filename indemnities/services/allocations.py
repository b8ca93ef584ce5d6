"""The principal's split of an establishment's IMP envelope among the year's referents.

The total may never exceed the envelope, even when the principal and the deputy save at the
same moment: the establishment row is locked (SELECT … FOR UPDATE) before the current
allocations are read, so concurrent saves run one after the other and the second one checks its
total against what the first one saved.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.models import Membership
from audit.services import audit_record
from establishments.models import Establishment, SchoolYear
from indemnities.envelopes import envelopes_for, rule_set_for
from indemnities.models import Allocation
from indemnities.selectors_allocations import allocations_of, referents_of
from indemnities.selectors_amounts import ZERO, amount_rules
from rupn.formatting import format_euros, format_number
from tenancy.scope import Scope


class AllocationList(list[Allocation]):
    """The establishment's allocations after saving, with the warnings to show the user
    (e.g. more referents than the recommended maximum)."""

    def __init__(self, allocations: Iterable[Allocation], warnings: Iterable[str] = ()) -> None:
        super().__init__(allocations)
        self.warnings: list[str] = list(warnings)


def _name(membership: Membership) -> str:
    user = membership.user
    return user.full_name or user.email


def _as_amount(value: object) -> Decimal | None:
    try:
        amount = value if isinstance(value, Decimal) else Decimal(str(value))
    except (InvalidOperation, ValueError, TypeError):
        return None
    if not amount.is_finite():
        return None
    return amount


@transaction.atomic
def allocation_set(
    *,
    establishment: Establishment,
    school_year: SchoolYear,
    amounts: Mapping[Membership, Decimal],
    actor: Scope,
) -> AllocationList:
    """Set the amounts of the year's referents (0 withdraws an allocation); referents not in
    `amounts` keep theirs. All or nothing: any error raises a French ValidationError listing
    every problem, and nothing is saved. Each change is recorded in the audit log."""
    # Lock first: a concurrent save of the same establishment waits here until we commit.
    locked = (
        Establishment.objects.select_for_update()
        .select_related("academie")
        .get(pk=establishment.pk)
    )
    academie = locked.academie
    year = school_year.label
    rule_set = rule_set_for(academie.pk, school_year)
    envelope = envelopes_for(
        academie_id=academie.pk, school_year=school_year, establishments=[locked], rule_set=rule_set
    )[locked.pk]
    if rule_set is None:
        raise ValidationError(
            f"Aucune règle IMP n’est définie pour l’année {year} : "
            "l’enveloppe ne peut pas encore être répartie."
        )
    if envelope.amount is None:
        raise ValidationError(
            f"L’enveloppe de {locked.name} pour {year} n’est pas disponible. {envelope.problem}"
        )
    rules = amount_rules(rule_set)

    # Read under the lock: what a concurrent save committed just before is included.
    current = {
        a.referent_id: a
        for a in allocations_of(locked, school_year).prefetch_related("certifications")
    }
    errors: list[str] = []
    referent_ids = set(referents_of(locked, school_year).values_list("pk", flat=True))
    wanted: dict[int, Decimal] = {}
    memberships: dict[int, Membership] = {}
    for membership, raw in amounts.items():
        name = _name(membership)
        amount = _as_amount(raw)
        # A referent whose role ended may still be given 0, to free their share.
        if membership.pk not in referent_ids and not (amount == 0 and membership.pk in current):
            errors.append(f"{name} n’est pas référent(e) de {locked.name} pour l’année {year}.")
            continue
        if amount is None or amount < 0:
            errors.append(f"Le montant saisi pour {name} n’est pas un montant valide.")
            continue
        if amount != 0:
            if amount < rules.minimum:
                errors.append(
                    f"Le montant de {name} ({format_euros(amount)}) est inférieur au minimum "
                    f"d’une IMP, {format_euros(rules.minimum)}."
                )
            elif amount % rules.step != 0:
                errors.append(
                    f"Le montant de {name} ({format_euros(amount)}) doit être un multiple du "
                    f"quart du taux de base, {format_euros(rules.step)}."
                )
            elif amount > rules.maximum:
                errors.append(
                    f"Le montant de {name} ({format_euros(amount)}) dépasse le maximum d’une "
                    f"IMP, {format_euros(rules.maximum)}."
                )
        wanted[membership.pk] = amount
        memberships[membership.pk] = membership

    for referent_id, amount in wanted.items():
        allocation = current.get(referent_id)
        if (
            allocation is not None
            and allocation.amount != amount
            and allocation.certifications.all()
        ):
            errors.append(
                f"Le service fait de {_name(memberships[referent_id])} est déjà certifié : "
                "son montant ne peut plus être modifié."
            )

    # A signed letter states the amount: it changes only once the letter is withdrawn. The row
    # may be a withdrawn one (a letter signed for no IMP), hence the read of every row.
    frozen = set(
        Allocation.objects.filter(
            establishment=locked, school_year=school_year, letter_signed_at__isnull=False
        ).values_list("referent_id", flat=True)
    )
    for referent_id, amount in wanted.items():
        allocation = current.get(referent_id)
        before = allocation.amount if allocation is not None else ZERO
        if referent_id in frozen and amount != before:
            errors.append(
                f"La lettre de mission de {_name(memberships[referent_id])} est signée : son "
                f"montant ({format_euros(before)}) ne change plus. Retirez la lettre pour le "
                "modifier."
            )

    after = {referent_id: a.amount for referent_id, a in current.items()}
    after.update(wanted)
    total = sum(after.values(), ZERO)
    if total > envelope.amount:
        errors.append(
            f"Le total attribué ({format_euros(total)}) dépasse l’enveloppe de l’établissement "
            f"({format_euros(envelope.amount)}) de {format_euros(total - envelope.amount)}."
        )

    warnings: list[str] = []
    paid = sum(1 for amount in after.values() if amount > 0)
    if paid > rules.max_referents:
        text = (
            f"{paid} référents reçoivent une IMP, au-delà du maximum de "
            f"{format_number(Decimal(rules.max_referents), places=None)} fixé par l’académie."
        )
        if rules.max_referents_forbidden:
            errors.append(text)
        else:
            warnings.append(text + " L’attribution est enregistrée.")

    if errors:
        raise ValidationError(errors)

    # Withdrawn allocations too: setting an amount again reinstates the same row.
    existing = {
        a.referent_id: a
        for a in Allocation.objects.filter(establishment=locked, school_year=school_year)
    }
    for referent_id, amount in wanted.items():
        allocation = existing.get(referent_id)
        before = allocation.amount if allocation and allocation.withdrawn_at is None else ZERO
        if amount == before:
            continue
        name = _name(memberships[referent_id])
        if amount == 0:
            assert allocation is not None
            allocation.withdrawn_at = timezone.now()
            allocation.updated_by_id = actor.user_id
            allocation.save(update_fields=["withdrawn_at", "updated_by", "updated_at"])
            verb = "allocation.withdraw"
            summary = f"a retiré l’IMP de {format_euros(before)} attribuée à {name}"
        else:
            if allocation is None:
                allocation = Allocation(
                    academie=academie,
                    establishment=locked,
                    school_year=school_year,
                    referent_id=referent_id,
                )
            allocation.amount = amount
            allocation.withdrawn_at = None
            allocation.updated_by_id = actor.user_id
            allocation.save()
            verb = "allocation.set"
            summary = (
                f"a attribué une IMP de {format_euros(amount)} à {name}"
                if before == 0
                else f"a porté l’IMP attribuée à {name} de {format_euros(before)} "
                f"à {format_euros(amount)}"
            )
        audit_record(
            actor=actor,
            verb=verb,
            target=allocation,
            establishment_id=locked.pk,
            school_year_id=school_year.pk,
            summary=f"{summary} ({locked.name}, {year})",
            before={"amount": str(before)},
            after={"amount": str(amount)},
        )
    return AllocationList(allocations_of(locked, school_year), warnings)
