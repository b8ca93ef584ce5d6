"""« Les tâches de ma lettre »: the tasks of the referent's letter in force, across an amended
letter, and what the direction reads of them at the service-fait certification."""

from __future__ import annotations

import pytest

from accounts.scopes import scope_for
from missions.content import ChosenTask, LetterContent
from missions.models import LetterStatus, TemplateTask
from missions.services_letters import letter_amend, letter_update
from surveys.answers import Given, TaskAnswer
from surveys.models import Answer
from surveys.selectors_responses import (
    get_invitation_for,
    given_of,
    letter_of_invitation,
    letter_task_answers_of,
    letter_tasks,
    survey_structure,
)
from surveys.services_responses import ResponseErrors, response_save_page, response_submit
from tests.missions.letters import advance
from tests.surveys.answering import (
    PAGE_1,
    PAGE_2,
    every_kind_answers,
    invitation_of,
    issued_letter,
    open_campaign,
    page_of,
)

pytestmark = pytest.mark.django_db

REQUIRED_TASKS = {
    "title": "Bilan",
    "pages": [
        {
            "title": "Vos missions",
            "questions": [
                {"key": "taches", "kind": "letter_tasks", "label": "Vos tâches", "required": True}
            ],
        }
    ],
}


def _save(world, invitation, given, revision):
    return response_save_page(
        actor=scope_for(world.rupn),
        invitation=invitation,
        page_number=1,
        given=given,
        revision=revision,
    )


def _amend(world, letter):
    """An issued amendment: the letter's last task dropped, the catalogue task added."""
    direction = scope_for(world.principal)
    amendment = letter_amend(letter=letter, reason="Nouvelle répartition.", actor=direction)
    content = LetterContent.of(amendment.content)
    catalogue = TemplateTask.objects.get(
        section__template=amendment.template, key="catalogue-ressources"
    )
    tasks = [
        *content.tasks[:-1],
        ChosenTask(section=catalogue.section.position, key=catalogue.key, label=catalogue.label),
    ]
    amendment = letter_update(
        letter=amendment,
        content=LetterContent(tasks=tasks, texts=content.texts, training=content.training),
        revision=amendment.revision,
        actor=direction,
    )
    return advance(amendment, world, until=LetterStatus.ISSUED)


def test_the_question_lists_the_tasks_of_the_issued_letter(worlds):
    poitiers, _ = worlds
    letter = issued_letter(poitiers)
    invitation = invitation_of(open_campaign(poitiers, REQUIRED_TASKS), poitiers.rupn)
    tasks = letter_tasks(letter_of_invitation(invitation))
    assert [t.key for t in tasks] == [t.key for t in LetterContent.of(letter.content).tasks]
    assert all(t.label and t.section for t in tasks)
    # Required: every task needs its status.
    with pytest.raises(ResponseErrors) as caught:
        _save(poitiers, invitation, {"taches": Given(tasks={tasks[0].key: TaskAnswer("faite")})}, 0)
    assert "sans réponse" in caught.value.message_dict["taches"][0]
    given = Given(tasks={t.key: TaskAnswer("en-partie", "Commencé") for t in tasks})
    response = _save(poitiers, invitation, {"taches": given}, 0)
    assert response.letter == letter
    rows = Answer.objects.filter(response=response).order_by("pk")
    assert [(a.task_key, a.task_label, getattr(a.option, "key", None), a.text) for a in rows] == [
        (t.key, t.label, "en-partie", "Commencé") for t in tasks
    ]


