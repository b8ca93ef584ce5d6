from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from audit.models import AuditEvent
from establishments.models import EstablishmentCategory as C
from establishments.models import EstablishmentType as T
from establishments.models import SchoolYear
from indemnities.defaults import BORDEAUX_BANDS, POITIERS_BANDS
from indemnities.models import (
    EnvelopeBand,
    EnvelopeOverride,
    ImpRuleSet,
    ReferentLimitPolicy,
)
from indemnities.services.envelopes import envelope_override_set
from indemnities.services.rules import rule_set_lock, rule_set_rows
from tests.conftest import client_acting_as
from tests.factories import make_establishment, platform_of
from tests.indemnities.rules.conftest import establishment_with, make_rules

pytestmark = pytest.mark.django_db

D = Decimal


def rules_url(year=None):
    return "/indemnites/regles/" + (f"?annee={year.start_year}" if year else "")


def edit_url(year):
    return f"/indemnites/regles/{year.start_year}/modifier/"


def copy_url(year):
    return f"/indemnites/regles/{year.start_year}/copier/"


def default_url(year):
    return f"/indemnites/regles/{year.start_year}/par-defaut/"


EDIT_ACTION_PATHS = {"edit": "", "add_row": "ligne/", "preview": "apercu/", "save": "enregistrer/"}


def post_rules(client, year, data, **kwargs):
    """Post the rules form as its button would: each action has its own URL."""
    data = dict(data)
    action = data.pop("action", "save")
    if isinstance(action, list):
        action = action[0]
    return client.post(edit_url(year) + EDIT_ACTION_PATHS[action], data, **kwargs)


def override_url(establishment, year):
    return f"/indemnites/enveloppes/{establishment.pk}/{year.start_year}/ajuster/"


def clear_url(establishment, year):
    return f"/indemnites/enveloppes/{establishment.pk}/{year.start_year}/retablir/"


def form_data(
    bands,
    *,
    action="save",
    base_rate="1250.00",
    multiples=("0.25", "0.5", "1", "2", "3"),
    max_referents="3",
    policy="warning",
    initial=0,
):
    data = {
        "action": action,
        "base_rate": base_rate,
        "multiples": list(multiples),
        "max_referents": max_referents,
        "max_referents_policy": policy,
        "bands-TOTAL_FORMS": str(len(bands)),
        "bands-INITIAL_FORMS": str(initial),
        "bands-MIN_NUM_FORMS": "0",
        "bands-MAX_NUM_FORMS": "1000",
    }
    for i, (category, low, high, units) in enumerate(bands):
        data[f"bands-{i}-category"] = category
        data[f"bands-{i}-min_pupils"] = "" if low is None else str(low)
        data[f"bands-{i}-max_pupils"] = "" if high is None else str(high)
        data[f"bands-{i}-imp_units"] = str(units)
    return data


NEW_POITIERS = [
    (C.COLLEGE, 0, 300, "1"),
    (C.COLLEGE, 301, None, "2"),
    (C.LYCEE, 0, 500, "2"),
    (C.LYCEE, 501, None, "3"),
    (C.EREA, 0, None, "2"),
]


def snapshot():
    return (
        AuditEvent.objects.count(),
        EnvelopeBand.objects.count(),
        sorted(ImpRuleSet.objects.values_list("pk", "base_rate", "max_referents")),
        sorted(EnvelopeOverride.objects.values_list("pk", "amount")),
    )


# --- rules page ----------------------------------------------------------------------------


def test_rules_page_shows_own_rules_and_history(ruled, year):
    poitiers, bordeaux = ruled
    response = client_acting_as(poitiers.dane_admin).get(rules_url())
    assert response.status_code == 200
    body = response.content.decode()
    assert "1\u202f250,00\u00a0€" in body
    assert "de 0 à 200" in body and "201 et plus" in body
    assert "a créé les règles IMP de" in body
    assert "Modifier les règles" in body
    # Bordeaux's table has a band 301–600 that Poitiers does not.
    assert "de 301 à 600" not in body
    other = client_acting_as(bordeaux.dane_admin).get(rules_url()).content.decode()
    assert "de 301 à 600" in other


def test_year_without_rules_offers_copy_and_default(poitiers, year, previous_year):
    client = client_acting_as(poitiers.dane_admin)
    body = client.get(rules_url(year)).content.decode()
    assert "Partir des règles nationales par défaut" in body
    assert "Copier les règles de l’année précédente" not in body
    make_rules(poitiers.academie, previous_year)
    body = client.get(rules_url(year)).content.decode()
    assert "Copier les règles de l’année précédente" in body


