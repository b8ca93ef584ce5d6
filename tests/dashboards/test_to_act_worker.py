"""A bulk reminder through a real Celery worker on Redis: queued on commit, progress on the job."""

from __future__ import annotations

import pytest
from django.core import mail
from django.db import transaction

from dashboards.models import ReminderJob, ReminderKind
from dashboards.services_reminders import reminder_job_create
from tests.dashboards.test_to_act import build
from tests.test_celery_worker import _wait_for, redis_worker  # noqa: F401


@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
def test_worker_sends_the_reminders_queued_on_commit(redis_worker: None, poitiers) -> None:  # noqa: F811
    t = build(poitiers)
    mail.outbox.clear()
    with transaction.atomic():
        job = reminder_job_create(
            actor=t.admin,
            kind=ReminderKind.DRAFT,
            filters=t.filters(),
            object_ids=None,
            period_days=7,
        )
        assert not [m for m in mail.outbox if "Relance" in m.subject]  # not before the commit

    def finished() -> bool:
        return ReminderJob.objects.filter(pk=job.pk, finished_at__isnull=False).exists()

    assert _wait_for(finished), "le worker n’a pas terminé la relance à temps"
    job.refresh_from_db()
    assert (job.total, job.done, job.sent) == (2, 2, 2)
    assert sorted(m.to[0] for m in mail.outbox if "Relance" in m.subject) == sorted(
        [poitiers.principal.user.email, poitiers.deputy.user.email]
    )
