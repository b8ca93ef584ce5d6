"""Writes of school years: national reference data, opened once, never on a page view."""

from __future__ import annotations

import datetime

from django.db import transaction
from django.utils import timezone

from establishments.models import SchoolYear
from establishments.school_years import school_year_start_for


@transaction.atomic
def school_year_open(*, start_year: int) -> SchoolYear:
    """The school year starting in `start_year`, created if it is not yet. Idempotent."""
    year, _created = SchoolYear.objects.get_or_create(start_year=start_year)
    return year


def school_year_open_current(today: datetime.date | None = None) -> SchoolYear:
    """Open the school year of `today` (after migrations, and every day from Celery beat, so
    that the rentrée's year exists from 1 September)."""
    return school_year_open(start_year=school_year_start_for(today or timezone.localdate()))
