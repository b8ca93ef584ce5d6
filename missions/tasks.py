"""Emails of the letters' workflow: each step tells the next person, after commit.

One `LetterEmail` row per (letter, event, recipient) is claimed before sending, so a task run
twice (a retry, a worker that died mid-way) never sends the same email twice. A temporary
refusal (4xx) is tried again with backoff, after the run has tried every other recipient; a
permanent one (5xx), or retries spent, stays on the row, shown on the letter's page.
"""

from __future__ import annotations

import logging
from email.utils import parseaddr

from celery import shared_task
from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from accounts.models import Membership
from accounts.tasks import MAIL_RETRIES, MailAttempts
from missions.models import Letter, LetterEmail
from missions.workflow import Notify
from rupn.mail import send_email
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


def claim_emails(
    letter: Letter, event: str, event_key: str, addresses: list[str]
) -> dict[str, LetterEmail]:
    """The rows of the emails still to send to `addresses`, created where missing, in one
    transaction (an address already sent to is left out)."""
    if not addresses:
        return {}
    with transaction.atomic():
        LetterEmail.objects.bulk_create(
            [
                LetterEmail(
                    academie_id=letter.academie_id,
                    letter=letter,
                    event=event,
                    event_key=event_key,
                    recipient=address,
                )
                for address in addresses
            ],
            ignore_conflicts=True,  # rows of an earlier run: kept as they are
        )
        rows = LetterEmail.objects.select_for_update().filter(
            letter=letter, event_key=event_key, recipient__in=addresses
        )
        return {row.recipient: row for row in rows if row.sent_at is None}


def message_id(row: LetterEmail) -> str:
    """The same Message-ID for every try of one email, so that should a copy ever leave twice
    (a worker lost between the server's acceptance and the row's update), mail clients and
    servers see the same message and keep one."""
    domain = parseaddr(settings.DEFAULT_FROM_EMAIL)[1].rpartition("@")[2] or "rupn.local"
    return f"<lettre-{row.letter_id}.{row.event_key}.{row.pk}@{domain}>"


def record_sent(row: LetterEmail) -> None:
    record_sent_to([row])


def record_sent_to(rows: list[LetterEmail]) -> None:
    """The emails the server accepted, marked sent in one statement."""
    if rows:
        LetterEmail.objects.filter(pk__in=[row.pk for row in rows]).update(
            sent_at=timezone.now(), error=""
        )


def record_error(row: LetterEmail, error: str) -> None:
    LetterEmail.objects.filter(pk=row.pk).update(error=error)


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
    attempts = MailAttempts(self)
    addresses = recipients(letter, Notify(notify))
    claimed = claim_emails(letter, event, event_key, addresses)
    for address in addresses:
        row = claimed.get(address)
        if row is None:
            counts["skipped"] += 1
            continue
        message = EmailMultiAlternatives(
            subject, text, None, [address], headers={"Message-ID": message_id(row)}
        )
        message.attach_alternative(html, "text/html")
        try:
            send_email(message)
        except Exception as exc:
            error = attempts.failure(exc)
            if error:
                record_error(row, error)
                counts["failed"] += 1
            continue
        record_sent(row)
        counts["sent"] += 1
    attempts.raise_for_retry()
    return counts


# Registered with the worker (autodiscovery imports `tasks` modules only).
import missions.tasks_pdf  # noqa: E402, F401
import missions.tasks_pdf_jobs  # noqa: E402, F401
import missions.tasks_visa  # noqa: E402, F401
from missions.tasks_referents import send_designation_email  # noqa: E402, F401
