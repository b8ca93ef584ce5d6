"""The letters' lists: what each role sees, the filters and counts, the DAN's visa of many
letters at once (re-authentication, progress, refusals, a task run twice), the training list
and its exports."""

from __future__ import annotations

import csv
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from accounts.scopes import scope_for
from establishments.models import SchoolYear
from missions.models import Letter, LetterStatus, VisaBatch
from missions.services_letters import letter_amend, letter_transition
from missions.tasks_visa import run_visa_batch
from tests.conftest import client_acting_as
from tests.factories import PASSWORD, AcademieWorld
from tests.indemnities.allocations.conftest import add_referent
from tests.missions.letters import SIGNING, advance, draft_letter, publish_template
from tests.missions.list_builders import letter_for, other_school, with_training

pytestmark = pytest.mark.django_db

LIST = reverse("missions:letters")
VISA = reverse("missions:visa_batch_create")


def reauthenticated(membership):
    client = client_acting_as(membership)
    response = client.post(reverse("account_reauthenticate"), {"password": PASSWORD})
    assert response.status_code == 302
    return client


@pytest.fixture
def visa_world(poitiers, bordeaux):
    publish_template(poitiers)  # Poitiers' letters await the DAN's visa
    publish_template(bordeaux)
    return poitiers


# --- Who sees what --------------------------------------------------------------------------


def test_a_referent_sees_their_own_letters_only(visa_world, bordeaux):
    own = advance(draft_letter(visa_world), visa_world, until=LetterStatus.SENT)
    colleague = letter_for(visa_world, "collegue@test.fr", until=LetterStatus.SENT)
    elsewhere = advance(draft_letter(bordeaux), bordeaux, until=LetterStatus.SENT)

    response = client_acting_as(visa_world.rupn).get(LIST)

    assert response.status_code == 200
    html = response.content.decode()
    assert "Mes lettres de mission" in html
    assert own.reference in html
    assert reverse("missions:letter", args=[own.pk]) in html
    assert "Lire et signer" in html
    assert colleague.reference not in html
    assert elsewhere.reference not in html


def test_a_referent_sees_their_signature_dates(visa_world):
    letter = advance(draft_letter(visa_world), visa_world, until=LetterStatus.AWAITING_VISA)
    html = client_acting_as(visa_world.rupn).get(LIST).content.decode()
    signed = timezone.localtime(letter.signatures.get(kind="referent").signed_at)
    assert f"Référent&nbsp;: {signed:%d/%m/%Y}" in html
    assert "Chef d’établissement&nbsp;:" in html
    assert "En attente du visa du DAN" in html


def test_the_coordinator_sees_their_departements_and_the_dane_admin_the_academie(
    visa_world, bordeaux
):
    college = advance(draft_letter(visa_world), visa_world, until=LetterStatus.SENT)
    lycee_world = other_school(visa_world)
    lycee = letter_for(lycee_world, "rupn.lycee@test.fr", until=LetterStatus.SENT)
    theirs = advance(draft_letter(bordeaux), bordeaux, until=LetterStatus.SENT)

    coordinator = client_acting_as(visa_world.coordinator).get(LIST).content.decode()
    assert college.reference in coordinator
    assert lycee.reference not in coordinator

    admin = client_acting_as(visa_world.dane_admin).get(LIST).content.decode()
    assert college.reference in admin and lycee.reference in admin
    assert theirs.reference not in admin

    principal = client_acting_as(visa_world.principal).get(LIST).content.decode()
    assert college.reference in principal and lycee.reference not in principal

    other_academie = client_acting_as(bordeaux.dane_admin).get(LIST).content.decode()
    assert college.reference not in other_academie and lycee.reference not in other_academie
    assert theirs.reference in other_academie


