"""Every internal link of the demonstration leads somewhere, for every role of both académies.

For each demo membership the test signs in, acts in that role and follows every same-host link
reachable from the home page (GET only, a bounded number of pages). It fails on any 4xx or 5xx
answer and on any page that shows a form error although nothing was submitted, and says which
page held the link. Every table of those pages sits in DSFR's scrolling wrapper, so that a phone
reaches all its columns.
"""

from __future__ import annotations

from collections import deque
from html.parser import HTMLParser
from io import StringIO
from urllib.parse import quote, urldefrag, urljoin, urlsplit

import pytest
from django.core.management import call_command

from accounts.models import Membership
from tests.conftest import client_acting_as

MAX_PAGES_PER_ROLE = 400
SKIPPED_PREFIXES = ("/comptes/logout/", "/admin/", "/static/", "/media/")
# What DSFR shows when a field or a form is in error.
FORM_ERROR_MARKERS = (
    "fr-error-text",
    "fr-input-group--error",
    "fr-select-group--error",
    "fr-fieldset--error",
    "fr-message--error",
    "fr-alert--error",
)


class LinkParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.hrefs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a":
            href = dict(attrs).get("href")
            if href:
                self.hrefs.append(href)


def internal_target(base: str, href: str) -> str | None:
    """The path and query `href` leads to from `base`, or None for what is not crawled."""
    href = href.strip()
    if href.startswith(("mailto:", "tel:", "javascript:", "#")):
        return None
    absolute = urljoin("http://testserver" + base, href)
    parts = urlsplit(urldefrag(absolute)[0])
    if parts.scheme not in {"http", "https"} or parts.netloc != "testserver":
        return None
    if parts.path.startswith(SKIPPED_PREFIXES):
        return None
    target = parts.path + (f"?{parts.query}" if parts.query else "")
    # As a browser sends it: characters outside URLs (a no-break space…) percent-encoded.
    return quote(target, safe="/?&=%:+,;@-._~")


def crawl(membership: Membership) -> tuple[int, list[str]]:
    client = client_acting_as(membership)
    seen = {"/"}
    queue: deque[tuple[str, str]] = deque([("/", "(accueil)")])
    problems: list[str] = []
    visited = 0
    while queue and visited < MAX_PAGES_PER_ROLE:
        url, referrer = queue.popleft()
        response = client.get(url)
        visited += 1
        if response.status_code >= 400:
            problems.append(f"{url} → {response.status_code} (lien de {referrer})")
            continue
        if response.status_code in (301, 302, 303, 307, 308):
            target = internal_target(url, response["Location"])
            if target and target not in seen:
                seen.add(target)
                queue.append((target, f"redirection de {url}"))
            continue
        if "text/html" not in response.get("Content-Type", ""):
            continue  # a download: fetched, not parsed
        html = response.content.decode()
        markers = [m for m in FORM_ERROR_MARKERS if m in html]
        if markers:
            problems.append(f"{url} affiche une erreur sans saisie {markers} (lien de {referrer})")
        if html.count("<table") > html.count('class="fr-table__wrapper"'):
            problems.append(f"{url} : tableau sans conteneur défilant DSFR (lien de {referrer})")
        parser = LinkParser()
        parser.feed(html)
        for href in parser.hrefs:
            target = internal_target(url, href)
            if target and target not in seen:
                seen.add(target)
                queue.append((target, url))
    return visited, problems


@pytest.mark.django_db
def test_every_link_of_every_demo_role_answers() -> None:
    call_command("load_demo", stdout=StringIO())
    memberships = list(
        Membership.objects.active()
        .filter(user__email__endswith=".rupn-demo.example")
        .select_related("user", "academie")
        .order_by("academie__name", "user__email", "pk")
    )
    assert len(memberships) >= 20
    report: list[str] = []
    for membership in memberships:
        visited, problems = crawl(membership)
        assert visited > 3, f"{membership.user.email} : {visited} pages seulement"
        report += [
            f"{membership.user.email} ({membership.get_role_display()}) : {p}" for p in problems
        ]
    assert not report, "Liens cassés ou pages en erreur :\n" + "\n".join(report)


def test_internal_target_keeps_same_host_links_only() -> None:
    assert internal_target("/a/", "mailto:x@example.org") is None
    assert internal_target("/a/", "https://www.education.gouv.fr/") is None
    assert internal_target("/a/", "/comptes/logout/") is None
    assert internal_target("/a/", "b/?annee=2026#haut") == "/a/b/?annee=2026"
    assert internal_target("/a/", "?annee=2\u00a0026") == "/a/?annee=2%C2%A0026"
