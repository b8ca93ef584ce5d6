"""The base of every Celery task: ids in, the académie re-entered, dispatched after commit."""

from __future__ import annotations

import contextvars
import logging
from typing import Any

from celery import Task
from django.db import transaction

logger = logging.getLogger(__name__)

# The académie a task works for, so logs and nested calls know their tenant.
current_academie_id: contextvars.ContextVar[int | None] = contextvars.ContextVar(
    "current_academie_id", default=None
)


class AcademieTask(Task):
    """A task whose keyword `academie_id` names the tenant it runs for.

    Tasks take ids, never model instances, so that a retry reloads fresh rows and a message
    stays small and JSON-serialisable.
    """

    abstract = True

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        academie_id = kwargs.get("academie_id")
        if academie_id is None:
            raise TypeError(f"{self.name} must be called with academie_id=…")
        token = current_academie_id.set(int(academie_id))
        try:
            return super().__call__(*args, **kwargs)
        finally:
            current_academie_id.reset(token)


def dispatch_on_commit(task: Task, **kwargs: Any) -> None:
    """Queue `task` once the current transaction commits, so the worker sees the rows it needs."""
    transaction.on_commit(lambda: task.apply_async(kwargs=kwargs))