def test_filters_and_counts(visa_world):
    college = advance(draft_letter(visa_world), visa_world, until=LetterStatus.AWAITING_VISA)
    draft = letter_for(visa_world, "second@test.fr", until=LetterStatus.DRAFT)
    lycee_world = other_school(visa_world)
    lycee = letter_for(lycee_world, "rupn.lycee@test.fr", until=LetterStatus.SENT)
    client = client_acting_as(visa_world.dane_admin)
    year = SchoolYear.objects.current().start_year

    html = client.get(LIST).content.decode()
    assert "Tous les états&nbsp;: 3" in html
    assert "Brouillon&nbsp;: 1" in html
    assert "Envoyée au référent&nbsp;: 1" in html
    assert "En attente du visa du DAN&nbsp;: 1" in html
    assert "Émise&nbsp;: 0" in html

    by_state = client.get(LIST, {"annee": str(year), "etat": "sent"}).content.decode()
    assert lycee.reference in by_state
    assert college.reference not in by_state and draft.reference not in by_state
    assert "Tous les états&nbsp;: 3" in by_state  # the counts leave the state filter aside

    departement = visa_world.other_establishment.departement
    by_dep = client.get(LIST, {"annee": year, "departement": departement.pk}).content.decode()
    assert lycee.reference in by_dep and college.reference not in by_dep
    assert "Tous les états&nbsp;: 1" in by_dep

    by_type = client.get(LIST, {"annee": str(year), "type": "college"}).content.decode()
    assert college.reference in by_type and draft.reference in by_type
    assert lycee.reference not in by_type

    SchoolYear.objects.get_or_create(start_year=year - 1)
    last_year = client.get(LIST, {"annee": year - 1}).content.decode()
    assert college.reference not in last_year
    assert "Tous les états&nbsp;: 0" in last_year


def test_another_academies_departement_is_refused(visa_world, bordeaux):
    theirs = bordeaux.establishment.departement
    response = client_acting_as(visa_world.dane_admin).get(LIST, {"departement": theirs.pk})
    assert response.status_code == 400


def test_the_list_costs_the_same_queries_at_any_size(visa_world):
    client = client_acting_as(visa_world.dane_admin)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(LIST).status_code == 200
        return len(captured)

    advance(draft_letter(visa_world), visa_world, until=LetterStatus.AWAITING_VISA)
    letter_for(visa_world, "a@test.fr", until=LetterStatus.SENT)
    small = queries()
    for n in range(5):
        letter_for(visa_world, f"more{n}@test.fr", until=LetterStatus.AWAITING_VISA)
    assert queries() == small


def test_the_referent_list_costs_the_same_queries_at_any_size(visa_world):
    client = client_acting_as(visa_world.rupn)
    letter = advance(draft_letter(visa_world), visa_world, until=LetterStatus.ISSUED)
    with CaptureQueriesContext(connection) as one:
        client.get(LIST)
    amendment = letter_amend(letter=letter, reason="Départ.", actor=scope_for(visa_world.principal))
    advance(amendment, visa_world, until=LetterStatus.REFERENT_SIGNED)
    with CaptureQueriesContext(connection) as two:
        html = client.get(LIST).content.decode()
    assert amendment.reference in html and letter.reference in html
    assert len(one) == len(two)


# --- The DAN's visa of many letters -----------------------------------------------------------


def awaiting(world: AcademieWorld, count: int) -> list[Letter]:
    letters = [advance(draft_letter(world), world, until=LetterStatus.AWAITING_VISA)]
    letters += [
        letter_for(world, f"visa{n}@test.fr", until=LetterStatus.AWAITING_VISA)
        for n in range(count - 1)
    ]
    return letters


def test_visa_checkboxes_are_shown_to_the_dane_admin_only(visa_world):
    letter = awaiting(visa_world, 1)[0]
    admin = client_acting_as(visa_world.dane_admin).get(LIST).content.decode()
    assert f'name="lettres" value="{letter.pk}"' in admin
    assert "Viser toutes les lettres filtrées en attente de visa (1)" in admin
    coordinator = client_acting_as(visa_world.coordinator).get(LIST).content.decode()
    assert 'name="lettres"' not in coordinator and "Viser" not in coordinator


def test_the_visa_asks_for_reauthentication_first(visa_world):
    letters = awaiting(visa_world, 2)
    client = client_acting_as(visa_world.dane_admin)

    response = client.post(VISA, {"lettres": [letters[0].pk], "annee": "2025"})

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_reauthenticate"))
    assert not VisaBatch.objects.exists()
    assert Letter.objects.filter(status=LetterStatus.AWAITING_VISA).count() == 2


