"""Académies (the tenants), their départements, school years, establishments and pupil counts.

French domain words keep their French name: an `Academie` is a regional education authority,
the tenant of the application; an `uai` identifies an establishment (école, collège, lycée).
"""

from __future__ import annotations

import datetime

from django.core.validators import MinValueValidator
from django.db import models
from django.utils import timezone

from establishments.school_years import school_year_label, school_year_start_for
from establishments.uai import validate_uai
from rupn.formatting import of
from tenancy.guard import TenantManager


class Academie(models.Model):
    """A regional education authority (académie); every tenant row points to one."""

    name = models.CharField("nom", max_length=100, unique=True)
    slug = models.SlugField("identifiant", max_length=50, unique=True)
    code = models.CharField(
        "code académie",
        max_length=3,
        unique=True,
        help_text="Code de l’académie dans l’Annuaire de l’éducation (Poitiers : 13).",
    )
    region_academique = models.CharField(
        "région académique",
        max_length=100,
        blank=True,
        help_text="Région académique de l’académie (Poitiers : Nouvelle-Aquitaine).",
    )
    mfa_required_for_dane = models.BooleanField(
        "double authentification obligatoire pour la DANE",
        default=True,
        help_text="Les administrateurs et coordonnateurs DANE doivent activer la double "
        "authentification pour accéder à l’application.",
    )
    contact_email = models.EmailField("adresse de contact de la DANE", blank=True)
    created_at = models.DateTimeField("créée le", auto_now_add=True)

    class Meta:
        verbose_name = "académie"
        verbose_name_plural = "académies"
        ordering = ["name"]

    def __str__(self) -> str:
        return f"Académie {of(self.name)}"


