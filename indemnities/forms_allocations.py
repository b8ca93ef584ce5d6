"""Forms of the allocation, service-fait, export and budget pages."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django import forms
from dsfr.forms import DsfrBaseForm

from establishments.access import departements_visible_to
from establishments.forms import SchoolYearChoiceField
from establishments.models import Departement, EstablishmentType
from indemnities.models import ServiceStatus
from indemnities.services.certifications import MONTHS_IN_YEAR
from rupn.formatting import format_euros
from tenancy.scope import Scope

if TYPE_CHECKING:
    from accounts.models import Membership
    from indemnities.selectors_allocations import AllocationPage


def _year_field(*, required: bool = False) -> SchoolYearChoiceField:
    return SchoolYearChoiceField(required=required)


class YearForm(DsfrBaseForm):
    annee = _year_field()


def _amount_label(amount: Decimal) -> str:
    return "Aucune IMP (0,00 €)" if amount == 0 else format_euros(amount)


class AllocationForm(DsfrBaseForm):
    """One amount per referent of the year, chosen among the allowed amounts."""

    def __init__(self, *args: Any, page: AllocationPage, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.page = page
        self.referent_fields: list[tuple[str, Any]] = []
        rules = page.rules
        ceiling = page.envelope.amount
        for line in page.lines:
            assert rules is not None
            choices = rules.amounts_up_to(ceiling, keep=[line.amount])
            name = f"montant_{line.referent.pk}"
            user = line.referent.user
            self.fields[name] = forms.TypedChoiceField(
                label=f"Montant pour {user.full_name or user.email}",
                help_text=user.email,
                choices=[(str(a), _amount_label(a)) for a in choices],
                coerce=Decimal,
                initial=str(line.amount),
            )
            self.referent_fields.append((name, line.referent))
        for allocation in page.orphans:
            # A referent whose role ended keeps their share until it is set back to 0.
            name = f"montant_{allocation.referent_id}"
            user = allocation.referent.user
            self.fields[name] = forms.TypedChoiceField(
                label=f"Montant pour {user.full_name or user.email} (rôle terminé)",
                help_text=user.email,
                choices=[
                    (str(a), _amount_label(a)) for a in sorted({Decimal("0.00"), allocation.amount})
                ],
                coerce=Decimal,
                initial=str(allocation.amount),
            )
            self.referent_fields.append((name, allocation.referent))

    def amounts(self) -> dict[Membership, Decimal]:
        return {referent: self.cleaned_data[name] for name, referent in self.referent_fields}


class StatusRadios(forms.RadioSelect):
    option_template_name = "indemnities/certification_radio_option.html"


class CertificationForm(DsfrBaseForm):
    status = forms.ChoiceField(
        label="Service fait",
        choices=ServiceStatus.choices,
        widget=StatusRadios,
    )
    months_done = forms.IntegerField(
        label="Mois effectués (sur 9)",
        help_text="Seulement pour un service fait en partie : de 1 à 8 mois.",
        required=False,
        min_value=1,
        max_value=MONTHS_IN_YEAR - 1,
    )
    comment = forms.CharField(
        label="Commentaire",
        help_text="Obligatoire si le service n’est pas fait en totalité.",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        status = data.get("status")
        if status == ServiceStatus.PARTIAL and not data.get("months_done"):
            self.add_error("months_done", "Indiquez le nombre de mois effectués, de 1 à 8.")
        if status and status != ServiceStatus.FULL and not (data.get("comment") or "").strip():
            self.add_error(
                "comment",
                "Un commentaire est obligatoire quand le service n’est pas fait en totalité.",
            )
        return data


class ExportForm(DsfrBaseForm):
    FORMATS = [("csv", "CSV (tableur, séparateur point-virgule)"), ("xlsx", "Excel (XLSX)")]

    annee = _year_field(required=True)
    departement = forms.ModelChoiceField(
        label="Département",
        queryset=Departement.objects.none(),
        required=False,
        empty_label="Tous",
        to_field_name="code",
    )
    type = forms.ChoiceField(
        label="Type d’établissement",
        required=False,
        choices=[("", "Tous"), *EstablishmentType.choices],
    )
    format = forms.ChoiceField(label="Format", choices=FORMATS, initial="csv")

    def __init__(self, *args: Any, scope: Scope, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        departement_field = self.fields["departement"]
        assert isinstance(departement_field, forms.ModelChoiceField)
        # Only the actor's départements: another académie's are neither offered nor accepted.
        departement_field.queryset = departements_visible_to(scope)
