"""The annual synthesis report: a DANE admin filters the overview by département, opens the list
behind a figure, then, from the overview, asks for the year's synthesis, watches its progress
bar move while the task runs (the task is run by the test, as a worker would take it), and
downloads the PDF and the editable document once the page shows them. axe-core runs on each
page."""

from __future__ import annotations

import io
import re
from typing import Any

import pytest
from docx import Document
from playwright.sync_api import expect
from pypdf import PdfReader

from dashboards import services_report
from dashboards.models import ReportStatus, SynthesisReport
from dashboards.tasks_report import render_synthesis_report
from tests.browser.conftest import check_accessibility
from tests.browser.test_journeys import sign_in
from tests.dashboards.report_fixture import build_report_world
from tests.factories import AcademieWorld

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_dane_admin_asks_for_the_synthesis_watches_it_and_downloads_both_files(
    page: Any, worlds: tuple[AcademieWorld, AcademieWorld], monkeypatch: pytest.MonkeyPatch
) -> None:
    poitiers, bordeaux = worlds
    ow = build_report_world(poitiers, bordeaux)
    # The task waits for a worker: the page shows the job queued, then its progress.
    monkeypatch.setattr(services_report, "dispatch_on_commit", lambda *a, **kw: None)

    sign_in(page, poitiers.dane_admin.user.email)
    page.get_by_role("link", name="Tableau de bord").first.click()
    page.wait_for_url("**/tableau-de-bord/")
    page.get_by_label("Département", exact=True).select_option(label="16 – Charente")
    page.get_by_role("button", name="Afficher").click()
    page.wait_for_url("**departement=*")
    letters = page.get_by_role("table", name=re.compile("^Lettres de mission .* par département"))
    issued = letters.locator("tfoot td").nth(5).locator("a")
    count = issued.inner_text()
    issued.click()
    page.wait_for_url("**/missions/lettres/**etat=issued**")
    expect(page.get_by_text(f"{count} lettre correspond à ces critères")).to_be_visible()
    page.go_back()
    page.wait_for_url("**/tableau-de-bord/**")

    page.get_by_role("link", name=re.compile("^Synthèse annuelle")).click()
    page.wait_for_url("**/tableau-de-bord/synthese/**")
    check_accessibility(page, "synthèses annuelles")
    page.get_by_role("button", name=re.compile("^Préparer la synthèse")).click()
    bar = page.locator("#synthese-progression")
    expect(bar).to_have_attribute("value", "0")
    check_accessibility(page, "synthèse en préparation")

    report = SynthesisReport.objects.get()
    assert report.status == ReportStatus.QUEUED and report.perimeter == ""
    render_synthesis_report.apply(
        kwargs={"academie_id": report.academie_id, "report_id": report.pk}
    ).get()
    # The page polls the job, then reloads itself to offer the files.
    label = ow.year.label.replace("–", "-").replace(" ", "")
    pdf_link = page.get_by_role("link", name=re.compile(f"synthese-rupn-{label}-poitiers.pdf"))
    expect(pdf_link).to_be_visible(timeout=15_000)
    check_accessibility(page, "synthèse prête")

    with page.expect_download() as pdf_download:
        pdf_link.click()
    assert pdf_download.value.suggested_filename == f"synthese-rupn-{label}-poitiers.pdf"
    pdf = PdfReader(pdf_download.value.path())
    text = " ".join(" ".join(p.extract_text() for p in pdf.pages).split())
    assert "Synthèse annuelle" in text and "Bordeaux" not in text

    docx_link = page.get_by_role("link", name=re.compile(f"synthese-rupn-{label}-poitiers.docx"))
    with page.expect_download() as docx_download:
        docx_link.click()
    with open(docx_download.value.path(), "rb") as file:
        document = Document(io.BytesIO(file.read()))
    assert any(p.text.startswith("1. L’essentiel") for p in document.paragraphs)
