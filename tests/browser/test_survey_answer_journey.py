"""A referent answers the year's bilan across two sessions and submits it: the tasks of the
letter, a conditional question shown and hidden, a French validation message, the summary,
one submission, then read-only. axe-core on every page."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from surveys.models import Answer, SurveyResponse
from tests.browser.conftest import check_accessibility
from tests.browser.test_journeys import sign_in
from tests.factories import AcademieWorld
from tests.surveys.answering import invitation_of, issued_letter, open_campaign

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _sign_out(page: Any) -> None:
    page.goto(reverse("account_logout"))
    page.locator("main").get_by_role("button", name=re.compile("déconnecter", re.I)).click()
    page.wait_for_load_state()


def test_a_referent_answers_the_bilan_in_two_sessions_and_submits(
    page: Any, worlds: tuple[AcademieWorld, AcademieWorld]
) -> None:
    poitiers, _ = worlds
    issued_letter(poitiers)
    campaign = open_campaign(poitiers)
    invitation = invitation_of(campaign, poitiers.rupn)

    sign_in(page, poitiers.rupn.user.email)
    surveys = page.get_by_role("region", name="Enquêtes et bilans")
    expect(surveys).to_contain_text("À remplir")
    check_accessibility(page, "accueil du référent avec son bilan")
    surveys.get_by_role("link", name=re.compile("Bilan du RUPN")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Bilan du RUPN")
    check_accessibility(page, "début de l’enquête")
    page.get_by_role("link", name="Commencer").click()

    # Page 1: the tasks of the letter, the conditional follow-up.
    expect(page.get_by_role("heading", level=1)).to_contain_text("Vos missions")
    tasks = page.locator(".rupn-survey-task")
    expect(tasks.first).to_be_visible()
    follow_up = page.locator("#question-enquete-bloc")
    pilotage = page.get_by_role("group", name=re.compile("participé au pilotage"))
    pilotage.get_by_label("Non").check(force=True)
    expect(follow_up).to_be_hidden()
    pilotage.get_by_label("Oui").check(force=True)
    expect(follow_up).to_be_visible()
    check_accessibility(page, "page 1 du bilan")
    for n in range(tasks.count()):
        tasks.nth(n).get_by_label("En partie").check(force=True)
    tasks.first.get_by_label(re.compile("Commentaire")).fill("Avec la documentaliste")
    page.get_by_role("button", name="Enregistrer et continuer").click()
    errors = page.get_by_role("alert")
    expect(errors).to_contain_text("La page n’est pas enregistrée")
    expect(errors).to_contain_text("enquête auprès des enseignants")
    check_accessibility(page, "page 1 avec une réponse obligatoire manquante")
    page.get_by_role("group", name=re.compile("enquête auprès des enseignants")).get_by_label(
        "Oui"
    ).check(force=True)
    page.get_by_role("button", name="Enregistrer et continuer").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Usages")
    assert SurveyResponse.objects.get().last_page == 1

    # Signed out and back (another day, another device): the bilan resumes on page 2.
    _sign_out(page)
    sign_in(page, poitiers.rupn.user.email)
    surveys = page.get_by_role("region", name="Enquêtes et bilans")
    expect(surveys).to_contain_text("En cours")
    surveys.get_by_role("link", name=re.compile("Bilan du RUPN")).click()
    page.get_by_role("link", name="Reprendre").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Usages")
    page.get_by_role("group", name=re.compile("assistance")).get_by_label("Oui").check(force=True)
    page.get_by_role("group", name=re.compile("tablette")).get_by_label("Souvent").check(force=True)
    page.get_by_role("group", name="Pix").get_by_label("Connue", exact=True).check(force=True)
    page.get_by_label(re.compile("Combien de mini-ateliers")).fill("4")
    page.get_by_label(re.compile("Vos demandes au rectorat")).fill("Du temps pour la mission.")
    check_accessibility(page, "page 2 du bilan")
    page.get_by_role("button", name="Enregistrer et relire mes réponses").click()

    # The summary, then one submission.
    expect(page.get_by_role("heading", level=1)).to_have_text("Relire et envoyer vos réponses")
    main = page.locator("main")
    expect(main).to_contain_text("Avec la documentaliste")
    expect(main).to_contain_text("Pix : Connue")
    check_accessibility(page, "récapitulatif avant envoi")
    page.get_by_role("button", name="Envoyer mes réponses").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Vos réponses")
    expect(main).to_contain_text("Merci : vos réponses sont envoyées.")
    expect(page.get_by_role("button", name="Envoyer mes réponses")).to_have_count(0)
    check_accessibility(page, "réponses envoyées")
    response = SurveyResponse.objects.get(invitation=invitation)
    assert response.submitted_at is not None
    statuses = set(
        Answer.objects.filter(response=response)
        .exclude(task_key="")
        .values_list("option__key", flat=True)
    )
    assert statuses == {"en-partie"}
    page.goto(reverse("surveys:answer_page", args=[invitation.pk, 1]))
    expect(page.get_by_role("heading", level=1)).to_have_text("Vos réponses")
