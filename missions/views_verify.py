"""The public verification of a letter, without an account: by its reference (the QR code of
the PDF opens that page) or by checking a PDF file's seal.

These pages belong to no académie: a reference, unguessable, designates one letter of any of
them. They show only what the letter itself prints, say « inconnue » alike for a reference that
does not exist and for a letter not issued (a draft), and are rate-limited per client address.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from missions.forms_verify import PdfCheckForm, ReferenceForm
from missions.models import Letter, LetterStatus
from missions.seal import SealNotConfigured, verify_pdf
from tenancy.guard import scopes_disabled
from tenancy.http import client_ip

RATE_LIMITED = (
    "Trop de vérifications ont été demandées depuis votre adresse. Réessayez dans quelques minutes."
)


def _over_the_limit(request: HttpRequest) -> bool:
    """Count the request in its address' window (fixed windows in the cache)."""
    address = client_ip(request) or "inconnue"
    key = "verify-rate:" + hashlib.sha256(address.encode()).hexdigest()
    window = settings.RUPN_VERIFY_RATE_WINDOW
    if cache.add(key, 1, timeout=window):
        return False
    try:
        count = cache.incr(key)
    except ValueError:  # expired between the two calls
        cache.set(key, 1, timeout=window)
        return False
    return bool(count > settings.RUPN_VERIFY_RATE_LIMIT)


def rate_limited(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if _over_the_limit(request):
            response = render(
                request,
                "missions/verify_limited.html",
                {"page_title": "Trop de vérifications", "message": RATE_LIMITED},
                status=429,
            )
            response["Retry-After"] = str(settings.RUPN_VERIFY_RATE_WINDOW)
            return response
        return view(request, *args, **kwargs)

    return wrapper


@require_http_methods(["GET", "POST"])
@rate_limited
def verify(request: HttpRequest) -> HttpResponse:
    """The page's two forms: a reference (GET, to its page) or a file (POST, checked here)."""
    reference_form = ReferenceForm(request.GET or None)
    if reference_form.is_bound and reference_form.is_valid():
        return redirect("missions:verify_reference", reference_form.cleaned_data["reference"])
    file_form = PdfCheckForm(request.POST or None, request.FILES or None)
    check = None
    unavailable = False
    if request.method == "POST" and file_form.is_valid():
        try:
            check = verify_pdf(file_form.content_bytes())
        except SealNotConfigured:
            unavailable = True
    status = 400 if request.method == "POST" and file_form.errors else 200
    return render(
        request,
        "missions/verify.html",
        {
            "page_title": "Vérifier une lettre de mission",
            "reference_form": reference_form,
            "file_form": file_form,
            "check": check,
            "unavailable": unavailable,
        },
        status=status,
    )


@require_http_methods(["GET"])
@rate_limited
def verify_reference(request: HttpRequest, reference: str) -> HttpResponse:
    """What a reference designates: an issued letter (current or amended), else « inconnue »."""
    wanted = "".join(reference.split()).upper()
    # A public page of no académie: the guard is off to find the letter of whichever académie
    # has this reference; only issued letters are looked at, and only what they print is shown.
    with scopes_disabled():
        letter = (
            Letter.objects.filter(reference=wanted, status=LetterStatus.ISSUED)
            .select_related("academie", "establishment", "school_year", "referent__user")
            .first()
        )
        amendment = supersedes = None
        if letter is not None:
            amendment = Letter.objects.filter(supersedes=letter, status=LetterStatus.ISSUED).first()
            if letter.supersedes_id:
                supersedes = Letter.objects.filter(pk=letter.supersedes_id).first()
    return render(
        request,
        "missions/verify_reference.html",
        {
            "page_title": "Vérifier une lettre de mission",
            "reference": wanted,
            "letter": letter,
            "referent_name": letter.referent.user.formal_name if letter else "",
            "amendment": amendment,
            "supersedes": supersedes,
        },
    )
