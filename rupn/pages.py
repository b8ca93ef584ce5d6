"""Public pages every visitor can read, signed in or not."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def accessibility(request: HttpRequest) -> HttpResponse:
    return render(
        request, "pages/accessibility.html", {"page_title": "Déclaration d’accessibilité"}
    )


def legal(request: HttpRequest) -> HttpResponse:
    return render(
        request, "pages/legal.html", {"page_title": "Mentions légales et données personnelles"}
    )
