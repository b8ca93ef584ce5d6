"""Invitations and reminders of a campaign, with the clock in the test's hands: who gets an
email and when, nobody after submitting or after closing, never twice a day."""

from __future__ import annotations

import datetime
import smtplib
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.utils import timezone

from accounts.tasks import TemporaryMailError
from audit.models import AuditEvent
from surveys.models import SurveyInvitation, SurveyReminder, SurveyResponse
from surveys.tasks import campaign_send_invitations, campaign_send_reminders, campaigns_tick
from tests.surveys.definitions import make_survey
from tests.surveys.responses import invite, open_campaign, respond

pytestmark = pytest.mark.django_db

PARIS = ZoneInfo("Europe/Paris")


class Clock:
    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.now = timezone.now()
        monkeypatch.setattr(timezone, "now", lambda: self.now)

    def set(self, day: int, hour: int = 10, minute: int = 0) -> datetime.datetime:
        """Day `day` of June 2027 (local time)."""
        self.now = datetime.datetime(2027, 6, day, hour, minute, tzinfo=PARIS)
        return self.now


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    return Clock(monkeypatch)


def _tick() -> None:
    campaigns_tick.apply()


def _reminded(*invitations: SurveyInvitation) -> list[int]:
    """How many reminders were sent to each invitation."""
    return [
        SurveyReminder.objects.filter(invitation=i, sent_at__isnull=False).count()
        for i in invitations
    ]


def test_an_open_campaign_emails_each_invitation_once(worlds, clock):
    poitiers, bordeaux = worlds
    clock.set(1, 9)
    mail.outbox.clear()
    campaign = open_campaign(poitiers, make_survey(poitiers), opens_at=clock.now)
    [message] = mail.outbox
    assert message.to == [poitiers.rupn.user.email]
    assert "Bilan du RUPN" in message.subject
    assert poitiers.establishment.name in message.body
    assert "http://" in message.body and "page d’accueil" in message.body
    assert isinstance(message, mail.EmailMultiAlternatives)
    html, kind = message.alternatives[0]
    assert kind == "text/html" and "Répondre à l’enquête" in str(html)
    invitation = SurveyInvitation.objects.get(campaign=campaign)
    assert invitation.email_sent_at == clock.now
    # Run again, and by the periodic run: nothing more.
    kwargs = {"academie_id": campaign.academie_id, "campaign_id": campaign.pk}
    assert campaign_send_invitations.apply(kwargs=kwargs).get() == {
        "sent": 0,
        "skipped": 0,
        "failed": 0,
        "delayed": 0,
    }
    _tick()
    assert len(mail.outbox) == 1


def test_a_campaign_opening_later_invites_on_its_opening_day(worlds, clock):
    poitiers, _ = worlds
    clock.set(1, 9)
    mail.outbox.clear()
    campaign = open_campaign(
        poitiers, make_survey(poitiers), opens_at=datetime.datetime(2027, 6, 3, 8, tzinfo=PARIS)
    )
    assert mail.outbox == []
    clock.set(2, 23)
    _tick()
    assert mail.outbox == []
    clock.set(3, 8, 30)
    _tick()
    assert [m.to for m in mail.outbox] == [[poitiers.rupn.user.email]]
    assert SurveyInvitation.objects.get(campaign=campaign).email_sent_at is not None


def test_a_referent_designated_during_the_campaign_is_invited_by_the_next_run(worlds, clock):
    from accounts.models import Role
    from accounts.services import membership_grant
    from establishments.models import SchoolYear
    from tenancy.scope import Scope
    from tests.factories import make_user

    poitiers, _ = worlds
    clock.set(1, 9)
    campaign = open_campaign(poitiers, make_survey(poitiers), opens_at=clock.now)
    newcomer = membership_grant(
        academie=poitiers.academie,
        user=make_user("nouveau.rupn@test.fr"),
        role=Role.RUPN,
        actor=Scope.platform(poitiers.academie.pk),
        establishments=[poitiers.other_establishment],
        school_year=SchoolYear.objects.current(),
    )
    mail.outbox.clear()
    clock.set(1, 10)
    _tick()
    assert [m.to for m in mail.outbox] == [[newcomer.user.email]]
    assert SurveyInvitation.objects.filter(campaign=campaign).count() == 2


