"""The respondent's page: each question's block (`surveys.question_html`)."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.safestring import SafeString

from surveys.forms_answer import QuestionField
from surveys.question_html import answer_question_html

register = template.Library()


@register.simple_tag(takes_context=True)
def answer_question(context: dict[str, Any], field: QuestionField) -> SafeString:
    return answer_question_html(
        field,
        establishment_name=context["establishment"].name,
        school_year=str(context["survey"].school_year),
    )
