"""The annuaire import services against the database, on files in the real export's format."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from accounts.scopes import scope_for
from audit.models import AuditEvent
from establishments.imports.apply import (
    EstablishmentImportError,
    establishment_import_apply,
    establishment_import_cancel,
    establishment_import_preview,
)
from establishments.imports.parse import AnnuaireFileError
from establishments.imports.plan import establishment_import_plan
from establishments.models import (
    Establishment,
    EstablishmentImport,
    ImportStatus,
    PupilCount,
    SchoolYear,
)
from tests.establishments.annuaire_csv import annuaire_csv, annuaire_row, uai_for
from tests.factories import AcademieWorld, platform_of

DATA = Path(__file__).resolve().parent.parent / "data" / "annuaire"
SAMPLE_UAIS = {
    uai_for("016", 1001),
    uai_for("016", 1002),
    uai_for("016", 1003),
    uai_for("017", 1004),
    uai_for("079", 1005),
    uai_for("086", 1006),
    uai_for("086", 1007),
    uai_for("017", 1008),
}


def snapshot() -> dict[str, list[Any]]:
    """Every establishment, pupil count and import, field by field (timestamps included)."""
    return {
        "establishments": list(Establishment.objects.order_by("pk").values()),
        "pupil_counts": list(PupilCount.objects.order_by("pk").values()),
        "imports": list(EstablishmentImport.objects.order_by("pk").values()),
    }


def preview(world: AcademieWorld, content: bytes, **kwargs: Any) -> EstablishmentImport:
    return establishment_import_preview(
        academie=world.academie,
        school_year=kwargs.pop("school_year", None) or SchoolYear.objects.current(),
        filename=kwargs.pop("filename", "fr-en-annuaire-education.csv"),
        content_bytes=content,
        actor=scope_for(world.dane_admin),
    )


def apply(world: AcademieWorld, imp: EstablishmentImport, only_valid_rows: bool = False) -> Any:
    return establishment_import_apply(
        establishment_import=imp, actor=scope_for(world.dane_admin), only_valid_rows=only_valid_rows
    )


def sample(name: str) -> bytes:
    return (DATA / name).read_bytes()


def test_preview_changes_nothing_then_apply_creates(worlds):
    poitiers, _ = worlds
    before = snapshot()
    imp = preview(poitiers, sample("poitiers_libelles.csv"))
    after = snapshot()
    assert after["establishments"] == before["establishments"]
    assert after["pupil_counts"] == before["pupil_counts"]
    assert imp.status == ImportStatus.PREVIEWED
    assert imp.report["counts"] == {
        "created": 8,
        "updated": 0,
        "unchanged": 0,
        "ignored": 6,
        "rejected": 0,
        "merged": 0,
        "missing_pupils": 1,
    }
    assert imp.report["header_style"] == "labels"
    assert imp.report["missing_pupils"] == [
        {"line": 8, "uai": uai_for("086", 1007), "name": "Collège François Rabelais", "kept": None}
    ]

    applied = apply(poitiers, imp)
    assert applied.status == ImportStatus.APPLIED
    assert applied.applied_by == poitiers.dane_admin.user
    assert applied.applied_at is not None
    imp.refresh_from_db()
    assert imp.status == ImportStatus.APPLIED

    created = {e.uai: e for e in Establishment.objects.filter(uai__in=SAMPLE_UAIS)}
    assert len(created) == 8
    assert all(e.academie == poitiers.academie for e in created.values())
    balzac = created[uai_for("016", 1003)]
    assert (balzac.name, balzac.type, balzac.sector, balzac.departement.code, balzac.commune) == (
        "Lycée Guez de Balzac",
        "lgt",
        "public",
        "16",
        "Angoulême",
    )
    assert balzac.email == f"ce.{balzac.uai.lower()}@ac-poitiers.fr"
    assert created[uai_for("016", 1002)].sector == "prive"
    assert created[uai_for("017", 1004)].type == "lp"
    assert created[uai_for("079", 1005)].type == "lpo"
    assert created[uai_for("086", 1006)].type == "erea"
    year = SchoolYear.objects.current()
    counts = dict(
        PupilCount.objects.filter(establishment__uai__in=SAMPLE_UAIS, school_year=year).values_list(
            "establishment__uai", "pupils"
        )
    )
    assert counts[balzac.uai] == 1245
    # A missing count is reported, not invented.
    assert uai_for("086", 1007) not in counts
    assert len(counts) == 7
    # Ignored rows (école, CIO, other académie) created nothing.
    assert not Establishment.objects.filter(
        name__in=["Lycée Montaigne", "CIO de Poitiers"]
    ).exists()


def test_reimport_with_other_header_spelling_changes_nothing(worlds):
    poitiers, _ = worlds
    apply(poitiers, preview(poitiers, sample("poitiers_libelles.csv")))
    before = snapshot()

    again = preview(poitiers, sample("poitiers_champs.csv"))  # lower-case headers, no BOM
    assert again.report["header_style"] == "fields"
    assert again.report["counts"]["unchanged"] == 8
    assert again.report["counts"]["created"] == 0
    assert again.report["counts"]["updated"] == 0
    apply(poitiers, again)

    after = snapshot()
    assert after["establishments"] == before["establishments"]
    assert after["pupil_counts"] == before["pupil_counts"]


def test_updates_are_detected_field_by_field(worlds):
    poitiers, _ = worlds
    known = poitiers.establishment  # collège of département 16, 300 pupils this year
    row = annuaire_row(
        uai=known.uai,
        name="Collège Jean Moulin (nouveau nom)",
        departement="017",
        commune="Saintes",
        pupils="321",
        mail="ce.nouvelle@ac-poitiers.fr",
    )
    imp = preview(poitiers, annuaire_csv([row]))
    assert imp.report["counts"]["updated"] == 1
    changes = {c["label"]: (c["old"], c["new"]) for c in imp.report["updated"][0]["changes"]}
    year = SchoolYear.objects.current().label
    assert changes == {
        "Nom": (known.name, "Collège Jean Moulin (nouveau nom)"),
        "Département": ("16 – Charente", "17 – Charente-Maritime"),
        "Commune": (known.commune, "Saintes"),
        "Adresse électronique": (known.email, "ce.nouvelle@ac-poitiers.fr"),
        f"Élèves {year}": ("300", "321"),
    }
    apply(poitiers, imp)
    known.refresh_from_db()
    assert known.name == "Collège Jean Moulin (nouveau nom)"
    assert known.departement.code == "17"
    assert known.commune == "Saintes"
    assert (
        known.pupil_counts.get(
            school_year__start_year=SchoolYear.objects.current().start_year
        ).pupils
        == 321
    )
    assert known.academie == poitiers.academie


def test_missing_count_keeps_the_known_one(worlds):
    poitiers, _ = worlds
    known = poitiers.establishment
    row = annuaire_row(
        uai=known.uai,
        name=known.name,
        commune=known.commune,
        mail="",  # an empty cell never erases what is known
        pupils="",
    )
    imp = preview(poitiers, annuaire_csv([row]))
    assert imp.report["counts"]["unchanged"] == 1
    assert imp.report["missing_pupils"][0]["kept"] == 300
    before = snapshot()
    apply(poitiers, imp)
    assert snapshot()["pupil_counts"] == before["pupil_counts"]
    assert snapshot()["establishments"] == before["establishments"]


def test_pupils_go_to_the_chosen_school_year(worlds):
    poitiers, _ = worlds
    next_year, _ = SchoolYear.objects.get_or_create(
        start_year=SchoolYear.objects.current().start_year + 1
    )
    known = poitiers.establishment
    row = annuaire_row(
        uai=known.uai, name=known.name, commune=known.commune, mail=known.email, pupils="333"
    )
    imp = preview(poitiers, annuaire_csv([row]), school_year=next_year)
    assert imp.report["counts"]["updated"] == 1
    apply(poitiers, imp)
    assert known.pupil_counts.get(school_year=next_year).pupils == 333
    assert known.pupil_counts.get(school_year=SchoolYear.objects.current()).pupils == 300


def test_uai_of_another_academie_is_rejected_never_moved(worlds):
    poitiers, bordeaux = worlds
    theirs = bordeaux.establishment
    rows = [
        annuaire_row(uai=theirs.uai, name="Collège revendiqué", departement="016"),
        annuaire_row(uai=uai_for("016", 4001), name="Collège valide"),
    ]
    imp = preview(poitiers, annuaire_csv(rows))
    assert imp.report["counts"]["rejected"] == 1
    assert imp.report["counts"]["created"] == 1
    error = imp.report["rejected"][0]["errors"][0]
    assert error["column"] == "Identifiant_de_l_etablissement"
    assert "déjà enregistré dans une autre académie" in error["message"]
    assert "Bordeaux" not in error["message"]

    apply(poitiers, imp, only_valid_rows=True)
    theirs.refresh_from_db()
    assert theirs.academie == bordeaux.academie
    assert theirs.name != "Collège revendiqué"
    assert Establishment.objects.get(uai=uai_for("016", 4001)).academie == poitiers.academie


def test_a_file_with_errors_changes_nothing(worlds):
    poitiers, _ = worlds
    imp = preview(poitiers, sample("poitiers_erreurs.csv"))
    assert imp.report["counts"]["rejected"] == 5
    assert imp.report["counts"]["created"] == 2  # line 2, and lines 5–6 merged into one
    assert [r["line"] for r in imp.report["rejected"]] == [3, 4, 7, 8, 9]
    before = snapshot()
    with pytest.raises(EstablishmentImportError) as caught:
        apply(poitiers, imp)
    assert "5 lignes rejetées : rien n’a été importé" in caught.value.messages[0]
    assert snapshot() == before
    imp.refresh_from_db()
    assert imp.status == ImportStatus.PREVIEWED

    # Only when asked are the valid rows imported.
    applied = apply(poitiers, imp, only_valid_rows=True)
    assert applied.only_valid_rows is True
    assert applied.report["only_valid_rows"] is True
    assert Establishment.objects.filter(uai=uai_for("016", 1001)).exists()
    assert Establishment.objects.get(uai=uai_for("079", 2002)).name == "Collège Doublon A"


@pytest.mark.parametrize(
    ("filename", "expected"),
    [
        ("poitiers_windows1252.csv", "Ligne 2, colonne Nom_etablissement"),
        ("poitiers_virgules.csv", "point-virgule"),
        ("poitiers_colonnes_manquantes.csv", "Code_academie, Nom_commune"),
        ("vide.csv", "Le fichier est vide."),
    ],
)
def test_unreadable_files_store_nothing(worlds, filename, expected):
    poitiers, _ = worlds
    before = snapshot()
    with pytest.raises(AnnuaireFileError) as caught:
        preview(poitiers, sample(filename))
    assert expected in caught.value.messages[0]
    assert snapshot() == before


def test_file_over_the_size_limit_is_refused(worlds, settings):
    poitiers, _ = worlds
    settings.ESTABLISHMENT_IMPORT_MAX_BYTES = 1_000
    with pytest.raises(AnnuaireFileError) as caught:
        preview(poitiers, sample("poitiers_libelles.csv"))
    assert "la taille maximale acceptée est 1 ko" in caught.value.messages[0]
    assert not EstablishmentImport.objects.exists()


def test_applying_twice_or_after_cancel_changes_nothing(worlds):
    poitiers, _ = worlds
    imp = preview(poitiers, sample("poitiers_libelles.csv"))
    stale = EstablishmentImport.objects.get(pk=imp.pk)  # a second browser tab
    apply(poitiers, imp)
    before = snapshot()
    with pytest.raises(EstablishmentImportError) as caught:
        apply(poitiers, stale)
    assert "déjà été appliqué" in caught.value.messages[0]
    with pytest.raises(EstablishmentImportError):
        establishment_import_cancel(establishment_import=stale, actor=platform_of(stale))
    assert snapshot() == before

    other = preview(poitiers, sample("poitiers_champs.csv"))
    establishment_import_cancel(establishment_import=other, actor=scope_for(poitiers.dane_admin))
    other.refresh_from_db()
    assert other.status == ImportStatus.CANCELLED
    cancelled = AuditEvent.objects.get(verb="import.cancel", target_id=other.pk)
    assert cancelled.actor == poitiers.dane_admin.user
    before = snapshot()
    with pytest.raises(EstablishmentImportError) as caught:
        apply(poitiers, other)
    assert "annulé" in caught.value.messages[0]
    assert snapshot() == before


def test_apply_compares_again_with_the_database(worlds):
    """Two previews of the same file: the second applied after the first creates nothing twice."""
    poitiers, _ = worlds
    first = preview(poitiers, sample("poitiers_libelles.csv"))
    second = preview(poitiers, sample("poitiers_libelles.csv"))
    apply(poitiers, first)
    applied = apply(poitiers, second)
    assert applied.report["counts"]["created"] == 0
    assert applied.report["counts"]["unchanged"] == 8
    assert applied.report["preview_counts"]["created"] == 8
    assert Establishment.objects.filter(uai__in=SAMPLE_UAIS).count() == 8


def test_plan_is_a_dry_run(worlds):
    poitiers, _ = worlds
    before = snapshot()
    plan = establishment_import_plan(
        academie=poitiers.academie,
        school_year=SchoolYear.objects.current(),
        content_bytes=sample("poitiers_libelles.csv"),
    )
    assert plan.counts()["created"] == 8
    assert snapshot() == before


def test_other_academie_importing_the_same_file_gets_its_own_rows(worlds):
    poitiers, bordeaux = worlds
    imp = preview(bordeaux, sample("poitiers_libelles.csv"))
    assert imp.report["counts"]["created"] == 2
    assert imp.report["counts"]["ignored"] == 12
    apply(bordeaux, imp)
    assert not Establishment.objects.filter(
        uai__in=SAMPLE_UAIS, academie=bordeaux.academie
    ).exists()


def test_real_export_imports_fully_with_default_settings(worlds):
    """Empty types and annexes sharing an UAI no longer block an all-or-nothing import."""
    poitiers, _ = worlds
    imp = preview(poitiers, sample("poitiers_export.csv"))
    counts = imp.report["counts"]
    assert counts["rejected"] == 0
    assert counts["merged"] == 3
    assert counts["created"] == 22
    merged = {m["uai"]: m for m in imp.report["merged"]}
    assert merged[uai_for("017", 3102)] == {
        "uai": uai_for("017", 3102),
        "kept_line": 38,
        "kept_name": "Lycée professionnel Blaise Pascal",
        "dropped": [
            {
                "line": 37,
                "name": "Lycée professionnel Blaise Pascal - Annexe de Marennes",
                "commune": "Marennes-Hiers-Brouage",
            }
        ],
    }
    applied = apply(poitiers, imp)  # all or nothing, the default
    assert applied.status == ImportStatus.APPLIED
    lp = Establishment.objects.get(uai=uai_for("017", 3102))
    assert (lp.name, lp.commune) == ("Lycée professionnel Blaise Pascal", "Saintes")
    assert PupilCount.objects.get(establishment=lp).pupils == 512
    assert not Establishment.objects.filter(name__startswith="CFA").exists()
    # The same file again: one establishment per UAI, all unchanged.
    again = apply(poitiers, preview(poitiers, sample("poitiers_export.csv")))
    assert again.report["counts"]["unchanged"] == 22
    assert again.report["counts"]["created"] == 0


def test_upload_limit_holds_the_national_file():
    """About 70 000 lines of ~650 bytes for a real line, ~56 MB once every field is quoted."""
    from django.conf import settings as django_settings

    assert django_settings.ESTABLISHMENT_IMPORT_MAX_BYTES >= 70_000 * (650 + 2 * 72)


def test_national_file_is_stored_without_its_ignored_lines(worlds):
    """Bordeaux's lines are counted at preview and applying; only Poitiers' are stored."""
    poitiers, _ = worlds
    rows = [
        annuaire_row(uai=uai_for("016", 4100 + i), name=f"Collège {i}", pupils="250")
        for i in range(3)
    ] + [
        annuaire_row(
            uai=uai_for("033", 4200 + i), name=f"Collège de Gironde {i}", departement="033"
        )
        for i in range(60)
    ]
    content = annuaire_csv(rows)
    imp = preview(poitiers, content)
    stored = EstablishmentImport.objects.get(pk=imp.pk).content
    assert len(stored.encode()) < len(content) / 5
    assert imp.report["counts"]["ignored"] == 60
    applied = apply(poitiers, imp)
    assert applied.report["counts"]["created"] == 3
    assert applied.report["counts"]["ignored"] == 60
    assert applied.report["total_rows"] == 63
    assert applied.report["ignored"] == imp.report["ignored"]
    assert [r["line"] for r in applied.report["created"]] == [2, 3, 4]


def test_file_of_other_academies_only_applies_to_nothing(worlds):
    poitiers, _ = worlds
    rows = [
        annuaire_row(uai=uai_for("033", 4300 + i), name=f"Collège {i}", departement="033")
        for i in range(5)
    ]
    applied = apply(poitiers, preview(poitiers, annuaire_csv(rows)))
    assert applied.report["counts"]["created"] == 0
    assert applied.report["counts"]["ignored"] == 5
