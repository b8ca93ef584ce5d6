"""Forms of the public verification page: a reference, or a PDF file to check."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from dsfr.forms import DsfrBaseForm


class ReferenceForm(DsfrBaseForm):
    reference = forms.CharField(
        label="Référence de la lettre",
        help_text="Imprimée en bas de chaque page de la lettre, par exemple LM-2026-AB3CD-EF4GH.",
        max_length=40,
        error_messages={"required": "Saisissez la référence imprimée sur la lettre."},
    )

    def clean_reference(self) -> str:
        return "".join(str(self.cleaned_data["reference"]).split()).upper()


class PdfCheckForm(DsfrBaseForm):
    fichier = forms.FileField(
        label="Fichier PDF de la lettre",
        help_text="Le fichier reçu par courriel ou téléchargé sur la plateforme, tel quel.",
        widget=forms.ClearableFileInput(
            attrs={"accept": ".pdf,application/pdf", "class": "fr-upload"}
        ),
        error_messages={
            "required": "Choisissez le fichier PDF à vérifier.",
            "empty": "Le fichier est vide.",
            "invalid": "Le fichier n’a pas pu être lu : déposez-le à nouveau.",
        },
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["fichier"]
        field.widget.group_class = "fr-upload-group"  # type: ignore[attr-defined]
        field.help_text += f" Taille maximale : {self.max_megabytes} Mo."

    @property
    def max_megabytes(self) -> int:
        return round(settings.RUPN_VERIFY_MAX_BYTES / (1024 * 1024))

    def clean_fichier(self) -> Any:
        upload = self.cleaned_data["fichier"]
        if (upload.size or 0) > settings.RUPN_VERIFY_MAX_BYTES:
            raise forms.ValidationError(
                f"Le fichier dépasse {self.max_megabytes} Mo : ce n’est pas une lettre de "
                "mission de la plateforme.",
                code="size",
            )
        return upload

    def content_bytes(self) -> bytes:
        upload = self.cleaned_data["fichier"]
        upload.seek(0)
        return bytes(upload.read(settings.RUPN_VERIFY_MAX_BYTES + 1))
