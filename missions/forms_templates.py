"""The editing form of a draft template: the template's own fields, a formset of its sections
and, per section, a formset of its tasks.

The page works without JavaScript: buttons that change the structure (add, remove or move a
section or a task) post the whole form with an `action`; the posted content is read as it is,
even partly invalid, changed and shown again, unsaved. Only "Enregistrer le brouillon" validates
the forms and hands the content to `template_update`, which holds the template rules.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from django import forms
from django.forms import formset_factory
from dsfr.forms import DsfrBaseForm

from missions.models import SectionKind
from missions.services_templates import SectionData, TaskData, TemplateData

SECTIONS_PREFIX = "section"
MAX_SECTIONS = 50
MAX_TASKS = 100

BODY_LABELS = {
    SectionKind.FIXED_TEXT: "Texte de la section",
    SectionKind.TASKS: "Texte avant la liste des tâches",
    SectionKind.FREE_TEXT: "Exemples proposés au chef d’établissement",
    SectionKind.ANNEX: "Texte de l’annexe",
}
BODY_HELP = {
    SectionKind.FREE_TEXT: "Le chef d’établissement part de ces exemples pour rédiger le texte "
    "adapté à son établissement.",
}


def tasks_prefix(section_index: int) -> str:
    return f"{SECTIONS_PREFIX}-{section_index}-tache"


class TemplateForm(DsfrBaseForm):
    title = forms.CharField(
        label="Titre de la lettre",
        max_length=200,
        error_messages={"required": "Donnez un titre à la trame."},
    )
    introduction = forms.CharField(
        label="Introduction",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Texte d’en-tête de la lettre.",
    )
    indemnity_clause = forms.CharField(
        label="Clause d’indemnité",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    requires_dan_visa = forms.BooleanField(
        label="Visa du DAN requis",
        required=False,
        help_text="La lettre porte alors le visa du délégué académique au numérique.",
    )


class SectionForm(DsfrBaseForm):
    kind = forms.ChoiceField(
        label="Nature de la section",
        choices=SectionKind.choices,
        error_messages={"invalid_choice": "Choisissez la nature de la section dans la liste."},
    )
    title = forms.CharField(
        label="Titre de la section",
        max_length=300,
        error_messages={"required": "Donnez un titre à la section."},
    )
    body = forms.CharField(
        label="Texte de la section", required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    allows_own_tasks = forms.BooleanField(
        label="Le chef d’établissement peut ajouter ses propres tâches", required=False
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The bound field copied the label when the DSFR form set its classes: change both.
        kind = self["kind"].value()
        body = self["body"]
        body.label = self.fields["body"].label = BODY_LABELS.get(kind, "Texte de la section")
        body.help_text = self.fields["body"].help_text = BODY_HELP.get(kind, "")


class TaskForm(DsfrBaseForm):
    label = forms.CharField(
        label="Libellé de la tâche",
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": "Donnez un libellé à la tâche, ou supprimez-la."},
    )
    key = forms.SlugField(
        label="Clé",
        max_length=60,
        required=False,
        help_text="Facultative : tirée du libellé si vous la laissez vide. Elle ne change plus "
        "ensuite, d’une version et d’une année à l’autre.",
        error_messages={
            "invalid": "Une clé ne contient que des lettres sans accent, des chiffres et des "
            "tirets.",
        },
    )
    checked_by_default = forms.BooleanField(label="Cochée par défaut", required=False)


# Every row is a real row (no blank extra form to skip): `empty_permitted` is turned off below.
SectionFormSet = formset_factory(
    SectionForm, extra=0, max_num=MAX_SECTIONS, absolute_max=MAX_SECTIONS, validate_max=True
)
TaskFormSet = formset_factory(
    TaskForm, extra=0, max_num=MAX_TASKS, absolute_max=MAX_TASKS, validate_max=True
)
_ROW_KWARGS = {"empty_permitted": False, "use_required_attribute": False}


@dataclass
class TaskRow:
    form: TaskForm
    number: int
    # A key saved with the template stays as it is: letters of later versions find it again.
    key_locked: bool


@dataclass
class SectionBlock:
    form: SectionForm
    tasks: Any  # a TaskFormSet
    number: int
    task_rows: list[TaskRow]

    @property
    def kind(self) -> str:
        return str(self.form["kind"].value() or "")

    @property
    def title(self) -> str:
        return str(self.form["title"].value() or "").strip()

    @property
    def shows_tasks(self) -> bool:
        return self.kind == SectionKind.TASKS or bool(self.task_rows)


@dataclass
class TemplateEditor:
    form: TemplateForm
    sections: Any  # a SectionFormSet
    blocks: list[SectionBlock]

    def is_valid(self) -> bool:
        return all(
            [self.form.is_valid(), self.sections.is_valid()]
            + [block.tasks.is_valid() for block in self.blocks]
        )

    def field_errors(self) -> list[str]:
        """Each invalid field, named so that it can be found in the page."""
        errors = _form_errors("", self.form)
        errors += list(self.sections.non_form_errors())
        for block in self.blocks:
            where = f"Section {block.number}"
            errors += _form_errors(f"{where}, ", block.form)
            errors += [f"{where} : {e}" for e in block.tasks.non_form_errors()]
            for row in block.task_rows:
                errors += _form_errors(f"{where}, tâche {row.number}, ", row.form)
        return errors

    def cleaned_data(self) -> TemplateData:
        """The content of valid forms."""
        form = self.form.cleaned_data
        return TemplateData(
            title=form["title"],
            introduction=form["introduction"],
            indemnity_clause=form["indemnity_clause"],
            requires_dan_visa=form["requires_dan_visa"],
            sections=[
                SectionData(
                    kind=block.form.cleaned_data["kind"],
                    title=block.form.cleaned_data["title"],
                    body=block.form.cleaned_data["body"],
                    allows_own_tasks=(
                        block.form.cleaned_data["allows_own_tasks"]
                        and block.form.cleaned_data["kind"] == SectionKind.TASKS
                    ),
                    tasks=[
                        TaskData(
                            label=row.form.cleaned_data["label"],
                            key=row.form.cleaned_data["key"],
                            checked_by_default=row.form.cleaned_data["checked_by_default"],
                        )
                        for row in block.task_rows
                    ],
                )
                for block in self.blocks
            ],
        )

    def posted_data(self) -> TemplateData:
        """The content as posted, valid or not (to change its structure and show it again)."""
        return TemplateData(
            title=_text(self.form, "title"),
            introduction=_text(self.form, "introduction"),
            indemnity_clause=_text(self.form, "indemnity_clause"),
            requires_dan_visa=bool(self.form["requires_dan_visa"].value()),
            sections=[
                SectionData(
                    kind=block.kind,
                    title=_text(block.form, "title"),
                    body=_text(block.form, "body"),
                    allows_own_tasks=bool(block.form["allows_own_tasks"].value()),
                    tasks=[
                        TaskData(
                            label=_text(row.form, "label"),
                            key=_text(row.form, "key").strip(),
                            checked_by_default=bool(row.form["checked_by_default"].value()),
                        )
                        for row in block.task_rows
                    ],
                )
                for block in self.blocks
            ],
        )


def _text(form: forms.Form, name: str) -> str:
    value = form[name].value()
    return "" if value is None else str(value)


def _form_errors(where: str, form: forms.Form) -> list[str]:
    """Each error of `form`, after `where` ("" or "Section 2, ") and the field's label."""
    errors: list[str] = []
    for name, field_errors in form.errors.items():
        if name in form.fields:
            label = str(form.fields[name].label)
            field = f"{where}{label.lower()}" if where else label
        else:
            field = where.rstrip(", ") or "Formulaire"
        errors += [f"{field} : {error}" for error in field_errors]
    return errors


