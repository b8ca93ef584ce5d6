"""The builder's pages: the surveys of a year, a survey's outline, the question editor (its
structure buttons and its save), moves and deletions, preview, publication; constant query
counts as surveys grow."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from establishments.models import SchoolYear
from surveys.models import Audience, Question, QuestionKind, Survey
from surveys.services_authoring import question_data_of
from tests.surveys.builder import answer, editor_fields, question_post
from tests.surveys.definitions import every_kind, make_survey

pytestmark = pytest.mark.django_db

LIST = "/enquetes/gestion/"


def _q(survey, key):
    return Question.objects.get(survey=survey, key=key)


def test_the_list_offers_a_blank_survey_or_last_years_copy(worlds, acting_client):
    poitiers, _ = worlds
    current = SchoolYear.objects.current()
    last, _ = SchoolYear.objects.get_or_create(start_year=current.start_year - 1)
    make_survey(poitiers, school_year=last)
    client = acting_client(poitiers.dane_admin)
    page = client.get(LIST).content.decode()
    assert "Les référents (RUPN) de l’année" in page and "Les chefs d’établissement" in page
    assert f"Copier l’enquête {last.label}" in page  # the referents' bilan only
    assert page.count("Créer l’enquête vide") == 2
    response = client.post(
        "/enquetes/gestion/copier/", {"audience": "rupn", "annee": current.start_year}
    )
    copy = Survey.objects.get(academie=poitiers.academie, school_year=current)
    assert response.status_code == 302 and response["Location"] == f"/enquetes/gestion/{copy.pk}/"
    assert copy.based_on is not None and copy.based_on.school_year == last
    response = client.post(
        "/enquetes/gestion/creer/",
        {"audience": "principals", "annee": current.start_year, "title": "Satisfaction"},
        follow=True,
    )
    assert "Enquête « Satisfaction » créée en brouillon." in response.content.decode()
    again = client.post(
        "/enquetes/gestion/creer/",
        {"audience": "principals", "annee": current.start_year, "title": "Encore"},
        follow=True,
    )
    assert "existe déjà" in again.content.decode()
    assert Survey.objects.filter(academie=poitiers.academie, school_year=current).count() == 2


def test_the_outline_shows_pages_questions_and_conditions(worlds, acting_client):
    poitiers, _ = worlds
    survey = make_survey(poitiers)
    page = acting_client(poitiers.dane_admin).get(f"/enquetes/gestion/{survey.pk}/")
    text = page.content.decode()
    assert page.status_code == 200
    assert "Page 1 — Vos missions" in text and "Page 2 — Usages" in text
    assert (
        "Affichée seulement si la réponse à « Avez-vous participé au pilotage du projet "
        "numérique ? » est : Oui." in text
    )
    assert "Lignes : Éduthèque ; Pix" in text
    assert "Choix : Courriel ; ENT ; Autre (à préciser)" in text
    # Buttons name what they move; the very first question has no « Monter ».
    taches = _q(survey, "taches")
    assert f'action="/enquetes/gestion/questions/{taches.pk}/deplacer/"' in text
    assert 'Monter<span class="fr-sr-only"> la question 1</span>' not in text
    assert 'Monter<span class="fr-sr-only"> la question 5 à la page précédente' in text
    assert 'Descendre<span class="fr-sr-only"> la question 4 à la page suivante' in text


def test_a_question_is_written_with_its_choices_through_the_editor(worlds, acting_client):
    poitiers, _ = worlds
    survey = make_survey(poitiers)
    page2 = survey.pages.get(position=2)
    client = acting_client(poitiers.dane_admin)
    url = f"/enquetes/gestion/pages/{page2.pk}/questions/nouvelle/?nature=single"
    shown = client.get(url)
    assert shown.status_code == 200
    fields = editor_fields(shown.content)
    assert fields["kind"] == "single" and fields["choix-TOTAL_FORMS"] == "2"
    # One more choice (unsaved), then the whole question saved.
    fields.update({"label": "Votre usage du M@gistère", "choix-0-label": "Jamais"})
    added = client.post(url, {**fields, "action": "option_add"})
    assert added.status_code == 200 and "Choix 3 ajouté." in added.content.decode()
    assert not Question.objects.filter(survey=survey, label__contains="M@gistère").exists()
    fields = editor_fields(added.content)
    assert fields["choix-0-label"] == "Jamais" and fields["choix-TOTAL_FORMS"] == "3"
    fields.update({"choix-1-label": "Parfois", "choix-2-label": "Souvent", "required": "on"})
    saved = client.post(url, {**fields, "action": "save"})
    question = Question.objects.get(survey=survey, key="votre-usage-du-mgistere")
    assert saved.status_code == 302
    assert saved["Location"] == f"/enquetes/gestion/{survey.pk}/#question-{question.pk}"
    assert (question.page, question.position, question.required) == (page2, 7, True)
    assert list(question.options.values_list("label", flat=True)) == [
        "Jamais",
        "Parfois",
        "Souvent",
    ]


def test_the_editor_changes_kind_and_shows_the_answers_a_condition_may_name(worlds, acting_client):
    poitiers, _ = worlds
    survey = make_survey(poitiers)
    client = acting_client(poitiers.dane_admin)
    q = _q(survey, "projet")
    url = f"/enquetes/gestion/questions/{q.pk}/"
    fields = editor_fields(client.get(url).content)
    assert "choix-0-label" not in fields
    changed = client.post(url, {**fields, "kind": "multiple", "action": "kind"})
    assert "Nature de la question : Choix multiple." in changed.content.decode()
    assert editor_fields(changed.content)["choix-TOTAL_FORMS"] == "2"
    tablette = _q(survey, "tablette")
    fields = editor_fields(client.get(url).content)
    shown = client.post(
        url, {**fields, "shown_if_question": tablette.pk, "action": "condition"}
    ).content.decode()
    assert "Pour les réponses à « Utilisez-vous une tablette en classe ? »" in shown
    assert 'value="souvent"' in shown
    fields = editor_fields(shown)
    saved = client.post(url, {**fields, "shown_if_options": ["parfois", "souvent"]})
    assert saved.status_code == 302
    q.refresh_from_db()
    assert (q.shown_if_question, q.shown_if_options) == (tablette, ["parfois", "souvent"])


def test_bad_input_gets_french_errors_and_changes_nothing(worlds, acting_client):
    poitiers, _ = worlds
    survey = make_survey(poitiers)
    client = acting_client(poitiers.dane_admin)
    q = _q(survey, "ateliers")
    url = f"/enquetes/gestion/questions/{q.pk}/"
    body = question_post(question_data_of(q))
    response = client.post(url, {**body, "label": "", "min_value": "douze"})
    text = response.content.decode()
    assert response.status_code == 400
    assert "Libellé de la question : Donnez un libellé à la question." in text
    assert "Minimum : Écrivez un nombre" in text
    response = client.post(url, {**body, "min_value": "20", "max_value": "3"})
    assert response.status_code == 400 and "Le minimum dépasse le maximum." in (
        response.content.decode()
    )
    q.refresh_from_db()
    assert (q.label, q.min_value) == ("Combien de mini-ateliers ?", 0)
    assert client.post(url, {**body, "action": "option_up:7"}).status_code == 200


def test_moves_and_deletions_from_the_outline(worlds, acting_client):
    poitiers, _ = worlds
    survey = make_survey(poitiers)
    client = acting_client(poitiers.dane_admin)
    enquete = _q(survey, "enquete")
    refused = client.post(
        f"/enquetes/gestion/questions/{enquete.pk}/deplacer/", {"sens": "haut"}, follow=True
    )
    assert "elle doit rester après elle" in refused.content.decode()
    info = _q(survey, "information")
    moved = client.post(
        f"/enquetes/gestion/questions/{info.pk}/deplacer/", {"sens": "haut"}, follow=True
    )
    assert "question 3 de la page 1." in moved.content.decode()
    confirm = client.get(f"/enquetes/gestion/questions/{info.pk}/supprimer/")
    assert "Supprimer la question « Comment avez-vous informé vos collègues ? » ?" in (
        confirm.content.decode()
    )
    client.post(f"/enquetes/gestion/questions/{info.pk}/supprimer/")
    assert not Question.objects.filter(pk=info.pk).exists()
    page2 = survey.pages.get(position=2)
    client.post(f"/enquetes/gestion/pages/{page2.pk}/deplacer/", {"sens": "haut"})
    page2.refresh_from_db()
    assert page2.position == 1


def test_a_survey_with_answers_explains_what_it_refuses(worlds, acting_client):
    poitiers, _ = worlds
    survey = make_survey(poitiers)
    answer(poitiers, survey, "information", option="courriel")
    client = acting_client(poitiers.dane_admin)
    outline = client.get(f"/enquetes/gestion/{survey.pk}/").content.decode()
    assert 'Supprimer<span class="fr-sr-only"> la question' not in outline
    assert "Des réponses sont déjà enregistrées" in outline
    q = _q(survey, "information")
    shown = client.get(f"/enquetes/gestion/questions/{q.pk}/").content.decode()
    assert "<strong>Choix multiple</strong> (elle ne change plus" in shown
    assert 'value="option_remove:0"' not in shown  # a saved choice keeps no « Supprimer »
    body = question_post(question_data_of(q))
    body.update({"choix-TOTAL_FORMS": 2})  # the last choice left out
    refused = client.post(f"/enquetes/gestion/questions/{q.pk}/", body)
    assert refused.status_code == 400
    assert "les choix ne peuvent plus être supprimés («\u00a0Autre\u00a0»)" in (
        refused.content.decode()
    )
    assert q.options.count() == 3
    deleted = client.post(f"/enquetes/gestion/questions/{q.pk}/supprimer/", follow=True)
    assert "effacerait celles qui lui ont été données" in deleted.content.decode()


BLOCK_START = re.compile(r'<div class="fr-mb-4w rupn-question" id="question-([^"]+)-bloc"')
DIV_TAG = re.compile(r"<div\b|</div>")


def _question_blocks(html: str) -> dict[str, str]:
    """Each question's block of a page, by question key, up to its closing tag."""
    blocks = {}
    for start in BLOCK_START.finditer(html):
        depth = 0
        for tag in DIV_TAG.finditer(html, start.start()):
            depth += 1 if tag.group() == "<div" else -1
            if depth == 0:
                blocks[start.group(1)] = html[start.start() : tag.end()]
                break
    return blocks