def test_after_the_password_the_visa_resumes(visa_world, django_capture_on_commit_callbacks):
    letters = awaiting(visa_world, 2)
    client = client_acting_as(visa_world.dane_admin)
    year = str(SchoolYear.objects.current().start_year)
    client.post(VISA, {"lettres": [letters[0].pk], "annee": year})

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("account_reauthenticate") + f"?next={VISA}", {"password": PASSWORD}
        )

    batch = VisaBatch.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("missions:visa_batch", args=[batch.pk])
    assert batch.letter_ids == [letters[0].pk]
    assert batch.reauthenticated_with == "mot de passe"
    assert Letter.objects.get(pk=letters[0].pk).status == LetterStatus.ISSUED
    assert Letter.objects.get(pk=letters[1].pk).status == LetterStatus.AWAITING_VISA


def test_visa_of_the_ticked_letters(visa_world, django_capture_on_commit_callbacks):
    letters = awaiting(visa_world, 3)
    client = reauthenticated(visa_world.dane_admin)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(VISA, {"lettres": [letters[0].pk, letters[2].pk]})

    batch = VisaBatch.objects.get()
    assert response["Location"] == reverse("missions:visa_batch", args=[batch.pk])
    assert sorted(batch.done_ids) == sorted([letters[0].pk, letters[2].pk])
    assert batch.finished_at is not None and batch.failures == {}
    issued = Letter.objects.filter(status=LetterStatus.ISSUED)
    assert set(issued.values_list("pk", flat=True)) == {letters[0].pk, letters[2].pk}
    visa = letters[0].signatures.get(kind="dan_visa")
    assert visa.reauthenticated_with == "mot de passe"
    assert visa.signer == visa_world.dane_admin.user

    page = client.get(response["Location"]).content.decode()
    assert "2 / 2 lettres visées" in page
    assert 'value="100"' in page
    assert "Toutes les lettres ont été visées" in page
    assert 'http-equiv="refresh"' not in page
    progress = client.get(response["Location"], {"format": "json"}).json()
    status = progress.pop("status_html")
    assert "2 / 2 lettres visées" in status and "Visa terminé." in status
    assert (progress.pop("bar_value"), progress.pop("bar_max")) == (100, 100)
    assert progress == {
        "total": 2,
        "done": 2,
        "failed": 0,
        "processed": 2,
        "percent": 100,
        "finished": True,
    }


def test_visa_of_every_filtered_letter(visa_world, django_capture_on_commit_callbacks):
    college = awaiting(visa_world, 2)
    lycee_world = other_school(visa_world)
    lycee = letter_for(lycee_world, "rupn.lycee@test.fr", until=LetterStatus.AWAITING_VISA)
    not_yet = letter_for(visa_world, "pas-encore@test.fr", until=LetterStatus.SENT)
    client = reauthenticated(visa_world.dane_admin)
    year = str(SchoolYear.objects.current().start_year)

    with django_capture_on_commit_callbacks(execute=True):
        client.post(VISA, {"toutes": "1", "annee": year, "type": "college"})

    batch = VisaBatch.objects.get()
    assert sorted(batch.letter_ids) == sorted(letter.pk for letter in college)
    assert Letter.objects.get(pk=lycee.pk).status == LetterStatus.AWAITING_VISA
    assert Letter.objects.get(pk=not_yet.pk).status == LetterStatus.SENT


def test_letters_out_of_reach_are_not_batched(visa_world, bordeaux):
    ours = awaiting(visa_world, 1)[0]
    theirs = advance(draft_letter(bordeaux), bordeaux, until=LetterStatus.ISSUED)
    sent = letter_for(visa_world, "envoyee@test.fr", until=LetterStatus.SENT)
    client = reauthenticated(visa_world.dane_admin)

    client.post(VISA, {"lettres": [ours.pk, theirs.pk, sent.pk, "x"]})

    assert VisaBatch.objects.get().letter_ids == [ours.pk]


def test_nothing_to_visa_is_said(visa_world):
    sent = letter_for(visa_world, "envoyee@test.fr", until=LetterStatus.SENT)
    client = reauthenticated(visa_world.dane_admin)
    response = client.post(VISA, {"lettres": [sent.pk]}, follow=True)
    assert "Aucune des lettres choisies n’attend le visa." in response.content.decode()
    assert not VisaBatch.objects.exists()


def test_only_the_dane_admin_may_visa(visa_world):
    letter = awaiting(visa_world, 1)[0]
    for member in (visa_world.coordinator, visa_world.principal, visa_world.rupn):
        response = client_acting_as(member).post(VISA, {"lettres": [letter.pk]})
        assert response.status_code == 403
    assert not VisaBatch.objects.exists()


