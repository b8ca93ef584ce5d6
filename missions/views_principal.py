"""The direction's pages of one establishment's mission letters for a school year: the
referents and who does what, designations, last year's renewal, and the letter editor (with
its autosave)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from accounts.models import Membership, Role, User
from establishments.access import get_establishment_for
from establishments.models import Establishment, SchoolYear
from indemnities.access import get_school_year
from indemnities.envelopes import envelope_has_amount
from indemnities.selectors_allocations import allocation_page, referents_of
from missions.content import LetterContent, sections_of
from missions.forms_principal import DesignateForm, EditorInput, InviteForm, editor_input
from missions.models import Letter, LetterTemplate, SectionKind, TemplateSection
from missions.selectors_letters import (
    coreferents_of,
    get_letter_for,
    get_letter_for_editor,
    template_with_parts,
)
from missions.selectors_principal import establishment_letters
from missions.services_letters import LetterConflict, letter_create, letter_transition
from missions.services_referents import (
    letter_save,
    letters_renew,
    referent_designate,
    referent_invite,
    referent_remove,
)
from tenancy.http import request_scope, role_required
from tenancy.scope import Scope

DIRECTION = (Role.PRINCIPAL, Role.DEPUTY)


def _target(
    scope: Scope, establishment_pk: int, start_year: int
) -> tuple[Establishment, SchoolYear]:
    return get_establishment_for(scope, establishment_pk), get_school_year(start_year)


def _back(establishment: Establishment, school_year: SchoolYear) -> HttpResponse:
    return redirect(
        "missions:establishment_letters",
        establishment_pk=establishment.pk,
        start_year=school_year.start_year,
    )


def _page(
    request: HttpRequest,
    establishment: Establishment,
    school_year: SchoolYear,
    *,
    designate_form: DesignateForm | None = None,
    invite_form: InviteForm | None = None,
    status: int = 200,
) -> HttpResponse:
    scope = request_scope(request)
    page = establishment_letters(establishment, school_year, scope=scope)
    return render(
        request,
        "missions/establishment_letters.html",
        {
            "page_title": f"Lettres de mission {school_year.label} – {establishment.name}",
            "page": page,
            "designate_form": designate_form or DesignateForm(people=page.known_people),
            "invite_form": invite_form or InviteForm(),
        },
        status=status,
    )


@role_required(*DIRECTION)
def establishment_letters_view(
    request: HttpRequest, establishment_pk: int, start_year: int
) -> HttpResponse:
    establishment, school_year = _target(request_scope(request), establishment_pk, start_year)
    return _page(request, establishment, school_year)


def _say(request: HttpRequest, warnings: list[str]) -> None:
    for warning in warnings:
        messages.warning(request, warning)


def _designated(request: HttpRequest, membership: Membership, letter: Letter | None) -> None:
    name = membership.user.formal_name
    if letter is None:
        messages.success(
            request,
            f"{name} est désigné(e) référent(e). Sa lettre de mission se préparera dès que la "
            "trame de l’année sera publiée par la DANE.",
        )
    else:
        messages.success(
            request, f"{name} est désigné(e) référent(e) : sa lettre de mission est en brouillon."
        )


@role_required(*DIRECTION)
@require_POST
def referent_designate_view(
    request: HttpRequest, establishment_pk: int, start_year: int
) -> HttpResponse:
    """Designate someone known; or, with `preparer`, make the draft letter of a referent
    designated before the year's template was published."""
    scope = request_scope(request)
    establishment, school_year = _target(scope, establishment_pk, start_year)
    if "preparer" in request.POST:
        raw = str(request.POST.get("preparer", ""))
        referent = (
            referents_of(establishment, school_year).filter(pk=raw).first()
            if raw.isdigit()
            else None
        )
        if referent is None:
            raise Http404("Référent introuvable.")
        try:
            letter = letter_create(
                establishment=establishment, school_year=school_year, referent=referent, actor=scope
            )
        except ValidationError as error:
            for text in error.messages:
                messages.error(request, text)
        else:
            _designated(request, referent, letter)
        return _back(establishment, school_year)
    page = establishment_letters(establishment, school_year, scope=scope)
    form = DesignateForm(request.POST, people=page.known_people)
    if form.is_valid():
        user: User = form.cleaned_data["personne"]
        try:
            designation = referent_designate(
                establishment=establishment, school_year=school_year, user=user, actor=scope
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            _designated(request, designation.membership, designation.letter)
            _say(request, designation.warnings)
            return _back(establishment, school_year)
    return _page(request, establishment, school_year, designate_form=form, status=400)


@role_required(*DIRECTION)
@require_POST
def referent_invite_view(
    request: HttpRequest, establishment_pk: int, start_year: int
) -> HttpResponse:
    scope = request_scope(request)
    establishment, school_year = _target(scope, establishment_pk, start_year)
    form = InviteForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            designation = referent_invite(
                establishment=establishment,
                school_year=school_year,
                email=data["adresse"],
                civility=data["civilite"],
                first_name=data["prenom"],
                last_name=data["nom"],
                discipline=data["discipline"],
                actor=scope,
                base_url=settings.SITE_URL,
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            _designated(request, designation.membership, designation.letter)
            messages.info(
                request,
                f"Un courriel est envoyé à {designation.membership.user.email} pour l’en informer.",
            )
            _say(request, designation.warnings)
            return _back(establishment, school_year)
    return _page(request, establishment, school_year, invite_form=form, status=400)


@role_required(*DIRECTION)
@require_POST
def referent_remove_view(
    request: HttpRequest, establishment_pk: int, start_year: int
) -> HttpResponse:
    scope = request_scope(request)
    establishment, school_year = _target(scope, establishment_pk, start_year)
    membership = (
        referents_of(establishment, school_year)
        .filter(pk=request.POST.get("referent") or 0)
        .first()
        if str(request.POST.get("referent", "")).isdigit()
        else None
    )
    if membership is None:
        raise Http404("Référent introuvable.")
    try:
        referent_remove(membership=membership, actor=scope)
    except ValidationError as error:
        for text in error.messages:
            messages.error(request, text)
    else:
        messages.success(request, f"La désignation de {membership.user.formal_name} est retirée.")
    return _back(establishment, school_year)


@role_required(*DIRECTION)
@require_POST
def letters_renew_view(
    request: HttpRequest, establishment_pk: int, start_year: int
) -> HttpResponse:
    scope = request_scope(request)
    establishment, school_year = _target(scope, establishment_pk, start_year)
    try:
        result = letters_renew(establishment=establishment, school_year=school_year, actor=scope)
    except ValidationError as error:
        for text in error.messages:
            messages.error(request, text)
        return _back(establishment, school_year)
    count = len(result.created)
    messages.success(
        request,
        f"{count} lettre{'s' if count > 1 else ''} de mission reprise{'s' if count > 1 else ''} "
        "de l’an dernier, en brouillon.",
    )
    if result.skipped:
        messages.info(request, "Déjà désigné(e)s cette année : " + ", ".join(result.skipped) + ".")
    for name, tasks in result.lost_tasks.items():
        messages.warning(
            request,
            f"Tâches de {name} absentes de la trame de cette année, non reprises : "
            + " ; ".join(f"« {task} »" for task in tasks)
            + ".",
        )
    for problem in result.amount_problems:
        messages.error(request, problem)
    _say(request, result.warnings)
    return _back(establishment, school_year)


# --- The letter editor --------------------------------------------------------------------------


@dataclass
class SectionView:
    section: TemplateSection
    tasks: list[tuple[Any, bool]] = field(default_factory=list)  # (template task, checked)
    own: list[tuple[str, str]] = field(default_factory=list)  # (key, label)
    text: str = ""

    @property
    def kind(self) -> str:
        return self.section.kind


def section_views(template: LetterTemplate, content: LetterContent) -> list[SectionView]:
    chosen = content.keys()
    views = []
    for section in sections_of(template):
        view = SectionView(section=section)
        if section.kind == SectionKind.TASKS:
            view.tasks = [
                (task, task.key in chosen)
                for task in sorted(section.tasks.all(), key=lambda t: t.position)
            ]
            view.own = [
                (t.key, t.label) for t in content.tasks if t.own and t.section == section.position
            ]
        elif section.kind == SectionKind.FREE_TEXT:
            view.text = content.texts.get(section.position, "")
        views.append(view)
    return views


def _current_amount(letter: Letter, page: Any) -> Decimal:
    for line in page.lines:
        if line.referent.pk == letter.referent_id:
            return Decimal(line.amount)
    return Decimal("0.00")


def _editor(
    request: HttpRequest,
    letter: Letter,
    template: LetterTemplate,
    *,
    content: LetterContent,
    revision: int,
    amount_raw: str | None = None,
    errors: list[str] | None = None,
    errors_title: str = "La lettre n’est pas enregistrée",
    status: int = 200,
) -> HttpResponse:
    scope = request_scope(request)
    page = allocation_page(letter.establishment, letter.school_year, scope=scope)
    amount = _current_amount(letter, page)
    has_amount = page.rules is not None and page.envelope.amount is not None
    return render(
        request,
        "missions/letter_edit.html",
        {
            "page_title": f"Lettre de mission de {letter.referent.user.formal_name}",
            "letter": letter,
            "template": template,
            "sections": section_views(template, content),
            "content": content,
            "revision": revision,
            "allocation": page,
            "has_amount": has_amount,
            "amount": amount,
            "amount_value": amount_raw
            if amount_raw is not None
            else f"{amount:.2f}".replace(".", ","),
            "coreferents": [
                (name, [t.label for t in other.tasks]) for name, other in coreferents_of(letter)
            ],
            "errors": errors or [],
            "errors_title": errors_title,
        },
        status=status,
    )


def _has_amount(letter: Letter) -> bool:
    """Whether the editor shows the amount field: the year has IMP rules and the
    establishment an envelope (as `allocation_page(...).rules` and `.envelope.amount` say,
    without reading the allocations and referents an autosave does not need)."""
    return envelope_has_amount(letter.establishment, letter.school_year)


def _autosave_answer(letter: Letter) -> JsonResponse:
    return JsonResponse(
        {
            "revision": letter.revision,
            "saved_at": f"{timezone.localtime(letter.updated_at):%H:%M}",
        }
    )


@role_required(*DIRECTION)
@require_http_methods(["GET", "POST"])
def letter_edit(request: HttpRequest, pk: int) -> HttpResponse:
    scope = request_scope(request)
    letter = get_letter_for_editor(scope, pk)
    template = template_with_parts(letter.template)
    stored = LetterContent.of(letter.content)
    autosave = request.headers.get("X-Autosave") == "1"
    if request.method == "GET" or not letter.is_editable:
        if request.method == "POST":
            text = (
                f"Cette lettre est « {letter.get_status_display().lower()} » : elle ne se "
                "modifie plus."
            )
            if autosave:
                return JsonResponse({"error": text}, status=409)
            return _editor(
                request,
                letter,
                template,
                content=stored,
                revision=letter.revision,
                errors=[text],
                status=400,
            )
        return _editor(request, letter, template, content=stored, revision=letter.revision)

    has_amount = _has_amount(letter)
    data: EditorInput = editor_input(template, request.POST, with_amount=has_amount)
    # Only an amendment sets the end of the mission (a referent leaving during the year).
    if letter.supersedes_id is None:
        content = replace(data.content, ends_on=stored.ends_on)
    else:
        content = data.content
        year = letter.school_year.start_year
        if content.ends_on is not None and not (
            datetime.date(year, 9, 1) <= content.ends_on <= datetime.date(year + 1, 8, 31)
        ):
            data.errors.append(
                f"La fin de mission doit tomber dans l’année scolaire {letter.school_year.label}."
            )
    revision = data.revision if data.revision is not None else letter.revision
    amount_raw = data.amount_raw if has_amount else None

    def again(errors: list[str], status: int = 400, **extra: Any) -> HttpResponse:
        if autosave:
            return JsonResponse({"error": " ".join(errors)}, status=status)
        return _editor(
            request,
            letter,
            template,
            content=content,
            revision=revision,
            amount_raw=amount_raw,
            errors=errors,
            status=status,
            **extra,
        )

    if data.examples_for is not None and not autosave:
        return _editor(
            request, letter, template, content=content, revision=revision, amount_raw=amount_raw
        )
    if data.errors:
        return again(data.errors)
    try:
        saved = letter_save(
            letter=letter, content=content, revision=revision, amount=data.amount, actor=scope
        )
    except LetterConflict as conflict:
        return again(conflict.messages, status=409)
    except ValidationError as error:
        return again(error.messages)
    if autosave:
        return _autosave_answer(saved.letter)
    _say(request, saved.warnings)
    if data.send:
        try:
            letter_transition(
                letter=saved.letter, name="send", actor=scope, expected_status=saved.letter.status
            )
        except ValidationError as error:
            fresh = get_letter_for(scope, pk)
            return _editor(
                request,
                fresh,
                template,
                content=LetterContent.of(fresh.content),
                revision=fresh.revision,
                amount_raw=amount_raw,
                errors=error.messages,
                errors_title="Le brouillon est enregistré, mais la lettre n’est pas envoyée",
                status=400,
            )
        messages.success(
            request,
            f"La lettre de mission de {letter.referent.user.formal_name} est envoyée au "
            "référent pour signature.",
        )
        return _back(letter.establishment, letter.school_year)
    messages.success(request, "Le brouillon de la lettre est enregistré.")
    return redirect("missions:letter_edit", pk=letter.pk)
