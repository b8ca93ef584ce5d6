"""The JSON that `static/js/job_progress.js` reads to follow a background job on its page (a
bulk reminder, a visa batch, an operation on the letters' PDFs, a synthesis report)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, JsonResponse
from django.template.loader import render_to_string


def job_progress_response(
    request: HttpRequest,
    progress: dict[str, Any],
    *,
    status_template: str,
    bar: tuple[int, int] | None = None,
) -> JsonResponse:
    """The job's figures, the bar's value and maximum (its percent of 100 unless `bar` says),
    and its status sentence rendered by the template the page itself includes, so that the
    words, plurals and number formats the script shows are the page's own."""
    value, maximum = bar if bar is not None else (int(progress["percent"]), 100)
    status = render_to_string(status_template, {"progress": progress}, request=request)
    return JsonResponse(
        {**progress, "bar_value": value, "bar_max": maximum, "status_html": status.strip()}
    )
