"""The direction's letters pages: the establishment's letters, designations, the editor and
its autosave; refusals for everyone else; query counts."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import Membership, User
from accounts.scopes import scope_for
from establishments.models import SchoolYear
from indemnities.models import Allocation
from indemnities.services.allocations import allocation_set
from missions.content import LetterContent
from missions.models import Letter, LetterStatus
from missions.services_letters import letter_create, letter_update
from tests.conftest import client_acting_as
from tests.factories import make_user
from tests.indemnities.allocations.conftest import add_referent
from tests.missions.letters import THIRD_TEXT, draft_letter, give_rules, publish_template
from tests.missions.referents import big_template

pytestmark = pytest.mark.django_db


def _page_url(world):
    return reverse(
        "missions:establishment_letters",
        kwargs={
            "establishment_pk": world.establishment.pk,
            "start_year": SchoolYear.objects.current().start_year,
        },
    )


def _year_url(name, world):
    return reverse(
        f"missions:{name}",
        kwargs={
            "establishment_pk": world.establishment.pk,
            "start_year": SchoolYear.objects.current().start_year,
        },
    )


def _form(letter, **changes):
    """The editor's POST for `letter` as stored, with `changes`."""
    content = LetterContent.of(letter.content)
    data = {
        "revision": str(letter.revision),
        "taches": [t.key for t in content.tasks if not t.own],
        "texte_3": content.texts.get(3, ""),
        "action": "enregistrer",
    }
    data.update(changes)
    return data


@pytest.fixture
def ready(poitiers, bordeaux):
    publish_template(poitiers)
    give_rules(poitiers)
    return poitiers


def test_the_page_lists_referents_and_who_does_what(ready):
    letter = draft_letter(ready)
    response = client_acting_as(ready.principal).get(_page_url(ready))
    assert response.status_code == 200
    html = response.content.decode()
    assert ready.rupn.user.formal_name in html
    assert "Brouillon" in html
    assert reverse("missions:letter_edit", args=[letter.pk]) in html
    assert "Qui fait quoi" in html and "<caption>Répartition des tâches" in html
    assert 'scope="col"' in html and 'scope="row"' in html
    assert "Reste à attribuer" in html
    assert "n’est pas encore publiée" not in html


def test_the_page_says_when_the_template_is_not_published(poitiers):
    response = client_acting_as(poitiers.deputy).get(_page_url(poitiers))
    assert response.status_code == 200
    assert "n’est pas encore publiée" in response.content.decode()


def test_designating_a_known_person(ready):
    known = add_referent(
        ready.establishment,
        "ancien@ac-poitiers.fr",
        school_year=SchoolYear.objects.get_or_create(
            start_year=SchoolYear.objects.current().start_year - 1
        )[0],
    ).user
    client = client_acting_as(ready.principal)
    page = client.get(_page_url(ready)).content.decode()
    assert f'value="{known.pk}"' in page
    response = client.post(_year_url("referent_designate", ready), {"personne": known.pk})
    assert response.status_code == 302
    membership = Membership.objects.get(user=known, school_year=SchoolYear.objects.current())
    assert Letter.objects.filter(referent=membership, status=LetterStatus.DRAFT).exists()


def test_inviting_refuses_a_personal_address(ready):
    client = client_acting_as(ready.principal)
    response = client.post(
        _year_url("referent_invite", ready),
        {
            "civilite": "m",
            "nom": "Durand",
            "prenom": "Paul",
            "discipline": "SVT",
            "adresse": "paul.durand@gmail.com",
        },
    )
    assert response.status_code == 400
    assert "n’est pas une adresse académique" in response.content.decode()
    assert not User.objects.filter(email="paul.durand@gmail.com").exists()


def test_inviting_a_teacher(ready, mailoutbox):
    client = client_acting_as(ready.principal)
    response = client.post(
        _year_url("referent_invite", ready),
        {
            "civilite": "m",
            "nom": "Durand",
            "prenom": "Paul",
            "discipline": "SVT",
            "adresse": "paul.durand@ac-poitiers.fr",
        },
    )
    assert response.status_code == 302
    assert User.objects.get(email="paul.durand@ac-poitiers.fr").discipline == "SVT"


