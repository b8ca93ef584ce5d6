"""Bulk operations on the issued letters' PDFs: which letters, who may, one job of a kind at a
time, regeneration (old file kept until the new one is stored, same signed document and
signatures, a seal that verifies), the ZIP archive, a job interrupted and run again, a failed
letter, a job whose task vanished and its restart."""

from __future__ import annotations

import datetime
import hashlib
import io
import zipfile
from dataclasses import dataclass
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.utils import timezone

from accounts.scopes import scope_for
from audit.models import AuditEvent
from establishments.models import EstablishmentType, SchoolYear
from missions import tasks_pdf_jobs
from missions.document import document_sha256, signed_document
from missions.models import (
    Letter,
    LetterPdf,
    LetterPdfJob,
    LetterSignature,
    LetterStatus,
    PdfJobKind,
    PdfJobStatus,
)
from missions.pdf import file_name
from missions.seal import verify_pdf
from missions.selectors_pdf_jobs import PdfJobFilters, pdf_job_letters, zip_file_name
from missions.services_pdf_jobs import (
    STALLED_AFTER,
    job_is_restartable,
    pdf_job_restart,
    pdf_job_start,
)
from missions.tasks_pdf_jobs import run_letter_pdf_job
from tests.factories import AcademieWorld
from tests.missions.letters import advance, draft_letter, publish_template
from tests.missions.list_builders import letter_for, other_school
from tests.missions.seals import seals  # noqa: F401  (fixture)

pytestmark = pytest.mark.django_db(transaction=True)


@dataclass
class Bulk:
    world: AcademieWorld
    college: list[Letter]  # issued, in the collège (first département)
    lycee: Letter  # issued, in the lycée (last département)
    sent: Letter  # sent, not issued
    elsewhere: Letter  # issued, in Bordeaux

    @property
    def issued(self) -> list[Letter]:
        return sorted([*self.college, self.lycee], key=lambda letter: letter.pk)


@pytest.fixture
def bulk(poitiers, bordeaux) -> Bulk:
    publish_template(poitiers)
    publish_template(bordeaux)
    first = advance(draft_letter(poitiers), poitiers, until=LetterStatus.ISSUED)
    second = letter_for(
        poitiers, "ines.durand@test.fr", until=LetterStatus.ISSUED, last_name="Durand"
    )
    lycee = letter_for(other_school(poitiers), "rupn.lycee@test.fr", until=LetterStatus.ISSUED)
    sent = letter_for(poitiers, "paul.sent@test.fr", until=LetterStatus.SENT, last_name="Sent")
    elsewhere = advance(draft_letter(bordeaux), bordeaux, until=LetterStatus.ISSUED)
    return Bulk(poitiers, [first, second], lycee, sent, elsewhere)


def admin(world: AcademieWorld):
    return scope_for(world.dane_admin)


def year() -> SchoolYear:
    return SchoolYear.objects.current()


def start(bulk: Bulk, kind: PdfJobKind, **filters) -> LetterPdfJob:
    job = pdf_job_start(actor=admin(bulk.world), kind=kind, school_year=year(), **filters)
    job.refresh_from_db()
    return job


@pytest.fixture
def held(monkeypatch) -> list[dict]:
    """Tasks are queued but not run (as with a worker that has not taken them yet)."""
    queued: list[dict] = []
    monkeypatch.setattr(
        run_letter_pdf_job, "apply_async", lambda kwargs=None, **options: queued.append(kwargs)
    )
    return queued


def stored(letter: Letter) -> LetterPdf:
    return LetterPdf.objects.get(letter=letter)


def pdf_bytes(row: LetterPdf) -> bytes:
    with default_storage.open(str(row.file.name), "rb") as handle:
        return handle.read()


# --- Which letters, who may -----------------------------------------------------------------