class Departement(models.Model):
    """A département of an académie (code `16`, `33`, `2A`…)."""

    academie = models.ForeignKey(
        Academie, verbose_name="académie", on_delete=models.CASCADE, related_name="departements"
    )
    code = models.CharField("code", max_length=3)
    name = models.CharField("nom", max_length=100)

    objects = TenantManager()

    class Meta:
        verbose_name = "département"
        verbose_name_plural = "départements"
        ordering = ["code"]
        constraints = [
            # Child rows name it with their académie: see tenancy.constraints.
            models.UniqueConstraint(fields=["id", "academie"], name="departement_id_academie"),
            # A département belongs to one académie only, nationally.
            models.UniqueConstraint(fields=["code"], name="departement_code_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.code} – {self.name}"


class SchoolYearQuerySet(models.QuerySet["SchoolYear"]):
    def current(self, today: datetime.date | None = None) -> SchoolYear:
        """The school year of `today`; until it is opened (`school_year_open_current`, run after
        migrations and daily), the latest year before it. A read: it never creates a row."""
        start = school_year_start_for(today or timezone.localdate())
        year = self.filter(start_year__lte=start).order_by("-start_year").first()
        if year is None:
            raise SchoolYear.DoesNotExist(
                f"Aucune année scolaire jusqu’à {start}-{start + 1} : lancez les migrations."
            )
        return year


class SchoolYear(models.Model):
    """A school year, from the rentrée of `start_year` to the end of August after.

    National, not per académie: every académie shares the same calendar of years.
    """

    start_year = models.PositiveSmallIntegerField(
        "année de rentrée", unique=True, validators=[MinValueValidator(2000)]
    )

    objects = SchoolYearQuerySet.as_manager()

    class Meta:
        verbose_name = "année scolaire"
        verbose_name_plural = "années scolaires"
        ordering = ["-start_year"]

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        return school_year_label(self.start_year)


class EstablishmentType(models.TextChoices):
    COLLEGE = "college", "Collège"
    LGT = "lgt", "Lycée général et technologique"
    LP = "lp", "Lycée professionnel"
    LPO = "lpo", "Lycée polyvalent"
    EREA = "erea", "EREA"


class EstablishmentCategory(models.TextChoices):
    """The grouping the IMP envelope rules use."""

    COLLEGE = "college", "Collège"
    LYCEE = "lycee", "Lycée"
    EREA = "erea", "EREA"


CATEGORY_OF_TYPE = {
    EstablishmentType.COLLEGE: EstablishmentCategory.COLLEGE,
    EstablishmentType.LGT: EstablishmentCategory.LYCEE,
    EstablishmentType.LP: EstablishmentCategory.LYCEE,
    EstablishmentType.LPO: EstablishmentCategory.LYCEE,
    EstablishmentType.EREA: EstablishmentCategory.EREA,
}


class Sector(models.TextChoices):
    PUBLIC = "public", "Public"
    PRIVATE = "prive", "Privé sous contrat"


class Establishment(models.Model):
    """A collège, lycée or EREA (EPLE) of an académie, identified nationally by its UAI."""

    academie = models.ForeignKey(
        Academie, verbose_name="académie", on_delete=models.PROTECT, related_name="establishments"
    )
    uai = models.CharField("UAI", max_length=8, unique=True, validators=[validate_uai])
    name = models.CharField("nom", max_length=200)
    type = models.CharField("type", max_length=10, choices=EstablishmentType.choices)
    sector = models.CharField("secteur", max_length=10, choices=Sector.choices)
    departement = models.ForeignKey(
        Departement,
        verbose_name="département",
        on_delete=models.PROTECT,
        related_name="establishments",
    )
    commune = models.CharField("commune", max_length=100)
    email = models.EmailField("adresse électronique officielle", blank=True)
    bassin = models.CharField("bassin ou réseau", max_length=100, blank=True)
    created_at = models.DateTimeField("créé le", auto_now_add=True)
    updated_at = models.DateTimeField("modifié le", auto_now=True)

    objects = TenantManager()

    class Meta:
        verbose_name = "établissement"
        verbose_name_plural = "établissements"
        ordering = ["name", "uai"]
        indexes = [
            models.Index(fields=["academie", "departement", "type"]),
            models.Index(fields=["academie", "name"]),
        ]
        constraints = [
            # Child rows name it with their académie: see tenancy.constraints.
            models.UniqueConstraint(fields=["id", "academie"], name="establishment_id_academie"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.uai})"

    @property
    def category(self) -> EstablishmentCategory:
        return CATEGORY_OF_TYPE[EstablishmentType(self.type)]


class PupilCount(models.Model):
    """How many pupils an establishment has in a school year (drives the IMP envelope)."""

    academie = models.ForeignKey(
        Academie, verbose_name="académie", on_delete=models.CASCADE, related_name="+"
    )
    establishment = models.ForeignKey(
        Establishment,
        verbose_name="établissement",
        on_delete=models.CASCADE,
        related_name="pupil_counts",
    )
    school_year = models.ForeignKey(
        SchoolYear, verbose_name="année scolaire", on_delete=models.PROTECT, related_name="+"
    )
    pupils = models.PositiveIntegerField("nombre d’élèves")
    source = models.CharField("origine", max_length=100, blank=True)
    updated_at = models.DateTimeField("modifié le", auto_now=True)

    objects = TenantManager()

    class Meta:
        verbose_name = "effectif"
        verbose_name_plural = "effectifs"
        ordering = ["-school_year__start_year"]
        constraints = [
            models.UniqueConstraint(
                fields=["establishment", "school_year"], name="pupil_count_one_per_year"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.establishment.uai} {self.school_year}: {self.pupils}"


class ImportStatus(models.TextChoices):
    PREVIEWED = "previewed", "Aperçu"
    APPLIED = "applied", "Importé"
    CANCELLED = "cancelled", "Annulé"


class EstablishmentImport(models.Model):
    """One upload of the national "Annuaire de l'éducation" CSV, from preview to confirmation.

    The file's decoded text is kept so that the confirmation applies exactly what was previewed.
    """

    academie = models.ForeignKey(
        Academie, verbose_name="académie", on_delete=models.CASCADE, related_name="imports"
    )
    school_year = models.ForeignKey(
        SchoolYear, verbose_name="année scolaire", on_delete=models.PROTECT, related_name="+"
    )
    filename = models.CharField("fichier", max_length=255)
    content = models.TextField("contenu")
    report = models.JSONField("rapport", default=dict)
    status = models.CharField(
        "état", max_length=10, choices=ImportStatus.choices, default=ImportStatus.PREVIEWED
    )
    only_valid_rows = models.BooleanField("lignes valides seulement", default=False)
    created_by = models.ForeignKey(
        "accounts.User",
        verbose_name="importé par",
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
    )
    created_at = models.DateTimeField("importé le", auto_now_add=True)
    applied_at = models.DateTimeField("appliqué le", null=True, blank=True)
    applied_by = models.ForeignKey(
        "accounts.User",
        verbose_name="appliqué par",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    objects = TenantManager()

    class Meta:
        verbose_name = "import de l’annuaire"
        verbose_name_plural = "imports de l’annuaire"
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.filename} ({self.get_status_display()})"


class PupilCountImport(models.Model):
    """One upload of a ministry dataset of pupils per establishment, from preview to confirmation.

    The datasets are `fr-en-college-effectifs-niveau-sexe-lv` (collèges) and
    `fr-en-effectifs-second-degre` (second degree); the counts of one school year are imported.
    The file's decoded text is kept so that the confirmation applies exactly what was previewed,
    and emptied once the import is applied or cancelled.
    """

    academie = models.ForeignKey(
        Academie, on_delete=models.CASCADE, related_name="pupil_count_imports"
    )
    school_year = models.ForeignKey(SchoolYear, on_delete=models.PROTECT, related_name="+")
    filename = models.CharField("fichier", max_length=255)
    dataset = models.CharField("jeu de données", max_length=60)
    content = models.TextField()
    report = models.JSONField("rapport", default=dict)
    status = models.CharField(
        max_length=10, choices=ImportStatus.choices, default=ImportStatus.PREVIEWED
    )
    created_by = models.ForeignKey(
        "accounts.User", on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    applied_at = models.DateTimeField(null=True, blank=True)
    applied_by = models.ForeignKey(
        "accounts.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    objects = TenantManager()

    class Meta:
        verbose_name = "import d’effectifs"
        verbose_name_plural = "imports d’effectifs"
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.filename} ({self.get_status_display()})"