def test_removing_a_designation(ready):
    letter = draft_letter(ready)
    response = client_acting_as(ready.principal).post(
        _year_url("referent_remove", ready), {"referent": ready.rupn.pk}
    )
    assert response.status_code == 302
    assert not Letter.objects.filter(pk=letter.pk).exists()


def test_saving_the_letter_with_its_amount(ready):
    letter = draft_letter(ready, amount=None)
    client = client_acting_as(ready.principal)
    url = reverse("missions:letter_edit", args=[letter.pk])
    page = client.get(url)
    assert page.status_code == 200
    assert "letter-autosave.js" in page.content.decode()
    data = _form(
        letter,
        montant="1 250,00",
        stage="1",
        propre_1_nouvelle="",
        texte_3="Le référent anime le club numérique.",
    )
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    letter.refresh_from_db()
    content = LetterContent.of(letter.content)
    assert content.training is True
    assert content.texts[3] == "Le référent anime le club numérique."
    assert Allocation.objects.current().get(referent=ready.rupn).amount == Decimal("1250.00")


def test_examples_fill_the_free_text_without_saving(ready):
    letter = draft_letter(ready)
    client = client_acting_as(ready.principal)
    before = letter.revision
    response = client.post(
        reverse("missions:letter_edit", args=[letter.pk]),
        _form(letter, exemples="3", texte_3=""),
    )
    assert response.status_code == 200
    assert "Quelques exemples" in response.content.decode().split('id="texte-3"')[1][:600]
    letter.refresh_from_db()
    assert letter.revision == before


def test_a_stale_revision_is_refused_and_changes_nothing(ready):
    letter = draft_letter(ready)
    stale = _form(letter, texte_3="Ma version.", montant="625,00")
    letter_update(
        letter=letter,
        content=LetterContent.of(letter.content).__class__(
            tasks=LetterContent.of(letter.content).tasks, texts={3: "Sa version."}
        ),
        revision=letter.revision,
        actor=scope_for(ready.deputy),
    )
    response = client_acting_as(ready.principal).post(
        reverse("missions:letter_edit", args=[letter.pk]), stale
    )
    assert response.status_code == 409
    assert "après que vous l’avez ouverte" in response.content.decode()
    letter.refresh_from_db()
    assert LetterContent.of(letter.content).texts[3] == "Sa version."
    assert Allocation.objects.current().get(referent=ready.rupn).amount == Decimal("1250.00")


def test_an_amount_beyond_the_envelope_is_refused_as_on_the_allocation_page(ready):
    second = add_referent(ready.establishment, "second@ac-poitiers.fr", last_name="Benali")
    allocation_set(
        establishment=ready.establishment,
        school_year=SchoolYear.objects.current(),
        amounts={second: Decimal("1250.00")},
        actor=scope_for(ready.principal),
    )
    letter = draft_letter(ready, amount=None)
    before = dict(letter.content)
    client = client_acting_as(ready.principal)
    response = client.post(
        reverse("missions:letter_edit", args=[letter.pk]),
        _form(letter, montant="2500,00", texte_3="Autre texte."),
    )
    assert response.status_code == 400
    html = response.content.decode()
    # The allocation page's own message for the same total.
    allocation_page = client.post(
        reverse(
            "indemnities:allocation_edit",
            kwargs={
                "establishment_pk": ready.establishment.pk,
                "start_year": SchoolYear.objects.current().start_year,
            },
        ),
        {f"montant_{ready.rupn.pk}": "2500.00", f"montant_{second.pk}": "1250.00"},
    ).content.decode()
    message = "dépasse l’enveloppe de l’établissement"
    assert message in html and message in allocation_page
    assert 'role="alert"' in html
    letter.refresh_from_db()
    assert letter.content == before
    assert not Allocation.objects.current().filter(referent=ready.rupn).exists()


def test_send_from_the_editor(ready, mailoutbox):
    letter = draft_letter(ready)
    response = client_acting_as(ready.principal).post(
        reverse("missions:letter_edit", args=[letter.pk]),
        _form(letter, montant="1250,00", action="envoyer"),
    )
    assert response.status_code == 302
    letter.refresh_from_db()
    assert letter.status == LetterStatus.SENT


