"""The demo holds letters in every state, in both académies, for this year and last year."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command

from establishments.models import Academie, SchoolYear
from missions.document import document_verifies
from missions.models import Letter, LetterStatus

pytestmark = pytest.mark.django_db


def test_every_state_in_both_academies_and_years_and_loading_again_adds_nothing():
    call_command("load_demo", stdout=StringIO())
    current = SchoolYear.objects.current()
    years = [current.start_year - 1, current.start_year]
    for academie in Academie.objects.all():
        letters = Letter.objects.filter(academie=academie)
        visa = letters.filter(template__requires_dan_visa=True).exists()
        for start_year in years:
            states = set(
                letters.filter(school_year__start_year=start_year).values_list("status", flat=True)
            )
            expected = set(LetterStatus.values)
            if not visa:
                expected.discard(LetterStatus.AWAITING_VISA)
            assert states == expected, (academie, start_year)
        assert letters.filter(supersedes__isnull=False, status=LetterStatus.ISSUED).exists()
        assert all(document_verifies(letter) for letter in letters.exclude(signed_sha256=""))
        # The demo referent finds a letter to sign, the demo principal one to sign too.
        assert letters.filter(
            referent__user__email__startswith="rupn@",
            school_year=current,
            status=LetterStatus.SENT,
        ).exists()
        assert letters.filter(school_year=current, status=LetterStatus.REFERENT_SIGNED).exists()
    assert Academie.objects.get(code="13").establishments.exists()
    count = Letter.objects.count()
    call_command("load_demo", stdout=StringIO())
    assert Letter.objects.count() == count


def test_the_demo_issued_letters_get_their_pdfs_through_the_task(
    django_capture_on_commit_callbacks,
):
    from django.core import mail

    from missions.models import LetterPdf

    with django_capture_on_commit_callbacks(execute=True):
        call_command("load_demo", stdout=StringIO())
    issued = Letter.objects.filter(status=LetterStatus.ISSUED)
    assert issued.exists()
    assert set(LetterPdf.objects.values_list("letter_id", flat=True)) == set(
        issued.values_list("pk", flat=True)
    )
    with_pdf = [m for m in mail.outbox if m.attachments]
    assert with_pdf and all(m.attachments[0][2] == "application/pdf" for m in with_pdf)
