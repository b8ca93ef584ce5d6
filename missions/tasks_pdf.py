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

from celery import shared_task
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from accounts.tasks import MAIL_RETRIES, MailAttempts
from missions.models import Letter, LetterPdf, LetterPdfFailure, LetterStatus
from missions.tasks import claim_email, message_id, recipients, record_error, record_sent
from missions.workflow import Notify
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
    existing = LetterPdf.objects.filter(letter=letter).first()
    if existing is not None:
        return existing
    from missions.pdf import file_name, render_letter_pdf
    from missions.seal import seal_pdf

    pdf = seal_pdf(render_letter_pdf(letter), academie=letter.academie, reference=letter.reference)
    row = LetterPdf(
        academie_id=letter.academie_id,
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
        return LetterPdf.objects.get(letter=letter)
    return row


@shared_task(base=AcademieTask, bind=True, acks_late=True, **MAIL_RETRIES)
def render_and_send_letter_pdf(
    self: AcademieTask, *, academie_id: int, letter_id: int
) -> dict[str, int]:
    """Store the issued letter's sealed PDF, then email it to whoever has not received it."""
    letter = (
        Letter.objects.select_related(
            "academie", "establishment", "school_year", "referent__user", "supersedes"
        )
        .filter(pk=letter_id, academie_id=academie_id, status=LetterStatus.ISSUED)
        .first()
    )
    counts = {"sent": 0, "skipped": 0, "failed": 0}
    if letter is None:
        return counts
    from missions.seal import SealNotConfigured

    try:
        row = stored_pdf(letter)
    except SealNotConfigured as exc:
        # Retrying will not install a certificate: say so on the letter's page, and stop.
        logger.error("Letter %s has no PDF: %s", letter.pk, exc)
        record_pdf_failure(letter, f"Le PDF signé n’a pas pu être produit : {exc}")
        counts["failed"] = len(pdf_recipients(letter))
        return counts
    LetterPdfFailure.objects.filter(letter=letter).delete()
    with row.file.open("rb") as handle:
        pdf = handle.read()
    from missions.pdf import file_name

    link = settings.SITE_URL + reverse("missions:letter", args=[letter.pk])
    context = {"letter": letter, "link": link, "academie": letter.academie}
    subject = (
        f"[RUPN] Votre lettre de mission {letter.school_year.label} signée – {letter.reference}"
    )
    text = render_to_string("missions/email/letter_pdf.txt", context)
    html = render_to_string("missions/email/letter_pdf.html", context)
    attempts = MailAttempts(self)
    for address in pdf_recipients(letter):
        claimed = claim_email(letter, EVENT, EVENT, address)
        if claimed is None:
            counts["skipped"] += 1
            continue
        message = EmailMultiAlternatives(
            subject, text, None, [address], headers={"Message-ID": message_id(claimed)}
        )
        message.attach_alternative(html, "text/html")
        message.attach(file_name(letter), pdf, "application/pdf")
        try:
            message.send()
        except Exception as exc:
            error = attempts.failure(exc)
            if error:
                record_error(claimed, error)
                counts["failed"] += 1
            continue
        record_sent(claimed)
        counts["sent"] += 1
    # Greylisted or delayed recipients: the whole task again later, the others skipped then.
    attempts.raise_for_retry()
    return counts
