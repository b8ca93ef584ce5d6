"""The respondent's pages: home block, page by page with French messages, summary, one
submission, read-only afterwards, constant query counts."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from surveys.models import Answer, Campaign, SurveyResponse
from tests.conftest import client_acting_as
from tests.surveys.answering import invitation_of, issued_letter, open_campaign

pytestmark = pytest.mark.django_db

PAGE_1 = {
    "q-pilotage": "oui",
    "q-enquete": "non",
    "q-information": ["courriel", "autre"],
    "q-information-autre": "Le site",
}
PAGE_2 = {
    "q-assistance": "oui",
    "q-tablette": "souvent",
    "q-ressources-eduthèque": "connue",
    "q-ressources-pix": "utilisee",
    "q-ateliers": "3,5",
    "q-projet": "Former à l’ENT",
    "q-demandes": "Du temps",
}


def _urls(invitation):
    return {
        "start": reverse("surveys:answer", args=[invitation.pk]),
        "page1": reverse("surveys:answer_page", args=[invitation.pk, 1]),
        "page2": reverse("surveys:answer_page", args=[invitation.pk, 2]),
        "summary": reverse("surveys:answer_summary", args=[invitation.pk]),
        "submit": reverse("surveys:answer_submit", args=[invitation.pk]),
    }


def test_a_referent_answers_page_by_page_and_submits_once(worlds):
    poitiers, _ = worlds
    invitation = invitation_of(open_campaign(poitiers), poitiers.rupn)
    urls = _urls(invitation)
    client = client_acting_as(poitiers.rupn)
    home = client.get(reverse("home")).content.decode()
    assert urls["start"] in home and "À remplir" in home
    assert "Commencer" in client.get(urls["start"]).content.decode()

    # A required answer missing: French message, nothing saved.
    page = client.post(urls["page1"], {"revision": 0})
    assert page.status_code == 400
    text = page.content.decode()
    assert "La page n’est pas enregistrée" in text and "Choisissez une réponse." in text
    assert not SurveyResponse.objects.exists()

    assert client.post(urls["page1"], {**PAGE_1, "revision": 0})["Location"] == urls["page2"]
    # A number that is not one, then out of bounds.
    page = client.post(urls["page2"], {**PAGE_2, "q-ateliers": "trois", "revision": 1})
    assert page.status_code == 400 and "Indiquez un nombre" in page.content.decode()
    page = client.post(urls["page2"], {**PAGE_2, "q-ateliers": "51", "revision": 1})
    assert page.status_code == 400 and "au plus 50" in page.content.decode()
    assert client.post(urls["page2"], {**PAGE_2, "revision": 1})["Location"] == urls["summary"]
    summary = client.get(urls["summary"]).content.decode()
    assert "Le site" in summary and "Pix : Utilisée" in summary and "3,5" in summary
    assert "Envoyer mes réponses" in summary

    # Two clicks on « Envoyer »: one submission.
    assert client.post(urls["submit"], {"revision": 2})["Location"] == urls["summary"]
    client.post(urls["submit"], {"revision": 2})
    response = SurveyResponse.objects.get()
    assert response.submitted_at is not None and response.revision == 3
    summary = client.get(urls["summary"]).content.decode()
    assert "Réponses envoyées le" in summary and "Envoyer mes réponses" not in summary
    # Read-only: the pages lead to the summary, a post changes nothing.
    assert client.get(urls["page1"])["Location"] == urls["summary"]
    count = Answer.objects.count()
    client.post(urls["page1"], {**PAGE_1, "q-pilotage": "non", "revision": 3})
    assert Answer.objects.count() == count
    assert "Réponses envoyées" in client.get(reverse("home")).content.decode()


def test_a_stale_tab_is_told_and_shown_the_saved_answers(worlds):
    poitiers, _ = worlds
    invitation = invitation_of(open_campaign(poitiers), poitiers.rupn)
    urls = _urls(invitation)
    client = client_acting_as(poitiers.rupn)
    client.post(urls["page1"], {**PAGE_1, "revision": 0})
    page = client.post(urls["page1"], {**PAGE_1, "q-pilotage": "non", "revision": 0})
    assert page.status_code == 409
    assert "autre onglet" in page.content.decode()
    assert Answer.objects.filter(question__key="enquete").exists()


def test_submitting_with_missing_answers_names_the_pages(worlds):
    poitiers, _ = worlds
    invitation = invitation_of(open_campaign(poitiers), poitiers.rupn)
    urls = _urls(invitation)
    client = client_acting_as(poitiers.rupn)
    client.post(urls["page2"], {**PAGE_2, "revision": 0})
    page = client.post(urls["submit"], {"revision": 1})
    assert page.status_code == 400
    text = page.content.decode()
    assert "Vos réponses ne sont pas envoyées" in text and urls["page1"] in text
    assert SurveyResponse.objects.get().submitted_at is None


def test_after_closing_the_response_is_read_only(worlds):
    poitiers, _ = worlds
    campaign = open_campaign(poitiers)
    invitation = invitation_of(campaign, poitiers.rupn)
    urls = _urls(invitation)
    client = client_acting_as(poitiers.rupn)
    client.post(urls["page1"], {**PAGE_1, "revision": 0})
    Campaign.objects.filter(pk=campaign.pk).update(
        closes_at=timezone.now() - datetime.timedelta(minutes=1)
    )
    assert client.get(urls["page1"])["Location"] == urls["summary"]
    summary = client.get(urls["summary"]).content.decode()
    assert "close depuis" in summary and "Envoyer mes réponses" not in summary
    client.post(urls["submit"], {"revision": 1})
    assert SurveyResponse.objects.get().submitted_at is None


def test_the_letter_tasks_are_listed_on_the_first_page(worlds):
    poitiers, _ = worlds
    letter = issued_letter(poitiers)
    invitation = invitation_of(open_campaign(poitiers), poitiers.rupn)
    client = client_acting_as(poitiers.rupn)
    page = client.get(_urls(invitation)["page1"]).content.decode()
    from surveys.selectors_responses import letter_tasks

    for task in letter_tasks(letter):
        assert task.label in page
    assert "Pas commencée" in page


def _more_answers(world, n):
    """`n` more referents of the world's collège, each with a saved first page."""
    from accounts.scopes import scope_for
    from surveys.services_campaigns import invitations_sync
    from surveys.services_responses import response_save_page
    from tests.indemnities.allocations.conftest import add_referent
    from tests.surveys.answering import PAGE_1 as KEYS
    from tests.surveys.answering import every_kind_answers, page_of

    campaign = Campaign.objects.get(academie=world.academie)
    referents = [
        add_referent(world.establishment, f"r{n}.{i}.{world.academie.slug}@test.fr")
        for i in range(n)
    ]
    invitations_sync(campaign=campaign)
    for referent in referents:
        response_save_page(
            actor=scope_for(referent),
            invitation=invitation_of(campaign, referent),
            page_number=1,
            given=page_of(every_kind_answers(), KEYS),
            revision=0,
        )


def test_page_and_summary_queries_do_not_grow_with_answers(worlds, django_assert_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    poitiers, _ = worlds
    invitation = invitation_of(open_campaign(poitiers), poitiers.rupn)
    urls = _urls(invitation)
    client = client_acting_as(poitiers.rupn)
    client.post(urls["page1"], {**PAGE_1, "revision": 0})

    def counts():
        found = []
        for url in (urls["page1"], urls["summary"], reverse("home")):
            with CaptureQueriesContext(connection) as queries:
                assert client.get(url).status_code == 200
            found.append(len(queries))
        return found

    before = counts()
    _more_answers(poitiers, 5)
    assert counts() == before
