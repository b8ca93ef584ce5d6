"""The Django admin speaks French: model names, plurals, columns, filters and actions.

Walks the admin index, then every registered model's list, add and change pages as a superuser,
and fails on English words or wrong plurals in the text a person reads.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from django.contrib import admin
from django.test import Client
from django.urls import NoReverseMatch, reverse

from accounts.models import User

# Lower-case giveaways found in visible text (whole words, case-insensitive).
GIVEAWAYS = [
    "created at",
    "updated at",
    "changed at",
    "last used at",
    "applied at",
    "authenticator",
    "authenticators",
    "establishment",
    "establishments",
    "school year",
    "rule set",
    "referent",
    "user",
    "departement",
    "academie",
    "service faits",
    "de académie",
    "imps",
    "enveloppe ajustées",
    "modification des règles imps",
    "by",
    "status",
    "token hash",
    "created by",
    "certified by",
    "can add",
    "can change",
    "can delete",
    "can view",
    "de établissement",
    "de effectif",
    "de invitation",
    "de utilisateur",
    "de import",
    "de attribution",
    "de enveloppe",
    "de année",
    "de authentificateur",
    "de adresse",
]
GIVEAWAY_RE = re.compile(
    r"(?<![\w@.])(" + "|".join(map(re.escape, GIVEAWAYS)) + r")(?![\w@])", re.I
)


class VisibleText(HTMLParser):
    """Text a person reads: element text, titles, labels of buttons and options."""

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self.skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style"):
            self.skip += 1
        values = dict(attrs)
        for name in ("title", "aria-label", "placeholder"):
            if values.get(name):
                self.parts.append(str(values[name]))
        if tag == "input" and values.get("type") in ("submit", "button") and values.get("value"):
            self.parts.append(str(values["value"]))

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style") and self.skip:
            self.skip -= 1

    def handle_data(self, data: str) -> None:
        if not self.skip:
            self.parts.append(data)


def visible_text(html: str) -> str:
    parser = VisibleText()
    parser.feed(html)
    return " ".join(" ".join(parser.parts).split())


def giveaways(html: str, *, exclude: set[str] = frozenset()) -> list[str]:  # type: ignore[assignment]
    text = visible_text(html)
    found = {m.group(1).lower() for m in GIVEAWAY_RE.finditer(text)}
    return sorted(found - exclude)


@pytest.fixture
def superuser_client(worlds) -> Client:
    user = User.objects.create_superuser(email="plateforme@test.fr", password="x-admin-pass-2025")
    client = Client()
    client.force_login(user)
    return client


def test_giveaway_detection_reads_text_not_markup():
    assert giveaways('<div id="user-tools" class="establishment">Utilisateur</div>') == []
    assert giveaways("<th>Created at</th><a>Par created at</a>") == ["created at"]
    assert giveaways("<p>plateforme@test.fr</p>") == []


def test_titles_and_permissions_are_french(superuser_client, worlds):
    poitiers, _ = worlds
    academie = poitiers.academie
    change = superuser_client.get(
        reverse("admin:establishments_academie_change", args=[academie.pk])
    )
    assert "Modification d’académie" in change.content.decode()
    add = superuser_client.get(reverse("admin:establishments_departement_add"))
    assert "Ajout de département" in add.content.decode()
    group = superuser_client.get(reverse("admin:auth_group_add")).content.decode()
    assert "Académies et établissements | académie | ajouter" in group
    assert "authentificateur (double authentification) | supprimer" in group


def test_admin_index_is_french(superuser_client):
    html = superuser_client.get(reverse("admin:index")).content.decode()
    assert giveaways(html) == []
    for expected in (
        "Certifications du service fait",
        "Enveloppes ajustées",
        "Journal des actions",
        "Authentificateurs",
    ):
        assert expected in html


def _pages():
    for model, model_admin in admin.site._registry.items():
        opts = model._meta
        yield pytest.param(model, model_admin, id=f"{opts.app_label}.{opts.model_name}")


@pytest.mark.parametrize(("model", "model_admin"), list(_pages()))
def test_model_pages_are_french(superuser_client, model, model_admin):
    opts = model._meta
    prefix = f"admin:{opts.app_label}_{opts.model_name}"
    urls = [reverse(f"{prefix}_changelist")]
    try:
        urls.append(reverse(f"{prefix}_add"))
    except NoReverseMatch:
        pass
    first = model._default_manager.order_by("pk").first()
    if first is not None:
        urls.append(reverse(f"{prefix}_change", args=[first.pk]))
    for url in urls:
        response = superuser_client.get(url)
        if response.status_code == 403:  # no add permission: nothing to read
            continue
        assert response.status_code == 200, url
        found = giveaways(response.content.decode())
        assert found == [], f"{url}: {found}"
