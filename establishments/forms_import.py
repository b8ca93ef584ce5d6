"""Forms of the "Annuaire de l'éducation" import: the upload and the confirmation."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from dsfr.forms import DsfrBaseForm

from establishments.forms import SchoolYearChoiceField
from establishments.imports.parse import size_problem
from establishments.models import SchoolYear


class EstablishmentImportUploadForm(DsfrBaseForm):
    fichier = forms.FileField(
        label="Fichier de l’Annuaire de l’éducation",
        help_text="Export CSV de « fr-en-annuaire-education » : séparateur point-virgule, "
        "encodage UTF-8. Les en-têtes en libellés (Identifiant_de_l_etablissement…) comme en "
        "noms de champs (identifiant_de_l_etablissement…) sont acceptés.",
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv", "class": "fr-upload"}),
        error_messages={
            "required": "Choisissez le fichier CSV de l’annuaire à importer.",
            "empty": "Le fichier est vide.",
            "invalid": "Le fichier n’a pas pu être lu : déposez-le à nouveau.",
        },
    )
    annee = SchoolYearChoiceField(
        label="Année scolaire des effectifs",
        help_text="Le nombre d’élèves du fichier est enregistré pour cette année scolaire.",
        queryset=SchoolYear.objects.all(),
        to_field_name="start_year",
        empty_label=None,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        current = SchoolYear.objects.current()
        kwargs.setdefault("initial", {}).setdefault("annee", current.start_year)
        super().__init__(*args, **kwargs)
        file_field = self.fields["fichier"]
        file_field.widget.group_class = "fr-upload-group"  # type: ignore[attr-defined]
        file_field.help_text += f" Taille maximale : {self.max_megabytes} Mo."

    @property
    def max_megabytes(self) -> str:
        value = f"{settings.ESTABLISHMENT_IMPORT_MAX_BYTES / 1_000_000:.1f}".replace(".", ",")
        return value.removesuffix(",0")

    def clean_fichier(self) -> Any:
        upload = self.cleaned_data["fichier"]
        # Refused before being read: the size is known from the upload itself.
        problem = size_problem(upload.size or 0, settings.ESTABLISHMENT_IMPORT_MAX_BYTES)
        if problem:
            raise forms.ValidationError(problem, code="size")
        return upload

    def content_bytes(self) -> bytes:
        upload = self.cleaned_data["fichier"]
        upload.seek(0)
        return bytes(upload.read(settings.ESTABLISHMENT_IMPORT_MAX_BYTES + 1))


class EstablishmentImportConfirmForm(DsfrBaseForm):
    only_valid_rows = forms.BooleanField(
        label="Importer seulement les lignes valides",
        help_text="Les lignes rejetées sont laissées de côté ; sans cette case, rien n’est "
        "importé tant que le fichier comporte des lignes rejetées.",
        required=False,
    )
