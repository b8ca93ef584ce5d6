"""The DANE admin's survey builder: the surveys of a year per audience, a survey's outline
(pages and questions, reordered and deleted with buttons), the editor of a page and of a
question, the preview of the respondent's view, publication. Every page works without
JavaScript; the rules of what may change are in `surveys.services_authoring`."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from audit.selectors import history_for, history_lines
from establishments.forms import SchoolYearForm, year_filter
from establishments.models import SchoolYear
from rupn.links import url_with_query
from surveys.forms_builder import (
    SAVE,
    NewQuestionForm,
    PageForm,
    QuestionEditor,
    SurveyCopyForm,
    SurveyCreateForm,
    SurveyForm,
    apply_action,
    bound_editor,
    editor_for,
    new_question,
)
from surveys.models import Campaign, Question, QuestionKind, Survey, SurveyPage
from surveys.preview import preview_pages
from surveys.selectors_authoring import (
    get_page_for_author,
    get_question_for_author,
    get_survey_for_author,
    survey_has_answers,
    survey_outline,
    surveys_of_year,
)
from surveys.selectors_responses import survey_structure
from surveys.services_authoring import (
    QuestionData,
    condition_candidates,
    page_add,
    page_delete,
    page_move,
    page_update,
    question_data_of,
    question_delete,
    question_move,
    question_save,
    survey_copy_previous,
    survey_create_blank,
    survey_publication_errors,
    survey_publish_checked,
    survey_update,
)
from tenancy.http import request_scope, role_required
from tenancy.roles import Role

STEPS = {"haut": -1, "bas": 1}


def _list_url(school_year: SchoolYear) -> str:
    return url_with_query("surveys:builder_list", annee=school_year.start_year)


def _survey_url(survey: Survey, anchor: str = "") -> str:
    url = reverse("surveys:builder_survey", args=[survey.pk])
    return f"{url}#{anchor}" if anchor else url


def _refused(request: HttpRequest, error: ValidationError) -> None:
    for message in error.messages:
        messages.error(request, message)


@role_required(Role.DANE_ADMIN)
def builder_list(request: HttpRequest) -> HttpResponse:
    scope = request_scope(request)
    chosen = year_filter(SchoolYearForm, request.GET)
    school_year = chosen.school_year
    return render(
        request,
        "surveys/builder/list.html",
        {
            "page_title": f"Enquêtes {school_year.label}",
            "form": chosen.form,
            "school_year": school_year,
            "rows": surveys_of_year(scope, school_year),
            "history": history_lines(
                history_for(
                    scope,
                    whole_academie=True,
                    verb_prefix=("survey.create", "survey.publish"),
                    school_year_id=school_year.pk,
                )
            ),
        },
        status=200 if chosen.valid else 400,
    )


@role_required(Role.DANE_ADMIN)
@require_POST
def builder_create(request: HttpRequest) -> HttpResponse:
    scope = request_scope(request)
    form = SurveyCreateForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return redirect("surveys:builder_list")
    school_year = form.cleaned_data["annee"]
    try:
        survey = survey_create_blank(
            actor=scope,
            school_year=school_year,
            audience=form.cleaned_data["audience"],
            title=form.cleaned_data["title"],
        )
    except ValidationError as error:
        _refused(request, error)
        return redirect(_list_url(school_year))
    messages.success(request, f"Enquête « {survey.title} » créée en brouillon.")
    return redirect(_survey_url(survey))


@role_required(Role.DANE_ADMIN)
@require_POST
def builder_copy(request: HttpRequest) -> HttpResponse:
    scope = request_scope(request)
    form = SurveyCopyForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choisissez le public et l’année de l’enquête à créer.")
        return redirect("surveys:builder_list")
    school_year = form.cleaned_data["annee"]
    try:
        survey = survey_copy_previous(
            actor=scope, school_year=school_year, audience=form.cleaned_data["audience"]
        )
    except ValidationError as error:
        _refused(request, error)
        return redirect(_list_url(school_year))
    source = survey.based_on
    messages.success(
        request,
        f"Enquête {school_year.label} créée en brouillon à partir de celle de "
        f"{source.school_year.label if source else 'l’an dernier'}.",
    )
    return redirect(_survey_url(survey))


def _outline_page(
    request: HttpRequest,
    survey: Survey,
    *,
    form: SurveyForm | None = None,
    status: int = 200,
) -> HttpResponse:
    outline = survey_outline(survey)
    return render(
        request,
        "surveys/builder/survey.html",
        {
            "page_title": f"Modifier l’enquête {survey.title}",
            "survey": survey,
            "form": form
            or SurveyForm(initial={"title": survey.title, "introduction": survey.introduction}),
            "page_form": PageForm(prefix="nouvelle-page"),
            "outline": outline,
            "question_count": sum(len(p.questions) for p in outline),
            "answered": survey_has_answers(survey),
            "campaign": Campaign.objects.filter(survey=survey).first(),
            "new_question_form": NewQuestionForm(audience=survey.audience),
            "history": history_lines(history_for(request_scope(request), targets=[survey])),
        },
        status=status,
    )


@role_required(Role.DANE_ADMIN)
def builder_survey(request: HttpRequest, pk: int) -> HttpResponse:
    scope = request_scope(request)
    survey = get_survey_for_author(scope, pk)
    if request.method != "POST":
        return _outline_page(request, survey)
    form = SurveyForm(request.POST)
    if not form.is_valid():
        return _outline_page(request, survey, form=form, status=400)
    try:
        survey_update(
            actor=scope,
            survey=survey,
            title=form.cleaned_data["title"],
            introduction=form.cleaned_data["introduction"],
        )
    except ValidationError as error:
        form.add_error(None, error)
        return _outline_page(request, survey, form=form, status=400)
    messages.success(request, "Titre et introduction enregistrés.")
    return redirect(_survey_url(survey))


@role_required(Role.DANE_ADMIN)
def builder_preview(request: HttpRequest, pk: int) -> HttpResponse:
    survey = get_survey_for_author(request_scope(request), pk)
    return render(
        request,
        "surveys/builder/preview.html",
        {
            "page_title": f"Aperçu – {survey.title}",
            "survey": survey,
            "pages": preview_pages(survey_structure(survey)),
            "errors": [] if survey.is_published else survey_publication_errors(survey),
        },
    )


@role_required(Role.DANE_ADMIN)
@require_POST
def builder_publish(request: HttpRequest, pk: int) -> HttpResponse:
    scope = request_scope(request)
    survey = get_survey_for_author(scope, pk)
    try:
        survey_publish_checked(actor=scope, survey=survey)
    except ValidationError as error:
        _refused(request, error)
        return redirect(_survey_url(survey))
    messages.success(
        request,
        f"Enquête « {survey.title} » publiée : sa campagne peut être ouverte.",
    )
    return redirect(_list_url(survey.school_year))


# --- Pages ----------------------------------------------------------------------------------


@role_required(Role.DANE_ADMIN)
@require_POST
def builder_page_add(request: HttpRequest, pk: int) -> HttpResponse:
    scope = request_scope(request)
    survey = get_survey_for_author(scope, pk)
    form = PageForm(request.POST, prefix="nouvelle-page")
    if not form.is_valid():
        messages.error(request, "Donnez un titre à la nouvelle page.")
        return redirect(_survey_url(survey, "nouvelle-page"))
    page = page_add(
        actor=scope,
        survey=survey,
        title=form.cleaned_data["title"],
        introduction=form.cleaned_data["introduction"],
    )
    messages.success(request, f"Page {page.position} « {page.title} » ajoutée.")
    return redirect(_survey_url(survey, f"page-{page.position}"))


@role_required(Role.DANE_ADMIN)
def builder_page_edit(request: HttpRequest, pk: int) -> HttpResponse:
    scope = request_scope(request)
    page = get_page_for_author(scope, pk)
    form = PageForm(
        request.POST if request.method == "POST" else None,
        initial={"title": page.title, "introduction": page.introduction},
    )
    if request.method == "POST" and form.is_valid():
        page_update(
            actor=scope,
            page=page,
            title=form.cleaned_data["title"],
            introduction=form.cleaned_data["introduction"],
        )
        messages.success(request, f"Page {page.position} enregistrée.")
        return redirect(_survey_url(page.survey, f"page-{page.position}"))
    return render(
        request,
        "surveys/builder/page_edit.html",
        {
            "page_title": f"Modifier la page {page.position} – {page.survey.title}",
            "survey": page.survey,
            "survey_page": page,
            "form": form,
        },
        status=400 if request.method == "POST" else 200,
    )


@role_required(Role.DANE_ADMIN)
@require_POST
def builder_page_move(request: HttpRequest, pk: int) -> HttpResponse:
    scope = request_scope(request)
    page = get_page_for_author(scope, pk)
    step = STEPS.get(request.POST.get("sens", ""))
    if step is None:
        messages.error(request, "Déplacement inconnu : rien n’a changé.")
        return redirect(_survey_url(page.survey))
    try:
        number = page_move(actor=scope, page=page, step=step)
    except ValidationError as error:
        _refused(request, error)
        return redirect(_survey_url(page.survey, f"page-{page.position}"))
    messages.success(
        request, f"Page « {page.title} » déplacée : c’est maintenant la page {number}."
    )
    return redirect(_survey_url(page.survey, f"page-{number}"))


@role_required(Role.DANE_ADMIN)
def builder_page_delete(request: HttpRequest, pk: int) -> HttpResponse:
    scope = request_scope(request)
    page = get_page_for_author(scope, pk)
    if request.method == "POST":
        try:
            page_delete(actor=scope, page=page)
        except ValidationError as error:
            _refused(request, error)
            return redirect(_survey_url(page.survey, f"page-{page.position}"))
        messages.success(request, f"Page « {page.title} » supprimée.")
        return redirect(_survey_url(page.survey))
    return render(
        request,
        "surveys/builder/confirm_delete.html",
        {
            "page_title": f"Supprimer la page {page.position} – {page.survey.title}",
            "survey": page.survey,
            "what": f"la page {page.position} « {page.title} »",
            "consequence": (
                f"Ses {page.questions.count()} question(s) seront supprimées avec elle."
                if page.questions.exists()
                else "Elle n’a pas de question."
            ),
            "action": reverse("surveys:builder_page_delete", args=[page.pk]),
            "back": _survey_url(page.survey, f"page-{page.position}"),
        },
    )


# --- Questions ------------------------------------------------------------------------------


def _editor_page(
    request: HttpRequest,
    *,
    survey: Survey,
    page: SurveyPage,
    question: Question | None,
    editor: QuestionEditor,
    answered: bool,
    status: int = 200,
    **context: Any,
) -> HttpResponse:
    action = (
        reverse("surveys:builder_question_edit", args=[question.pk])
        if question
        else url_with_query("surveys:builder_question_create", page.pk, nature=editor.kind)
    )
    title = (
        f"Modifier la question {question.position} de la page {page.position}"
        if question
        else f"Nouvelle question, page {page.position}"
    )
    return render(
        request,
        "surveys/builder/question_edit.html",
        {
            "page_title": f"{title} – {survey.title}",
            "heading": title,
            "survey": survey,
            "survey_page": page,
            "question": question,
            "editor": editor,
            "form": editor.form,
            "answered": answered,
            "action": action,
            **context,
        },
        status=status,
    )


def _question_editor(
    request: HttpRequest, *, survey: Survey, page: SurveyPage, question: Question | None
) -> HttpResponse:
    """The GET and POST of the question editor, for a new question or a saved one."""
    scope = request_scope(request)
    answered = survey_has_answers(survey)
    candidates = condition_candidates(survey, page, question)
    saved_keys = (
        set(question.options.values_list("key", flat=True)) if question is not None else set()
    )

    def unbound(data: QuestionData) -> QuestionEditor:
        return editor_for(
            data,
            audience=survey.audience,
            candidates=candidates,
            saved_keys=saved_keys,
            key_locked=question is not None,
        )

    def show(editor: QuestionEditor, status: int = 200, **context: Any) -> HttpResponse:
        return _editor_page(
            request,
            survey=survey,
            page=page,
            question=question,
            editor=editor,
            answered=answered,
            status=status,
            **context,
        )

    if request.method != "POST":
        if question is not None:
            return show(unbound(question_data_of(question)))
        kind = request.GET.get("nature", "")
        return show(unbound(new_question(kind if kind in QuestionKind.values else "single")))
    editor = bound_editor(
        request.POST,
        audience=survey.audience,
        candidates=candidates,
        saved_keys=saved_keys,
        key_locked=question is not None,
    )
    action = request.POST.get("action", SAVE) or SAVE
    if action != SAVE:
        change = apply_action(editor.posted_data(), action)
        if change is None:
            return show(
                editor, status_message="Cette modification n’est pas possible ; rien n’a changé."
            )
        return show(unbound(change.data), status_message=change.message, anchor=change.anchor)
    if not editor.is_valid():
        return show(editor, status=400, field_errors=editor.field_errors())
    try:
        saved = question_save(actor=scope, page=page, data=editor.cleaned_data(), question=question)
    except ValidationError as error:
        return show(editor, status=400, errors=error.messages)
    messages.success(
        request,
        f"Question « {saved.label[:80]} » {'enregistrée' if question else 'ajoutée'}.",
    )
    return redirect(_survey_url(survey, f"question-{saved.pk}"))


@role_required(Role.DANE_ADMIN)
def builder_question_create(request: HttpRequest, pk: int) -> HttpResponse:
    page = get_page_for_author(request_scope(request), pk)
    return _question_editor(request, survey=page.survey, page=page, question=None)


@role_required(Role.DANE_ADMIN)
def builder_question_edit(request: HttpRequest, pk: int) -> HttpResponse:
    question = get_question_for_author(request_scope(request), pk)
    return _question_editor(request, survey=question.survey, page=question.page, question=question)


@role_required(Role.DANE_ADMIN)
@require_POST
def builder_question_move(request: HttpRequest, pk: int) -> HttpResponse:
    scope = request_scope(request)
    question = get_question_for_author(scope, pk)
    step = STEPS.get(request.POST.get("sens", ""))
    if step is None:
        messages.error(request, "Déplacement inconnu : rien n’a changé.")
        return redirect(_survey_url(question.survey))
    try:
        page_number, position = question_move(actor=scope, question=question, step=step)
    except ValidationError as error:
        _refused(request, error)
    else:
        messages.success(
            request,
            f"Question « {question.label[:80]} » déplacée : question {position} de la page "
            f"{page_number}.",
        )
    return redirect(_survey_url(question.survey, f"question-{question.pk}"))


@role_required(Role.DANE_ADMIN)
def builder_question_delete(request: HttpRequest, pk: int) -> HttpResponse:
    scope = request_scope(request)
    question = get_question_for_author(scope, pk)
    survey = question.survey
    if request.method == "POST":
        try:
            question_delete(actor=scope, question=question)
        except ValidationError as error:
            _refused(request, error)
            return redirect(_survey_url(survey, f"question-{question.pk}"))
        messages.success(request, f"Question « {question.label[:80]} » supprimée.")
        return redirect(_survey_url(survey, f"page-{question.page.position}"))
    return render(
        request,
        "surveys/builder/confirm_delete.html",
        {
            "page_title": f"Supprimer une question – {survey.title}",
            "survey": survey,
            "what": f"la question « {question.label} »",
            "consequence": "Ses choix et sa condition d’affichage seront supprimés avec elle.",
            "action": reverse("surveys:builder_question_delete", args=[question.pk]),
            "back": _survey_url(survey, f"question-{question.pk}"),
        },
    )
