"""The signed PDF of an issued letter: rendered, sealed and stored once, then emailed once to
each recipient (the principals, the referent, the establishment's official address).

A task run again (a retry, a worker that died before acknowledging) finds the stored PDF and
the `LetterEmail` rows already sent, and does neither twice. A recipient refused for now (a 4xx
reply: greylisting, a full mailbox) is tried again with backoff; one refused for good (5xx) gets
the error on its row, shown on the letter's page with the « Renvoyer » action.
"""

from __future__ import annotations

import hashlib
import logging
import smtplib
from typing import Any

from celery import shared_task
from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist
from django.core.files.base import ContentFile
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from accounts.tasks import MAIL_RETRIES, MailAttempts
from missions.models import Letter, LetterPdf, LetterPdfFailure, LetterStatus
from missions.tasks import claim_emails, message_id, recipients, record_error, record_sent_to
from missions.workflow import Notify
from rupn.mail import send_email_to_all
from rupn.tasks import AcademieTask

logger = logging.getLogger(__name__)

EVENT = "pdf"


def pdf_recipients(letter: Letter) -> list[str]:
    """The referent, the principals and the establishment's official address."""
    chosen = recipients(letter, Notify.REFERENT) + recipients(letter, Notify.PRINCIPALS)
    if letter.establishment.email:
        chosen.append(letter.establishment.email)
    return sorted({address.lower() for address in chosen})


def record_pdf_failure(letter: Letter, error: str) -> None:
    """Keep why the letter has no PDF, counting the attempts, for its page."""
    with transaction.atomic():
        failure = LetterPdfFailure.objects.select_for_update().filter(letter=letter).first()
        if failure is None:
            LetterPdfFailure.objects.create(
                academie_id=letter.academie_id,
                letter=letter,
                error=error[:2000],
                failed_at=timezone.now(),
            )
        else:
            failure.error = error[:2000]
            failure.attempts += 1
            failure.failed_at = timezone.now()
            failure.save(update_fields=["error", "attempts", "failed_at"])


def stored_pdf(letter: Letter) -> LetterPdf:
    """The letter's PDF, rendered, sealed and stored if it is not yet."""
    return _stored(letter)[0]


def stored_pdf_bytes(letter: Letter) -> tuple[LetterPdf, bytes]:
    """The letter's PDF and its content: a PDF made now is not read back from the storage."""
    row, pdf = _stored(letter)
    if pdf is None:
        with row.file.open("rb") as handle:
            pdf = handle.read()
    return row, pdf


def _stored(letter: Letter) -> tuple[LetterPdf, bytes | None]:
    """The letter's stored PDF, with its content when it was made here."""
    existing = _related(letter, "pdf")  # loaded with the letter by the delivery task
    if existing is not None:
        return existing, None
    from missions.pdf import file_name, render_letter_pdf
    from missions.seal import seal_pdf

    pdf = seal_pdf(render_letter_pdf(letter), academie=letter.academie, reference=letter.reference)
    row = LetterPdf(
        academie=letter.academie,  # the storage path reads its code
        letter=letter,
        sha256=hashlib.sha256(pdf).hexdigest(),
        size=len(pdf),
        rendered_at=timezone.now(),
        sealed=pdf.count(b"/ByteRange") > 0,
    )
    try:
        with transaction.atomic():
            row.file.save(file_name(letter), ContentFile(pdf), save=False)
            row.save()
    except IntegrityError:
        # Another run stored it meanwhile: keep theirs, drop this file.
        row.file.delete(save=False)
        return LetterPdf.objects.get(letter=letter), None
    return row, pdf


def _related(letter: Letter, name: str) -> Any:
    """The letter's one-to-one row `name` loaded with it, or None."""
    try:
        return getattr(letter, name)
    except ObjectDoesNotExist:
        return None


@shared_task(base=AcademieTask, bind=True, acks_late=True, **MAIL_RETRIES)
def render_and_send_letter_pdf(
    self: AcademieTask, *, academie_id: int, letter_id: int
) -> dict[str, int]:
    """Store the issued letter's sealed PDF, then email it to whoever has not received it."""
    letter = (
        Letter.objects.select_related(
            "academie",
            "establishment",
            "school_year",
            "referent__user",
            "supersedes",
            "pdf",
            "pdf_failure",
        )
        .filter(pk=letter_id, academie_id=academie_id, status=LetterStatus.ISSUED)
        .first()
    )
    counts = {"sent": 0, "skipped": 0, "failed": 0}
    if letter is None:
        return counts
    from missions.seal import SealNotConfigured

    try:
        _, pdf = stored_pdf_bytes(letter)
    except SealNotConfigured as exc:
        # Retrying will not install a certificate: say so on the letter's page, and stop.
        logger.error("Letter %s has no PDF: %s", letter.pk, exc)
        record_pdf_failure(letter, f"Le PDF signé n’a pas pu être produit : {exc}")
        counts["failed"] = len(pdf_recipients(letter))
        return counts
    if _related(letter, "pdf_failure") is not None:
        LetterPdfFailure.objects.filter(letter=letter).delete()

    link = settings.SITE_URL + reverse("missions:letter", args=[letter.pk])
    context = {"letter": letter, "link": link, "academie": letter.academie}
    subject = (
        f"[RUPN] Votre lettre de mission {letter.school_year.label} signée – {letter.reference}"
    )
    text = render_to_string("missions/email/letter_pdf.txt", context)
    html = render_to_string("missions/email/letter_pdf.html", context)
    from missions.pdf import file_name

    name = file_name(letter)
    attempts = MailAttempts(self)
    addresses = pdf_recipients(letter)
    # One row per recipient, claimed in one transaction before anything is sent.
    claimed = claim_emails(letter, EVENT, EVENT, addresses)
    pending = [claimed[address] for address in addresses if address in claimed]
    counts["skipped"] = len(addresses) - len(pending)
    if pending:
        # One message to every recipient still waiting, in one SMTP transaction: the PDF is
        # encoded and transferred once, and each one sees who else received the letter. The
        # server's answer is still sorted per recipient.
        message = EmailMultiAlternatives(
            subject,
            text,
            None,
            [row.recipient for row in pending],
            headers={"Message-ID": message_id(pending[0])},
        )
        message.attach_alternative(html, "text/html")
        message.attach(name, pdf, "application/pdf")
        try:
            refused: dict[str, BaseException] = dict(send_email_to_all(message))
        except smtplib.SMTPRecipientsRefused as exc:  # nobody accepted: each for their reason
            refused = {row.recipient: exc for row in pending}
            refused.update(
                (address, smtplib.SMTPRecipientsRefused({address: reply}))
                for address, reply in exc.recipients.items()
            )
        except Exception as exc:  # the message itself: the same outcome for everyone
            refused = {row.recipient: exc for row in pending}
        delivered = [row for row in pending if row.recipient not in refused]
        record_sent_to(delivered)
        counts["sent"] = len(delivered)
        for row in pending:
            if row.recipient in refused:
                error = attempts.failure(refused[row.recipient])
                if error:
                    record_error(row, error)
                    counts["failed"] += 1
    # Greylisted or delayed recipients: the whole task again later, the others skipped then.
    attempts.raise_for_retry()
    return counts
