"""The demo's surveys: in each académie, last year's closed campaigns with answers to read and
this year's open ones with some answers, the demo accounts left with theirs to fill in."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.utils import timezone

from surveys.definition import definition_errors
from surveys.demo import load_definition
from surveys.models import Audience, Campaign, QuestionKind, SurveyResponse

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("audience", list(Audience))
def test_the_seed_definitions_are_valid(audience):
    definition = load_definition(audience)
    assert definition_errors(definition) == []
    kinds = {q["kind"] for page in definition["pages"] for q in page["questions"]}
    if audience == Audience.RUPN:
        assert kinds == set(QuestionKind.values)  # every kind, the tasks of the letter too


def test_the_demo_has_an_open_and_a_closed_campaign_with_answers_and_adds_nothing_again():
    call_command("load_demo", verbosity=0)
    now = timezone.now()
    counts = SurveyResponse.objects.count()
    for academie_code in ("13", "04"):
        campaigns = Campaign.objects.filter(academie__code=academie_code).select_related("survey")
        assert campaigns.count() == 4
        for campaign in campaigns:
            submitted = campaign.responses.filter(submitted_at__isnull=False).count()
            assert submitted >= 1
            if campaign.closes_at < now:
                assert campaign.responses.filter(submitted_at__isnull=True).count() <= submitted
            else:
                assert campaign.opens_at < now
        open_bilan = campaigns.get(survey__audience=Audience.RUPN, closes_at__gt=now)
        assert open_bilan.responses.filter(submitted_at__isnull=True).exists()  # in progress
        assert not open_bilan.responses.filter(invitation__user__email__startswith="rupn@").exists()
        assert campaigns.filter(closes_at__lt=now).count() == 2
    call_command("load_demo", verbosity=0)
    assert SurveyResponse.objects.count() == counts
