from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django import forms
from django.forms.models import ModelChoiceIterator
from dsfr.forms import DsfrBaseForm

from establishments.access import departements_visible_to
from establishments.models import Departement, EstablishmentType, SchoolYear, Sector
from tenancy.scope import Scope, ScopeKind


class _ChoicesReadOnce(ModelChoiceIterator):
    """Lists the field's own queryset, whose rows are then kept for the form's life: Django's
    iterator reads them again each time the choices are listed, twice for a DSFR select
    (the page's filters: school years and départements, read four times a page otherwise)."""

    def __iter__(self) -> Iterator[Any]:
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        for obj in self.queryset:
            yield self.choice(obj)


class ChoiceOfRowsField(forms.ModelChoiceField):  # type: ignore[type-arg]
    """A `ModelChoiceField` whose rows are read once per form however often it is drawn."""

    iterator = _ChoicesReadOnce


class SchoolYearChoiceField(ChoiceOfRowsField):
    """A school year select showing `2025-2026`; by default the value is the rentrée year, as in
    the `?annee=2025` query strings of list pages."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("label", "Année scolaire")
        kwargs.setdefault("queryset", SchoolYear.objects.all())
        kwargs.setdefault("to_field_name", "start_year")
        kwargs.setdefault("empty_label", None)
        super().__init__(**kwargs)

    def label_from_instance(self, obj: SchoolYear) -> str:
        return obj.label


# Filters that only make sense for a role seeing several establishments.
NARROWING_FIELDS = ("departement", "type", "sector")


class SchoolYearForm(DsfrBaseForm):
    """The school year of a page showing one year (`?annee=2026`)."""

    annee = SchoolYearChoiceField(required=False)


class ScopedEstablishmentFilterForm(DsfrBaseForm):
    """Filters shared by the pages listing establishments: département, type, school year."""

    departement = ChoiceOfRowsField(
        label="Département", queryset=Departement.objects.none(), required=False, empty_label="Tous"
    )
    type = forms.ChoiceField(
        label="Type", required=False, choices=[("", "Tous"), *EstablishmentType.choices]
    )
    annee = SchoolYearChoiceField(required=False)

    def __init__(self, *args: Any, scope: Scope, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Only the départements of the acting role: another académie's are neither offered nor
        # accepted.
        departement_field = self.fields["departement"]
        assert isinstance(departement_field, ChoiceOfRowsField)
        departement_field.queryset = departements_visible_to(scope)
        if not self.has_choice_of_establishments(scope):
            for name in NARROWING_FIELDS:
                self.fields.pop(name, None)

    @staticmethod
    def has_choice_of_establishments(scope: Scope) -> bool:
        """Whether the role sees more than one establishment: with one, département, type and
        sector filters would only ever narrow it to nothing. Read from the scope, no query."""
        if scope.kind in (ScopeKind.ACADEMIE, ScopeKind.DEPARTEMENTS):
            return True
        return len(scope.establishment_ids) > 1


class EstablishmentFilterForm(ScopedEstablishmentFilterForm):
    q = forms.CharField(label="Rechercher (nom, UAI ou commune)", required=False, max_length=100)
    sector = forms.ChoiceField(
        label="Secteur", required=False, choices=[("", "Tous"), *Sector.choices]
    )


@dataclass(frozen=True)
class YearFilter:
    """A filter form bound to the query string, and the school year it asks for."""

    form: Any
    school_year: SchoolYear
    valid: bool


def year_filter(form_class: Any, query: Any, **form_kwargs: Any) -> YearFilter:
    """Bind `form_class` (with an `annee` field) to the query string, the current school year
    selected unless another is asked for; an invalid or empty `annee` means the current year.
    Without a query string the form stays unbound (nothing to check, nothing to read)."""
    current = SchoolYear.objects.current()
    if not query:
        form = form_class(initial={"annee": current}, **form_kwargs)
        return YearFilter(form=form, school_year=current, valid=True)
    data = query.copy()
    data.setdefault("annee", str(current.start_year))
    form = form_class(data, **form_kwargs)
    valid = form.is_valid()
    chosen = form.cleaned_data.get("annee") if valid else None
    return YearFilter(form=form, school_year=chosen or current, valid=valid)
