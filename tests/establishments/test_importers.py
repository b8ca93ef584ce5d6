"""The pure parser of the annuaire: no database."""

from __future__ import annotations

from pathlib import Path

import pytest

from establishments.imports import parse as importers
from establishments.imports.parse import AnnuaireFileError, parse_annuaire
from tests.establishments.annuaire_csv import (
    HEADER_LABELS,
    annuaire_csv,
    annuaire_row,
    poitiers_export_rows,
    poitiers_sample_rows,
    uai_for,
)

DATA = Path(__file__).resolve().parent.parent / "data" / "annuaire"
POITIERS_DEPARTEMENTS = {"16", "17", "79", "86"}


def parse(content: bytes, academie_code: str = "13") -> importers.ParsedAnnuaire:
    return parse_annuaire(
        importers.decode(content),
        academie_code=academie_code,
        departement_codes=POITIERS_DEPARTEMENTS,
    )


def file_error(content: bytes) -> str:
    with pytest.raises(AnnuaireFileError) as caught:
        parse(content)
    return " ".join(caught.value.messages)


def test_real_format_file_with_labels_and_bom():
    content = (DATA / "poitiers_libelles.csv").read_bytes()
    assert content.startswith(b"\xef\xbb\xbf")
    parsed = parse(content)
    assert parsed.header_style == "labels"
    assert parsed.total_rows == 14
    assert [r.line for r in parsed.valid] == [2, 3, 4, 5, 6, 7, 8, 9]
    assert parsed.rejected == []
    by_name = {r.name: r for r in parsed.valid}
    assert by_name["Collège Jean Moulin"].type == "college"
    assert by_name["Collège Jean Moulin"].departement_code == "16"
    assert by_name["Collège Sainte-Marthe Chavagnes"].sector == "prive"
    assert by_name["Lycée Guez de Balzac"].type == "lgt"
    assert by_name["Lycée Guez de Balzac"].pupils == 1245  # "1 245"
    assert by_name["Lycée professionnel Marcel Dassault"].type == "lp"
    assert by_name["Lycée polyvalent Paul Guérin"].type == "lpo"
    assert by_name["EREA Jean-Louis Ballandras"].type == "erea"
    assert by_name["Collège François Rabelais"].pupils is None
    assert by_name['Collège "Les Salines"'].commune == "Saint-Pierre-d’Oléron"
    reasons = {g["reason"]: g["count"] for g in importers.ignored_summary(parsed.ignored)}
    assert reasons == {
        "Autre académie (Bordeaux)": 2,
        "Type non concerné (Ecole)": 1,
        "Type non concerné (Information et orientation)": 1,
        "Type non concerné (Médico-social)": 1,
        "Type non concerné (Service Administratif)": 1,
    }


def test_both_header_spellings_give_the_same_rows():
    labels = parse((DATA / "poitiers_libelles.csv").read_bytes())
    fields = parse((DATA / "poitiers_champs.csv").read_bytes())
    assert fields.header_style == "fields"
    assert fields.valid == labels.valid
    assert fields.ignored == labels.ignored


def test_other_academie_reads_the_same_file_as_all_ignored_but_its_own():
    parsed = parse_annuaire(
        importers.decode((DATA / "poitiers_libelles.csv").read_bytes()),
        academie_code="4",  # Bordeaux is "04" in the annuaire: leading zeros do not matter
        departement_codes={"24", "33", "40", "47", "64"},
    )
    assert {r.name for r in parsed.valid} == {"Lycée Montaigne", "Collège Michel de Montaigne"}
    assert parsed.rejected == []


