"""Forms of the IMP rules and envelope pages. Structural checks of the rules (bands contiguous,
no overlap…) live in `indemnities.services.rules.rules_errors`, shared with the services."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django import forms
from django.forms import BaseFormSet, formset_factory
from dsfr.forms import DsfrBaseForm

from establishments.forms import ScopedEstablishmentFilterForm
from establishments.models import (
    EstablishmentCategory,
    SchoolYear,
)
from indemnities.defaults import BandRow
from indemnities.models import DEFAULT_MULTIPLES, ImpRuleSet, ReferentLimitPolicy
from indemnities.services.envelopes import MIN_JUSTIFICATION
from rupn.formatting import format_euros
from rupn.formatting import format_multiple as multiple

if TYPE_CHECKING:
    pass


class FrenchDecimalField(forms.DecimalField):
    """A decimal typed the French way ("1 250,50") or the dotted way ("1250.50")."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("localize", True)
        super().__init__(**kwargs)
        self.widget.attrs.setdefault("inputmode", "decimal")

    def to_python(self, value: Any) -> Any:
        if isinstance(value, str):
            for space in (" ", "\u00a0", "\u202f", "€"):
                value = value.replace(space, "")
        return super().to_python(value)


class DsfrCheckboxes(forms.CheckboxSelectMultiple):
    option_template_name = "indemnities/rules_checkbox_option.html"


class DsfrRadios(forms.RadioSelect):
    option_template_name = "indemnities/rules_radio_option.html"


def _factor_key(factor: Decimal) -> str:
    return f"{factor.normalize():f}"


