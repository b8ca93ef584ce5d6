"""A campaign invites exactly the survey's audience, once per person and establishment."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from accounts.scopes import scope_for
from surveys.models import Audience, SurveyInvitation
from surveys.services import survey_publish
from surveys.services_campaigns import campaign_create, invitations_sync
from tests.surveys.definitions import make_survey

pytestmark = pytest.mark.django_db


def _open(world, survey):
    now = timezone.now()
    actor = scope_for(world.dane_admin)
    survey = survey_publish(survey=survey, actor=actor)
    return campaign_create(
        actor=actor,
        survey=survey,
        opens_at=now,
        closes_at=now + datetime.timedelta(days=30),
        reminder_every_days=7,
    )


def test_the_bilan_invites_the_years_referents_of_this_academie_only(worlds):
    poitiers, bordeaux = worlds
    campaign = _open(poitiers, make_survey(poitiers))
    invited = list(SurveyInvitation.objects.filter(campaign=campaign))
    assert [(i.user_id, i.establishment_id) for i in invited] == [
        (poitiers.rupn.user_id, poitiers.establishment.pk)
    ]
    assert invitations_sync(campaign=campaign) == 0  # again: nobody twice


def test_the_principals_survey_invites_each_principal_per_establishment(worlds):
    poitiers, _ = worlds
    campaign = _open(poitiers, make_survey(poitiers, audience=Audience.PRINCIPALS))
    assert set(
        SurveyInvitation.objects.filter(campaign=campaign).values_list(
            "user_id", "establishment_id"
        )
    ) == {(poitiers.principal.user_id, poitiers.establishment.pk)}


def test_a_draft_survey_has_no_campaign_and_dates_must_be_in_order(worlds):
    poitiers, _ = worlds
    survey = make_survey(poitiers)
    now = timezone.now()
    actor = scope_for(poitiers.dane_admin)
    with pytest.raises(ValidationError, match="Publiez"):
        campaign_create(actor=actor, survey=survey, opens_at=now, closes_at=now)
    survey = survey_publish(survey=survey, actor=actor)
    with pytest.raises(ValidationError, match="suivre"):
        campaign_create(actor=actor, survey=survey, opens_at=now, closes_at=now)
    assert not SurveyInvitation.objects.exists()
