"""Bulk reminders of the "who still has to act" lists: the one write of the dashboards.

`reminder_job_create` re-reads the chosen rows through the acting scope (a row outside it, or
that no longer waits for anyone, is not reminded), finds exactly the people who must act, leaves
out those reminded of the same thing less than `period_days` ago (counted on the job), records
one `Reminder` per person and thing, and queues the task that emails each person once.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from audit.services import audit_record
from dashboards.models import Reminder, ReminderJob, ReminderKind
from dashboards.selectors_to_act import (
    ToActFilters,
    recently_reminded,
    recipients_of,
    things_to_act,
)
from rupn.tasks import dispatch_on_commit
from tenancy.scope import Scope

MIN_PERIOD_DAYS = 1
MAX_PERIOD_DAYS = 365
NOTHING_LEFT = (
    "Aucune des lignes choisies n’attend plus d’action dans votre périmètre : personne n’est "
    "relancé."
)


@transaction.atomic
def reminder_job_create(
    *,
    actor: Scope,
    kind: ReminderKind,
    filters: ToActFilters,
    object_ids: Sequence[int] | None,
    period_days: int,
) -> ReminderJob:
    """Remind the people who must act on the rows `object_ids` of list `kind` (every row of the
    filters when None); nobody reminded of the same thing within `period_days` days."""
    if not actor.is_dane or actor.membership_id is None or actor.user_id is None:
        raise PermissionDenied
    if not MIN_PERIOD_DAYS <= period_days <= MAX_PERIOD_DAYS:
        raise ValidationError(
            f"Le délai entre deux relances va de {MIN_PERIOD_DAYS} à {MAX_PERIOD_DAYS} jours."
        )
    things = things_to_act(actor, kind, filters)
    if object_ids is not None:
        things = things.filter(pk__in=list(object_ids))
    chosen = list(things)
    if not chosen:
        raise ValidationError(NOTHING_LEFT)

    now = timezone.now()
    recipients = recipients_of(actor, kind, chosen)
    wanted = {
        (r.object_id, r.user_id): r for people in recipients.values() for r in people
    }  # a person holding two roles of one establishment is reminded once
    recent = recently_reminded(
        actor.academie_id, kind, wanted, since=now - datetime.timedelta(days=period_days)
    )
    everyone = {user_id for _, user_id in wanted}
    to_remind = {key: r for key, r in wanted.items() if key not in recent}
    reminded = {user_id for _, user_id in to_remind}
    job = ReminderJob.objects.create(
        academie_id=actor.academie_id,
        kind=kind,
        school_year=filters.school_year,
        created_by_id=actor.user_id,
        membership_id=actor.membership_id,
        period_days=period_days,
        total=len(reminded),
        skipped=len(everyone - reminded),
        without_recipient=sum(1 for people in recipients.values() if not people),
        created_at=now,
        finished_at=None if to_remind else now,
    )
    Reminder.objects.bulk_create(
        Reminder(
            academie_id=actor.academie_id,
            job=job,
            kind=kind,
            object_id=r.object_id,
            establishment_id=r.establishment_id,
            user_id=r.user_id,
            membership_id=r.membership_id,
            email=r.email,
            created_at=now,
        )
        for r in sorted(to_remind.values(), key=lambda r: (r.email, r.object_id))
    )
    audit_record(
        actor=actor,
        verb="reminder.job",
        summary=(
            f"a lancé une relance « {kind.label} » ({filters.school_year.label}) : "
            f"{len(chosen)} ligne{'s' if len(chosen) > 1 else ''}, "
            f"{len(reminded)} personne{'s' if len(reminded) > 1 else ''} à relancer, "
            f"{job.skipped} déjà relancée{'s' if job.skipped > 1 else ''} depuis moins de "
            f"{period_days} jour{'s' if period_days > 1 else ''}"
        ),
        target=job,
        school_year_id=filters.school_year.pk,
        after={"kind": kind.value, "object_ids": sorted(t.pk for t in chosen)},
    )
    if to_remind:
        from dashboards.tasks import send_reminders

        dispatch_on_commit(send_reminders, academie_id=actor.academie_id, job_id=job.pk)
    return job
