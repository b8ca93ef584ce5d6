"""The respondent's pages: the survey's start page, one page of questions at a time (saved
with « Enregistrer et continuer »), the summary where the response is submitted, and the same
summary, read-only, once submitted or after the campaign closed."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from missions.models import Letter
from rupn.formatting import format_date
from surveys.answers import EMPTY, Given, LetterTask, QuestionNode, SurveyStructure
from surveys.forms_answer import PageForm
from surveys.models import QuestionKind, SurveyInvitation, SurveyResponse
from surveys.selectors_responses import (
    campaign_is_open,
    get_invitation_for,
    given_of,
    letter_of_invitation,
    letter_tasks,
    response_of,
    survey_structure,
)
from surveys.services_responses import (
    ReadBefore,
    ResponseErrors,
    StaleResponseError,
    missing_by_page,
    response_save_page,
    response_submit,
)
from tenancy.http import request_scope, role_required
from tenancy.roles import Role

RESPONDENTS = (Role.RUPN, Role.PRINCIPAL)


@dataclass
class Context:
    invitation: SurveyInvitation
    response: SurveyResponse | None
    structure: SurveyStructure
    saved: dict[str, Given]
    letter: Letter | None
    tasks: list[LetterTask]
    is_open: bool

    @property
    def editable(self) -> bool:
        return self.is_open and (self.response is None or self.response.submitted_at is None)

    @property
    def revision(self) -> int:
        return self.response.revision if self.response is not None else 0

    def base(self, **extra: Any) -> dict[str, Any]:
        survey = self.structure.survey
        return {
            "invitation": self.invitation,
            "survey": survey,
            "campaign": self.invitation.campaign,
            "establishment": self.invitation.establishment,
            "response": self.response,
            "structure": self.structure,
            "pages": self.structure.pages,
            "editable": self.editable,
            "is_open": self.is_open,
            "revision": self.revision,
            "state": _state(self),
            **extra,
        }


def _state(ctx: Context) -> str:
    if ctx.response is not None and ctx.response.submitted_at is not None:
        return f"Réponses envoyées le {format_date(ctx.response.submitted_at, time=True)}."
    if not ctx.is_open:
        return (
            f"La campagne est close depuis le {format_date(ctx.invitation.campaign.closes_at)} : "
            "les réponses ne peuvent plus être modifiées."
        )
    return ""


def _context(request: HttpRequest, pk: int) -> Context:
    invitation = get_invitation_for(request_scope(request), pk)
    response = response_of(invitation)
    structure = survey_structure(invitation.campaign.survey)
    letter = letter_of_invitation(invitation)
    return Context(
        invitation=invitation,
        response=response,
        structure=structure,
        saved=given_of(response, structure),
        letter=letter,
        tasks=letter_tasks(letter),
        is_open=campaign_is_open(invitation.campaign),
    )


def _page_url(invitation: SurveyInvitation, number: int) -> str:
    return reverse("surveys:answer_page", args=[invitation.pk, number])


def _summary_url(invitation: SurveyInvitation) -> str:
    return reverse("surveys:answer_summary", args=[invitation.pk])


@role_required(*RESPONDENTS)
def answer_start(request: HttpRequest, pk: int) -> HttpResponse:
    """The survey's introduction, its pages and where the response stands."""
    ctx = _context(request, pk)
    last = ctx.response.last_page if ctx.response is not None else 0
    resume = min(last + 1, len(ctx.structure.pages))
    return render(
        request,
        "surveys/answer/start.html",
        ctx.base(
            page_title=ctx.structure.survey.title,
            last_page=last,
            resume_url=(
                _summary_url(ctx.invitation)
                if last >= len(ctx.structure.pages) or not ctx.editable
                else _page_url(ctx.invitation, max(resume, 1))
            ),
        ),
    )


