"""The letter as its signers read it, and its canonical serialisation, whose SHA-256 every
signature covers.

A letter's *document* is a plain dict (strings, booleans, lists, dicts; no numbers but as
strings) holding everything the referent reads: the académie, the establishment, the year, the
template version, the referent, the principal, each section filled in (tasks with their keys,
free texts), the co-referents and their tasks, the amount, the indemnity clause, the training
tick, the end of mission and the amendment's reason. The HTML letter is rendered from it, and
so will be the PDF: what is shown is what is hashed.

Canonical serialisation (format `rupn-lettre/1`, stable; any change of it gets a new format
name): JSON with keys sorted, no whitespace (`,` and `:` separators), non-ASCII characters
kept as they are, every string in Unicode NFC, amounts as `"1250.00"`, dates as ISO 8601
`"2026-02-28"`, encoded in UTF-8. The SHA-256 of those bytes, in lowercase hexadecimal, is the
letter's fingerprint. Same content → same bytes → same hash; any change of a character, a
task, an amount or a co-referent → a different hash.

From the first signature on, the document is stored as these bytes on the letter
(`Letter.signed_document`) and the letter is shown from them: later changes elsewhere (a
co-referent's letter, a principal's name) never alter what was signed.
"""

from __future__ import annotations

import hashlib
import json
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from missions.content import LetterContent, sections_of
from missions.models import Letter, LetterTemplate, SectionKind
from missions.placeholders import fill_placeholders
from rupn.formatting import format_euros

FORMAT = "rupn-lettre/1"


@dataclass(frozen=True)
class LetterFacts:
    """What a letter's document needs besides the letter and its template, loaded in batches
    by `missions.selectors_letters.letter_facts`."""

    amount: Decimal
    principal_name: str
    coreferents: list[tuple[str, LetterContent]]  # (name, content) of the other letters


def _normalised(value: Any) -> Any:
    if isinstance(value, str):
        return unicodedata.normalize("NFC", value)
    if isinstance(value, list | tuple):
        return [_normalised(v) for v in value]
    if isinstance(value, dict):
        return {unicodedata.normalize("NFC", str(k)): _normalised(v) for k, v in value.items()}
    if value is None or isinstance(value, bool):
        return value
    raise TypeError(f"Valeur non prévue dans le document d’une lettre : {value!r}")


def canonical_bytes(document: Mapping[str, Any]) -> bytes:
    return json.dumps(
        _normalised(dict(document)), ensure_ascii=False, sort_keys=True, separators=(",", ":")
    ).encode("utf-8")


def document_sha256(document: Mapping[str, Any]) -> str:
    return hashlib.sha256(canonical_bytes(document)).hexdigest()


def _task_labels(content: LetterContent, section_position: int) -> list[dict[str, Any]]:
    return [
        {"cle": t.key, "libelle": t.label, "propre": t.own}
        for t in content.tasks
        if t.section == section_position
    ]


def build_document(letter: Letter, template: LetterTemplate, facts: LetterFacts) -> dict[str, Any]:
    """The live document of a letter not signed yet (or the one to freeze at its first
    signature). `letter` comes with its establishment, school year, académie and referent's
    user; `template` with its sections and their tasks."""
    content = LetterContent.of(letter.content)
    referent = letter.referent.user
    amount = format_euros(facts.amount)
    values = {
        "referent": referent.formal_name,
        "etablissement": letter.establishment.name,
        "annee": letter.school_year.label,
        "chef_etablissement": facts.principal_name,
        "montant": amount,
        "academie": letter.academie.name,
    }
    sections = []
    for section in sections_of(template):
        entry: dict[str, Any] = {
            "position": str(section.position),
            "nature": section.kind,
            "titre": fill_placeholders(section.title, values),
        }
        if section.kind == SectionKind.FREE_TEXT:
            entry["texte"] = content.texts.get(section.position, "")
        else:
            entry["texte"] = fill_placeholders(section.body, values)
        if section.kind == SectionKind.TASKS:
            entry["taches"] = _task_labels(content, section.position)
        sections.append(entry)
    labels = {
        s.position: fill_placeholders(s.title, values)
        for s in sections_of(template)
        if s.kind == SectionKind.TASKS
    }
    coreferents = [
        {
            "nom": name,
            "taches": [
                {"section": labels.get(t.section, ""), "libelle": t.label} for t in other.tasks
            ],
        }
        for name, other in sorted(facts.coreferents, key=lambda pair: pair[0])
    ]
    supersedes = letter.supersedes
    return {
        "format": FORMAT,
        "reference": letter.reference,
        "academie": {"code": letter.academie.code, "nom": letter.academie.name},
        "etablissement": {
            "uai": letter.establishment.uai,
            "nom": letter.establishment.name,
            "commune": letter.establishment.commune,
        },
        "annee": letter.school_year.label,
        "trame": {"id": str(template.pk), "version": str(template.version)},
        "titre": fill_placeholders(template.title, values),
        "referent": {
            "nom": referent.formal_name,
            "courriel": referent.email,
            "discipline": referent.discipline,
        },
        "chef_etablissement": facts.principal_name,
        "introduction": fill_placeholders(template.introduction, values),
        "sections": sections,
        "co_referents": coreferents,
        "montant": str(facts.amount.quantize(Decimal("0.01"))),
        "montant_affiche": amount,
        "clause_indemnite": fill_placeholders(template.indemnity_clause, values),
        "stage_entree_fonction": content.training,
        "fin_de_mission": content.ends_on.isoformat() if content.ends_on else None,
        "avenant": (
            {"remplace": supersedes.reference, "motif": letter.amendment_reason}
            if supersedes is not None
            else None
        ),
        "visa_dan_requis": template.requires_dan_visa,
    }


def stored_document(letter: Letter) -> dict[str, Any] | None:
    """The document signed, for a letter that has a signature."""
    if not letter.signed_document:
        return None
    result: dict[str, Any] = json.loads(letter.signed_document)
    return result


def signed_document(letter: Letter) -> dict[str, Any]:
    """The document a signed letter's signatures cover."""
    document = stored_document(letter)
    if document is None:
        raise ValueError(f"La lettre {letter.reference} n’est pas signée.")
    return document


def document_verifies(letter: Letter) -> bool:
    """Whether the stored document still has the fingerprint the signatures cover."""
    document = stored_document(letter)
    return document is not None and document_sha256(document) == letter.signed_sha256


def signed_text(document: Mapping[str, Any]) -> str:
    return canonical_bytes(document).decode("utf-8")
