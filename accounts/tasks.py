from __future__ import annotations

import logging
import smtplib
from typing import Any

from celery import Task, shared_task
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone

from accounts.models import Invitation
from rupn.tasks import AcademieTask

logger = logging.getLogger(__name__)


class TemporaryMailError(Exception):
    """Some emails of a run could not leave for now: the task tries again later."""


def smtp_codes(exc: BaseException) -> list[int]:
    """The reply codes the mail server gave: one per refused recipient, or the one reply."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return [int(code) for code, _ in exc.recipients.values()]
    if isinstance(exc, smtplib.SMTPResponseException):
        return [int(exc.smtp_code)]
    return []


def is_temporary_mail_error(exc: BaseException) -> bool:
    """Whether sending again later may succeed.

    By the reply code when the server gave one (RFC 5321): 4xx is transient (greylisting
    `451 4.7.1`, a full mailbox `452`, a server closing `421`), 5xx is permanent (`550` no such
    user); a refusal of several recipients is transient only if every code is. Without a code: a
    server out of reach or a lost connection is transient, any other error is not.
    """
    if isinstance(exc, TemporaryMailError):
        return True
    codes = smtp_codes(exc)
    if codes:
        return all(400 <= code < 500 for code in codes)
    if isinstance(exc, smtplib.SMTPServerDisconnected):
        return True
    if isinstance(exc, smtplib.SMTPException):  # no code, not a lost connection: a misuse
        return False
    return isinstance(exc, OSError)  # refused or reset connection, time-out, unknown host


def _reply(code: int, text: bytes | str) -> str:
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    return f"{code} {' '.join(text.split())}".strip()


def describe_mail_error(exc: BaseException) -> str:
    """What went wrong, in French, with the server's own reply when there is one."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        replies = "; ".join(
            f"{address} : {_reply(code, text)}" for address, (code, text) in exc.recipients.items()
        )
        return f"adresse refusée par le serveur de messagerie ({replies})"
    if isinstance(exc, smtplib.SMTPResponseException):
        return f"le serveur de messagerie a répondu « {_reply(exc.smtp_code, exc.smtp_error)} »"
    if isinstance(exc, smtplib.SMTPServerDisconnected):
        return f"connexion au serveur de messagerie perdue ({exc})"
    if isinstance(exc, OSError) and not isinstance(exc, smtplib.SMTPException):
        return f"serveur de messagerie injoignable ({exc})"
    return str(exc) or exc.__class__.__name__


class MailAttempts:
    """The sending failures of one run of an email task, sorted by what they call for.

    `failure(exc)` gives the error to record now (a permanent refusal, or a temporary one once
    the retries are spent) or None when a later try may deliver; `raise_for_retry()`, after the
    run has tried every recipient, raises if a temporary failure happened, so that Celery tries
    again with its backoff (or, retries spent, ends the task as failed).
    """

    def __init__(self, task: Task) -> None:
        self.task = task
        self.temporary: list[BaseException] = []

    @property
    def retries_spent(self) -> bool:
        return self.task.request.retries >= (self.task.max_retries or 0)

    def failure(self, exc: BaseException) -> str | None:
        if not is_temporary_mail_error(exc):
            logger.warning("Email refused for good by %s: %s", self.task.name, exc)
            return f"Envoi impossible : {describe_mail_error(exc)}"[:1000]
        self.temporary.append(exc)
        if not self.retries_spent:
            logger.info("Email delayed in %s, tried again later: %s", self.task.name, exc)
            return None
        logger.warning("Email given up by %s after its retries: %s", self.task.name, exc)
        return f"Envoi impossible après plusieurs essais : {describe_mail_error(exc)}"[:1000]

    def raise_for_retry(self) -> None:
        if self.temporary:
            first = self.temporary[0]
            raise TemporaryMailError(describe_mail_error(first)) from first


# How every email task retries: temporary failures only, with a growing, jittered delay
# (30 s, 1, 2, 4, 8, 16 minutes at most before jitter), six times.
MAIL_RETRIES: dict[str, Any] = {
    "autoretry_for": (TemporaryMailError,),
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
    attempts = MailAttempts(self)
    try:
        send_mail(subject, body, None, [invitation.email])
    except Exception as exc:
        error = attempts.failure(exc)
        if error:
            _record_failure(invitation.pk, error)
        attempts.raise_for_retry()
        return "failed"
    with transaction.atomic():
        Invitation.objects.filter(pk=invitation.pk).update(
            email_sent_at=timezone.now(), email_error=""
        )
    return "sent"


def _record_failure(invitation_id: int, message: str) -> None:
    Invitation.objects.filter(pk=invitation_id).update(email_error=message[:1000])
