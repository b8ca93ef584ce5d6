"""The DANE admin edits a draft template in one form: structure buttons change it unsaved, the
save button writes it through `template_update`; a published version is frozen."""

from __future__ import annotations

from dataclasses import replace

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.scopes import scope_for
from establishments.models import SchoolYear
from missions.demo import POITIERS
from missions.models import LetterTemplate, TemplateSection, TemplateTask
from missions.services_templates import (
    SectionData,
    TaskData,
    template_create,
    template_data_of,
    template_publish,
)
from tests.missions.editor_form import editor_post, form_fields

pytestmark = pytest.mark.django_db


@pytest.fixture
def draft(worlds):
    poitiers, _ = worlds
    return template_create(
        academie=poitiers.academie,
        school_year=SchoolYear.objects.current(),
        data=POITIERS,
        actor=scope_for(poitiers.dane_admin),
    )


def url(template: LetterTemplate) -> str:
    return f"/missions/trames/{template.pk}/modifier/"


def test_the_page_shows_the_draft(worlds, acting_client, draft):
    poitiers, _ = worlds
    page = acting_client(poitiers.dane_admin).get(url(draft))
    assert page.status_code == 200
    text = page.content.decode()
    assert POITIERS.title in text
    assert "Section 1 — 1. Développer et faciliter" in text
    assert 'Monter<span class="fr-sr-only"> la section 2</span>' in text
    assert "accompagner-enseignants" in text  # the key, shown but not editable
    assert 'name="section-0-tache-0-key" value="accompagner-enseignants"' in text
    assert "Champs disponibles" in text and "{referent}" in text
    fields = form_fields(page.content)
    assert fields["title"] == POITIERS.title
    assert fields["section-TOTAL_FORMS"] == str(len(POITIERS.sections))
    assert fields["requires_dan_visa"] == "on"


def test_the_page_as_rendered_saves_unchanged(worlds, acting_client, draft):
    poitiers, _ = worlds
    client = acting_client(poitiers.dane_admin)
    fields = form_fields(client.get(url(draft)).content)
    response = client.post(url(draft), {**fields, "action": "save"}, follow=True)
    assert "Brouillon enregistré." in response.content.decode()
    draft.refresh_from_db()
    assert template_data_of(draft) == POITIERS


def test_saving_changes_persists_them(worlds, acting_client, draft):
    poitiers, _ = worlds
    client = acting_client(poitiers.dane_admin)
    sections = list(POITIERS.sections)
    first = sections[0]
    sections[0] = replace(
        first, tasks=[*first.tasks, TaskData(label="Anime la formation Pix des élèves", key="")]
    )
    sections.append(SectionData(kind="fixed_text", title="4. Nouvelle section", body="Texte."))
    # Sections 2 and 3 swap, the last task of section 2 goes, the annex is removed.
    sections[1], sections[2] = sections[2], sections[1]
    sections[2] = replace(sections[2], tasks=sections[2].tasks[:-1])
    sections = [s for s in sections if s.kind != "annex"]
    data = replace(POITIERS, title="Lettre de mission 2025", sections=sections)
    response = client.post(url(draft), editor_post(data))
    assert response.status_code == 302 and response["Location"] == url(draft)
    draft.refresh_from_db()
    assert draft.title == "Lettre de mission 2025"
    saved = list(TemplateSection.objects.filter(template=draft).order_by("position"))
    assert [s.title for s in saved] == [s.title for s in sections]
    assert saved[1].title == POITIERS.sections[2].title
    assert saved[-1].title == "4. Nouvelle section" and saved[-1].position == len(sections)
    new_task = TemplateTask.objects.get(section=saved[0], label__startswith="Anime la formation")
    assert new_task.key == "anime-la-formation-pix-des-eleves"
    assert new_task.position == len(first.tasks) + 1
    assert saved[2].tasks.count() == len(POITIERS.sections[1].tasks) - 1
    assert not TemplateSection.objects.filter(template=draft, kind="annex").exists()


def test_structure_buttons_change_the_form_without_saving(worlds, acting_client, draft):
    poitiers, _ = worlds
    client = acting_client(poitiers.dane_admin)
    before = template_data_of(draft)
    fields = form_fields(client.get(url(draft)).content)
    fields["title"] = "Titre changé mais pas enregistré"

    n = len(POITIERS.sections[0].tasks) + 1
    added = client.post(url(draft), {**fields, "action": "task_add:0"})
    text = added.content.decode()
    assert added.status_code == 200
    assert f"Tâche {n} ajoutée à la section 1." in text
    assert "Titre changé mais pas enregistré" in text
    after_add = form_fields(added.content)
    assert after_add["section-0-tache-TOTAL_FORMS"] == str(n)
    assert after_add[f"section-0-tache-{n - 1}-label"] == ""
    # A new task's key is editable: it is an input of its own, not a hidden one.
    assert f'id="id_section-0-tache-{n - 1}-key"' in text

    moved = form_fields(client.post(url(draft), {**after_add, "action": "section_down:0"}).content)
    assert moved["section-1-title"] == POITIERS.sections[0].title
    assert moved["section-0-title"] == POITIERS.sections[1].title
    assert moved["section-1-tache-TOTAL_FORMS"] == str(n)

    up = form_fields(client.post(url(draft), {**moved, "action": "task_up:1:1"}).content)
    assert up["section-1-tache-0-key"] == POITIERS.sections[0].tasks[1].key

    removed = form_fields(client.post(url(draft), {**up, "action": "section_remove:0"}).content)
    assert removed["section-TOTAL_FORMS"] == str(len(POITIERS.sections) - 1)
    assert removed["section-0-title"] == POITIERS.sections[0].title

    new = client.post(url(draft), {**removed, "action": "add_section"})
    assert f"Section {len(POITIERS.sections)} ajoutée." in new.content.decode()
    assert form_fields(new.content)["section-TOTAL_FORMS"] == str(len(POITIERS.sections))

    nonsense = client.post(url(draft), {**removed, "action": "section_up:0"})
    assert "Cette modification n’est pas possible" in nonsense.content.decode()

    draft.refresh_from_db()
    assert template_data_of(draft) == before


