"""Emails of the letters' workflow: each step tells the next person, after commit.

One `LetterEmail` row per (letter, event, recipient) is claimed before sending, so a task run
twice (a retry, a worker that died mid-way) never sends the same email twice; a final failure
stays on the row, shown on the letter's page.
"""

from __future__ import annotations

import logging

from celery import shared_task
from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from accounts.models import Membership
from accounts.tasks import MAIL_RETRIES, TEMPORARY_MAIL_ERRORS
from missions.models import Letter, LetterEmail
from missions.workflow import Notify
from rupn.tasks import AcademieTask
from tenancy.roles import Role

logger = logging.getLogger(__name__)

SUBJECTS = {
    "send": "Votre lettre de mission {year} est à lire et signer",
    "request_changes": "Le référent demande des modifications de sa lettre de mission",
    "sign_referent": "Lettre de mission signée par le référent : à votre tour de signer",
    "sign_principal": "Lettre de mission signée par le chef d’établissement",
    "visa": "Lettre de mission visée et émise",
    "withdraw": "Votre lettre de mission est retirée pour modification",
}


def recipients(letter: Letter, notify: Notify) -> list[str]:
    """The addresses of the people who act next."""
    referent = [letter.referent.user.email]
    people = Membership.objects.active().filter(academie_id=letter.academie_id)
    principals = people.filter(role=Role.PRINCIPAL, establishments=letter.establishment_id)
    direction = people.filter(
        role__in=[Role.PRINCIPAL, Role.DEPUTY], establishments=letter.establishment_id
    )
    chosen: list[str]
    if notify is Notify.REFERENT:
        chosen = referent
    elif notify is Notify.PRINCIPALS:
        chosen = list(principals.values_list("user__email", flat=True))
    elif notify is Notify.DIRECTION:
        chosen = list(direction.values_list("user__email", flat=True))
    elif notify is Notify.DANE_ADMINS:
        chosen = list(people.filter(role=Role.DANE_ADMIN).values_list("user__email", flat=True))
    else:
        chosen = referent + list(direction.values_list("user__email", flat=True))
    return sorted({address.lower() for address in chosen if address})


def claim_email(letter: Letter, event: str, event_key: str, recipient: str) -> LetterEmail | None:
    """The row for this email if it is still to send, created if needed; None if sent."""
    try:
        with transaction.atomic():
            row, _ = LetterEmail.objects.select_for_update().get_or_create(
                academie_id=letter.academie_id,
                letter=letter,
                event_key=event_key,
                recipient=recipient,
                defaults={"event": event},
            )
    except IntegrityError:
        row = LetterEmail.objects.get(letter=letter, event_key=event_key, recipient=recipient)
    return None if row.sent_at is not None else row


@shared_task(base=AcademieTask, bind=True, **MAIL_RETRIES)
def send_letter_emails(
    self: AcademieTask,
    *,
    academie_id: int,
    letter_id: int,
    event: str,
    event_key: str,
    notify: str,
) -> dict[str, int]:
    """Email the people `notify` names about `event` of the letter."""
    letter = (
        Letter.objects.select_related("academie", "establishment", "school_year", "referent__user")
        .filter(pk=letter_id, academie_id=academie_id)
        .first()
    )
    counts = {"sent": 0, "skipped": 0, "failed": 0}
    if letter is None:
        return counts
    link = settings.SITE_URL + reverse("missions:letter", args=[letter.pk])
    context = {"letter": letter, "event": event, "link": link, "academie": letter.academie}
    subject = "[RUPN] " + SUBJECTS.get(event, "Lettre de mission").format(
        year=letter.school_year.label
    )
    text = render_to_string("missions/email/letter_step.txt", context)
    html = render_to_string("missions/email/letter_step.html", context)
    for address in recipients(letter, Notify(notify)):
        row = claim_email(letter, event, event_key, address)
        if row is None:
            counts["skipped"] += 1
            continue
        message = EmailMultiAlternatives(subject, text, None, [address])
        message.attach_alternative(html, "text/html")
        try:
            message.send()
        except TEMPORARY_MAIL_ERRORS as exc:
            if self.request.retries >= (self.max_retries or 0):
                LetterEmail.objects.filter(pk=row.pk).update(
                    error=f"Envoi impossible après plusieurs essais : {exc}"[:1000]
                )
            raise
        except Exception as exc:
            logger.exception("Letter email %s could not be sent", row.pk)
            LetterEmail.objects.filter(pk=row.pk).update(error=f"Envoi impossible : {exc}"[:1000])
            counts["failed"] += 1
            continue
        LetterEmail.objects.filter(pk=row.pk).update(sent_at=timezone.now(), error="")
        counts["sent"] += 1
    return counts


# Registered with the worker (autodiscovery imports `tasks` modules only).
import missions.tasks_pdf  # noqa: E402, F401
import missions.tasks_pdf_jobs  # noqa: E402, F401
import missions.tasks_visa  # noqa: E402, F401
from missions.tasks_referents import send_designation_email  # noqa: E402, F401
