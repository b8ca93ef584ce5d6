"""The base of every Celery task: ids in, the académie re-entered, dispatched after commit."""

from __future__ import annotations

import logging
from typing import Any

from celery import Task
from django.db import transaction

from tenancy.guard import academie_scope

logger = logging.getLogger(__name__)


class AcademieTask(Task):
    """A task whose keyword `academie_id` names the tenant it runs for.

    The task body runs inside that académie's tenancy scope: its queries on tenant models see
    that académie's rows only, whatever ids its message carries. Tasks take ids, never model
    instances, so that a retry reloads fresh rows and a message stays small and
    JSON-serialisable.
    """

    abstract = True

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        academie_id = kwargs.get("academie_id")
        if academie_id is None:
            raise TypeError(f"{self.name} must be called with academie_id=…")
        with academie_scope(int(academie_id)):
            return super().__call__(*args, **kwargs)


def dispatch_on_commit(task: Task, **kwargs: Any) -> None:
    """Queue `task` once the current transaction commits, so the worker sees the rows it needs."""
    transaction.on_commit(lambda: task.apply_async(kwargs=kwargs))