def test_the_preview_shows_the_respondents_view_and_records_nothing(worlds, acting_client):
    """Each question of the preview is the very block its respondent gets, not a copy."""
    from django.urls import reverse

    from tests.conftest import client_acting_as
    from tests.surveys.answering import invitation_of, open_campaign

    poitiers, _ = worlds
    campaign = open_campaign(poitiers)
    survey = campaign.survey
    client = acting_client(poitiers.dane_admin)
    before = Question.objects.count()
    text = client.get(f"/enquetes/gestion/{survey.pk}/apercu/").content.decode()
    assert "Page 1 sur 2 — Vos missions" in text
    assert "<form" not in text.split("<h2")[1]  # the survey's first page: no form to send
    assert "Seulement si « Avez-vous participé au pilotage du projet numérique ? » : Oui" in text
    assert "Entre 0 et 50." in text
    assert "Accompagner les enseignants dans l’usage de l’ENT" in text  # example tasks
    preview = _question_blocks(text)
    assert len(preview) == Question.objects.filter(survey=survey).count() == 10
    assert len(BLOCK_START.findall(text)) == 10  # each question once

    referent = client_acting_as(poitiers.rupn)
    invitation = invitation_of(campaign, poitiers.rupn)
    respondent: dict[str, str] = {}
    for number in (1, 2):
        page = referent.get(reverse("surveys:answer_page", args=[invitation.pk, number]))
        respondent |= _question_blocks(page.content.decode())
    # Both pages of every kind; the letter's tasks are the referent's own, the preview's examples.
    tasks = Question.objects.get(survey=survey, kind=QuestionKind.LETTER_TASKS).key
    assert set(respondent) == set(preview)
    for key, block in respondent.items():
        if key != tasks:
            assert preview[key] == block, key
    assert Question.objects.count() == before


