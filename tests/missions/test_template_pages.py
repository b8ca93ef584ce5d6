"""The DANE admin's template pages: versions, preview, publication, new version, copy."""

from __future__ import annotations

import pytest

from accounts.scopes import scope_for
from establishments.models import SchoolYear
from missions.demo import POITIERS
from missions.models import LetterTemplate
from missions.services_templates import template_create, template_publish

pytestmark = pytest.mark.django_db


def test_publish_preview_and_new_version_from_the_pages(worlds, acting_client):
    poitiers, bordeaux = worlds
    year = SchoolYear.objects.current()
    draft = template_create(
        academie=poitiers.academie,
        school_year=year,
        data=POITIERS,
        actor=scope_for(poitiers.dane_admin),
    )
    client = acting_client(poitiers.dane_admin)
    page = client.get("/missions/trames/").content.decode()
    assert "Brouillon" in page and f"/missions/trames/{draft.pk}/publier/" in page
    preview = client.get(f"/missions/trames/{draft.pk}/").content.decode()
    assert "Mme Camille Martin se voit confier pour l’année scolaire" in preview
    assert year.label in preview and "{referent}" not in preview
    assert "Le délégué académique au numérique (visa)" in preview
    response = client.post(f"/missions/trames/{draft.pk}/publier/", follow=True)
    assert "Version 1 publiée" in response.content.decode()
    draft.refresh_from_db()
    assert draft.is_published
    client.post(f"/missions/trames/{draft.pk}/nouvelle-version/")
    assert LetterTemplate.objects.filter(academie=poitiers.academie).count() == 2
    # A second new version while a draft exists is refused with a message, nothing written.
    response = client.post(f"/missions/trames/{draft.pk}/nouvelle-version/", follow=True)
    assert "déjà en brouillon" in response.content.decode()
    assert LetterTemplate.objects.filter(academie=poitiers.academie).count() == 2
    # Bordeaux's DANE sees none of it.
    other = acting_client(bordeaux.dane_admin)
    assert other.get(f"/missions/trames/{draft.pk}/").status_code == 404
    assert "Lettre de mission – Enseignant" not in other.get("/missions/trames/").content.decode()


def test_copy_of_last_year_from_the_page(worlds, acting_client):
    poitiers, _ = worlds
    current = SchoolYear.objects.current()
    previous, _ = SchoolYear.objects.get_or_create(start_year=current.start_year - 1)
    client = acting_client(poitiers.dane_admin)
    refused = client.post(f"/missions/trames/annee/{current.start_year}/copier/", follow=True)
    assert "Aucune trame publiée avant" in refused.content.decode()
    old = template_create(
        academie=poitiers.academie,
        school_year=previous,
        data=POITIERS,
        actor=scope_for(poitiers.dane_admin),
    )
    template_publish(template=old, actor=scope_for(poitiers.dane_admin))
    done = client.post(f"/missions/trames/annee/{current.start_year}/copier/", follow=True)
    assert "créée à partir de l’an dernier" in done.content.decode()
    assert LetterTemplate.objects.filter(school_year=current, based_on=old).exists()


def test_the_annex_comes_after_the_clause_and_signatures(worlds, acting_client):
    poitiers, _ = worlds
    template = template_create(
        academie=poitiers.academie,
        school_year=SchoolYear.objects.current(),
        data=POITIERS,
        actor=scope_for(poitiers.dane_admin),
    )
    body = acting_client(poitiers.dane_admin).get(f"/missions/trames/{template.pk}/").content
    text = body.decode()
    assert text.index("3. Participer ponctuellement") < text.index("attribue à Mme Camille")
    assert text.index("Signatures") < text.index("Annexe – décret n° 2010-1065")
