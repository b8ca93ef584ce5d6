"""What the load test's server adds to the application (see `bench/load_settings.py`)."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from django.db import connection
from django.http import HttpRequest, HttpResponse
from django.urls import include, path


class ServerTimingMiddleware:
    """Outermost middleware: the time spent in Django for the request (every other middleware,
    the view, the templates) and, within it, the time and number of SQL queries, told in a
    `Server-Timing` header: `app;dur=<ms>, sql;dur=<ms>, q;dur=<queries>`."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        sql = [0.0, 0]

        def timed(execute: Callable[..., Any], *args: Any) -> Any:
            start = time.perf_counter()
            try:
                return execute(*args)
            finally:
                sql[0] += time.perf_counter() - start
                sql[1] += 1

        start = time.perf_counter()
        with connection.execute_wrapper(timed):
            response = self.get_response(request)
        app = time.perf_counter() - start
        response["Server-Timing"] = (
            f"app;dur={app * 1000:.3f}, sql;dur={sql[0] * 1000:.3f}, q;dur={sql[1]}"
        )
        return response


def bare(request: HttpRequest) -> HttpResponse:
    """Nothing but Django's request handling and middleware: the floor of every page."""
    return HttpResponse(b"ok", content_type="text/plain")


urlpatterns = [
    path("banc/nu/", bare, name="bench_bare"),
    path("", include("rupn.urls")),
]