def editor_for(data: TemplateData, saved_keys: Collection[str]) -> TemplateEditor:
    """An unbound editor showing `data` (a draft as saved, or as changed by a structure action)."""
    form = TemplateForm(
        initial={
            "title": data.title,
            "introduction": data.introduction,
            "indemnity_clause": data.indemnity_clause,
            "requires_dan_visa": data.requires_dan_visa,
        }
    )
    sections = SectionFormSet(
        prefix=SECTIONS_PREFIX,
        initial=[
            {
                "kind": s.kind,
                "title": s.title,
                "body": s.body,
                "allows_own_tasks": s.allows_own_tasks,
            }
            for s in data.sections
        ],
        form_kwargs=_ROW_KWARGS,
    )
    blocks = []
    # The formset holds at most MAX_SECTIONS forms; `apply_action` never goes beyond.
    pairs = zip(sections.forms, data.sections, strict=False)
    for index, (section_form, section) in enumerate(pairs):
        tasks = TaskFormSet(
            prefix=tasks_prefix(index),
            initial=[
                {"label": t.label, "key": t.key, "checked_by_default": t.checked_by_default}
                for t in section.tasks
            ],
            form_kwargs=_ROW_KWARGS,
        )
        blocks.append(_block(section_form, tasks, index, saved_keys))
    return TemplateEditor(form=form, sections=sections, blocks=blocks)


