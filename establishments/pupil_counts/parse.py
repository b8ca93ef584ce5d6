"""Parsing of the ministry's datasets of pupils per establishment (pure: no database).

Two datasets of data.education.gouv.fr, exported in CSV with `;` (UTF-8, BOM or not):

- `fr-en-college-effectifs-niveau-sexe-lv`, pupils of each collège by level, sex and language:
  `Rentrée scolaire` (the start year, `2024`), `Numéro du collège` (the UAI), `Académie`, and
  the total in a column whose label starts with `Nombre d'élèves total` (as published, quoted,
  sometimes with a parenthesis after it); the field-name export spells them `rentree_scolaire`,
  `numero_college`, `nombre_eleves_total`;
- `fr-en-effectifs-second-degre`, one line per establishment and year: `Annee_scolaire`
  (`2018-2019`), `Numero_d_etablissement`, `Type_d_etablissement`, `Academie`,
  `Nombre_d_eleves`.

Which file it is comes from its header; headers are compared folded (case, accents, quotes,
apostrophes, spaces and underscores). Messages name the physical line (the header is line 1).
"""

from __future__ import annotations

import csv
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError

from establishments.imports.parse import (
    AnnuaireFileError,
    decode,
    iter_lines,
    parse_pupils,
)
from establishments.uai import normalize_uai, uai_problem

SEPARATOR = ";"

COLLEGES = "fr-en-college-effectifs-niveau-sexe-lv"
SECOND_DEGRE = "fr-en-effectifs-second-degre"
DATASET_LABELS = {
    COLLEGES: "Effectifs des collèges",
    SECOND_DEGRE: "Effectifs second degré",
}


class PupilCountFileError(ValidationError):
    """The file as a whole cannot be used: nothing of it is imported."""


def fold_header(value: str) -> str:
    """`"Nombre d'élèves total"`, `nombre_d_eleves_total` → `nombre d eleves total`."""
    decomposed = unicodedata.normalize("NFKD", value.strip().strip("\ufeff").strip('"').lower())
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(re.sub(r"[_'’\s]+", " ", plain).split())


@dataclass(frozen=True)
class Layout:
    """Where the columns of one dataset are, and how they are spelled in the file."""

    dataset: str
    year: int
    uai: int
    pupils: int
    academie: int | None
    name: int | None
    type: int | None
    pupils_label: str
    year_label: str
    uai_label: str


# Folded names, label spelling first then field-name spelling.
_COLLEGE_YEAR = ("rentree scolaire",)
_COLLEGE_UAI = ("numero du college", "numero college")
_COLLEGE_PUPILS_PREFIXES = ("nombre d eleves total", "nombre eleves total")
_SECOND_YEAR = ("annee scolaire",)
_SECOND_UAI = ("numero d etablissement", "numero etablissement")
_SECOND_PUPILS = ("nombre d eleves", "nombre eleves")
_ACADEMIE = ("academie", "libelle academie")
_NAMES = ("patronyme", "nom etablissement", "nom de l etablissement", "denomination principale")
_TYPE = ("type d etablissement", "type etablissement")
_ANNUAIRE_UAI = "identifiant de l etablissement"


def _first(folded: list[str], names: tuple[str, ...]) -> int | None:
    for name in names:
        if name in folded:
            return folded.index(name)
    return None


def _college_pupils(folded: list[str]) -> int | None:
    """The total column: `Nombre d'élèves total` alone, else the first label starting so
    (`Nombre d'élèves total (…)`); never a total "hors" something when a plain one exists."""
    candidates = [i for i, name in enumerate(folded) if name.startswith(_COLLEGE_PUPILS_PREFIXES)]
    exact = [i for i in candidates if folded[i] in _COLLEGE_PUPILS_PREFIXES]
    if exact:
        return exact[0]
    without_hors = [i for i in candidates if " hors " not in f" {folded[i]} "]
    ranked = without_hors or candidates
    return ranked[0] if ranked else None