def test_the_letters_of_a_job_are_the_issued_ones_of_the_filters(bulk, bordeaux):
    scope = admin(bulk.world)
    college_dep = bulk.world.establishment.departement
    lycee_dep = bulk.world.other_establishment.departement

    def ids(**filters) -> set[int]:
        chosen = PdfJobFilters(school_year=year(), **filters)
        return set(pdf_job_letters(scope, chosen).values_list("pk", flat=True))

    assert ids() == {letter.pk for letter in bulk.issued}  # not the sent one, not Bordeaux'
    assert ids(departement_ids=[college_dep.pk]) == {letter.pk for letter in bulk.college}
    assert ids(departement_ids=[college_dep.pk, lycee_dep.pk]) == ids()
    assert ids(establishment_types=[EstablishmentType.LGT]) == {bulk.lycee.pk}
    assert (
        ids(departement_ids=[college_dep.pk], establishment_types=[EstablishmentType.LGT]) == set()
    )
    last_year = SchoolYear.objects.create(start_year=year().start_year - 1)
    assert not pdf_job_letters(scope, PdfJobFilters(school_year=last_year)).exists()
    # Bordeaux' admin never reaches Poitiers' letters, a coordinator or a principal none.
    theirs = pdf_job_letters(admin(bordeaux), PdfJobFilters(school_year=year()))
    assert set(theirs.values_list("pk", flat=True)) == {bulk.elsewhere.pk}
    for membership in (bulk.world.coordinator, bulk.world.principal):
        chosen = PdfJobFilters(school_year=year())
        assert not pdf_job_letters(scope_for(membership), chosen).exists()


def test_a_job_counts_its_letters_records_the_filters_and_an_audit_event(bulk, held):
    departement = bulk.world.establishment.departement
    job = start(bulk, PdfJobKind.ZIP, departements=[departement])

    assert job.status == PdfJobStatus.QUEUED and job.total == 2 and job.done_count == 0
    assert job.letter_ids == sorted(letter.pk for letter in bulk.college)
    assert job.departement_ids == [departement.pk] and job.establishment_types == []
    assert job.created_by_id == bulk.world.dane_admin.user_id
    assert job.membership_id == bulk.world.dane_admin.pk
    assert held == [{"academie_id": bulk.world.academie.pk, "job_id": job.pk}]
    event = AuditEvent.objects.get(verb="letter.pdf_job_zip", target_id=job.pk)
    assert event.actor_id == bulk.world.dane_admin.user_id and "2 lettre(s)" in event.summary


def test_only_the_dane_admin_of_the_academie_starts_a_job(bulk, held):
    for membership in (bulk.world.coordinator, bulk.world.principal, bulk.world.rupn):
        with pytest.raises(ValidationError, match="Seul un administrateur DANE"):
            pdf_job_start(actor=scope_for(membership), kind=PdfJobKind.ZIP, school_year=year())
    assert not LetterPdfJob.objects.exists() and held == []


def test_bad_choices_are_refused_and_change_nothing(bulk, bordeaux, held):
    scope = admin(bulk.world)
    with pytest.raises(ValidationError, match="Choisissez l’opération"):
        pdf_job_start(actor=scope, kind="supprimer", school_year=year())
    with pytest.raises(ValidationError, match="départements de l’académie"):
        pdf_job_start(
            actor=scope,
            kind=PdfJobKind.ZIP,
            school_year=year(),
            departements=[bordeaux.establishment.departement],
        )
    with pytest.raises(ValidationError, match="types d’établissement"):
        pdf_job_start(actor=scope, kind=PdfJobKind.ZIP, school_year=year(), types=["lycee"])
    with pytest.raises(ValidationError, match="Aucune lettre émise en"):
        pdf_job_start(
            actor=scope, kind=PdfJobKind.ZIP, school_year=year(), types=[EstablishmentType.EREA]
        )
    assert not LetterPdfJob.objects.exists() and held == []


def test_a_second_job_of_the_same_kind_is_refused_while_one_is_active(bulk, bordeaux, held):
    first = start(bulk, PdfJobKind.REGENERATE)
    with pytest.raises(ValidationError, match="régénération des PDF est déjà en cours"):
        start(bulk, PdfJobKind.REGENERATE)
    # The other kind may run beside it, and another académie has its own.
    zip_job = start(bulk, PdfJobKind.ZIP)
    with pytest.raises(ValidationError, match="archive ZIP est déjà en préparation"):
        start(bulk, PdfJobKind.ZIP)
    pdf_job_start(actor=admin(bordeaux), kind=PdfJobKind.REGENERATE, school_year=year())
    assert LetterPdfJob.objects.filter(academie=bulk.world.academie).count() == 2
    # Once the first one is over, a new one may start.
    run_letter_pdf_job(academie_id=first.academie_id, job_id=first.pk)
    run_letter_pdf_job(academie_id=zip_job.academie_id, job_id=zip_job.pk)
    assert start(bulk, PdfJobKind.REGENERATE).status == PdfJobStatus.QUEUED


