"""Writes of the respondent: save a page of answers, submit the response.

The server's state is the truth: a response is saved page by page (`response_save_page`) and
resumes from any device; each save raises its `revision`, and a save or a submission sent with
an older revision (another tab, another device) is refused rather than overwriting newer
answers. Both lock the invitation first, so two requests at once (a double click, two tabs)
run one after the other: the first submission records the response, the second finds it
submitted and changes nothing.

After submission, and outside the campaign's dates, nothing changes. Answers to questions
hidden by the answers given (conditional display) are removed at each save and at submission:
a hidden question is neither required nor counted. For "the tasks of my letter", the tasks are
those of the referent's letter in force at the time of the save (an issued amendment replaces
the letter it amends); answers are kept by task key, with the task's label as then written.

Page saves are drafts of the respondent's own answers and are not written to the audit log;
the start of a response and its submission are.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from audit.services import audit_record
from missions.models import Letter
from rupn.formatting import format_date
from surveys.answers import EMPTY, Given, LetterTask, QuestionNode, SurveyStructure, given_errors
from surveys.models import (
    Answer,
    QuestionKind,
    SurveyInvitation,
    SurveyResponse,
)
from surveys.selectors_responses import (
    given_of,
    letter_of_invitation,
    letter_tasks,
    survey_structure,
)
from tenancy.scope import Scope

STALE = (
    "Vos réponses ont été enregistrées entre-temps depuis un autre onglet ou un autre appareil : "
    "la page montre maintenant les réponses enregistrées ; vérifiez-les puis enregistrez à "
    "nouveau."
)


class StaleResponseError(ValidationError):
    """The response changed since the page was shown."""


class ResponseErrors(ValidationError):
    """What is missing or wrong, by question key (`error_dict`)."""


def _locked_invitation(actor: Scope, invitation: SurveyInvitation) -> SurveyInvitation:
    locked = (
        SurveyInvitation.objects.select_for_update()
        .select_related("campaign__survey__school_year", "establishment")
        .get(pk=invitation.pk)
    )
    if locked.user_id != actor.user_id or locked.academie_id != actor.academie_id:
        raise PermissionDenied
    return locked


def _check_open(invitation: SurveyInvitation, now: datetime.datetime) -> None:
    campaign = invitation.campaign
    if now < campaign.opens_at:
        raise ValidationError(
            f"La campagne ouvre le {format_date(timezone.localdate(campaign.opens_at))}."
        )
    if now >= campaign.closes_at:
        raise ValidationError(
            f"La campagne est close depuis le "
            f"{format_date(timezone.localdate(campaign.closes_at))} : "
            "les réponses ne peuvent plus être modifiées."
        )


def _locked_response(invitation: SurveyInvitation) -> SurveyResponse | None:
    return SurveyResponse.objects.select_for_update().filter(invitation=invitation).first()


def _check_not_submitted(response: SurveyResponse | None) -> None:
    if response is not None and response.submitted_at is not None:
        raise ValidationError(
            f"Vos réponses ont été envoyées le "
            f"{format_date(timezone.localdate(response.submitted_at))} : "
            "elles ne peuvent plus être modifiées."
        )


def _check_revision(response: SurveyResponse | None, revision: int) -> None:
    current = response.revision if response is not None else 0
    if revision != current:
        raise StaleResponseError(STALE)


def _errors(
    nodes: list[QuestionNode],
    given: Mapping[str, Given],
    visible: set[str],
    tasks: list[LetterTask],
) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    for node in nodes:
        if node.key not in visible:
            continue
        is_tasks = node.kind == QuestionKind.LETTER_TASKS
        required = node.question.required and (bool(tasks) if is_tasks else True)
        problems = given_errors(
            node, given.get(node.key, EMPTY), required=required, tasks=tasks if is_tasks else None
        )
        if problems:
            errors[node.key] = problems
    return errors


def _answer_rows(
    response: SurveyResponse, node: QuestionNode, given: Given, tasks: list[LetterTask]
) -> list[Answer]:
    base = {"academie_id": response.academie_id, "response": response, "question": node.question}
    kind = node.kind
    rows: list[Answer] = []
    if kind == QuestionKind.GRID:
        for row_key, column_key in given.cells.items():
            row, column = node.row(row_key), node.choice(column_key)
            if row is not None and column is not None:
                rows.append(Answer(**base, row=row, option=column))
    elif kind == QuestionKind.LETTER_TASKS:
        for task in tasks:
            answer = given.tasks.get(task.key)
            if answer is None or not (answer.status or answer.comment.strip()):
                continue
            rows.append(
                Answer(
                    **base,
                    task_key=task.key,
                    task_label=task.label,
                    option=node.choice(answer.status) if answer.status else None,
                    text=answer.comment.strip(),
                )
            )
    elif kind == QuestionKind.NUMBER:
        if given.number is not None:
            rows.append(Answer(**base, number=given.number))
    elif kind in (QuestionKind.SHORT_TEXT, QuestionKind.LONG_TEXT):
        if given.text.strip():
            rows.append(Answer(**base, text=given.text.strip()))
    else:
        for key in given.options:
            option = node.choice(key)
            if option is not None:
                text = given.other.strip() if option.is_other else ""
                rows.append(Answer(**base, option=option, text=text))
    return rows


def _store(
    response: SurveyResponse,
    structure: SurveyStructure,
    nodes: list[QuestionNode],
    given: Mapping[str, Given],
    visible: set[str],
    tasks: list[LetterTask],
) -> None:
    """Replace the answers of `nodes` and drop those of questions now hidden."""
    hidden = [n.question.pk for n in structure.questions if n.key not in visible]
    Answer.objects.filter(
        response=response, question_id__in=[n.question.pk for n in nodes] + hidden
    ).delete()
    rows: list[Answer] = []
    for node in nodes:
        if node.key in visible:
            rows += _answer_rows(response, node, given.get(node.key, EMPTY), tasks)
    Answer.objects.bulk_create(rows)


@dataclass(frozen=True)
class ReadBefore:
    """What the page read of the response just before saving it (`structure`, and the answers
    `saved` at `revision`), reused under the lock rather than read again when still current:
    the same survey, and the response still at that revision (every change of its answers
    raises it, under the same lock). The `letter` in force, read by the page moments before, is
    no more locked than it would be read here."""

    structure: SurveyStructure
    revision: int
    saved: Mapping[str, Given]
    letter: Letter | None


@transaction.atomic
def response_save_page(
    *,
    actor: Scope,
    invitation: SurveyInvitation,
    page_number: int,
    given: Mapping[str, Given],
    revision: int,
    now: datetime.datetime | None = None,
    read: ReadBefore | None = None,
) -> SurveyResponse:
    """Save the answers of one page (those of its questions not in `given` are emptied).

    Refused, in French, with nothing changed: outside the campaign's dates, after submission,
    with an older `revision`, or when an answer breaks its question's rules or a required
    question shown on the page is not answered (`ResponseErrors`, by question key)."""
    now = now or timezone.now()
    locked = _locked_invitation(actor, invitation)
    _check_open(locked, now)
    response = _locked_response(locked)
    _check_not_submitted(response)
    _check_revision(response, revision)
    survey = locked.campaign.survey
    if read is not None and read.structure.survey.pk != survey.pk:
        read = None
    structure = read.structure if read is not None else survey_structure(survey)
    page = structure.page(page_number)
    if page is None:
        raise ValidationError("Cette page n’existe pas dans l’enquête.")
    current = response.revision if response is not None else 0
    if read is not None and read.revision == current:
        merged = dict(read.saved)
    else:
        merged = dict(given_of(response, structure))
    for node in page.questions:
        merged[node.key] = given.get(node.key, EMPTY)
    visible = structure.visible_keys(merged)
    letter = read.letter if read is not None else letter_of_invitation(locked)
    tasks = letter_tasks(letter)
    errors = _errors(page.questions, merged, visible, tasks)
    if errors:
        raise ResponseErrors(errors)
    if response is None:
        response = SurveyResponse.objects.create(
            academie_id=locked.academie_id,
            campaign=locked.campaign,
            invitation=locked,
            establishment=locked.establishment,
            letter=letter,
        )
        audit_record(
            actor=actor,
            verb="survey.response.start",
            target=response,
            establishment_id=locked.establishment_id,
            school_year_id=survey.school_year_id,
            summary=f"a commencé à répondre à l’enquête « {survey.title} » "
            f"({locked.establishment.name})",
        )
    _store(response, structure, page.questions, merged, visible, tasks)
    response.last_page = max(response.last_page, page_number)
    response.revision += 1
    response.letter = letter
    response.save(update_fields=["last_page", "revision", "letter", "updated_at"])
    return response


@transaction.atomic
def response_submit(
    *,
    actor: Scope,
    invitation: SurveyInvitation,
    revision: int,
    now: datetime.datetime | None = None,
) -> tuple[SurveyResponse, bool]:
    """Submit the response; returns it and whether it was submitted now (False: it already
    was, e.g. a second click, and nothing changed).

    Refused, in French, outside the campaign's dates, before any page is saved, with an older
    `revision`, or while a question shown is missing or wrong (`ResponseErrors`)."""
    now = now or timezone.now()
    locked = _locked_invitation(actor, invitation)
    response = _locked_response(locked)
    if response is not None and response.submitted_at is not None:
        return response, False
    _check_open(locked, now)
    if response is None:
        raise ValidationError("Répondez d’abord aux questions de l’enquête.")
    _check_revision(response, revision)
    survey = locked.campaign.survey
    structure = survey_structure(survey)
    given = given_of(response, structure)
    visible = structure.visible_keys(given)
    letter = letter_of_invitation(locked)
    tasks = letter_tasks(letter)
    errors = _errors(structure.questions, given, visible, tasks)
    if errors:
        raise ResponseErrors(errors)
    # Hidden questions lose their answers; letter tasks follow the letter in force now.
    task_nodes = [n for n in structure.questions if n.kind == QuestionKind.LETTER_TASKS]
    _store(response, structure, task_nodes, given, visible, tasks)
    response.submitted_at = now
    response.revision += 1
    response.letter = letter
    response.save(update_fields=["submitted_at", "revision", "letter", "updated_at"])
    audit_record(
        actor=actor,
        verb="survey.response.submit",
        target=response,
        establishment_id=locked.establishment_id,
        school_year_id=survey.school_year_id,
        summary=f"a envoyé ses réponses à l’enquête « {survey.title} » "
        f"({locked.establishment.name})",
    )
    return response, True


def missing_by_page(structure: SurveyStructure, errors: Mapping[str, list[str]]) -> list[int]:
    """The page numbers holding the questions in `errors`, in order."""
    return [p.number for p in structure.pages if any(n.key in errors for n in p.questions)]
