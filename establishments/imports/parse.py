"""Parsing and validation of the national "Annuaire de l’éducation" CSV (pure).

The open dataset `fr-en-annuaire-education`, exported with `;` in UTF-8 (BOM or not).

Pure functions: bytes in, plain data out, no database. `establishments.imports.plan` compares
what comes out with the establishments already known; `establishments.imports.apply` writes it.

The export comes with two header spellings: labels (`Identifiant_de_l_etablissement`) or field
names (`identifiant_de_l_etablissement`); both are folded to the lower-case field name. Messages
name the column as spelled in the file and the physical line (the header is line 1).
"""

from __future__ import annotations

import codecs
import csv
import re
import unicodedata
from collections import Counter
from collections.abc import Collection, Iterator
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from establishments.national_list import departement_code_for_annuaire
from establishments.uai import normalize_uai, uai_problem

SEPARATOR = ";"

UAI = "identifiant_de_l_etablissement"
NAME = "nom_etablissement"
TYPE = "type_etablissement"
SECTOR = "statut_public_prive"
DEPARTEMENT = "code_departement"
DEPARTEMENT_LABEL = "libelle_departement"
ACADEMIE = "code_academie"
ACADEMIE_LABEL = "libelle_academie"
COMMUNE = "nom_commune"
PUPILS = "nombre_d_eleves"
EMAIL = "mail"
VOIE_GENERALE = "voie_generale"
VOIE_TECHNOLOGIQUE = "voie_technologique"
VOIE_PROFESSIONNELLE = "voie_professionnelle"
NATURE_LABEL = "libelle_nature"

REQUIRED_COLUMNS = (UAI, NAME, TYPE, SECTOR, DEPARTEMENT, ACADEMIE, COMMUNE)

# How a column is named in messages when the file does not have it (labels spelling).
LABELS = {
    UAI: "Identifiant_de_l_etablissement",
    NAME: "Nom_etablissement",
    TYPE: "Type_etablissement",
    SECTOR: "Statut_public_prive",
    DEPARTEMENT: "Code_departement",
    DEPARTEMENT_LABEL: "Libelle_departement",
    ACADEMIE: "Code_academie",
    ACADEMIE_LABEL: "Libelle_academie",
    COMMUNE: "Nom_commune",
    PUPILS: "Nombre_d_eleves",
    EMAIL: "Mail",
}

# Values of `type` and `sector`, as in `establishments.models` (kept as strings: no model import,
# so that this module stays free of the ORM).
COLLEGE, LGT, LP, LPO, EREA = "college", "lgt", "lp", "lpo", "erea"
PUBLIC, PRIVATE = "public", "prive"

# Types of the annuaire that are not the business of RUPN: counted as ignored, never errors.
IGNORED_TYPES = {
    "ecole",
    "medico-social",
    "information et orientation",
    "service administratif",
    "autre",
}

EMPTY_TYPE_REASON = "Type non renseigné (organisme de formation…)"

# Words of a name that mark a secondary site of an UAI (matched whole, accents and case folded):
# "Lycée X - Annexe de Y", "Site de Z", "Antenne de …". A line whose name has none is the main one.
SECONDARY_SITE_WORDS = re.compile(r"\b(annexe|site|antenne|delocalise|delocalisee)s?\b")

LYCEE_COLUMNS = (VOIE_GENERALE, VOIE_TECHNOLOGIQUE, VOIE_PROFESSIONNELLE, NATURE_LABEL)

MAX_NAME_LENGTH = 200
MAX_COMMUNE_LENGTH = 100
MAX_EMAIL_LENGTH = 254


class AnnuaireFileError(ValidationError):
    """The file as a whole cannot be read: nothing of it is imported."""


@dataclass(frozen=True)
class RowError:
    column: str  # as spelled in the file's header, or a label when the column is missing
    message: str

    def as_dict(self) -> dict[str, str]:
        return {"column": self.column, "message": self.message}