def test_errors_name_line_and_column():
    parsed = parse((DATA / "poitiers_erreurs.csv").read_bytes())
    # Lines 5 and 6 share an UAI: one establishment, the first line (no annexe in the names).
    assert [r.line for r in parsed.valid] == [2, 5]
    assert [(m.kept_line, [d.line for d in m.dropped]) for m in parsed.merged] == [(5, [6])]
    errors = {r.line: [(e.column, e.message) for e in r.errors] for r in parsed.rejected}
    assert errors[3][0][0] == "Identifiant_de_l_etablissement"
    assert "lettre de contrôle" in errors[3][0][1]
    assert errors[4][0][0] == "Type_etablissement"
    assert "Type d’établissement inconnu : « Université »" in errors[4][0][1]
    assert errors[7][0][0] == "Code_departement"
    assert "« 033 » (Gironde) n’est pas un département connu de l’académie" in errors[7][0][1]
    assert errors[8][0][0] == "Statut_public_prive"
    assert errors[9][0][0] == "Nombre_d_eleves"
    assert sorted(errors) == [3, 4, 7, 8, 9]
    assert len(parsed.ignored) == 2  # the école and the Bordeaux lycée


def test_lower_case_headers_are_named_as_in_the_file():
    rows = [annuaire_row(uai="0161001A", name="Collège à lettre fausse")]
    parsed = parse(annuaire_csv(rows, header_style="fields"))
    assert parsed.rejected[0].errors[0].column == "identifiant_de_l_etablissement"


def test_windows_1252_file_is_refused_naming_line_and_column():
    message = file_error((DATA / "poitiers_windows1252.csv").read_bytes())
    assert message.startswith("Ligne 2, colonne Nom_etablissement : ")
    assert "UTF-8" in message


def test_comma_separated_file_is_refused():
    message = file_error((DATA / "poitiers_virgules.csv").read_bytes())
    assert "Ligne 1" in message
    assert "point-virgule" in message
    assert "la virgule « , »" in message


def test_missing_required_columns_are_named():
    message = file_error((DATA / "poitiers_colonnes_manquantes.csv").read_bytes())
    assert "Ligne 1 (en-tête)" in message
    assert "Code_academie, Nom_commune" in message


def test_empty_file_and_header_only_file_are_refused():
    assert file_error((DATA / "vide.csv").read_bytes()) == "Le fichier est vide."
    assert file_error(b"\xef\xbb\xbf  \r\n") == "Le fichier est vide."
    assert "que l’en-tête" in file_error(annuaire_csv([]))
    assert "en-tête est vide" in file_error(b"\r\n" + annuaire_csv([]))


def test_size_problem():
    assert importers.size_problem(0, 100) == "Le fichier est vide."
    assert importers.size_problem(100, 100) is None
    message = importers.size_problem(2_500_000, 2_000_000)
    assert message is not None
    assert "2,5 Mo" in message
    assert "2 Mo" in message


def test_row_with_a_missing_separator_is_rejected():
    content = annuaire_csv([annuaire_row(uai=uai_for("016", 3001), name="Collège A")])
    broken = content.replace(b";Public;", b";Public", 1)
    parsed = parse(broken)
    assert parsed.valid == []
    assert "71 colonnes au lieu des 72" in parsed.rejected[0].errors[0].message


def test_quoted_semicolon_in_a_name_is_kept():
    rows = [annuaire_row(uai=uai_for("016", 3002), name="Collège A ; annexe B")]
    parsed = parse(annuaire_csv(rows))
    assert parsed.valid[0].name == "Collège A ; annexe B"


@pytest.mark.parametrize(
    ("voies", "nature", "expected"),
    [
        (("1", "0", "0"), "", "lgt"),
        (("0", "1", "0"), "", "lgt"),
        (("0", "0", "1"), "", "lp"),
        (("1", "1", "1"), "", "lpo"),
        (("", "", ""), "LYCEE POLYVALENT", "lpo"),
        (("", "", ""), "LYCEE PROFESSIONNEL", "lp"),
        (("", "", ""), "", "lgt"),
    ],
)
def test_lycee_subtypes(voies, nature, expected):
    row = annuaire_row(
        uai=uai_for("016", 3003), name="Lycée X", type="Lycée", voies=voies, libelle_nature=nature
    )
    assert parse(annuaire_csv([row])).valid[0].type == expected


def test_lycee_defaults_to_lgt_without_voie_columns():
    header = [h for h in HEADER_LABELS if not h.startswith("Voie_") and h != "libelle_nature"]
    row = annuaire_row(uai=uai_for("016", 3004), name="Lycée Y", type="Lycée")
    assert parse(annuaire_csv([row], header=header)).valid[0].type == "lgt"


