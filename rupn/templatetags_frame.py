"""`{% load frame %}`: the parts of the site's frame (`base.html`) that are the same on every
page, rendered once per process instead of on every request.

The DSFR's stylesheets, favicon and scripts and the frame's links depend only on the
settings, and the main menu only on the acting role and on which of its items the current path
falls under: the menu's markup stays in `includes/nav.html`, rendered once per role and set of
current items, and the rules saying which item a path falls under are here, in `CURRENT`.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache, lru_cache
from typing import Any

from django import template
from django.core.signals import setting_changed
from django.template import Context, Template
from django.template.loader import get_template
from django.urls import get_script_prefix, reverse
from django.utils.autoreload import file_changed
from django.utils.safestring import SafeString

register = template.Library()

# Which menu items a path falls under (`aria-current`), by the name `includes/nav.html` reads.
CURRENT: dict[str, Callable[[str], bool]] = {
    "home": lambda p: p == "/",
    "letters": lambda p: "/missions/lettres" in p and "/missions/lettres/stage" not in p,
    "dane_establishments": lambda p: (
        p == "/etablissements/" or ("/etablissements/" in p and "/import" not in p)
    ),
    "import": lambda p: "/etablissements/import" in p,
    "members": lambda p: "/membres/" in p,
    "rules": lambda p: "/indemnites/regles" in p,
    "templates": lambda p: "/missions/trames" in p,
    "surveys": lambda p: "/enquetes/gestion" in p,
    "envelopes": lambda p: "/indemnites/enveloppes" in p,
    "budget": lambda p: "/indemnites/budget" in p or "/indemnites/export" in p,
    "training": lambda p: "/missions/lettres/stage" in p,
    "establishments": lambda p: "/etablissements/" in p,
    "indemnities": lambda p: "/indemnites/" in p,
}


@lru_cache(maxsize=256)
def _menu(role: str | None, current: frozenset[str]) -> SafeString:
    # Its links are reversed once here rather than on every page. A rendered template is
    # already safe: nothing is escaped twice.
    html = get_template("includes/nav.html").render(
        {"role": role, "current": dict.fromkeys(current, True)}
    )
    assert isinstance(html, SafeString)
    return html


@register.simple_tag(takes_context=True)
def nav_menu(context: Context) -> SafeString:
    acting = context.get("acting")
    if not acting:
        return _menu(None, frozenset())
    path = getattr(context.get("request"), "path", "")
    current = frozenset(name for name, test in CURRENT.items() if test(path))
    return _menu(str(acting.role), current)


@lru_cache(maxsize=64)
def _reversed(name: str, prefix: str) -> str:
    return reverse(name)


@register.simple_tag
def frame_url(name: str) -> str:
    """`{% url name %}` for the frame's links, which take no arguments: reversed once per
    name (and script prefix, which the URLs start with) rather than on every page."""
    return _reversed(name, get_script_prefix())


@cache
def _dsfr(tag: str) -> SafeString:
    return Template(f"{{% load dsfr_tags %}}{{% {tag} %}}").render(Context())


@register.simple_tag
def dsfr_css_once() -> SafeString:
    return _dsfr("dsfr_css")


@register.simple_tag
def dsfr_favicon_once() -> SafeString:
    return _dsfr("dsfr_favicon")


@register.simple_tag
def dsfr_js_once() -> SafeString:
    return _dsfr("dsfr_js")


def _forget(**kwargs: Any) -> None:
    # Tests override the URLconf or the static files' settings, and the development server
    # reloads an edited template without restarting: what was rendered before is stale.
    _menu.cache_clear()
    _reversed.cache_clear()
    _dsfr.cache_clear()


setting_changed.connect(_forget)
file_changed.connect(_forget)
