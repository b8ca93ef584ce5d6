"""The DANE admin downloads the issued letters of one département as one ZIP archive: from the
letters' list to the bulk page, ticks the département, recounts, starts the archive, watches
the progress bar move (the page reloaded midway finds the job again), and downloads the
archive once it is ready. axe-core runs on every state of the page.

The task is held back when the page queues it, then run by the test itself, pausing after its
first chunk: the progress seen in the browser is then known at each step."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from missions import tasks_pdf_jobs
from missions.models import LetterPdfJob, LetterStatus, PdfJobStatus
from missions.pdf import file_name
from missions.seal import verify_pdf
from missions.tasks_pdf_jobs import run_letter_pdf_job
from tests.browser.conftest import check_accessibility
from tests.browser.test_journeys import main_nav, sign_in
from tests.factories import AcademieWorld
from tests.missions.letters import advance, draft_letter, publish_template
from tests.missions.list_builders import letter_for, other_school

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_dane_admin_downloads_a_departements_letters_as_one_zip(
    page: Any,
    worlds: tuple[AcademieWorld, AcademieWorld],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    poitiers, _ = worlds
    publish_template(poitiers)
    first = advance(draft_letter(poitiers), poitiers, until=LetterStatus.ISSUED)
    second = letter_for(
        poitiers, "ines.durand@test.fr", until=LetterStatus.ISSUED, last_name="Durand"
    )
    letter_for(other_school(poitiers), "rupn.lycee@test.fr", until=LetterStatus.ISSUED)
    departement = poitiers.establishment.departement

    queued: list[dict[str, Any]] = []
    monkeypatch.setattr(
        run_letter_pdf_job,
        "apply_async",
        lambda kwargs=None, **options: queued.append(kwargs),
    )
    monkeypatch.setattr(tasks_pdf_jobs, "CHUNK_SIZE", 1)

    sign_in(page, poitiers.dane_admin.user.email)
    main_nav(page).get_by_role("link", name="Lettres de mission").click()
    page.get_by_role(
        "link", name="Télécharger (ZIP) ou régénérer les PDF des lettres émises"
    ).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("PDF des lettres de mission émises")
    expect(page.locator("#lettres-concernees")).to_contain_text("3 lettres émises")
    check_accessibility(page, "page des PDF des lettres")

    # The DSFR draws the box on the label, which takes the click.
    box = page.get_by_label(str(departement))
    page.locator(f"label[for='{box.get_attribute('id')}']").click()
    expect(box).to_be_checked()
    page.get_by_role("button", name="Recompter les lettres").click()
    expect(page.locator("#lettres-concernees")).to_contain_text("2 lettres émises")
    expect(page.get_by_label(str(departement))).to_be_checked()
    zip_choice = page.get_by_label("Télécharger les PDF en une archive ZIP")
    expect(zip_choice).to_be_checked()
    page.get_by_role("button", name="Lancer l’opération").click()

    expect(page.get_by_text("Archive ZIP lancée pour 2 lettres")).to_be_visible()
    job = LetterPdfJob.objects.get()
    section = page.locator(f"#operation-{job.pk}")
    count = section.locator("[data-count]")
    bar = section.get_by_role("progressbar", name=re.compile(r"^Progression\s*:\s*Archive ZIP"))
    expect(count).to_have_text("0 / 2 lettres")
    expect(section.get_by_text("En attente d’un traitement…")).to_be_visible()
    expect(section.get_by_role("status")).to_have_attribute("aria-live", "polite")
    check_accessibility(page, "archive en attente")

    original = tasks_pdf_jobs._save_progress

    def pause_after_the_first_chunk(job: LetterPdfJob, token: str) -> None:
        original(job, token)
        if job.done_count != 1:
            return
        # The page's script asks the progress and moves the bar…
        expect(count).to_have_text("1 / 2 lettres")
        expect(bar).to_have_attribute("value", "1")
        expect(section.get_by_text("En cours…")).to_be_visible()
        # …and the page reloaded finds the job from the database.
        page.reload()
        expect(count).to_have_text("1 / 2 lettres")
        expect(bar).to_have_attribute("value", "1")
        expect(bar).to_have_attribute("max", "2")
        check_accessibility(page, "archive en cours")

    monkeypatch.setattr(tasks_pdf_jobs, "_save_progress", pause_after_the_first_chunk)
    assert len(queued) == 1
    run_letter_pdf_job(**queued[0])
    assert LetterPdfJob.objects.get().status == PdfJobStatus.DONE

    # Finished: the page reloads by itself and offers the archive.
    download_link = page.get_by_role("link", name="Télécharger l’archive")
    expect(download_link).to_be_visible()
    expect(page.locator("main table tbody tr")).to_have_count(1)
    expect(page.locator("main table tbody tr")).to_contain_text("2 / 2 lettres")
    check_accessibility(page, "archive prête")
    with page.expect_download() as download_info:
        download_link.click()
    download = download_info.value
    label = first.school_year.label.replace("–", "-").replace(" ", "")
    assert download.suggested_filename == f"lettres-mission-{label}-poitiers-{departement.code}.zip"
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)
    with zipfile.ZipFile(saved) as archive:
        assert sorted(archive.namelist()) == sorted(file_name(x) for x in (first, second))
        for name in archive.namelist():
            assert verify_pdf(archive.read(name)).authentic
