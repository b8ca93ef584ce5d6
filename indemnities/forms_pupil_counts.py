"""Forms of the pupil counts import: the upload (file and school year)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from dsfr.forms import DsfrBaseForm

from establishments.imports.parse import size_problem
from establishments.models import SchoolYear
from establishments.pupil_counts.parse import COLLEGES, SECOND_DEGRE

YEARS_BACK = 6  # the datasets are published a year or two late


def school_years_for_pupil_counts() -> list[SchoolYear]:
    """The current year, the next one and the past few: the known ones, others unsaved."""
    current = SchoolYear.objects.current().start_year
    starts = range(current + 1, current - YEARS_BACK - 1, -1)
    known = {y.start_year: y for y in SchoolYear.objects.filter(start_year__in=list(starts))}
    return [known.get(start) or SchoolYear(start_year=start) for start in starts]


class PupilCountUploadForm(DsfrBaseForm):
    fichier = forms.FileField(
        label="Fichier des effectifs",
        help_text=f"Export CSV de « {COLLEGES} » (effectifs des collèges) ou de "
        f"« {SECOND_DEGRE} » (effectifs du second degré) : séparateur point-virgule, encodage "
        "UTF-8. Le fichier est reconnu à son en-tête.",
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv", "class": "fr-upload"}),
        error_messages={
            "required": "Choisissez le fichier CSV des effectifs à importer.",
            "empty": "Le fichier est vide.",
            "invalid": "Le fichier n’a pas pu être lu : déposez-le à nouveau.",
        },
    )
    annee = forms.TypedChoiceField(
        label="Année scolaire des effectifs",
        help_text="Seules les lignes de cette année scolaire sont importées (« Rentrée "
        "scolaire » 2025 ou « Annee_scolaire » 2025-2026 pour 2025-2026).",
        coerce=int,
        error_messages={"invalid_choice": "Choisissez une année scolaire de la liste."},
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.years = {y.start_year: y for y in school_years_for_pupil_counts()}
        annee = self.fields["annee"]
        assert isinstance(annee, forms.TypedChoiceField)
        annee.choices = [(start, year.label) for start, year in self.years.items()]
        self.initial.setdefault("annee", SchoolYear.objects.current().start_year)
        file_field = self.fields["fichier"]
        file_field.widget.group_class = "fr-upload-group"  # type: ignore[attr-defined]
        max_mb = f"{settings.PUPIL_COUNT_IMPORT_MAX_BYTES / 1_000_000:.1f}".replace(".", ",")
        file_field.help_text += f" Taille maximale : {max_mb.removesuffix(',0')} Mo."

    def clean_fichier(self) -> Any:
        upload = self.cleaned_data["fichier"]
        problem = size_problem(upload.size or 0, settings.PUPIL_COUNT_IMPORT_MAX_BYTES)
        if problem:
            raise forms.ValidationError(
                problem.replace(" Filtrez l’export de l’annuaire sur votre académie.", ""),
                code="size",
            )
        return upload

    @property
    def school_year(self) -> SchoolYear:
        """The chosen year (unsaved when not yet known: the import creates it)."""
        return self.years[self.cleaned_data["annee"]]

    def content_bytes(self) -> bytes:
        upload = self.cleaned_data["fichier"]
        upload.seek(0)
        return bytes(upload.read(settings.PUPIL_COUNT_IMPORT_MAX_BYTES + 1))