@role_required(*RESPONDENTS)
def answer_page(request: HttpRequest, pk: int, number: int) -> HttpResponse:
    """One page of questions; saving it leads to the next one (or to the summary)."""
    ctx = _context(request, pk)
    page = ctx.structure.page(number)
    if page is None:
        return redirect(_summary_url(ctx.invitation))
    if not ctx.editable:
        return redirect(_summary_url(ctx.invitation))
    status = 200
    warning = ""
    form = PageForm(ctx.structure, page, saved=ctx.saved, tasks=ctx.tasks)
    if request.method == "POST":
        form = PageForm(ctx.structure, page, saved=ctx.saved, tasks=ctx.tasks, data=request.POST)
        if form.is_valid():
            assert form.revision is not None
            try:
                response_save_page(
                    actor=request_scope(request),
                    invitation=ctx.invitation,
                    page_number=number,
                    given=form.given,
                    revision=form.revision,
                    read=ReadBefore(
                        structure=ctx.structure,
                        revision=ctx.revision,
                        saved=ctx.saved,
                        letter=ctx.letter,
                    ),
                )
            except StaleResponseError as error:
                ctx = _context(request, pk)
                if not ctx.editable:
                    return redirect(_summary_url(ctx.invitation))
                form = PageForm(ctx.structure, page, saved=ctx.saved, tasks=ctx.tasks)
                warning, status = error.messages[0], 409
            except ResponseErrors as error:
                form.add_errors(error.message_dict)
                status = 400
            except ValidationError as error:
                messages.error(request, " ".join(error.messages))
                return redirect(_summary_url(ctx.invitation))
            else:
                messages.success(request, f"Page {number} enregistrée.")
                if number < len(ctx.structure.pages):
                    return redirect(_page_url(ctx.invitation, number + 1))
                return redirect(_summary_url(ctx.invitation))
        else:
            status = 400
            if form.revision is None:
                warning = "La page n’a pas pu être enregistrée : rechargez-la puis recommencez."
    return render(
        request,
        "surveys/answer/page.html",
        ctx.base(
            page_title=f"{page.page.title} – page {number} sur {len(ctx.structure.pages)}",
            here=f"Page {number}",
            page=page,
            form=form,
            warning=warning,
            previous_url=_page_url(ctx.invitation, number - 1) if number > 1 else "",
            is_last=number == len(ctx.structure.pages),
        ),
        status=status,
    )


@dataclass
class SummaryQuestion:
    node: QuestionNode
    lines: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


@dataclass
class SummaryPage:
    number: int
    title: str
    questions: list[SummaryQuestion]
    has_errors: bool = False


def _lines(node: QuestionNode, given: Given, tasks: list[LetterTask]) -> list[str]:
    kind = node.kind
    if kind == QuestionKind.GRID:
        return [
            f"{row.label} : {column.label}"
            for row in node.rows
            if (column := node.choice(given.cells.get(row.key, ""))) is not None
        ]
    if kind == QuestionKind.LETTER_TASKS:
        lines = []
        for task in tasks:
            answer = given.tasks.get(task.key)
            status = node.choice(answer.status) if answer and answer.status else None
            text = f"{task.label} : {status.label if status else 'sans réponse'}"
            if answer and answer.comment:
                text += f" – « {answer.comment} »"
            lines.append(text)
        return lines
    if kind == QuestionKind.NUMBER:
        if given.number is None:
            return []
        return [format(given.number.normalize(), "f").replace(".", ",")]
    if kind in (QuestionKind.SHORT_TEXT, QuestionKind.LONG_TEXT):
        return [given.text] if given.text else []
    lines = []
    for key in given.options:
        option = node.choice(key)
        if option is not None:
            lines.append(f"{option.label} : {given.other}" if option.is_other else option.label)
    return lines


def _summary(ctx: Context, errors: dict[str, list[str]] | None = None) -> list[SummaryPage]:
    visible = ctx.structure.visible_keys(ctx.saved)
    errors = errors or {}
    pages = []
    for page in ctx.structure.pages:
        questions = [
            SummaryQuestion(
                node=node,
                lines=_lines(node, ctx.saved.get(node.key, EMPTY), ctx.tasks),
                errors=errors.get(node.key, []),
            )
            for node in page.questions
            if node.key in visible
        ]
        pages.append(
            SummaryPage(
                number=page.number,
                title=page.page.title,
                questions=questions,
                has_errors=any(q.errors for q in questions),
            )
        )
    return pages


def _render_summary(
    request: HttpRequest,
    ctx: Context,
    *,
    errors: dict[str, list[str]] | None = None,
    status: int = 200,
) -> HttpResponse:
    return render(
        request,
        "surveys/answer/summary.html",
        ctx.base(
            page_title=f"Récapitulatif – {ctx.structure.survey.title}",
            here="Récapitulatif",
            summary=_summary(ctx, errors),
            missing_pages=missing_by_page(ctx.structure, errors or {}),
            submitted=ctx.response is not None and ctx.response.submitted_at is not None,
        ),
        status=status,
    )


@role_required(*RESPONDENTS)
def answer_summary(request: HttpRequest, pk: int) -> HttpResponse:
    """Every answer saved, page by page; the submission while the campaign is open."""
    return _render_summary(request, _context(request, pk))


@require_POST
@role_required(*RESPONDENTS)
def answer_submit(request: HttpRequest, pk: int) -> HttpResponse:
    ctx = _context(request, pk)
    try:
        revision = int(str(request.POST.get("revision", "")))
    except ValueError:
        revision = -1
    try:
        _, submitted_now = response_submit(
            actor=request_scope(request), invitation=ctx.invitation, revision=revision
        )
    except ResponseErrors as error:
        return _render_summary(request, ctx, errors=error.message_dict, status=400)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect(_summary_url(ctx.invitation))
    if submitted_now:
        messages.success(request, "Merci : vos réponses sont envoyées.")
    else:
        messages.info(request, "Vos réponses avaient déjà été envoyées.")
    return redirect(_summary_url(ctx.invitation))
