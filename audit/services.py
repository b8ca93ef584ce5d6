"""The one function every service calls to record what it changed."""

from __future__ import annotations

from typing import Any

from django.db import models, transaction

from audit.models import AuditEvent
from tenancy.context import client_ip
from tenancy.scope import Scope


class AuditOutsideTransactionError(RuntimeError):
    """A change was recorded outside the transaction of the change itself."""


def audit_record(
    *,
    actor: Scope,
    verb: str,
    summary: str,
    target: models.Model | None = None,
    establishment_id: int | None = None,
    school_year_id: int | None = None,
    before: Any = None,
    after: Any = None,
    reason: str = "",
) -> AuditEvent:
    """Record that `actor` did `verb` (e.g. `"envelope.override"`) to `target`.

    Must run inside the service's transaction, so the change and its record commit or roll back
    together.
    """
    if not transaction.get_connection().in_atomic_block:
        raise AuditOutsideTransactionError(f"{verb} : enregistrement hors transaction")
    return AuditEvent.objects.create(
        academie_id=actor.academie_id,
        actor_id=actor.user_id,
        actor_membership_id=actor.membership_id,
        actor_role=actor.role.value if actor.role else "",
        verb=verb,
        target_type=target._meta.label_lower if target is not None else "",
        target_id=target.pk if target is not None else None,
        establishment_id=establishment_id,
        school_year_id=school_year_id,
        summary=summary,
        reason=reason,
        before=before,
        after=after,
        ip=client_ip.get(),
    )
