"""The annual synthesis report: its figures computed by hand on `report_fixture`, the
coordinator's départements only (in the PDF and the DOCX too), the task (idempotent,
progress, failure shown and started again), the page and its downloads, constant query counts.

Shares are percentages rounded half up to one decimal: 2 of 4 → 50.0; 1 of 3 → 33.3.
"""

from __future__ import annotations

import io
from decimal import Decimal
from typing import Any

import pytest
from docx import Document
from pypdf import PdfReader

from accounts.scopes import scope_for
from dashboards.report import Report, collect_report
from tests.dashboards.report_fixture import K1, K2, K3, OWN, R3_TEXT, build_report_world

pytestmark = pytest.mark.django_db

D = Decimal


@pytest.fixture
def rw(poitiers, bordeaux):
    return build_report_world(poitiers, bordeaux)


def key(report: Report, label: str):
    return next(k.figure for k in report.key_figures if k.label == label)


def test_key_figures_computed_by_hand(rw) -> None:
    report = collect_report(scope_for(rw.world.dane_admin), school_year=rw.year)
    assert report.perimeter == "Académie de Poitiers"
    rupn = key(report, "Référents (RUPN)")
    assert (rupn.value, rupn.previous) == (4, 1)
    coverage = key(report, "Couverture des établissements")
    assert (coverage.value, coverage.previous) == (D("60.0"), D("20.0"))
    signed = key(report, "Lettres signées (en vigueur)")
    assert (signed.value, signed.previous) == (2, 1)
    with_letter = key(report, "Part des référents ayant signé une lettre")
    assert (with_letter.value, with_letter.previous, with_letter.difference) == (
        D("50.0"),
        D("100.0"),
        D("-50.0"),
    )
    rate = key(report, "Taux de réponse au bilan des référents")
    assert (rate.value, rate.previous) == (D("50.0"), D("100.0"))


def tasks_of(report: Report, type_label: str) -> dict[str, tuple]:
    block = next(b for b in report.tasks_by_type if b.type_label == type_label)
    return {
        t.label: (t.letters.value, t.share.value, t.letters.previous, t.share.previous)
        for t in block.tasks
    }


def test_tasks_most_often_given_by_type(rw) -> None:
    report = collect_report(scope_for(rw.world.dane_admin), school_year=rw.year)
    assert [b.type_label for b in report.tasks_by_type] == [
        "Collège",
        "Lycée général et technologique",
    ]
    college = next(b for b in report.tasks_by_type if b.type_label == "Collège")
    assert (college.letters.value, college.letters.previous) == (1, 1)
    # r2's letter is only sent: its K1 does not count. Own tasks come last, folded together.
    assert tasks_of(report, "Collège") == {
        K1[1]: (1, D("100.0"), 1, D("100.0")),
        K2[1]: (1, D("100.0"), 0, D("0.0")),
        "Tâches propres à l’établissement": (1, D("100.0"), 0, D("0.0")),
    }
    assert list(tasks_of(report, "Collège"))[-1] == "Tâches propres à l’établissement"
    assert OWN[1] not in tasks_of(report, "Collège")
    assert tasks_of(report, "Lycée général et technologique") == {
        K2[1]: (1, D("100.0"), 0, None),
        K3[1]: (1, D("100.0"), 0, None),
    }


def test_tasks_done_from_the_bilan(rw) -> None:
    report = collect_report(scope_for(rw.world.dane_admin), school_year=rw.year)
    done = report.tasks_done
    assert done is not None
    assert done.statuses == ("Faite", "En partie", "Non faite", "Pas commencée")
    # 4 answers: 2 faite, 1 en partie, 1 non faite; last year 1 answer, faite.
    assert [(f.value, f.previous) for f in done.total] == [
        (D("50.0"), D("100.0")),
        (D("25.0"), D("0.0")),
        (D("25.0"), D("0.0")),
        (D("0.0"), D("0.0")),
    ]
    assert (done.answered.value, done.answered.previous) == (4, 1)
    assert [(label, f.value, f.previous) for label, f in done.done_by_type] == [
        ("Collège", D("50.0"), D("100.0")),
        ("Lycée général et technologique", D("50.0"), None),
    ]
    # K2 was answered twice (once faite, once en partie): it comes first.
    assert done.tasks[0][0] == K2[1] and done.tasks[0][1] == 2


