"""One letter's page: the letter as its referent reads it, its signatures, what each person may
do on it now (the workflow table decides), its amendments and its history."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from audit.selectors import history_for, history_lines
from missions.models import (
    Letter,
    LetterEmail,
    LetterPdf,
    LetterPdfFailure,
    LetterStatus,
    SignatureKind,
)
from missions.reauth import has_totp, reauthenticate, signing_context
from missions.selectors_letters import (
    documents_of,
    get_letter_for,
    signatures_of,
    with_letter_relations,
)
from missions.services_letters import letter_amend, letter_pdf_resend, letter_transition
from missions.workflow import TRANSITIONS, Actor, acts_as, allowed_transitions, status_label
from tenancy.http import request_scope, role_required
from tenancy.roles import Role

COMMENT_LABELS = {
    "request_changes": "Ce qui doit changer dans la lettre",
    "withdraw": "Motif du retrait (il est communiqué au référent)",
}


def _chain(letter: Letter) -> list[Letter]:
    """The versions of one referent's letter for the year (the first one and its amendments),
    oldest first."""
    return list(
        with_letter_relations(
            Letter.objects.filter(
                establishment_id=letter.establishment_id,
                school_year_id=letter.school_year_id,
                referent_id=letter.referent_id,
            )
        ).order_by("created_at", "pk")
    )


@role_required(*Role)
def letter_page(request: HttpRequest, pk: int) -> HttpResponse:
    scope = request_scope(request)
    letter = get_letter_for(scope, pk)
    document = documents_of([letter])[letter.pk]
    versions = _chain(letter)
    transitions = [
        {
            "transition": t,
            "comment_label": COMMENT_LABELS.get(t.name, ""),
        }
        for t in allowed_transitions(scope, letter)
    ]
    may_direct = acts_as(scope, letter, Actor.DIRECTION)
    amended_by = next((v for v in versions if v.supersedes_id == letter.pk), None)
    signatures = signatures_of(letter)
    kinds = [SignatureKind.REFERENT, SignatureKind.PRINCIPAL]
    if document.get("visa_dan_requis"):
        kinds.append(SignatureKind.DAN_VISA)
    failed_emails = (
        list(LetterEmail.objects.filter(letter=letter, sent_at__isnull=True).exclude(error=""))
        if not scope or scope.role != "rupn"
        else []
    )
    pdf = LetterPdf.objects.filter(letter=letter).first()
    pdf_failure = (
        LetterPdfFailure.objects.filter(letter=letter).first()
        if pdf is None and letter.status == LetterStatus.ISSUED
        else None
    )
    may_resend = letter.status == LetterStatus.ISSUED and (
        scope.role == Role.DANE_ADMIN
        or (scope.is_direction and letter.establishment_id in scope.establishment_ids)
    )
    return render(
        request,
        "missions/letter_detail.html",
        {
            "page_title": f"Lettre de mission {letter.reference}",
            "letter": letter,
            "doc": document,
            "status": status_label(letter),
            "signatures": signatures,
            "signature_kinds": [(kind.value, kind.label) for kind in kinds],
            "signed_kinds": {s.kind for s in signatures if s.voided_at is None},
            "transitions": transitions,
            "may_edit": may_direct and letter.is_editable,
            "may_amend": may_direct and letter.status == LetterStatus.ISSUED and amended_by is None,
            "amended_by": amended_by,
            "versions": versions if len(versions) > 1 else [],
            "with_totp": has_totp(request),
            "failed_emails": failed_emails,
            "pdf": pdf,
            "pdf_failure": pdf_failure,
            "may_resend_pdf": may_resend
            and (pdf_failure is not None or any(e.event == "pdf" for e in failed_emails)),
            "history": history_lines(history_for(scope, targets=versions).select_related("actor")),
        },
    )


@role_required(*Role)
@require_POST
def letter_act(request: HttpRequest, pk: int) -> HttpResponse:
    """Make one transition of the letter, as the page's button says. A signature first asks
    for re-authentication, then this same POST resumes."""
    scope = request_scope(request)
    letter = get_letter_for(scope, pk)
    name = request.POST.get("transition", "")
    transition = TRANSITIONS.get(name)
    if transition is None:
        messages.error(request, "Cette action n’existe pas.")
        return redirect("missions:letter", pk=letter.pk)
    signing = None
    if transition.signature is not None:
        if request.POST.get("confirm") != "oui":
            messages.error(
                request,
                "Cochez « J’ai lu la lettre et je la signe » pour signer : une signature est un "
                "acte explicite.",
            )
            return redirect("missions:letter", pk=letter.pk)
        if transition in allowed_transitions(scope, letter):
            signing = signing_context(request)
            if signing is None:
                return reauthenticate(request)
    try:
        letter_transition(
            letter=letter,
            name=name,
            actor=scope,  # type: ignore[arg-type]
            comment=request.POST.get("comment", ""),
            signing=signing,
            expected_status=request.POST.get("status") or None,
        )
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(request, transition.done)
    return redirect("missions:letter", pk=letter.pk)


@role_required(*Role)
@require_POST
def letter_amend_view(request: HttpRequest, pk: int) -> HttpResponse:
    scope = request_scope(request)
    letter = get_letter_for(scope, pk)
    try:
        amendment = letter_amend(
            letter=letter,
            reason=request.POST.get("reason", ""),
            actor=scope,  # type: ignore[arg-type]
        )
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
        return redirect("missions:letter", pk=letter.pk)
    messages.success(
        request,
        "Avenant créé en brouillon : modifiez-le, puis envoyez-le. La lettre émise reste en "
        "vigueur jusqu’à l’émission de l’avenant.",
    )
    return redirect("missions:letter", pk=amendment.pk)


@role_required(*Role)
def letter_pdf(request: HttpRequest, pk: int) -> FileResponse:
    """The signed PDF of the letter, for whoever may see the letter, under its clear name."""
    from missions.pdf import file_name

    letter = get_letter_for(request_scope(request), pk)
    pdf = LetterPdf.objects.filter(letter=letter).first()
    if pdf is None:
        raise Http404("Le PDF de cette lettre n’est pas encore prêt.")
    return FileResponse(
        pdf.file.open("rb"),
        as_attachment=True,
        filename=file_name(letter),
        content_type="application/pdf",
    )


@role_required(*Role)
@require_POST
def letter_pdf_resend_view(request: HttpRequest, pk: int) -> HttpResponse:
    scope = request_scope(request)
    letter = get_letter_for(scope, pk)
    try:
        count = letter_pdf_resend(letter=letter, actor=scope)  # type: ignore[arg-type]
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(
            request,
            f"La lettre signée est renvoyée aux {count} destinataire(s) qui ne l’ont pas reçue."
            if count
            else "La lettre signée est renvoyée aux destinataires qui ne l’ont pas reçue.",
        )
    return redirect("missions:letter", pk=letter.pk)
