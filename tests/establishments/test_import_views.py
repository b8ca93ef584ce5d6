"""The import pages: upload → preview → confirm or cancel, for the DANE admin only."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from accounts.scopes import scope_for
from establishments.imports.apply import establishment_import_preview
from establishments.models import Establishment, EstablishmentImport, ImportStatus, SchoolYear
from tests.conftest import client_acting_as
from tests.establishments.test_import_service import SAMPLE_UAIS, snapshot

DATA = Path(__file__).resolve().parent.parent / "data" / "annuaire"
UPLOAD_URL = reverse("establishments:import_upload")


def upload(name: str, content: bytes | None = None) -> dict[str, object]:
    data = content if content is not None else (DATA / name).read_bytes()
    return {
        "fichier": SimpleUploadedFile(name, data, content_type="text/csv"),
        "annee": SchoolYear.objects.current().start_year,
    }


def make_import(world, name: str = "poitiers_libelles.csv") -> EstablishmentImport:
    return establishment_import_preview(
        academie=world.academie,
        school_year=SchoolYear.objects.current(),
        filename=name,
        content_bytes=(DATA / name).read_bytes(),
        actor=scope_for(world.dane_admin),
    )


def urls_of(imp: EstablishmentImport) -> dict[str, str]:
    return {
        "preview": reverse("establishments:import_preview", args=[imp.pk]),
        "confirm": reverse("establishments:import_confirm", args=[imp.pk]),
        "cancel": reverse("establishments:import_cancel", args=[imp.pk]),
    }


def flashed(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def test_upload_preview_confirm_journey(worlds):
    poitiers, _ = worlds
    client = client_acting_as(poitiers.dane_admin)
    page = client.get(UPLOAD_URL)
    assert page.status_code == 200
    body = page.content.decode()
    assert 'enctype="multipart/form-data"' in body
    assert "Importer l’Annuaire de l’éducation" in body

    response = client.post(UPLOAD_URL, upload("poitiers_libelles.csv"))
    imp = EstablishmentImport.objects.get()
    assert response.status_code == 302
    assert response["Location"] == urls_of(imp)["preview"]
    assert imp.academie == poitiers.academie
    assert imp.created_by == poitiers.dane_admin.user
    assert not Establishment.objects.filter(uai__in=SAMPLE_UAIS).exists()

    preview = client.get(response["Location"])
    body = preview.content.decode()
    assert preview.status_code == 200
    assert "Établissements à créer" in body
    assert "Lycée Guez de Balzac" in body
    assert "Type non concerné (Ecole)" in body
    assert "Autre académie (Bordeaux)" in body
    assert "Effectifs manquants" in body
    assert "Confirmer l’import" in body
    # No rejection: no choice to make.
    assert "Importer seulement les lignes valides" not in body

    confirmed = client.post(urls_of(imp)["confirm"])
    assert confirmed.status_code == 302
    assert confirmed["Location"] == reverse("establishments:list")
    message = flashed(confirmed)[-1]
    assert "8 créés" in message and "6 ignorés" in message and "0 rejeté" in message
    assert Establishment.objects.filter(uai__in=SAMPLE_UAIS).count() == 8
    imp.refresh_from_db()
    assert imp.status == ImportStatus.APPLIED
    assert imp.applied_by == poitiers.dane_admin.user

    # Confirming again changes nothing and says so.
    before = snapshot()
    again = client.post(urls_of(imp)["confirm"])
    assert again.status_code == 302
    assert again["Location"] == urls_of(imp)["preview"]
    assert "déjà été appliqué" in flashed(again)[-1]
    assert snapshot() == before
    applied_page = client.get(urls_of(imp)["preview"]).content.decode()
    assert "Cet import a été appliqué" in applied_page
    assert "Confirmer l’import" not in applied_page


def test_rejections_offer_the_valid_rows_choice(worlds):
    poitiers, _ = worlds
    client = client_acting_as(poitiers.dane_admin)
    imp = make_import(poitiers, "poitiers_erreurs.csv")
    body = client.get(urls_of(imp)["preview"]).content.decode()
    assert "Importer seulement les lignes valides" in body
    assert "Lignes rejetées" in body
    assert "Type d’établissement inconnu : « Université »" in body
    assert "Code_departement" in body
    assert 'role="alert"' in body

    before = snapshot()
    refused = client.post(urls_of(imp)["confirm"])
    assert refused["Location"] == urls_of(imp)["preview"]
    assert "rien n’a été importé" in flashed(refused)[-1]
    assert snapshot() == before

    accepted = client.post(urls_of(imp)["confirm"], {"only_valid_rows": "on"})
    assert accepted["Location"] == reverse("establishments:list")
    assert "2 créés" in flashed(accepted)[-1]
    imp.refresh_from_db()
    assert imp.only_valid_rows is True


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("poitiers_windows1252.csv", "Ligne 2, colonne Nom_etablissement"),
        ("poitiers_virgules.csv", "point-virgule"),
        ("poitiers_colonnes_manquantes.csv", "Code_academie, Nom_commune"),
        ("vide.csv", "Le fichier est vide."),
    ],
)
def test_unreadable_upload_shows_the_error_and_stores_nothing(worlds, name, expected):
    poitiers, _ = worlds
    before = snapshot()
    response = client_acting_as(poitiers.dane_admin).post(UPLOAD_URL, upload(name))
    assert response.status_code == 400
    body = response.content.decode()
    assert expected in body
    assert 'role="alert"' in body
    assert "Rien n’a été modifié." in body
    assert snapshot() == before


def test_upload_over_the_size_limit_is_refused(worlds, settings):
    poitiers, _ = worlds
    settings.ESTABLISHMENT_IMPORT_MAX_BYTES = 2_000
    response = client_acting_as(poitiers.dane_admin).post(
        UPLOAD_URL, upload("poitiers_libelles.csv")
    )
    assert response.status_code == 400
    assert "taille maximale acceptée est 2 ko" in response.content.decode()
    assert not EstablishmentImport.objects.exists()


def test_upload_without_file_or_with_an_unknown_year(worlds):
    poitiers, _ = worlds
    client = client_acting_as(poitiers.dane_admin)
    missing = client.post(UPLOAD_URL, {"annee": SchoolYear.objects.current().start_year})
    assert missing.status_code == 400
    assert "Choisissez le fichier CSV" in missing.content.decode()
    empty_post = client.post(UPLOAD_URL)
    assert empty_post.status_code == 400
    assert 'role="alert"' in empty_post.content.decode()
    bad_year = client.post(UPLOAD_URL, {**upload("poitiers_libelles.csv"), "annee": "1850"})
    assert bad_year.status_code == 400
    assert not EstablishmentImport.objects.exists()


def test_cancel(worlds):
    poitiers, _ = worlds
    client = client_acting_as(poitiers.dane_admin)
    imp = make_import(poitiers)
    response = client.post(urls_of(imp)["cancel"])
    assert response["Location"] == UPLOAD_URL
    assert "a été annulé" in flashed(response)[-1]
    imp.refresh_from_db()
    assert imp.status == ImportStatus.CANCELLED
    before = snapshot()
    late = client.post(urls_of(imp)["confirm"])
    assert "annulé" in flashed(late)[-1]
    assert snapshot() == before
    assert "Cet import a été annulé" in client.get(urls_of(imp)["preview"]).content.decode()


def test_upload_page_lists_only_the_own_academie_imports(worlds):
    poitiers, bordeaux = worlds
    make_import(poitiers, "poitiers_libelles.csv")
    theirs = make_import(bordeaux, "poitiers_champs.csv")
    body = client_acting_as(poitiers.dane_admin).get(UPLOAD_URL).content.decode()
    assert "poitiers_libelles.csv" in body
    assert "poitiers_champs.csv" not in body
    assert urls_of(theirs)["preview"] not in body


def test_other_academie_dane_admin_gets_404_and_changes_nothing(worlds):
    poitiers, bordeaux = worlds
    imp = make_import(poitiers)
    client = client_acting_as(bordeaux.dane_admin)
    before = snapshot()
    urls = urls_of(imp)
    assert client.get(urls["preview"]).status_code == 404
    assert client.post(urls["confirm"], {"only_valid_rows": "on"}).status_code == 404
    assert client.post(urls["cancel"]).status_code == 404
    assert snapshot() == before
    missing = reverse("establishments:import_preview", args=[imp.pk + 1000])
    assert client_acting_as(poitiers.dane_admin).get(missing).status_code == 404


@pytest.mark.parametrize("role", ["dane_coordinator", "principal", "deputy", "rupn"])
def test_other_roles_get_403_and_change_nothing(worlds, role):
    poitiers, _ = worlds
    imp = make_import(poitiers)
    client = client_acting_as(poitiers.members[role])
    before = snapshot()
    urls = urls_of(imp)
    assert client.get(UPLOAD_URL).status_code == 403
    assert client.post(UPLOAD_URL, upload("poitiers_libelles.csv")).status_code == 403
    assert client.get(urls["preview"]).status_code == 403
    assert client.post(urls["confirm"], {"only_valid_rows": "on"}).status_code == 403
    assert client.post(urls["cancel"]).status_code == 403
    assert snapshot() == before


def test_visitor_is_sent_to_login_and_get_is_refused_on_actions(worlds):
    poitiers, _ = worlds
    imp = make_import(poitiers)
    from django.test import Client

    visitor = Client()
    response = visitor.get(UPLOAD_URL)
    assert response.status_code == 302
    assert "/comptes/login/" in response["Location"]
    admin = client_acting_as(poitiers.dane_admin)
    assert admin.get(urls_of(imp)["confirm"]).status_code == 405
    assert admin.get(urls_of(imp)["cancel"]).status_code == 405
    imp.refresh_from_db()
    assert imp.status == ImportStatus.PREVIEWED


def test_nav_links_the_import_for_the_dane_admin(worlds):
    poitiers, _ = worlds
    body = client_acting_as(poitiers.dane_admin).get("/").content.decode()
    assert UPLOAD_URL in body


def test_preview_page_query_count(worlds, django_assert_max_num_queries):
    poitiers, _ = worlds
    imp = make_import(poitiers)
    client = client_acting_as(poitiers.dane_admin)
    with django_assert_max_num_queries(12):
        assert client.get(urls_of(imp)["preview"]).status_code == 200


def test_upload_page_query_count(worlds, django_assert_max_num_queries):
    poitiers, _ = worlds
    for _ in range(3):
        make_import(poitiers)
    client = client_acting_as(poitiers.dane_admin)
    with django_assert_max_num_queries(12):
        assert client.get(UPLOAD_URL).status_code == 200
