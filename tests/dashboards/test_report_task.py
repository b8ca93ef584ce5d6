"""The synthesis report's task and page: requested from the page, prepared by the task with its
progress saved, idempotent, a failure shown with a button to start it again, the files
downloaded by the people of the same perimeter only."""

from __future__ import annotations

import datetime
import io
from typing import Any
from unittest import mock

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from docx import Document
from pypdf import PdfReader

from accounts.scopes import scope_for
from dashboards.models import ReportStatus, SynthesisReport
from dashboards.services_report import report_request, report_restart
from dashboards.tasks_report import render_synthesis_report
from tests.conftest import client_acting_as
from tests.dashboards.report_fixture import K3, build_report_world

pytestmark = pytest.mark.django_db


def body(response: Any) -> bytes:
    """A file response's bytes (the test client's type does not declare them)."""
    return b"".join(response.streaming_content)


@pytest.fixture
def rw(poitiers, bordeaux):
    return build_report_world(poitiers, bordeaux)


def run(report: SynthesisReport) -> dict:
    return render_synthesis_report.apply(
        kwargs={"academie_id": report.academie_id, "report_id": report.pk}
    ).get()


def queued(rw, membership=None) -> SynthesisReport:
    """A report recorded by the service, its task not run (the dispatch is on commit)."""
    return report_request(actor=scope_for(membership or rw.world.dane_admin), school_year=rw.year)


def test_the_dane_admin_requests_watches_and_downloads(rw, django_capture_on_commit_callbacks):
    client = client_acting_as(rw.world.dane_admin)
    year = rw.year.start_year
    overview = client.get(reverse("dashboards:overview"), {"annee": year}).content.decode()
    assert f"{reverse('dashboards:reports')}?annee={year}" in overview
    page = client.get(reverse("dashboards:reports"), {"annee": year})
    assert "Préparer la synthèse" in page.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("dashboards:report_request"), {"annee": year})
    assert response.status_code == 302
    report = SynthesisReport.objects.get()
    assert report.status == ReportStatus.DONE and report.progress == 100
    assert report.perimeter == "" and report.created_by == rw.world.dane_admin.user
    progress = client.get(reverse("dashboards:report_progress", args=[report.pk])).json()
    assert progress["finished"] and progress["percent"] == 100
    assert "100&nbsp;%" in progress["status_html"] and "Synthèse prête" in progress["status_html"]
    label = rw.year.label.replace("–", "-").replace(" ", "")
    listing = client.get(reverse("dashboards:reports"), {"annee": year}).content.decode()
    assert f"synthese-rupn-{label}-poitiers.pdf" in listing
    pdf = client.get(reverse("dashboards:report_download", args=[report.pk, "pdf"]))
    assert pdf["Content-Type"] == "application/pdf"
    assert f'filename="synthese-rupn-{label}-poitiers.pdf"' in pdf["Content-Disposition"]
    text = " ".join(PdfReader(io.BytesIO(body(pdf))).pages[0].extract_text().split())
    assert "Synthèse annuelle" in text
    docx = client.get(reverse("dashboards:report_download", args=[report.pk, "docx"]))
    assert f'filename="synthese-rupn-{label}-poitiers.docx"' in docx["Content-Disposition"]
    document = Document(io.BytesIO(body(docx)))
    assert any(p.text.startswith("1. L’essentiel") for p in document.paragraphs)
    assert (
        client.get(reverse("dashboards:report_download", args=[report.pk, "odt"])).status_code
        == 404
    )


def test_the_task_saves_its_progress_step_by_step(rw):
    report = queued(rw)
    seen: list[tuple[int, str]] = []
    from dashboards import tasks_report

    original = tasks_report._progress

    def spy(report_, token, percent, step):
        original(report_, token, percent, step)
        row = SynthesisReport.objects.get(pk=report_.pk)
        seen.append((row.progress, row.status))

    with mock.patch.object(tasks_report, "_progress", spy):
        assert run(report)["status"] == "done"
    percents = [p for p, _ in seen]
    assert percents == sorted(percents) and len(percents) >= 5
    assert all(status == ReportStatus.RUNNING for _, status in seen)
    report.refresh_from_db()
    assert report.status == ReportStatus.DONE and report.step == "Synthèse prête"


def test_the_task_is_idempotent(rw):
    report = queued(rw)
    assert run(report)["status"] == "done"
    report.refresh_from_db()
    files = (report.pdf_file.name, report.docx_file.name, report.finished_at)
    assert run(report) == {"status": "nothing to do"}  # a message delivered twice
    report.refresh_from_db()
    assert (report.pdf_file.name, report.docx_file.name, report.finished_at) == files
    assert report.pdf_file.storage.exists(str(report.pdf_file.name))


