"""The DANE's page of bulk operations on the letters' PDFs: the count of letters, starting a
job, its progress in JSON, restarting it, downloading the archive; who may, another
académie's jobs, bad input, and the page's query count as jobs pile up."""

from __future__ import annotations

import datetime
import io
import zipfile

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from establishments.models import SchoolYear
from missions.models import LetterPdfJob, LetterStatus, PdfJobKind, PdfJobStatus
from missions.services_pdf_jobs import STALLED_AFTER
from missions.tasks_pdf_jobs import run_letter_pdf_job
from tests.conftest import client_acting_as
from tests.factories import AcademieWorld
from tests.missions.letters import advance, draft_letter, publish_template
from tests.missions.list_builders import letter_for, other_school

pytestmark = pytest.mark.django_db(transaction=True)

PAGE = reverse("missions:pdf_jobs")
START = reverse("missions:pdf_job_start")


@pytest.fixture
def world(poitiers, bordeaux) -> AcademieWorld:
    publish_template(poitiers)
    publish_template(bordeaux)
    advance(draft_letter(poitiers), poitiers, until=LetterStatus.ISSUED)
    letter_for(poitiers, "ines.durand@test.fr", until=LetterStatus.ISSUED, last_name="Durand")
    letter_for(other_school(poitiers), "rupn.lycee@test.fr", until=LetterStatus.ISSUED)
    advance(draft_letter(bordeaux), bordeaux, until=LetterStatus.ISSUED)
    return poitiers


@pytest.fixture
def held(monkeypatch) -> list[dict]:
    queued: list[dict] = []
    monkeypatch.setattr(
        run_letter_pdf_job, "apply_async", lambda kwargs=None, **options: queued.append(kwargs)
    )
    return queued


def year() -> int:
    return SchoolYear.objects.current().start_year


def form(world: AcademieWorld, **extra) -> dict:
    return {"annee": year(), "action": "zip", **extra}


def test_the_page_counts_the_letters_of_the_filters(world):
    client = client_acting_as(world.dane_admin)
    page = client.get(PAGE)
    assert page.status_code == 200
    html = page.content.decode()
    assert "<h1>PDF des lettres de mission émises</h1>" in html
    assert "3 lettres émises" in html
    assert "Aucune opération pour l’instant." in html

    departement = world.establishment.departement
    filtered = client.get(PAGE, {"annee": year(), "departements": departement.pk})
    assert "2 lettres émises" in filtered.content.decode()
    typed = client.get(PAGE, {"annee": str(year()), "types": "lgt"}).content.decode()
    assert "1 lettre émise</strong>" in typed
    # Recounting from the form starts nothing.
    recount = client.post(START, {**form(world, departements=departement.pk), "compter": "1"})
    assert recount.status_code == 200 and "2 lettres émises" in recount.content.decode()
    assert not LetterPdfJob.objects.exists()


def test_the_letters_list_links_to_the_page_with_its_filters(world):
    client = client_acting_as(world.dane_admin)
    departement = world.establishment.departement
    html = client.get(
        reverse("missions:letters"), {"annee": year(), "departement": departement.pk}
    ).content.decode()
    link = f"{PAGE}?annee={year()}&amp;departements={departement.pk}"
    assert f'href="{link}"' in html
    # Not for a coordinator, who has no access to the page.
    coordinator = client_acting_as(world.coordinator).get(reverse("missions:letters"))
    assert PAGE not in coordinator.content.decode()


def test_starting_a_zip_runs_it_and_offers_the_archive(world):
    client = client_acting_as(world.dane_admin)
    departement = world.establishment.departement
    response = client.post(START, form(world, departements=departement.pk))
    job = LetterPdfJob.objects.get()
    assert response.status_code == 302 and response["Location"].endswith(f"#operation-{job.pk}")
    assert job.status == PdfJobStatus.DONE and job.total == 2  # the task ran (eager)

    page = client.get(PAGE).content.decode()
    download = reverse("missions:pdf_job_zip", args=[job.pk])
    assert f'href="{download}"' in page and "Télécharger l’archive" in page
    assert "2 / 2 lettres" in page

    archive = client.get(download)
    assert archive.status_code == 200 and archive["Content-Type"] == "application/zip"
    label = SchoolYear.objects.current().label.replace("–", "-").replace(" ", "")
    expected = f"lettres-mission-{label}-poitiers-{departement.code}.zip"
    assert archive["Content-Disposition"] == f'attachment; filename="{expected}"'
    content = b"".join(archive.streaming_content)  # type: ignore[attr-defined]
    assert len(zipfile.ZipFile(io.BytesIO(content)).namelist()) == 2

    progress = client.get(reverse("missions:pdf_job_progress", args=[job.pk])).json()
    assert "2 / 2 lettres" in progress.pop("status_html")
    assert (progress.pop("bar_value"), progress.pop("bar_max")) == (2, 2)  # letters, not percent
    assert progress == {
        "status": "done",
        "status_label": "Terminée",
        "total": 2,
        "done": 2,
        "failed": 0,
        "percent": 100,
        "finished": True,
    }


