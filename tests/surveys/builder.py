"""Helpers of the survey builder's tests: recorded answers (written straight through the ORM,
as a respondent's saved page leaves them) and the question editor's POST body."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django.utils import timezone

from surveys.models import (
    Answer,
    Campaign,
    OptionRole,
    Question,
    QuestionOption,
    Survey,
    SurveyInvitation,
    SurveyResponse,
)
from surveys.services_authoring import QuestionData
from tests.factories import AcademieWorld
from tests.missions.editor_form import _FormFields


def answer(
    world: AcademieWorld,
    survey: Survey,
    key: str,
    *,
    option: str | None = None,
    number: Decimal | None = None,
    row: str | None = None,
) -> Answer:
    """An answer of the world's referent to the question `key` (one response per survey)."""
    now = timezone.now()
    campaign, _ = Campaign.objects.get_or_create(
        survey=survey,
        defaults={
            "academie_id": survey.academie_id,
            "opens_at": now,
            "closes_at": now + datetime.timedelta(days=30),
        },
    )
    invitation, _ = SurveyInvitation.objects.get_or_create(
        academie_id=survey.academie_id,
        campaign=campaign,
        user=world.rupn.user,
        establishment=world.establishment,
    )
    response, _ = SurveyResponse.objects.get_or_create(
        academie_id=survey.academie_id,
        campaign=campaign,
        invitation=invitation,
        establishment=world.establishment,
    )
    question = Question.objects.get(survey=survey, key=key)
    return Answer.objects.create(
        academie_id=survey.academie_id,
        response=response,
        question=question,
        option=QuestionOption.objects.get(question=question, role=OptionRole.CHOICE, key=option)
        if option
        else None,
        row=QuestionOption.objects.get(question=question, role=OptionRole.ROW, key=row)
        if row
        else None,
        number=number,
    )


def question_post(data: QuestionData, action: str = "save") -> dict[str, Any]:
    """The question editor's POST body for `data`, as its form would send it."""
    body: dict[str, Any] = {
        "action": action,
        "kind": data.kind,
        "label": data.label,
        "help_text": data.help_text,
        "key": data.key,
        "min_value": "" if data.min_value is None else str(data.min_value).replace(".", ","),
        "max_value": "" if data.max_value is None else str(data.max_value).replace(".", ","),
        "shown_if_question": data.shown_if_question_id or "",
        "shown_if_options": list(data.shown_if_options),
        "choix-TOTAL_FORMS": len(data.options),
        "choix-INITIAL_FORMS": len(data.options),
        "ligne-TOTAL_FORMS": len(data.rows),
        "ligne-INITIAL_FORMS": len(data.rows),
    }
    if data.required:
        body["required"] = "on"
    for prefix, items in (("choix", data.options), ("ligne", data.rows)):
        for i, item in enumerate(items):
            body[f"{prefix}-{i}-label"] = item.label
            body[f"{prefix}-{i}-key"] = item.key
            if item.is_other:
                body[f"{prefix}-{i}-is_other"] = "on"
    return body


class _EditorFields(_FormFields):
    """The question editor's form (its action is the question's address)."""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form" and a.get("method") == "post" and "/questions/" in a.get("action", ""):
            self._in_form = True
        super().handle_starttag(tag, attrs)


def editor_fields(page: bytes | str) -> dict[str, Any]:
    """The question editor's fields as the page shows them (checked boxes of one name in a
    list, as a browser sends them)."""
    parser = _EditorFields()
    parser.feed(page.decode() if isinstance(page, bytes) else page)
    return parser.fields
