"""Tenant isolation, generated from the URLconf.

For every URL of the project: the same role in the other académie, every role not allowed, and a
visitor get 404/403 (or a page showing nothing of the owner académie) and change nothing; the
allowed roles do reach the page, so the test is not vacuous. See `url_registry.py`.
"""

from __future__ import annotations

import html
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

import pytest
from django.http.response import HttpResponseBase
from django.test import Client
from django.urls import reverse

from accounts.acting import SESSION_KEY
from accounts.models import Invitation, Membership, Role, User
from establishments.models import Establishment, EstablishmentImport
from tests.isolation.snapshot import snapshot_changes, take_snapshot
from tests.isolation.url_registry import OWNER_DATA, REGISTRY, Ctx, UrlSpec, exclusion_for
from tests.isolation.urlconf import FoundUrl, all_urls

URLS = all_urls()
COVERED = [url for url in URLS if exclusion_for(url) is None]
COVERED_NAMES = sorted({url.name for url in COVERED})
URL_BY_NAME: dict[str, FoundUrl] = {url.name: url for url in COVERED}


# --- Helpers --------------------------------------------------------------------------------


def _client_for(membership: Membership | None) -> Client:
    client = Client()
    if membership is not None:
        client.force_login(membership.user)
        session = client.session
        session[SESSION_KEY] = membership.pk
        session.save()
    return client


def _who(membership: Membership | None) -> str:
    if membership is None:
        return "visiteur non connecté"
    return f"{membership.role} de {membership.academie.name}"


def _body(response: HttpResponseBase) -> str:
    if getattr(response, "streaming", False):
        content = b"".join(getattr(response, "streaming_content", []))
    else:
        content = getattr(response, "content", b"")
    return content.decode("utf-8", errors="replace")