# --- Regeneration -----------------------------------------------------------------------------


def test_regeneration_after_a_certificate_change_keeps_content_and_signatures(bulk, seals):  # noqa: F811
    from missions.seal_demo import write_demo_seals

    letters = bulk.issued
    # The letters were sealed before this test's own certificates: seal them once with these.
    start(bulk, PdfJobKind.REGENERATE)
    before: dict[int, dict[str, Any]] = {}
    for letter in letters:
        row = stored(letter)
        before[letter.pk] = {
            "name": row.file.name,
            "rendered_at": row.rendered_at,
            "signatures": list(
                LetterSignature.objects.filter(letter=letter)
                .order_by("pk")
                .values_list("pk", "content_sha256", "signed_at", "voided_at")
            ),
        }
        assert verify_pdf(pdf_bytes(row)).authentic
    # A new certificate (and authority): the stored files no longer verify.
    write_demo_seals([bulk.world.academie, bulk.elsewhere.academie], force=True)
    assert not verify_pdf(pdf_bytes(stored(letters[0]))).authentic

    job = start(bulk, PdfJobKind.REGENERATE)

    assert job.status == PdfJobStatus.DONE and job.done_count == job.total == 3
    assert job.failed_count == 0 and job.failures == []
    for letter in letters:
        fresh = Letter.objects.get(pk=letter.pk)
        row = stored(letter)
        pdf = pdf_bytes(row)
        # The same signed document, the same signatures.
        assert fresh.signed_sha256 == letter.signed_sha256
        assert document_sha256(signed_document(fresh)) == letter.signed_sha256
        assert fresh.signed_document == letter.signed_document
        assert (
            list(
                LetterSignature.objects.filter(letter=letter)
                .order_by("pk")
                .values_list("pk", "content_sha256", "signed_at", "voided_at")
            )
            == before[letter.pk]["signatures"]
        )
        # A new file, sealed with the new certificate, its fingerprint and size recorded.
        check = verify_pdf(pdf)
        assert check.authentic and check.reference == letter.reference, check
        assert row.sha256 == hashlib.sha256(pdf).hexdigest() and row.size == len(pdf)
        assert row.sealed and row.regenerated_by_id == job.pk
        assert row.rendered_at > before[letter.pk]["rendered_at"]
        assert row.file.name != before[letter.pk]["name"]
        assert not default_storage.exists(before[letter.pk]["name"])  # the old file deleted
        assert letter.signed_sha256 in _text(pdf)
    # Bordeaux' letter is untouched.
    assert stored(bulk.elsewhere).regenerated_by_id is None


def _text(pdf: bytes) -> str:
    import pypdf

    reader = pypdf.PdfReader(io.BytesIO(pdf))
    return "\n".join(page.extract_text() for page in reader.pages)


def test_the_old_file_is_kept_until_the_new_one_is_stored(bulk, monkeypatch):
    letter = bulk.college[0]
    old = stored(letter)
    seen: list[tuple[bool, str]] = []
    original_save = default_storage.save

    def save(name, content, **kwargs):
        # While the new file is written, the row still names the old file, which is there.
        row = stored(letter)
        seen.append((default_storage.exists(str(old.file.name)), str(row.file.name)))
        return original_save(name, content, **kwargs)

    monkeypatch.setattr(default_storage, "save", save)
    job = start(bulk, PdfJobKind.REGENERATE, departements=[bulk.world.establishment.departement])
    assert job.status == PdfJobStatus.DONE
    assert seen[0] == (True, old.file.name)
    assert not default_storage.exists(str(old.file.name))


def test_a_new_file_that_cannot_be_stored_leaves_the_old_one_in_place(bulk, monkeypatch):
    letter = bulk.college[0]
    old = stored(letter)

    def refuse(name, content, **kwargs):
        raise OSError("disque plein")

    monkeypatch.setattr(default_storage, "save", refuse)
    job = start(bulk, PdfJobKind.REGENERATE)

    assert job.status == PdfJobStatus.DONE and job.failed_count == 3
    assert "disque plein" in job.failures[0]["message"]
    row = stored(letter)
    assert (row.file.name, row.sha256, row.regenerated_by_id) == (old.file.name, old.sha256, None)
    assert default_storage.exists(str(old.file.name))


