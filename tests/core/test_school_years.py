import datetime

import pytest

from establishments.models import SchoolYear
from establishments.school_years import (
    parse_school_year_label,
    school_year_label,
    school_year_start_for,
)


@pytest.mark.parametrize(
    ("day", "start"),
    [
        (datetime.date(2025, 8, 31), 2024),
        (datetime.date(2025, 9, 1), 2025),
        (datetime.date(2026, 1, 15), 2025),
        (datetime.date(2026, 6, 30), 2025),
    ],
)
def test_the_school_year_starts_at_the_rentree(day, start):
    assert school_year_start_for(day) == start


def test_labels_round_trip():
    assert school_year_label(2025) == "2025-2026"
    assert parse_school_year_label("2025-2026") == 2025


@pytest.mark.parametrize("label", ["2025", "2025-2027", "25-26", "", "abcd-efgh"])
def test_bad_labels_are_refused_in_french(label):
    with pytest.raises(ValueError, match="Année scolaire"):
        parse_school_year_label(label)


@pytest.mark.django_db
def test_current_school_year_is_created_once():
    first = SchoolYear.objects.current(datetime.date(2026, 11, 22))
    again = SchoolYear.objects.current(datetime.date(2027, 3, 1))
    assert first == again
    assert first.label == "2026-2027"
