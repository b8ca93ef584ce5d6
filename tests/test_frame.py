"""The site's frame rendered once per role and current item: the menu marks the page the
path falls under, for each role, as the template's own conditions did."""

from __future__ import annotations

import re
from types import SimpleNamespace

import pytest
from django.template import Context, Template
from django.test import RequestFactory

MENU = Template("{% load frame %}{% nav_menu %}")


def menu(role: str | None, path: str) -> str:
    acting = SimpleNamespace(role=role) if role else None
    return MENU.render(Context({"acting": acting, "request": RequestFactory().get(path)}))


def current(html: str) -> list[str]:
    return re.findall(r'<a class="fr-nav__link" href="([^"]*)" aria-current="page">', html)


@pytest.mark.parametrize(
    ("role", "path", "expected"),
    [
        ("dane_admin", "/", ["/"]),
        ("dane_admin", "/missions/lettres/12/modifier/", ["/missions/lettres/"]),
        ("dane_admin", "/missions/lettres/stage/", ["/missions/lettres/stage/"]),
        ("dane_admin", "/etablissements/import/", ["/etablissements/import/"]),
        ("dane_admin", "/etablissements/3/", ["/etablissements/"]),
        ("dane_coordinator", "/indemnites/export/", ["/indemnites/budget/"]),
        ("principal", "/etablissements/import/", ["/etablissements/"]),
        ("principal", "/indemnites/regles/", ["/indemnites/attributions/"]),
        ("rupn", "/tableau-de-bord/", []),
    ],
)
def test_the_menu_marks_the_item_the_path_falls_under(
    role: str, path: str, expected: list[str]
) -> None:
    assert current(menu(role, path)) == expected


def test_each_role_sees_its_own_items_and_none_without_a_role() -> None:
    rupn = menu("rupn", "/")
    assert "Mes lettres de mission" in rupn and "Mon établissement" in rupn
    assert "Importer l’annuaire" not in rupn
    admin = menu("dane_admin", "/")
    assert "Importer l’annuaire" in admin and "Mes établissements" not in admin
    assert menu(None, "/").strip() == ""


def test_the_same_menu_twice_is_the_same_markup() -> None:
    assert menu("principal", "/missions/lettres/") == menu("principal", "/missions/lettres/")