def detect_layout(header: list[str]) -> Layout:
    """The dataset of a header, or `PupilCountFileError` saying what was expected."""
    folded = [fold_header(h) for h in header]
    spelled = [h.strip().strip("\ufeff").strip('"').strip() for h in header]
    academie = _first(folded, _ACADEMIE)
    type_ = _first(folded, _TYPE)

    uai = _first(folded, _COLLEGE_UAI)
    year = _first(folded, _COLLEGE_YEAR)
    if uai is not None and year is not None:
        pupils = _college_pupils(folded)
        if pupils is None:
            raise PupilCountFileError(
                "Ligne 1 (en-tête) : fichier des effectifs des collèges sans colonne « Nombre "
                "d’élèves total ». Téléchargez le jeu de données complet "
                f"« {COLLEGES} ».",
                code="columns",
            )
        return Layout(
            COLLEGES,
            year,
            uai,
            pupils,
            academie,
            _first(folded, _NAMES),
            type_,
            spelled[pupils],
            spelled[year],
            spelled[uai],
        )

    uai = _first(folded, _SECOND_UAI)
    year = _first(folded, _SECOND_YEAR)
    pupils_second = _first(folded, _SECOND_PUPILS)
    if uai is not None and year is not None and pupils_second is not None:
        return Layout(
            SECOND_DEGRE,
            year,
            uai,
            pupils_second,
            academie,
            _first(folded, _NAMES),
            type_,
            spelled[pupils_second],
            spelled[year],
            spelled[uai],
        )

    if _ANNUAIRE_UAI in folded:
        raise PupilCountFileError(
            "Ligne 1 (en-tête) : ce fichier est l’Annuaire de l’éducation, pas un fichier "
            "d’effectifs. Importez-le depuis « Importer l’annuaire », ou déposez ici "
            f"« {COLLEGES} » ou « {SECOND_DEGRE} ».",
            code="annuaire",
        )
    raise PupilCountFileError(
        "Ligne 1 (en-tête) : en-tête inconnu. Sont attendus le fichier des effectifs des "
        f"collèges « {COLLEGES} » (colonnes « Rentrée scolaire », « Numéro du collège », "
        f"« Nombre d’élèves total ») ou celui du second degré « {SECOND_DEGRE} » (colonnes "
        "« Annee_scolaire », « Numero_d_etablissement », « Nombre_d_eleves »).",
        code="header",
    )


_YEAR_SPAN = re.compile(r"^(\d{4})\s*[-/]\s*(\d{4})$")
_YEAR_ALONE = re.compile(r"^(\d{4})(?:\.0)?$")


def parse_start_year(raw: str) -> int:
    """`2024` (rentrée) or `2024-2025` → 2024; raises ValueError otherwise."""
    value = (raw or "").strip()
    match = _YEAR_SPAN.match(value)
    if match:
        start, end = int(match[1]), int(match[2])
        if end != start + 1:
            raise ValueError(raw)
        return start
    match = _YEAR_ALONE.match(value)
    if match:
        return int(match[1])
    raise ValueError(raw)


@dataclass(frozen=True, slots=True)
class PupilRow:
    line: int
    uai: str
    name: str
    pupils: int
    start_year: int
    academie: str  # the académie's name as in the file ("POITIERS"), or ""
    type: str


@dataclass(frozen=True)
class RejectedPupilRow:
    line: int
    uai: str
    message: str

    def as_dict(self) -> dict[str, object]:
        return {"line": self.line, "uai": self.uai, "message": self.message}


@dataclass
class ParsedPupilCounts:
    layout: Layout
    total_rows: int = 0
    rows: list[PupilRow] = field(default_factory=list)  # of the chosen school year only
    other_years: dict[int, int] = field(default_factory=dict)  # start year → lines
    rejected: list[RejectedPupilRow] = field(default_factory=list)

    @property
    def dataset(self) -> str:
        return self.layout.dataset


def _file_error(error: AnnuaireFileError) -> PupilCountFileError:
    message = error.messages[0].replace("Exportez l’annuaire", "Exportez le fichier")
    return PupilCountFileError(message, code=error.code)


