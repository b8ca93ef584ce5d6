"""Pages of the IMP rules (DANE admin) and of the envelopes (DANE admin and coordinators)."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from accounts.models import Role
from audit.selectors import history_for, history_lines
from establishments.forms import year_filter
from establishments.models import Establishment, EstablishmentCategory, SchoolYear
from establishments.services_years import school_year_open
from indemnities.defaults import POITIERS_BANDS
from indemnities.envelopes import envelopes_for
from indemnities.forms_rules import (
    BandFormSet,
    EnvelopeFilterForm,
    EnvelopeOverrideForm,
    RuleSetForm,
    RulesYearForm,
    band_initial,
)
from indemnities.models import DEFAULT_BASE_RATE, DEFAULT_MULTIPLES, ImpRuleSet
from indemnities.previews import envelope_changes_preview
from indemnities.rules_validation import rules_errors, rules_warnings
from indemnities.selectors_rules import (
    EnvelopeFilters,
    envelope_establishments,
    get_envelope_target_for,
    get_school_year_for_rules,
    previous_rule_set,
    rule_set_of,
    school_years_for_rules,
)
from indemnities.services.envelopes import (
    envelope_override_clear,
    envelope_override_set,
    envelope_override_warnings,
)
from indemnities.services.rules import (
    rule_set_copy_from_previous_year,
    rule_set_create_from_table,
    rule_set_update,
)
from rupn.links import url_with_query
from rupn.pagination import page_of
from tenancy.http import request_scope, role_required
from tenancy.scope import Scope

BANDS_PREFIX = "bands"


def _rules_url(school_year: SchoolYear) -> str:
    return url_with_query("indemnities:rules", annee=school_year.start_year)


def _bands_by_category(rule_set: ImpRuleSet) -> list[tuple[str, list[Any]]]:
    bands = list(rule_set.bands.all())
    return [
        (label, [b for b in bands if b.category == value])
        for value, label in EstablishmentCategory.choices
    ]


@role_required(Role.DANE_ADMIN)
def rules(request: HttpRequest) -> HttpResponse:
    scope = request_scope(request)
    years = school_years_for_rules()
    current = SchoolYear.objects.current()
    form = RulesYearForm(request.GET or None, years=years, initial={"annee": current.start_year})
    school_year = current
    if form.is_bound and form.is_valid():
        school_year = get_school_year_for_rules(form.cleaned_data["annee"])
    rule_set = rule_set_of(scope, school_year)
    context: dict[str, Any] = {
        "page_title": f"Règles IMP {school_year.label}",
        "form": form,
        "school_year": school_year,
        "rule_set": rule_set,
    }
    if rule_set is None:
        context["previous"] = previous_rule_set(
            academie_id=scope.academie_id, school_year=school_year
        )
    else:
        context["bands_by_category"] = _bands_by_category(rule_set)
    context["history"] = history_lines(
        history_for(scope, targets=[rule_set] if rule_set else [], school_year_id=None)
    )
    return render(request, "indemnities/rules_detail.html", context)


def _rules_created(request: HttpRequest, school_year: SchoolYear) -> None:
    messages.success(
        request,
        f"Les règles IMP de {school_year.label} sont créées : vérifiez-les et modifiez-les "
        "si besoin.",
    )


@role_required(Role.DANE_ADMIN)
@require_POST
def rules_copy(request: HttpRequest, start_year: int) -> HttpResponse:
    """Start a year's rules as a copy of the previous year's."""
    scope = request_scope(request)
    school_year = school_year_open(start_year=get_school_year_for_rules(start_year).start_year)
    try:
        rule_set_copy_from_previous_year(
            academie=request.academie,  # type: ignore[attr-defined]
            school_year=school_year,
            actor=scope,
        )
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        _rules_created(request, school_year)
    return redirect(_rules_url(school_year))


@role_required(Role.DANE_ADMIN)
@require_POST
def rules_from_default(request: HttpRequest, start_year: int) -> HttpResponse:
    """Start a year's rules from the national default table."""
    scope = request_scope(request)
    school_year = school_year_open(start_year=get_school_year_for_rules(start_year).start_year)
    try:
        rule_set_create_from_table(
            academie=request.academie,  # type: ignore[attr-defined]
            school_year=school_year,
            bands=POITIERS_BANDS,
            base_rate=DEFAULT_BASE_RATE,
            multiples=DEFAULT_MULTIPLES,
            actor=scope,
            description=f"a créé les règles IMP de {school_year.label} à partir des règles "
            "nationales par défaut",
        )
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        _rules_created(request, school_year)
    return redirect(_rules_url(school_year))