def test_reminders_go_at_the_interval_to_those_who_have_not_submitted(worlds, clock):
    poitiers, bordeaux = worlds
    clock.set(1, 9)
    campaign = open_campaign(
        poitiers, make_survey(poitiers), opens_at=clock.now, days=20, every=3
    )  # closes on 21 June at 9:00
    first = SurveyInvitation.objects.get(campaign=campaign)  # invited on day 1
    submitter, started, silent = (invite(campaign) for _ in range(3))
    respond(submitter, {"pilotage": "non"})
    respond(started, {"pilotage": "oui"}, submitted=False)
    # Another académie's campaign on the same days: its own reminders, never mixed.
    other = open_campaign(bordeaux, make_survey(bordeaux), opens_at=clock.now, every=1)
    mail.outbox.clear()

    clock.set(3)  # two days after the invitation: not yet
    _tick()
    assert _reminded(first, submitter, started, silent) == [0, 0, 0, 0]
    clock.set(4, 7, 30)  # three days, but before 8 a.m.
    _tick()
    assert _reminded(first, submitter, started, silent) == [0, 0, 0, 0]
    clock.set(4, 10)
    _tick()
    assert _reminded(first, submitter, started, silent) == [1, 0, 1, 1]
    reminder_mails = [m for m in mail.outbox if "Rappel" in m.subject]
    assert sorted(m.to[0] for m in reminder_mails if "bordeaux" not in m.to[0]) == sorted(
        i.user.email for i in (first, started, silent)
    )
    started_mail = next(m for m in reminder_mails if m.to == [started.user.email])
    assert "Vous avez commencé" in started_mail.body
    clock.set(4, 16)  # the same day again: nobody twice
    _tick()
    assert _reminded(first, submitter, started, silent) == [1, 0, 1, 1]
    clock.set(6)  # two days after the reminder
    _tick()
    assert _reminded(first, submitter, started, silent) == [1, 0, 1, 1]
    clock.set(7)
    _tick()
    assert _reminded(first, submitter, started, silent) == [2, 0, 2, 2]
    SurveyResponse.objects.filter(invitation=started).update(submitted_at=clock.now)
    clock.set(10)
    _tick()
    assert _reminded(first, submitter, started, silent) == [3, 0, 2, 3]
    # Bordeaux's daily reminders (on each day of a run: 3, 4, 6, 7 and 10 June) went to
    # Bordeaux's referent only.
    bordeaux_invitation = SurveyInvitation.objects.get(campaign=other)
    assert SurveyReminder.objects.filter(invitation__campaign=other).count() == 5
    assert {r.invitation_id for r in SurveyReminder.objects.filter(invitation__campaign=other)} == {
        bordeaux_invitation.pk
    }


def test_no_reminder_after_closing_nor_without_an_interval(worlds, clock):
    poitiers, _ = worlds
    clock.set(1, 9)
    campaign = open_campaign(poitiers, make_survey(poitiers), opens_at=clock.now, days=5, every=2)
    quiet = open_campaign(
        poitiers,
        make_survey(poitiers, audience="principals"),
        opens_at=clock.now,
        days=30,
        every=None,
    )
    for day in (3, 5):
        clock.set(day)
        _tick()
    assert SurveyReminder.objects.filter(invitation__campaign=campaign).count() == 2
    clock.set(6, 9, 0)  # the closing time
    _tick()
    clock.set(7)  # two days after the last reminder, but closed
    _tick()
    assert SurveyReminder.objects.filter(invitation__campaign=campaign).count() == 2
    assert not SurveyReminder.objects.filter(invitation__campaign=quiet).exists()
    # The task itself refuses a closed campaign, whoever queues it.
    kwargs = {"academie_id": campaign.academie_id, "campaign_id": campaign.pk}
    assert campaign_send_reminders.apply(kwargs=kwargs).get()["sent"] == 0
    assert campaign_send_invitations.apply(kwargs=kwargs).get()["sent"] == 0


def test_a_reminder_recorded_before_the_submission_does_not_leave(worlds, clock, monkeypatch):
    from surveys import services_campaigns

    poitiers, _ = worlds
    clock.set(1, 9)
    campaign = open_campaign(poitiers, make_survey(poitiers), opens_at=clock.now, every=1)
    invitation = SurveyInvitation.objects.get(campaign=campaign)
    real_claim = services_campaigns.reminders_claim

    def claim_then_submit(campaign, now=None):  # the person submits between the two steps
        ids = real_claim(campaign, now)
        respond(invitation, {"pilotage": "non"})
        return ids

    monkeypatch.setattr("surveys.tasks.reminders_claim", claim_then_submit)
    clock.set(2)
    mail.outbox.clear()
    kwargs = {"academie_id": campaign.academie_id, "campaign_id": campaign.pk}
    assert campaign_send_reminders.apply(kwargs=kwargs).get() == {
        "sent": 0,
        "skipped": 1,
        "failed": 0,
        "delayed": 0,
    }
    assert mail.outbox == []
    assert _reminded(invitation) == [0]