def test_question_results_beside_last_year_and_excerpts(rw) -> None:
    report = collect_report(scope_for(rw.world.dane_admin), school_year=rw.year)
    bilan, principals = report.surveys
    assert bilan.has_campaign and not principals.has_campaign
    assert (bilan.invited.value, bilan.submitted.value, bilan.rate.value) == (4, 2, D("50.0"))
    [delegation] = bilan.questions  # the tasks and the texts have their own sections
    assert delegation.answered.value == 2 and delegation.answered.previous == 1
    assert [
        (b.label, b.count, b.share.value, b.share.previous, b.share.difference)
        for b in delegation.bars
    ] == [
        ("Oui", 1, D("50.0"), D("0.0"), D("50.0")),
        ("Non", 1, D("50.0"), D("100.0"), D("-50.0")),
    ]
    [texts] = bilan.texts
    assert texts.total == 2
    quoted = {(e.text, e.establishment_type) for e in texts.excerpts}
    assert (R3_TEXT, "Lycée général et technologique") in quoted
    rupn_text = next(t for t, type_ in quoted if type_ == "Collège")
    assert "jean.dupont" not in rupn_text and "05 49" not in rupn_text
    assert "[adresse]" in rupn_text and "[téléphone]" in rupn_text


def pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def docx_text(data: bytes) -> str:
    document = Document(io.BytesIO(data))
    parts = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            parts.extend(cell.text for cell in row.cells)
    return "\n".join(parts)


def test_pdf_and_docx_hold_the_same_sections(rw) -> None:
    from dashboards.report_docx import render_report_docx
    from dashboards.report_pdf import render_report_pdf

    report = collect_report(scope_for(rw.world.dane_admin), school_year=rw.year)
    pdf = render_report_pdf(report)
    root: Any = PdfReader(io.BytesIO(pdf)).trailer["/Root"]
    assert "/StructTreeRoot" in root and root["/Lang"] == "fr"  # tagged, in French
    docx = render_report_docx(report)
    for text in (pdf_text(pdf), docx_text(docx)):
        flat = " ".join(text.split())
        for heading in (
            "1. L’essentiel",
            "2. Établissements couverts et référents",
            "4. Les tâches les plus souvent confiées",
            "5. Les tâches des lettres",
            "7. Le bilan des référents",
            "9. Extraits des réponses libres",
        ):
            assert heading in flat, heading
        assert "Académie de Poitiers" in flat
        assert K3[1] in flat and R3_TEXT in flat
        assert "jean.dupont" not in flat
    assert "[Analyse de la délégation académique au numérique à compléter.]" in docx_text(docx)


def test_a_coordinator_reads_only_their_departements(rw) -> None:
    from dashboards.report_docx import render_report_docx
    from dashboards.report_pdf import render_report_pdf

    report = collect_report(scope_for(rw.world.coordinator), school_year=rw.year)
    assert report.perimeter == "Académie de Poitiers, département 16 – Charente"
    rupn = key(report, "Référents (RUPN)")
    assert (rupn.value, rupn.previous) == (3, 1)  # A: rupn, r2; D: r4 — not B's r3
    signed = key(report, "Lettres signées (en vigueur)")
    assert signed.value == 1
    with_letter = key(report, "Part des référents ayant signé une lettre")
    assert with_letter.value == D("33.3")
    assert [b.type_label for b in report.tasks_by_type] == ["Collège"]
    bilan = report.surveys[0]
    assert (bilan.invited.value, bilan.submitted.value, bilan.rate.value) == (3, 1, D("33.3"))
    assert [(b.label, b.share.value) for b in bilan.questions[0].bars] == [
        ("Oui", D("100.0")),
        ("Non", D("0.0")),
    ]
    assert report.tasks_done is not None
    assert [f.value for f in report.tasks_done.total] == [D("50.0"), D("50.0"), D("0.0"), D("0.0")]
    assert [t.caption for t in report.coverage][0].endswith("par département")
    assert [line[0] for line in report.coverage[0].lines] == ["16 – Charente"]
    for text in (pdf_text(render_report_pdf(report)), docx_text(render_report_docx(report))):
        flat = " ".join(text.split())
        assert "Charente" in flat
        for elsewhere in ("Vienne", "Charente-Maritime", "Deux-Sèvres", K3[1], R3_TEXT):
            assert elsewhere not in flat, elsewhere