def test_a_run_stopped_midway_is_taken_over_and_its_files_replaced(rw):
    report = queued(rw)
    SynthesisReport.objects.filter(pk=report.pk).update(
        status=ReportStatus.RUNNING, run_token="ancien", progress=40
    )
    assert run(report)["status"] == "done"
    assert run(report)["status"] == "nothing to do"
    report.refresh_from_db()
    assert report.status == ReportStatus.DONE and report.run_token == ""


def test_a_failure_is_shown_and_started_again(rw, django_capture_on_commit_callbacks):
    report = queued(rw)
    with mock.patch(
        "dashboards.report_pdf.render_report_pdf", side_effect=RuntimeError("police absente")
    ):
        assert run(report)["status"] == "failed"
    report.refresh_from_db()
    assert report.status == ReportStatus.FAILED
    assert report.error == "La préparation s’est interrompue : police absente"
    client = client_acting_as(rw.world.dane_admin)
    page = client.get(reverse("dashboards:reports"), {"annee": rw.year.start_year}).content.decode()
    assert (
        "police absente" in page and reverse("dashboards:report_restart", args=[report.pk]) in page
    )
    assert (
        client.get(reverse("dashboards:report_download", args=[report.pk, "pdf"])).status_code
        == 404
    )
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("dashboards:report_restart", args=[report.pk]))
    report.refresh_from_db()
    assert report.status == ReportStatus.DONE and report.error == ""
    with pytest.raises(ValidationError):
        report_restart(actor=scope_for(rw.world.dane_admin), report=report)  # nothing to restart


def test_a_stalled_report_may_be_started_again(rw):
    report = queued(rw)
    SynthesisReport.objects.filter(pk=report.pk).update(
        progress_at=timezone.now() - datetime.timedelta(minutes=10)
    )
    client = client_acting_as(rw.world.dane_admin)
    page = client.get(reverse("dashboards:reports"), {"annee": rw.year.start_year}).content.decode()
    assert "ne progresse plus" in page
    report_restart(actor=scope_for(rw.world.dane_admin), report=report)


def test_one_report_at_a_time_per_year_and_perimeter(rw):
    queued(rw)
    with pytest.raises(ValidationError):
        queued(rw)
    queued(rw, rw.world.coordinator)  # another perimeter: its own report


def test_a_role_whose_perimeter_changed_gets_a_clear_failure(rw):
    report = queued(rw, rw.world.coordinator)
    other = rw.world.academie.departements.get(code="86")
    rw.world.coordinator.departements.add(other)
    assert run(report)["status"] == "failed"
    report.refresh_from_db()
    assert "périmètre de votre rôle a changé" in report.error


def test_the_coordinators_report_is_theirs_only(rw, django_capture_on_commit_callbacks):
    coordinator = client_acting_as(rw.world.coordinator)
    with django_capture_on_commit_callbacks(execute=True):
        coordinator.post(reverse("dashboards:report_request"), {"annee": rw.year.start_year})
    report = SynthesisReport.objects.get()
    assert report.status == ReportStatus.DONE
    label = rw.year.label.replace("–", "-").replace(" ", "")
    pdf = coordinator.get(reverse("dashboards:report_download", args=[report.pk, "pdf"]))
    assert f'filename="synthese-rupn-{label}-poitiers-16.pdf"' in pdf["Content-Disposition"]
    text = " ".join(
        "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(body(pdf))).pages).split()
    )
    assert "Charente" in text and "Vienne" not in text and K3[1] not in text
    docx = coordinator.get(reverse("dashboards:report_download", args=[report.pk, "docx"]))
    document = Document(io.BytesIO(body(docx)))
    words = " ".join(
        [p.text for p in document.paragraphs]
        + [c.text for t in document.tables for r in t.rows for c in r.cells]
    )
    assert "Vienne" not in words and K3[1] not in words
    # The DANE admin's perimeter is another: the coordinator's report is not in their list,
    # and the admin's report would be out of the coordinator's reach.
    admin = client_acting_as(rw.world.dane_admin)
    assert admin.get(reverse("dashboards:report_progress", args=[report.pk])).status_code == 404
    own = queued(rw)
    assert coordinator.get(reverse("dashboards:report_progress", args=[own.pk])).status_code == 404
    assert (
        coordinator.get(reverse("dashboards:report_download", args=[own.pk, "pdf"])).status_code
        == 404
    )