def test_send_with_missing_items_keeps_the_draft(ready):
    letter = draft_letter(ready)
    response = client_acting_as(ready.principal).post(
        reverse("missions:letter_edit", args=[letter.pk]),
        _form(letter, montant="1250,00", action="envoyer", texte_3=""),
    )
    assert response.status_code == 400
    assert "Rédigez la section" in response.content.decode()
    letter.refresh_from_db()
    assert letter.status == LetterStatus.DRAFT


def test_autosave_answers_json_and_409_on_conflict(ready):
    letter = draft_letter(ready)
    client = client_acting_as(ready.principal)
    url = reverse("missions:letter_edit", args=[letter.pk])
    response = client.post(
        url, _form(letter, montant="1250,00", texte_3="Premier jet."), HTTP_X_AUTOSAVE="1"
    )
    assert response.status_code == 200
    data = response.json()
    assert data["revision"] == letter.revision + 1 and len(data["saved_at"]) == 5
    stale = client.post(
        url, _form(letter, montant="1250,00", texte_3="Second jet."), HTTP_X_AUTOSAVE="1"
    )
    assert stale.status_code == 409
    assert "rechargez la page" in stale.json()["error"]
    letter.refresh_from_db()
    assert LetterContent.of(letter.content).texts[3] == "Premier jet."


def test_a_revision_past_a_thousand_is_written_without_a_thousands_separator(ready):
    letter = draft_letter(ready)
    Letter.objects.filter(pk=letter.pk).update(revision=1234)
    client = client_acting_as(ready.principal)
    url = reverse("missions:letter_edit", args=[letter.pk])
    page = client.get(url).content.decode()
    assert 'name="revision" value="1234"' in page and 'data-revision="1234"' in page
    letter.refresh_from_db()
    response = client.post(
        url, _form(letter, montant="1250,00", texte_3="Premier jet."), HTTP_X_AUTOSAVE="1"
    )
    assert response.status_code == 200
    assert response.json()["revision"] == 1235


def test_the_editor_and_its_autosave_queries_do_not_grow_with_the_referents(ready):
    letter = draft_letter(ready)
    client = client_acting_as(ready.principal)
    url = reverse("missions:letter_edit", args=[letter.pk])

    def counts(text: str) -> tuple[int, int]:
        client.get(url)  # warm the session
        with CaptureQueriesContext(connection) as shown:
            assert client.get(url).status_code == 200
        letter.refresh_from_db()
        with CaptureQueriesContext(connection) as saved:
            response = client.post(
                url, _form(letter, montant="1250,00", texte_3=text), HTTP_X_AUTOSAVE="1"
            )
        assert response.status_code == 200
        return len(shown), len(saved)

    one = counts("Premier jet.")
    others = [
        add_referent(ready.establishment, f"r{n}@ac-poitiers.fr", last_name=f"R{n}")
        for n in range(3)
    ]
    allocation_set(
        establishment=ready.establishment,
        school_year=SchoolYear.objects.current(),
        amounts=dict.fromkeys(others, Decimal("312.50")),
        actor=scope_for(ready.principal),
    )
    assert counts("Second jet.") == one


@pytest.mark.parametrize("who", ["bordeaux_principal", "other_principal", "rupn", "dane_admin"])
def test_others_get_404_or_403_and_change_nothing(ready, bordeaux, who):
    letter = draft_letter(ready)
    if who == "bordeaux_principal":
        membership = bordeaux.principal
    elif who == "other_principal":
        from accounts.services import membership_grant
        from tenancy.roles import Role
        from tenancy.scope import Scope

        membership = membership_grant(
            academie=ready.academie,
            user=make_user("autre.principal@ac-poitiers.fr"),
            role=Role.PRINCIPAL,
            actor=Scope.platform(ready.academie.pk),
            establishments=[ready.other_establishment],
        )
    else:
        membership = getattr(ready, who)
    client = client_acting_as(membership)
    expected = {403} if who in ("rupn", "dane_admin") else {404}
    before = (Letter.objects.count(), Membership.objects.count(), letter.revision)
    assert client.get(_page_url(ready)).status_code in expected
    assert client.get(reverse("missions:letter_edit", args=[letter.pk])).status_code in expected
    assert (
        client.post(
            reverse("missions:letter_edit", args=[letter.pk]), _form(letter, texte_3="Pirate")
        ).status_code
        in expected
    )
    assert (
        client.post(
            _year_url("referent_designate", ready), {"personne": ready.deputy.user.pk}
        ).status_code
        in expected
    )
    assert (
        client.post(_year_url("referent_remove", ready), {"referent": ready.rupn.pk}).status_code
        in expected
    )
    assert client.post(_year_url("letters_renew", ready), {}).status_code in expected
    letter.refresh_from_db()
    assert (Letter.objects.count(), Membership.objects.count(), letter.revision) == before


