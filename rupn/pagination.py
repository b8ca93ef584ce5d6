"""One way to cut a list page: the `page` of the query string, `PAGE_SIZE` rows a page."""

from __future__ import annotations

from typing import Any

from django.core.paginator import Page, Paginator
from django.http import HttpRequest

PAGE_SIZE = 50


def page_of(request: HttpRequest, items: Any, *, per_page: int = PAGE_SIZE) -> Page:
    """The requested page of `items` (the first for a missing or bad number, the last beyond
    the end); the template includes `includes/pagination.html` with it as `page_obj`."""
    return Paginator(items, per_page).get_page(request.GET.get("page"))
