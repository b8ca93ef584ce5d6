"""Writes of the survey builder: a survey, its pages and its questions, one change at a time.

A draft changes freely. Once anyone has saved an answer (`survey_has_answers`), the survey's
structure can grow but not shrink, since every answer points at a question and an option:

- allowed: titles, labels and help texts (wording is corrected without changing what was
  asked), the « réponse obligatoire » flag (checked when a page is saved, never retroactively),
  new pages, new questions, new options and grid rows, the order of pages, questions and
  options (answers do not depend on where a question stands), wider number bounds;
- refused, with the reason in French: deleting a page that holds questions, a question, an
  option or a grid row; changing a question's kind, an option's « autre, précisez », the
  condition of an existing question (the answers were given under the old one), or bounds
  that would leave recorded numbers outside.

In every state: a conditional question follows the question it depends on (moves that would
break this are refused), a question others depend on is not deleted, and an option a condition
names is not removed. Every write is recorded in the audit log.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max, Q

from audit.services import audit_record
from establishments.models import SchoolYear
from rupn.formatting import quoted
from surveys.definition import (
    AUTHORED_CHOICE_KINDS,
    FIXED_CHOICES,
    Definition,
    definition_errors,
    definition_of,
    make_key,
    structure_changed,
)
from surveys.models import (
    Answer,
    Audience,
    OptionRole,
    Question,
    QuestionKind,
    QuestionOption,
    Survey,
    SurveyPage,
)
from surveys.selectors_authoring import previous_survey_of, survey_has_answers
from surveys.services import survey_create, survey_publish
from tenancy.scope import Scope

# Kinds a condition may depend on: one answer or a few among a question's own choices.
CONDITION_KINDS = frozenset(
    {QuestionKind.YES_NO, QuestionKind.SINGLE, QuestionKind.MULTIPLE, QuestionKind.SCALE}
)
OTHER_KINDS = frozenset({QuestionKind.SINGLE, QuestionKind.MULTIPLE})
MAX_OPTIONS = 40
MAX_ROWS = 40

LOCKED = "Des réponses sont déjà enregistrées"


@dataclass(frozen=True)
class OptionData:
    label: str
    key: str = ""
    is_other: bool = False


@dataclass(frozen=True)
class QuestionData:
    kind: str
    label: str
    help_text: str = ""
    required: bool = False
    key: str = ""
    min_value: Decimal | None = None
    max_value: Decimal | None = None
    options: Sequence[OptionData] = field(default_factory=tuple)
    rows: Sequence[OptionData] = field(default_factory=tuple)
    shown_if_question_id: int | None = None
    shown_if_options: Sequence[str] = field(default_factory=tuple)

    def __post_init__(self) -> None:
        object.__setattr__(self, "options", tuple(self.options))
        object.__setattr__(self, "rows", tuple(self.rows))
        object.__setattr__(self, "shown_if_options", tuple(self.shown_if_options))


def question_data_of(question: Question) -> QuestionData:
    """A saved question as data (to fill its editing form)."""
    options = list(question.options.order_by("role", "position"))
    authored = question.kind in AUTHORED_CHOICE_KINDS
    return QuestionData(
        kind=question.kind,
        label=question.label,
        help_text=question.help_text,
        required=question.required,
        key=question.key,
        min_value=question.min_value,
        max_value=question.max_value,
        options=[
            OptionData(label=o.label, key=o.key, is_other=o.is_other)
            for o in options
            if o.role == OptionRole.CHOICE and authored
        ],
        rows=[OptionData(label=o.label, key=o.key) for o in options if o.role == OptionRole.ROW],
        shown_if_question_id=question.shown_if_question_id,
        shown_if_options=list(question.shown_if_options),
    )


def _lock(survey: Survey) -> Survey:
    """The survey row locked for the change (two authors' edits run one after the other), its
    structure version raised: every authoring change goes through here."""
    locked = Survey.objects.select_for_update().select_related("school_year").get(pk=survey.pk)
    structure_changed(locked)
    return locked


def _record(actor: Scope, survey: Survey, verb: str, summary: str) -> None:
    audit_record(
        actor=actor,
        verb=f"survey.{verb}",
        target=survey,
        school_year_id=survey.school_year_id,
        summary=f"{summary} (enquête {quoted(survey.title)} {survey.school_year.label})",
    )


# --- The survey -----------------------------------------------------------------------------


@transaction.atomic
def survey_create_blank(
    *, actor: Scope, school_year: SchoolYear, audience: Audience | str, title: str
) -> Survey:
    """An empty draft with one page, to build question by question."""
    definition: Definition = {"title": title, "pages": [{"title": "Page 1", "questions": []}]}
    return survey_create(
        actor=actor, school_year=school_year, audience=audience, definition=definition
    )


@transaction.atomic
def survey_copy_previous(
    *, actor: Scope, school_year: SchoolYear, audience: Audience | str
) -> Survey:
    """The year's draft as a copy of the audience's latest survey of an earlier year: same
    pages, questions, options and keys, so that results line up from one year to the next."""
    source = previous_survey_of(
        academie_id=actor.academie_id, school_year=school_year, audience=str(audience)
    )
    if source is None:
        raise ValidationError(
            f"Aucune enquête « {Audience(audience).label} » avant {school_year.label} : "
            "créez-en une vide."
        )
    return survey_create(
        actor=actor,
        school_year=school_year,
        audience=audience,
        definition=definition_of(source),
        based_on=source,
    )


@transaction.atomic
def survey_update(*, actor: Scope, survey: Survey, title: str, introduction: str) -> Survey:
    """The survey's title and introduction (allowed at any time: wording only)."""
    locked = _lock(survey)
    if not title.strip():
        raise ValidationError("Donnez un titre à l’enquête.")
    locked.title = title.strip()
    locked.introduction = introduction.strip()
    locked.save(update_fields=["title", "introduction"])
    _record(actor, locked, "update", "a modifié le titre et l’introduction")
    return locked


def survey_publication_errors(survey: Survey) -> list[str]:
    """What keeps the survey from being published, in French."""
    errors = definition_errors(definition_of(survey))
    counts = dict(
        SurveyPage.objects.filter(survey=survey)
        .annotate(n=Max("questions__position"))
        .values_list("position", "n")
    )
    if not any(counts.values()):
        return ["Une enquête sans question ne peut pas être publiée."]
    errors += [
        f"La page {position} n’a pas de question : ajoutez-en une ou supprimez la page."
        for position, n in sorted(counts.items())
        if not n
    ]
    return errors


def survey_publish_checked(*, actor: Scope, survey: Survey) -> Survey:
    """Publish the survey once it is complete (every page has questions, every choice question
    its choices): a campaign can then be opened on it."""
    errors = survey_publication_errors(survey)
    if errors:
        raise ValidationError(errors)
    return survey_publish(survey=survey, actor=actor)


# --- Pages ----------------------------------------------------------------------------------


@transaction.atomic
def page_add(*, actor: Scope, survey: Survey, title: str, introduction: str = "") -> SurveyPage:
    """A page after the last one (allowed at any time)."""
    locked = _lock(survey)
    if not title.strip():
        raise ValidationError("Donnez un titre à la page.")
    last = SurveyPage.objects.filter(survey=locked).aggregate(n=Max("position"))["n"] or 0
    page = SurveyPage.objects.create(
        academie_id=locked.academie_id,
        survey=locked,
        position=last + 1,
        title=title.strip(),
        introduction=introduction.strip(),
    )
    _record(actor, locked, "page_add", f"a ajouté la page {last + 1} {quoted(page.title)}")
    return page


@transaction.atomic
def page_update(
    *, actor: Scope, page: SurveyPage, title: str, introduction: str = ""
) -> SurveyPage:
    survey = _lock(page.survey)
    if not title.strip():
        raise ValidationError("Donnez un titre à la page.")
    page.title = title.strip()
    page.introduction = introduction.strip()
    page.save(update_fields=["title", "introduction"])
    _record(actor, survey, "page_update", f"a modifié la page {quoted(page.title)}")
    return page


def _sequence(survey: Survey) -> tuple[list[SurveyPage], dict[int, list[Question]]]:
    pages = list(SurveyPage.objects.filter(survey=survey).order_by("position", "pk"))
    by_page: dict[int, list[Question]] = {page.pk: [] for page in pages}
    for q in (
        Question.objects.filter(survey=survey)
        .select_related("shown_if_question")
        .order_by("position", "pk")
    ):
        by_page[q.page_id].append(q)
    return pages, by_page


def _order_errors(pages: list[SurveyPage], by_page: dict[int, list[Question]]) -> list[str]:
    """Conditional questions placed before the question they depend on."""
    seen: set[int] = set()
    errors: list[str] = []
    for page in pages:
        for q in by_page[page.pk]:
            parent = q.shown_if_question
            if parent is not None and parent.pk not in seen:
                errors.append(
                    f"{quoted(q.label)} ne s’affiche que selon la réponse à "
                    f"{quoted(parent.label)} : elle doit rester après elle."
                )
            seen.add(q.pk)
    return errors


def _write_order(pages: list[SurveyPage], by_page: dict[int, list[Question]]) -> None:
    """Save the positions that changed (pages, then each page's questions)."""
    for position, page in enumerate(pages, start=1):
        if page.position != position:
            page.position = position
            page.save(update_fields=["position"])
        for q_position, q in enumerate(by_page[page.pk], start=1):
            if q.position != q_position or q.page_id != page.pk:
                q.position = q_position
                q.page_id = page.pk
                q.save(update_fields=["position", "page"])


@transaction.atomic
def page_move(*, actor: Scope, page: SurveyPage, step: int) -> int:
    """Move the page one place up (`step=-1`) or down (`+1`); returns its new number."""
    survey = _lock(page.survey)
    pages, by_page = _sequence(survey)
    index = next(i for i, p in enumerate(pages) if p.pk == page.pk)
    target = index + step
    if step not in (-1, 1) or not 0 <= target < len(pages):
        raise ValidationError("Cette page ne peut pas aller plus loin dans ce sens.")
    pages[index], pages[target] = pages[target], pages[index]
    errors = _order_errors(pages, by_page)
    if errors:
        raise ValidationError(errors)
    _write_order(pages, by_page)
    where = "montée" if step < 0 else "descendue"
    _record(actor, survey, "page_move", f"a {where} la page {quoted(page.title)}")
    return target + 1


@transaction.atomic
def page_delete(*, actor: Scope, page: SurveyPage) -> None:
    """Delete a page and its questions. Refused for the only page, for a page whose questions
    have answers, or one holding a question that a question of another page depends on."""
    survey = _lock(page.survey)
    pages, by_page = _sequence(survey)
    if len(pages) == 1:
        raise ValidationError("Une enquête garde au moins une page.")
    questions = by_page[page.pk]
    if questions and survey_has_answers(survey):
        raise ValidationError(
            f"{LOCKED} : supprimer la page {quoted(page.title)} effacerait les réponses à ses "
            f"{len(questions)} question(s). Vous pouvez en modifier les libellés ou la déplacer."
        )
    inside = {q.pk for q in questions}
    outside = [
        q
        for p in pages
        if p.pk != page.pk
        for q in by_page[p.pk]
        if q.shown_if_question_id in inside
    ]
    if outside:
        raise ValidationError(
            [
                f"{quoted(q.label)} ne s’affiche que selon la réponse à "
                f"{quoted(q.shown_if_question.label if q.shown_if_question else '')}, sur cette "
                "page : retirez d’abord cette condition."
                for q in outside
            ]
        )
    # A condition protects the question it names: the page's own conditions go first.
    page_pk = page.pk
    Question.objects.filter(page=page).update(shown_if_question=None, shown_if_options=[])
    Question.objects.filter(page=page).delete()
    page.delete()
    pages = [p for p in pages if p.pk != page_pk]
    del by_page[page_pk]
    _write_order(pages, by_page)
    _record(actor, survey, "page_delete", f"a supprimé la page {quoted(page.title)}")


# --- Questions ------------------------------------------------------------------------------


def earlier_questions(
    survey: Survey, page: SurveyPage, question: Question | None
) -> list[Question]:
    """The questions placed before `question` (before the end of `page` for a new one)."""
    before = Q(page__position__lt=page.position)
    if question is None:
        before |= Q(page=page)
    else:
        before |= Q(page=page, position__lt=question.position)
    questions = Question.objects.filter(before, survey=survey)
    if question is not None:
        questions = questions.exclude(pk=question.pk)
    return list(questions.order_by("page__position", "position", "pk"))


def condition_candidates(
    survey: Survey, page: SurveyPage, question: Question | None
) -> list[Question]:
    """The earlier questions a condition may name (with their options prefetched)."""
    return [
        q
        for q in Question.objects.filter(
            pk__in=[q.pk for q in earlier_questions(survey, page, question)],
            kind__in=CONDITION_KINDS,
        )
        .prefetch_related("options")
        .order_by("page__position", "position", "pk")
    ]


def _clean_items(items: Sequence[OptionData]) -> list[OptionData]:
    return [
        OptionData(label=i.label.strip(), key=i.key.strip(), is_other=i.is_other) for i in items
    ]


def _item_keys(items: list[OptionData]) -> list[str]:
    """Each item's key: the one it has, or one made from its label (unique among the rest)."""
    taken = {i.key for i in items if i.key}
    return [item.key or make_key(item.label, taken) for item in items]


def _question_errors(
    *,
    survey: Survey,
    page: SurveyPage,
    data: QuestionData,
    question: Question | None,
    answered: bool,
) -> list[str]:
    errors: list[str] = []
    kind = data.kind
    if kind not in QuestionKind.values:
        return ["Choisissez la nature de la question dans la liste."]
    if not data.label.strip():
        errors.append("Donnez un libellé à la question.")
    if kind == QuestionKind.LETTER_TASKS and survey.audience != Audience.RUPN:
        errors.append(
            "« Les tâches de ma lettre de mission » ne se pose qu’aux référents : cette enquête "
            "s’adresse aux chefs d’établissement."
        )
    options, rows = _clean_items(data.options), _clean_items(data.rows)
    if kind in AUTHORED_CHOICE_KINDS:
        if len(options) < 2:
            errors.append("Proposez au moins deux choix.")
        if any(not o.label for o in options):
            errors.append("Un choix n’a pas de libellé : écrivez-le ou supprimez-le.")
        if len(options) > MAX_OPTIONS:
            errors.append(f"Au plus {MAX_OPTIONS} choix.")
    if kind == QuestionKind.GRID:
        if not rows:
            errors.append("Une grille a au moins une ligne.")
        if any(not r.label for r in rows):
            errors.append("Une ligne de la grille n’a pas de libellé : écrivez-le ou supprimez-la.")
        if len(rows) > MAX_ROWS:
            errors.append(f"Au plus {MAX_ROWS} lignes.")
    others = [o for o in options if o.is_other]
    if others and kind not in OTHER_KINDS:
        errors.append("« Autre, précisez » ne se propose que dans un choix unique ou multiple.")
    if len(others) > 1:
        errors.append("Un seul choix « autre, précisez » par question.")
    for what, items in (("choix", options), ("lignes", rows)):
        keys = [i.key or "" for i in items if i.key]
        if len(keys) != len(set(keys)):
            errors.append(f"Deux {what} ont la même clé.")
        labels = [i.label.casefold() for i in items if i.label]
        if len(labels) != len(set(labels)):
            errors.append(f"Deux {what} ont le même libellé.")
    if kind == QuestionKind.NUMBER:
        low, high = data.min_value, data.max_value
        if low is not None and high is not None and low > high:
            errors.append("Le minimum dépasse le maximum.")
    if question is None and data.key:
        if Question.objects.filter(survey=survey, key=data.key).exists():
            errors.append(f"La clé {quoted(data.key)} est déjà celle d’une autre question.")
    errors += _condition_errors(survey=survey, page=page, data=data, question=question)
    if question is not None:
        errors += _kept_errors(question=question, data=data, options=options, answered=answered)
    return errors


def _condition_errors(
    *, survey: Survey, page: SurveyPage, data: QuestionData, question: Question | None
) -> list[str]:
    if data.shown_if_question_id is None:
        return []
    candidates = {q.pk: q for q in condition_candidates(survey, page, question)}
    parent = candidates.get(data.shown_if_question_id)
    if parent is None:
        return [
            "Une question ne peut dépendre que d’une question à choix (oui/non, choix, échelle) "
            "placée avant elle."
        ]
    if not data.shown_if_options:
        return [f"Cochez au moins une réponse à {quoted(parent.label)} qui affiche la question."]
    known = {o.key for o in parent.options.all() if o.role == OptionRole.CHOICE}
    if set(data.shown_if_options) - known:
        return [f"Ces réponses ne sont pas celles de {quoted(parent.label)}."]
    return []


def _kept_errors(
    *, question: Question, data: QuestionData, options: list[OptionData], answered: bool
) -> list[str]:
    """What an edit of a saved question would take away from answers or conditions."""
    errors: list[str] = []
    saved = list(question.options.all())
    saved_choices = {o.key: o for o in saved if o.role == OptionRole.CHOICE}
    saved_rows = {o.key for o in saved if o.role == OptionRole.ROW}
    kept_choices = (
        {k for k, _ in FIXED_CHOICES[data.kind]}
        if data.kind in FIXED_CHOICES
        else {o.key for o in options if o.key}
    )
    kept_rows = {r.key for r in data.rows if r.key}
    gone_choices = set(saved_choices) - kept_choices
    named = set()
    for dependent in question.dependents.all():
        named |= set(dependent.shown_if_options) & gone_choices
        if data.kind not in CONDITION_KINDS:
            errors.append(
                f"{quoted(dependent.label)} ne s’affiche que selon la réponse à cette question : "
                "elle doit rester une question à choix."
            )
    if named:
        labels = ", ".join(quoted(saved_choices[k].label) for k in sorted(named))
        errors.append(
            f"Une question ne s’affiche que pour {labels} : retirez d’abord cette condition."
        )
    if not answered:
        return errors
    if data.kind != question.kind:
        errors.append(
            f"{LOCKED} : la nature de la question ne change plus (les réponses données ne "
            "correspondraient plus)."
        )
        return errors
    if gone_choices:
        labels = ", ".join(quoted(saved_choices[k].label) for k in sorted(gone_choices))
        errors.append(
            f"{LOCKED} : les choix ne peuvent plus être supprimés ({labels}). Vous pouvez "
            "corriger leur libellé ou en ajouter."
        )
    if saved_rows - kept_rows:
        errors.append(
            f"{LOCKED} : les lignes de la grille ne peuvent plus être supprimées. Vous pouvez "
            "corriger leur libellé ou en ajouter."
        )
    changed_other = [
        o.label
        for o in options
        if o.key in saved_choices and saved_choices[o.key].is_other != o.is_other
    ]
    if changed_other:
        errors.append(
            f"{LOCKED} : « autre, précisez » ne change plus sur un choix existant "
            f"({', '.join(quoted(label) for label in changed_other)})."
        )
    if (data.shown_if_question_id, list(data.shown_if_options)) != (
        question.shown_if_question_id,
        list(question.shown_if_options),
    ):
        errors.append(
            f"{LOCKED} : la condition d’affichage de cette question ne change plus (les réponses "
            "ont été données selon l’ancienne)."
        )
    if question.kind == QuestionKind.NUMBER:
        outside = Q()
        if data.min_value is not None:
            outside |= Q(number__lt=data.min_value)
        if data.max_value is not None:
            outside |= Q(number__gt=data.max_value)
        if outside and Answer.objects.filter(outside, question=question).exists():
            errors.append(
                f"{LOCKED} : des nombres déjà saisis sortent de ces bornes ; élargissez-les plutôt."
            )
    return errors


def _sync_options(
    question: Question, role: OptionRole, items: list[tuple[str, OptionData]]
) -> None:
    """Make the question's options of `role` the `(key, data)` items, in that order, keeping
    the rows of kept keys (their answers point at them)."""
    saved = {o.key: o for o in QuestionOption.objects.filter(question=question, role=role)}
    wanted = {key for key, _ in items}
    QuestionOption.objects.filter(
        question=question, role=role, key__in=set(saved) - wanted
    ).delete()
    new: list[QuestionOption] = []
    for position, (key, item) in enumerate(items, start=1):
        option = saved.get(key)
        if option is None:
            new.append(
                QuestionOption(
                    academie_id=question.academie_id,
                    question=question,
                    role=role,
                    position=position,
                    key=key,
                    label=item.label,
                    is_other=item.is_other,
                )
            )
        elif (option.position, option.label, option.is_other) != (
            position,
            item.label,
            item.is_other,
        ):
            option.position, option.label, option.is_other = position, item.label, item.is_other
            option.save(update_fields=["position", "label", "is_other"])
    QuestionOption.objects.bulk_create(new)


@transaction.atomic
def question_save(
    *,
    actor: Scope,
    page: SurveyPage,
    data: QuestionData,
    question: Question | None = None,
) -> Question:
    """Create a question at the end of `page`, or change `question` (which stays where it is).
    Refused, in French and changing nothing, by the rules of the module docstring."""
    survey = _lock(page.survey)
    answered = survey_has_answers(survey)
    if question is not None:
        question = Question.objects.prefetch_related("options", "dependents").get(pk=question.pk)
    errors = _question_errors(
        survey=survey, page=page, data=data, question=question, answered=answered
    )
    if errors:
        raise ValidationError(errors)
    kind = data.kind
    creating = question is None
    if question is None:
        taken = set(Question.objects.filter(survey=survey).values_list("key", flat=True))
        last = Question.objects.filter(page=page).aggregate(n=Max("position"))["n"] or 0
        question = Question(
            academie_id=survey.academie_id,
            survey=survey,
            page=page,
            position=last + 1,
            key=data.key or make_key(data.label, taken),
        )
    question.kind = kind
    question.label = data.label.strip()
    question.help_text = data.help_text.strip()
    question.required = data.required
    is_number = kind == QuestionKind.NUMBER
    question.min_value = data.min_value if is_number else None
    question.max_value = data.max_value if is_number else None
    question.shown_if_question_id = data.shown_if_question_id
    question.shown_if_options = list(data.shown_if_options) if data.shown_if_question_id else []
    question.save()

    choices: list[tuple[str, OptionData]] = []
    if kind in FIXED_CHOICES:
        choices = [(key, OptionData(label=label, key=key)) for key, label in FIXED_CHOICES[kind]]
    elif kind in AUTHORED_CHOICE_KINDS:
        options = _clean_items(data.options)
        choices = list(zip(_item_keys(options), options, strict=True))
    rows: list[tuple[str, OptionData]] = []
    if kind == QuestionKind.GRID:
        cleaned = _clean_items(data.rows)
        rows = [
            (key, OptionData(label=r.label, key=key))
            for key, r in zip(_item_keys(cleaned), cleaned, strict=True)
        ]
    _sync_options(question, OptionRole.CHOICE, choices)
    _sync_options(question, OptionRole.ROW, rows)
    verb, what = ("question_add", "a ajouté") if creating else ("question_update", "a modifié")
    _record(actor, survey, verb, f"{what} la question {quoted(question.label[:80])}")
    return question


@transaction.atomic
def question_move(*, actor: Scope, question: Question, step: int) -> tuple[int, int]:
    """Move a question one place up (`step=-1`) or down (`+1`): past the first or last
    question of its page, to the end of the previous page or the start of the next one.
    Returns (page number, position) where it now stands."""
    survey = _lock(question.survey)
    pages, by_page = _sequence(survey)
    page_index = next(i for i, p in enumerate(pages) if p.pk == question.page_id)
    items = by_page[question.page_id]
    index = next(i for i, q in enumerate(items) if q.pk == question.pk)
    moving = items[index]
    target = index + step
    if step not in (-1, 1):
        raise ValidationError("Déplacement inconnu.")
    if 0 <= target < len(items):
        items[index], items[target] = items[target], items[index]
        new_page, new_index = page_index, target
    else:
        new_page = page_index + step
        if not 0 <= new_page < len(pages):
            raise ValidationError("Cette question ne peut pas aller plus loin dans ce sens.")
        del items[index]
        destination = by_page[pages[new_page].pk]
        if step < 0:
            destination.append(moving)
            new_index = len(destination) - 1
        else:
            destination.insert(0, moving)
            new_index = 0
        # Positions of the question's new page are rewritten from 1: free its old ones first.
        moving.page_id = pages[new_page].pk
        moving.position = 0
    errors = _order_errors(pages, by_page)
    if errors:
        raise ValidationError(errors)
    _write_order(pages, by_page)
    where = "montée" if step < 0 else "descendue"
    _record(actor, survey, "question_move", f"a {where} la question {quoted(moving.label[:80])}")
    return new_page + 1, new_index + 1


@transaction.atomic
def question_delete(*, actor: Scope, question: Question) -> None:
    """Delete a question of a survey without answers, unless another depends on it."""
    survey = _lock(question.survey)
    if survey_has_answers(survey):
        raise ValidationError(
            f"{LOCKED} : supprimer {quoted(question.label)} effacerait celles qui lui ont été "
            "données. Vous pouvez corriger son libellé, la rendre facultative ou la déplacer."
        )
    dependents = list(Question.objects.filter(shown_if_question=question))
    if dependents:
        raise ValidationError(
            [
                f"{quoted(d.label)} ne s’affiche que selon la réponse à cette question : "
                "retirez d’abord cette condition."
                for d in dependents
            ]
        )
    label, page = question.label, question.page
    question.delete()
    for position, q in enumerate(Question.objects.filter(page=page).order_by("position", "pk"), 1):
        if q.position != position:
            q.position = position
            q.save(update_fields=["position"])
    _record(actor, survey, "question_delete", f"a supprimé la question {quoted(label[:80])}")
