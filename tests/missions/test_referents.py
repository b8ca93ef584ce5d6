"""The direction's referents: designation, invitation, removal and last year's renewal."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core import mail
from django.core.exceptions import ValidationError

from accounts.models import Membership, Role, User
from accounts.scopes import scope_for
from audit.models import AuditEvent
from establishments.models import SchoolYear
from indemnities.models import Allocation, ImpRuleSet, ReferentLimitPolicy
from indemnities.services.allocations import allocation_set
from missions.content import LetterContent
from missions.models import Letter, LetterStatus
from missions.services_referents import (
    is_academic_email,
    letters_renew,
    referent_designate,
    referent_invite,
    referent_remove,
)
from tests.factories import make_user
from tests.missions.letters import advance, draft_letter, give_rules, publish_template
from tests.missions.referents import last_year_world, old_letter, set_pupils

pytestmark = pytest.mark.django_db


def _invite(world, email="claire.dupont@ac-poitiers.fr", **extra):
    return referent_invite(
        establishment=world.establishment,
        school_year=SchoolYear.objects.current(),
        email=email,
        civility=extra.get("civility", "mme"),
        first_name=extra.get("first_name", "Claire"),
        last_name=extra.get("last_name", "Dupont"),
        discipline="Technologie",
        actor=scope_for(world.principal),
        base_url="https://rupn.example",
    )


def test_designate_makes_the_membership_and_the_draft(poitiers):
    publish_template(poitiers)
    user = make_user("nadia.benali@ac-poitiers.fr", first_name="Nadia", last_name="Benali")
    designation = referent_designate(
        establishment=poitiers.establishment,
        school_year=SchoolYear.objects.current(),
        user=user,
        actor=scope_for(poitiers.principal),
    )
    membership = designation.membership
    assert membership.role == Role.RUPN
    assert list(membership.establishments.all()) == [poitiers.establishment]
    assert designation.letter is not None and designation.letter.status == LetterStatus.DRAFT
    assert designation.letter.referent == membership
    assert designation.warnings == []
    assert AuditEvent.objects.filter(verb="referent.designate").exists()


def test_designate_without_published_template_makes_no_letter(poitiers):
    user = make_user("nadia.benali@ac-poitiers.fr")
    designation = referent_designate(
        establishment=poitiers.establishment,
        school_year=SchoolYear.objects.current(),
        user=user,
        actor=scope_for(poitiers.deputy),
    )
    assert designation.letter is None
    assert not Letter.objects.exists()


def test_designating_twice_is_refused(poitiers):
    with pytest.raises(ValidationError, match="déjà référent"):
        referent_designate(
            establishment=poitiers.establishment,
            school_year=SchoolYear.objects.current(),
            user=poitiers.rupn.user,
            actor=scope_for(poitiers.principal),
        )
    assert Membership.objects.filter(user=poitiers.rupn.user).count() == 1


def test_another_establishment_or_role_may_not_designate(poitiers, bordeaux):
    user = make_user("nadia.benali@ac-poitiers.fr")
    for actor in (
        scope_for(bordeaux.principal),
        scope_for(poitiers.rupn),
        scope_for(poitiers.dane_admin),
    ):
        with pytest.raises(ValidationError):
            referent_designate(
                establishment=poitiers.establishment,
                school_year=SchoolYear.objects.current(),
                user=user,
                actor=actor,
            )
    with pytest.raises(ValidationError):
        referent_designate(
            establishment=poitiers.other_establishment,
            school_year=SchoolYear.objects.current(),
            user=user,
            actor=scope_for(poitiers.principal),
        )
    assert not Membership.objects.filter(user=user).exists()


@pytest.mark.parametrize("policy", [ReferentLimitPolicy.WARNING, ReferentLimitPolicy.FORBIDDEN])
def test_beyond_the_maximum_of_referents(poitiers, policy):
    rules = give_rules(poitiers)
    ImpRuleSet.objects.filter(pk=rules.pk).update(max_referents=2, max_referents_policy=policy)
    year = SchoolYear.objects.current()
    principal = scope_for(poitiers.principal)
    second = referent_designate(
        establishment=poitiers.establishment,
        school_year=year,
        user=make_user("b@ac-poitiers.fr"),
        actor=principal,
    )
    assert second.warnings == []
    third_user = make_user("c@ac-poitiers.fr")
    if policy == ReferentLimitPolicy.FORBIDDEN:
        with pytest.raises(ValidationError, match="au-delà du maximum de 2 fixé"):
            referent_designate(
                establishment=poitiers.establishment,
                school_year=year,
                user=third_user,
                actor=principal,
            )
        assert not Membership.objects.filter(user=third_user).exists()
    else:
        third = referent_designate(
            establishment=poitiers.establishment, school_year=year, user=third_user, actor=principal
        )
        assert third.warnings and "3 référents" in third.warnings[0]


def test_invite_creates_the_teacher_and_emails_a_password_link(
    poitiers, django_capture_on_commit_callbacks
):
    publish_template(poitiers)
    with django_capture_on_commit_callbacks(execute=True):
        designation = _invite(poitiers, email="Claire.Dupont@ac-poitiers.fr")
    user = User.objects.get(email="claire.dupont@ac-poitiers.fr")
    assert (user.civility, user.first_name, user.last_name, user.discipline) == (
        "mme",
        "Claire",
        "Dupont",
        "Technologie",
    )
    assert not user.has_usable_password()
    from allauth.account.models import EmailAddress

    assert EmailAddress.objects.get(user=user).verified
    assert designation.letter is not None
    [message] = mail.outbox
    assert message.to == ["claire.dupont@ac-poitiers.fr"]
    assert "Choisissez votre mot de passe" in message.body
    assert "https://rupn.example/" in message.body and "/password/reset/key/" in message.body
    alternatives = getattr(message, "alternatives", [])
    assert alternatives and "Choisir mon mot de passe" in alternatives[0][0]


def test_invite_reuses_a_known_person(poitiers, django_capture_on_commit_callbacks):
    known = make_user("camille.roux@ac-poitiers.fr", first_name="Camille", last_name="Roux")
    with django_capture_on_commit_callbacks(execute=True):
        designation = _invite(poitiers, email="camille.roux@ac-poitiers.fr", first_name="X")
    assert designation.membership.user == known
    assert User.objects.filter(email="camille.roux@ac-poitiers.fr").count() == 1
    known.refresh_from_db()
    assert known.first_name == "Camille"
    assert "Connectez-vous" in mail.outbox[0].body


@pytest.mark.parametrize(
    "email",
    ["claire@gmail.com", "claire@ac-poitiers.com", "claire@education.gouv.fr", "pas-une-adresse"],
)
def test_invite_refuses_a_non_academic_address(poitiers, email):
    with pytest.raises(ValidationError, match="n’est pas une adresse académique"):
        _invite(poitiers, email=email)
    assert not User.objects.filter(email=email).exists()


def test_academic_addresses():
    assert is_academic_email("a.b@ac-aix-marseille.fr")
    assert is_academic_email("a@ac-reunion.fr")
    assert not is_academic_email("a@ac-.fr")


def test_remove_deletes_the_unsent_draft_and_frees_the_amount(poitiers):
    publish_template(poitiers)
    letter = draft_letter(poitiers)
    referent_remove(membership=poitiers.rupn, actor=scope_for(poitiers.principal))
    assert not Letter.objects.filter(pk=letter.pk).exists()
    poitiers.rupn.refresh_from_db()
    assert poitiers.rupn.revoked_at is not None
    assert not Allocation.objects.current().filter(referent=poitiers.rupn).exists()


def test_remove_is_refused_once_sent(poitiers):
    publish_template(poitiers)
    letter = advance(draft_letter(poitiers), poitiers, until=LetterStatus.SENT)
    with pytest.raises(ValidationError, match="retirez-la d’abord"):
        referent_remove(membership=poitiers.rupn, actor=scope_for(poitiers.principal))
    poitiers.rupn.refresh_from_db()
    assert poitiers.rupn.revoked_at is None
    assert Letter.objects.filter(pk=letter.pk).exists()


def test_remove_by_another_establishment_is_refused(poitiers, bordeaux):
    with pytest.raises(ValidationError):
        referent_remove(membership=poitiers.rupn, actor=scope_for(bordeaux.principal))
    poitiers.rupn.refresh_from_db()
    assert poitiers.rupn.revoked_at is None


def _last_year(poitiers):
    """Two referents last year (1 250 € each), the first with a task gone from the template."""
    from tests.indemnities.allocations.conftest import add_referent

    year = last_year_world(poitiers)
    first = add_referent(
        poitiers.establishment,
        "anne@ac-poitiers.fr",
        first_name="Anne",
        last_name="Aubry",
        school_year=year,
    )
    second = add_referent(
        poitiers.establishment,
        "bruno@ac-poitiers.fr",
        first_name="Bruno",
        last_name="Bardin",
        school_year=year,
    )
    old_letter(poitiers, first, year, extra="anime le club robotique")
    old_letter(poitiers, second, year)
    allocation_set(
        establishment=poitiers.establishment,
        school_year=year,
        amounts={first: Decimal("1250.00"), second: Decimal("1250.00")},
        actor=scope_for(poitiers.principal),
    )
    publish_template(poitiers)
    give_rules(poitiers)
    return first, second


def test_renew_last_years_letters(poitiers):
    first, second = _last_year(poitiers)
    year = SchoolYear.objects.current()
    result = letters_renew(
        establishment=poitiers.establishment, school_year=year, actor=scope_for(poitiers.principal)
    )
    assert sorted(letter.referent.user.email for letter in result.created) == [
        "anne@ac-poitiers.fr",
        "bruno@ac-poitiers.fr",
    ]
    assert result.lost_tasks == {"Anne Aubry": ["anime le club robotique"]}
    assert result.amount_problems == []
    renewed = Letter.objects.get(school_year=year, referent__user=first.user)
    content = LetterContent.of(renewed.content)
    assert "accompagner-enseignants" in content.keys()
    assert "tache-disparue" not in content.keys()
    assert content.texts == {3: "Le site web du collège."}
    amounts = {
        a.referent.user.email: a.amount
        for a in Allocation.objects.current().filter(school_year=year)
    }
    assert amounts == {
        "anne@ac-poitiers.fr": Decimal("1250.00"),
        "bruno@ac-poitiers.fr": Decimal("1250.00"),
    }
    # Done twice: everyone is already designated.
    again = letters_renew(
        establishment=poitiers.establishment, school_year=year, actor=scope_for(poitiers.principal)
    )
    assert again.created == [] and again.skipped == ["Anne Aubry", "Bruno Bardin"]


def test_renew_keeps_the_drafts_when_the_envelope_shrank(poitiers):
    _last_year(poitiers)
    year = SchoolYear.objects.current()
    set_pupils(poitiers.establishment, year, 150)  # 1 IMP this year: 1 250 €
    result = letters_renew(
        establishment=poitiers.establishment, school_year=year, actor=scope_for(poitiers.principal)
    )
    assert len(result.created) == 2
    assert any("dépasse l’enveloppe" in p for p in result.amount_problems)
    assert not Allocation.objects.current().filter(school_year=year, amount__gt=0).exists()


def test_renew_skips_who_is_already_designated(poitiers):
    first, _ = _last_year(poitiers)
    year = SchoolYear.objects.current()
    referent_designate(
        establishment=poitiers.establishment,
        school_year=year,
        user=first.user,
        actor=scope_for(poitiers.principal),
    )
    result = letters_renew(
        establishment=poitiers.establishment, school_year=year, actor=scope_for(poitiers.principal)
    )
    assert result.skipped == ["Anne Aubry"]
    assert [letter.referent.user.email for letter in result.created] == ["bruno@ac-poitiers.fr"]


def test_renew_without_last_year_is_refused(poitiers):
    publish_template(poitiers)
    with pytest.raises(ValidationError, match="pas de lettre de mission l’an dernier"):
        letters_renew(
            establishment=poitiers.establishment,
            school_year=SchoolYear.objects.current(),
            actor=scope_for(poitiers.principal),
        )