def _batch(world: AcademieWorld, letters: list[Letter]) -> VisaBatch:
    return VisaBatch.objects.create(
        academie=world.academie,
        created_by=world.dane_admin.user,
        membership=world.dane_admin,
        letter_ids=[letter.pk for letter in letters],
        ip_address=SIGNING.ip_address,
        user_agent=SIGNING.user_agent,
        reauthenticated_with=SIGNING.reauthenticated_with,
    )


def test_a_letter_withdrawn_meanwhile_is_reported(visa_world):
    letters = awaiting(visa_world, 2)
    batch = _batch(visa_world, letters)
    letter_transition(
        letter=letters[1], name="withdraw", actor=scope_for(visa_world.principal), comment="Erreur."
    )

    run_visa_batch(academie_id=visa_world.academie.pk, batch_id=batch.pk)

    batch.refresh_from_db()
    assert batch.done_ids == [letters[0].pk]
    assert list(batch.failures) == [str(letters[1].pk)]
    assert "a changé d’état" in batch.failures[str(letters[1].pk)]
    assert batch.percent == 100 and batch.finished_at is not None

    page = client_acting_as(visa_world.dane_admin).get(
        reverse("missions:visa_batch", args=[batch.pk])
    )
    html = page.content.decode()
    assert "1 / 2 lettres visées" in html and "1 refusée" in html
    assert "1 lettre n’a pas été visée" in html
    assert reverse("missions:letter", args=[letters[1].pk]) in html


def test_running_a_batch_twice_visas_once(visa_world):
    letters = awaiting(visa_world, 2)
    batch = _batch(visa_world, letters)

    run_visa_batch(academie_id=visa_world.academie.pk, batch_id=batch.pk)
    run_visa_batch(academie_id=visa_world.academie.pk, batch_id=batch.pk)

    batch.refresh_from_db()
    assert sorted(batch.done_ids) == sorted(letter.pk for letter in letters)
    assert batch.failures == {}
    for letter in letters:
        assert letter.signatures.filter(kind="dan_visa").count() == 1


def test_a_batch_half_done_goes_on(visa_world):
    letters = awaiting(visa_world, 2)
    letter_transition(
        letter=letters[0], name="visa", actor=scope_for(visa_world.dane_admin), signing=SIGNING
    )
    batch = _batch(visa_world, letters)
    batch.done_ids = [letters[0].pk]  # a first run died after the first letter
    batch.save()

    run_visa_batch(academie_id=visa_world.academie.pk, batch_id=batch.pk)

    batch.refresh_from_db()
    assert batch.done_ids == [letters[0].pk, letters[1].pk] and batch.failures == {}


def test_a_batch_is_the_academies_own(visa_world, bordeaux):
    batch = _batch(visa_world, awaiting(visa_world, 1))
    url = reverse("missions:visa_batch", args=[batch.pk])
    assert client_acting_as(bordeaux.dane_admin).get(url).status_code == 404
    assert client_acting_as(visa_world.coordinator).get(url).status_code == 403


def test_an_unfinished_batch_refreshes(visa_world):
    batch = _batch(visa_world, awaiting(visa_world, 2))
    html = (
        client_acting_as(visa_world.dane_admin)
        .get(reverse("missions:visa_batch", args=[batch.pk]))
        .content.decode()
    )
    assert "0 / 2 lettres visées" in html
    assert 'http-equiv="refresh"' in html
    assert "js/job_progress.js" in html
    assert f"/missions/lettres/visa/{batch.pk}/?format=json" in html


# --- The training ---------------------------------------------------------------------------