def test_unknown_placeholder_is_named_and_nothing_changes(worlds, acting_client, draft):
    poitiers, _ = worlds
    client = acting_client(poitiers.dane_admin)
    before = template_data_of(draft)
    data = replace(POITIERS, title="Autre titre", introduction="Signé par {directeur}.")
    response = client.post(url(draft), editor_post(data))
    assert response.status_code == 400
    text = response.content.decode()
    assert 'role="alert"' in text
    assert "Introduction : le champ {directeur} n’existe pas." in text
    assert "Signé par {directeur}." in text  # what was typed is kept in the form
    draft.refresh_from_db()
    assert template_data_of(draft) == before


def test_invalid_field_is_shown_next_to_it(worlds, acting_client, draft):
    poitiers, _ = worlds
    client = acting_client(poitiers.dane_admin)
    sections = list(POITIERS.sections)
    sections[0] = replace(
        sections[0], title="", tasks=[TaskData(label="Nouvelle", key="clé avec espaces")]
    )
    response = client.post(url(draft), editor_post(replace(POITIERS, sections=sections)))
    assert response.status_code == 400
    text = response.content.decode()
    assert "Section 1, tâche 1, clé : Une clé ne contient que des lettres" in text
    assert "Section 1, titre de la section : Donnez un titre à la section." in text
    assert "fr-input-group--error" in text
    assert template_data_of(LetterTemplate.objects.get(pk=draft.pk)) == POITIERS


def test_a_published_version_is_frozen(worlds, acting_client, draft):
    poitiers, _ = worlds
    template_publish(template=draft, actor=scope_for(poitiers.dane_admin))
    client = acting_client(poitiers.dane_admin)
    page = client.get(url(draft)).content.decode()
    assert "Cette version est publiée" in page
    assert f"/missions/trames/{draft.pk}/nouvelle-version/" in page
    assert 'name="section-TOTAL_FORMS"' not in page
    response = client.post(url(draft), editor_post(replace(POITIERS, title="Changé")), follow=True)
    assert "elle ne change plus" in response.content.decode()
    draft.refresh_from_db()
    assert draft.title == POITIERS.title


def test_edit_buttons_on_the_list_and_the_preview(worlds, acting_client, draft):
    poitiers, _ = worlds
    client = acting_client(poitiers.dane_admin)
    assert url(draft) in client.get("/missions/trames/").content.decode()
    assert url(draft) in client.get(f"/missions/trames/{draft.pk}/").content.decode()
    template_publish(template=draft, actor=scope_for(poitiers.dane_admin))
    assert url(draft) not in client.get(f"/missions/trames/{draft.pk}/").content.decode()


def test_other_academie_gets_404_and_other_roles_403(worlds, acting_client, draft):
    poitiers, bordeaux = worlds
    body = editor_post(replace(POITIERS, title="Piraté"))
    other = acting_client(bordeaux.dane_admin)
    assert other.get(url(draft)).status_code == 404
    assert other.post(url(draft), body).status_code == 404
    for member in (poitiers.principal, poitiers.rupn, poitiers.coordinator):
        client = acting_client(member)
        assert client.get(url(draft)).status_code == 403
        assert client.post(url(draft), body).status_code == 403
    draft.refresh_from_db()
    assert draft.title == POITIERS.title


def _bigger(times: int):
    sections = [
        SectionData(
            kind="tasks",
            title=f"Section {n}",
            tasks=[TaskData(label=f"Tâche {n}.{m}") for m in range(times)],
        )
        for n in range(times)
    ]
    return replace(POITIERS, sections=sections)


def test_queries_do_not_grow_with_sections_and_tasks(worlds, acting_client):
    poitiers, _ = worlds
    admin = scope_for(poitiers.dane_admin)
    client = acting_client(poitiers.dane_admin)
    counts = []
    for year_offset, times in ((1, 2), (2, 8)):
        current = SchoolYear.objects.current()
        year, _ = SchoolYear.objects.get_or_create(start_year=current.start_year + year_offset)
        template = template_create(
            academie=poitiers.academie, school_year=year, data=_bigger(times), actor=admin
        )
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url(template)).status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]
