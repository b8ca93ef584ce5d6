"""The DAN's visa of many letters at once: a batch is recorded, then a task visas its letters
one by one (`missions.tasks_visa`), each through the workflow like a single visa."""

from __future__ import annotations

from collections.abc import Sequence

from django.core.exceptions import ValidationError
from django.db import transaction

from audit.services import audit_record
from missions.models import VisaBatch
from missions.selectors_lists import awaiting_visa_among
from missions.services_letters import SigningContext
from rupn.tasks import dispatch_on_commit
from tenancy.scope import Scope, ScopeKind


@transaction.atomic
def visa_batch_create(
    *, actor: Scope, letter_ids: Sequence[int], signing: SigningContext
) -> VisaBatch:
    """Record a batch of the letters of `letter_ids` that `actor` (a DANE admin of the whole
    académie) reaches and that await the visa, and queue its task after commit."""
    if (
        not actor.is_dane_admin
        or actor.kind is not ScopeKind.ACADEMIE
        or actor.user_id is None
        or actor.membership_id is None
    ):
        raise ValidationError("Seul un administrateur DANE peut viser les lettres.")
    ids = awaiting_visa_among(actor, letter_ids)
    if not ids:
        raise ValidationError("Aucune des lettres choisies n’attend le visa.")
    batch = VisaBatch.objects.create(
        academie_id=actor.academie_id,
        created_by_id=actor.user_id,
        membership_id=actor.membership_id,
        letter_ids=ids,
        ip_address=signing.ip_address,
        user_agent=signing.user_agent[:400],
        reauthenticated_with=signing.reauthenticated_with,
    )
    audit_record(
        actor=actor,
        verb="letter.visa_batch",
        target=batch,
        summary=f"a lancé le visa groupé de {len(ids)} lettre(s) de mission",
        after={"lettres": ids},
    )
    from missions.tasks_visa import run_visa_batch

    dispatch_on_commit(run_visa_batch, academie_id=actor.academie_id, batch_id=batch.pk)
    return batch
