"""Public pages every visitor can read, signed in or not."""

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def accessibility(request: HttpRequest) -> HttpResponse:
    return render(
        request, "pages/accessibility.html", {"page_title": "Déclaration d’accessibilité"}
    )


def legal(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "pages/legal.html",
        {
            "page_title": "Mentions légales et données personnelles",
            "publisher": settings.RUPN_PUBLISHER,
            "publisher_address": settings.RUPN_PUBLISHER_ADDRESS,
            "publication_director": settings.RUPN_PUBLICATION_DIRECTOR,
            "contact_email": settings.RUPN_CONTACT_EMAIL,
            "host_name": settings.RUPN_HOST_NAME,
            "host_address": settings.RUPN_HOST_ADDRESS,
        },
    )
