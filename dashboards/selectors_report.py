"""Who sees which synthesis reports: the DANE admins the académie's, a coordinator those of
exactly their départements. A report covers the perimeter of whoever asked for it, so a
coordinator never reads a report holding another département's figures."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import QuerySet
from django.http import Http404

from dashboards.models import ACTIVE_REPORT_STATUSES, SynthesisReport
from establishments.models import Departement, SchoolYear
from tenancy.roles import Role
from tenancy.scope import Scope, ScopeKind

REPORT_ROLES = frozenset({Role.DANE_ADMIN, Role.DANE_COORDINATOR})
RECENT_REPORTS = 10


def can_request_report(scope: Scope | None) -> bool:
    return (
        scope is not None
        and scope.role in REPORT_ROLES
        and scope.kind in (ScopeKind.ACADEMIE, ScopeKind.DEPARTEMENTS)
    )


def perimeter_of(scope: Scope) -> str:
    """ "" for the whole académie, else the départements' ids, sorted, comma-separated."""
    if scope.whole_academie:
        return ""
    return ",".join(str(pk) for pk in sorted(scope.departement_ids))


def reports_visible_to(scope: Scope | None) -> QuerySet[SynthesisReport]:
    if scope is None or not can_request_report(scope):
        return SynthesisReport.objects.none()
    return SynthesisReport.objects.filter(
        academie_id=scope.academie_id, perimeter=perimeter_of(scope)
    )


def get_report_for(scope: Scope | None, pk: int | str) -> SynthesisReport:
    """The report `pk`; 404 alike when missing, of another académie or another perimeter."""
    try:
        return (
            reports_visible_to(scope)
            .select_related("academie", "school_year", "created_by")
            .get(pk=pk)
        )
    except (SynthesisReport.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404("Synthèse introuvable.") from exc


@dataclass(frozen=True)
class ReportsPage:
    school_year: SchoolYear
    active: SynthesisReport | None
    reports: list[SynthesisReport]


def reports_page(scope: Scope, school_year: SchoolYear) -> ReportsPage:
    """The year's reports of the perimeter, newest first (one query), the active one apart."""
    reports = list(
        reports_visible_to(scope)
        .filter(school_year=school_year)
        .select_related("academie", "school_year", "created_by")
        .order_by("-created_at", "-pk")[:RECENT_REPORTS]
    )
    active = next((r for r in reports if r.status in ACTIVE_REPORT_STATUSES), None)
    return ReportsPage(school_year=school_year, active=active, reports=reports)


def departement_codes(report: SynthesisReport) -> list[str]:
    if not report.perimeter:
        return []
    ids = [int(pk) for pk in report.perimeter.split(",")]
    return sorted(
        Departement.objects.filter(academie_id=report.academie_id, pk__in=ids).values_list(
            "code", flat=True
        )
    )


def report_file_name(report: SynthesisReport, extension: str) -> str:
    """`synthese-rupn-2025-2026-poitiers.pdf` (`…-poitiers-16.pdf` for a coordinator's)."""
    from dashboards.report_pdf import report_file_stem

    stem = report_file_stem(
        school_year_label=report.school_year.label,
        academie_slug=report.academie.slug,
        codes=departement_codes(report),
    )
    return f"{stem}.{extension}"
