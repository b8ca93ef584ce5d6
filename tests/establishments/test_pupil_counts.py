"""The pupil counts import: parsing both datasets' headers, planning, applying."""

from __future__ import annotations

from pathlib import Path

import pytest

from accounts.scopes import scope_for
from audit.models import AuditEvent
from establishments.models import ImportStatus, PupilCount, PupilCountImport, SchoolYear
from establishments.pupil_counts import parse
from establishments.pupil_counts.apply import (
    PupilCountImportError,
    pupil_count_import_apply,
    pupil_count_import_cancel,
    pupil_count_import_preview,
)
from establishments.pupil_counts.parse import PupilCountFileError, parse_pupil_counts
from establishments.pupil_counts.plan import is_same_academie, pupil_count_import_plan
from establishments.uai import make_uai
from tests.establishments.annuaire_csv import annuaire_csv, poitiers_sample_rows
from tests.establishments.effectifs_csv import (
    COLLEGE_PUPILS_LABEL,
    college_csv,
    second_degre_csv,
)
from tests.factories import AcademieWorld, make_establishment, platform_of

DATA = Path(__file__).resolve().parent.parent / "data" / "effectifs"


def text_of(content: bytes) -> str:
    return parse.decode_pupil_file(content)


# --- Parsing (pure) ----------------------------------------------------------------------------


def test_colleges_file_as_published():
    """Quoted long labels, BOM, `;`, CRLF: the collèges' dataset, one year kept."""
    parsed = parse_pupil_counts(
        text_of((DATA / "colleges_poitiers.csv").read_bytes()), start_year=2024
    )
    assert parsed.dataset == parse.COLLEGES
    assert parsed.layout.pupils_label == COLLEGE_PUPILS_LABEL  # not the "hors Segpa" total
    assert [(r.line, r.uai, r.pupils, r.academie) for r in parsed.rows] == [
        (2, make_uai("086", 4001), 512, "POITIERS"),
        (3, make_uai("016", 4002), 187, "POITIERS"),
        (5, make_uai("033", 4003), 640, "BORDEAUX"),
    ]
    assert parsed.rows[0].name == "JEAN MOULIN"
    assert parsed.other_years == {2023: 1}
    assert parsed.rejected == []


def test_second_degre_file():
    parsed = parse_pupil_counts(
        text_of((DATA / "second_degre_poitiers.csv").read_bytes()), start_year=2024
    )
    assert parsed.dataset == parse.SECOND_DEGRE
    assert [(r.uai, r.pupils, r.type) for r in parsed.rows] == [
        (make_uai("086", 4001), 512, "COLLEGE"),
        (make_uai("086", 4004), 1320, "LYCEE"),
    ]
    assert parsed.other_years == {2023: 1}


def test_field_name_headers_and_no_bom():
    content = college_csv(
        [("2024", "POITIERS", make_uai("086", 4001), "Jean Moulin", 300)], bom=False
    )
    header, rest = content.split(b"\r\n", 1)
    lower = b";".join(
        {
            b'"Rentr\xc3\xa9e scolaire"': b"rentree_scolaire",
            b'"Num\xc3\xa9ro du coll\xc3\xa8ge"': b"numero_college",
        }.get(h, h)
        for h in header.split(b";")
    )
    parsed = parse_pupil_counts(text_of(lower + b"\r\n" + rest), start_year=2024)
    assert parsed.dataset == parse.COLLEGES
    assert parsed.rows[0].pupils == 300


def test_total_column_chosen_by_label():
    assert parse.fold_header('"Nombre d\'élèves total (y compris Segpa)"') == (
        "nombre d eleves total (y compris segpa)"
    )
    layout = parse.detect_layout(
        ["Rentrée scolaire", "Numéro du collège", "Nombre d'élèves total hors Segpa hors ULIS"]
    )
    assert layout.pupils == 2  # only a "hors" total: taken all the same
    layout = parse.detect_layout(
        ["Rentrée scolaire", "Numéro du collège", "Nombre d’élèves total", "x"]
    )
    assert layout.pupils_label == "Nombre d’élèves total"


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"", "Le fichier est vide."),
        (b"a,b,c\r\n1,2,3\r\n", "le séparateur de colonnes doit être le point-virgule"),
        (b"Nom;Valeur\r\nx;1\r\n", "en-tête inconnu"),
        (annuaire_csv(poitiers_sample_rows()), "ce fichier est l’Annuaire de l’éducation"),
        (
            college_csv([("2019", "POITIERS", make_uai("086", 4001), "A", 1)]),
            "aucun effectif de l’année scolaire 2024-2025 (années présentes : 2019-2020)",
        ),
        ("Rentrée scolaire;Numéro du collège\r\n".encode("cp1252"), "pas encodé en UTF-8"),
    ],
)
def test_unusable_files_are_refused_in_french(content, expected):
    with pytest.raises(PupilCountFileError) as caught:
        parse_pupil_counts(text_of(content), start_year=2024)
    assert expected in caught.value.messages[0]