def test_rules_page_with_an_unknown_year_falls_back(poitiers, year):
    response = client_acting_as(poitiers.dane_admin).get("/indemnites/regles/?annee=1990")
    assert response.status_code == 200
    assert "n’est pas proposée" in response.content.decode()


def test_next_year_can_be_prepared(poitiers, year):
    next_year = year.start_year + 1
    client = client_acting_as(poitiers.dane_admin)
    page = client.get(f"/indemnites/regles/?annee={next_year}")
    assert page.status_code == 200
    assert "Aucune règle IMP pour" in page.content.decode()
    assert client.get(f"/indemnites/regles/{next_year}/modifier/").status_code == 302
    # Looking is not creating: the next year appears only once its rules are made.
    assert not SchoolYear.objects.filter(start_year=next_year).exists()
    response = client.post(f"/indemnites/regles/{next_year}/par-defaut/", {})
    assert response.status_code == 302
    rule_set = ImpRuleSet.objects.get(school_year__start_year=next_year)
    assert rule_set_rows(rule_set) == sorted(POITIERS_BANDS, key=lambda r: (r[0], r[1]))
    assert client.get(f"/indemnites/regles/{year.start_year + 5}/modifier/").status_code == 404


def test_copy_previous_year_from_the_browser(poitiers, year, previous_year):
    make_rules(poitiers.academie, previous_year, bands=BORDEAUX_BANDS)
    client = client_acting_as(poitiers.dane_admin)
    response = client.post(copy_url(year), {}, follow=True)
    assert "sont créées" in response.content.decode()
    copy = ImpRuleSet.objects.get(academie=poitiers.academie, school_year=year)
    assert rule_set_rows(copy) == sorted(BORDEAUX_BANDS, key=lambda r: (r[0], r[1]))
    created = AuditEvent.objects.get(verb="rules.create", target_id=copy.pk)
    assert created.actor == poitiers.dane_admin.user
    # A second copy is refused with a message and changes nothing.
    before = snapshot()
    response = client.post(copy_url(year), {}, follow=True)
    assert "existent déjà" in response.content.decode()
    assert snapshot() == before


def test_copy_without_previous_year_says_so(poitiers, year):
    response = client_acting_as(poitiers.dane_admin).post(copy_url(year), {}, follow=True)
    assert "Aucune année antérieure" in response.content.decode()
    assert not ImpRuleSet.objects.exists()


def test_copy_is_post_only(poitiers, year):
    assert client_acting_as(poitiers.dane_admin).get(copy_url(year)).status_code == 405


# --- edit, preview, save -------------------------------------------------------------------


def test_edit_form_lists_the_bands(ruled, year):
    poitiers, _ = ruled
    response = client_acting_as(poitiers.dane_admin).get(edit_url(year))
    assert response.status_code == 200
    body = response.content.decode()
    assert body.count('name="bands-') >= 5 * 5
    assert 'value="200"' in body
    assert "Ligne 6" in body  # one blank row to add a band


def test_add_row_adds_a_blank_band(ruled, year):
    poitiers, _ = ruled
    data = form_data(POITIERS_BANDS, action="add_row", initial=5)
    response = post_rules(client_acting_as(poitiers.dane_admin), year, data)
    assert response.status_code == 200
    assert "Ligne 6" in response.content.decode()
    assert 'name="bands-5-category"' in response.content.decode()