@dataclass(frozen=True, slots=True)
class EstablishmentRow:
    """A valid row of the importing académie, with values in the model's vocabulary."""

    line: int
    uai: str
    name: str
    type: str
    sector: str
    departement_code: str  # as in `Departement.code`: "16", "2A", "974"
    commune: str
    email: str
    pupils: int | None


@dataclass(frozen=True, slots=True)
class IgnoredRow:
    line: int
    uai: str
    name: str
    reason: str


@dataclass(frozen=True)
class RejectedRow:
    line: int
    uai: str
    name: str
    errors: tuple[RowError, ...]

    def as_dict(self) -> dict[str, object]:
        return {
            "line": self.line,
            "uai": self.uai,
            "name": self.name,
            "errors": [e.as_dict() for e in self.errors],
        }


@dataclass(frozen=True)
class MergedLine:
    """A line dropped because its UAI is already that of the line kept (an annexe, a site)."""

    line: int
    name: str
    commune: str

    def as_dict(self) -> dict[str, object]:
        return {"line": self.line, "name": self.name, "commune": self.commune}


@dataclass(frozen=True)
class Merge:
    """Several lines of one UAI: one establishment, the kept line's; the others dropped."""

    uai: str
    kept_line: int
    kept_name: str
    dropped: tuple[MergedLine, ...]

    def as_dict(self) -> dict[str, object]:
        return {
            "uai": self.uai,
            "kept_line": self.kept_line,
            "kept_name": self.kept_name,
            "dropped": [d.as_dict() for d in self.dropped],
        }


@dataclass
class ParsedAnnuaire:
    header_style: str  # "labels" or "fields"
    columns: dict[str, str]  # canonical name → as spelled in the file
    total_rows: int = 0
    valid: list[EstablishmentRow] = field(default_factory=list)
    ignored: list[IgnoredRow] = field(default_factory=list)
    rejected: list[RejectedRow] = field(default_factory=list)
    merged: list[Merge] = field(default_factory=list)
    # The file's text without its ignored lines (see `parse_annuaire`).
    compact_text: str = ""

    def column(self, name: str) -> str:
        return self.columns.get(name, LABELS.get(name, name))


def size_problem(size: int, max_bytes: int) -> str | None:
    """Why a file of `size` bytes is refused before being read, in French, or None."""
    if size <= 0:
        return "Le fichier est vide."
    if size > max_bytes:
        return (
            f"Le fichier pèse {_megabytes(size)} : la taille maximale acceptée est "
            f"{_megabytes(max_bytes)}. Filtrez l’export de l’annuaire sur votre académie."
        )
    return None


def _megabytes(size: int) -> str:
    if size < 1_000_000:
        return f"{max(1, round(size / 1000))} ko"
    value = f"{size / 1_000_000:.1f}".replace(".", ",").removesuffix(",0")
    return f"{value} Mo"


def decode(content: bytes) -> str:
    """The file's text: UTF-8 with or without BOM, or an `AnnuaireFileError` naming the line."""
    # Decoded from a view past the BOM: slicing the bytes (as the "utf-8-sig" codec does) would
    # copy a file of tens of megabytes once more.
    prefix = 3 if content.startswith(codecs.BOM_UTF8) else 0
    try:
        text = str(memoryview(content)[prefix:], "utf-8")
    except UnicodeDecodeError as exc:
        raise AnnuaireFileError(
            f"{_byte_position(content, exc.start + prefix)} : le fichier n’est pas encodé en "
            "UTF-8. "
            "Exportez l’annuaire au format « CSV UTF-8 » (ou enregistrez-le ainsi depuis votre "
            "tableur).",
            code="encoding",
        ) from exc
    nul = text.find("\x00")
    if nul >= 0:
        # UTF-16 files ("texte Unicode" of spreadsheets) decode as UTF-8 full of NUL characters,
        # which no database column accepts either.
        raise AnnuaireFileError(
            f"Ligne {text.count(chr(10), 0, nul) + 1} : caractère nul : le fichier n’est pas au "
            "format CSV UTF-8 (peut-être UTF-16). Exportez l’annuaire au format « CSV UTF-8 ».",
            code="encoding",
        )
    # A BOM may survive a second time when a file was re-saved by a spreadsheet.
    return text.lstrip("\ufeff")