def _edit_forms(rule_set: ImpRuleSet, data: Any | None) -> tuple[RuleSetForm, Any]:
    extra_factors = [m.factor for m in rule_set.multiples.all()]
    form = RuleSetForm(
        data,
        initial=RuleSetForm.initial_for(rule_set),
        base_rate_hint=rule_set.base_rate,
        extra_factors=extra_factors,
    )
    # Posted rows are authoritative: with initial data too, a posted row identical to the
    # saved one would count as "unchanged" and an extra row would be dropped silently.
    initial = band_initial(rule_set) if data is None else None
    formset = BandFormSet(data, initial=initial, prefix=BANDS_PREFIX)
    return form, formset


def _field_errors(form: RuleSetForm, formset: Any) -> list[str]:
    """Every field error as one line naming the field and the band line, for the summary."""
    lines = []
    for name, errors in form.errors.items():
        label = form.fields[name].label if name in form.fields else ""
        lines += [f"{label} : {error}" if label else str(error) for error in errors]
    for index, band in enumerate(formset.forms, start=1):
        for name, errors in band.errors.items():
            label = band.fields[name].label if name in band.fields else ""
            lines += [f"Ligne {index} – {label} : {error}" for error in errors]
    return lines


def _with_extra_row(data: Any) -> Any:
    data = data.copy()
    key = f"{BANDS_PREFIX}-TOTAL_FORMS"
    try:
        total = int(data.get(key, "0"))
    except ValueError:
        total = 0
    data[key] = str(min(total + 1, 60))
    return data


EDIT_ACTIONS = ("edit", "add_row", "preview", "save")


@role_required(Role.DANE_ADMIN)
def rules_edit(request: HttpRequest, start_year: int, action: str = "edit") -> HttpResponse:
    """The rules form of a year. Its buttons post to one URL each: the form itself (`edit`, to
    go back from the preview), `add_row`, `preview` and `save`."""
    if action not in EDIT_ACTIONS:
        raise Http404
    scope = request_scope(request)
    school_year = get_school_year_for_rules(start_year)
    rule_set = rule_set_of(scope, school_year)
    if rule_set is None:
        messages.info(request, f"Créez d’abord les règles IMP de {school_year.label}.")
        return redirect(_rules_url(school_year))
    context: dict[str, Any] = {
        "page_title": f"Modifier les règles IMP {school_year.label}",
        "school_year": school_year,
        "rule_set": rule_set,
    }
    if rule_set.is_locked:
        context["bands_by_category"] = _bands_by_category(rule_set)
        status = 200
        if request.method == "POST":
            context["refused"] = (
                f"Les règles IMP de {school_year.label} sont figées depuis l’émission des "
                "lettres de mission : aucune modification n’a été enregistrée."
            )
            status = 409
        return render(request, "indemnities/rules_locked.html", context, status=status)

    if request.method != "POST":
        form, formset = _edit_forms(rule_set, None)
        context.update(form=form, formset=formset)
        return render(request, "indemnities/rules_edit.html", context)

    data = _with_extra_row(request.POST) if action == "add_row" else request.POST
    form, formset = _edit_forms(rule_set, data)
    context.update(form=form, formset=formset)
    if action not in ("preview", "save"):
        return render(request, "indemnities/rules_edit.html", context)
    if not (form.is_valid() and formset.is_valid()):
        context["field_errors"] = _field_errors(form, formset)
        return render(request, "indemnities/rules_edit.html", context, status=400)

    rows = formset.rows()
    values = {
        "base_rate": form.cleaned_data["base_rate"],
        "multiples": form.factors(),
        "bands": rows,
        "max_referents": form.cleaned_data["max_referents"],
        "max_referents_policy": form.cleaned_data["max_referents_policy"],
    }
    if action == "preview":
        errors = rules_errors(**values)
        if errors:
            context["rule_errors"] = errors
            return render(request, "indemnities/rules_edit.html", context, status=400)
        new_base_rate: Decimal = values["base_rate"]
        context.update(
            changes=envelope_changes_preview(
                rule_set=rule_set, new_base_rate=new_base_rate, new_bands=rows
            ),
            warnings=rules_warnings(rows),
            new_base_rate=new_base_rate,
            page_title=f"Aperçu des règles IMP {school_year.label}",
        )
        return render(request, "indemnities/rules_preview.html", context)

    try:
        rule_set_update(rule_set=rule_set, actor=scope, **values)
    except ValidationError as error:
        context["rule_errors"] = error.messages
        return render(request, "indemnities/rules_edit.html", context, status=400)
    messages.success(request, f"Règles IMP de {school_year.label} enregistrées.")
    return redirect(_rules_url(school_year))


