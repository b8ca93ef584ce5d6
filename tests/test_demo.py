"""The demonstration data loaded by `manage.py load_demo` (and `python3 dev.py run`)."""

from __future__ import annotations

import importlib.util
from io import StringIO

import pytest
from allauth.account.models import EmailAddress
from django.apps import apps
from django.core.management import call_command
from django.test import Client

from accounts.demo import ACADEMIES, DEMO_PASSWORD, DEMO_SUPERUSER_EMAIL, demo_build, demo_emails
from accounts.models import Membership, Role, User
from establishments.models import (
    Academie,
    Establishment,
    EstablishmentType,
    PupilCount,
    SchoolYear,
    Sector,
)
from establishments.uai import departement_of_uai, uai_problem


@pytest.mark.django_db
def test_demo_has_two_academies_of_twenty_odd_establishments_of_every_kind() -> None:
    demo_build()
    assert set(Academie.objects.values_list("code", flat=True)) == {"13", "04"}
    for academie in Academie.objects.all():
        assert academie.mfa_required_for_dane is False
        establishments = Establishment.objects.filter(academie=academie)
        assert 20 <= establishments.count() <= 25
        assert set(establishments.values_list("type", flat=True)) == set(EstablishmentType.values)
        assert set(establishments.values_list("sector", flat=True)) == set(Sector.values)
        codes = set(academie.departements.values_list("code", flat=True))
        assert set(establishments.values_list("departement__code", flat=True)) == codes
    assert Establishment.objects.filter(academie__code="04", bassin="Réseau ECLORE").exists()


@pytest.mark.django_db
def test_demo_uais_are_valid_and_in_their_departement() -> None:
    demo_build()
    for establishment in Establishment.objects.select_related("departement"):
        assert uai_problem(establishment.uai) is None, establishment.uai
        assert departement_of_uai(establishment.uai) == establishment.departement.code
        establishment.full_clean()


@pytest.mark.django_db
def test_demo_pupil_counts_straddle_the_thresholds_and_some_are_missing() -> None:
    demo_build()
    current = SchoolYear.objects.current()
    previous = SchoolYear.objects.get(start_year=current.start_year - 1)
    for academie in Academie.objects.all():
        counts = PupilCount.objects.filter(academie=academie, school_year=current)
        colleges = set(
            counts.filter(establishment__type=EstablishmentType.COLLEGE).values_list(
                "pupils", flat=True
            )
        )
        lycees = set(
            counts.exclude(
                establishment__type__in=[EstablishmentType.COLLEGE, EstablishmentType.EREA]
            ).values_list("pupils", flat=True)
        )
        assert {n for n in colleges if n <= 200} and {n for n in colleges if n > 200}
        assert {n for n in lycees if n <= 500} and {n for n in lycees if n > 500}
        without_count = Establishment.objects.filter(academie=academie).exclude(
            pupil_counts__school_year=current
        )
        assert 1 <= without_count.count() <= 2
        assert PupilCount.objects.filter(academie=academie, school_year=previous).count() >= 20


@pytest.mark.django_db
def test_every_role_in_both_academies_with_the_interesting_cases() -> None:
    demo_build()
    for academie in Academie.objects.all():
        memberships = Membership.objects.active().filter(academie=academie)
        assert set(memberships.values_list("role", flat=True)) == set(Role.values)
        principals = memberships.filter(role=Role.PRINCIPAL)
        assert any(m.establishments.count() == 2 for m in principals)
        rupn = memberships.filter(role=Role.RUPN)
        assert all(m.school_year == SchoolYear.objects.current() for m in rupn)
        per_school = [m.establishments.get().pk for m in rupn]
        assert len(per_school) > len(set(per_school)), "deux RUPN dans un même établissement"
        both = set(principals.values_list("user", flat=True)) & set(
            rupn.values_list("user", flat=True)
        )
        assert len(both) == 1, "un chef d’établissement également RUPN ailleurs"
        coordinator = memberships.get(role=Role.DANE_COORDINATOR)
        assert 1 <= coordinator.departements.count() <= 2
    assert User.objects.get(email=DEMO_SUPERUSER_EMAIL).is_superuser


@pytest.mark.django_db
def test_every_demo_account_is_verified_and_can_sign_in() -> None:
    demo_build()
    emails = demo_emails()
    assert len(emails) == 1 + sum(len(spec.accounts) for spec in ACADEMIES)
    for email in emails:
        assert EmailAddress.objects.filter(email=email, verified=True, primary=True).exists()
        client = Client()
        assert client.login(email=email, password=DEMO_PASSWORD), email
        assert client.get("/").status_code == 200, email


@pytest.mark.django_db
def test_building_twice_adds_nothing() -> None:
    first = demo_build()
    assert first.created_anything
    counts = (User.objects.count(), Membership.objects.count(), Establishment.objects.count())
    second = demo_build()
    assert not second.created_anything
    assert counts == (
        User.objects.count(),
        Membership.objects.count(),
        Establishment.objects.count(),
    )
    assert len(second.accounts) == len(first.accounts)


@pytest.mark.django_db
def test_command_prints_the_accounts_and_respects_if_empty() -> None:
    out = StringIO()
    call_command("load_demo", "--if-empty", stdout=out)
    text = out.getvalue()
    assert "Démonstration chargée" in text
    assert DEMO_PASSWORD in text
    assert "dane@poitiers.rupn-demo.example" in text
    assert "Administrateur DANE" in text

    users = User.objects.count()
    out = StringIO()
    call_command("load_demo", "--if-empty", stdout=out)
    assert "rien n’a été créé" in out.getvalue()
    assert "dane@bordeaux.rupn-demo.example" in out.getvalue()
    call_command("load_demo", stdout=StringIO())  # without --if-empty: completes, no crash
    assert User.objects.count() == users


@pytest.mark.django_db
def test_command_runs_the_other_apps_demo_hooks() -> None:
    out = StringIO()
    call_command("load_demo", stdout=out)
    if importlib.util.find_spec("indemnities.demo_rules") is None:
        pytest.skip("pas de règles d’IMP de démonstration dans cette version")
    assert "load_demo_rules" in out.getvalue()
    rule_sets = apps.get_model("indemnities", "ImpRuleSet").objects
    for academie in Academie.objects.all():
        assert rule_sets.filter(academie=academie).exists()


@pytest.mark.django_db
def test_if_empty_leaves_a_real_database_alone(worlds) -> None:
    out = StringIO()
    call_command("load_demo", "--if-empty", stdout=out)
    assert "aucun compte de démonstration" in out.getvalue()
    assert Academie.objects.count() == 2
    assert not User.objects.filter(email__in=demo_emails()).exists()
