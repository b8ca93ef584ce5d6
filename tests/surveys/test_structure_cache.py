"""A survey's structure is read once per process at each structure version: every authoring
change raises the version, so what respondents see is never an older structure."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.scopes import scope_for
from rupn.process_cache import clear_all
from surveys.models import QuestionKind, Survey, SurveyPage
from surveys.selectors_responses import survey_structure
from surveys.services_authoring import (
    QuestionData,
    page_add,
    question_delete,
    question_save,
    survey_update,
)
from tests.conftest import client_acting_as
from tests.surveys.answering import invitation_of, open_campaign

pytestmark = pytest.mark.django_db


def _fresh(pk: int) -> Survey:
    return Survey.objects.get(pk=pk)


def _keys(survey: Survey) -> list[list[str]]:
    return [[q.key for q in p.questions] for p in survey_structure(survey).pages]


def _count(read) -> tuple[int, Any]:
    with CaptureQueriesContext(connection) as queries:
        result = read()
    return len(queries), result


def test_the_structure_is_read_once_at_a_version(poitiers):
    survey = open_campaign(poitiers).survey

    cold, first = _count(lambda: _keys(_fresh(survey.pk)))
    warm, second = _count(lambda: _keys(_fresh(survey.pk)))

    assert (cold, warm) == (4, 1)  # the survey's own row is the only read left
    assert second == first and sum(first, [])


def test_each_authoring_change_is_seen_at_once(poitiers):
    survey = open_campaign(poitiers).survey
    actor = scope_for(poitiers.dane_admin)
    before = _keys(_fresh(survey.pk))
    page = SurveyPage.objects.filter(survey=survey).order_by("position").first()
    assert page is not None

    added = question_save(
        actor=actor,
        page=page,
        data=QuestionData(kind=QuestionKind.SHORT_TEXT, label="Une question ajoutée"),
    )
    after_add = _keys(_fresh(survey.pk))
    assert after_add[0] == [*before[0], added.key]

    page_add(actor=actor, survey=_fresh(survey.pk), title="Nouvelle page")
    assert len(survey_structure(_fresh(survey.pk)).pages) == len(before) + 1

    question_delete(actor=actor, question=added)
    assert _keys(_fresh(survey.pk))[0] == before[0]


def test_the_structure_carries_the_survey_as_read_now(poitiers):
    survey = open_campaign(poitiers).survey
    survey_structure(_fresh(survey.pk))
    survey_update(
        actor=scope_for(poitiers.dane_admin),
        survey=_fresh(survey.pk),
        title="Bilan renommé",
        introduction="",
    )
    fresh = _fresh(survey.pk)
    structure = survey_structure(fresh)
    assert structure.survey is fresh
    assert structure.survey.title == "Bilan renommé"


def test_the_bilan_page_reads_the_structure_on_its_first_request_only(poitiers):
    invitation = invitation_of(open_campaign(poitiers), poitiers.rupn)
    url = reverse("surveys:answer_page", args=[invitation.pk, 1])
    client = client_acting_as(poitiers.rupn)
    client.get(url)  # opens the session
    clear_all()

    cold, first = _count(lambda: client.get(url))
    warm, second = _count(lambda: client.get(url))

    assert first.status_code == second.status_code == 200
    assert cold - warm == 3

    def page(response) -> str:
        return re.sub(r'(csrfmiddlewaretoken" value=)"[^"]*"', r"\1", response.content.decode())

    assert page(second) == page(first)