def _excerpt(text: str, around: str | None = None, width: int = 300) -> str:
    if around and around in text:
        start = max(text.index(around) - width // 2, 0)
        return text[start : start + width].replace("\n", " ")
    return text[:width].replace("\n", " ")


def _markers_of_a(ctx: Ctx) -> list[str]:
    """Strings that only a page showing académie A's data would contain."""
    academie = ctx.a.academie
    markers = {academie.name}
    for name, uai in Establishment.objects.filter(academie=academie).values_list("name", "uai"):
        markers |= {name, uai}
    markers |= set(
        User.objects.filter(memberships__academie=academie).values_list("email", flat=True)
    )
    for email, last_name in Invitation.objects.filter(academie=academie).values_list(
        "email", "last_name"
    ):
        markers |= {email, last_name}
    markers |= set(
        EstablishmentImport.objects.filter(academie=academie).values_list("filename", flat=True)
    )
    return sorted(marker for marker in markers if marker)


def _leaks(body: str, markers: list[str]) -> list[str]:
    return [marker for marker in markers if marker in body or html.escape(marker) in body]


@dataclass
class Attempt:
    """One request and what it must (not) do, recorded for a readable failure list."""

    name: str
    who: str
    method: str
    path: str
    # The statuses that are right; None: any answer but a server error (5xx).
    allowed_statuses: frozenset[int] | None
    # Strings of académie A that the answer, whatever its status, must not contain.
    markers: list[str] = field(default_factory=list)
    # Query string of a GET.
    query: Mapping[str, Any] | None = None


def _attempt(
    client: Client, attempt: Attempt, data: Mapping[str, Any] | None, failures: list[str]
) -> None:
    label = f"{attempt.name} – {attempt.method} {attempt.path} en tant que {attempt.who}"
    try:
        if attempt.method == "GET":
            response = client.get(attempt.path, dict(attempt.query or {}))
        else:
            response = client.post(attempt.path, data=dict(data or {}))
    except Exception as exc:  # a 500: the failure must say where
        failures.append(f"{label} : exception {type(exc).__name__}: {exc}")
        return
    status = response.status_code
    body = _body(response)
    allowed = attempt.allowed_statuses
    if (allowed is not None and status not in allowed) or (allowed is None and status >= 500):
        location = response.get("Location", "")
        expected = sorted(allowed) if allowed is not None else "< 500"
        failures.append(
            f"{label} : statut {status} (attendu {expected})"
            + (f" → {location}" if location else "")
            + f" – « {_excerpt(body)} »"
        )
    leaked = _leaks(body + response.get("Location", ""), attempt.markers)
    if leaked:
        failures.append(
            f"{label} : {status} montre des données de l’autre académie {leaked} – "
            f"« {_excerpt(body, leaked[0])} »"
        )


def _path(name: str, kwargs: Mapping[str, object]) -> str:
    return reverse(name, kwargs=dict(kwargs)) if kwargs else reverse(name)


def _spec(name: str) -> UrlSpec:
    spec = REGISTRY.get(name)
    if spec is None:
        url = URL_BY_NAME[name]
        pytest.fail(
            f"URL non couverte par le test d’isolation : {name} ({url.route}). "
            "Ajoutez-la à tests/isolation/url_registry.py (REGISTRY)."
        )
    return spec


def _resolve(spec: UrlSpec, ctx: Ctx) -> dict[str, object]:
    return {key: resolver(ctx) for key, resolver in spec.kwargs.items()}


def _query(spec: UrlSpec, ctx: Ctx) -> dict[str, Any]:
    return spec.query(ctx) if spec.query else {}


def _post_data(spec: UrlSpec, ctx: Ctx) -> dict[str, Any]:
    return spec.post(ctx) if spec.post else {}


def _forbidden_statuses(spec: UrlSpec, method: str, base: frozenset[int]) -> frozenset[int]:
    # 405 answers every caller alike (the view does not take that method): nothing is revealed.
    if (method == "GET" and not spec.get) or (method == "POST" and spec.post is None):
        return base | {405}
    return base


def _check_unchanged(
    before: dict[str, Any],
    label: str,
    failures: list[str],
    *,
    may_create: frozenset[str] = frozenset(),
    own_academie_id: object = None,
) -> None:
    changes = snapshot_changes(
        before, take_snapshot(), may_create=may_create, own_academie_id=own_academie_id
    )
    if changes:
        failures.append(f"{label} : la base a changé – " + " ; ".join(changes))


def _report(failures: list[str]) -> None:
    if failures:
        pytest.fail("\n".join(["", *failures]), pytrace=False)


# --- The registry is complete and consistent ------------------------------------------------


def test_every_url_is_registered_or_excluded() -> None:
    missing = [f"{url.name} ({url.route})" for url in COVERED if url.name not in REGISTRY]
    assert not missing, "URL non couverte par le test d’isolation : " + ", ".join(missing)


def test_registry_names_exist_in_urlconf() -> None:
    stale = sorted(set(REGISTRY) - set(COVERED_NAMES))
    assert not stale, f"Entrées du registre sans URL correspondante : {stale}"


def test_unnamed_urls_are_only_excluded_ones() -> None:
    unnamed = [url.route for url in COVERED if url.url_name == "<sans nom>"]
    assert not unnamed, f"URL sans nom, impossible à enregistrer : {unnamed}"


@pytest.mark.parametrize("name", COVERED_NAMES)
def test_registry_matches_url(name: str) -> None:
    spec = _spec(name)
    url = URL_BY_NAME[name]
    assert set(spec.kwargs) == set(url.kwargs), (
        f"{name} : arguments de l’URL {sorted(url.kwargs)}, "
        f"le registre sait en fournir {sorted(spec.kwargs)}"
    )
    # When the view declares its roles (`@role_required`), the registry must say the same:
    # a role silently added to a view is a widening of access someone must look at.
    declared = getattr(url.view, "allowed_roles", None)
    if declared is not None:
        assert set(declared) == set(spec.roles), (
            f"{name} : la vue autorise {sorted(declared)}, le registre {sorted(spec.roles)}"
        )


# --- The other académie ---------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("name", COVERED_NAMES)
def test_other_academie_cannot_reach_or_change(name: str, ctx: Ctx) -> None:
    """Signed in as the same role in Bordeaux, acting on Poitiers' objects."""
    spec = _spec(name)
    # Objects of A exist before the attempts, so that a list page leaking them would show them.
    for build in OWNER_DATA:
        build(ctx)
    failures: list[str] = []
    mode = spec.cross_tenant_mode
    for role in sorted(spec.cross_roles or spec.roles):
        role_ctx = replace(ctx, role=Role(role))
        path = _path(name, _resolve(spec, role_ctx))
        actor = ctx.b.members[Role(role).value]
        client = _client_for(actor)
        markers = _markers_of_a(role_ctx)
        for method in ("GET", "POST"):
            data = _post_data(spec, role_ctx) if method == "POST" else None
            # An URL naming an object of A must answer as if it did not exist. Without one, the
            # page may work for Bordeaux but must show nothing of Poitiers.
            allowed = (
                _forbidden_statuses(spec, method, frozenset({404})) if mode == "not_found" else None
            )
            before = take_snapshot()
            _attempt(
                client, Attempt(name, _who(actor), method, path, allowed, markers), data, failures
            )
            _check_unchanged(
                before,
                f"{name} – {method} en tant que {_who(actor)}",
                failures,
                may_create=spec.may_create if mode == "scoped" else frozenset(),
                own_academie_id=ctx.b.academie.pk,
            )
    _report(failures)


# --- Roles not allowed, same académie -------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("name", COVERED_NAMES)
def test_roles_not_allowed_are_refused(name: str, ctx: Ctx) -> None:
    spec = _spec(name)
    refused = [role for role in Role if role not in spec.roles]
    if not refused:
        pytest.skip(f"{name} : tous les rôles y ont accès")
    failures: list[str] = []
    for role in refused:
        role_ctx = replace(ctx, role=role)
        path = _path(name, _resolve(spec, role_ctx))
        actor = ctx.a.members[role.value]
        client = _client_for(actor)
        for method in ("GET", "POST"):
            data = _post_data(spec, role_ctx) if method == "POST" else None
            before = take_snapshot()
            _attempt(
                client,
                Attempt(
                    name,
                    _who(actor),
                    method,
                    path,
                    _forbidden_statuses(spec, method, frozenset({403, 404})),
                    query=_query(spec, role_ctx),
                ),
                data,
                failures,
            )
            _check_unchanged(before, f"{name} – {method} en tant que {_who(actor)}", failures)
    _report(failures)


# --- Objects of the same académie outside the role's scope ----------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("name", COVERED_NAMES)
def test_objects_outside_the_scope_give_404(name: str, ctx: Ctx) -> None:
    spec = _spec(name)
    if spec.out_of_scope is None:
        pytest.skip(f"{name} : pas d’objet hors périmètre déclaré")
    failures: list[str] = []
    for role in sorted(spec.roles):
        role_ctx = replace(ctx, role=Role(role))
        kwargs = spec.out_of_scope(role_ctx)
        if kwargs is None:
            continue
        actor = ctx.a.members[Role(role).value]
        client = _client_for(actor)
        path = _path(name, kwargs)
        for method in ("GET", "POST"):
            data = _post_data(spec, role_ctx) if method == "POST" else None
            before = take_snapshot()
            _attempt(
                client,
                Attempt(
                    name,
                    _who(actor),
                    method,
                    path,
                    _forbidden_statuses(spec, method, frozenset({404})),
                    query=_query(spec, role_ctx),
                ),
                data,
                failures,
            )
            _check_unchanged(before, f"{name} – {method} en tant que {_who(actor)}", failures)
    _report(failures)


# --- Visitors -------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("name", COVERED_NAMES)
def test_visitor_is_sent_to_sign_in(name: str, ctx: Ctx) -> None:
    spec = _spec(name)
    if spec.public:
        pytest.skip(f"{name} : page publique")
    path = _path(name, _resolve(spec, replace(ctx, role=Role.PRINCIPAL)))
    client = _client_for(None)
    login = reverse("account_login")
    failures: list[str] = []
    for method in ("GET", "POST"):
        data = _post_data(spec, ctx) if method == "POST" else None
        before = take_snapshot()
        try:
            response = (
                client.get(path, _query(spec, ctx))
                if method == "GET"
                else client.post(path, data=dict(data or {}))
            )
        except Exception as exc:
            failures.append(f"{name} – {method} {path} (visiteur) : exception {exc!r}")
            continue
        status = response.status_code
        to_login = status == 302 and response["Location"].startswith(login)
        if not (to_login or status in _forbidden_statuses(spec, method, frozenset({403, 404}))):
            failures.append(
                f"{name} – {method} {path} (visiteur) : statut {status} "
                f"{response.get('Location', '')} – « {_excerpt(_body(response))} »"
            )
        _check_unchanged(before, f"{name} – {method} (visiteur)", failures)
    _report(failures)


# --- The allowed roles do get through: the test is not vacuous ------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("name", COVERED_NAMES)
def test_allowed_roles_reach_the_url(name: str, ctx: Ctx) -> None:
    spec = _spec(name)
    login = reverse("account_login")
    failures: list[str] = []
    actors: list[tuple[Role | None, Membership | None]] = [
        (Role(role), ctx.a.members[Role(role).value]) for role in sorted(spec.roles)
    ]
    if spec.public:
        actors.append((None, None))
    for build in OWNER_DATA:
        build(ctx)
    for role, actor in actors:
        role_ctx = replace(ctx, role=role)
        path = _path(name, _resolve(spec, role_ctx))
        client = _client_for(actor)
        method = "GET" if spec.get else "POST"
        try:
            response = (
                client.get(path, _query(spec, role_ctx))
                if spec.get
                else client.post(path, data=dict(_post_data(spec, role_ctx)))
            )
        except Exception as exc:
            failures.append(f"{name} – {method} {path} en tant que {_who(actor)} : {exc!r}")
            continue
        location = response.get("Location", "")
        if response.status_code >= 400 or (actor is not None and location.startswith(login)):
            failures.append(
                f"{name} – {method} {path} en tant que {_who(actor)} : statut "
                f"{response.status_code} {location} – « {_excerpt(_body(response))} »"
            )
    _report(failures)