def test_a_switch_that_fails_deletes_the_new_file_and_keeps_the_old(bulk, monkeypatch):
    letter = bulk.lycee
    old = stored(letter)
    saved: list[str] = []
    original_save = default_storage.save
    original_row_save = LetterPdf.save

    def save(name, content, **kwargs):
        saved.append(original_save(name, content, **kwargs))
        return saved[-1]

    def row_save(self, *args, **kwargs):
        if kwargs.get("update_fields"):
            raise RuntimeError("base indisponible")
        return original_row_save(self, *args, **kwargs)

    monkeypatch.setattr(default_storage, "save", save)
    monkeypatch.setattr(LetterPdf, "save", row_save)
    job = start(bulk, PdfJobKind.REGENERATE, types=[EstablishmentType.LGT])

    assert job.failed_count == 1 and "base indisponible" in job.failures[0]["message"]
    assert job.failures[0]["reference"] == letter.reference
    assert stored(letter).file.name == old.file.name and default_storage.exists(str(old.file.name))
    assert saved and not default_storage.exists(saved[0])


def test_a_failing_letter_is_recorded_and_the_others_are_done(bulk, monkeypatch):
    broken = bulk.college[1]
    original = tasks_pdf_jobs._render

    def render(letter):
        if letter.pk == broken.pk:
            raise ValueError("logo illisible")
        return original(letter)

    monkeypatch.setattr(tasks_pdf_jobs, "_render", render)
    job = start(bulk, PdfJobKind.REGENERATE)

    assert job.status == PdfJobStatus.DONE and job.done_count == 3 and job.failed_count == 1
    assert job.failures == [
        {
            "letter_id": broken.pk,
            "reference": broken.reference,
            "message": "Le PDF n’a pas pu être produit : logo illisible",
        }
    ]
    assert stored(broken).regenerated_by_id is None
    assert {stored(letter).regenerated_by_id for letter in bulk.issued if letter != broken} == {
        job.pk
    }


def test_a_letter_without_a_stored_pdf_gets_one(bulk):
    letter = bulk.lycee
    row = stored(letter)
    default_storage.delete(str(row.file.name))
    row.delete()

    job = start(bulk, PdfJobKind.REGENERATE)

    assert job.failed_count == 0
    row = stored(letter)
    assert row.regenerated_by_id == job.pk and verify_pdf(pdf_bytes(row)).authentic


class WorkerDied(BaseException):
    """What a worker killed mid-task looks like from inside: nothing catches it."""


def test_an_interrupted_regeneration_goes_on_and_redoes_no_letter(bulk, monkeypatch):
    monkeypatch.setattr(tasks_pdf_jobs, "CHUNK_SIZE", 2)
    renders: list[int] = []
    original = tasks_pdf_jobs._render
    calls = {"n": 0}

    def render(letter):
        calls["n"] += 1
        if calls["n"] == 3 and not interrupted:
            # The worker dies on the third letter, after the first chunk was saved.
            interrupted.append(letter.pk)
            raise WorkerDied
        pdf = original(letter)
        renders.append(letter.pk)
        return pdf

    interrupted: list[int] = []
    monkeypatch.setattr(tasks_pdf_jobs, "_render", render)
    with pytest.raises(WorkerDied):
        start(bulk, PdfJobKind.REGENERATE)

    job = LetterPdfJob.objects.get()
    assert job.status == PdfJobStatus.RUNNING and job.done_count == 2 and job.total == 3
    assert job_is_restartable(job) is False  # it moved a moment ago

    # The message is delivered again after the restart of the worker.
    run_letter_pdf_job(academie_id=job.academie_id, job_id=job.pk)

    job.refresh_from_db()
    assert job.status == PdfJobStatus.DONE and job.done_count == 3 and job.failed_count == 0
    assert sorted(renders) == sorted(letter.pk for letter in bulk.issued)  # each once
    for letter in bulk.issued:
        assert stored(letter).regenerated_by_id == job.pk
    # No file left behind: one per letter of the académie.
    folder = f"lettres/{bulk.world.academie.code}/{year().start_year}"
    assert len(default_storage.listdir(folder)[1]) == len(bulk.issued)


