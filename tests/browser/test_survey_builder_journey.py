"""A DANE admin builds the year's bilan in the browser: a blank survey, a question, a second
one shown only after « Oui » to the first, the preview, the publication; axe-core on each page."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import expect

from surveys.models import Question, Survey
from tests.browser.conftest import check_accessibility
from tests.browser.test_journeys import main_nav, sign_in
from tests.factories import AcademieWorld

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PILOTAGE = "Avez-vous participé au pilotage du projet numérique de l’établissement ?"
ENQUETE = "Avez-vous mené une enquête auprès des enseignants ?"


def test_dane_admin_builds_a_conditional_question_previews_and_publishes(
    page: Any, worlds: tuple[AcademieWorld, AcademieWorld]
) -> None:
    poitiers, _ = worlds
    sign_in(page, poitiers.dane_admin.user.email)
    main_nav(page).get_by_role("link", name="Enquêtes").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Enquêtes")
    check_accessibility(page, "enquêtes de l’année")
    page.get_by_role("button", name=re.compile("Créer l’enquête vide .*référents")).click()
    expect(page.get_by_text("créée en brouillon")).to_be_visible()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Modifier l’enquête")
    check_accessibility(page, "plan de l’enquête")

    # A first question: yes/no, required.
    page.get_by_label("Nature de la nouvelle question (page 1)").select_option(label="Oui / non")
    page.get_by_role("button", name="Ajouter une question à la page 1").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Nouvelle question, page 1")
    check_accessibility(page, "nouvelle question")
    page.get_by_label("Libellé de la question").fill(PILOTAGE)
    page.get_by_label("Réponse obligatoire").check(force=True)
    page.get_by_role("button", name="Enregistrer la question").click()
    expect(page.get_by_text("ajoutée")).to_be_visible()

    # A second one, shown only for « Oui » to the first.
    page.get_by_label("Nature de la nouvelle question (page 1)").select_option(label="Oui / non")
    page.get_by_role("button", name="Ajouter une question à la page 1").click()
    page.get_by_label("Libellé de la question").fill(ENQUETE)
    page.get_by_label("Afficher cette question seulement selon la réponse à").select_option(
        label=PILOTAGE
    )
    page.get_by_role("button", name="Afficher ses réponses").click()
    expect(page.get_by_role("status")).to_contain_text("Cochez les réponses")
    check_accessibility(page, "condition d’affichage")
    page.get_by_role("group", name=re.compile("Pour les réponses")).get_by_label("Oui").check(
        force=True
    )
    page.get_by_role("button", name="Enregistrer la question").click()
    expect(page.get_by_text("Affichée seulement si la réponse à")).to_be_visible()

    # The preview shows the respondent's view, then publication.
    page.get_by_role("link", name="Aperçu de l’enquête").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Aperçu")
    expect(page.get_by_text(re.compile("Seulement si « Avez-vous participé"))).to_be_visible()
    check_accessibility(page, "aperçu de l’enquête")
    page.get_by_role("button", name="Publier l’enquête").click()
    expect(page.get_by_text("publiée : sa campagne peut être ouverte")).to_be_visible()
    expect(page.get_by_text("Publiée", exact=True)).to_be_visible()
    check_accessibility(page, "enquêtes après publication")

    survey = Survey.objects.get(academie=poitiers.academie)
    assert survey.is_published
    enquete = Question.objects.get(survey=survey, label=ENQUETE)
    assert enquete.shown_if_question is not None
    assert enquete.shown_if_question.label == PILOTAGE
    assert enquete.shown_if_options == ["oui"]