def test_across_an_amended_letter_the_tasks_in_force_keep_their_answers_by_key(worlds):
    poitiers, _ = worlds
    letter = issued_letter(poitiers)
    invitation = invitation_of(open_campaign(poitiers, REQUIRED_TASKS), poitiers.rupn)
    before = letter_tasks(letter)
    response = _save(
        poitiers,
        invitation,
        {"taches": Given(tasks={t.key: TaskAnswer("faite", t.key) for t in before})},
        0,
    )
    amendment = _amend(poitiers, letter)
    invitation = get_invitation_for(scope_for(poitiers.rupn), invitation.pk)
    after = letter_tasks(letter_of_invitation(invitation))
    assert letter_of_invitation(invitation) == amendment
    dropped, added = before[-1].key, "catalogue-ressources"
    assert dropped not in {t.key for t in after} and added in {t.key for t in after}
    # The page shows the amendment's tasks with the answers given for those kept.
    given = given_of(response, survey_structure(invitation.campaign.survey))["taches"]
    kept = {t.key for t in after} & set(given.tasks)
    assert kept == {t.key for t in before[:-1]}
    # Submitting now: the new task has no status yet.
    with pytest.raises(ResponseErrors):
        response_submit(
            actor=scope_for(poitiers.rupn), invitation=invitation, revision=response.revision
        )
    tasks = dict(given.tasks)
    tasks[added] = TaskAnswer("pas-commencee", "Ajoutée par l’avenant")
    response = _save(poitiers, invitation, {"taches": Given(tasks=tasks)}, response.revision)
    response, _ = response_submit(
        actor=scope_for(poitiers.rupn), invitation=invitation, revision=response.revision
    )
    assert response.letter == amendment
    stored = dict(Answer.objects.filter(response=response).values_list("task_key", "option__key"))
    assert dropped not in stored
    assert stored[added] == "pas-commencee"
    assert all(stored[t.key] == "faite" for t in before[:-1])


def test_the_direction_reads_its_referents_task_answers_and_nothing_else(worlds):
    poitiers, bordeaux = worlds
    letter = issued_letter(poitiers)
    campaign = open_campaign(poitiers)
    invitation = invitation_of(campaign, poitiers.rupn)
    tasks = letter_tasks(letter)
    answers = every_kind_answers([t.key for t in tasks])
    response = _save(poitiers, invitation, page_of(answers, PAGE_1), 0)
    response = response_save_page(
        actor=scope_for(poitiers.rupn),
        invitation=invitation,
        page_number=2,
        given=page_of(answers, PAGE_2),
        revision=response.revision,
    )

    def read(membership):
        return letter_task_answers_of(
            scope_for(membership),
            establishment=poitiers.establishment,
            school_year=campaign.survey.school_year,
            user_ids=[poitiers.rupn.user_id],
        )

    assert read(poitiers.principal) == {}  # not submitted yet: nothing shown
    response_submit(
        actor=scope_for(poitiers.rupn), invitation=invitation, revision=response.revision
    )
    seen = read(poitiers.principal)[poitiers.rupn.user_id]
    assert [(line.label, line.status, line.comment) for line in seen.lines] == [
        (t.label, "Faite", "Bien avancé") for t in tasks
    ]
    assert read(poitiers.deputy) and read(poitiers.dane_admin) and read(poitiers.coordinator)
    for outsider in (poitiers.rupn, bordeaux.principal, bordeaux.dane_admin):
        assert read(outsider) == {}


def test_the_service_fait_page_shows_the_task_answers_only(worlds):
    from django.urls import reverse

    from tests.conftest import client_acting_as

    poitiers, _ = worlds
    letter = issued_letter(poitiers)
    campaign = open_campaign(poitiers)
    invitation = invitation_of(campaign, poitiers.rupn)
    tasks = letter_tasks(letter)
    answers = every_kind_answers([t.key for t in tasks])
    answers["demandes"] = Given(text="Demande confidentielle au rectorat")
    response = _save(poitiers, invitation, page_of(answers, PAGE_1), 0)
    url = reverse(
        "indemnities:certifications",
        kwargs={
            "establishment_pk": poitiers.establishment.pk,
            "start_year": campaign.survey.school_year.start_year,
        },
    )
    principal = client_acting_as(poitiers.principal)
    page = principal.get(url).content.decode()
    assert "n’a pas encore envoyé son bilan" in page
    response = response_save_page(
        actor=scope_for(poitiers.rupn),
        invitation=invitation,
        page_number=2,
        given=page_of(answers, PAGE_2),
        revision=response.revision,
    )
    response_submit(
        actor=scope_for(poitiers.rupn), invitation=invitation, revision=response.revision
    )
    page = principal.get(url).content.decode()
    assert "les tâches de sa lettre" in page
    for task in tasks:
        assert task.label in page
    assert "Bien avancé" in page
    assert "Demande confidentielle" not in page and "Le site du collège" not in page