def test_a_running_job_shows_its_progress_bar(world, held):
    client = client_acting_as(world.dane_admin)
    client.post(START, form(world, action="regenerate"))
    job = LetterPdfJob.objects.get()
    LetterPdfJob.objects.filter(pk=job.pk).update(
        status=PdfJobStatus.RUNNING, done_count=1, progress_at=timezone.now()
    )
    html = client.get(PAGE).content.decode()
    assert f'id="progression-{job.pk}"' in html and 'max="3" value="1"' in html
    assert 'aria-live="polite"' in html and "1 / 3 lettres" in html
    assert f'data-json-url="{reverse("missions:pdf_job_progress", args=[job.pk])}"' in html
    assert "js/job_progress.js" in html
    assert "Actualiser la progression" in html  # without JavaScript
    assert "Relancer" not in html  # it moves
    progress = client.get(reverse("missions:pdf_job_progress", args=[job.pk])).json()
    assert progress["done"] == 1 and progress["finished"] is False and progress["percent"] == 33
    assert "1 / 3 lettres" in progress["status_html"] and "En cours…" in progress["status_html"]

    # A second regeneration is refused with the reason, nothing created.
    refused = client.post(START, form(world, action="regenerate"))
    assert refused.status_code == 400
    assert "régénération des PDF est déjà en cours" in refused.content.decode()
    assert LetterPdfJob.objects.count() == 1


def test_a_stalled_job_offers_relancer_and_restarts(world, held):
    client = client_acting_as(world.dane_admin)
    client.post(START, form(world))
    job = LetterPdfJob.objects.get()
    restart = reverse("missions:pdf_job_restart", args=[job.pk])
    # Still fresh: no button, and a restart is refused.
    assert restart not in client.get(PAGE).content.decode()
    response = client.post(restart, follow=True)
    assert "progresse encore" in response.content.decode()
    LetterPdfJob.objects.filter(pk=job.pk).update(
        progress_at=timezone.now() - STALLED_AFTER - datetime.timedelta(minutes=1)
    )
    html = client.get(PAGE).content.decode()
    assert restart in html and "son traitement s’est interrompu" in html

    response = client.post(restart)
    assert response.status_code == 302
    assert len(held) == 2
    run_letter_pdf_job(**held[-1])
    job.refresh_from_db()
    assert job.status == PdfJobStatus.DONE


def test_bad_input_gets_a_french_error_and_starts_nothing(world, bordeaux, held):
    client = client_acting_as(world.dane_admin)
    cases = [
        ({"annee": year()}, "Choisissez l’opération à lancer."),
        (form(world, action="effacer"), "Sélectionnez un choix valide"),
        (form(world, departements=bordeaux.establishment.departement_id), "Sélectionnez un"),
        (form(world, types="erea"), "Aucune lettre émise en"),
        (form(world, annee="abc"), "Sélectionnez un choix valide"),
    ]
    for data, message in cases:
        response = client.post(START, data)
        assert response.status_code == 400, data
        assert message in response.content.decode(), data
    assert not LetterPdfJob.objects.exists() and held == []


def test_other_roles_are_refused(world):
    for membership in (world.coordinator, world.principal, world.deputy, world.rupn):
        client = client_acting_as(membership)
        assert client.get(PAGE).status_code == 403
        assert client.post(START, form(world)).status_code == 403
    assert not LetterPdfJob.objects.exists()


def test_another_academies_jobs_are_not_found(world, bordeaux):
    client = client_acting_as(world.dane_admin)
    client.post(START, form(world))
    job = LetterPdfJob.objects.get()
    theirs = client_acting_as(bordeaux.dane_admin)
    for name in ("missions:pdf_job_progress", "missions:pdf_job_zip"):
        assert theirs.get(reverse(name, args=[job.pk])).status_code == 404
        assert client.get(reverse(name, args=[job.pk + 1000])).status_code == 404
    assert theirs.post(reverse("missions:pdf_job_restart", args=[job.pk])).status_code == 404
    page = theirs.get(PAGE).content.decode()
    assert reverse("missions:pdf_job_zip", args=[job.pk]) not in page
    assert "1 lettre émise</strong>" in page  # Bordeaux' own letter only


def test_no_archive_for_a_regeneration_or_an_unfinished_zip(world, held):
    client = client_acting_as(world.dane_admin)
    client.post(START, form(world, action="regenerate"))
    client.post(START, form(world))
    for job in LetterPdfJob.objects.all():
        assert client.get(reverse("missions:pdf_job_zip", args=[job.pk])).status_code == 404


def test_the_page_query_count_does_not_grow_with_the_jobs(world):
    client = client_acting_as(world.dane_admin)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(PAGE).status_code == 200
        return len(captured)

    client.post(START, form(world))
    one = queries()
    for kind in (PdfJobKind.ZIP, PdfJobKind.REGENERATE, PdfJobKind.ZIP, PdfJobKind.REGENERATE):
        response = client.post(START, form(world, action=kind.value, types="college"))
        assert response.status_code == 302
    # And one active job, whose progress bar is shown.
    LetterPdfJob.objects.filter(pk=LetterPdfJob.objects.order_by("-pk")[0].pk).update(
        status=PdfJobStatus.RUNNING
    )
    assert queries() == one