class RuleSetForm(DsfrBaseForm):
    base_rate = FrenchDecimalField(
        label="Taux de base annuel (en euros)",
        help_text="1 250 € selon l’arrêté du 27 avril 2015.",
        min_value=Decimal("0.01"),
        max_digits=10,
        decimal_places=2,
        error_messages={
            "min_value": "Le taux de base doit être un montant strictement positif.",
            "invalid": "Saisissez un montant en euros, par exemple 1250 ou 1 250,00.",
        },
    )
    multiples = forms.MultipleChoiceField(
        label="Multiples autorisés du taux de base",
        help_text="Une IMP se partage, jamais en dessous d’un quart de taux.",
        widget=DsfrCheckboxes,
        error_messages={"required": "Cochez au moins un multiple autorisé du taux de base."},
    )
    max_referents = forms.IntegerField(
        label="Nombre maximal recommandé de référents par établissement",
        min_value=1,
        max_value=20,
    )
    max_referents_policy = forms.ChoiceField(
        label="Au-delà de ce nombre",
        choices=[
            (ReferentLimitPolicy.WARNING, "Avertir le chef d’établissement"),
            (ReferentLimitPolicy.FORBIDDEN, "Interdire d’ajouter un référent"),
        ],
        widget=DsfrRadios,
    )

    def __init__(
        self,
        *args: Any,
        base_rate_hint: Decimal | None = None,
        extra_factors: Any = (),
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        factors = sorted({*DEFAULT_MULTIPLES, *extra_factors})
        rate = base_rate_hint
        field = self.fields["multiples"]
        assert isinstance(field, forms.MultipleChoiceField)
        field.choices = [
            (
                _factor_key(f),
                f"{multiple(f)} du taux" + (f" ({format_euros(f * rate)})" if rate else ""),
            )
            for f in factors
        ]

    @classmethod
    def initial_for(cls, rule_set: ImpRuleSet) -> dict[str, Any]:
        return {
            "base_rate": rule_set.base_rate,
            "multiples": [_factor_key(m.factor) for m in rule_set.multiples.all()],
            "max_referents": rule_set.max_referents,
            "max_referents_policy": rule_set.max_referents_policy,
        }

    def factors(self) -> list[Decimal]:
        return [Decimal(value) for value in self.cleaned_data["multiples"]]


class BandForm(DsfrBaseForm):
    category = forms.ChoiceField(
        label="Catégorie",
        choices=[("", "Choisir…"), *EstablishmentCategory.choices],
        error_messages={"required": "Choisissez la catégorie d’établissement."},
    )
    min_pupils = forms.IntegerField(
        label="Élèves, de",
        min_value=0,
        max_value=100000,
        error_messages={
            "required": "Indiquez le nombre d’élèves à partir duquel s’applique "
            "la tranche (0 pour la première)."
        },
    )
    max_pupils = forms.IntegerField(
        label="Élèves, jusqu’à",
        min_value=0,
        max_value=100000,
        required=False,
        help_text="Vide : « et plus ».",
    )
    imp_units = FrenchDecimalField(
        label="Enveloppe (en IMP)",
        min_value=Decimal("0"),
        max_digits=5,
        decimal_places=2,
        help_text="Par quarts : 1 ; 1,5 ; 2…",
        error_messages={
            "min_value": "L’enveloppe en IMP doit être positive ou nulle.",
            "invalid": "Saisissez un nombre d’IMP, par exemple 1 ou 1,5.",
        },
    )

    def row(self) -> BandRow:
        data = self.cleaned_data
        return (data["category"], data["min_pupils"], data["max_pupils"], data["imp_units"])


class BaseBandFormSet(BaseFormSet):
    def rows(self) -> list[BandRow]:
        """The bands kept, in the order entered (the line numbers of error messages)."""
        # Blank extra rows have empty cleaned_data; rows ticked "supprimer" are left out.
        return [
            form.row()
            for form in self.forms
            if form.is_valid() and form.cleaned_data and not form.cleaned_data.get("DELETE")
        ]


BandFormSet = formset_factory(
    BandForm, formset=BaseBandFormSet, extra=1, can_delete=True, max_num=60, validate_max=True
)


CATEGORY_ORDER = {value: index for index, value in enumerate(EstablishmentCategory.values)}


def _plain(value: Decimal) -> Decimal:
    """1.50 → 1.5 and 2.00 → 2 (never 2E+1), so the field shows what a person would type."""
    normal = value.normalize()
    return normal.quantize(Decimal(1)) if normal == normal.to_integral_value() else normal


def band_initial(rule_set: ImpRuleSet) -> list[dict[str, Any]]:
    """The saved bands as form rows: collège, lycée, EREA, each by pupils; "1" not "1,00"."""
    bands = sorted(
        rule_set.bands.all(), key=lambda b: (CATEGORY_ORDER.get(b.category, 99), b.min_pupils)
    )
    return [
        {
            "category": b.category,
            "min_pupils": b.min_pupils,
            "max_pupils": b.max_pupils,
            "imp_units": _plain(b.imp_units),
        }
        for b in bands
    ]


class RulesYearForm(DsfrBaseForm):
    annee = forms.TypedChoiceField(label="Année scolaire", coerce=int)

    def __init__(self, *args: Any, years: list[SchoolYear], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["annee"]
        assert isinstance(field, forms.TypedChoiceField)
        field.choices = [(y.start_year, y.label) for y in years]


class EnvelopeFilterForm(ScopedEstablishmentFilterForm):
    """Filters of the envelope list: the establishment filters, without search or sector."""


class EnvelopeOverrideForm(DsfrBaseForm):
    amount = FrenchDecimalField(
        label="Enveloppe ajustée (en euros)",
        min_value=Decimal("0"),
        error_messages={
            "min_value": "Le montant de l’enveloppe doit être positif ou nul.",
            "invalid": "Saisissez un montant en euros, par exemple 2500 ou 2 500,00.",
        },
        max_digits=10,
        decimal_places=2,
    )
    justification = forms.CharField(
        label="Justification",
        help_text="Visible partout où l’enveloppe est affichée.",
        widget=forms.Textarea(attrs={"rows": 3}),
        min_length=MIN_JUSTIFICATION,
        max_length=2000,
        strip=True,
    )