def test_a_permanent_failure_stays_on_the_invitation(worlds, clock, monkeypatch):
    def refuse(self, *args, **kwargs):
        raise smtplib.SMTPRecipientsRefused({"x": (550, b"unknown")})

    monkeypatch.setattr("django.core.mail.EmailMultiAlternatives.send", refuse)
    poitiers, _ = worlds
    clock.set(1, 9)
    campaign = open_campaign(poitiers, make_survey(poitiers), opens_at=clock.now, every=1)
    invitation = SurveyInvitation.objects.get(campaign=campaign)
    assert invitation.email_sent_at is None
    assert "Envoi impossible" in invitation.email_error
    clock.set(3)
    _tick()  # neither retried for ever nor reminded: no email ever reached the person
    assert SurveyInvitation.objects.get(pk=invitation.pk).email_sent_at is None
    assert not SurveyReminder.objects.exists()


def test_a_temporary_failure_is_retried_then_recorded(worlds, clock, monkeypatch):
    calls = []

    def disconnect(self, *args, **kwargs):
        calls.append(1)
        raise smtplib.SMTPServerDisconnected("Connexion perdue")

    poitiers, _ = worlds
    clock.set(1, 9)
    campaign = open_campaign(
        poitiers,
        make_survey(poitiers),
        opens_at=datetime.datetime(2027, 6, 2, 9, tzinfo=PARIS),
        every=1,
    )
    clock.set(2, 10)
    monkeypatch.setattr("django.core.mail.EmailMultiAlternatives.send", disconnect)
    kwargs = {"academie_id": campaign.academie_id, "campaign_id": campaign.pk}
    result = campaign_send_invitations.apply(kwargs=kwargs)
    assert isinstance(result.result, TemporaryMailError)
    assert len(calls) == 7  # the first try and six retries
    invitation = SurveyInvitation.objects.get(campaign=campaign)
    assert invitation.email_sent_at is None
    assert "après plusieurs essais" in invitation.email_error


def test_campaign_dates_change_and_close_with_an_audit_record(worlds, clock):
    from django.core.exceptions import ValidationError

    from accounts.scopes import scope_for
    from surveys.services_campaigns import campaign_close, campaign_update

    poitiers, _ = worlds
    clock.set(1, 9)
    actor = scope_for(poitiers.dane_admin)
    campaign = open_campaign(poitiers, make_survey(poitiers), opens_at=clock.now)
    future = open_campaign(
        poitiers,
        make_survey(poitiers, audience="principals"),
        opens_at=datetime.datetime(2027, 6, 20, tzinfo=PARIS),
    )
    with pytest.raises(ValidationError, match="suivre"):
        campaign_update(
            actor=actor,
            campaign=future,
            closes_at=datetime.datetime(2027, 6, 15, tzinfo=PARIS),
            reminder_every_days=3,
        )
    with pytest.raises(ValidationError, match="pas encore ouverte"):
        campaign_close(actor=actor, campaign=future)
    with pytest.raises(ValidationError, match="1 à 90"):
        campaign_update(
            actor=actor, campaign=campaign, closes_at=campaign.closes_at, reminder_every_days=0
        )
    later = datetime.datetime(2027, 7, 14, 18, tzinfo=PARIS)
    updated = campaign_update(
        actor=actor, campaign=campaign, closes_at=later, reminder_every_days=None
    )
    assert (updated.closes_at, updated.reminder_every_days) == (later, None)
    clock.set(5)
    closed = campaign_close(actor=actor, campaign=campaign)
    assert closed.closes_at == clock.now
    with pytest.raises(ValidationError, match="déjà clôturée"):
        campaign_close(actor=actor, campaign=campaign)
    with pytest.raises(ValidationError, match="passée"):
        campaign_update(
            actor=actor,
            campaign=campaign,
            closes_at=clock.now - datetime.timedelta(hours=1),
            reminder_every_days=None,
        )
    assert list(
        AuditEvent.objects.filter(target_id=campaign.pk, verb__startswith="campaign.")
        .order_by("pk")
        .values_list("verb", flat=True)
    ) == ["campaign.create", "campaign.update", "campaign.close"]
