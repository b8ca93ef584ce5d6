"""The overview's figures, precomputed: one row per (académie, département, type of
establishment, school year), refreshed by `dashboards.overview_figures.refresh_overview_figures`.

Counted live, the national overview aggregates every académie's letters, allocations,
memberships and survey rows of two years (about 250 ms of SQL on the national-scale dataset of
`bench/national_dataset.py`, beyond the 150 ms a page may take): these rows hold the same
aggregates, computed by one `INSERT … SELECT … GROUP BY` per académie, so that a page adds up at
most a few hundred rows. `OverviewRefresh` says when an académie's rows were computed: the page
shows it (« chiffres arrêtés à 10 h 42 »), and an académie never refreshed is counted live.
"""

from __future__ import annotations

from django.db import models

from establishments.models import Academie, Departement, EstablishmentType, SchoolYear
from tenancy.guard import TenantManager


class OverviewRefresh(models.Model):
    """When the overview figures of an académie were last computed."""

    academie = models.OneToOneField(
        Academie,
        verbose_name="académie",
        on_delete=models.CASCADE,
        related_name="overview_refresh",
    )
    computed_at = models.DateTimeField("chiffres arrêtés le")

    objects = TenantManager()

    class Meta:
        verbose_name = "calcul des chiffres du tableau de bord"
        verbose_name_plural = "calculs des chiffres du tableau de bord"

    def __str__(self) -> str:
        return f"Chiffres arrêtés le {self.computed_at:%d/%m/%Y %H:%M}"


def _count(label: str) -> models.PositiveIntegerField:
    return models.PositiveIntegerField(label, default=0)


def _amount(label: str) -> models.DecimalField:
    return models.DecimalField(label, max_digits=14, decimal_places=2, default=0)


class OverviewFigures(models.Model):
    """The raw figures of one group for one school year (see `dashboards.overview.Counts`);
    the column names are those of `dashboards.overview.FIGURE_COLUMNS`."""

    academie = models.ForeignKey(
        Academie, verbose_name="académie", on_delete=models.CASCADE, related_name="+"
    )
    departement = models.ForeignKey(
        Departement, verbose_name="département", on_delete=models.CASCADE, related_name="+"
    )
    type = models.CharField("type", max_length=10, choices=EstablishmentType.choices)
    school_year = models.ForeignKey(
        SchoolYear, verbose_name="année scolaire", on_delete=models.CASCADE, related_name="+"
    )
    establishments = _count("établissements")
    envelope = _amount("enveloppes")
    with_envelope = _count("établissements dotés d’une enveloppe")
    rupn = _count("RUPN")
    covered = _count("établissements avec au moins un RUPN")
    letters_draft = _count("lettres en brouillon")
    letters_sent = _count("lettres envoyées au référent")
    letters_changes = _count("lettres à modifier")
    letters_referent_signed = _count("lettres signées par le référent")
    letters_awaiting_visa = _count("lettres en attente du visa")
    letters_issued = _count("lettres émises")
    allocated = _amount("attribué")
    certified = _amount("service fait certifié")
    invited_rupn = _count("RUPN invités au bilan")
    invited_principals = _count("chefs d’établissement invités à l’enquête")
    submitted_rupn = _count("bilans envoyés")
    submitted_principals = _count("enquêtes des chefs d’établissement envoyées")

    objects = TenantManager()

    class Meta:
        verbose_name = "chiffres du tableau de bord"
        verbose_name_plural = "chiffres du tableau de bord"
        constraints = [
            # One row per group: two refreshes at once could not both insert theirs.
            models.UniqueConstraint(
                fields=["academie", "school_year", "departement", "type"],
                name="overview_figures_group",
            )
        ]

    def __str__(self) -> str:
        return f"{self.academie_id} {self.departement_id} {self.type} {self.school_year_id}"
