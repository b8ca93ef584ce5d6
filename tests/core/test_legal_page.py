"""The legal notice names the publisher and the host, from settings."""

from __future__ import annotations

import pytest


@pytest.mark.django_db
def test_legal_page_names_publisher_and_host(client, settings) -> None:  # type: ignore[no-untyped-def]
    settings.RUPN_PUBLISHER = "Région académique Nouvelle-Aquitaine – DRANE"
    settings.RUPN_PUBLISHER_ADDRESS = "5 rue Joseph de Carayon-Latour\n33060 Bordeaux"
    settings.RUPN_HOST_NAME = "Hébergeur Exemple SAS"
    settings.RUPN_HOST_ADDRESS = "1 quai des Données, 75000 Paris"
    settings.RUPN_CONTACT_EMAIL = "drane@region-academique.example"
    body = client.get("/mentions-legales/").content.decode()
    assert "Région académique Nouvelle-Aquitaine – DRANE" in body
    assert "5 rue Joseph de Carayon-Latour<br>33060 Bordeaux" in body
    assert "Hébergeur Exemple SAS" in body and "1 quai des Données, 75000 Paris" in body
    assert 'href="mailto:drane@region-academique.example"' in body


@pytest.mark.django_db
def test_legal_page_has_defaults(client) -> None:  # type: ignore[no-untyped-def]
    body = client.get("/mentions-legales/").content.decode()
    assert "<h2>Hébergeur</h2>" in body
    assert "Hébergeur non renseigné" in body