def test_a_rerun_within_a_chunk_skips_the_letters_already_regenerated(bulk, monkeypatch):
    """A worker dying after some letters of a chunk were switched, before the chunk's
    progress was saved: those letters are not rendered again."""
    monkeypatch.setattr(tasks_pdf_jobs, "CHUNK_SIZE", 10)
    renders: list[int] = []
    original = tasks_pdf_jobs._render

    def render(letter):
        if len(renders) == 2 and not died:
            died.append(True)
            raise WorkerDied
        renders.append(letter.pk)
        return original(letter)

    died: list[bool] = []
    monkeypatch.setattr(tasks_pdf_jobs, "_render", render)
    with pytest.raises(WorkerDied):
        start(bulk, PdfJobKind.REGENERATE)
    job = LetterPdfJob.objects.get()
    assert job.done_count == 0  # the chunk was not saved

    run_letter_pdf_job(academie_id=job.academie_id, job_id=job.pk)

    job.refresh_from_db()
    assert job.status == PdfJobStatus.DONE and job.done_count == 3
    assert sorted(renders) == sorted(letter.pk for letter in bulk.issued)


def test_a_finished_job_run_again_does_nothing(bulk, monkeypatch):
    job = start(bulk, PdfJobKind.REGENERATE)
    names = {letter.pk: stored(letter).file.name for letter in bulk.issued}
    monkeypatch.setattr(tasks_pdf_jobs, "_render", lambda letter: pytest.fail("rendered"))
    assert run_letter_pdf_job(academie_id=job.academie_id, job_id=job.pk) == {
        "done": 0,
        "failed": 0,
    }
    assert {letter.pk: stored(letter).file.name for letter in bulk.issued} == names


def test_a_task_of_the_other_academie_does_not_touch_the_job(bulk, bordeaux, held):
    job = start(bulk, PdfJobKind.REGENERATE)
    run_letter_pdf_job(academie_id=bordeaux.academie.pk, job_id=job.pk)
    job.refresh_from_db()
    assert job.status == PdfJobStatus.QUEUED and job.done_count == 0


# --- The ZIP archive --------------------------------------------------------------------------


def _archive(job: LetterPdfJob) -> zipfile.ZipFile:
    with default_storage.open(str(job.zip_file.name), "rb") as handle:
        return zipfile.ZipFile(io.BytesIO(handle.read()))


def test_the_zip_holds_each_letter_of_the_filters_once_under_its_name(bulk):
    departement = bulk.world.establishment.departement
    job = start(bulk, PdfJobKind.ZIP, departements=[departement])

    assert job.status == PdfJobStatus.DONE and job.done_count == job.total == 2
    archive = _archive(job)
    assert sorted(archive.namelist()) == sorted(file_name(letter) for letter in bulk.college)
    for letter in bulk.college:
        pdf = archive.read(file_name(letter))
        assert pdf == pdf_bytes(stored(letter))
        check = verify_pdf(pdf)
        assert check.authentic and check.reference == letter.reference
    assert job.zip_size == default_storage.size(str(job.zip_file.name))
    year_label = year().label.replace("–", "-").replace(" ", "")
    assert zip_file_name(job) == f"lettres-mission-{year_label}-poitiers-{departement.code}.zip"
    assert str(job.zip_file.name).startswith(f"lettres/{bulk.world.academie.code}/")


def test_the_zip_renders_the_missing_pdfs_and_rebuilds_after_an_interruption(bulk, monkeypatch):
    missing = bulk.college[0]
    row = stored(missing)
    default_storage.delete(str(row.file.name))
    row.delete()
    monkeypatch.setattr(tasks_pdf_jobs, "CHUNK_SIZE", 1)
    original = tasks_pdf_jobs._save_progress

    def save_progress(job, token):
        original(job, token)
        if job.done_count == 2 and not died:
            died.append(True)
            raise WorkerDied

    died: list[bool] = []
    monkeypatch.setattr(tasks_pdf_jobs, "_save_progress", save_progress)
    with pytest.raises(WorkerDied):
        start(bulk, PdfJobKind.ZIP)
    job = LetterPdfJob.objects.get()
    assert job.status == PdfJobStatus.RUNNING and job.done_count == 2 and not job.zip_file

    run_letter_pdf_job(academie_id=job.academie_id, job_id=job.pk)

    job.refresh_from_db()
    assert job.status == PdfJobStatus.DONE and job.done_count == 3
    names = _archive(job).namelist()
    assert sorted(names) == sorted(file_name(letter) for letter in bulk.issued)  # each once
    assert LetterPdf.objects.filter(letter=missing).exists()
    archives = default_storage.listdir(
        f"lettres/{bulk.world.academie.code}/{year().start_year}/archives"
    )
    assert archives[1] == [str(job.zip_file.name).rsplit("/", 1)[1]]