def bound_editor(post: Mapping[str, Any], saved_keys: Collection[str]) -> TemplateEditor:
    """The editor as posted."""
    form = TemplateForm(post)
    sections = SectionFormSet(post, prefix=SECTIONS_PREFIX, form_kwargs=_ROW_KWARGS)
    blocks = [
        _block(
            section_form,
            TaskFormSet(post, prefix=tasks_prefix(index), form_kwargs=_ROW_KWARGS),
            index,
            saved_keys,
        )
        for index, section_form in enumerate(sections.forms)
    ]
    return TemplateEditor(form=form, sections=sections, blocks=blocks)


def _block(
    section_form: SectionForm, tasks: Any, index: int, saved_keys: Collection[str]
) -> SectionBlock:
    rows = []
    for number, task_form in enumerate(tasks.forms, start=1):
        key = _text(task_form, "key").strip()
        rows.append(
            TaskRow(form=task_form, number=number, key_locked=bool(key) and key in saved_keys)
        )
    return SectionBlock(form=section_form, tasks=tasks, number=index + 1, task_rows=rows)


# --- Structure actions ----------------------------------------------------------------------

NEW_SECTION = SectionData(kind=SectionKind.TASKS, title="")
NEW_TASK = TaskData(label="", checked_by_default=True)


@dataclass(frozen=True)
class Change:
    """The content after a structure action, what to say about it, and where to look next."""

    data: TemplateData
    message: str
    anchor: str = ""


def _moved(items: Sequence[Any], index: int, step: int) -> list[Any] | None:
    target = index + step
    if not (0 <= index < len(items) and 0 <= target < len(items)):
        return None
    moved = list(items)
    moved[index], moved[target] = moved[target], moved[index]
    return moved


def _with_tasks(data: TemplateData, index: int, tasks: Sequence[TaskData]) -> TemplateData:
    sections = list(data.sections)
    sections[index] = replace(sections[index], tasks=tasks)
    return replace(data, sections=sections)


def apply_action(data: TemplateData, action: str) -> Change | None:
    """`data` changed by a structure action (`add_section`, `section_up:2`, `task_remove:1:0`…,
    indexes from 0), or None when the action is unknown or out of range."""
    name, _, args = action.partition(":")
    try:
        numbers = [int(part) for part in args.split(":")] if args else []
    except ValueError:
        return None
    sections = list(data.sections)
    if name == "add_section" and not numbers:
        if len(sections) >= MAX_SECTIONS:
            return None
        sections.append(NEW_SECTION)
        number = len(sections)
        return Change(
            replace(data, sections=sections), f"Section {number} ajoutée.", f"section-{number}"
        )
    if len(numbers) < 1 or not 0 <= numbers[0] < len(sections):
        return None
    index = numbers[0]
    number = index + 1
    if name in ("section_up", "section_down") and len(numbers) == 1:
        step = -1 if name == "section_up" else 1
        moved = _moved(sections, index, step)
        if moved is None:
            return None
        where = "montée" if step < 0 else "descendue"
        return Change(
            replace(data, sections=moved),
            f"Section {number} {where} : elle est maintenant la section {number + step}.",
            f"section-{number + step}",
        )
    if name == "section_remove" and len(numbers) == 1:
        del sections[index]
        return Change(
            replace(data, sections=sections),
            f"Section {number} supprimée.",
            f"section-{min(number, len(sections))}" if sections else "sections",
        )
    tasks = list(sections[index].tasks)
    if name == "task_add" and len(numbers) == 1:
        if len(tasks) >= MAX_TASKS:
            return None
        tasks.append(NEW_TASK)
        return Change(
            _with_tasks(data, index, tasks),
            f"Tâche {len(tasks)} ajoutée à la section {number}.",
            f"section-{number}-tache-{len(tasks)}",
        )
    if len(numbers) != 2 or not 0 <= numbers[1] < len(tasks):
        return None
    task_index = numbers[1]
    task_number = task_index + 1
    if name in ("task_up", "task_down"):
        step = -1 if name == "task_up" else 1
        moved = _moved(tasks, task_index, step)
        if moved is None:
            return None
        where = "montée" if step < 0 else "descendue"
        return Change(
            _with_tasks(data, index, moved),
            f"Tâche {task_number} de la section {number} {where}.",
            f"section-{number}-tache-{task_number + step}",
        )
    if name == "task_remove":
        del tasks[task_index]
        return Change(
            _with_tasks(data, index, tasks),
            f"Tâche {task_number} de la section {number} supprimée.",
            f"section-{number}-taches",
        )
    return None
