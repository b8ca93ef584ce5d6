"""The campaigns' emails: the invitation of each person of the audience, then the reminders.

A periodic run (Celery beat, `campaigns_tick`, hourly) gives each académie its own run, which
invites whoever joined the audience since, emails the invitations of campaigns that opened, and
sends the reminders due. Each email is sent under a lock of its own row and marked sent in the
same transaction, so that two runs at once, or a run twice, never send it twice; a temporary
failure is retried with backoff (`accounts.tasks.MAIL_RETRIES`), a final failure stays on the
row, shown on the campaign's page.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from celery import shared_task
from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import models, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from accounts.tasks import MAIL_RETRIES, MailAttempts
from establishments.models import Academie
from rupn.formatting import format_date
from rupn.tasks import AcademieTask
from surveys.models import Campaign, SurveyInvitation, SurveyReminder
from surveys.services_campaigns import (
    campaign_is_open,
    campaigns_running,
    invitations_sync,
    invitations_to_email,
    reminders_claim,
)

logger = logging.getLogger(__name__)


@shared_task
def campaigns_tick() -> int:
    """Hourly (Celery beat): one run per académie, in its own scope. Returns how many."""
    academie_ids = list(Academie.objects.order_by("pk").values_list("pk", flat=True))
    for academie_id in academie_ids:
        campaigns_run.apply_async(kwargs={"academie_id": academie_id})
    return len(academie_ids)


@shared_task(base=AcademieTask)
def campaigns_run(*, academie_id: int) -> dict[str, int]:
    """For each open campaign of the académie: invite the newcomers of the audience, then
    queue the invitations' and the reminders' emails."""
    counts = {"campaigns": 0, "invited": 0}
    for campaign_id in campaigns_running():
        campaign = Campaign.objects.select_related("survey").get(pk=campaign_id)
        with transaction.atomic():
            counts["invited"] += invitations_sync(campaign=campaign)
        counts["campaigns"] += 1
        kwargs = {"academie_id": academie_id, "campaign_id": campaign_id}
        campaign_send_invitations.apply_async(kwargs=kwargs)
        campaign_send_reminders.apply_async(kwargs=kwargs)
    return counts


def _campaign(academie_id: int, campaign_id: int) -> Campaign | None:
    return (
        Campaign.objects.select_related("survey", "survey__school_year", "academie")
        .filter(pk=campaign_id, academie_id=academie_id)
        .first()
    )


def _message(campaign: Campaign, invitation: SurveyInvitation, *, reminder: bool) -> Any:
    link = settings.SITE_URL + reverse("home")
    letter_link = (
        settings.SITE_URL + reverse("missions:letter", args=[invitation.letter_id])
        if invitation.letter_id
        else ""
    )
    started = hasattr(invitation, "response")
    context = {
        "campaign": campaign,
        "survey": campaign.survey,
        "invitation": invitation,
        "academie": campaign.academie,
        "link": link,
        "letter_link": letter_link,
        "closes_on": format_date(campaign.closes_at, time=True),
        "reminder": reminder,
        "started": started,
    }
    title = campaign.survey.title
    subject = (
        f"[RUPN] Rappel : l’enquête « {title} » attend votre réponse"
        if reminder
        else f"[RUPN] Enquête : « {title} »"
    )
    message = EmailMultiAlternatives(
        subject,
        render_to_string("surveys/email/survey.txt", context),
        None,
        [invitation.user.email],
    )
    message.attach_alternative(render_to_string("surveys/email/survey.html", context), "text/html")
    return message


def _send_once(
    attempts: MailAttempts,
    *,
    model: type[models.Model],
    pk: int,
    unsent: dict[str, Any],
    sent_field: str,
    error_field: str,
    build: Callable[[Any], Any],
) -> str:
    """Send the email of row `pk` under its row lock unless it has left already; mark it sent
    (or its failure for good) in the same transaction. A temporary failure leaves the row to
    the task's next try (`attempts.raise_for_retry()` once every row has been tried)."""
    with transaction.atomic():
        manager = model._default_manager
        row = (
            manager.select_for_update(skip_locked=True, of=("self",))
            .filter(pk=pk, **unsent)
            .first()
        )
        if row is None:
            return "skipped"
        try:
            build(row).send()
        except Exception as exc:
            error = attempts.failure(exc)
            if error is None:
                return "delayed"
            manager.filter(pk=pk).update(**{error_field: error})
            return "failed"
        manager.filter(pk=pk).update(**{sent_field: timezone.now(), error_field: ""})
        return "sent"


@shared_task(base=AcademieTask, bind=True, **MAIL_RETRIES)
def campaign_send_invitations(
    self: AcademieTask, *, academie_id: int, campaign_id: int
) -> dict[str, int]:
    """Email the invitations of an open campaign that have not left (never after closing)."""
    counts = {"sent": 0, "skipped": 0, "failed": 0, "delayed": 0}
    campaign = _campaign(academie_id, campaign_id)
    if campaign is None or not campaign_is_open(campaign):
        return counts
    attempts = MailAttempts(self)
    for pk in invitations_to_email(campaign):
        outcome = _send_once(
            attempts,
            model=SurveyInvitation,
            pk=pk,
            unsent={"email_sent_at__isnull": True, "email_error": ""},
            sent_field="email_sent_at",
            error_field="email_error",
            build=lambda invitation: _message(campaign, _invitation(invitation.pk), reminder=False),
        )
        counts[outcome] += 1
    attempts.raise_for_retry()
    return counts


def _invitation(pk: int) -> SurveyInvitation:
    return SurveyInvitation.objects.select_related("user", "establishment", "response").get(pk=pk)


@shared_task(base=AcademieTask, bind=True, **MAIL_RETRIES)
def campaign_send_reminders(
    self: AcademieTask, *, academie_id: int, campaign_id: int
) -> dict[str, int]:
    """Record and send today's reminders of an open campaign (see `reminders_due`)."""
    counts = {"sent": 0, "skipped": 0, "failed": 0, "delayed": 0}
    campaign = _campaign(academie_id, campaign_id)
    if campaign is None or not campaign_is_open(campaign):
        return counts
    with transaction.atomic():
        reminder_ids = reminders_claim(campaign)
    attempts = MailAttempts(self)
    for pk in reminder_ids:
        outcome = _send_once(
            attempts,
            model=SurveyReminder,
            pk=pk,
            # Submitted since it was recorded: it stays unsent, and uncounted.
            unsent={
                "sent_at__isnull": True,
                "error": "",
                "invitation__response__submitted_at__isnull": True,
            },
            sent_field="sent_at",
            error_field="error",
            build=lambda reminder: _message(
                campaign, _invitation(reminder.invitation_id), reminder=True
            ),
        )
        counts[outcome] += 1
    attempts.raise_for_retry()
    return counts