def grow_report(rw, count: int) -> None:
    """More of everything in département 16: `count` collèges with a referent and a signed
    letter giving K1 and a new task, and each referent's submitted bilan."""
    from django.utils import timezone

    from missions.models import Letter, LetterStatus, LetterTemplate
    from surveys.models import Campaign, Question, SurveyInvitation, SurveyResponse
    from tests.dashboards import overview_fixture
    from tests.dashboards.report_fixture import answer, tasks
    from tests.factories import make_establishment
    from tests.indemnities.allocations.conftest import add_referent

    world = rw.world
    template = LetterTemplate.objects.get(academie=world.academie, school_year=rw.year)
    overview_fixture.grow(world, template, count=count)
    campaign = Campaign.objects.get(academie=world.academie, survey__school_year=rw.year)
    qs = {q.key: q for q in Question.objects.filter(survey=campaign.survey)}
    departement = world.academie.departements.get(code="16")
    for index in range(count):
        establishment = make_establishment(academie=world.academie, departement=departement)
        referent = add_referent(establishment, f"signe{index}@test.fr")
        Letter.objects.create(
            academie=world.academie,
            establishment=establishment,
            school_year=rw.year,
            referent=referent,
            template=template,
            reference=f"G-{next(overview_fixture._references):06d}",
            status=LetterStatus.ISSUED,
            content=tasks(K1, (f"tache-{index}", f"Tâche {index}")),
            sent_at=timezone.now(),
            issued_at=timezone.now(),
        )
        invitation = SurveyInvitation.objects.create(
            academie=world.academie,
            campaign=campaign,
            user=referent.user,
            establishment=establishment,
        )
        response = SurveyResponse.objects.create(
            academie=world.academie,
            campaign=campaign,
            invitation=invitation,
            establishment=establishment,
            submitted_at=timezone.now(),
        )
        answer(
            response,
            qs,
            {"delegation": "oui", "taches": [(*K1, "faite")], "demandes": f"Demande {index}"},
        )


# Académie; the overview's school years and eight aggregates; the départements' labels; the
# signed letters by type, their referents, their tasks; the campaigns; each campaign's results
# (two campaigns here: this year's bilan and last year's).
@pytest.mark.parametrize("role", ["dane_admin", "coordinator"])
def test_the_collection_queries_do_not_grow_with_the_data(
    rw, role, django_assert_num_queries
) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    scope = scope_for(getattr(rw.world, role))
    with CaptureQueriesContext(connection) as small:
        collect_report(scope, school_year=rw.year)
    grow_report(rw, 12)
    with django_assert_num_queries(len(small.captured_queries)):
        report = collect_report(scope, school_year=rw.year)
    assert key(report, "Lettres signées (en vigueur)").value == 1 + 12 + (
        1 if role == "dane_admin" else 0
    )


def test_without_a_previous_year_the_report_says_so(rw) -> None:
    """Last year's report: the platform has no year before it, so no comparison is shown."""
    from dashboards.report_docx import render_report_docx
    from dashboards.report_pdf import render_report_pdf

    report = collect_report(scope_for(rw.world.dane_admin), school_year=rw.previous)
    assert report.previous_year is None
    for text in (pdf_text(render_report_pdf(report)), docx_text(render_report_docx(report))):
        flat = " ".join(text.split()).replace("\u2010 ", "")  # words cut at a line's end
        assert "pas de données de l’année précédente" in flat
        assert "année précédente : " + "—" not in flat and "écart :" not in flat
