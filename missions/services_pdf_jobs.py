"""Bulk operations of the DANE on the issued letters' PDFs: regenerate them (after a change of
logo or of the seal's certificate: same signed document, same signatures, new file) or gather
them in one ZIP archive. A job is recorded here, then a task (`missions.tasks_pdf_jobs`) works
through its letters in chunks and saves its progress for the page.

Only the DANE admins of the whole académie start or restart a job: it concerns every letter of
the académie, and one job of each kind runs at a time for the whole académie, so a
coordinator's job would hold back everyone else's.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from audit.services import audit_record
from establishments.models import Departement, EstablishmentType, SchoolYear
from missions.models import (
    ACTIVE_PDF_JOB_STATUSES,
    LetterPdfJob,
    PdfJobKind,
    PdfJobStatus,
)
from missions.selectors_pdf_jobs import PdfJobFilters, can_run_pdf_jobs, pdf_job_letters
from rupn.tasks import dispatch_on_commit
from tenancy.scope import Scope

# A job whose task saved no progress for this long has lost its worker (a restart, a message
# lost): the page then offers to start it again. A chunk takes seconds.
STALLED_AFTER = timedelta(minutes=5)

ALREADY_ACTIVE = {
    PdfJobKind.REGENERATE: "Une régénération des PDF est déjà en cours pour l’académie : "
    "attendez qu’elle se termine avant d’en lancer une autre.",
    PdfJobKind.ZIP: "Une archive ZIP est déjà en préparation pour l’académie : "
    "attendez qu’elle soit prête avant d’en demander une autre.",
}
VERBS = {
    PdfJobKind.REGENERATE: "a lancé la régénération des PDF de {n} lettre(s) de mission émises",
    PdfJobKind.ZIP: "a demandé l’archive ZIP des PDF de {n} lettre(s) de mission émises",
}


def _require_dane_admin(actor: Scope) -> None:
    if not can_run_pdf_jobs(actor) or actor.user_id is None or actor.membership_id is None:
        raise ValidationError(
            "Seul un administrateur DANE de l’académie peut régénérer ou télécharger "
            "les PDF de toutes les lettres."
        )


def job_is_stalled(job: LetterPdfJob, *, now: object = None) -> bool:
    """Active, but nothing moved for `STALLED_AFTER`: its task is gone."""
    if not job.is_active:
        return False
    moment = now or timezone.now()
    last = job.progress_at or job.created_at
    return last is not None and moment - last > STALLED_AFTER  # type: ignore[operator]


def job_is_restartable(job: LetterPdfJob) -> bool:
    return job.status == PdfJobStatus.FAILED or job_is_stalled(job)


@transaction.atomic
def pdf_job_start(
    *,
    actor: Scope,
    kind: str,
    school_year: SchoolYear,
    departements: Sequence[Departement] = (),
    types: Sequence[str] = (),
) -> LetterPdfJob:
    """Record a job over the issued letters of `school_year` in `departements` and `types`
    (empty: all) and queue its task after commit; refused while a job of the same kind is
    active in the académie."""
    _require_dane_admin(actor)
    try:
        job_kind = PdfJobKind(kind)
    except ValueError as exc:
        raise ValidationError(
            "Choisissez l’opération : régénérer les PDF ou l’archive ZIP."
        ) from exc
    if any(d.academie_id != actor.academie_id for d in departements):
        raise ValidationError("Choisissez des départements de l’académie.")
    if any(t not in EstablishmentType.values for t in types):
        raise ValidationError("Choisissez des types d’établissement de la liste.")
    departement_ids = sorted({d.pk for d in departements})
    establishment_types = sorted(set(types))
    if LetterPdfJob.objects.filter(
        academie_id=actor.academie_id, kind=job_kind, status__in=ACTIVE_PDF_JOB_STATUSES
    ).exists():
        raise ValidationError(ALREADY_ACTIVE[job_kind])
    filters = PdfJobFilters(
        school_year=school_year,
        departement_ids=departement_ids,
        establishment_types=establishment_types,
    )
    ids = list(pdf_job_letters(actor, filters).order_by("pk").values_list("pk", flat=True))
    if not ids:
        raise ValidationError(
            f"Aucune lettre émise en {school_year.label} ne correspond à ces critères."
        )
    assert actor.user_id is not None and actor.membership_id is not None
    try:
        with transaction.atomic():
            job = LetterPdfJob.objects.create(
                academie_id=actor.academie_id,
                kind=job_kind,
                school_year=school_year,
                departement_ids=departement_ids,
                establishment_types=establishment_types,
                letter_ids=ids,
                total=len(ids),
                created_by_id=actor.user_id,
                membership_id=actor.membership_id,
            )
    except IntegrityError as exc:  # another admin's job started in between
        raise ValidationError(ALREADY_ACTIVE[job_kind]) from exc
    audit_record(
        actor=actor,
        verb=f"letter.pdf_job_{job_kind.value}",
        target=job,
        school_year_id=school_year.pk,
        summary=VERBS[job_kind].format(n=len(ids)) + f" ({school_year.label})",
        after={
            "opération": job_kind.value,
            "année": school_year.start_year,
            "départements": departement_ids,
            "types": establishment_types,
            "lettres": len(ids),
        },
    )
    from missions.tasks_pdf_jobs import run_letter_pdf_job

    dispatch_on_commit(run_letter_pdf_job, academie_id=actor.academie_id, job_id=job.pk)
    return job


@transaction.atomic
def pdf_job_restart(*, actor: Scope, job: LetterPdfJob) -> LetterPdfJob:
    """Queue again a job that failed or whose task vanished; it goes on from the last chunk
    saved (an archive is rebuilt). The run that may still hold it stops at its next chunk."""
    _require_dane_admin(actor)
    locked = LetterPdfJob.objects.select_for_update().get(pk=job.pk, academie_id=actor.academie_id)
    if not job_is_restartable(locked):
        if locked.status == PdfJobStatus.DONE:
            raise ValidationError("Cette opération est terminée : il n’y a rien à relancer.")
        raise ValidationError(
            "Cette opération progresse encore : elle n’a pas besoin d’être relancée."
        )
    if (
        locked.status == PdfJobStatus.FAILED
        and LetterPdfJob.objects.filter(
            academie_id=locked.academie_id, kind=locked.kind, status__in=ACTIVE_PDF_JOB_STATUSES
        )
        .exclude(pk=locked.pk)
        .exists()
    ):
        raise ValidationError(ALREADY_ACTIVE[PdfJobKind(locked.kind)])
    before = locked.status
    locked.status = PdfJobStatus.QUEUED
    locked.run_token = ""
    locked.error = ""
    locked.progress_at = timezone.now()
    locked.finished_at = None
    locked.save(update_fields=["status", "run_token", "error", "progress_at", "finished_at"])
    audit_record(
        actor=actor,
        verb="letter.pdf_job_restart",
        target=locked,
        school_year_id=locked.school_year_id,
        summary=f"a relancé l’opération « {locked.get_kind_display()} » "
        f"({locked.done_count} / {locked.total} lettres traitées)",
        before={"état": before},
        after={"état": locked.status},
    )
    from missions.tasks_pdf_jobs import run_letter_pdf_job

    dispatch_on_commit(run_letter_pdf_job, academie_id=locked.academie_id, job_id=locked.pk)
    return locked
