"""Reads for the IMP rules and envelope pages, scoped to the acting membership.

Rules belong to the acting person's académie: the académie is never taken from the URL, so a
year in the URL can only ever reach one's own rules. Establishments go through
`establishments_visible_to` (another académie's, or outside a coordinator's départements: 404).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import QuerySet
from django.http import Http404

from establishments.access import establishments_visible_to, get_establishment_for
from establishments.models import Establishment, SchoolYear
from indemnities.models import ImpRuleSet
from tenancy.scope import Scope


def school_years_for_rules() -> list[SchoolYear]:
    """Years one may set rules for: every known year and the next one (to prepare the rentrée).

    Next year is offered unsaved: it is created only when its rules are (a new row on a page
    view would make it everybody's default year in year pickers)."""
    years = list(SchoolYear.objects.order_by("-start_year"))
    next_start = SchoolYear.objects.current().start_year + 1
    if all(year.start_year != next_start for year in years):
        years.insert(0, SchoolYear(start_year=next_start))
    return years


def get_school_year_for_rules(start_year: object) -> SchoolYear:
    """A known school year, or next year's unsaved (it is national reference data, opened by
    `school_year_open` when a DANE starts its rules); 404 for anything else."""
    try:
        year = int(str(start_year))
    except ValueError as exc:
        raise Http404("Année scolaire introuvable.") from exc
    found = SchoolYear.objects.filter(start_year=year).first()
    if found is not None:
        return found
    if year == SchoolYear.objects.current().start_year + 1:
        return SchoolYear(start_year=year)
    raise Http404("Année scolaire introuvable.")


def rule_set_of(scope: Scope, school_year: SchoolYear) -> ImpRuleSet | None:
    """The acting académie's rules for the year, with what the rules page shows, or None."""
    if school_year.pk is None:
        return None
    return (
        ImpRuleSet.objects.filter(academie_id=scope.academie_id, school_year=school_year)
        .select_related("school_year", "academie", "updated_by")
        .prefetch_related("multiples", "bands")
        .first()
    )


@dataclass(frozen=True)
class EnvelopeFilters:
    departement_id: int | None = None
    type: str = ""


def envelope_establishments(*, scope: Scope, filters: EnvelopeFilters) -> QuerySet[Establishment]:
    """Visible establishments for the envelope list (envelopes are computed per page)."""
    establishments = establishments_visible_to(scope).select_related("departement")
    if filters.departement_id:
        establishments = establishments.filter(departement_id=filters.departement_id)
    if filters.type:
        establishments = establishments.filter(type=filters.type)
    return establishments.order_by("name", "uai")


def get_envelope_target_for(
    scope: Scope, establishment_pk: int, start_year: int
) -> tuple[Establishment, SchoolYear]:
    establishment = get_establishment_for(scope, establishment_pk)
    school_year = get_school_year_for_rules(start_year)
    if school_year.pk is None:
        raise Http404("Année scolaire introuvable.")
    return establishment, school_year


def previous_rule_set(*, academie_id: int, school_year: SchoolYear) -> ImpRuleSet | None:
    """The académie's most recent rules before `school_year` (years may have been skipped)."""
    return (
        ImpRuleSet.objects.filter(
            academie_id=academie_id, school_year__start_year__lt=school_year.start_year
        )
        .select_related("school_year")
        .order_by("-school_year__start_year")
        .first()
    )