def test_publication_from_the_outline(worlds, acting_client):
    poitiers, _ = worlds
    survey = make_survey(poitiers, {"title": "Vide", "pages": [{"title": "P"}]})
    client = acting_client(poitiers.dane_admin)
    refused = client.post(f"/enquetes/gestion/{survey.pk}/publier/", follow=True)
    assert "Une enquête sans question ne peut pas être publiée." in refused.content.decode()
    survey = make_survey(poitiers, audience=Audience.PRINCIPALS)
    done = client.post(f"/enquetes/gestion/{survey.pk}/publier/", follow=True)
    assert f"Enquête « {survey.title} » publiée" in done.content.decode()
    survey.refresh_from_db()
    assert survey.is_published


def _bigger(pages: int) -> dict:
    definition = every_kind()
    extra = []
    for n in range(pages):
        extra.append(
            {
                "title": f"Page en plus {n}",
                "questions": [
                    {
                        "key": f"q{n}-{i}",
                        "kind": QuestionKind.SINGLE,
                        "label": f"Question {n}-{i}",
                        "options": [{"label": "A"}, {"label": "B"}, {"label": "C"}],
                        "shown_if": {"question": "pilotage", "options": ["oui"]},
                    }
                    for i in range(5)
                ],
            }
        )
    definition["pages"] += extra
    return definition


@pytest.mark.parametrize("path", ["", "apercu/"])
def test_outline_and_preview_queries_do_not_grow_with_the_survey(worlds, acting_client, path):
    poitiers, _ = worlds
    client = acting_client(poitiers.dane_admin)
    current = SchoolYear.objects.current()
    counts = []
    for offset, pages in ((0, 1), (1, 6)):
        year, _ = SchoolYear.objects.get_or_create(start_year=current.start_year + offset)
        survey = make_survey(poitiers, _bigger(pages), school_year=year)
        with CaptureQueriesContext(connection) as queries:
            assert client.get(f"/enquetes/gestion/{survey.pk}/{path}").status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]


