"""The académie's yearly template of the mission letter ("trame"), in versions.

A template belongs to one académie and one school year. A draft is edited freely; publishing
freezes it: letters keep the version they were made with, and changing a published template
means starting a new version (a draft copied from it).
"""

from __future__ import annotations

from typing import TypeVar

from django.db import models

from establishments.models import Academie, SchoolYear
from tenancy.guard import TenantManager

_T = TypeVar("_T", bound=models.Model)


class TemplateStatus(models.TextChoices):
    DRAFT = "draft", "Brouillon"
    PUBLISHED = "published", "Publiée"


class LetterTemplate(models.Model):
    """One version of an académie's mission-letter template for a school year."""

    academie = models.ForeignKey(
        Academie, verbose_name="académie", on_delete=models.CASCADE, related_name="+"
    )
    school_year = models.ForeignKey(
        SchoolYear, verbose_name="année scolaire", on_delete=models.PROTECT, related_name="+"
    )
    version = models.PositiveSmallIntegerField("version", default=1)
    status = models.CharField(
        "état", max_length=10, choices=TemplateStatus.choices, default=TemplateStatus.DRAFT
    )
    title = models.CharField("titre", max_length=200)
    introduction = models.TextField(
        "introduction", help_text="Texte d’en-tête ; les champs entre accolades sont remplis."
    )
    indemnity_clause = models.TextField("clause d’indemnité")
    requires_dan_visa = models.BooleanField(
        "visa du délégué académique au numérique requis", default=False
    )
    based_on = models.ForeignKey(
        "self",
        verbose_name="copie de",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField("créée le", auto_now_add=True)
    published_at = models.DateTimeField("publiée le", null=True, blank=True)
    published_by = models.ForeignKey(
        "accounts.User",
        verbose_name="publiée par",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    objects = TenantManager()

    class Meta:
        verbose_name = "trame de lettre de mission"
        verbose_name_plural = "trames de lettre de mission"
        ordering = ["-school_year__start_year", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["academie", "school_year", "version"], name="letter_template_version"
            ),
            # One draft at a time per académie and year: a second editor edits the same one.
            models.UniqueConstraint(
                fields=["academie", "school_year"],
                condition=models.Q(status="draft"),
                name="letter_template_one_draft",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.title} {self.school_year} (version {self.version})"

    @property
    def is_published(self) -> bool:
        return self.status == TemplateStatus.PUBLISHED


class TemplatePartManager(TenantManager[_T]):
    """Sections of a template: their académie is the template's."""

    via = "template__academie"


class TemplateTaskManager(TenantManager[_T]):
    via = "section__template__academie"


class SectionKind(models.TextChoices):
    FIXED_TEXT = "fixed_text", "Texte fixe"
    TASKS = "tasks", "Liste de tâches"
    FREE_TEXT = "free_text", "Texte libre du chef d’établissement"
    ANNEX = "annex", "Annexe"


class TemplateSection(models.Model):
    """An ordered part of a template. `body` is the fixed text, the introduction of a list of
    tasks, the examples offered as a start for a free text, or the annex itself."""

    template = models.ForeignKey(
        LetterTemplate, verbose_name="trame", on_delete=models.CASCADE, related_name="sections"
    )
    position = models.PositiveSmallIntegerField("ordre")
    kind = models.CharField("nature", max_length=12, choices=SectionKind.choices)
    title = models.CharField("titre", max_length=300)
    body = models.TextField("texte", blank=True)
    allows_own_tasks = models.BooleanField(
        "le chef d’établissement peut ajouter ses propres tâches", default=False
    )

    objects = TemplatePartManager()

    class Meta:
        verbose_name = "section de trame"
        verbose_name_plural = "sections de trame"
        ordering = ["position"]
        constraints = [
            models.UniqueConstraint(fields=["template", "position"], name="template_section_order")
        ]

    def __str__(self) -> str:
        return f"{self.position}. {self.title}"


class TemplateTask(models.Model):
    """A task proposed in a section; `key` stays the same across versions and years, so that a
    letter renewed on next year's template finds its tasks again."""

    section = models.ForeignKey(
        TemplateSection, verbose_name="section", on_delete=models.CASCADE, related_name="tasks"
    )
    key = models.SlugField("clé", max_length=60)
    label = models.TextField("libellé")
    checked_by_default = models.BooleanField("cochée par défaut", default=True)
    position = models.PositiveSmallIntegerField("ordre")

    objects = TemplateTaskManager()

    class Meta:
        verbose_name = "tâche proposée"
        verbose_name_plural = "tâches proposées"
        ordering = ["position"]
        constraints = [
            models.UniqueConstraint(fields=["section", "key"], name="template_task_key"),
        ]

    def __str__(self) -> str:
        return self.label
