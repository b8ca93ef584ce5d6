"""The task of a visa batch: each letter visa'd in its own transaction, progress saved after
each, so that the page shows it moving and a second run (a retry, a worker that died) goes on
where the first stopped instead of visa'ing twice."""

from __future__ import annotations

import logging

from celery import shared_task
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.scopes import scope_for
from missions.models import Letter, LetterStatus, VisaBatch
from missions.services_letters import SigningContext, letter_transition
from rupn.tasks import AcademieTask

logger = logging.getLogger(__name__)

GONE = "Lettre introuvable."
UNEXPECTED = "Le visa n’a pas pu être apposé (erreur inattendue) ; réessayez depuis la lettre."


def _visa_one(batch_id: int, letter_id: int) -> None:
    """Visa one letter of the batch unless a run already did, and record the outcome, all in one
    transaction with the batch row locked: two runs at once never handle the same letter."""
    with transaction.atomic():
        batch = VisaBatch.objects.select_for_update().select_related("membership").get(pk=batch_id)
        if letter_id in batch.done_ids or str(letter_id) in batch.failures:
            return
        letter = Letter.objects.filter(pk=letter_id, academie_id=batch.academie_id).first()
        failure = ""
        if letter is None:
            failure = GONE
        else:
            try:
                with transaction.atomic():
                    letter_transition(
                        letter=letter,
                        name="visa",
                        actor=scope_for(batch.membership),
                        signing=SigningContext(
                            ip_address=batch.ip_address,
                            user_agent=batch.user_agent,
                            reauthenticated_with=batch.reauthenticated_with,
                        ),
                        expected_status=LetterStatus.AWAITING_VISA,
                    )
            except ValidationError as error:
                failure = " ".join(error.messages)
            except Exception:
                logger.exception("Visa of letter %s in batch %s failed", letter_id, batch_id)
                failure = UNEXPECTED
        if failure:
            batch.failures = {**batch.failures, str(letter_id): failure}
            batch.save(update_fields=["failures"])
        else:
            batch.done_ids = [*batch.done_ids, letter_id]
            batch.save(update_fields=["done_ids"])


@shared_task(base=AcademieTask, bind=True, max_retries=3, default_retry_delay=30)
def run_visa_batch(self: AcademieTask, *, academie_id: int, batch_id: int) -> dict[str, int]:
    batch = VisaBatch.objects.filter(pk=batch_id, academie_id=academie_id).first()
    if batch is None:
        return {"done": 0, "failed": 0}
    for letter_id in list(batch.letter_ids):
        _visa_one(batch.pk, int(letter_id))
    batch.refresh_from_db()
    if batch.finished_at is None:
        batch.finished_at = timezone.now()
        batch.save(update_fields=["finished_at"])
    return {"done": len(batch.done_ids), "failed": len(batch.failures)}