def test_preview_lists_changed_envelopes_and_saves_nothing(ruled, year):
    poitiers, _ = ruled
    mid = establishment_with(poitiers.academie, T.COLLEGE, 250, year)
    unchanged = establishment_with(poitiers.academie, T.COLLEGE, 150, year)
    before = snapshot()
    response = post_rules(
        client_acting_as(poitiers.dane_admin), year, form_data(NEW_POITIERS, action="preview")
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert mid.name in body
    assert poitiers.establishment.name in body  # 300 pupils: 2 → 1 IMP
    assert unchanged.name not in body
    assert "-1\u202f250,00\u00a0€" in body
    assert "2 établissements dont l’enveloppe" in body
    assert f"/indemnites/regles/{year.start_year}/modifier/enregistrer/" in body
    assert 'type="hidden"' in body
    assert snapshot() == before


def test_save_records_the_change(ruled, year):
    poitiers, _ = ruled
    client = client_acting_as(poitiers.dane_admin)
    response = post_rules(
        client, year, form_data(NEW_POITIERS, base_rate="1300,00", policy="forbidden")
    )
    assert response.status_code == 302
    rule_set = ImpRuleSet.objects.get(academie=poitiers.academie, school_year=year)
    assert rule_set.base_rate == D("1300.00")
    assert rule_set.max_referents_policy == ReferentLimitPolicy.FORBIDDEN
    assert (C.COLLEGE, 0, 300, D("1")) in rule_set_rows(rule_set)
    change = AuditEvent.objects.filter(verb="rules.update").latest("created_at")
    assert change.actor == poitiers.dane_admin.user
    assert change.actor_role == "dane_admin"
    assert change.target_id == rule_set.pk
    assert "taux de base 1250 € → 1300 €" in change.summary
    assert "tranches ajoutées : Collège 0 à 300 élèves = 1 IMP" in change.summary
    assert "tranches retirées : Collège 0 à 200 élèves = 1 IMP" in change.summary
    page = client.get(response["Location"]).content.decode()
    assert "enregistrées" in page and poitiers.dane_admin.user.full_name in page


def test_save_after_preview_with_the_hidden_data(ruled, year):
    """The confirm button posts back what the preview carried."""
    poitiers, _ = ruled
    client = client_acting_as(poitiers.dane_admin)
    preview = post_rules(client, year, form_data(NEW_POITIERS, action="preview"))
    import re

    fields = re.findall(
        r'<input type="hidden" name="([^"]+)" value="([^"]*)"', preview.content.decode()
    )
    data: dict[str, list[str]] = {}
    for name, value in fields:
        data.setdefault(name, []).append(value)
    data["action"] = ["save"]
    response = post_rules(client, year, data)
    assert response.status_code == 302, response.content.decode()[:3000]
    rule_set = ImpRuleSet.objects.get(academie=poitiers.academie, school_year=year)
    assert (C.COLLEGE, 301, None, D("2")) in rule_set_rows(rule_set)


@pytest.mark.parametrize(
    ("bands", "extra", "message"),
    [
        ([(C.COLLEGE, 0, 200, "1"), (C.COLLEGE, 150, None, "2")], {}, "se chevauchent"),
        ([(C.COLLEGE, 0, 200, "1"), (C.COLLEGE, 250, None, "2")], {}, "trou entre"),
        ([(C.COLLEGE, 0, None, "1")], {"base_rate": "-5"}, "strictement positif"),
        ([(C.COLLEGE, 0, 100, "1"), ("", 101, None, "2")], {}, "Choisissez la catégorie"),
        ([(C.COLLEGE, 0, None, "1")], {"multiples": ()}, "Cochez au moins un multiple"),
        ([(C.COLLEGE, 0, None, "abc")], {}, "Saisissez un nombre d’IMP"),
        ([(C.COLLEGE, 0, None, "-1")], {}, "Ligne 1 – Enveloppe (en IMP) : L’enveloppe en IMP"),
        ([(C.COLLEGE, 0, None, "1")], {"base_rate": "1 250,005"}, "2 chiffres après la virgule"),
        ([(C.COLLEGE, None, None, "1")], {}, "Indiquez le nombre d’élèves"),
    ],
)
@pytest.mark.parametrize("action", ["preview", "save"])
def test_invalid_rules_are_refused_with_a_french_message(
    ruled, year, bands, extra, message, action
):
    poitiers, _ = ruled
    before = snapshot()
    response = post_rules(
        client_acting_as(poitiers.dane_admin), year, form_data(bands, action=action, **extra)
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert message in body
    assert 'role="alert"' in body
    assert snapshot() == before


def test_locked_year_is_read_only(ruled, year):
    poitiers, _ = ruled
    rule_set = ImpRuleSet.objects.get(academie=poitiers.academie, school_year=year)
    rule_set_lock(rule_set=rule_set, actor=platform_of(rule_set))
    client = client_acting_as(poitiers.dane_admin)
    page = client.get(edit_url(year))
    assert page.status_code == 200
    assert "lecture seule" in page.content.decode()
    assert "<form" not in page.content.decode().split('id="contenu"')[1]
    before = snapshot()
    response = post_rules(client, year, form_data(NEW_POITIERS))
    assert response.status_code == 409
    assert "figées" in response.content.decode()
    assert snapshot() == before
    assert "Modifier les règles" not in client.get(rules_url()).content.decode()


def test_edit_without_rules_redirects_to_the_rules_page(poitiers, year):
    response = client_acting_as(poitiers.dane_admin).get(edit_url(year))
    assert response.status_code == 302
    assert response["Location"] == rules_url(year)


# --- envelopes -----------------------------------------------------------------------------


def test_envelope_list_flags_and_overrides(ruled, year):
    poitiers, bordeaux = ruled
    missing = establishment_with(poitiers.academie, T.COLLEGE, None, year)
    adjusted = establishment_with(poitiers.academie, T.LGT, 300, year)
    envelope_override_set(
        establishment=adjusted,
        school_year=year,
        amount=D("3125.00"),
        justification="Lycée avec deux sections de BTS.",
        actor=platform_of(adjusted),
    )
    response = client_acting_as(poitiers.dane_admin).get("/indemnites/enveloppes/")
    assert response.status_code == 200
    body = response.content.decode()
    assert missing.name in body and "Effectif manquant" in body and "Non calculable" in body
    assert "3\u202f125,00\u00a0€" in body and "Lycée avec deux sections de BTS." in body
    assert "Ajustée" in body
    assert "2\u202f500,00\u00a0€" in body  # the world's collège of 300 pupils
    assert bordeaux.establishment.name not in body
    assert "Ajuster" in body


def test_coordinator_sees_only_their_departements(ruled, year):
    poitiers, bordeaux = ruled
    response = client_acting_as(poitiers.coordinator).get("/indemnites/enveloppes/")
    assert response.status_code == 200
    body = response.content.decode()
    assert poitiers.establishment.name in body
    assert poitiers.other_establishment.name not in body  # another département
    assert bordeaux.establishment.name not in body
    assert "Ajuster" not in body
    # A département outside their scope is not accepted as a filter (once they have a choice
    # of establishments, and so filters).
    make_establishment(
        academie=poitiers.academie,
        departement=poitiers.establishment.departement,
        name="Collège Voisin (Poitiers)",
    )
    outside = poitiers.other_establishment.departement_id
    response = client_acting_as(poitiers.coordinator).get(
        f"/indemnites/enveloppes/?departement={outside}"
    )
    assert "ne sont pas valides" in response.content.decode()
    assert poitiers.other_establishment.name not in response.content.decode()


def test_envelope_filters(ruled, year):
    poitiers, _ = ruled
    client = client_acting_as(poitiers.dane_admin)
    unfiltered = client.get("/indemnites/enveloppes/").content.decode()
    assert f'<option value="{year.start_year}" selected>' in unfiltered
    body = client.get(f"/indemnites/enveloppes/?type=lgt&annee={year.start_year}").content.decode()
    assert poitiers.other_establishment.name in body
    assert poitiers.establishment.name not in body


def test_envelope_list_query_count_is_constant(ruled, year):
    poitiers, _ = ruled
    client = client_acting_as(poitiers.dane_admin)

    def count_queries() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get("/indemnites/enveloppes/").status_code == 200
        return len(queries)

    for i in range(3):
        establishment_with(poitiers.academie, T.COLLEGE, 100 + i, year)
    few = count_queries()  # 5 establishments
    for i in range(25):
        establishment = establishment_with(
            poitiers.academie, T.LPO if i % 2 else T.COLLEGE, None if i % 5 == 0 else 400 + i, year
        )
        if i % 7 == 0:
            envelope_override_set(
                establishment=establishment,
                school_year=year,
                amount=D("625.00"),
                justification="Ajustement de test suffisant.",
                actor=platform_of(establishment),
            )
    many = count_queries()  # 30 establishments
    assert few == many
    assert many <= 15


# --- override ------------------------------------------------------------------------------


def test_override_from_the_browser(ruled, year):
    poitiers, _ = ruled
    client = client_acting_as(poitiers.dane_admin)
    url = override_url(poitiers.establishment, year)
    assert client.get(url).status_code == 200
    response = client.post(
        url, {"amount": "1000,00", "justification": "Fusion de deux collèges à la rentrée."}
    )
    assert response.status_code == 302
    override = EnvelopeOverride.objects.get()
    assert override.amount == D("1000.00")
    assert override.created_by == poitiers.dane_admin.user
    page = client.get(response["Location"]).content.decode()
    assert "n’est pas un multiple du quart de taux" in page
    assert "Fusion de deux collèges à la rentrée." in page
    response = client.post(clear_url(poitiers.establishment, year), {})
    assert response.status_code == 302
    assert not EnvelopeOverride.objects.exists()


def test_override_needs_a_justification(ruled, year):
    poitiers, _ = ruled
    before = snapshot()
    response = client_acting_as(poitiers.dane_admin).post(
        override_url(poitiers.establishment, year), {"amount": "1250", "justification": "trop"}
    )
    assert response.status_code == 400
    assert 'role="alert"' in response.content.decode()
    assert snapshot() == before


def test_clear_without_override_is_a_clear_error(ruled, year):
    poitiers, _ = ruled
    response = client_acting_as(poitiers.dane_admin).post(
        clear_url(poitiers.establishment, year), {}
    )
    assert response.status_code == 400
    assert "n’est pas ajustée" in response.content.decode()


# --- isolation and roles -------------------------------------------------------------------


def test_other_academie_gets_404_on_establishment_urls(ruled, year):
    poitiers, bordeaux = ruled
    envelope_override_set(
        establishment=bordeaux.establishment,
        school_year=year,
        amount=D("1250.00"),
        justification="Ajustement bordelais existant.",
        actor=platform_of(bordeaux.establishment),
    )
    client = client_acting_as(poitiers.dane_admin)
    before = snapshot()
    url = override_url(bordeaux.establishment, year)
    assert client.get(url).status_code == 404
    assert (
        client.post(url, {"amount": "0", "justification": "Tentative hors académie."}).status_code
        == 404
    )
    assert client.post(clear_url(bordeaux.establishment, year), {}).status_code == 404
    assert snapshot() == before
    # An unknown year too.
    own = poitiers.establishment
    assert client.get(f"/indemnites/enveloppes/{own.pk}/1990/ajuster/").status_code == 404
    next_year = year.start_year + 1
    assert client.get(f"/indemnites/enveloppes/{own.pk}/{next_year}/ajuster/").status_code == 404
    # A missing establishment gets the same answer.
    assert (
        client.get(f"/indemnites/enveloppes/999999/{year.start_year}/ajuster/").status_code == 404
    )
    # A coordinator outside the établissement's département too.
    coordinator = client_acting_as(poitiers.coordinator)
    assert coordinator.get(override_url(poitiers.other_establishment, year)).status_code == 403


def test_year_urls_only_reach_own_rules(ruled, year):
    poitiers, bordeaux = ruled
    client = client_acting_as(bordeaux.dane_admin)
    before = snapshot()
    body = client.get(edit_url(year)).content.decode()
    assert 'value="301"' in body  # Bordeaux's bands, never Poitiers'
    post_rules(client, year, form_data(NEW_POITIERS))
    poitiers_rules = ImpRuleSet.objects.get(academie=poitiers.academie, school_year=year)
    assert rule_set_rows(poitiers_rules) == sorted(POITIERS_BANDS, key=lambda r: (r[0], r[1]))
    assert snapshot() != before  # Bordeaux's own rules changed…
    bordeaux_rules = ImpRuleSet.objects.get(academie=bordeaux.academie, school_year=year)
    assert (C.COLLEGE, 0, 300, D("1")) in rule_set_rows(bordeaux_rules)


@pytest.mark.parametrize("role", ["dane_coordinator", "principal", "deputy", "rupn"])
def test_rules_pages_are_for_dane_admins(ruled, year, role):
    poitiers, _ = ruled
    client = client_acting_as(poitiers.members[role])
    before = snapshot()
    assert client.get(rules_url()).status_code == 403
    assert client.get(edit_url(year)).status_code == 403
    assert post_rules(client, year, form_data(NEW_POITIERS)).status_code == 403
    assert client.post(default_url(year), {}).status_code == 403
    assert client.get(override_url(poitiers.establishment, year)).status_code == 403
    assert (
        client.post(
            override_url(poitiers.establishment, year),
            {"amount": "0", "justification": "Tentative sans le droit."},
        ).status_code
        == 403
    )
    assert snapshot() == before


@pytest.mark.parametrize("role", ["principal", "deputy", "rupn"])
def test_envelope_list_is_for_the_dane(ruled, role):
    poitiers, _ = ruled
    assert (
        client_acting_as(poitiers.members[role]).get("/indemnites/enveloppes/").status_code == 403
    )


def test_visitors_are_sent_to_login(ruled, year):
    from django.test import Client

    for url in (rules_url(), edit_url(year), "/indemnites/enveloppes/"):
        response = Client().get(url)
        assert response.status_code == 302 and "/comptes/login/" in response["Location"]