def test_the_list_queries_do_not_grow_with_the_years(worlds, acting_client):
    poitiers, _ = worlds
    client = acting_client(poitiers.dane_admin)
    current = SchoolYear.objects.current()
    counts = []
    for years in (1, 4):
        for n in range(years):
            year, _ = SchoolYear.objects.get_or_create(start_year=current.start_year - 1 - n)
            if not Survey.objects.filter(school_year=year, academie=poitiers.academie).exists():
                make_survey(poitiers, school_year=year)
        with CaptureQueriesContext(connection) as queries:
            assert client.get(LIST).status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]


def test_only_the_dane_admin_builds(worlds, acting_client):
    poitiers, bordeaux = worlds
    survey = make_survey(poitiers)
    assert acting_client(poitiers.coordinator).get(LIST).status_code == 403
    assert (
        acting_client(bordeaux.dane_admin).get(f"/enquetes/gestion/{survey.pk}/").status_code == 404
    )
    assert re.search(
        "Enquêtes et bilans", acting_client(poitiers.dane_admin).get("/").content.decode()
    )


def test_a_conditional_question_with_answers_saves_as_shown(worlds, acting_client):
    poitiers, _ = worlds
    survey = make_survey(poitiers)
    answer(poitiers, survey, "enquete", option="oui")
    client = acting_client(poitiers.dane_admin)
    q = _q(survey, "enquete")
    url = f"/enquetes/gestion/questions/{q.pk}/"
    fields = editor_fields(client.get(url).content)
    fields["label"] = "Avez-vous interrogé les enseignants ?"
    assert client.post(url, fields).status_code == 302
    q.refresh_from_db()
    assert (q.label, q.kind, q.shown_if_options) == (
        "Avez-vous interrogé les enseignants ?",
        "yes_no",
        ["oui"],
    )


def test_a_multiple_choice_with_other_becomes_a_scale_without_it(worlds, acting_client):
    poitiers, _ = worlds
    survey = make_survey(poitiers)
    client = acting_client(poitiers.dane_admin)
    q = _q(survey, "information")
    url = f"/enquetes/gestion/questions/{q.pk}/"
    changed = client.post(
        url, {**editor_fields(client.get(url).content), "action": "kind", "kind": "scale"}
    )
    fields = editor_fields(changed.content)
    assert fields["choix-2-is_other"] == "on"  # kept, hidden, while the kind has no « autre »
    assert client.post(url, fields).status_code == 302
    assert not q.options.filter(is_other=True).exists()
    q.refresh_from_db()
    assert q.kind == "scale"


def test_a_published_survey_leads_to_its_campaign_then_to_its_results(worlds, acting_client):
    from django.urls import reverse

    from tests.surveys.responses import open_campaign

    poitiers, _ = worlds
    survey = make_survey(poitiers)
    client = acting_client(poitiers.dane_admin)
    outline = f"/enquetes/gestion/{survey.pk}/"
    assert (
        reverse("surveys:campaign_create", args=[survey.pk])
        not in client.get(outline).content.decode()
    )
    client.post(f"/enquetes/gestion/{survey.pk}/publier/")
    assert (
        reverse("surveys:campaign_create", args=[survey.pk]) in client.get(outline).content.decode()
    )
    campaign = open_campaign(poitiers, survey)
    html = client.get(outline).content.decode()
    assert reverse("surveys:campaign", args=[campaign.pk]) in html
    assert reverse("surveys:results", args=[campaign.pk]) in html
    assert reverse("surveys:campaign_create", args=[survey.pk]) not in html


def test_the_editor_round_trips_ids_of_four_digits(worlds, acting_client):
    """Ids from 1 000 on must not reach a form localised (« 1 234 »)."""
    poitiers, _ = worlds
    filler = make_survey(poitiers, audience=Audience.PRINCIPALS)
    page = filler.pages.first()
    Question.objects.bulk_create(
        Question(
            academie=poitiers.academie,
            survey=filler,
            page=page,
            position=100 + n,
            key=f"remplissage-{n}",
            kind=QuestionKind.SHORT_TEXT,
            label="Remplissage",
        )
        for n in range(1000)
    )
    survey = make_survey(poitiers)
    answer(poitiers, survey, "enquete", option="oui")
    q = _q(survey, "enquete")
    assert q.shown_if_question_id is not None and q.shown_if_question_id >= 1000
    client = acting_client(poitiers.dane_admin)
    url = f"/enquetes/gestion/questions/{q.pk}/"
    fields = editor_fields(client.get(url).content)
    fields["label"] = "Avez-vous interrogé les enseignants ?"
    assert client.post(url, fields).status_code == 302
    q.refresh_from_db()
    assert q.label == "Avez-vous interrogé les enseignants ?"
