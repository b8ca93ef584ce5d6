"""A ZIP archive of the letters built by a real worker on Redis: the job queued on commit, its
message taken from the broker, its progress saved, the archive stored."""

from __future__ import annotations

import io
import time
import zipfile

import pytest
from django.core.files.storage import default_storage

from accounts.scopes import scope_for
from establishments.models import SchoolYear
from missions.models import LetterPdfJob, LetterStatus, PdfJobKind, PdfJobStatus
from missions.services_pdf_jobs import pdf_job_start
from tests.missions.letters import advance, draft_letter, publish_template
from tests.test_celery_worker import redis_worker  # noqa: F401  (fixture)

pytestmark = [pytest.mark.celery_worker, pytest.mark.django_db(transaction=True)]


def _wait_for(predicate, timeout: float = 60.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.2)
    return False


@pytest.fixture
def issued(poitiers):
    """An issued letter, built before the worker starts (its own tasks wait in the queue)."""
    publish_template(poitiers)
    return advance(draft_letter(poitiers), poitiers, until=LetterStatus.ISSUED)


def test_a_worker_builds_the_archive_queued_on_commit(poitiers, issued, redis_worker):  # noqa: F811
    letter = issued
    job = pdf_job_start(
        actor=scope_for(poitiers.dane_admin),
        kind=PdfJobKind.ZIP,
        school_year=SchoolYear.objects.current(),
    )

    def done() -> bool:
        job.refresh_from_db()
        return job.status == PdfJobStatus.DONE

    assert _wait_for(done), f"le worker n’a pas terminé l’archive à temps ({job.status})"
    assert job.done_count == job.total == 1 and job.failed_count == 0
    with default_storage.open(str(job.zip_file.name), "rb") as handle:
        names = zipfile.ZipFile(io.BytesIO(handle.read())).namelist()
    assert len(names) == 1 and letter.establishment.uai in names[0]
    assert LetterPdfJob.objects.count() == 1