def test_bad_values_are_rejected_lines():
    content = college_csv(
        [
            ("2024", "POITIERS", "0864001A", "Lettre fausse", 300),
            ("2024", "POITIERS", make_uai("086", 4002), "Sans total", ""),
            ("2024", "POITIERS", make_uai("086", 4003), "Texte", "beaucoup"),
            ("vingt", "POITIERS", make_uai("086", 4004), "Année", 12),
            ("2024", "POITIERS", make_uai("086", 4005), "Valide", "1 204"),
        ]
    )
    parsed = parse_pupil_counts(text_of(content), start_year=2024)
    assert [r.line for r in parsed.rejected] == [2, 3, 4, 5]
    assert "lettre de contrôle" in parsed.rejected[0].message
    assert parsed.rejected[2].message.startswith(f"{COLLEGE_PUPILS_LABEL} « beaucoup » invalide")
    assert "Rentrée scolaire « vingt » invalide" in parsed.rejected[3].message
    assert [r.pupils for r in parsed.rows] == [1204]


def test_start_years():
    assert parse.parse_start_year("2018-2019") == 2018
    assert parse.parse_start_year("2024") == 2024
    with pytest.raises(ValueError):
        parse.parse_start_year("2018-2020")


def test_academie_names():
    class A:
        name = "Poitiers"

    assert is_same_academie("POITIERS", A())  # type: ignore[arg-type]
    assert is_same_academie("Académie de Poitiers", A())  # type: ignore[arg-type]
    assert not is_same_academie("BORDEAUX", A())  # type: ignore[arg-type]


# --- Planning and applying ---------------------------------------------------------------------


def year() -> SchoolYear:
    return SchoolYear.objects.current()


def rows_for(world: AcademieWorld, bordeaux: AcademieWorld) -> tuple[bytes, dict[str, object]]:
    """A collèges' file of the current year for Poitiers' establishments, and their roles."""
    y = str(year().start_year)
    unchanged = world.establishment  # 300 pupils known
    changed = world.other_establishment  # 800 known
    new = make_establishment(academie=world.academie, name="Collège sans effectif", pupils=None)
    rows = [
        (y, "POITIERS", unchanged.uai, "Jean Moulin", 300),
        (y, "POITIERS", changed.uai, "Victor Hugo", 812),
        (y, "POITIERS", new.uai, "Sans effectif", 150),
        (y, "POITIERS", make_uai("086", 4999), "Inconnu", 90),
        (y, "BORDEAUX", bordeaux.establishment.uai, "Ailleurs", 410),
        # Named Poitiers in the file, but the UAI is Bordeaux's establishment.
        (y, "POITIERS", bordeaux.other_establishment.uai, "Ailleurs aussi", 700),
        (str(year().start_year - 1), "POITIERS", unchanged.uai, "Jean Moulin", 280),
    ]
    return college_csv(rows), {"unchanged": unchanged, "changed": changed, "new": new}


def test_plan_classifies_every_line(worlds):
    poitiers, bordeaux = worlds
    content, roles = rows_for(poitiers, bordeaux)
    plan = pupil_count_import_plan(
        academie=poitiers.academie, school_year=year(), content_bytes=content
    )
    assert plan.counts() == {
        "created": 1,
        "changed": 1,
        "unchanged": 1,
        "unknown": 1,
        "other_academie": 2,
        "other_year": 1,
        "rejected": 0,
    }
    report = plan.report(filename="effectifs.csv")
    assert report["changed"][0]["old"] == 800 and report["changed"][0]["pupils"] == 812
    assert report["created"][0]["establishment_id"] == roles["new"].pk  # type: ignore[attr-defined]
    assert report["source"] == (
        f"Effectifs des collèges {year().label} (fr-en-college-effectifs-niveau-sexe-lv)"
    )
    assert plan.new_pupils() == {
        roles["new"].pk: 150,  # type: ignore[attr-defined]
        roles["changed"].pk: 812,  # type: ignore[attr-defined]
    }


