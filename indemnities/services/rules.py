"""Writes on the IMP rules of an académie for a school year.

Rules are data per académie and year: creating, copying and editing a year's rules never touches
another year's rows, so earlier years' envelopes stay as they were. Every write is recorded in
the audit log (who, in which role, when, before/after).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from audit.services import audit_record
from establishments.models import Academie, SchoolYear
from indemnities.defaults import BandRow
from indemnities.models import (
    DEFAULT_BASE_RATE,
    DEFAULT_MULTIPLES,
    EnvelopeBand,
    ImpMultiple,
    ImpRuleSet,
    ReferentLimitPolicy,
)
from indemnities.rules_changes import rules_change_sentence, rules_snapshot
from indemnities.rules_validation import rules_validate
from indemnities.selectors_rules import previous_rule_set
from tenancy.scope import Scope


def _write_contents(
    rule_set: ImpRuleSet, *, multiples: Iterable[Decimal], bands: Sequence[BandRow]
) -> None:
    rule_set.multiples.all().delete()
    rule_set.bands.all().delete()
    ImpMultiple.objects.bulk_create(
        ImpMultiple(rule_set=rule_set, factor=factor) for factor in sorted(set(multiples))
    )
    EnvelopeBand.objects.bulk_create(
        EnvelopeBand(
            rule_set=rule_set, category=c, min_pupils=low, max_pupils=high, imp_units=units
        )
        for c, low, high, units in sorted(bands, key=lambda r: (r[0], r[1]))
    )


def _refuse_if_exists(academie: Academie, school_year: SchoolYear) -> None:
    if ImpRuleSet.objects.filter(academie=academie, school_year=school_year).exists():
        raise ValidationError(
            f"Les règles IMP de {school_year.label} existent déjà : modifiez-les plutôt."
        )


@transaction.atomic
def rule_set_create_from_table(
    *,
    academie: Academie,
    school_year: SchoolYear,
    bands: Sequence[BandRow],
    base_rate: Decimal = DEFAULT_BASE_RATE,
    multiples: Iterable[Decimal] = DEFAULT_MULTIPLES,
    actor: Scope,
    max_referents: int = 3,
    max_referents_policy: str = ReferentLimitPolicy.WARNING,
    description: str = "",
) -> ImpRuleSet:
    """A new year's rules from a table (the national default or an académie's seed)."""
    factors = list(multiples)
    rules_validate(
        base_rate=base_rate,
        multiples=factors,
        bands=bands,
        max_referents=max_referents,
        max_referents_policy=max_referents_policy,
    )
    _refuse_if_exists(academie, school_year)
    rule_set = ImpRuleSet.objects.create(
        academie=academie,
        school_year=school_year,
        base_rate=base_rate,
        max_referents=max_referents,
        max_referents_policy=max_referents_policy,
        updated_by_id=actor.user_id,
    )
    _write_contents(rule_set, multiples=factors, bands=bands)
    audit_record(
        actor=actor,
        verb="rules.create",
        target=rule_set,
        school_year_id=school_year.pk,
        summary=description or f"a créé les règles IMP de {school_year.label}",
        after=rules_snapshot(rule_set),
    )
    return rule_set


def rule_set_rows(rule_set: ImpRuleSet) -> list[BandRow]:
    return [
        (b.category, b.min_pupils, b.max_pupils, b.imp_units)
        for b in rule_set.bands.order_by("category", "min_pupils")
    ]


@transaction.atomic
def rule_set_copy_from_previous_year(
    *, academie: Academie, school_year: SchoolYear, actor: Scope
) -> ImpRuleSet:
    """This year's rules as a copy of the latest earlier year's (a new set of rows: editing the
    copy never changes the original)."""
    _refuse_if_exists(academie, school_year)
    source = previous_rule_set(academie_id=academie.pk, school_year=school_year)
    if source is None:
        raise ValidationError(
            f"Aucune année antérieure à {school_year.label} n’a de règles IMP à copier : "
            "partez des règles nationales par défaut."
        )
    return rule_set_create_from_table(
        academie=academie,
        school_year=school_year,
        bands=rule_set_rows(source),
        base_rate=source.base_rate,
        multiples=[m.factor for m in source.multiples.all()],
        actor=actor,
        max_referents=source.max_referents,
        max_referents_policy=source.max_referents_policy,
        description=f"a créé les règles IMP de {school_year.label} par copie de celles de "
        f"{source.school_year.label}",
    )


def _refuse_if_locked(rule_set: ImpRuleSet) -> None:
    if rule_set.is_locked:
        raise ValidationError(
            f"Les règles IMP de {rule_set.school_year.label} sont figées depuis l’émission des "
            "lettres de mission : elles ne peuvent plus être modifiées."
        )


@transaction.atomic
def rule_set_update(
    *,
    rule_set: ImpRuleSet,
    base_rate: Decimal,
    max_referents: int,
    max_referents_policy: str,
    multiples: Iterable[Decimal],
    bands: Sequence[BandRow],
    actor: Scope,
) -> ImpRuleSet:
    """Replace a year's rules, after checking them; refused once the year is locked."""
    # The row lock serialises two admins saving at once and sees a lock taken meanwhile.
    locked = (
        ImpRuleSet.objects.select_for_update().select_related("school_year").get(pk=rule_set.pk)
    )
    _refuse_if_locked(locked)
    factors = list(multiples)
    rules_validate(
        base_rate=base_rate,
        multiples=factors,
        bands=bands,
        max_referents=max_referents,
        max_referents_policy=max_referents_policy,
    )
    before = rules_snapshot(locked)
    locked.base_rate = base_rate
    locked.max_referents = max_referents
    locked.max_referents_policy = max_referents_policy
    locked.updated_by_id = actor.user_id
    locked.save()
    _write_contents(locked, multiples=factors, bands=bands)
    after = rules_snapshot(locked)
    if after == before:
        raise ValidationError("Aucune modification à enregistrer.")
    audit_record(
        actor=actor,
        verb="rules.update",
        target=locked,
        school_year_id=locked.school_year_id,
        summary=f"{rules_change_sentence(before, after)} ({locked.school_year.label})",
        before=before,
        after=after,
    )
    rule_set.refresh_from_db()
    return locked


@transaction.atomic
def rule_set_lock(*, rule_set: ImpRuleSet, actor: Scope) -> ImpRuleSet:
    """Freeze a year's rules once its mission letters are issued. Idempotent; there is no
    unlock in the application (a platform administrator can, in the Django admin)."""
    locked = (
        ImpRuleSet.objects.select_for_update().select_related("school_year").get(pk=rule_set.pk)
    )
    if locked.locked_at is None:
        locked.locked_at = timezone.now()
        locked.updated_by_id = actor.user_id
        locked.save(update_fields=["locked_at", "updated_by", "updated_at"])
        audit_record(
            actor=actor,
            verb="rules.lock",
            target=locked,
            school_year_id=locked.school_year_id,
            summary=f"a figé les règles IMP de {locked.school_year.label} : les lettres de "
            "mission de l’année sont émises",
        )
    rule_set.refresh_from_db()
    return locked