def decode_pupil_file(content: bytes) -> str:
    try:
        return decode(content)
    except AnnuaireFileError as exc:
        raise _file_error(exc) from exc


def parse_pupil_counts(text: str, *, start_year: int) -> ParsedPupilCounts:
    """The counts of the school year starting `start_year`; other years are only counted.

    Raises `PupilCountFileError` when the file cannot be used at all: empty, not `;`-separated,
    an unknown header, or no line of that school year (the message lists the years found).
    """
    if not text.strip():
        raise PupilCountFileError("Le fichier est vide.", code="empty")
    lines: Iterator[str] = iter_lines(text)
    reader = csv.reader(lines, delimiter=SEPARATOR)
    try:
        header = next(reader)
    except (csv.Error, StopIteration) as exc:
        raise PupilCountFileError("Ligne 1 : en-tête illisible.", code="header") from exc
    if len(header) < 2:
        raise PupilCountFileError(
            "Ligne 1 : le séparateur de colonnes doit être le point-virgule « ; ». Exportez le "
            "jeu de données avec le séparateur point-virgule.",
            code="separator",
        )
    layout = detect_layout(header)
    result = ParsedPupilCounts(layout=layout)
    width = len(header)
    line = 1
    try:
        for record in reader:
            start = line + 1
            line = reader.line_num
            if not any(cell.strip() for cell in record):
                continue
            result.total_rows += 1
            _parse_row(record, line=start, width=width, start_year=start_year, result=result)
    except csv.Error as exc:
        raise PupilCountFileError(
            f"Ligne {reader.line_num} : ligne illisible (guillemets non refermés ou caractère "
            "nul). Téléchargez à nouveau le fichier.",
            code="csv",
        ) from exc
    if result.total_rows == 0:
        raise PupilCountFileError(
            "Le fichier ne contient que l’en-tête : aucun effectif à importer.", code="empty"
        )
    if not result.rows and not result.rejected:
        found = sorted(result.other_years)
        years = ", ".join(f"{y}-{y + 1}" for y in found) or "aucune"
        raise PupilCountFileError(
            f"Le fichier ne contient aucun effectif de l’année scolaire {start_year}-"
            f"{start_year + 1} (années présentes : {years}). Choisissez l’année du fichier, ou "
            "téléchargez le jeu de données de l’année voulue.",
            code="year",
        )
    return result


def _parse_row(
    record: list[str], *, line: int, width: int, start_year: int, result: ParsedPupilCounts
) -> None:
    layout = result.layout

    def get(position: int | None) -> str:
        if position is None or position >= len(record):
            return ""
        return record[position].strip()

    uai = normalize_uai(get(layout.uai))
    if len(record) != width:
        result.rejected.append(
            RejectedPupilRow(line, uai, f"{len(record)} colonnes au lieu des {width} de l’en-tête.")
        )
        return
    raw_year = get(layout.year)
    try:
        year = parse_start_year(raw_year)
    except ValueError:
        result.rejected.append(
            RejectedPupilRow(
                line,
                uai,
                f"{layout.year_label} « {raw_year} » invalide : attendu 2024 ou 2024-2025.",
            )
        )
        return
    if year != start_year:
        result.other_years[year] = result.other_years.get(year, 0) + 1
        return
    problem = uai_problem(uai)
    if problem:
        result.rejected.append(RejectedPupilRow(line, uai, f"{layout.uai_label} : {problem}"))
        return
    raw_pupils = get(layout.pupils)
    try:
        pupils = parse_pupils(raw_pupils)
    except ValueError:
        pupils = None
    if pupils is None:
        result.rejected.append(
            RejectedPupilRow(
                line,
                uai,
                f"{layout.pupils_label} « {raw_pupils} » invalide : un nombre entier est attendu."
                if raw_pupils
                else f"{layout.pupils_label} : valeur vide.",
            )
        )
        return
    result.rows.append(
        PupilRow(
            line=line,
            uai=uai,
            name=get(layout.name),
            pupils=pupils,
            start_year=year,
            academie=get(layout.academie),
            type=get(layout.type),
        )
    )