def _page_queries(world, referents: int) -> int:
    template = big_template(world, tasks=30)
    year = SchoolYear.objects.current()
    principal = scope_for(world.principal)
    people = [world.rupn] + [
        add_referent(world.establishment, f"r{n}@ac-poitiers.fr", last_name=f"R{n}")
        for n in range(referents - 1)
    ]
    for person in people:
        letter = letter_create(
            establishment=world.establishment, school_year=year, referent=person, actor=principal
        )
        content = LetterContent.of(letter.content)
        letter_update(
            letter=letter,
            content=content.__class__(tasks=content.tasks, texts={4: THIRD_TEXT}),
            revision=letter.revision,
            actor=principal,
        )
    assert template.sections.count() == 4
    client = client_acting_as(world.principal)
    client.get(_page_url(world))  # warm the session and caches
    with CaptureQueriesContext(connection) as queries:
        response = client.get(_page_url(world))
    assert response.status_code == 200
    assert response.content.decode().count('<th scope="row" class="rupn-matrix__task">') >= 30
    return len(queries)


def test_the_page_queries_do_not_grow_with_referents(poitiers, bordeaux, django_db_blocker):
    give_rules(poitiers)
    give_rules(bordeaux)
    one = _page_queries(poitiers, 1)
    three = _page_queries(bordeaux, 3)
    assert three == one, (one, three)


def test_preparing_the_letter_of_a_referent_designated_before_the_template(ready):
    client = client_acting_as(ready.principal)
    assert "Préparer la lettre" in client.get(_page_url(ready)).content.decode()
    response = client.post(_year_url("referent_designate", ready), {"preparer": ready.rupn.pk})
    assert response.status_code == 302
    assert Letter.objects.filter(referent=ready.rupn, status=LetterStatus.DRAFT).exists()


def test_an_amendment_sets_the_end_of_the_mission_within_the_year(ready):
    from missions.document import signed_document
    from missions.models import LetterStatus
    from missions.services_letters import letter_amend
    from tests.missions.letters import advance

    issued = advance(draft_letter(ready), ready, until=LetterStatus.ISSUED)
    principal = scope_for(ready.principal)
    amendment = letter_amend(letter=issued, reason="Départ en février.", actor=principal)
    client = client_acting_as(ready.principal)
    url = reverse("missions:letter_edit", args=[amendment.pk])
    page = client.get(url).content.decode()
    assert "Fin de la mission" in page and "Départ en février." in page
    # A first letter has no such field: only an amendment ends a mission early.
    assert (
        "Fin de la mission"
        not in client.get(
            reverse(
                "missions:letter_edit",
                args=[
                    draft_letter(
                        ready, referent=add_referent(ready.establishment, "x@test.fr"), amount=None
                    ).pk
                ],
            )
        ).content.decode()
    )
    year = SchoolYear.objects.current().start_year
    response = client.post(url, _form(amendment, fin=f"{year + 2}-01-10", montant="1250,00"))
    assert "doit tomber dans l’année scolaire" in response.content.decode()
    amendment.refresh_from_db()
    assert LetterContent.of(amendment.content).ends_on is None
    client.post(url, _form(amendment, fin=f"{year + 1}-02-28", montant="1250,00"))
    amendment.refresh_from_db()
    assert LetterContent.of(amendment.content).ends_on == datetime.date(year + 1, 2, 28)
    amendment = advance(amendment, ready, until=LetterStatus.ISSUED)
    assert signed_document(amendment)["fin_de_mission"] == f"{year + 1}-02-28"
    page = client.get(reverse("missions:letter", args=[amendment.pk])).content.decode()
    assert "La mission prend fin le" in page and "28 février" in page
