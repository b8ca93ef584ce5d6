"""Periodic tasks of the national reference data."""

from __future__ import annotations

from celery import shared_task

from establishments.services_years import school_year_open_current


@shared_task
def open_current_school_year() -> int:
    """Daily (Celery beat): the rentrée's school year exists from 1 September."""
    return school_year_open_current().start_year
