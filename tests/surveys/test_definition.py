"""Surveys as data: created from a definition, read back the same, bad ones refused."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from audit.models import AuditEvent
from surveys.definition import definition_errors, definition_of
from surveys.models import OptionRole, Question, QuestionKind, QuestionOption, Survey
from tests.surveys.definitions import every_kind, make_survey

pytestmark = pytest.mark.django_db


def test_a_definition_creates_pages_questions_and_fixed_choices(worlds):
    poitiers, _ = worlds
    survey = make_survey(poitiers)
    assert [p.title for p in survey.pages.all()] == ["Vos missions", "Usages"]
    assert Question.objects.filter(survey=survey).count() == 10
    pilotage = Question.objects.get(survey=survey, key="pilotage")
    assert [o.key for o in pilotage.options.all()] == ["oui", "non"]
    tasks = Question.objects.get(survey=survey, key="taches")
    assert tasks.kind == QuestionKind.LETTER_TASKS
    assert [o.key for o in tasks.options.all()] == [
        "faite",
        "en-partie",
        "non-faite",
        "pas-commencee",
    ]
    grid = Question.objects.get(survey=survey, key="ressources")
    assert grid.options.filter(role=OptionRole.ROW).count() == 2
    assert grid.options.filter(role=OptionRole.CHOICE).count() == 3
    follow_up = Question.objects.get(survey=survey, key="enquete")
    assert follow_up.shown_if_question == pilotage
    assert follow_up.shown_if_options == ["oui"]
    assert QuestionOption.objects.get(question__key="information", key="autre").is_other
    assert AuditEvent.objects.filter(verb="survey.create", target_id=survey.pk).count() == 1


def test_a_survey_reads_back_as_its_definition(worlds):
    poitiers, _ = worlds
    survey = make_survey(poitiers)
    again = definition_of(survey)
    assert definition_errors(again) == []
    original = every_kind()
    assert [q["key"] for p in again["pages"] for q in p["questions"]] == [
        q["key"] for p in original["pages"] for q in p["questions"]
    ]
    assert again["pages"][0]["questions"][2]["shown_if"] == {
        "question": "pilotage",
        "options": ["oui"],
    }


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d.update(title=""), "titre"),
        (lambda d: d["pages"][1]["questions"][0].update(options=[]), "au moins deux choix"),
        (lambda d: d["pages"][1]["questions"][3].update(min=10, max=1), "minimum"),
        (
            lambda d: d["pages"][0]["questions"][2].update(
                shown_if={"question": "demandes", "options": ["oui"]}
            ),
            "placée avant",
        ),
        (
            lambda d: d["pages"][0]["questions"][2].update(
                shown_if={"question": "pilotage", "options": ["peut-etre"]}
            ),
            "réponses inconnues",
        ),
        (lambda d: d["pages"][1]["questions"][1].update(key="pilotage"), "deux questions"),
    ],
)
def test_a_bad_definition_is_refused_in_french_and_creates_nothing(worlds, change, message):
    poitiers, _ = worlds
    definition = every_kind()
    change(definition)
    with pytest.raises(ValidationError) as refused:
        make_survey(poitiers, definition)
    assert message in " ".join(refused.value.messages)
    assert not Survey.objects.exists()


def test_one_survey_per_audience_and_year(worlds):
    poitiers, bordeaux = worlds
    make_survey(poitiers)
    make_survey(bordeaux)  # the other académie has its own
    with pytest.raises(ValidationError, match="existe déjà"):
        make_survey(poitiers)
