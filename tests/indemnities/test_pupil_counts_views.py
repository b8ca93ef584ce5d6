"""The pupil counts import pages: upload → preview with envelope changes → confirm or cancel."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.scopes import scope_for
from establishments.models import (
    EstablishmentType,
    ImportStatus,
    PupilCount,
    PupilCountImport,
    SchoolYear,
)
from establishments.pupil_counts.apply import pupil_count_import_preview
from indemnities.previews import envelope_changes_for_pupils
from indemnities.services.envelopes import envelope_override_set
from tests.conftest import client_acting_as
from tests.establishments.annuaire_csv import annuaire_csv, poitiers_sample_rows
from tests.establishments.effectifs_csv import college_csv, second_degre_csv
from tests.factories import AcademieWorld, make_establishment, platform_of
from tests.indemnities.allocations.conftest import make_rules

UPLOAD_URL = reverse("indemnities:pupil_counts_upload")


def year() -> SchoolYear:
    return SchoolYear.objects.current()


def counts_snapshot() -> list[Any]:
    return list(PupilCount.objects.order_by("pk").values())


def effectifs_file(world: AcademieWorld) -> bytes:
    """The collège of 300 pupils goes to 150 (2 IMP → 1), the lycée of 800 to 450 (3 → 2)."""
    y = str(year().start_year)
    return college_csv(
        [
            (y, "POITIERS", world.establishment.uai, "Jean Moulin", 150),
            (y, "POITIERS", world.other_establishment.uai, "Victor Hugo", 450),
        ]
    )


def upload(content: bytes, name: str = "effectifs.csv", annee: int | None = None) -> dict:
    return {
        "fichier": SimpleUploadedFile(name, content, content_type="text/csv"),
        "annee": annee if annee is not None else year().start_year,
    }


def flashed(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def test_envelope_delta_preview(worlds):
    poitiers, _ = worlds
    make_rules(poitiers.academie)
    new = make_establishment(academie=poitiers.academie, name="Collège neuf", pupils=None)
    preview = envelope_changes_for_pupils(
        academie=poitiers.academie,
        school_year=year(),
        new_pupils={
            poitiers.establishment.pk: 150,  # collège 300 → 150: 2 500 → 1 250
            poitiers.other_establishment.pk: 801,  # lycée 800 → 801: still 3 IMP, no change
            new.pk: 250,  # no count yet: no envelope → 2 500
        },
    )
    changes = {c.establishment.pk: c for c in preview.changes}
    assert set(changes) == {poitiers.establishment.pk, new.pk}
    collège = changes[poitiers.establishment.pk]
    assert (collège.old_amount, collège.new_amount, collège.delta) == (
        Decimal("2500.00"),
        Decimal("1250.00"),
        Decimal("-1250.00"),
    )
    assert (collège.old_pupils, collège.new_pupils) == (300, 150)
    assert (changes[new.pk].old_amount, changes[new.pk].new_amount) == (None, Decimal("2500.00"))
    assert preview.total_delta == Decimal("1250.00")


def test_overridden_envelope_never_changes(worlds):
    poitiers, _ = worlds
    make_rules(poitiers.academie)
    envelope_override_set(
        establishment=poitiers.establishment,
        school_year=year(),
        amount=Decimal("3750.00"),
        justification="Deux sites",
        actor=scope_for(poitiers.dane_admin),
    )
    preview = envelope_changes_for_pupils(
        academie=poitiers.academie,
        school_year=year(),
        new_pupils={poitiers.establishment.pk: 150},
    )
    assert preview.changes == []


def test_upload_preview_confirm_journey(worlds):
    poitiers, _ = worlds
    make_rules(poitiers.academie)
    client = client_acting_as(poitiers.dane_admin)
    page = client.get(UPLOAD_URL)
    assert page.status_code == 200
    assert "Importer les effectifs des établissements" in page.content.decode()

    before = counts_snapshot()
    response = client.post(UPLOAD_URL, upload(effectifs_file(poitiers)))
    imp = PupilCountImport.objects.get()
    preview_url = reverse("indemnities:pupil_counts_preview", args=[imp.pk])
    assert response.status_code == 302 and response["Location"] == preview_url
    assert counts_snapshot() == before

    body = client.get(preview_url).content.decode()
    assert "Aperçu de l’import des effectifs" in body
    assert "Enveloppes IMP qui changent" in body
    assert "2 établissements dont l’enveloppe" in body
    assert "300 → 150" in body and "800 → 450" in body
    assert "−1\u202f250,00" in body or "-1\u202f250,00" in body
    assert "Confirmer l’import des effectifs" in body

    confirmed = client.post(reverse("indemnities:pupil_counts_confirm", args=[imp.pk]))
    assert confirmed["Location"] == f"{reverse('indemnities:envelopes')}?annee={year().start_year}"
    assert "0 ajouté, 2 modifiés, 0 inchangé" in flashed(confirmed)[-1]
    assert PupilCount.objects.get(establishment=poitiers.establishment).pupils == 150
    imp.refresh_from_db()
    assert imp.status == ImportStatus.APPLIED and imp.applied_by == poitiers.dane_admin.user

    # Confirming again changes nothing and says so.
    after = counts_snapshot()
    again = client.post(reverse("indemnities:pupil_counts_confirm", args=[imp.pk]))
    assert again["Location"] == preview_url
    assert "déjà été appliqué" in flashed(again)[-1]
    assert counts_snapshot() == after
    applied_page = client.get(preview_url).content.decode()
    assert "Cet import a été appliqué" in applied_page


def test_cancel(worlds):
    poitiers, _ = worlds
    client = client_acting_as(poitiers.dane_admin)
    client.post(UPLOAD_URL, upload(effectifs_file(poitiers)))
    imp = PupilCountImport.objects.get()
    before = counts_snapshot()
    response = client.post(reverse("indemnities:pupil_counts_cancel", args=[imp.pk]))
    assert response["Location"] == UPLOAD_URL
    assert "a été annulé" in flashed(response)[-1]
    imp.refresh_from_db()
    assert imp.status == ImportStatus.CANCELLED
    refused = client.post(reverse("indemnities:pupil_counts_confirm", args=[imp.pk]))
    assert "annulé" in flashed(refused)[-1]
    assert counts_snapshot() == before


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"Nom;Valeur\r\nx;1\r\n", "en-tête inconnu"),
        (annuaire_csv(poitiers_sample_rows()), "ce fichier est l’Annuaire de l’éducation"),
        (b"", "Le fichier est vide."),
        ("Rentrée scolaire;Numéro du collège\r\n".encode("cp1252"), "pas encodé en UTF-8"),
    ],
)
def test_bad_files_are_refused_in_french_and_change_nothing(worlds, content, expected):
    poitiers, _ = worlds
    client = client_acting_as(poitiers.dane_admin)
    before = counts_snapshot()
    years = SchoolYear.objects.count()
    response = client.post(UPLOAD_URL, upload(content))
    assert response.status_code == 400
    body = response.content.decode()
    assert expected in body
    assert "Rien n’a été modifié." in body
    assert not PupilCountImport.objects.exists()
    assert counts_snapshot() == before
    assert SchoolYear.objects.count() == years


def test_year_mismatch_is_refused_and_creates_no_year(worlds):
    poitiers, _ = worlds
    client = client_acting_as(poitiers.dane_admin)
    past = year().start_year - 3
    content = second_degre_csv(
        [(f"{past + 1}-{past + 2}", "POITIERS", poitiers.establishment.uai, "A", "COLLEGE", 10)]
    )
    years = SchoolYear.objects.count()
    response = client.post(UPLOAD_URL, upload(content, annee=past))
    assert response.status_code == 400
    body = response.content.decode()
    assert f"aucun effectif de l’année scolaire {past}-{past + 1}" in body
    assert f"années présentes : {past + 1}-{past + 2}" in body
    assert SchoolYear.objects.count() == years  # the unsaved past year was not created
    assert not PupilCountImport.objects.exists()


def test_a_past_year_is_created_with_its_import(worlds):
    poitiers, _ = worlds
    client = client_acting_as(poitiers.dane_admin)
    past = year().start_year - 2
    content = college_csv([(str(past), "POITIERS", poitiers.establishment.uai, "A", 280)])
    response = client.post(UPLOAD_URL, upload(content, annee=past))
    assert response.status_code == 302
    imp = PupilCountImport.objects.get()
    assert imp.school_year.start_year == past
    assert imp.report["counts"]["created"] == 1


def test_preview_queries_do_not_grow_with_rows(worlds):
    poitiers, _ = worlds
    make_rules(poitiers.academie)
    client = client_acting_as(poitiers.dane_admin)

    def preview_queries(extra: int) -> int:
        y = str(year().start_year)
        rows = [(y, "POITIERS", poitiers.establishment.uai, "Jean Moulin", 150)]
        for i in range(extra):
            e = make_establishment(
                academie=poitiers.academie,
                type=EstablishmentType.LGT if i % 2 else EstablishmentType.COLLEGE,
                pupils=None if i % 3 else 400,
            )
            rows.append((y, "POITIERS", e.uai, e.name, 150 + 90 * i))
        imp = pupil_count_import_preview(
            academie=poitiers.academie,
            school_year=year(),
            filename="x.csv",
            content_bytes=college_csv(rows),
            actor=platform_of(poitiers.academie),
        )
        url = reverse("indemnities:pupil_counts_preview", args=[imp.pk])
        client.get(url)  # a first view fills the caches
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries.captured_queries)

    assert preview_queries(2) == preview_queries(25)


def test_only_the_dane_admin(worlds):
    poitiers, _ = worlds
    for role in ("principal", "coordinator", "rupn"):
        client = client_acting_as(getattr(poitiers, role))
        assert client.get(UPLOAD_URL).status_code in {403, 404}


def test_links_from_home_and_envelopes(worlds):
    poitiers, _ = worlds
    client = client_acting_as(poitiers.dane_admin)
    assert UPLOAD_URL in client.get(reverse("home")).content.decode()
    assert UPLOAD_URL in client.get(reverse("indemnities:envelopes")).content.decode()