def _byte_position(content: bytes, offset: int) -> str:
    """ "Ligne 2, colonne Nom_commune" for the byte at `offset`, the column read from the header."""
    line_start = content.rfind(b"\n", 0, offset) + 1
    line = content[:offset].count(b"\n") + 1
    column_index = content[line_start:offset].count(SEPARATOR.encode())
    header = content.split(b"\n", 1)[0].decode("utf-8-sig", errors="replace").rstrip("\r")
    names = header.split(SEPARATOR)
    if (
        "\x00" not in header  # UTF-16: the header cannot be read as UTF-8 either
        and SEPARATOR in header
        and column_index < len(names)
        and names[column_index].strip()
    ):
        return f"Ligne {line}, colonne {names[column_index].strip()}"
    return f"Ligne {line}"


def iter_lines(text: str) -> Iterator[str]:
    """The lines of `text` with their ends, one at a time: the csv module reads them without a
    second copy of a file of tens of megabytes (as `io.StringIO` or `splitlines` would make)."""
    start = 0
    size = len(text)
    while start < size:
        end = text.find("\n", start)
        if end < 0:
            yield text[start:]
            return
        yield text[start : end + 1]
        start = end + 1


def canonical_column(header: str) -> str:
    return header.strip().strip("\ufeff").strip('"').strip().lower()


