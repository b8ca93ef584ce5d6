"""A survey as plain data: what the seed surveys are written in, what "copy last year's
survey" carries over, and what tests build surveys from.

    {"title": "...", "introduction": "...",
     "pages": [{"title": "...", "introduction": "...",
                "questions": [{"key": "delegation", "kind": "yes_no", "label": "...",
                               "help_text": "", "required": True,
                               "options": [{"key": "...", "label": "...", "is_other": False}],
                               "rows": [{"key": "...", "label": "..."}],
                               "min": None, "max": None,
                               "shown_if": {"question": "pilotage", "options": ["oui"]}}]}]}

Yes/no and "tasks of my letter" questions get their fixed choices (`FIXED_CHOICES`) whatever
the definition says. Keys are slugs; a missing key is made from the label.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import F
from django.utils.text import slugify

from surveys.models import (
    CHOICE_KINDS,
    OptionRole,
    Question,
    QuestionKind,
    QuestionOption,
    Survey,
    SurveyPage,
)

Definition = dict[str, Any]

FIXED_CHOICES: dict[str, list[tuple[str, str]]] = {
    QuestionKind.YES_NO: [("oui", "Oui"), ("non", "Non")],
    QuestionKind.LETTER_TASKS: [
        ("faite", "Faite"),
        ("en-partie", "En partie"),
        ("non-faite", "Non faite"),
        ("pas-commencee", "Pas commencée"),
    ],
}
# Kinds whose choices the author writes (grids: the columns; rows come apart).
AUTHORED_CHOICE_KINDS = frozenset(
    {QuestionKind.SINGLE, QuestionKind.MULTIPLE, QuestionKind.SCALE, QuestionKind.GRID}
)


def make_key(label: str, taken: set[str], *, max_length: int = 60) -> str:
    """A slug of the label, unique among `taken` (which it joins)."""
    base = (slugify(label)[: max_length - 4].strip("-")) or "q"
    key, n = base, 2
    while key in taken:
        key, n = f"{base}-{n}", n + 1
    taken.add(key)
    return key


def _decimal(value: Any) -> Decimal | None:
    if value is None or value == "":
        return None
    return Decimal(str(value))


def definition_errors(definition: Definition) -> list[str]:
    """What is wrong with a definition, in French (empty when it can be created)."""
    errors: list[str] = []
    if not str(definition.get("title", "")).strip():
        errors.append("L’enquête doit avoir un titre.")
    seen: set[str] = set()
    earlier: dict[str, set[str]] = {}
    for page in definition.get("pages", []):
        for q in page.get("questions", []):
            label = str(q.get("label", "")).strip()
            kind = q.get("kind")
            if kind not in QuestionKind.values:
                errors.append(f"« {label or '?'} » : nature de question inconnue ({kind}).")
                continue
            if not label:
                errors.append("Une question n’a pas de libellé.")
            key = q.get("key") or ""
            if key and key in seen:
                errors.append(f"La clé « {key} » est donnée à deux questions.")
            if key:
                seen.add(key)
            options = q.get("options", [])
            if kind in AUTHORED_CHOICE_KINDS and len(options) < 2:
                errors.append(f"« {label} » : il faut au moins deux choix.")
            if kind == QuestionKind.GRID and not q.get("rows"):
                errors.append(f"« {label} » : une grille a au moins une ligne.")
            low, high = _decimal(q.get("min")), _decimal(q.get("max"))
            if low is not None and high is not None and low > high:
                errors.append(f"« {label} » : le minimum dépasse le maximum.")
            shown_if = q.get("shown_if")
            if shown_if:
                parent = shown_if.get("question")
                if parent not in earlier:
                    errors.append(
                        f"« {label} » dépend de « {parent} », qui n’est pas une question à "
                        "choix placée avant elle."
                    )
                else:
                    unknown = set(shown_if.get("options", [])) - earlier[parent]
                    if unknown or not shown_if.get("options"):
                        errors.append(
                            f"« {label} » : réponses inconnues pour la condition "
                            f"({', '.join(sorted(unknown)) or 'aucune'})."
                        )
            if kind in CHOICE_KINDS and kind != QuestionKind.GRID and key:
                keys = (
                    {k for k, _ in FIXED_CHOICES[kind]}
                    if kind in FIXED_CHOICES
                    else {o.get("key") or slugify(o.get("label", "")) for o in options}
                )
                earlier[key] = keys
    return errors


def structure_changed(survey: Survey) -> None:
    """Raise the survey's structure version, in the transaction of the change: a structure
    read before it is never taken for the new one (`survey_structure`)."""
    Survey.objects.filter(pk=survey.pk).update(structure_version=F("structure_version") + 1)
    survey.structure_version += 1


def survey_write_definition(survey: Survey, definition: Definition) -> None:
    """Create the pages, questions and options of `definition` in an empty survey."""
    errors = definition_errors(definition)
    if errors:
        raise ValidationError(errors)
    structure_changed(survey)
    keys: set[str] = set()
    by_key: dict[str, Question] = {}
    academie_id = survey.academie_id
    for page_position, page_data in enumerate(definition.get("pages", []), start=1):
        page = SurveyPage.objects.create(
            academie_id=academie_id,
            survey=survey,
            position=page_position,
            title=str(page_data.get("title", "")).strip() or f"Page {page_position}",
            introduction=str(page_data.get("introduction", "")).strip(),
        )
        for position, q in enumerate(page_data.get("questions", []), start=1):
            key = q.get("key") or make_key(q["label"], keys)
            keys.add(key)
            shown_if = q.get("shown_if") or {}
            question = Question.objects.create(
                academie_id=academie_id,
                survey=survey,
                page=page,
                position=position,
                key=key,
                kind=q["kind"],
                label=str(q["label"]).strip(),
                help_text=str(q.get("help_text", "")).strip(),
                required=bool(q.get("required", False)),
                min_value=_decimal(q.get("min")),
                max_value=_decimal(q.get("max")),
                shown_if_question=by_key.get(shown_if.get("question", "")),
                shown_if_options=list(shown_if.get("options", [])),
            )
            by_key[key] = question
            choices = FIXED_CHOICES.get(q["kind"])
            option_rows: list[QuestionOption] = []
            if choices is not None:
                option_rows += [
                    QuestionOption(
                        academie_id=academie_id,
                        question=question,
                        role=OptionRole.CHOICE,
                        position=n,
                        key=k,
                        label=label,
                    )
                    for n, (k, label) in enumerate(choices, start=1)
                ]
            elif q["kind"] in AUTHORED_CHOICE_KINDS:
                taken: set[str] = set()
                for n, o in enumerate(q.get("options", []), start=1):
                    option_rows.append(
                        QuestionOption(
                            academie_id=academie_id,
                            question=question,
                            role=OptionRole.CHOICE,
                            position=n,
                            key=o.get("key") or make_key(o["label"], taken),
                            label=str(o["label"]).strip(),
                            is_other=bool(o.get("is_other", False)),
                        )
                    )
            if q["kind"] == QuestionKind.GRID:
                taken = set()
                for n, r in enumerate(q.get("rows", []), start=1):
                    option_rows.append(
                        QuestionOption(
                            academie_id=academie_id,
                            question=question,
                            role=OptionRole.ROW,
                            position=n,
                            key=r.get("key") or make_key(r["label"], taken),
                            label=str(r["label"]).strip(),
                        )
                    )
            QuestionOption.objects.bulk_create(option_rows)


def definition_of(survey: Survey) -> Definition:
    """The survey as plain data (to copy it, or to compare it)."""
    pages = list(survey.pages.order_by("position", "pk"))
    questions = list(
        Question.objects.filter(survey=survey)
        .select_related("shown_if_question")
        .order_by("page__position", "position", "pk")
    )
    options = list(QuestionOption.objects.filter(question__survey=survey).order_by("position"))
    by_question: dict[int, list[QuestionOption]] = {}
    for option in options:
        by_question.setdefault(option.question_id, []).append(option)
    data: Definition = {
        "title": survey.title,
        "introduction": survey.introduction,
        "pages": [],
    }
    for page in pages:
        page_data: dict[str, Any] = {
            "title": page.title,
            "introduction": page.introduction,
            "questions": [],
        }
        for q in (q for q in questions if q.page_id == page.pk):
            own = by_question.get(q.pk, [])
            entry: dict[str, Any] = {
                "key": q.key,
                "kind": q.kind,
                "label": q.label,
                "help_text": q.help_text,
                "required": q.required,
                "options": [
                    {"key": o.key, "label": o.label, "is_other": o.is_other}
                    for o in own
                    if o.role == OptionRole.CHOICE
                ],
                "rows": [{"key": o.key, "label": o.label} for o in own if o.role == OptionRole.ROW],
                "min": str(q.min_value) if q.min_value is not None else None,
                "max": str(q.max_value) if q.max_value is not None else None,
            }
            if q.shown_if_question is not None:
                entry["shown_if"] = {
                    "question": q.shown_if_question.key,
                    "options": list(q.shown_if_options),
                }
            page_data["questions"].append(entry)
        data["pages"].append(page_data)
    return data
