"""The periodic run through a real Celery worker on Redis: the académie's run, then the
campaign's invitations, each a message of its own."""

from __future__ import annotations

import datetime

import pytest
from django.core import mail
from django.utils import timezone

from surveys.models import Campaign, SurveyInvitation
from surveys.tasks import campaigns_tick
from tests.surveys.definitions import make_survey
from tests.surveys.responses import open_campaign
from tests.test_celery_worker import _wait_for, redis_worker  # noqa: F401 (a fixture)


@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
def test_the_periodic_run_invites_through_the_worker(worlds, redis_worker) -> None:  # noqa: F811
    poitiers, _ = worlds
    campaign = open_campaign(
        poitiers,
        make_survey(poitiers),
        opens_at=timezone.now() + datetime.timedelta(days=1),
    )
    assert not mail.outbox  # opening tomorrow: nothing yet
    # The opening day has come.
    Campaign.objects.filter(pk=campaign.pk).update(
        opens_at=timezone.now() - datetime.timedelta(minutes=5)
    )
    campaigns_tick.delay()
    invitation = SurveyInvitation.objects.get(campaign=campaign)

    def sent() -> bool:
        invitation.refresh_from_db()
        return invitation.email_sent_at is not None

    assert _wait_for(sent), "le worker n’a pas envoyé l’invitation à l’enquête à temps"
    assert [m.to for m in mail.outbox] == [[poitiers.rupn.user.email]]
