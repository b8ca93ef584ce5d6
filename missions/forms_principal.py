"""Forms of the direction's letters pages: designating someone known, inviting a teacher, and
reading the letter editor's fields."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Any

from django import forms
from django.http import QueryDict
from dsfr.forms import DsfrBaseForm

from accounts.models import Civility, User
from missions.content import LetterContent, content_from_choices, sections_of
from missions.models import LetterTemplate, SectionKind
from rupn.formatting import to_decimal


class PersonChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        user: User = obj
        name = user.formal_name if user.full_name else user.email
        details = ", ".join(part for part in (user.discipline, user.email) if part)
        return f"{name} ({details})" if name != user.email else name


class DesignateForm(DsfrBaseForm):
    personne = PersonChoiceField(
        label="Personne connue dans l’établissement",
        queryset=User.objects.none(),
        empty_label="Choisir une personne",
        help_text="Référents des années précédentes et personnels déjà rattachés à "
        "l’établissement.",
    )

    def __init__(self, *args: Any, people: Iterable[User], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["personne"]
        assert isinstance(field, forms.ModelChoiceField)
        ids = [person.pk for person in people]
        field.queryset = User.objects.filter(pk__in=ids).order_by("last_name", "first_name")


class InviteForm(DsfrBaseForm):
    civilite = forms.ChoiceField(
        label="Civilité", choices=[("", "Choisir"), *Civility.choices], required=True
    )
    nom = forms.CharField(label="Nom", max_length=100)
    prenom = forms.CharField(label="Prénom", max_length=100)
    discipline = forms.CharField(
        label="Discipline", max_length=100, required=False, help_text="Par exemple : Technologie"
    )
    adresse = forms.EmailField(
        label="Adresse électronique académique",
        max_length=254,
        help_text="Format attendu : prenom.nom@ac-academie.fr",
    )


AMOUNT_SPACES = str.maketrans({" ": "", "\u00a0": "", "\u202f": "", "€": "", ",": "."})


def parse_amount(raw: str) -> Decimal | None:
    """« 1 250,00 € » → Decimal("1250.00"); an empty field means no IMP; None when invalid."""
    text = raw.translate(AMOUNT_SPACES)
    if not text:
        return Decimal("0.00")
    amount = to_decimal(text)
    if amount is None or not amount.is_finite() or amount < 0:
        return None
    return amount.quantize(Decimal("0.01"))


@dataclass
class EditorInput:
    """What the editor's form sent: the content, the amount, what was asked."""

    content: LetterContent
    errors: list[str] = field(default_factory=list)
    amount: Decimal | None = None
    amount_raw: str = ""
    revision: int | None = None
    examples_for: int | None = None  # « Partir des exemples » of this section
    send: bool = False


def editor_input(template: LetterTemplate, data: QueryDict, *, with_amount: bool) -> EditorInput:
    own: dict[int, list[tuple[str, str]]] = {}
    texts: dict[int, str] = {}
    examples_for: int | None = None
    for section in sections_of(template):
        pos = section.position
        if section.kind == SectionKind.TASKS:
            removed = set(data.getlist(f"propre_{pos}_retirer"))
            keys = data.getlist(f"propre_{pos}_cle")
            labels = data.getlist(f"propre_{pos}_libelle")
            own[pos] = [
                (key, label) for key, label in zip(keys, labels, strict=False) if key not in removed
            ]
            new = data.get(f"propre_{pos}_nouvelle", "")
            if new.strip():
                own[pos].append(("", new))
        elif section.kind == SectionKind.FREE_TEXT:
            texts[pos] = data.get(f"texte_{pos}", "")
            if data.get("exemples") == str(pos):
                examples_for = pos
                texts[pos] = section.body
    content, errors = content_from_choices(
        template,
        task_keys=data.getlist("taches"),
        own_tasks=own,
        texts=texts,
        training=data.get("stage") == "1",
        ends_on=None,
    )
    ends_raw = data.get("fin", "").strip()
    if ends_raw:
        try:
            content = replace(content, ends_on=datetime.date.fromisoformat(ends_raw))
        except ValueError:
            errors.append(
                f"La date de fin de mission ({ends_raw}) n’est pas une date : choisissez-la "
                "dans le calendrier (jj/mm/aaaa)."
            )
    result = EditorInput(content=content, errors=errors, examples_for=examples_for)
    result.send = data.get("action") == "envoyer"
    try:
        result.revision = int(data.get("revision", ""))
    except ValueError:
        result.errors.append("Le formulaire est incomplet : rechargez la page.")
    if with_amount:
        result.amount_raw = data.get("montant", "")
        result.amount = parse_amount(result.amount_raw)
        if result.amount is None:
            result.errors.append(
                f"Le montant saisi ({result.amount_raw}) n’est pas un montant valide : "
                "écrivez par exemple 1 250,00."
            )
    return result
