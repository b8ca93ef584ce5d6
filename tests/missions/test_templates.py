"""The académie's mission-letter templates: fields, versions, publication, copy, scope."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.http import Http404

from accounts.scopes import scope_for
from audit.models import AuditEvent
from establishments.models import SchoolYear
from missions.demo import BORDEAUX, POITIERS, load_demo_templates
from missions.models import LetterTemplate, TemplateStatus, TemplateTask
from missions.placeholders import fill_placeholders, unknown_placeholders
from missions.selectors import get_template_for, published_template, templates_visible_to
from missions.services_templates import (
    SectionData,
    TaskData,
    TemplateData,
    template_copy_previous_year,
    template_create,
    template_data_of,
    template_new_version,
    template_publish,
    template_update,
)

pytestmark = pytest.mark.django_db


def _data(**changes: object) -> TemplateData:
    values = {
        "title": "Lettre de mission",
        "introduction": "{referent} est référent de {etablissement} pour {annee}.",
        "indemnity_clause": "Une IMP de {montant} est attribuée.",
        "requires_dan_visa": False,
        "sections": [
            SectionData(
                kind="tasks",
                title="Accompagner",
                tasks=[TaskData("accompagne les enseignants", key="accompagner")],
            )
        ],
    }
    values.update(changes)
    return TemplateData(**values)  # type: ignore[arg-type]


def test_fields_are_filled_and_unknown_ones_named():
    text = "{referent} – {annee} – {inconnu} – {referent}"
    assert unknown_placeholders(text) == ["inconnu"]
    filled = fill_placeholders(text, {"referent": "Mme Roux", "annee": "2026-2027"})
    assert filled == "Mme Roux – 2026-2027 – {inconnu} – Mme Roux"


def test_an_unknown_field_is_refused_with_its_name_and_nothing_saved(worlds):
    poitiers, _ = worlds
    year = SchoolYear.objects.current()
    with pytest.raises(ValidationError) as error:
        template_create(
            academie=poitiers.academie,
            school_year=year,
            data=_data(introduction="Bonjour {prenom_referent}"),
            actor=scope_for(poitiers.dane_admin),
        )
    assert "le champ {prenom_referent} n’existe pas" in " ".join(error.value.messages)
    assert not LetterTemplate.objects.exists()


def test_repeated_task_keys_and_empty_lists_are_refused(worlds):
    poitiers, _ = worlds
    year = SchoolYear.objects.current()
    twice = SectionData(
        kind="tasks", title="A", tasks=[TaskData("x", key="k"), TaskData("y", key="k")]
    )
    empty = SectionData(kind="tasks", title="B")
    with pytest.raises(ValidationError) as error:
        template_create(
            academie=poitiers.academie,
            school_year=year,
            data=_data(sections=[twice, empty]),
            actor=scope_for(poitiers.dane_admin),
        )
    messages = " ".join(error.value.messages)
    assert "même clé" in messages and "au moins une tâche" in messages


def test_publishing_freezes_and_a_new_version_copies(worlds):
    poitiers, _ = worlds
    year = SchoolYear.objects.current()
    admin = scope_for(poitiers.dane_admin)
    first = template_create(academie=poitiers.academie, school_year=year, data=_data(), actor=admin)
    with pytest.raises(ValidationError, match="déjà en brouillon"):
        template_create(academie=poitiers.academie, school_year=year, data=_data(), actor=admin)
    template_update(template=first, data=_data(title="Lettre de mission 2"), actor=admin)
    template_publish(template=first, actor=admin)
    with pytest.raises(ValidationError, match="publiée"):
        template_update(template=first, data=_data(title="Changée"), actor=admin)
    first.refresh_from_db()
    assert (first.title, first.status) == ("Lettre de mission 2", TemplateStatus.PUBLISHED)
    second = template_new_version(template=first, actor=admin)
    assert (second.version, second.status, second.based_on_id) == (2, "draft", first.pk)
    assert template_data_of(second) == template_data_of(first)
    # Letters of the year are made on the latest published version only.
    assert published_template(admin, year) == first
    template_publish(template=second, actor=admin)
    assert published_template(admin, year) == second
    verbs = list(AuditEvent.objects.order_by("pk").values_list("verb", flat=True))
    assert verbs[-5:] == [
        "template.create",
        "template.update",
        "template.publish",
        "template.create",
        "template.publish",
    ]


def test_copy_of_last_year_keeps_task_keys(worlds):
    poitiers, _ = worlds
    current = SchoolYear.objects.current()
    previous, _ = SchoolYear.objects.get_or_create(start_year=current.start_year - 1)
    admin = scope_for(poitiers.dane_admin)
    with pytest.raises(ValidationError, match="Aucune trame publiée"):
        template_copy_previous_year(academie=poitiers.academie, school_year=current, actor=admin)
    old = template_create(
        academie=poitiers.academie, school_year=previous, data=POITIERS, actor=admin
    )
    template_publish(template=old, actor=admin)
    copy = template_copy_previous_year(academie=poitiers.academie, school_year=current, actor=admin)
    keys = lambda t: list(  # noqa: E731
        TemplateTask.objects.filter(section__template=t).values_list("key", flat=True)
    )
    assert keys(copy) == keys(old) and "pilotage" in keys(copy)
    assert copy.school_year == current and copy.version == 1


def test_drafts_are_for_the_dane_admin_and_nothing_crosses_academies(worlds):
    poitiers, bordeaux = worlds
    year = SchoolYear.objects.current()
    draft = template_create(
        academie=poitiers.academie,
        school_year=year,
        data=_data(),
        actor=scope_for(poitiers.dane_admin),
    )
    assert get_template_for(scope_for(poitiers.dane_admin), draft.pk) == draft
    for member in (poitiers.principal, poitiers.rupn, bordeaux.dane_admin):
        with pytest.raises(Http404):
            get_template_for(scope_for(member), draft.pk)
    template_publish(template=draft, actor=scope_for(poitiers.dane_admin))
    assert list(templates_visible_to(scope_for(poitiers.principal))) == [draft]
    assert not templates_visible_to(scope_for(bordeaux.principal)).exists()


def test_the_demo_templates_differ_between_the_two_academies(worlds):
    poitiers, bordeaux = worlds
    year = SchoolYear.objects.current()
    for world in (poitiers, bordeaux):
        load_demo_templates(academie=world.academie, school_years=[year])
        load_demo_templates(academie=world.academie, school_years=[year])  # nothing twice
    mine = LetterTemplate.objects.get(academie=poitiers.academie)
    theirs = LetterTemplate.objects.get(academie=bordeaux.academie)
    assert mine.is_published and theirs.is_published
    assert mine.requires_dan_visa and not theirs.requires_dan_visa
    assert template_data_of(mine) == POITIERS and template_data_of(theirs) == BORDEAUX
