"""The builder's writes: questions of every kind, conditions, moves, deletions, copy of last
year's survey, and what a survey with answers still lets change."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from accounts.scopes import scope_for
from audit.models import AuditEvent
from establishments.models import SchoolYear
from surveys.definition import definition_of
from surveys.models import Audience, OptionRole, Question, QuestionKind, SurveyPage
from surveys.services_authoring import (
    OptionData,
    QuestionData,
    page_add,
    page_delete,
    page_move,
    question_data_of,
    question_delete,
    question_move,
    question_save,
    survey_copy_previous,
    survey_create_blank,
    survey_publish_checked,
)
from tests.surveys.builder import answer
from tests.surveys.definitions import every_kind, make_survey

pytestmark = pytest.mark.django_db

CHOICES = [OptionData("Courriel"), OptionData("ENT"), OptionData("Autre", is_other=True)]


def _q(survey, key):
    return Question.objects.get(survey=survey, key=key)


def _order(survey):
    return [
        (q.page.position, q.position, q.key)
        for q in Question.objects.filter(survey=survey).order_by("page__position", "position")
    ]


def _actor(world):
    return scope_for(world.dane_admin)


@pytest.fixture
def blank(worlds):
    poitiers, _ = worlds
    return survey_create_blank(
        actor=_actor(poitiers),
        school_year=SchoolYear.objects.current(),
        audience=Audience.RUPN,
        title="Bilan des RUPN",
    )


def test_a_blank_survey_has_one_empty_page(blank):
    assert not blank.is_published
    assert list(SurveyPage.objects.filter(survey=blank).values_list("title", flat=True)) == [
        "Page 1"
    ]


def test_every_kind_of_question_is_created_with_its_options(worlds, blank):
    poitiers, _ = worlds
    page = blank.pages.get()
    actor = _actor(poitiers)
    datas = [
        QuestionData(kind=QuestionKind.YES_NO, label="Avez-vous piloté le projet ?", required=True),
        QuestionData(kind=QuestionKind.MULTIPLE, label="Informé comment ?", options=CHOICES),
        QuestionData(
            kind=QuestionKind.SCALE,
            label="Tablette en classe",
            options=[OptionData("Jamais"), OptionData("Parfois"), OptionData("Souvent")],
        ),
        QuestionData(
            kind=QuestionKind.GRID,
            label="Ressources",
            options=[OptionData("Utilisée"), OptionData("Connue"), OptionData("Inconnue")],
            rows=[OptionData("Éduthèque"), OptionData("Pix")],
        ),
        QuestionData(
            kind=QuestionKind.NUMBER,
            label="Mini-ateliers",
            min_value=Decimal("0"),
            max_value=Decimal("50"),
        ),
        QuestionData(kind=QuestionKind.SHORT_TEXT, label="Projet", min_value=Decimal("3")),
        QuestionData(kind=QuestionKind.LONG_TEXT, label="Demandes au rectorat"),
        QuestionData(kind=QuestionKind.LETTER_TASKS, label="Les tâches de ma lettre"),
    ]
    for data in datas:
        question_save(actor=actor, page=page, data=data)
    definition = definition_of(blank)
    questions = definition["pages"][0]["questions"]
    assert [q["key"] for q in questions] == [
        "avez-vous-pilote-le-projet",
        "informe-comment",
        "tablette-en-classe",
        "ressources",
        "mini-ateliers",
        "projet",
        "demandes-au-rectorat",
        "les-taches-de-ma-lettre",
    ]
    assert [o["key"] for o in questions[0]["options"]] == ["oui", "non"]
    assert questions[1]["options"][2] == {"key": "autre", "label": "Autre", "is_other": True}
    assert [r["key"] for r in questions[3]["rows"]] == ["edutheque", "pix"]
    assert (questions[4]["min"], questions[4]["max"]) == ("0.00", "50.00")
    assert questions[5]["min"] is None  # bounds only for numbers
    assert [o["key"] for o in questions[7]["options"]] == [
        "faite",
        "en-partie",
        "non-faite",
        "pas-commencee",
    ]
    assert AuditEvent.objects.filter(verb="survey.question_add").count() == len(datas)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (QuestionData(kind=QuestionKind.SINGLE, label="", options=CHOICES[:2]), "libellé"),
        (QuestionData(kind=QuestionKind.SINGLE, label="Un seul", options=CHOICES[:1]), "deux"),
        (
            QuestionData(
                kind=QuestionKind.SINGLE, label="Vide", options=[*CHOICES[:2], OptionData("")]
            ),
            "n’a pas de libellé",
        ),
        (
            QuestionData(
                kind=QuestionKind.SINGLE, label="Doublon", options=[CHOICES[0], CHOICES[0]]
            ),
            "même libellé",
        ),
        (QuestionData(kind=QuestionKind.GRID, label="Grille", options=CHOICES[:2]), "ligne"),
        (
            QuestionData(
                kind=QuestionKind.SCALE,
                label="Échelle",
                options=[OptionData("Jamais"), OptionData("Autre", is_other=True)],
            ),
            "Autre, précisez",
        ),
        (
            QuestionData(
                kind=QuestionKind.NUMBER,
                label="Nombre",
                min_value=Decimal("5"),
                max_value=Decimal("1"),
            ),
            "minimum dépasse",
        ),
        (QuestionData(kind="color", label="Couleur"), "nature"),
    ],
)
def test_an_incomplete_question_is_refused_and_nothing_is_written(worlds, blank, data, message):
    poitiers, _ = worlds
    with pytest.raises(ValidationError, match=message):
        question_save(actor=_actor(poitiers), page=blank.pages.get(), data=data)
    assert not Question.objects.filter(survey=blank).exists()


def test_the_letter_tasks_are_asked_of_referents_only(worlds):
    poitiers, _ = worlds
    survey = survey_create_blank(
        actor=_actor(poitiers),
        school_year=SchoolYear.objects.current(),
        audience=Audience.PRINCIPALS,
        title="Enquête des chefs d’établissement",
    )
    with pytest.raises(ValidationError, match="ne se pose qu’aux référents"):
        question_save(
            actor=_actor(poitiers),
            page=survey.pages.get(),
            data=QuestionData(kind=QuestionKind.LETTER_TASKS, label="Les tâches"),
        )


def test_a_condition_names_an_earlier_choice_question_and_some_of_its_answers(worlds):
    poitiers, _ = worlds
    survey = make_survey(poitiers)
    actor = _actor(poitiers)
    page2 = survey.pages.get(position=2)
    pilotage = _q(survey, "pilotage")
    data = QuestionData(
        kind=QuestionKind.YES_NO,
        label="Charte des usages mise à jour ?",
        shown_if_question_id=pilotage.pk,
        shown_if_options=["oui"],
    )
    created = question_save(actor=actor, page=page2, data=data)
    assert (created.shown_if_question, created.shown_if_options) == (pilotage, ["oui"])
    later = _q(survey, "tablette")  # on page 2, before the end: fine; but a text is no choice
    for bad, message in [
        (replace(data, shown_if_options=[]), "Cochez au moins une réponse"),
        (replace(data, shown_if_options=["peut-etre"]), "ne sont pas celles"),
        (replace(data, shown_if_question_id=_q(survey, "projet").pk), "question à choix"),
        (replace(data, shown_if_question_id=_q(survey, "ressources").pk), "question à choix"),
    ]:
        with pytest.raises(ValidationError, match=message):
            question_save(actor=actor, page=page2, data=bad)
    # A saved question may only depend on what comes before it.
    first = _q(survey, "taches")
    with pytest.raises(ValidationError, match="placée avant"):
        question_save(
            actor=actor,
            page=first.page,
            question=first,
            data=replace(
                question_data_of(first), shown_if_question_id=later.pk, shown_if_options=["jamais"]
            ),
        )


def test_questions_move_within_and_across_pages(worlds):
    poitiers, _ = worlds
    survey = make_survey(poitiers)
    actor = _actor(poitiers)
    assert question_move(actor=actor, question=_q(survey, "information"), step=-1) == (1, 3)
    assert _order(survey)[:4] == [
        (1, 1, "taches"),
        (1, 2, "pilotage"),
        (1, 3, "information"),
        (1, 4, "enquete"),
    ]
    # The first question of page 2 goes up to the end of page 1, and back.
    assert question_move(actor=actor, question=_q(survey, "assistance"), step=-1) == (1, 5)
    assert _order(survey)[4:6] == [(1, 5, "assistance"), (2, 1, "tablette")]
    assert question_move(actor=actor, question=_q(survey, "assistance"), step=1) == (2, 1)
    assert _order(survey)[4] == (2, 1, "assistance")
    with pytest.raises(ValidationError, match="plus loin"):
        question_move(actor=actor, question=_q(survey, "taches"), step=-1)
    with pytest.raises(ValidationError, match="plus loin"):
        question_move(actor=actor, question=_q(survey, "demandes"), step=1)


def test_a_conditional_question_stays_after_the_question_it_depends_on(worlds):
    poitiers, _ = worlds
    survey = make_survey(poitiers)
    actor = _actor(poitiers)
    before = _order(survey)
    with pytest.raises(ValidationError, match="doit rester après"):
        question_move(actor=actor, question=_q(survey, "enquete"), step=-1)
    with pytest.raises(ValidationError, match="doit rester après"):
        question_move(actor=actor, question=_q(survey, "pilotage"), step=1)
    # Page 2 before page 1 is fine (no condition crosses them); then the condition's pages
    # swapped back.
    page_add(actor=actor, survey=survey, title="Suite")
    assert page_move(actor=actor, page=survey.pages.get(position=2), step=-1) == 1
    assert page_move(actor=actor, page=survey.pages.get(title="Vos missions"), step=-1) == 1
    question_move(actor=actor, question=_q(survey, "enquete"), step=1)
    question_move(actor=actor, question=_q(survey, "enquete"), step=1)  # end of page 1
    question_move(actor=actor, question=_q(survey, "enquete"), step=1)  # page 2
    with pytest.raises(ValidationError, match="doit rester après"):
        page_move(actor=actor, page=survey.pages.get(position=2), step=-1)
    assert _order(survey) != before


def test_deleting_a_question_or_a_page(worlds):
    poitiers, _ = worlds
    survey = make_survey(poitiers)
    actor = _actor(poitiers)
    with pytest.raises(ValidationError, match="retirez d’abord cette condition"):
        question_delete(actor=actor, question=_q(survey, "pilotage"))
    question_delete(actor=actor, question=_q(survey, "enquete"))
    question_delete(actor=actor, question=_q(survey, "taches"))
    assert _order(survey)[:2] == [(1, 1, "pilotage"), (1, 2, "information")]
    page_delete(actor=actor, page=survey.pages.get(position=1))
    assert list(survey.pages.values_list("position", "title")) == [(1, "Usages")]
    assert not Question.objects.filter(survey=survey, key="pilotage").exists()
    with pytest.raises(ValidationError, match="au moins une page"):
        page_delete(actor=actor, page=survey.pages.get())


def test_a_page_holding_the_question_a_later_page_depends_on_stays(worlds):
    poitiers, _ = worlds
    survey = make_survey(poitiers)
    actor = _actor(poitiers)
    question_save(
        actor=actor,
        page=survey.pages.get(position=2),
        data=QuestionData(
            kind=QuestionKind.SHORT_TEXT,
            label="Quelle enquête ?",
            shown_if_question_id=_q(survey, "enquete").pk,
            shown_if_options=["oui"],
        ),
    )
    with pytest.raises(ValidationError, match="retirez d’abord cette condition"):
        page_delete(actor=actor, page=survey.pages.get(position=1))


def test_an_option_named_by_a_condition_is_not_removed(worlds):
    poitiers, _ = worlds
    survey = make_survey(poitiers)
    pilotage = _q(survey, "pilotage")
    with pytest.raises(ValidationError, match="retirez d’abord cette condition"):
        question_save(
            actor=_actor(poitiers),
            page=pilotage.page,
            question=pilotage,
            data=replace(
                question_data_of(pilotage),
                kind=QuestionKind.SINGLE,
                options=[OptionData("Un peu"), OptionData("Beaucoup")],
            ),
        )
    with pytest.raises(ValidationError, match="rester une question à choix"):
        question_save(
            actor=_actor(poitiers),
            page=pilotage.page,
            question=pilotage,
            data=replace(question_data_of(pilotage), kind=QuestionKind.SHORT_TEXT),
        )


def test_a_draft_question_changes_kind_and_options_freely(worlds):
    poitiers, _ = worlds
    survey = make_survey(poitiers)
    q = _q(survey, "assistance")
    data = question_data_of(q)
    question_save(
        actor=_actor(poitiers),
        page=q.page,
        question=q,
        data=replace(
            data, kind=QuestionKind.MULTIPLE, options=[data.options[1], OptionData("Parfois")]
        ),
    )
    assert list(q.options.values_list("key", "position")) == [("non", 1), ("parfois", 2)]
    question_save(
        actor=_actor(poitiers), page=q.page, question=q, data=replace(data, kind="yes_no")
    )
    assert list(q.options.values_list("key", flat=True)) == ["oui", "non"]


# --- A survey with answers -----------------------------------------------------------------


@pytest.fixture
def answered(worlds):
    poitiers, _ = worlds
    survey = make_survey(poitiers)
    survey_publish_checked(actor=_actor(poitiers), survey=survey)
    answer(poitiers, survey, "information", option="ent")
    answer(poitiers, survey, "ateliers", number=Decimal("12"))
    return survey


def test_with_answers_wording_new_options_new_questions_and_order_still_change(worlds, answered):
    poitiers, _ = worlds
    actor = _actor(poitiers)
    q = _q(answered, "information")
    data = question_data_of(q)
    saved = question_save(
        actor=actor,
        page=q.page,
        question=q,
        data=replace(
            data,
            label="Comment avez-vous informé vos collègues ?",
            help_text="Plusieurs réponses possibles.",
            required=True,
            options=[
                data.options[1],
                replace(data.options[0], label="Courrier électronique"),
                OptionData("Conseil pédagogique"),
                data.options[2],
            ],
        ),
    )
    assert list(saved.options.values_list("key", "label", "position")) == [
        ("ent", "ENT", 1),
        ("courriel", "Courrier électronique", 2),
        ("conseil-pedagogique", "Conseil pédagogique", 3),
        ("autre", "Autre", 4),
    ]
    ateliers = _q(answered, "ateliers")
    question_save(
        actor=actor,
        page=ateliers.page,
        question=ateliers,
        data=replace(question_data_of(ateliers), max_value=Decimal("100")),
    )
    question_save(
        actor=actor,
        page=answered.pages.get(position=2),
        data=QuestionData(kind=QuestionKind.SHORT_TEXT, label="Nouvelle question"),
    )
    question_move(actor=actor, question=_q(answered, "information"), step=-1)
    page_add(actor=actor, survey=answered, title="Vide")
    page_delete(actor=actor, page=answered.pages.get(title="Vide"))  # an empty page goes


@pytest.mark.parametrize(
    ("key", "change", "message"),
    [
        ("information", lambda d: replace(d, options=d.options[1:]), "choix ne peuvent plus"),
        ("ressources", lambda d: replace(d, rows=d.rows[:1]), "lignes de la grille"),
        ("assistance", lambda d: replace(d, kind=QuestionKind.MULTIPLE), "nature"),
        (
            "information",
            lambda d: replace(d, options=[replace(d.options[0], is_other=True), *d.options[1:2]]),
            "autre, précisez",
        ),
        ("enquete", lambda d: replace(d, shown_if_question_id=None), "condition d’affichage"),
        ("ateliers", lambda d: replace(d, max_value=Decimal("10")), "sortent de ces bornes"),
    ],
)
def test_with_answers_nothing_answered_can_be_lost(worlds, answered, key, change, message):
    poitiers, _ = worlds
    q = _q(answered, key)
    before = definition_of(answered)
    with pytest.raises(ValidationError, match=message):
        question_save(
            actor=_actor(poitiers), page=q.page, question=q, data=change(question_data_of(q))
        )
    assert definition_of(answered) == before


def test_with_answers_questions_and_full_pages_are_not_deleted(worlds, answered):
    poitiers, _ = worlds
    actor = _actor(poitiers)
    with pytest.raises(ValidationError, match="Des réponses sont déjà enregistrées"):
        question_delete(actor=actor, question=_q(answered, "projet"))
    with pytest.raises(ValidationError, match="effacerait les réponses"):
        page_delete(actor=actor, page=answered.pages.get(position=2))
    assert Question.objects.filter(survey=answered).count() == 10


def test_publication_needs_questions_on_every_page(worlds, blank):
    poitiers, _ = worlds
    actor = _actor(poitiers)
    with pytest.raises(ValidationError, match="sans question"):
        survey_publish_checked(actor=actor, survey=blank)
    question_save(
        actor=actor,
        page=blank.pages.get(),
        data=QuestionData(kind=QuestionKind.YES_NO, label="Une question"),
    )
    page_add(actor=actor, survey=blank, title="Deuxième page")
    with pytest.raises(ValidationError, match="La page 2 n’a pas de question"):
        survey_publish_checked(actor=actor, survey=blank)
    page_delete(actor=actor, page=blank.pages.get(position=2))
    assert survey_publish_checked(actor=actor, survey=blank).is_published


def test_last_years_survey_is_copied_with_its_keys(worlds):
    poitiers, bordeaux = worlds
    current = SchoolYear.objects.current()
    last, _ = SchoolYear.objects.get_or_create(start_year=current.start_year - 1)
    source = make_survey(poitiers, school_year=last)
    make_survey(bordeaux, school_year=last, audience=Audience.PRINCIPALS)
    copy = survey_copy_previous(actor=_actor(poitiers), school_year=current, audience=Audience.RUPN)
    assert copy.based_on == source and copy.school_year == current
    assert definition_of(copy) == definition_of(source) == definition_of(copy)
    assert _q(copy, "enquete").shown_if_question == _q(copy, "pilotage")
    # Bordeaux's principals' survey is not Poitiers' to copy.
    with pytest.raises(ValidationError, match="créez-en une vide"):
        survey_copy_previous(
            actor=_actor(poitiers), school_year=current, audience=Audience.PRINCIPALS
        )
    assert every_kind()["title"] == copy.title
    assert OptionRole.ROW in set(_q(copy, "ressources").options.values_list("role", flat=True))
