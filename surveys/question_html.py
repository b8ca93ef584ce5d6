"""One question of the respondent's page, as DSFR markup, written in Python.

The page shows each of its questions through this function rather than a template included
once per question: resolving the template's lookups in that loop was a third of the page's
time. The markup is the DSFR's (input groups, fieldsets with their legend, radios, checkboxes,
error messages tied to their field by `aria-describedby`, or to the fieldset by its
`aria-labelledby`); every value is escaped by `format_html`.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.template.defaultfilters import floatformat
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import SafeString, mark_safe

from rupn.formatting import french_punctuation
from surveys.forms_answer import QuestionField

EMPTY = mark_safe("")  # noqa: S308 (no text)
TEXT_KINDS = ("number", "short_text", "long_text")


def _errors_text(errors: Iterable[str]) -> SafeString:
    return mark_safe(  # noqa: S308 (each message escaped first)
        french_punctuation(" ".join(str(conditional_escape(e)) for e in errors))
    )


def _hint(f: QuestionField) -> SafeString:
    q = f.node.question
    parts: list[SafeString] = []
    if q.required:
        parts.append(mark_safe("Réponse obligatoire. "))  # noqa: S308 (fixed text)
    if f.depends_on_page:
        parts.append(
            format_html(
                "Question posée si vous avez répondu {} à «&nbsp;{}&nbsp;». ",
                f.shown_if_text,
                f.parent.question.label if f.parent is not None else "",
            )
        )
    if q.help_text:
        parts.append(conditional_escape(q.help_text))
    if f.kind == "number" and q.min_value is not None and q.max_value is not None:
        parts.append(
            format_html(
                " Entre {} et {}.", floatformat(q.min_value, "-2"), floatformat(q.max_value, "-2")
            )
        )
    return mark_safe("".join(parts))  # noqa: S308 (each part escaped)


def _choice(kind: str, name: str, c: dict[str, Any], *, inline: bool) -> SafeString:
    return format_html(
        '<div class="fr-fieldset__element{}"><div class="{}"><input type="{}" id="{}" name="{}" '
        'value="{}"{}><label class="fr-label" for="{}">{}</label></div></div>',
        " fr-fieldset__element--inline" if inline else "",
        "fr-checkbox-group" if kind == "multiple" else "fr-radio-group",
        "checkbox" if kind == "multiple" else "radio",
        c["id"],
        name,
        c["key"],
        mark_safe(" checked") if c["checked"] else EMPTY,  # noqa: S308 (fixed text)
        c["id"],
        c["label"],
    )


def _radios(name: str, options: list[dict[str, Any]]) -> SafeString:
    """One radio per option, side by side: a grid row's columns, a task's statuses."""
    return mark_safe(  # noqa: S308 (each radio escaped)
        "".join(_choice("single", name, o, inline=True) for o in options)
    )


def _text_field(f: QuestionField) -> SafeString:
    fid, errors = f.id, f.errors
    error_class = " fr-input--error" if errors else ""
    described = format_html(' aria-describedby="{}-erreur"', fid) if errors else EMPTY
    if f.kind == "long_text":
        control = format_html(
            '<textarea class="fr-input{}" id="{}" name="{}" rows="5" maxlength="5000"{}>{}'
            "</textarea>",
            error_class,
            fid,
            f.name,
            described,
            f.given.text,
        )
    elif f.kind == "short_text":
        control = format_html(
            '<input class="fr-input{}" type="text" id="{}" name="{}" value="{}" maxlength="300"{}>',
            error_class,
            fid,
            f.name,
            f.given.text,
            described,
        )
    else:
        control = format_html(
            '<input class="fr-input rupn-input-number{}" type="text" inputmode="decimal" id="{}" '
            'name="{}" value="{}"{}>',
            error_class,
            fid,
            f.name,
            f.number_value,
            described,
        )
    message = (
        format_html('<p class="fr-error-text" id="{}-erreur">{}</p>', fid, _errors_text(errors))
        if errors
        else EMPTY
    )
    return format_html(
        '<div class="fr-input-group{}"><label class="fr-label" for="{}">{} '
        '<span class="fr-hint-text">{}</span></label>{}{}</div>',
        " fr-input-group--error" if errors else "",
        fid,
        f.node.question.label,
        _hint(f),
        control,
        message,
    )


def _grid(f: QuestionField) -> SafeString:
    rows = []
    for row in f.grid_rows:
        cells = _radios(row["name"], row["cells"])
        rows.append(
            format_html(
                '<div class="fr-fieldset__element"><fieldset class="fr-fieldset rupn-survey-row" '
                'aria-labelledby="{}-legende"><legend class="fr-fieldset__legend '
                'fr-text--regular" id="{}-legende">{}</legend>{}</fieldset></div>',
                row["id"],
                row["id"],
                row["row"].label,
                cells,
            )
        )
    return mark_safe("".join(rows))  # noqa: S308 (each row escaped)


def _tasks(f: QuestionField, *, establishment_name: str, school_year: str) -> SafeString:
    if not f.tasks:
        return format_html(
            '<div class="fr-fieldset__element"><p class="fr-text--sm">Aucune lettre de mission '
            "émise ne vous lie à {} pour {}&nbsp;: cette question ne vous concerne pas.</p></div>",
            establishment_name,
            school_year,
        )
    rows = []
    for row in f.task_rows:
        statuses = _radios(row["name"], row["statuses"])
        rows.append(
            format_html(
                '<div class="fr-fieldset__element rupn-survey-task"><fieldset class="fr-fieldset" '
                'aria-labelledby="{id}-legende"><legend class="fr-fieldset__legend '
                'fr-text--regular" id="{id}-legende"><span class="fr-text--bold">Tâche '
                '{number}&nbsp;:</span> {label}<span class="fr-hint-text">{section}</span>'
                '</legend>{statuses}<div class="fr-fieldset__element"><div '
                'class="fr-input-group"><label class="fr-label" for="{id}-commentaire">'
                'Commentaire sur la tâche {number} <span class="fr-hint-text">Facultatif.</span>'
                '</label><input class="fr-input" type="text" id="{id}-commentaire" '
                'name="{comment_name}" value="{comment}" maxlength="1000"></div></div>'
                "</fieldset></div>",
                id=row["id"],
                number=row["number"],
                label=row["task"].label,
                section=row["task"].section,
                statuses=statuses,
                comment_name=row["comment_name"],
                comment=row["comment"],
            )
        )
    return mark_safe("".join(rows))  # noqa: S308 (each row escaped)


def _choices(f: QuestionField) -> SafeString:
    inline = f.kind in ("yes_no", "scale")
    parts = [_choice(f.kind, f.name, c, inline=inline) for c in f.choices]
    other = f.node.other_option
    if other is not None:
        parts.append(
            format_html(
                '<div class="fr-fieldset__element"><div class="fr-input-group"><label '
                'class="fr-label" for="{}-autre">Précisez si vous avez choisi «&nbsp;{}&nbsp;»'
                '</label><input class="fr-input" type="text" id="{}-autre" name="{}" value="{}" '
                'maxlength="300"></div></div>',
                f.id,
                other.label,
                f.id,
                f.other_name,
                f.given.other,
            )
        )
    return mark_safe("".join(parts))  # noqa: S308 (each part escaped)


def _fieldset(f: QuestionField, *, establishment_name: str, school_year: str) -> SafeString:
    fid, errors = f.id, f.errors
    if f.kind == "grid":
        body = _grid(f)
    elif f.kind == "letter_tasks":
        body = _tasks(f, establishment_name=establishment_name, school_year=school_year)
    else:
        body = _choices(f)
    message = (
        format_html(
            '<div class="fr-messages-group" id="{}-messages" aria-live="polite"><p '
            'class="fr-message fr-message--error">{}</p></div>',
            fid,
            _errors_text(errors),
        )
        if errors
        else EMPTY
    )
    return format_html(
        '<fieldset class="fr-fieldset{}" id="{}" aria-labelledby="{}-legende{}"><legend '
        'class="fr-fieldset__legend" id="{}-legende">{} <span class="fr-hint-text">{}</span>'
        "</legend>{}{}</fieldset>",
        " fr-fieldset--error" if errors else "",
        fid,
        fid,
        format_html(" {}-messages", fid) if errors else EMPTY,
        fid,
        f.node.question.label,
        _hint(f),
        body,
        message,
    )


def answer_question_html(
    f: QuestionField, *, establishment_name: str, school_year: str
) -> SafeString:
    """The question's block: its field or fieldset, its hint, its answer and its errors."""
    condition = (
        format_html(
            ' data-shown-if="{}" data-shown-if-options="{}"',
            f.parent.question.key if f.parent is not None else "",
            " ".join(f.node.question.shown_if_options),
        )
        if f.depends_on_page
        else EMPTY
    )
    inner = (
        _text_field(f)
        if f.kind in TEXT_KINDS
        else _fieldset(f, establishment_name=establishment_name, school_year=school_year)
    )
    return format_html(
        '<div class="fr-mb-4w rupn-question" id="{}-bloc"{}>{}</div>', f.id, condition, inner
    )