def test_two_referents_of_the_same_name_get_two_entries(bulk):
    namesake = letter_for(
        bulk.world, "camille.martin2@test.fr", until=LetterStatus.ISSUED, last_name="Martin"
    )
    job = start(bulk, PdfJobKind.ZIP, departements=[bulk.world.establishment.departement])
    names = _archive(job).namelist()
    assert len(names) == 3 == len(set(names))
    assert file_name(namesake) in names
    assert file_name(namesake).removesuffix(".pdf") + "-2.pdf" in names


# --- A job whose task vanished --------------------------------------------------------------


def test_a_stalled_job_is_restarted_and_goes_on(bulk, held):
    job = start(bulk, PdfJobKind.ZIP)
    with pytest.raises(ValidationError, match="progresse encore"):
        pdf_job_restart(actor=admin(bulk.world), job=job)

    LetterPdfJob.objects.filter(pk=job.pk).update(
        status=PdfJobStatus.RUNNING,
        run_token="lost",
        progress_at=timezone.now() - STALLED_AFTER - datetime.timedelta(seconds=1),
    )
    job.refresh_from_db()
    assert job_is_restartable(job)
    with pytest.raises(ValidationError, match="Seul un administrateur DANE"):
        pdf_job_restart(actor=scope_for(bulk.world.coordinator), job=job)

    restarted = pdf_job_restart(actor=admin(bulk.world), job=job)

    assert restarted.status == PdfJobStatus.QUEUED and restarted.run_token == ""
    assert held[-1] == {"academie_id": job.academie_id, "job_id": job.pk}
    assert AuditEvent.objects.filter(verb="letter.pdf_job_restart", target_id=job.pk).exists()
    run_letter_pdf_job(**held[-1])
    job.refresh_from_db()
    assert job.status == PdfJobStatus.DONE and job.done_count == 3 and job.zip_file
    with pytest.raises(ValidationError, match="terminée"):
        pdf_job_restart(actor=admin(bulk.world), job=job)


def test_the_run_that_lost_its_job_stops_at_its_next_chunk(bulk, monkeypatch):
    """After « Relancer », the old run (alive after all) finds another token and stops."""
    monkeypatch.setattr(tasks_pdf_jobs, "CHUNK_SIZE", 1)
    original = tasks_pdf_jobs._each_letter

    def each_letter(job, token, handle):
        LetterPdfJob.objects.filter(pk=job.pk).update(run_token="another-run")
        return original(job, token, handle)

    monkeypatch.setattr(tasks_pdf_jobs, "_each_letter", each_letter)
    job = start(bulk, PdfJobKind.REGENERATE)
    assert job.status == PdfJobStatus.RUNNING and job.done_count == 0


def test_a_failed_job_is_restartable(bulk, monkeypatch, held):
    job = start(bulk, PdfJobKind.ZIP)
    monkeypatch.setattr(tasks_pdf_jobs, "zip_file_name", lambda job: 1 / 0)
    run_letter_pdf_job(**held[-1])
    job.refresh_from_db()
    assert job.status == PdfJobStatus.FAILED and "division by zero" in job.error
    assert job_is_restartable(job)
    monkeypatch.undo()
    held.clear()
    monkeypatch.setattr(
        run_letter_pdf_job, "apply_async", lambda kwargs=None, **options: held.append(kwargs)
    )
    pdf_job_restart(actor=admin(bulk.world), job=job)
    run_letter_pdf_job(**held[-1])
    job.refresh_from_db()
    assert job.status == PdfJobStatus.DONE and job.error == "" and job.zip_file


def test_the_zip_reads_again_a_file_a_regeneration_just_replaced(bulk, monkeypatch):
    original = tasks_pdf_jobs._read
    missed: list[int] = []

    def read(row):
        if not missed:
            missed.append(row.letter_id)
            raise FileNotFoundError(row.file.name)
        return original(row)

    monkeypatch.setattr(tasks_pdf_jobs, "_read", read)
    job = start(bulk, PdfJobKind.ZIP)
    assert job.status == PdfJobStatus.DONE and job.failed_count == 0 and missed
    assert len(_archive(job).namelist()) == 3
