"""One way to cut a list page: the `page` of the query string, `PAGE_SIZE` rows a page."""

from __future__ import annotations

from typing import Any

from django.core.paginator import Page, Paginator
from django.http import HttpRequest

PAGE_SIZE = 50


class _Counted(Paginator):
    """A paginator told the number of items, counted already with the page's other figures."""

    def __init__(self, items: Any, per_page: int, *, count: int) -> None:
        super().__init__(items, per_page)
        self.__dict__["count"] = count  # `count` is a cached property: no COUNT query again


def page_of(
    request: HttpRequest, items: Any, *, per_page: int = PAGE_SIZE, count: int | None = None
) -> Page:
    """The requested page of `items` (the first for a missing or bad number, the last beyond
    the end); the template includes `includes/pagination.html` with it as `page_obj`. `count`,
    when the caller has counted the items already, spares the paginator its own count."""
    paginator = (
        Paginator(items, per_page) if count is None else _Counted(items, per_page, count=count)
    )
    return paginator.get_page(request.GET.get("page"))