def test_preview_then_apply_is_idempotent(worlds, django_assert_max_num_queries):
    poitiers, bordeaux = worlds
    content, roles = rows_for(poitiers, bordeaux)
    before = list(PupilCount.objects.order_by("pk").values())
    imp = pupil_count_import_preview(
        academie=poitiers.academie,
        school_year=year(),
        filename="fr-en-college-effectifs-niveau-sexe-lv.csv",
        content_bytes=content,
        actor=scope_for(poitiers.dane_admin),
    )
    assert list(PupilCount.objects.order_by("pk").values()) == before  # preview writes nothing
    assert imp.status == ImportStatus.PREVIEWED
    assert imp.dataset == parse.COLLEGES

    applied = pupil_count_import_apply(pupil_count_import=imp, actor=scope_for(poitiers.dane_admin))
    assert applied.status == ImportStatus.APPLIED
    assert applied.applied_by == poitiers.dane_admin.user
    assert applied.applied_by == poitiers.dane_admin.user
    event = AuditEvent.objects.get(verb="pupil_counts.apply", target_id=applied.pk)
    assert event.actor == poitiers.dane_admin.user and event.actor_role == "dane_admin"
    assert PupilCountImport.objects.get(pk=imp.pk).content == ""  # the report stays
    counts = {
        c.establishment_id: c
        for c in PupilCount.objects.filter(school_year=year(), academie=poitiers.academie)
    }
    source = f"Effectifs des collèges {year().label} (fr-en-college-effectifs-niveau-sexe-lv)"
    assert counts[roles["new"].pk].pupils == 150  # type: ignore[attr-defined]
    assert counts[roles["new"].pk].source == source  # type: ignore[attr-defined]
    assert counts[roles["changed"].pk].pupils == 812  # type: ignore[attr-defined]
    assert counts[roles["unchanged"].pk].source == "test"  # type: ignore[attr-defined]
    # Bordeaux's counts are untouched.
    assert PupilCount.objects.get(establishment=bordeaux.establishment).pupils == 300

    # Applying twice changes nothing; the same file again is all unchanged.
    after = list(PupilCount.objects.order_by("pk").values())
    with pytest.raises(PupilCountImportError):
        pupil_count_import_apply(pupil_count_import=imp, actor=platform_of(imp))
    again = pupil_count_import_apply(
        pupil_count_import=pupil_count_import_preview(
            academie=poitiers.academie,
            school_year=year(),
            filename="x.csv",
            content_bytes=content,
            actor=platform_of(poitiers.academie),
        ),
        actor=platform_of(poitiers.academie),
    )
    assert again.report["counts"]["unchanged"] == 3
    assert again.report["counts"]["created"] == again.report["counts"]["changed"] == 0
    assert list(PupilCount.objects.order_by("pk").values()) == after


def test_cancel_then_apply_is_refused(worlds):
    poitiers, bordeaux = worlds
    content, _ = rows_for(poitiers, bordeaux)
    imp = pupil_count_import_preview(
        academie=poitiers.academie,
        school_year=year(),
        filename="x.csv",
        content_bytes=content,
        actor=platform_of(poitiers.academie),
    )
    pupil_count_import_cancel(pupil_count_import=imp, actor=scope_for(poitiers.dane_admin))
    assert imp.status == ImportStatus.CANCELLED
    assert PupilCountImport.objects.get(pk=imp.pk).content == ""
    before = list(PupilCount.objects.order_by("pk").values())
    with pytest.raises(PupilCountImportError) as caught:
        pupil_count_import_apply(pupil_count_import=imp, actor=platform_of(imp))
    assert "annulé" in caught.value.messages[0]
    assert list(PupilCount.objects.order_by("pk").values()) == before


def test_bad_file_stores_nothing(worlds):
    poitiers, _ = worlds
    with pytest.raises(PupilCountFileError):
        pupil_count_import_preview(
            academie=poitiers.academie,
            school_year=year(),
            filename="x.csv",
            content_bytes=b"Nom;Valeur\r\nx;1\r\n",
            actor=platform_of(poitiers.academie),
        )
    assert not PupilCountImport.objects.exists()


def test_second_degre_file_records_its_source(worlds):
    poitiers, bordeaux = worlds
    label = year().label
    content = second_degre_csv(
        [(label, "POITIERS", poitiers.other_establishment.uai, "Victor Hugo", "LYCEE", 640)]
    )
    imp = pupil_count_import_preview(
        academie=poitiers.academie,
        school_year=year(),
        filename="fr-en-effectifs-second-degre.csv",
        content_bytes=content,
        actor=platform_of(poitiers.academie),
    )
    pupil_count_import_apply(pupil_count_import=imp, actor=platform_of(imp))
    count = PupilCount.objects.get(establishment=poitiers.other_establishment, school_year=year())
    assert count.pupils == 640
    assert count.source == f"Effectifs second degré {label} (fr-en-effectifs-second-degre)"