def _fold(value: str) -> str:
    """Lower-case without accents: "Collège" and "COLLEGE" compare equal."""
    decomposed = unicodedata.normalize("NFKD", value.strip().lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def normalize_departement(code: str) -> str:
    """The annuaire's `016`, `033`, `620`, `974` → `Departement.code` `16`, `33`, `2A`, `974`
    (the national list's table: Corsica's `620`/`720` are `2A`/`2B`)."""
    value = code.strip().upper()
    known = departement_code_for_annuaire(value) if value else None
    if known is not None:
        return known
    if len(value) == 3 and value.startswith("0"):
        value = value[1:]
    return value


def normalize_academie(code: str) -> str:
    """`13`, `013` and ` 13 ` are the same académie; `04` and `4` too."""
    value = code.strip()
    if value.isdigit():
        return value.lstrip("0") or "0"
    return value.upper()


def _flag(value: str | None) -> bool:
    return (value or "").strip().lower() in {"1", "oui", "true", "o"}


def lycee_type(values: dict[str, str]) -> str:
    """LGT, LP or LPO from the "voie" flags, else from the nature label; LGT by default."""
    general = _flag(values.get(VOIE_GENERALE)) or _flag(values.get(VOIE_TECHNOLOGIQUE))
    professional = _flag(values.get(VOIE_PROFESSIONNELLE))
    if general and professional:
        return LPO
    if professional:
        return LP
    if general:
        return LGT
    nature = _fold(values.get(NATURE_LABEL) or "")
    if "polyvalent" in nature:
        return LPO
    if "professionnel" in nature:
        return LP
    return LGT


def establishment_type(raw: str, values: dict[str, str]) -> str | None:
    """The model's type for a `Type_etablissement`; None for an ignored type.

    Raises ValueError for a value the annuaire does not use.
    """
    folded = _fold(raw)
    if folded == "college":
        return COLLEGE
    if folded == "lycee":
        return lycee_type(values)
    if folded == "erea":
        return EREA
    if folded in IGNORED_TYPES:
        return None
    raise ValueError(raw)


_SPACES = re.compile(r"[\s\u00a0\u202f]+")


def parse_pupils(raw: str) -> int | None:
    """`"1 234"` → 1234, empty → None; raises ValueError when not a whole non-negative number."""
    value = _SPACES.sub("", raw or "")
    if not value:
        return None
    if value.endswith(".0"):  # a spreadsheet round-trip turns 350 into 350.0
        value = value[:-2]
    if not value.isdigit():
        raise ValueError(raw)
    return int(value)


def _sniff_separator(header_line: str) -> str | None:
    for candidate in (",", "\t", "|"):
        if candidate in header_line:
            return candidate
    return None


_SEPARATOR_NAMES = {",": "la virgule « , »", "\t": "la tabulation", "|": "la barre « | »"}


def parse_annuaire(
    text: str, *, academie_code: str, departement_codes: Collection[str]
) -> ParsedAnnuaire:
    """Sorts the rows of the annuaire for one académie: valid, ignored or rejected.

    `compact_text` is the file without its ignored lines (other académies, écoles…: each an
    empty line, the first one kept): what is stored to be applied, a small part of the national
    file. Which lines are ignored depends on the file only, so the preview's count stands.

    `departement_codes` are the académie's `Departement.code` values. File-level problems
    (separator, missing columns, no rows) raise `AnnuaireFileError`.
    """
    if not text.strip():
        raise AnnuaireFileError("Le fichier est vide.", code="empty")
    end_of_header = text.find("\n")
    header_line = text if end_of_header < 0 else text[:end_of_header]
    if not header_line.strip():
        raise AnnuaireFileError(
            "Ligne 1 : l’en-tête est vide : la première ligne doit porter le nom des colonnes.",
            code="header",
        )
    if SEPARATOR not in header_line:
        found = _sniff_separator(header_line)
        detail = f" : l’en-tête semble séparé par {_SEPARATOR_NAMES[found]}" if found else ""
        raise AnnuaireFileError(
            f"Ligne 1 : le séparateur de colonnes doit être le point-virgule « ; »{detail}. "
            "Exportez l’annuaire avec le séparateur point-virgule.",
            code="separator",
        )

    # The physical lines of the record being read, to rebuild the compact text.
    pending: list[str] = []

    def lines() -> Iterator[str]:
        for physical in iter_lines(text):
            pending.append(physical)
            yield physical

    reader = csv.reader(lines(), delimiter=SEPARATOR)
    try:
        header = next(reader)
    except csv.Error as exc:
        raise AnnuaireFileError(
            "Ligne 1 : en-tête illisible (caractère nul ou guillemets non refermés).",
            code="header",
        ) from exc
    columns: dict[str, str] = {}
    for raw in header:
        name = canonical_column(raw)
        if name and name not in columns:
            columns[name] = raw.strip().strip("\ufeff")
    missing = [c for c in REQUIRED_COLUMNS if c not in columns]
    if missing:
        names = ", ".join(LABELS[c] for c in missing)
        plural = "s" if len(missing) > 1 else ""
        raise AnnuaireFileError(
            f"Ligne 1 (en-tête) : colonne{plural} obligatoire{plural} absente{plural} : {names}. "
            "Vérifiez qu’il s’agit bien de l’export de l’Annuaire de l’éducation.",
            code="columns",
        )
    uai_header = columns[UAI]
    header_style = "labels" if uai_header[:1].isupper() else "fields"
    index = {canonical_column(raw): i for i, raw in reversed(list(enumerate(header)))}
    result = ParsedAnnuaire(header_style=header_style, columns=columns)
    academie = normalize_academie(academie_code)
    departements = set(departement_codes)
    kept: list[str] = [*pending]
    pending.clear()
    kept_one_ignored = False

    line = 1
    try:
        for record in reader:
            start = line + 1
            line = reader.line_num
            if not any(cell.strip() for cell in record):
                kept.extend(pending)
                pending.clear()
                continue  # blank lines, e.g. at the end of the file
            result.total_rows += 1
            parsed = _parse_row(
                record,
                line=start,
                end_line=line,
                header_size=len(header),
                index=index,
                result=result,
                academie=academie,
                departements=departements,
            )
            if isinstance(parsed, IgnoredRow) and kept_one_ignored:
                # An ignored line (another académie, école…): an empty line in the compact
                # text, so that every line keeps its number. The first one is kept, so that a
                # file of ignored lines only still reads as a file with rows.
                kept.append("\n" * len(pending))
            else:
                kept.extend(pending)
                kept_one_ignored = kept_one_ignored or isinstance(parsed, IgnoredRow)
            pending.clear()
            if isinstance(parsed, EstablishmentRow):
                result.valid.append(parsed)
            elif isinstance(parsed, IgnoredRow):
                result.ignored.append(parsed)
            else:
                result.rejected.append(parsed)
    except csv.Error as exc:
        raise AnnuaireFileError(
            f"Ligne {reader.line_num} : ligne illisible (caractère nul, champ démesuré ou "
            "guillemets non refermés). Exportez à nouveau le fichier depuis l’annuaire.",
            code="csv",
        ) from exc

    if result.total_rows == 0:
        raise AnnuaireFileError(
            "Le fichier ne contient que l’en-tête : aucun établissement à importer.",
            code="empty",
        )
    kept.extend(pending)
    result.compact_text = "".join(kept)
    _merge_duplicates(result)
    return result


def _parse_row(
    record: list[str],
    *,
    line: int,
    end_line: int,
    header_size: int,
    index: dict[str, int],
    result: ParsedAnnuaire,
    academie: str,
    departements: set[str],
) -> EstablishmentRow | IgnoredRow | RejectedRow:
    def get(name: str) -> str:
        position = index.get(name)
        if position is None or position >= len(record):
            return ""
        return record[position].strip()

    uai = normalize_uai(get(UAI))
    name = get(NAME)
    if len(record) != header_size:
        return RejectedRow(
            line,
            uai,
            name,
            (
                RowError(
                    "",
                    f"{len(record)} colonnes au lieu des {header_size} de l’en-tête : "
                    + (
                        f"un guillemet non refermé a fait lire les lignes {line} à {end_line} "
                        "comme une seule."
                        if end_line > line
                        else "un point-virgule en trop ou manquant."
                    ),
                ),
            ),
        )

    row_academie = get(ACADEMIE)
    if not row_academie:
        return RejectedRow(
            line, uai, name, (RowError(result.column(ACADEMIE), "Le code académie est vide."),)
        )
    if normalize_academie(row_academie) != academie:
        label = get(ACADEMIE_LABEL)
        reason = f"Autre académie ({label})" if label else f"Autre académie (code {row_academie})"
        return IgnoredRow(line, uai, name, reason)

    errors: list[RowError] = []
    raw_type = get(TYPE)
    # Only a lycée reads other columns (its "voies"): écoles, most of a file, skip the copy.
    values = {key: get(key) for key in LYCEE_COLUMNS} if _fold(raw_type) == "lycee" else {}
    if not raw_type:
        # The national file lists private training bodies (CFA, organismes de formation) with
        # no type at all: not a collège, lycée or EREA, so not the business of RUPN.
        return IgnoredRow(line, uai, name, EMPTY_TYPE_REASON)
    type_: str | None = None
    try:
        type_ = establishment_type(raw_type, values)
    except ValueError:
        message = (
            f"Type d’établissement inconnu : « {raw_type} » (attendu : Collège, Lycée, "
            "EREA, ou un type ignoré comme Ecole)."
        )
        errors.append(RowError(result.column(TYPE), message))
    else:
        if type_ is None:
            return IgnoredRow(line, uai, name, f"Type non concerné ({raw_type})")

    problem = uai_problem(uai)
    if problem:
        errors.append(RowError(result.column(UAI), problem))
    if not name:
        errors.append(RowError(result.column(NAME), "Le nom de l’établissement est vide."))
    elif len(name) > MAX_NAME_LENGTH:
        errors.append(
            RowError(result.column(NAME), f"Le nom dépasse {MAX_NAME_LENGTH} caractères.")
        )

    raw_sector = get(SECTOR)
    sector = {"public": PUBLIC, "prive": PRIVATE}.get(_fold(raw_sector))
    if sector is None:
        errors.append(
            RowError(
                result.column(SECTOR),
                f"Statut « {raw_sector} » non reconnu : attendu « Public » ou « Privé »."
                if raw_sector
                else "Le statut public ou privé est vide.",
            )
        )

    raw_departement = get(DEPARTEMENT)
    departement = normalize_departement(raw_departement)
    if not departement:
        errors.append(RowError(result.column(DEPARTEMENT), "Le code département est vide."))
    elif departement not in departements:
        label = get(DEPARTEMENT_LABEL)
        named = f" ({label})" if label else ""
        errors.append(
            RowError(
                result.column(DEPARTEMENT),
                f"Le département « {raw_departement} »{named} n’est pas un département connu "
                "de l’académie.",
            )
        )

    commune = get(COMMUNE)
    if not commune:
        errors.append(RowError(result.column(COMMUNE), "La commune est vide."))
    elif len(commune) > MAX_COMMUNE_LENGTH:
        errors.append(
            RowError(result.column(COMMUNE), f"La commune dépasse {MAX_COMMUNE_LENGTH} caractères.")
        )

    email = get(EMAIL).lower()
    if email:
        try:
            if len(email) > MAX_EMAIL_LENGTH:
                raise ValidationError("too long")
            validate_email(email)
        except ValidationError:
            errors.append(
                RowError(result.column(EMAIL), f"Adresse électronique « {email} » invalide.")
            )

    raw_pupils = get(PUPILS)
    pupils: int | None = None
    try:
        pupils = parse_pupils(raw_pupils)
    except ValueError:
        errors.append(
            RowError(
                result.column(PUPILS),
                f"Nombre d’élèves « {raw_pupils} » invalide : un nombre entier est attendu.",
            )
        )

    if errors or type_ is None or sector is None:
        return RejectedRow(line, uai, name, tuple(errors))
    return EstablishmentRow(
        line=line,
        uai=uai,
        name=name,
        type=type_,
        sector=sector,
        departement_code=departement,
        commune=commune,
        email=email,
        pupils=pupils,
    )


def is_secondary_site(name: str) -> bool:
    """Whether a name says it is an annexe, a site or an antenne of an establishment."""
    return SECONDARY_SITE_WORDS.search(_fold(name)) is not None


def _merge_duplicates(result: ParsedAnnuaire) -> None:
    """One establishment per UAI: a main site and its annexes share the UAI in the annuaire.

    The kept line is the first whose name does not mention an annexe, a site or an antenne
    (`is_secondary_site`), else the first line of the UAI; the other lines are dropped, valid or
    not, and listed in `result.merged` with their line numbers and names.
    """
    lines_of: dict[str, list[EstablishmentRow | RejectedRow]] = {}
    uai_column = result.column(UAI)
    for row in result.valid:
        lines_of.setdefault(row.uai, []).append(row)
    for rejected in result.rejected:
        if rejected.uai and not any(e.column == uai_column for e in rejected.errors):
            lines_of.setdefault(rejected.uai, []).append(rejected)
    dropped_lines: set[int] = set()
    for uai, rows in lines_of.items():
        if len(rows) < 2:
            continue
        rows.sort(key=lambda r: r.line)
        kept = next((r for r in rows if not is_secondary_site(r.name)), rows[0])
        dropped = tuple(
            MergedLine(r.line, r.name, r.commune if isinstance(r, EstablishmentRow) else "")
            for r in rows
            if r is not kept
        )
        dropped_lines.update(d.line for d in dropped)
        result.merged.append(Merge(uai, kept.line, kept.name, dropped))
    if not dropped_lines:
        return
    result.merged.sort(key=lambda m: m.kept_line)
    result.valid = [r for r in result.valid if r.line not in dropped_lines]
    result.rejected = [r for r in result.rejected if r.line not in dropped_lines]


def ignored_summary(ignored: list[IgnoredRow], *, sample: int = 20) -> list[dict[str, object]]:
    """Ignored rows grouped by reason, biggest group first, with the first few line numbers."""
    counts = Counter(row.reason for row in ignored)
    lines: dict[str, list[int]] = {}
    for row in ignored:
        bucket = lines.setdefault(row.reason, [])
        if len(bucket) < sample:
            bucket.append(row.line)
    return [
        {"reason": reason, "count": count, "lines": lines[reason]}
        for reason, count in counts.most_common()
    ]
