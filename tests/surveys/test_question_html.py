"""A question's block, written in Python for the respondent's page, is what the page's
template wrote, question kind by kind, empty and answered, with and without errors."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.template import Context, Template

from surveys.answers import Given, LetterTask, TaskAnswer
from surveys.forms_answer import QuestionField
from surveys.question_html import answer_question_html
from surveys.selectors_responses import survey_structure
from tests.surveys.answering import every_kind_answers
from tests.surveys.definitions import every_kind, make_survey

pytestmark = pytest.mark.django_db

# The block as the page's template wrote it before it was written in Python.
TEMPLATE_QUESTION = Template(
    """{% load french %}{% with q=f.node.question fkind=f.kind fid=f.id fname=f.name ferrors=f.errors %}
<div class="fr-mb-4w rupn-question" id="{{ fid }}-bloc"{% if f.depends_on_page %} data-shown-if="{{ f.parent.question.key }}" data-shown-if-options="{{ q.shown_if_options|join:' ' }}"{% endif %}>
{% if fkind == "number" or fkind == "short_text" or fkind == "long_text" %}
  <div class="fr-input-group{% if ferrors %} fr-input-group--error{% endif %}">
    <label class="fr-label" for="{{ fid }}">{{ q.label }}
      <span class="fr-hint-text">{% if q.required %}Réponse obligatoire. {% endif %}{% if f.depends_on_page %}Question posée si vous avez répondu {{ f.shown_if_text }} à «&nbsp;{{ f.parent.question.label }}&nbsp;». {% endif %}{% if q.help_text %}{{ q.help_text }}{% endif %}{% if fkind == "number" %}{% if q.min_value is not None and q.max_value is not None %} Entre {{ q.min_value|floatformat:"-2" }} et {{ q.max_value|floatformat:"-2" }}.{% endif %}{% endif %}</span>
    </label>
    {% if fkind == "long_text" %}
    <textarea class="fr-input{% if ferrors %} fr-input--error{% endif %}" id="{{ fid }}" name="{{ fname }}" rows="5" maxlength="5000"{% if ferrors %} aria-describedby="{{ fid }}-erreur"{% endif %}>{{ f.given.text }}</textarea>
    {% elif fkind == "short_text" %}
    <input class="fr-input{% if ferrors %} fr-input--error{% endif %}" type="text" id="{{ fid }}" name="{{ fname }}" value="{{ f.given.text }}" maxlength="300"{% if ferrors %} aria-describedby="{{ fid }}-erreur"{% endif %}>
    {% else %}
    <input class="fr-input rupn-input-number{% if ferrors %} fr-input--error{% endif %}" type="text" inputmode="decimal" id="{{ fid }}" name="{{ fname }}" value="{{ f.number_value }}"{% if ferrors %} aria-describedby="{{ fid }}-erreur"{% endif %}>
    {% endif %}
    {% if ferrors %}<p class="fr-error-text" id="{{ fid }}-erreur">{{ ferrors|join:" "|punctuation }}</p>{% endif %}
  </div>
{% else %}
  <fieldset class="fr-fieldset{% if ferrors %} fr-fieldset--error{% endif %}" id="{{ fid }}" aria-labelledby="{{ fid }}-legende{% if ferrors %} {{ fid }}-messages{% endif %}">
    <legend class="fr-fieldset__legend" id="{{ fid }}-legende">{{ q.label }}
      <span class="fr-hint-text">{% if q.required %}Réponse obligatoire. {% endif %}{% if f.depends_on_page %}Question posée si vous avez répondu {{ f.shown_if_text }} à «&nbsp;{{ f.parent.question.label }}&nbsp;». {% endif %}{{ q.help_text }}</span>
    </legend>
    {% if fkind == "grid" %}
      {% for row in f.grid_rows %}
      <div class="fr-fieldset__element">
        <fieldset class="fr-fieldset rupn-survey-row" aria-labelledby="{{ row.id }}-legende">
          <legend class="fr-fieldset__legend fr-text--regular" id="{{ row.id }}-legende">{{ row.row.label }}</legend>
          {% for cell in row.cells %}
          <div class="fr-fieldset__element fr-fieldset__element--inline">
            <div class="fr-radio-group">
              <input type="radio" id="{{ cell.id }}" name="{{ row.name }}" value="{{ cell.key }}"{% if cell.checked %} checked{% endif %}>
              <label class="fr-label" for="{{ cell.id }}">{{ cell.label }}</label>
            </div>
          </div>
          {% endfor %}
        </fieldset>
      </div>
      {% endfor %}
    {% elif fkind == "letter_tasks" %}
      {% if f.tasks %}
        {% for row in f.task_rows %}
        <div class="fr-fieldset__element rupn-survey-task">
          <fieldset class="fr-fieldset" aria-labelledby="{{ row.id }}-legende">
            <legend class="fr-fieldset__legend fr-text--regular" id="{{ row.id }}-legende"><span class="fr-text--bold">Tâche {{ row.number }}&nbsp;:</span> {{ row.task.label }}<span class="fr-hint-text">{{ row.task.section }}</span></legend>
            {% for status in row.statuses %}
            <div class="fr-fieldset__element fr-fieldset__element--inline">
              <div class="fr-radio-group">
                <input type="radio" id="{{ status.id }}" name="{{ row.name }}" value="{{ status.key }}"{% if status.checked %} checked{% endif %}>
                <label class="fr-label" for="{{ status.id }}">{{ status.label }}</label>
              </div>
            </div>
            {% endfor %}
            <div class="fr-fieldset__element">
              <div class="fr-input-group">
                <label class="fr-label" for="{{ row.id }}-commentaire">Commentaire sur la tâche {{ row.number }} <span class="fr-hint-text">Facultatif.</span></label>
                <input class="fr-input" type="text" id="{{ row.id }}-commentaire" name="{{ row.comment_name }}" value="{{ row.comment }}" maxlength="1000">
              </div>
            </div>
          </fieldset>
        </div>
        {% endfor %}
      {% else %}
        <div class="fr-fieldset__element"><p class="fr-text--sm">Aucune lettre de mission émise ne vous lie à {{ establishment.name }} pour {{ survey.school_year }}&nbsp;: cette question ne vous concerne pas.</p></div>
      {% endif %}
    {% else %}
      {% for c in f.choices %}
      <div class="fr-fieldset__element{% if fkind == 'yes_no' or fkind == 'scale' %} fr-fieldset__element--inline{% endif %}">
        <div class="{% if fkind == 'multiple' %}fr-checkbox-group{% else %}fr-radio-group{% endif %}">
          <input type="{% if fkind == 'multiple' %}checkbox{% else %}radio{% endif %}" id="{{ c.id }}" name="{{ fname }}" value="{{ c.key }}"{% if c.checked %} checked{% endif %}>
          <label class="fr-label" for="{{ c.id }}">{{ c.label }}</label>
        </div>
      </div>
      {% endfor %}
      {% if f.node.other_option %}
      <div class="fr-fieldset__element">
        <div class="fr-input-group">
          <label class="fr-label" for="{{ fid }}-autre">Précisez si vous avez choisi «&nbsp;{{ f.node.other_option.label }}&nbsp;»</label>
          <input class="fr-input" type="text" id="{{ fid }}-autre" name="{{ f.other_name }}" value="{{ f.given.other }}" maxlength="300">
        </div>
      </div>
      {% endif %}
    {% endif %}
    {% if ferrors %}<div class="fr-messages-group" id="{{ fid }}-messages" aria-live="polite"><p class="fr-message fr-message--error">{{ ferrors|join:" "|punctuation }}</p></div>{% endif %}
  </fieldset>
{% endif %}
</div>
{% endwith %}
"""  # noqa: E501
)

TASKS = [
    LetterTask(key="t1", label="Animer la cellule <numérique> & l’ENT", section="Missions"),
    LetterTask(key="t2", label="Former les « nouveaux »", section="Accompagnement"),
]
NASTY = 'Texte avec <balise>, « guillemets », "doubles" & esperluette'


def _normalised(html: str) -> str:
    # The template's indentation and line ends between tags are not part of the markup.
    return re.sub(r"\s+", " ", re.sub(r">\s+<", "><", html)).replace("> <", "><").strip()


def _old(field: QuestionField, establishment, survey) -> str:
    context = Context({"f": field, "establishment": establishment, "survey": survey})
    return TEMPLATE_QUESTION.render(context)


def _fields(structure, answers, *, errors: bool, tasks: list[LetterTask]):
    for page in structure.pages:
        on_page = {n.key for n in page.questions}
        for node in page.questions:
            parent = structure.by_key.get(node.parent_key or "")
            yield QuestionField(
                node=node,
                given=answers.get(node.key, Given()),
                errors=["Choisissez une réponse.", f"Encore : {NASTY} ?"] if errors else [],
                tasks=tasks if node.kind == "letter_tasks" else [],
                raw_number="3,5 <x>" if errors and node.kind == "number" else "",
                depends_on_page=parent is not None and parent.key in on_page,
                parent=parent,
            )


@pytest.mark.parametrize("answered", [False, True])
@pytest.mark.parametrize("errors", [False, True])
@pytest.mark.parametrize("with_tasks", [False, True])
def test_every_kind_is_written_as_the_template_wrote_it(poitiers, answered, errors, with_tasks):
    definition = every_kind()
    for page in definition["pages"]:
        for question in page["questions"]:
            question["help_text"] = NASTY if question["key"] != "pilotage" else ""
            question["required"] = question["key"] in ("pilotage", "ateliers", "ressources")
    survey = make_survey(poitiers, definition)
    structure = survey_structure(survey)
    answers = every_kind_answers(["t1", "t2"]) if answered else {}
    if answered:
        answers["projet"] = Given(text=NASTY)
        answers["information"] = Given(options=("courriel", "autre"), other=NASTY)
        answers["ateliers"] = Given(number=Decimal("12.50"))
        answers["taches"] = Given(tasks={"t1": TaskAnswer(status="faite", comment=NASTY)})
    tasks = TASKS if with_tasks else []
    establishment = poitiers.establishment
    compared = 0
    for field in _fields(structure, answers, errors=errors, tasks=tasks):
        new = answer_question_html(
            field,
            establishment_name=establishment.name,
            school_year=str(survey.school_year),
        )
        assert _normalised(new) == _normalised(_old(field, establishment, survey)), field.node.key
        compared += 1
    assert compared == 10
