"""Forms of the survey builder.

The question editor works without JavaScript, as the mission-letter template editor does: the
buttons that change its structure (add, move or remove a choice or a grid row, change the kind,
show the answers of the question a condition depends on) post the whole form with an `action`;
the posted question is read as it is, even partly invalid, changed and shown again, unsaved.
Only « Enregistrer la question » validates the forms and hands the question to
`question_save`, which holds the rules.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from decimal import Decimal, InvalidOperation
from typing import Any

from django import forms
from django.forms import formset_factory
from dsfr.forms import DsfrBaseForm

from establishments.forms import SchoolYearChoiceField
from surveys.definition import AUTHORED_CHOICE_KINDS, FIXED_CHOICES
from surveys.models import Audience, OptionRole, Question, QuestionKind
from surveys.services_authoring import (
    MAX_OPTIONS,
    MAX_ROWS,
    OTHER_KINDS,
    OptionData,
    QuestionData,
)

OPTIONS_PREFIX = "choix"
ROWS_PREFIX = "ligne"
SAVE = "save"

KIND_HELP: dict[str, str] = {
    QuestionKind.YES_NO: "Réponses « Oui » et « Non ».",
    QuestionKind.SINGLE: "Une réponse parmi les choix proposés.",
    QuestionKind.MULTIPLE: "Une ou plusieurs réponses parmi les choix proposés.",
    QuestionKind.SCALE: "Un niveau parmi des niveaux ordonnés (jamais, parfois, souvent…).",
    QuestionKind.GRID: "Pour chaque ligne (une ressource…), une colonne (utilisée, connue…).",
    QuestionKind.NUMBER: "Un nombre, entre des bornes si vous en donnez.",
    QuestionKind.SHORT_TEXT: "Une ligne de texte libre.",
    QuestionKind.LONG_TEXT: "Un texte libre de plusieurs lignes.",
    QuestionKind.LETTER_TASKS: "Chaque tâche de la lettre de mission du référent, avec « faite »,"
    " « en partie », « non faite » ou « pas commencée » et un commentaire.",
}


def kind_choices(audience: str) -> list[tuple[str, str]]:
    """The kinds a survey of `audience` may ask (the letter's tasks: referents only)."""
    return [
        (value, label)
        for value, label in QuestionKind.choices
        if value != QuestionKind.LETTER_TASKS or audience == Audience.RUPN
    ]


class SurveyCreateForm(DsfrBaseForm):
    audience = forms.ChoiceField(
        label="Public",
        choices=Audience.choices,
        error_messages={"invalid_choice": "Choisissez le public de l’enquête dans la liste."},
    )
    annee = SchoolYearChoiceField(required=True)
    title = forms.CharField(
        label="Titre de l’enquête",
        max_length=200,
        error_messages={"required": "Donnez un titre à l’enquête."},
    )


class SurveyCopyForm(DsfrBaseForm):
    audience = forms.ChoiceField(label="Public", choices=Audience.choices)
    annee = SchoolYearChoiceField(required=True)


class SurveyForm(DsfrBaseForm):
    title = forms.CharField(
        label="Titre de l’enquête",
        max_length=200,
        error_messages={"required": "Donnez un titre à l’enquête."},
    )
    introduction = forms.CharField(
        label="Introduction",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Affichée en tête de la première page.",
    )


class PageForm(DsfrBaseForm):
    title = forms.CharField(
        label="Titre de la page",
        max_length=200,
        error_messages={"required": "Donnez un titre à la page."},
    )
    introduction = forms.CharField(
        label="Introduction de la page",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class NewQuestionForm(DsfrBaseForm):
    """The kind of a question about to be added to a page (the editor follows)."""

    nature = forms.ChoiceField(label="Nature de la question")

    def __init__(self, *args: Any, audience: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["nature"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = kind_choices(audience)
        field.error_messages["invalid_choice"] = "Choisissez la nature de la question."


DECIMAL_ERRORS = {"invalid": "Écrivez un nombre (par exemple 12 ou 2,5)."}


class QuestionForm(DsfrBaseForm):
    kind = forms.ChoiceField(label="Nature de la question")
    label = forms.CharField(
        label="Libellé de la question",
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": "Donnez un libellé à la question."},
    )
    help_text = forms.CharField(
        label="Aide",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Précision affichée sous le libellé.",
    )
    required = forms.BooleanField(label="Réponse obligatoire", required=False)
    key = forms.SlugField(
        label="Clé",
        max_length=60,
        required=False,
        help_text="Facultative : tirée du libellé si vous la laissez vide. Elle ne change plus "
        "ensuite et relie les résultats d’une année à l’autre.",
        error_messages={
            "invalid": "Une clé ne contient que des lettres sans accent, des chiffres et des "
            "tirets.",
        },
    )
    min_value = forms.DecimalField(
        label="Minimum",
        required=False,
        max_digits=12,
        decimal_places=2,
        localize=True,
        error_messages=DECIMAL_ERRORS,
    )
    max_value = forms.DecimalField(
        label="Maximum",
        required=False,
        max_digits=12,
        decimal_places=2,
        localize=True,
        error_messages=DECIMAL_ERRORS,
    )
    shown_if_question = forms.TypedChoiceField(
        label="Afficher cette question seulement selon la réponse à",
        required=False,
        coerce=int,
        empty_value=None,
        help_text="Une question à choix placée avant celle-ci.",
    )
    shown_if_options = forms.MultipleChoiceField(
        label="Pour les réponses",
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(
        self,
        *args: Any,
        audience: str,
        candidates: Sequence[Question],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        kind = self.fields["kind"]
        assert isinstance(kind, forms.ChoiceField)
        kind.choices = kind_choices(audience)
        kind.error_messages["invalid_choice"] = "Choisissez la nature de la question."
        parent = self.fields["shown_if_question"]
        assert isinstance(parent, forms.ChoiceField)
        parent.choices = [("", "Toujours afficher la question")] + [
            (str(q.pk), q.label[:120]) for q in candidates
        ]
        parent.error_messages["invalid_choice"] = (
            "Choisissez une question à choix placée avant celle-ci."
        )
        chosen = _int(self["shown_if_question"].value())
        self.parent = next((q for q in candidates if q.pk == chosen), None)
        answers = self.fields["shown_if_options"]
        assert isinstance(answers, forms.MultipleChoiceField)
        answers.choices = (
            [(o.key, o.label) for o in self.parent.options.all() if o.role == OptionRole.CHOICE]
            if self.parent
            else []
        )
        answers.error_messages["invalid_choice"] = (
            "Ces réponses ne sont pas celles de la question choisie."
        )
        if self.parent is not None:
            self["shown_if_options"].label = answers.label = (
                f"Pour les réponses à « {self.parent.label[:120]} »"
            )


class OptionForm(DsfrBaseForm):
    label = forms.CharField(
        label="Libellé",
        max_length=300,
        error_messages={"required": "Écrivez le libellé, ou supprimez la ligne."},
    )
    key = forms.CharField(required=False, widget=forms.HiddenInput)
    is_other = forms.BooleanField(label="« Autre, précisez » (avec un texte)", required=False)


OptionFormSet = formset_factory(
    OptionForm, extra=0, max_num=MAX_OPTIONS, absolute_max=MAX_OPTIONS, validate_max=True
)
RowFormSet = formset_factory(
    OptionForm, extra=0, max_num=MAX_ROWS, absolute_max=MAX_ROWS, validate_max=True
)
_ROW_KWARGS = {"empty_permitted": False, "use_required_attribute": False}


@dataclass
class ItemRow:
    form: OptionForm
    number: int
    saved: bool  # its key was saved: answers may point at it


@dataclass
class QuestionEditor:
    form: QuestionForm
    options: Any  # an OptionFormSet
    rows: Any  # a RowFormSet
    option_rows: list[ItemRow]
    grid_rows: list[ItemRow]
    key_locked: bool

    @property
    def kind(self) -> str:
        return str(self.form["kind"].value() or "")

    @property
    def authored_choices(self) -> bool:
        return self.kind in AUTHORED_CHOICE_KINDS

    @property
    def fixed_choices(self) -> list[str]:
        return [label for _, label in FIXED_CHOICES.get(self.kind, [])]

    @property
    def is_grid(self) -> bool:
        return self.kind == QuestionKind.GRID

    @property
    def is_number(self) -> bool:
        return self.kind == QuestionKind.NUMBER

    @property
    def offers_other(self) -> bool:
        return self.kind in OTHER_KINDS

    @property
    def kind_help(self) -> str:
        return KIND_HELP.get(self.kind, "")

    @property
    def options_title(self) -> str:
        titles: dict[str, str] = {
            QuestionKind.SCALE: "Niveaux de l’échelle, dans l’ordre",
            QuestionKind.GRID: "Colonnes de la grille",
        }
        return titles.get(self.kind, "Choix proposés")

    def is_valid(self) -> bool:
        results = [self.form.is_valid()]
        if self.authored_choices:
            results.append(self.options.is_valid())
        if self.is_grid:
            results.append(self.rows.is_valid())
        return all(results)

    def field_errors(self) -> list[str]:
        errors = _form_errors("", self.form)
        if self.authored_choices:
            errors += [str(e) for e in self.options.non_form_errors()]
            for row in self.option_rows:
                errors += _form_errors(f"Choix {row.number}, ", row.form)
        if self.is_grid:
            errors += [str(e) for e in self.rows.non_form_errors()]
            for row in self.grid_rows:
                errors += _form_errors(f"Ligne {row.number}, ", row.form)
        return errors

    def cleaned_data(self) -> QuestionData:
        form = self.form.cleaned_data
        kind = form["kind"]
        return QuestionData(
            kind=kind,
            label=form["label"],
            help_text=form["help_text"],
            required=form["required"],
            key="" if self.key_locked else form["key"],
            min_value=form["min_value"],
            max_value=form["max_value"],
            options=[
                _item(row.form.cleaned_data, other_allowed=kind in OTHER_KINDS)
                for row in self.option_rows
            ]
            if kind in AUTHORED_CHOICE_KINDS
            else [],
            rows=[_item(row.form.cleaned_data, other_allowed=False) for row in self.grid_rows]
            if kind == QuestionKind.GRID
            else [],
            shown_if_question_id=form["shown_if_question"],
            shown_if_options=form["shown_if_options"] if form["shown_if_question"] else [],
        )

    def posted_data(self) -> QuestionData:
        """The question as posted, valid or not (to change its structure and show it again)."""
        f = self.form
        parent = _int(f["shown_if_question"].value())
        return QuestionData(
            kind=self.kind,
            label=_text(f, "label"),
            help_text=_text(f, "help_text"),
            required=bool(f["required"].value()),
            key=_text(f, "key").strip(),
            min_value=_decimal(f["min_value"].value()),
            max_value=_decimal(f["max_value"].value()),
            options=[_posted_item(row.form) for row in self.option_rows],
            rows=[_posted_item(row.form) for row in self.grid_rows],
            shown_if_question_id=parent,
            shown_if_options=[str(v) for v in (f["shown_if_options"].value() or [])]
            if parent
            else [],
        )


def _int(value: Any) -> int | None:
    try:
        return int(value) if value not in (None, "") else None
    except (TypeError, ValueError):
        return None


def _decimal(value: Any) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        return Decimal(str(value).replace(",", ".").replace("\u202f", "").replace(" ", ""))
    except InvalidOperation:
        return None


def _text(form: forms.Form, name: str) -> str:
    value = form[name].value()
    return "" if value is None else str(value)


def _item(data: Mapping[str, Any], *, other_allowed: bool) -> OptionData:
    """A choice or row as written; « autre, précisez » kept only where the kind offers it (the
    box is hidden for the others, so it cannot be unchecked there)."""
    return OptionData(
        label=data["label"],
        key=(data.get("key") or "").strip(),
        is_other=bool(data["is_other"]) and other_allowed,
    )


def _posted_item(form: forms.Form) -> OptionData:
    return OptionData(
        label=_text(form, "label"),
        key=_text(form, "key").strip(),
        is_other=bool(form["is_other"].value()),
    )


def _form_errors(where: str, form: forms.Form) -> list[str]:
    errors: list[str] = []
    for name, field_errors in form.errors.items():
        if name in form.fields and form.fields[name].label:
            label = str(form.fields[name].label)
            field = f"{where}{label.lower()}" if where else label
        else:
            field = where.rstrip(", ") or "Formulaire"
        errors += [f"{field} : {error}" for error in field_errors]
    return errors


def _rows(formset: Any, saved_keys: set[str]) -> list[ItemRow]:
    return [
        ItemRow(form=f, number=n, saved=bool(_text(f, "key")) and _text(f, "key") in saved_keys)
        for n, f in enumerate(formset.forms, start=1)
    ]


def editor_for(
    data: QuestionData,
    *,
    audience: str,
    candidates: Sequence[Question],
    saved_keys: set[str],
    key_locked: bool,
) -> QuestionEditor:
    """An unbound editor showing `data` (a question as saved, new, or changed by an action)."""
    form = QuestionForm(
        initial={
            "kind": data.kind,
            "label": data.label,
            "help_text": data.help_text,
            "required": data.required,
            "key": data.key,
            "min_value": data.min_value,
            "max_value": data.max_value,
            "shown_if_question": data.shown_if_question_id,
            "shown_if_options": list(data.shown_if_options),
        },
        audience=audience,
        candidates=candidates,
    )
    options = OptionFormSet(
        prefix=OPTIONS_PREFIX,
        initial=[{"label": o.label, "key": o.key, "is_other": o.is_other} for o in data.options],
        form_kwargs=_ROW_KWARGS,
    )
    rows = RowFormSet(
        prefix=ROWS_PREFIX,
        initial=[{"label": r.label, "key": r.key} for r in data.rows],
        form_kwargs=_ROW_KWARGS,
    )
    return QuestionEditor(
        form=form,
        options=options,
        rows=rows,
        option_rows=_rows(options, saved_keys),
        grid_rows=_rows(rows, saved_keys),
        key_locked=key_locked,
    )


def bound_editor(
    post: Mapping[str, Any],
    *,
    audience: str,
    candidates: Sequence[Question],
    saved_keys: set[str],
    key_locked: bool,
) -> QuestionEditor:
    form = QuestionForm(post, audience=audience, candidates=candidates)
    options = OptionFormSet(post, prefix=OPTIONS_PREFIX, form_kwargs=_ROW_KWARGS)
    rows = RowFormSet(post, prefix=ROWS_PREFIX, form_kwargs=_ROW_KWARGS)
    return QuestionEditor(
        form=form,
        options=options,
        rows=rows,
        option_rows=_rows(options, saved_keys),
        grid_rows=_rows(rows, saved_keys),
        key_locked=key_locked,
    )


def new_question(kind: str) -> QuestionData:
    """A question of `kind` about to be written: two empty choices where the author writes them,
    and one empty row for a grid."""
    options = [OptionData(label=""), OptionData(label="")] if kind in AUTHORED_CHOICE_KINDS else []
    if kind == QuestionKind.SCALE:
        options = [OptionData("Jamais"), OptionData("Parfois"), OptionData("Souvent")]
    rows = [OptionData(label="")] if kind == QuestionKind.GRID else []
    return QuestionData(kind=kind, label="", options=options, rows=rows)


# --- Structure actions ----------------------------------------------------------------------


@dataclass(frozen=True)
class Change:
    data: QuestionData
    message: str
    anchor: str = ""


def _moved(items: Sequence[Any], index: int, step: int) -> list[Any] | None:
    target = index + step
    if not (0 <= index < len(items) and 0 <= target < len(items)):
        return None
    moved = list(items)
    moved[index], moved[target] = moved[target], moved[index]
    return moved


def apply_action(data: QuestionData, action: str) -> Change | None:
    """`data` changed by a structure action (`option_add`, `option_up:2`, `row_remove:0`,
    `kind`, `condition`…, indexes from 0), or None when unknown or out of range."""
    name, _, arg = action.partition(":")
    if name == "kind" and not arg:
        if data.kind in AUTHORED_CHOICE_KINDS and len(data.options) < 2:
            data = replace(
                data, options=[*data.options, *[OptionData("")] * (2 - len(data.options))]
            )
        if data.kind == QuestionKind.GRID and not data.rows:
            data = replace(data, rows=[OptionData("")])
        label = QuestionKind(data.kind).label if data.kind in QuestionKind.values else "?"
        return Change(data, f"Nature de la question : {label}.", "nature")
    if name == "condition" and not arg:
        if data.shown_if_question_id is None:
            return Change(
                replace(data, shown_if_options=[]),
                "La question sera toujours affichée.",
                "condition",
            )
        return Change(data, "Cochez les réponses qui affichent la question.", "condition")
    group, _, verb = name.partition("_")
    if group not in ("option", "row"):
        return None
    items = list(data.options if group == "option" else data.rows)
    noun, limit = ("Choix", MAX_OPTIONS) if group == "option" else ("Ligne", MAX_ROWS)
    anchor_base = "choix" if group == "option" else "ligne"

    def changed(new_items: list[OptionData]) -> QuestionData:
        return (
            replace(data, options=new_items) if group == "option" else replace(data, rows=new_items)
        )

    if verb == "add" and not arg:
        if len(items) >= limit:
            return None
        items.append(OptionData(""))
        n = len(items)
        article = "ajouté" if group == "option" else "ajoutée"
        return Change(changed(items), f"{noun} {n} {article}.", f"{anchor_base}-{n}")
    try:
        index = int(arg)
    except ValueError:
        return None
    if not 0 <= index < len(items):
        return None
    number = index + 1
    if verb in ("up", "down"):
        step = -1 if verb == "up" else 1
        moved = _moved(items, index, step)
        if moved is None:
            return None
        return Change(
            changed(moved),
            f"{noun} {number} déplacé{'' if group == 'option' else 'e'} : "
            f"{'il' if group == 'option' else 'elle'} est maintenant en position {number + step}.",
            f"{anchor_base}-{number + step}",
        )
    if verb == "remove":
        label = items[index].label or f"{noun.lower()} {number}"
        del items[index]
        return Change(
            changed(items),
            f"« {label} » retiré{'' if group == 'option' else 'e'}.",
            f"{anchor_base}s",
        )
    return None