@role_required(Role.DANE_ADMIN, Role.DANE_COORDINATOR)
def envelopes(request: HttpRequest) -> HttpResponse:
    scope = request_scope(request)
    chosen = year_filter(EnvelopeFilterForm, request.GET, scope=scope)
    form, school_year = chosen.form, chosen.school_year
    filters = EnvelopeFilters()
    if chosen.valid and form.is_bound:
        data = form.cleaned_data
        filters = EnvelopeFilters(
            departement_id=data["departement"].pk if data.get("departement") else None,
            type=data.get("type", ""),
        )
    page = page_of(request, envelope_establishments(scope=scope, filters=filters))
    rule_set = rule_set_of(scope, school_year)
    by_id = envelopes_for(
        academie_id=scope.academie_id,
        school_year=school_year,
        establishments=page.object_list,
        rule_set=rule_set,
        bands=list(rule_set.bands.all()) if rule_set else [],
    )
    rows = [(establishment, by_id[establishment.pk]) for establishment in page.object_list]
    return render(
        request,
        "indemnities/envelope_list.html",
        {
            "page_title": f"Enveloppes IMP {school_year.label}",
            "form": form,
            "page_obj": page,
            "rows": rows,
            "school_year": school_year,
            "rule_set": rule_set,
            "can_override": scope.role == Role.DANE_ADMIN,
        },
    )


@role_required(Role.DANE_ADMIN)
def envelope_override(request: HttpRequest, establishment_pk: int, start_year: int) -> HttpResponse:
    scope = request_scope(request)
    establishment, school_year = get_envelope_target_for(scope, establishment_pk, start_year)
    envelope = envelopes_for(
        academie_id=scope.academie_id, school_year=school_year, establishments=[establishment]
    )[establishment.pk]
    status = 200
    if request.method == "POST":
        form = EnvelopeOverrideForm(request.POST)
        if form.is_valid():
            amount = form.cleaned_data["amount"]
            try:
                envelope_override_set(
                    establishment=establishment,
                    school_year=school_year,
                    amount=amount,
                    justification=form.cleaned_data["justification"],
                    actor=scope,
                )
            except ValidationError as error:
                for message in error.messages:
                    form.add_error(None, message)
            else:
                messages.success(request, f"Enveloppe de {establishment.name} ajustée.")
                for warning in envelope_override_warnings(
                    establishment=establishment, school_year=school_year, amount=amount
                ):
                    messages.warning(request, warning)
                return redirect(_envelopes_url(school_year))
        status = 400
    else:
        initial = {}
        if envelope.is_overridden:
            initial = {
                "amount": envelope.override_amount,
                "justification": envelope.override_justification,
            }
        form = EnvelopeOverrideForm(initial=initial)
    return _override_page(
        request, scope, establishment, school_year, envelope=envelope, form=form, status=status
    )


def _override_page(
    request: HttpRequest,
    scope: Scope,
    establishment: Establishment,
    school_year: SchoolYear,
    *,
    envelope: Any,
    form: EnvelopeOverrideForm,
    status: int,
    clear_errors: Sequence[str] = (),
) -> HttpResponse:
    """The envelope adjustment page: the form, the removal of an adjustment, the history."""
    history = history_for(
        scope,
        establishment_id=establishment.pk,
        school_year_id=school_year.pk,
        verb_prefix="envelope.",
    )
    return render(
        request,
        "indemnities/envelope_override.html",
        {
            "page_title": f"Ajuster l’enveloppe – {establishment.name}",
            "establishment": establishment,
            "school_year": school_year,
            "envelope": envelope,
            "form": form,
            "clear_errors": clear_errors,
            "back": _envelopes_url(school_year),
            "history": history_lines(history),
        },
        status=status,
    )


@role_required(Role.DANE_ADMIN)
@require_POST
def envelope_override_clear_view(
    request: HttpRequest, establishment_pk: int, start_year: int
) -> HttpResponse:
    """Go back to the envelope the rules compute."""
    scope = request_scope(request)
    establishment, school_year = get_envelope_target_for(scope, establishment_pk, start_year)
    try:
        envelope_override_clear(establishment=establishment, school_year=school_year, actor=scope)
    except ValidationError as error:
        envelope = envelopes_for(
            academie_id=scope.academie_id, school_year=school_year, establishments=[establishment]
        )[establishment.pk]
        return _override_page(
            request,
            scope,
            establishment,
            school_year,
            envelope=envelope,
            form=EnvelopeOverrideForm(),
            status=400,
            clear_errors=error.messages,
        )
    messages.success(
        request,
        f"Ajustement supprimé : l’enveloppe de {establishment.name} est de nouveau "
        "calculée par les règles.",
    )
    return redirect(_envelopes_url(school_year))


def _envelopes_url(school_year: SchoolYear) -> str:
    return url_with_query("indemnities:envelopes", annee=school_year.start_year)
