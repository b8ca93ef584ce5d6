"""The task of a bulk operation on the issued letters' PDFs (`missions.services_pdf_jobs`).

It works through the job's letters in chunks and saves the count handled after each chunk, so
that the page shows it moving and a run started again (the message delivered again after a
worker restart, or « Relancer » on the page) goes on from the last chunk saved:

- regeneration: each letter's PDF is rendered again from the same signed document and sealed
  again; the new file is stored first, then the `LetterPdf` row is switched to it in a
  transaction and the old file deleted only after that commits. The row remembers the job that
  produced it, so a run of the same job again never redoes a letter;
- ZIP archive: the PDFs are written into a temporary file, stored through the storage API at
  the end; a run started again rebuilds the archive from the start.

A letter that fails is counted and its error kept (the first ones) without stopping the job.
Each run holds a token: a run whose token was replaced (a newer run took over) stops at its
next chunk.
"""

from __future__ import annotations

import hashlib
import logging
import tempfile
import zipfile
from typing import Any

from celery import shared_task
from django.core.files import File
from django.core.files.base import ContentFile
from django.core.files.storage import Storage
from django.db import IntegrityError, transaction
from django.db.models import FileField
from django.utils import timezone

from missions.models import (
    Letter,
    LetterPdf,
    LetterPdfJob,
    LetterStatus,
    PdfJobKind,
    PdfJobStatus,
)
from missions.selectors_pdf_jobs import zip_file_name
from rupn.jobs import Superseded, claim_job_run, save_job_progress
from rupn.tasks import AcademieTask

logger = logging.getLogger(__name__)

CHUNK_SIZE = 10
FAILURES_KEPT = 20
GONE = "Lettre introuvable ou plus émise."


def _file_field() -> FileField:
    field = LetterPdf._meta.get_field("file")
    assert isinstance(field, FileField)
    return field


def _storage() -> Storage:
    return _file_field().storage


def _render(letter: Letter) -> bytes:
    from missions.pdf import render_letter_pdf
    from missions.seal import seal_pdf

    return seal_pdf(render_letter_pdf(letter), academie=letter.academie, reference=letter.reference)


def regenerate_letter_pdf(letter: Letter, job: LetterPdfJob) -> bool:
    """Render and seal `letter`'s PDF again and switch its stored file to the new one; False
    when this job already did (nothing done). Content and signatures are the signed
    document's: the renderer reads nothing else."""
    from missions.pdf import file_name

    current = LetterPdf.objects.filter(letter=letter).first()
    if current is not None and current.regenerated_by_id == job.pk:
        return False
    pdf = _render(letter)
    storage = _storage()
    draft = LetterPdf(academie=letter.academie, letter=letter)
    target = _file_field().generate_filename(
        draft, file_name(letter).removesuffix(".pdf") + f"-r{job.pk}.pdf"
    )
    if storage.exists(target) and (current is None or current.file.name != target):
        storage.delete(target)  # left by a run of this job stopped before it switched the row
    new_name = storage.save(target, ContentFile(pdf))
    values: dict[str, Any] = {
        "sha256": hashlib.sha256(pdf).hexdigest(),
        "size": len(pdf),
        "rendered_at": timezone.now(),
        "sealed": pdf.count(b"/ByteRange") > 0,
        "regenerated_by_id": job.pk,
    }
    try:
        with transaction.atomic():
            row = LetterPdf.objects.select_for_update().filter(letter=letter).first()
            if row is not None and row.regenerated_by_id == job.pk:
                transaction.on_commit(lambda: storage.delete(new_name))
                return False
            if row is None:
                try:
                    with transaction.atomic():
                        LetterPdf.objects.create(
                            academie_id=letter.academie_id, letter=letter, file=new_name, **values
                        )
                    return True
                except IntegrityError:  # the issuing task stored one meanwhile: replace it
                    row = LetterPdf.objects.select_for_update().get(letter=letter)
            old = row.file.name
            row.file.name = new_name
            for key, value in values.items():
                setattr(row, key, value)
            row.save(update_fields=["file", *values])
            if old and old != new_name:
                # Only once the row names the new file: a failure before keeps the old one.
                transaction.on_commit(lambda: storage.delete(old))
    except Exception:
        storage.delete(new_name)
        raise
    return True


def _claim(academie_id: int, job_id: int) -> tuple[LetterPdfJob, str] | None:
    """Mark the job running under a new token; None when there is nothing to do."""

    def start(job: LetterPdfJob) -> list[str]:
        if job.kind != PdfJobKind.ZIP:
            return []
        job.done_count, job.failed_count, job.failures = 0, 0, []  # the archive starts again
        return ["done_count", "failed_count", "failures"]

    token = claim_job_run(
        LetterPdfJob.objects.filter(academie_id=academie_id),
        pk=job_id,
        active=[PdfJobStatus.QUEUED, PdfJobStatus.RUNNING],
        running=PdfJobStatus.RUNNING,
        prepare=start,
    )
    if token is None:
        return None
    return LetterPdfJob.objects.select_related("academie", "school_year").get(pk=job_id), token


