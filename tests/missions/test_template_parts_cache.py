"""A published template's sections and tasks are read once per process; a draft's every time."""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.scopes import scope_for
from missions.models import LetterTemplate
from missions.selectors_letters import template_with_parts
from missions.services_templates import (
    TaskData,
    template_data_of,
    template_new_version,
    template_publish,
    template_update,
)
from rupn.process_cache import clear_all
from tests.conftest import client_acting_as
from tests.missions.letters import draft_letter, give_rules, publish_template


def _parts(template: LetterTemplate) -> list[tuple[str, list[str]]]:
    return [(s.title, [t.label for t in s.tasks.all()]) for s in template.sections.all()]


def _fresh(pk: int) -> LetterTemplate:
    return LetterTemplate.objects.select_related("school_year").get(pk=pk)


def _without_csrf(response) -> str:
    # The CSRF token is masked afresh on every response.
    return re.sub(r'(csrfmiddlewaretoken" value=)"[^"]*"', r"\1", response.content.decode())


def _queries(load) -> tuple[int, Any]:
    with CaptureQueriesContext(connection) as queries:
        result = load()
    return len(queries), result


@pytest.mark.django_db
def test_a_published_template_is_read_once_then_given_from_memory(poitiers):
    published = publish_template(poitiers)

    cold, first = _queries(lambda: _parts(template_with_parts(_fresh(published.pk))))
    warm, second = _queries(lambda: _parts(template_with_parts(_fresh(published.pk))))

    # The template's own row (read here by `_fresh`, by the letter's query in the editor) is
    # the only query left: sections and tasks are not read again.
    assert (cold, warm) == (3, 1)
    assert second == first
    assert first and all(tasks for _, tasks in first[:2])


@pytest.mark.django_db
def test_a_draft_is_read_every_time_and_its_changes_show(poitiers):
    published = publish_template(poitiers)
    admin = scope_for(poitiers.dane_admin)
    draft = template_new_version(template=published, actor=admin)
    template_with_parts(_fresh(draft.pk))

    data = template_data_of(draft)
    first = data.sections[0]
    changed = replace(first, tasks=(*first.tasks, TaskData(label="Tâche ajoutée au brouillon")))
    template_update(
        template=draft,
        data=replace(data, sections=(changed, *data.sections[1:])),
        actor=admin,
    )

    count, parts = _queries(lambda: _parts(template_with_parts(_fresh(draft.pk))))
    assert count == 3
    assert "Tâche ajoutée au brouillon" in parts[0][1]


@pytest.mark.django_db
def test_a_new_version_gets_its_own_parts_not_the_version_it_came_from(poitiers):
    published = publish_template(poitiers)
    admin = scope_for(poitiers.dane_admin)
    before = _parts(template_with_parts(_fresh(published.pk)))

    draft = template_new_version(template=published, actor=admin)
    data = template_data_of(draft)
    renamed = replace(data.sections[0], title="Section renommée dans la version 2")
    template_update(
        template=draft, data=replace(data, sections=(renamed, *data.sections[1:])), actor=admin
    )
    template_publish(template=draft, actor=admin)

    assert _parts(template_with_parts(_fresh(draft.pk)))[0][0] == (
        "Section renommée dans la version 2"
    )
    assert _parts(template_with_parts(_fresh(published.pk))) == before


@pytest.mark.django_db
def test_the_editor_reads_the_template_parts_and_rules_on_its_first_request_only(poitiers):
    publish_template(poitiers)
    give_rules(poitiers)
    letter = draft_letter(poitiers)
    client = client_acting_as(poitiers.principal)
    url = reverse("missions:letter_edit", args=[letter.pk])
    client.get(url)  # opens the session
    clear_all()
    cold, first = _queries(lambda: client.get(url))
    warm, second = _queries(lambda: client.get(url))

    assert first.status_code == second.status_code == 200
    # The template's sections and tasks, and the IMP rules' bands and multiples.
    assert cold - warm == 4
    assert _without_csrf(second) == _without_csrf(first)