def test_minimal_column_set_and_optional_columns():
    header = [
        "Identifiant_de_l_etablissement",
        "Nom_etablissement",
        "Type_etablissement",
        "Statut_public_prive",
        "Code_departement",
        "Code_academie",
        "Nom_commune",
    ]
    row = annuaire_row(uai=uai_for("086", 3005), name="Collège Z", departement="086")
    valid = parse(annuaire_csv([row], header=header)).valid[0]
    assert valid.pupils is None
    assert valid.email == ""


def test_departement_codes_are_normalised():
    assert importers.normalize_departement("016") == "16"
    assert importers.normalize_departement("02A") == "2A"
    assert importers.normalize_departement("02b") == "2B"
    assert importers.normalize_departement("974") == "974"
    assert importers.normalize_departement("16") == "16"


def test_pupil_counts():
    assert importers.parse_pupils("") is None
    assert importers.parse_pupils("1\u202f234") == 1234
    assert importers.parse_pupils("350.0") == 350
    for bad in ("-3", "12,5", "abc"):
        with pytest.raises(ValueError):
            importers.parse_pupils(bad)


def test_unknown_types_and_other_academies():
    rows = [
        annuaire_row(uai=uai_for("016", 3006), name="Inconnu", type="Université"),
        annuaire_row(uai=uai_for("016", 3007), name="Vide", type=""),
        # Another académie's row with an unknown type is not the importer's business.
        annuaire_row(
            uai=uai_for("033", 3008), name="Ailleurs", type="Université", departement="033"
        ),
    ]
    parsed = parse(annuaire_csv(rows))
    assert [r.line for r in parsed.rejected] == [2]
    # An empty type (private training bodies in the national file) is ignored, not rejected.
    assert [(r.line, r.reason) for r in parsed.ignored] == [
        (3, importers.EMPTY_TYPE_REASON),
        (4, "Autre académie (Bordeaux)"),
    ]


def test_sample_rows_helper_matches_committed_file():
    assert annuaire_csv(poitiers_sample_rows()) == (DATA / "poitiers_libelles.csv").read_bytes()


def test_nul_characters_and_utf16_are_refused():
    row = annuaire_row(uai=uai_for("016", 3009), name="Collège \x00 nul")
    message = file_error(annuaire_csv([annuaire_row(uai=uai_for("016", 3010), name="A"), row]))
    assert message.startswith("Ligne 3 : caractère nul")
    text = annuaire_csv([row], bom=False).decode()
    assert "UTF-8" in file_error(text.encode("utf-16"))  # with its BOM: not UTF-8 at all
    # Without BOM and with accents: the first accent is not UTF-8, named without its column.
    assert file_error(text.encode("utf-16-le")).startswith("Ligne 2 : le fichier n’est pas")
    ascii_only = annuaire_csv(
        [annuaire_row(uai=uai_for("016", 3013), name="College A", commune="Niort")], bom=False
    )
    ascii_only = ascii_only.decode().encode("ascii", errors="ignore")
    assert file_error(ascii_only.decode().encode("utf-16-le")).startswith("Ligne 1 : caractère nul")


def test_unclosed_quote_is_a_rejected_row():
    rows = [
        annuaire_row(uai=uai_for("016", 3011), name="Collège A"),
        annuaire_row(uai=uai_for("016", 3012), name="Collège B"),
        annuaire_row(uai=uai_for("016", 3014), name="Collège C"),
    ]
    content = annuaire_csv(rows).replace(";Collège B;".encode(), ';"Collège B;'.encode())
    parsed = parse(content)
    # The open quote swallows the rest of the file into one field: that row is rejected.
    assert [r.line for r in parsed.valid] == [2]
    assert parsed.rejected[0].line == 3
    assert parsed.rejected[0].errors[0].message == (
        "2 colonnes au lieu des 72 de l’en-tête : un guillemet non refermé a fait lire les "
        "lignes 3 à 4 comme une seule."
    )


def test_header_only_without_line_end():
    assert "que l’en-tête" in file_error(";".join(HEADER_LABELS).encode())


