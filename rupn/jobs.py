"""What the background jobs shown with a progress bar share (the synthesis report, the bulk
operations on the letters' PDFs): each run of a job claims its row under a new token, and saves
its progress only while the row still holds that token, so that a run started again (the page's
« Relancer », a message delivered again after a worker restart) takes over and the older run,
finding its token replaced, stops at its next step."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from django.db import models, transaction
from django.utils import timezone

Job = TypeVar("Job", bound=models.Model)


class Superseded(Exception):
    """Another run of the job took over: this one stops."""


def claim_job_run(
    jobs: models.QuerySet[Job],
    *,
    pk: int,
    active: Iterable[str],
    running: str,
    prepare: Callable[[Job], list[str]] | None = None,
) -> str | None:
    """Mark job `pk` of `jobs` (a queryset already limited to its académie) running under a
    new token, its row locked meanwhile; None when it is no longer active (finished, failed,
    gone). `prepare(job)` changes what a new run starts from and names the fields it set."""
    with transaction.atomic():
        job: Any = jobs.select_for_update().filter(pk=pk, status__in=list(active)).first()
        if job is None:
            return None
        token = uuid.uuid4().hex
        now = timezone.now()
        job.status = running
        job.run_token = token
        job.started_at = job.started_at or now
        job.progress_at = now
        fields = ["status", "run_token", "started_at", "progress_at"]
        if prepare is not None:
            fields += prepare(job)
        job.save(update_fields=fields)
    return token


def save_job_progress(
    jobs: models.QuerySet[Job], *, pk: int, token: str, running: str, **values: Any
) -> None:
    """Save the run's progress (`values`), or raise `Superseded` if another run took over."""
    updated = jobs.filter(pk=pk, run_token=token, status=running).update(
        progress_at=timezone.now(), **values
    )
    if not updated:
        raise Superseded
