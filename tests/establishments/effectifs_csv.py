"""Builders of the ministry's pupils-per-establishment CSV files, in the published format.

- `fr-en-college-effectifs-niveau-sexe-lv` (labels header, every label quoted as the portal
  writes it, long total column name, UTF-8 with BOM, `;`, CRLF);
- `fr-en-effectifs-second-degre` (field-like capitalised names, `Annee_scolaire` 2024-2025).
"""

from __future__ import annotations

from collections.abc import Sequence

COLLEGE_PUPILS_LABEL = "Nombre d'élèves total (y compris Segpa et ULIS)"

COLLEGE_HEADER = [
    "Rentrée scolaire",
    "Région académique",
    "Académie",
    "Département",
    "Commune",
    "Numéro du collège",
    "Dénomination principale",
    "Patronyme",
    "Secteur",
    "REP",
    "REP +",
    "Nombre total de 6èmes",
    "6èmes filles",
    "6èmes garçons",
    "6èmes LV1 allemand",
    "6èmes LV1 anglais",
    "6èmes LV1 espagnol",
    "6èmes LV1 autres langues",
    "Nombre total de 5èmes",
    "5èmes filles",
    "5èmes garçons",
    "Nombre total de 4èmes",
    "4èmes filles",
    "4èmes garçons",
    "Nombre total de 3èmes",
    "3èmes filles",
    "3èmes garçons",
    "Nombre total d'élèves en Segpa",
    "Nombre total d'élèves en ULIS",
    "Nombre d'élèves total hors Segpa hors ULIS",
    COLLEGE_PUPILS_LABEL,
]

SECOND_DEGRE_HEADER = [
    "Annee_scolaire",
    "Region_academique",
    "Academie",
    "Departement",
    "Commune",
    "Numero_d_etablissement",
    "Denomination_principale",
    "Patronyme",
    "Secteur",
    "Type_d_etablissement",
    "Nombre_d_eleves",
    "Nombre_de_classes",
]


def _cell(value: str) -> str:
    if any(c in value for c in ';"\n'):
        return '"' + value.replace('"', '""') + '"'
    return value


def college_csv(
    rows: Sequence[tuple[str, str, str, str, int | str]], *, bom: bool = True, quoted: bool = True
) -> bytes:
    """Rows of (rentrée, académie, UAI, name, total)."""
    header = ";".join(f'"{h}"' if quoted else _cell(h) for h in COLLEGE_HEADER)
    lines = [header]
    for year, academie, uai, name, total in rows:
        total_int = int(total) if str(total).isdigit() else 0
        sixth = total_int // 4
        values = [
            year,
            "NOUVELLE-AQUITAINE",
            academie,
            "VIENNE" if uai.startswith("086") else "CHARENTE",
            "POITIERS",
            uai,
            "COLLEGE",
            name.upper(),
            "PUBLIC",
            "0",
            "0",
            str(sixth),
            str(sixth // 2),
            str(sixth - sixth // 2),
            "10",
            str(max(sixth - 10, 0)),
            "0",
            "0",
            str(sixth),
            str(sixth // 2),
            str(sixth - sixth // 2),
            str(sixth),
            str(sixth // 2),
            str(sixth - sixth // 2),
            str(sixth),
            str(sixth // 2),
            str(sixth - sixth // 2),
            "0",
            "0",
            str(total_int),
            str(total),
        ]
        lines.append(";".join(_cell(v) for v in values))
    data = ("\r\n".join(lines) + "\r\n").encode()
    return (b"\xef\xbb\xbf" + data) if bom else data


def second_degre_csv(
    rows: Sequence[tuple[str, str, str, str, str, int | str]], *, bom: bool = False
) -> bytes:
    """Rows of (Annee_scolaire, académie, UAI, name, type, total)."""
    lines = [";".join(SECOND_DEGRE_HEADER)]
    for year, academie, uai, name, type_, total in rows:
        values = [
            year,
            "NOUVELLE-AQUITAINE",
            academie,
            "VIENNE",
            "POITIERS",
            uai,
            type_,
            name.upper(),
            "PUBLIC",
            type_,
            str(total),
            "12",
        ]
        lines.append(";".join(_cell(v) for v in values))
    data = ("\r\n".join(lines) + "\r\n").encode()
    return (b"\xef\xbb\xbf" + data) if bom else data