def _save_progress(job: LetterPdfJob, token: str) -> None:
    save_job_progress(
        LetterPdfJob.objects.all(),
        pk=job.pk,
        token=token,
        running=PdfJobStatus.RUNNING,
        done_count=job.done_count,
        failed_count=job.failed_count,
        failures=job.failures,
    )


def _letters(job: LetterPdfJob, ids: list[int]) -> dict[int, Letter]:
    return {
        letter.pk: letter
        for letter in Letter.objects.select_related(
            "academie", "establishment", "school_year", "referent__user", "supersedes"
        ).filter(academie_id=job.academie_id, pk__in=ids, status=LetterStatus.ISSUED)
    }


def _record_failure(job: LetterPdfJob, letter_id: int, letter: Letter | None, message: str) -> None:
    job.failed_count += 1
    if len(job.failures) < FAILURES_KEPT:
        job.failures = [
            *job.failures,
            {
                "letter_id": letter_id,
                "reference": letter.reference if letter else "",
                "message": message[:300],
            },
        ]


def _failure_message(exc: Exception) -> str:
    return (
        f"Le PDF n’a pas pu être produit : {exc}" if str(exc) else "Le PDF n’a pas pu être produit."
    )


def _each_letter(job: LetterPdfJob, token: str, handle: Any) -> None:
    """Call `handle(letter)` for each letter from the saved position, chunk by chunk."""
    ids = [int(i) for i in job.letter_ids]
    while job.done_count < len(ids):
        chunk = ids[job.done_count : job.done_count + CHUNK_SIZE]
        letters = _letters(job, chunk)
        for letter_id in chunk:
            letter = letters.get(letter_id)
            if letter is None:
                _record_failure(job, letter_id, None, GONE)
                continue
            try:
                handle(letter)
            except Exception as exc:
                logger.exception("Letter %s in PDF job %s failed", letter_id, job.pk)
                _record_failure(job, letter_id, letter, _failure_message(exc))
        job.done_count += len(chunk)
        _save_progress(job, token)


def _finish(job: LetterPdfJob, token: str, **fields: Any) -> None:
    now = timezone.now()
    LetterPdfJob.objects.filter(pk=job.pk, run_token=token).update(
        status=PdfJobStatus.DONE, finished_at=now, progress_at=now, run_token="", **fields
    )


def _regenerate(job: LetterPdfJob, token: str) -> None:
    _each_letter(job, token, lambda letter: regenerate_letter_pdf(letter, job))
    _finish(job, token)


def _unique(name: str, used: set[str]) -> str:
    candidate, n = name, 1
    while candidate in used:
        n += 1
        candidate = name.removesuffix(".pdf") + f"-{n}.pdf"
    used.add(candidate)
    return candidate


def _read(row: LetterPdf) -> bytes:
    with row.file.open("rb") as pdf:
        return pdf.read()


def _zip(job: LetterPdfJob, token: str) -> None:
    from missions.pdf import file_name
    from missions.tasks_pdf import stored_pdf

    used: set[str] = set()
    with tempfile.TemporaryFile(suffix=".zip") as handle:
        with zipfile.ZipFile(handle, "w", compression=zipfile.ZIP_DEFLATED) as archive:

            def add(letter: Letter) -> None:
                row = stored_pdf(letter)  # rendered and stored now if it was not yet
                try:
                    data = _read(row)
                except FileNotFoundError:  # a regeneration switched it meanwhile
                    data = _read(stored_pdf(letter))
                archive.writestr(_unique(file_name(letter), used), data)

            _each_letter(job, token, add)
        size = handle.tell()
        handle.seek(0)
        field = LetterPdfJob._meta.get_field("zip_file")
        assert isinstance(field, FileField)
        target = field.generate_filename(
            job, zip_file_name(job).removesuffix(".zip") + f"-{job.pk}.zip"
        )
        if field.storage.exists(target):
            field.storage.delete(target)  # stored by a run that stopped before finishing
        name = field.storage.save(target, File(handle))
    _finish(job, token, zip_file=name, zip_size=size)


@shared_task(base=AcademieTask, bind=True, acks_late=True, reject_on_worker_lost=True)
def run_letter_pdf_job(self: AcademieTask, *, academie_id: int, job_id: int) -> dict[str, int]:
    """Regenerate or archive the job's letters from where the last run stopped."""
    claimed = _claim(academie_id, job_id)
    if claimed is None:
        return {"done": 0, "failed": 0}
    job, token = claimed
    try:
        if job.kind == PdfJobKind.ZIP:
            _zip(job, token)
        else:
            _regenerate(job, token)
    except Superseded:
        logger.info("PDF job %s: another run took over", job.pk)
    except Exception as exc:
        logger.exception("PDF job %s failed", job.pk)
        LetterPdfJob.objects.filter(pk=job.pk, run_token=token).update(
            status=PdfJobStatus.FAILED,
            error=f"L’opération s’est interrompue : {exc}"[:1000],
            finished_at=timezone.now(),
            run_token="",
        )
    return {"done": job.done_count, "failed": job.failed_count}
