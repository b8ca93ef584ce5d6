from __future__ import annotations

import logging
import smtplib
from typing import Any

from celery import shared_task
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone

from accounts.models import Invitation
from rupn.tasks import AcademieTask

logger = logging.getLogger(__name__)

# Failures worth trying again later: the mail server is down or refuses for now.
TEMPORARY_MAIL_ERRORS = (
    smtplib.SMTPServerDisconnected,
    smtplib.SMTPConnectError,
    ConnectionError,
    TimeoutError,
    smtplib.SMTPDataError,
)
# How every email task retries: temporary failures only, with a growing, jittered delay, for
# about an hour and a half in all.
MAIL_RETRIES: dict[str, Any] = {
    "autoretry_for": TEMPORARY_MAIL_ERRORS,
    "retry_backoff": 30,
    "retry_backoff_max": 30 * 60,
    "retry_jitter": True,
    "max_retries": 6,
}


@shared_task(base=AcademieTask, bind=True, **MAIL_RETRIES)
def send_invitation_email(
    self: AcademieTask, *, academie_id: int, invitation_id: int, accept_url: str
) -> str:
    """Email an invitation link. Sending twice is avoided: a sent invitation is skipped."""
    invitation = (
        Invitation.objects.select_related("academie", "invited_by", "school_year")
        .filter(pk=invitation_id, academie_id=academie_id)
        .first()
    )
    if invitation is None:
        return "missing"
    if invitation.email_sent_at is not None:
        return "already-sent"
    context = {"invitation": invitation, "accept_url": accept_url}
    subject = f"[RUPN] Invitation – {invitation.academie}"
    body = render_to_string("accounts/email/invitation.txt", context)
    try:
        send_mail(subject, body, None, [invitation.email])
    except TEMPORARY_MAIL_ERRORS as exc:
        if self.request.retries >= (self.max_retries or 0):
            _record_failure(invitation.pk, f"Envoi impossible après plusieurs essais : {exc}")
        raise
    except Exception as exc:
        _record_failure(invitation.pk, f"Envoi impossible : {exc}")
        logger.exception("Invitation %s could not be emailed", invitation.pk)
        return "failed"
    with transaction.atomic():
        Invitation.objects.filter(pk=invitation.pk).update(
            email_sent_at=timezone.now(), email_error=""
        )
    return "sent"


def _record_failure(invitation_id: int, message: str) -> None:
    Invitation.objects.filter(pk=invitation_id).update(email_error=message[:1000])
