"""The task that prepares a synthesis report: collect the figures, render the PDF and the
editable document, store both, mark the report ready.

Each run claims the report under a new token and saves its progress (percent and step) as it
goes, for the page's progress bar; a run whose token was replaced (the report started again)
stops at its next step. A report already ready is left as it is, so a message delivered twice
does nothing more. The files are stored under names of their own (the report's id), replacing
what a run stopped midway left. A database failure that may pass is retried with backoff; any
other failure, or the last retry, stays on the report with its message, shown on the page.
"""

from __future__ import annotations

import logging
from typing import Any

from celery import shared_task
from django.core.files.base import ContentFile
from django.db import InterfaceError, OperationalError
from django.db.models import FileField
from django.utils import timezone

from accounts.models import Membership
from accounts.scopes import scope_for
from dashboards.models import ACTIVE_REPORT_STATUSES, ReportStatus, SynthesisReport
from dashboards.selectors_report import perimeter_of, report_file_name
from rupn.jobs import Superseded, claim_job_run, save_job_progress
from rupn.tasks import AcademieTask

logger = logging.getLogger(__name__)

TEMPORARY = (OperationalError, InterfaceError)
MAX_RETRIES = 3
PERIMETER_CHANGED = (
    "Le périmètre de votre rôle a changé depuis la demande (rôle retiré ou autres "
    "départements) : demandez une nouvelle synthèse."
)


def _claim(academie_id: int, report_id: int) -> tuple[SynthesisReport, str] | None:
    def start(report: SynthesisReport) -> list[str]:
        report.progress = 1
        report.step = "Préparation commencée"
        return ["progress", "step"]

    token = claim_job_run(
        SynthesisReport.objects.filter(academie_id=academie_id),
        pk=report_id,
        active=ACTIVE_REPORT_STATUSES,
        running=ReportStatus.RUNNING,
        prepare=start,
    )
    if token is None:
        return None
    return (
        SynthesisReport.objects.select_related("academie", "school_year", "membership").get(
            pk=report_id
        ),
        token,
    )


def _progress(report: SynthesisReport, token: str, percent: int, step: str) -> None:
    save_job_progress(
        SynthesisReport.objects.all(),
        pk=report.pk,
        token=token,
        running=ReportStatus.RUNNING,
        progress=percent,
        step=step[:120],
    )


def _field(name: str) -> FileField:
    field = SynthesisReport._meta.get_field(name)
    assert isinstance(field, FileField)
    return field


def _store(report: SynthesisReport, name: str, extension: str, data: bytes) -> str:
    field = _field(name)
    stem = report_file_name(report, extension).removesuffix(f".{extension}")
    target = field.generate_filename(report, f"{stem}-{report.pk}.{extension}")
    if field.storage.exists(target):
        field.storage.delete(target)  # left by a run stopped before it finished
    return field.storage.save(target, ContentFile(data))


def _render(report: SynthesisReport, token: str) -> dict[str, Any]:
    from dashboards.report import collect_report
    from dashboards.report_docx import render_report_docx
    from dashboards.report_pdf import render_report_pdf

    membership = Membership.objects.get(pk=report.membership_id)
    scope = scope_for(membership)
    if not membership.is_active or perimeter_of(scope) != report.perimeter:
        raise PermissionError(PERIMETER_CHANGED)

    def step(percent: int, label: str) -> None:
        _progress(report, token, percent, label)

    figures = collect_report(scope, school_year=report.school_year, progress=step)
    step(65, "Mise en page du PDF")
    pdf = render_report_pdf(figures)
    step(85, "Document modifiable")
    docx = render_report_docx(figures)
    step(95, "Enregistrement des fichiers")
    return {
        "pdf_file": _store(report, "pdf_file", "pdf", pdf),
        "pdf_size": len(pdf),
        "docx_file": _store(report, "docx_file", "docx", docx),
        "docx_size": len(docx),
    }


@shared_task(base=AcademieTask, bind=True, acks_late=True, reject_on_worker_lost=True)
def render_synthesis_report(
    self: AcademieTask, *, academie_id: int, report_id: int
) -> dict[str, Any]:
    """Prepare the report's files, unless it is ready already."""
    claimed = _claim(academie_id, report_id)
    if claimed is None:
        return {"status": "nothing to do"}
    report, token = claimed
    try:
        files = _render(report, token)
    except Superseded:
        logger.info("Synthesis report %s: another run took over", report.pk)
        return {"status": "superseded"}
    except TEMPORARY as exc:
        if self.request.retries < MAX_RETRIES:
            SynthesisReport.objects.filter(pk=report.pk, run_token=token).update(
                status=ReportStatus.QUEUED,
                run_token="",
                step="Nouvel essai dans quelques instants",
                progress_at=timezone.now(),
            )
            raise self.retry(exc=exc, countdown=10 * 2**self.request.retries) from exc
        return _fail(report, token, exc)
    except Exception as exc:
        return _fail(report, token, exc)
    now = timezone.now()
    SynthesisReport.objects.filter(pk=report.pk, run_token=token).update(
        status=ReportStatus.DONE,
        progress=100,
        step="Synthèse prête",
        finished_at=now,
        progress_at=now,
        run_token="",
        error="",
        **files,
    )
    return {"status": "done", "pdf_size": files["pdf_size"], "docx_size": files["docx_size"]}


def _fail(report: SynthesisReport, token: str, exc: Exception) -> dict[str, Any]:
    logger.exception("Synthesis report %s failed", report.pk)
    message = (
        str(exc)
        if isinstance(exc, PermissionError)
        else f"La préparation s’est interrompue : {exc}"
    )
    SynthesisReport.objects.filter(pk=report.pk, run_token=token).update(
        status=ReportStatus.FAILED,
        error=message[:1000],
        step="Échec",
        finished_at=timezone.now(),
        progress_at=timezone.now(),
        run_token="",
    )
    return {"status": "failed"}