def test_real_export_of_an_academie_has_no_rejected_line():
    """Empty types and annexes sharing an UAI, as in a real export: nothing rejected."""
    parsed = parse((DATA / "poitiers_export.csv").read_bytes())
    assert parsed.rejected == []
    assert len(parsed.valid) == 22
    reasons = {g["reason"]: g["count"] for g in importers.ignored_summary(parsed.ignored)}
    assert reasons[importers.EMPTY_TYPE_REASON] == 3
    assert reasons["Type non concerné (Ecole)"] == 16
    merges = {m.uai: m for m in parsed.merged}
    assert len(merges) == 3
    # The annexe comes first in the file: the main line is kept all the same.
    lp = merges[uai_for("017", 3102)]
    assert (lp.kept_line, lp.kept_name) == (38, "Lycée professionnel Blaise Pascal")
    assert [(d.line, d.commune) for d in lp.dropped] == [(37, "Marennes-Hiers-Brouage")]
    lpo = merges[uai_for("079", 3103)]
    assert (lpo.kept_line, [d.line for d in lpo.dropped]) == (39, [40])
    # Neither name mentions an annexe: the first line is kept.
    college = merges[uai_for("086", 3104)]
    assert (college.kept_line, college.kept_name) == (41, "Collège Jean Moulin")
    kept = {r.uai: r for r in parsed.valid}
    assert kept[uai_for("017", 3102)].commune == "Saintes"
    assert kept[uai_for("017", 3102)].pupils == 512


def test_export_builder_matches_committed_file():
    assert annuaire_csv(poitiers_export_rows()) == (DATA / "poitiers_export.csv").read_bytes()


@pytest.mark.parametrize(
    ("name", "secondary"),
    [
        ("Lycée professionnel Blaise Pascal - Annexe de Marennes", True),
        ("LYCEE JEAN MACE ANNEXE", True),
        ("Lycée X - Site de la Mothe", True),
        ("Antenne du collège de Ré", True),
        ("Collège Jean Moulin", False),
        ("Collège Parsifal", False),
    ],
)
def test_secondary_site_names(name, secondary):
    assert importers.is_secondary_site(name) is secondary


def test_empty_type_is_ignored_not_rejected():
    rows = [annuaire_row(uai=uai_for("016", 1001), name="CFA de la Charente", type="")]
    parsed = parse(annuaire_csv(rows))
    assert parsed.rejected == []
    assert [r.reason for r in parsed.ignored] == [importers.EMPTY_TYPE_REASON]


def test_lines_are_read_one_at_a_time_with_their_ends():
    assert list(importers.iter_lines("a;b\r\nc;d\r\n")) == ["a;b\r\n", "c;d\r\n"]
    assert list(importers.iter_lines("a\nb")) == ["a\n", "b"]
    assert list(importers.iter_lines("")) == []


def test_encoding_error_position_counts_the_bom():
    content = annuaire_csv([annuaire_row(uai=uai_for("016", 3011), name="Collège Éluard")])
    broken = content.replace("Éluard".encode(), "\xc9luard".encode("cp1252"))
    assert broken.startswith(b"\xef\xbb\xbf")
    assert file_error(broken).startswith("Ligne 2, colonne Nom_etablissement :")


def test_compact_text_blanks_ignored_lines_and_keeps_line_numbers():
    content = (DATA / "poitiers_libelles.csv").read_bytes()
    text = importers.decode(content)
    parsed = parse(content)
    compact = parsed.compact_text
    assert compact.count("\n") == text.count("\n")  # every line keeps its number
    assert len(parsed.ignored) == 6
    lines = compact.split("\n")
    first, *others = sorted(parsed.ignored, key=lambda r: r.line)
    assert first.name in lines[first.line - 1]  # the first one is kept
    assert all(lines[r.line - 1] == "" for r in others)  # the others are empty lines
    again = parse(compact.encode())
    assert [(r.line, r.uai) for r in again.valid] == [(r.line, r.uai) for r in parsed.valid]
    assert [r.line for r in again.ignored] == [first.line]
