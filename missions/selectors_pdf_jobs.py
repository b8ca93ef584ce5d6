"""Reads behind the bulk operations on the issued letters' PDFs: which letters a job would
handle, the académie's jobs, one job. For the DANE admins of the whole académie only."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.db.models import QuerySet
from django.http import Http404

from establishments.access import departements_visible_to
from establishments.models import SchoolYear
from missions.models import ACTIVE_PDF_JOB_STATUSES, Letter, LetterPdfJob, LetterStatus
from missions.selectors_letters import letters_visible_to
from tenancy.scope import Scope

RECENT_JOBS = 10


def can_run_pdf_jobs(scope: Scope | None) -> bool:
    """Bulk operations act on every letter of the académie: its DANE admins only."""
    return scope is not None and scope.is_dane_admin and scope.whole_academie


@dataclass(frozen=True)
class PdfJobFilters:
    """The letters a job is about: the issued letters of a school year, in the départements
    and types of establishment chosen (none chosen: all)."""

    school_year: SchoolYear
    departement_ids: Sequence[int] = ()
    establishment_types: Sequence[str] = ()


def pdf_job_letters(scope: Scope | None, filters: PdfJobFilters) -> QuerySet[Letter]:
    """The issued letters under `filters` that `scope` reaches (amendments included: each
    issued letter has its own PDF)."""
    if not can_run_pdf_jobs(scope):
        return Letter.objects.none()
    letters = letters_visible_to(scope).filter(
        school_year=filters.school_year, status=LetterStatus.ISSUED
    )
    if filters.departement_ids:
        letters = letters.filter(establishment__departement_id__in=list(filters.departement_ids))
    if filters.establishment_types:
        letters = letters.filter(establishment__type__in=list(filters.establishment_types))
    return letters


def pdf_jobs_visible_to(scope: Scope | None) -> QuerySet[LetterPdfJob]:
    if scope is None or not can_run_pdf_jobs(scope):
        return LetterPdfJob.objects.none()
    return LetterPdfJob.objects.filter(academie_id=scope.academie_id)


def get_pdf_job_for(scope: Scope | None, pk: int | str) -> LetterPdfJob:
    try:
        return (
            pdf_jobs_visible_to(scope)
            .select_related("academie", "school_year", "created_by")
            .get(pk=pk)
        )
    except (LetterPdfJob.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404("Opération introuvable.") from exc


@dataclass(frozen=True)
class PdfJobsPage:
    """The page's jobs: the active ones (at most one of each kind) and the latest ones."""

    active: list[LetterPdfJob]
    recent: list[LetterPdfJob]
    departement_labels: dict[int, str]


def pdf_jobs_page(scope: Scope | None) -> PdfJobsPage:
    """Three queries whatever the number of jobs."""
    jobs = pdf_jobs_visible_to(scope).select_related("academie", "school_year", "created_by")
    active = list(jobs.filter(status__in=ACTIVE_PDF_JOB_STATUSES).order_by("kind"))
    recent = list(jobs.order_by("-created_at", "-pk")[:RECENT_JOBS])
    labels = {d.pk: str(d) for d in departements_visible_to(scope).order_by("code")}
    return PdfJobsPage(active=active, recent=recent, departement_labels=labels)


def zip_file_name(job: LetterPdfJob) -> str:
    """`lettres-mission-2025-2026-poitiers.zip`, with the départements' codes when chosen
    (`…-poitiers-86.zip`)."""
    from establishments.models import Departement

    year = job.school_year.label.replace("–", "-").replace(" ", "")
    codes = sorted(
        Departement.objects.filter(
            academie_id=job.academie_id, pk__in=list(job.departement_ids)
        ).values_list("code", flat=True)
    )
    suffix = "".join(f"-{code.lower()}" for code in codes)
    return f"lettres-mission-{year}-{job.academie.slug}{suffix}.zip"
