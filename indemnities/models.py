"""IMP (indemnité pour mission particulière) rules, envelopes, allocations and service fait.

Rules are rows per académie and school year, never code: each year has its own rule set, so a
change for a new year leaves earlier years' figures as they were. Money is `Decimal` euros.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TypeVar

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from establishments.models import Academie, Establishment, EstablishmentCategory, SchoolYear
from tenancy.guard import TenantManager

DEFAULT_BASE_RATE = Decimal("1250.00")
DEFAULT_MULTIPLES = (Decimal("0.25"), Decimal("0.5"), Decimal("1"), Decimal("2"), Decimal("3"))
QUARTER = Decimal("0.25")


_T = TypeVar("_T", bound=models.Model)


class RuleSetPartManager(TenantManager[_T]):
    """Rows of a rule set (multiples, bands): their académie is the rule set's."""

    via = "rule_set__academie"


class ReferentLimitPolicy(models.TextChoices):
    WARNING = "warning", "Avertissement"
    FORBIDDEN = "forbidden", "Interdit"


class ImpRuleSet(models.Model):
    """The IMP rules of one académie for one school year."""

    academie = models.ForeignKey(
        Academie, verbose_name="académie", on_delete=models.CASCADE, related_name="imp_rule_sets"
    )
    school_year = models.ForeignKey(
        SchoolYear, verbose_name="année scolaire", on_delete=models.PROTECT, related_name="+"
    )
    base_rate = models.DecimalField(
        "taux de base annuel (€)",
        default=DEFAULT_BASE_RATE,
        validators=[MinValueValidator(Decimal("0.01"))],
        max_digits=10,
        decimal_places=2,
    )
    max_referents = models.PositiveSmallIntegerField(
        "nombre maximal recommandé de référents par établissement",
        default=3,
        validators=[MinValueValidator(1)],
    )
    max_referents_policy = models.CharField(
        "au-delà du maximum",
        max_length=10,
        choices=ReferentLimitPolicy.choices,
        default=ReferentLimitPolicy.WARNING,
    )
    locked_at = models.DateTimeField(
        "figé le",
        null=True,
        blank=True,
        help_text="Les règles d’une année dont les lettres sont émises ne se modifient plus.",
    )
    updated_at = models.DateTimeField("modifié le", auto_now=True)
    updated_by = models.ForeignKey(
        "accounts.User",
        verbose_name="modifié par",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    objects = TenantManager()

    class Meta:
        verbose_name = "règles IMP"
        verbose_name_plural = "règles IMP"
        ordering = ["academie__name", "-school_year__start_year"]
        constraints = [
            models.UniqueConstraint(
                fields=["academie", "school_year"], name="imp_rule_set_one_per_year"
            ),
        ]

    def __str__(self) -> str:
        return f"Règles IMP {self.academie.name} {self.school_year}"

    @property
    def is_locked(self) -> bool:
        return self.locked_at is not None


class ImpMultiple(models.Model):
    """An allowed multiple of the base rate (¼, ½, 1, 2, 3 → 312,50 € … 3 750 €)."""

    rule_set = models.ForeignKey(
        ImpRuleSet, verbose_name="règles IMP", on_delete=models.CASCADE, related_name="multiples"
    )
    factor = models.DecimalField(
        "multiple du taux de base",
        max_digits=5,
        decimal_places=2,
        validators=[MinValueValidator(QUARTER)],
    )

    objects = RuleSetPartManager()

    class Meta:
        verbose_name = "multiple autorisé"
        verbose_name_plural = "multiples autorisés"
        ordering = ["factor"]
        constraints = [
            models.UniqueConstraint(fields=["rule_set", "factor"], name="imp_multiple_unique"),
        ]

    def __str__(self) -> str:
        return f"× {self.factor}"


class EnvelopeBand(models.Model):
    """Envelope in IMP units for establishments of a category within a range of pupils.

    `max_pupils` null means "and above".
    """

    rule_set = models.ForeignKey(
        ImpRuleSet, verbose_name="règles IMP", on_delete=models.CASCADE, related_name="bands"
    )
    category = models.CharField("catégorie", max_length=10, choices=EstablishmentCategory.choices)
    min_pupils = models.PositiveIntegerField("élèves (de)")
    max_pupils = models.PositiveIntegerField("élèves (jusqu’à)", null=True, blank=True)
    imp_units = models.DecimalField(
        "enveloppe (en IMP)",
        max_digits=5,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0"))],
    )

    objects = RuleSetPartManager()

    class Meta:
        verbose_name = "tranche d’enveloppe"
        verbose_name_plural = "tranches d’enveloppe"
        ordering = ["category", "min_pupils"]

    def __str__(self) -> str:
        upper = f"–{self.max_pupils}" if self.max_pupils is not None else " et plus"
        return f"{self.get_category_display()} {self.min_pupils}{upper} : {self.imp_units} IMP"

    def contains(self, pupils: int) -> bool:
        return self.min_pupils <= pupils and (self.max_pupils is None or pupils <= self.max_pupils)


class EnvelopeOverride(models.Model):
    """An envelope a DANE admin set by hand for one establishment and year, with a reason."""

    academie = models.ForeignKey(
        Academie, verbose_name="académie", on_delete=models.CASCADE, related_name="+"
    )
    establishment = models.ForeignKey(
        Establishment,
        verbose_name="établissement",
        on_delete=models.CASCADE,
        related_name="envelope_overrides",
    )
    school_year = models.ForeignKey(
        SchoolYear, verbose_name="année scolaire", on_delete=models.PROTECT, related_name="+"
    )
    amount = models.DecimalField(
        "enveloppe (€)",
        validators=[MinValueValidator(Decimal("0"))],
        max_digits=10,
        decimal_places=2,
    )
    justification = models.TextField("justification")
    created_by = models.ForeignKey(
        "accounts.User",
        verbose_name="ajustée par",
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
    )
    created_at = models.DateTimeField("ajustée le", auto_now=True)

    objects = TenantManager()

    class Meta:
        verbose_name = "enveloppe ajustée"
        verbose_name_plural = "enveloppes ajustées"
        constraints = [
            models.UniqueConstraint(
                fields=["establishment", "school_year"], name="envelope_override_one_per_year"
            ),
        ]

    def __str__(self) -> str:
        return f"Enveloppe ajustée {self.establishment_id} {self.school_year}: {self.amount} €"


class AllocationQuerySet(models.QuerySet["Allocation"]):
    def current(self) -> AllocationQuerySet:
        """Allocations in force: not withdrawn."""
        return self.filter(withdrawn_at__isnull=True)


class Allocation(models.Model):
    """The share of an establishment's envelope the principal gives one referent for a year.

    Setting a referent's amount to nothing withdraws the allocation (`withdrawn_at`) instead of
    deleting it, so its history and certifications stay; setting an amount again reinstates it.
    `letter_issued_at` says that an issued mission letter covers it (set and released by the
    letters app through `indemnities.services.letters`): principals may then certify it.
    `letter_signed_at` says that a signed letter states its amount, which then stays as it is.
    """

    academie = models.ForeignKey(
        Academie, verbose_name="académie", on_delete=models.CASCADE, related_name="+"
    )
    establishment = models.ForeignKey(
        Establishment,
        verbose_name="établissement",
        on_delete=models.CASCADE,
        related_name="imp_allocations",
    )
    school_year = models.ForeignKey(
        SchoolYear, verbose_name="année scolaire", on_delete=models.PROTECT, related_name="+"
    )
    referent = models.ForeignKey(
        "accounts.Membership",
        verbose_name="référent",
        on_delete=models.PROTECT,
        related_name="imp_allocations",
    )
    amount = models.DecimalField(
        "montant (€)", validators=[MinValueValidator(0)], max_digits=10, decimal_places=2
    )
    updated_at = models.DateTimeField("modifié le", auto_now=True)
    updated_by = models.ForeignKey(
        "accounts.User",
        verbose_name="modifié par",
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
    )
    withdrawn_at = models.DateTimeField("retirée le", null=True, blank=True)
    letter_issued_at = models.DateTimeField(
        "couverte par une lettre émise le", null=True, blank=True
    )
    letter_reference = models.CharField("lettre de mission", max_length=64, blank=True)
    # From a letter's first signature to its withdrawal, the amount it states may not change.
    letter_signed_at = models.DateTimeField(
        "montant figé par une lettre signée le", null=True, blank=True
    )

    objects = TenantManager.from_queryset(AllocationQuerySet)()

    class Meta:
        verbose_name = "attribution IMP"
        verbose_name_plural = "attributions IMP"
        constraints = [
            # Child rows name it with their académie: see tenancy.constraints.
            models.UniqueConstraint(fields=["id", "academie"], name="allocation_id_academie"),
            models.UniqueConstraint(
                fields=["establishment", "school_year", "referent"],
                name="allocation_one_per_referent_year",
            ),
        ]
        indexes = [models.Index(fields=["academie", "school_year"])]

    def __str__(self) -> str:
        return f"IMP {self.amount} € – référent {self.referent_id} ({self.school_year})"


class ServiceStatus(models.TextChoices):
    FULL = "full", "Service fait en totalité"
    PARTIAL = "partial", "Service fait en partie"
    NONE = "none", "Service non fait"


class ServiceCertification(models.Model):
    """A certification of service fait for an allocation. Append-only: the latest one counts,
    earlier ones stay as the history of corrections."""

    academie = models.ForeignKey(
        Academie, verbose_name="académie", on_delete=models.CASCADE, related_name="+"
    )
    allocation = models.ForeignKey(
        Allocation,
        verbose_name="attribution",
        on_delete=models.PROTECT,
        related_name="certifications",
    )
    status = models.CharField("service fait", max_length=10, choices=ServiceStatus.choices)
    months_done = models.PositiveSmallIntegerField(
        "mois effectués (sur 9)", validators=[MaxValueValidator(9)]
    )
    amount = models.DecimalField("montant dû (€)", max_digits=10, decimal_places=2)
    comment = models.TextField("commentaire", blank=True)
    certified_by = models.ForeignKey(
        "accounts.User",
        verbose_name="certifié par",
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
    )
    certified_at = models.DateTimeField("certifié le", auto_now_add=True)
    is_correction = models.BooleanField("correction par la DANE", default=False)

    objects = TenantManager()

    class Meta:
        verbose_name = "certification du service fait"
        verbose_name_plural = "certifications du service fait"
        ordering = ["-certified_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.get_status_display()} – {self.amount} €"