@pytest.fixture
def trainees(visa_world):
    """Registered: a sent letter and an issued one; not: a draft never sent, a letter without
    the tick, an issued letter replaced by a sent amendment (which registers instead)."""
    world = visa_world
    sent = with_training(draft_letter(world), world)
    sent = advance(sent, world, until=LetterStatus.SENT)
    user = sent.referent.user
    user.discipline = "Mathématiques"
    user.save()
    referent = add_referent(
        world.establishment, "issued@test.fr", first_name="Ali", last_name="Ben"
    )
    issued = with_training(draft_letter(world, referent=referent, amount=None), world)
    issued = advance(issued, world, until=LetterStatus.ISSUED)
    referent = add_referent(world.establishment, "draft@test.fr", last_name="Brouillon")
    with_training(draft_letter(world, referent=referent, amount=None), world)
    letter_for(world, "sans-stage@test.fr", until=LetterStatus.SENT, last_name="Sansstage")
    referent = add_referent(world.establishment, "avenant@test.fr", last_name="Avenant")
    replaced = with_training(draft_letter(world, referent=referent, amount=None), world)
    replaced = advance(replaced, world, until=LetterStatus.ISSUED)
    amendment = letter_amend(
        letter=replaced, reason="Changement de missions.", actor=scope_for(world.principal)
    )
    amendment = advance(amendment, world, until=LetterStatus.SENT)
    return {"sent": sent, "issued": issued, "replaced": replaced, "amendment": amendment}


TRAINING = reverse("missions:training")


def test_the_training_lists_who_registered(trainees, visa_world):
    html = client_acting_as(visa_world.dane_admin).get(TRAINING).content.decode()
    assert "3 référents inscrits au stage" in html
    assert "Mathématiques" in html
    assert "Ben Ali" in html
    assert "Brouillon" not in html.split("<tbody>")[1]
    assert "Sansstage" not in html
    assert html.count("avenant@test.fr") == 1
    assert reverse("missions:letter", args=[trainees["amendment"].pk]) in html
    assert reverse("missions:letter", args=[trainees["replaced"].pk]) not in html


def test_the_training_csv(trainees, visa_world):
    year = SchoolYear.objects.current()
    response = client_acting_as(visa_world.dane_admin).get(
        TRAINING, {"annee": str(year.start_year), "format": "csv"}
    )
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == f'attachment; filename="stage-rupn-{year.label}.csv"'
    body = response.content
    assert body.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig")), delimiter=";"))
    assert rows[0] == [
        "Nom",
        "Prénom",
        "Courriel",
        "Discipline",
        "Établissement",
        "UAI",
        "Département",
        "État de la lettre",
    ]
    assert len(rows) == 4
    martin = next(r for r in rows if r[2] == trainees["sent"].referent.user.email)
    establishment = visa_world.establishment
    assert martin[3] == "Mathématiques"
    assert martin[4:7] == [establishment.name, establishment.uai, str(establishment.departement)]
    assert martin[7] == "Envoyée au référent"
    assert b"\r\n" in body


def test_the_training_xlsx(trainees, visa_world):
    year = SchoolYear.objects.current()
    response = client_acting_as(visa_world.coordinator).get(
        TRAINING, {"annee": str(year.start_year), "format": "xlsx"}
    )
    assert response["Content-Disposition"] == f'attachment; filename="stage-rupn-{year.label}.xlsx"'
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert rows[0][0] == "Nom" and len(rows) == 4
    assert {r[7] for r in rows[1:]} == {"Envoyée au référent", "Émise"}


def test_the_training_is_scoped(trainees, visa_world, bordeaux):
    html = client_acting_as(bordeaux.dane_admin).get(TRAINING).content.decode()
    assert "Aucun référent inscrit au stage" in html
    lycee_world = other_school(visa_world)
    letter = with_training(
        draft_letter(
            lycee_world, referent=add_referent(lycee_world.establishment, "l@test.fr"), amount=None
        ),
        lycee_world,
    )
    advance(letter, lycee_world, until=LetterStatus.SENT)
    coordinator = client_acting_as(visa_world.coordinator).get(TRAINING).content.decode()
    assert "3 référents inscrits" in coordinator and "l@test.fr" not in coordinator
    admin = client_acting_as(visa_world.dane_admin).get(TRAINING).content.decode()
    assert "4 référents inscrits" in admin
    for member in (visa_world.principal, visa_world.rupn):
        assert client_acting_as(member).get(TRAINING).status_code == 403


def test_a_formula_in_a_name_is_written_as_text(visa_world):
    letter = with_training(draft_letter(visa_world), visa_world)
    advance(letter, visa_world, until=LetterStatus.SENT)
    user = letter.referent.user
    user.discipline = '=HYPERLINK("http://x")'
    user.save()
    response = client_acting_as(visa_world.dane_admin).get(TRAINING, {"format": "csv"})
    assert "'=HYPERLINK" in response.content.decode("utf-8-sig")
