import os
from typing import Any

from celery import Celery
from celery.signals import task_postrun, task_prerun, worker_process_shutdown

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "rupn.settings")

app = Celery("rupn")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@task_prerun.connect
@task_postrun.connect
def close_old_database_connections(task: Any = None, **_: Any) -> None:
    """Around each task run by a worker, what Django does around a request: the connection,
    kept from one task to the next (CELERY_DB_REUSE_MAX), is closed if a task left it broken or
    it has outlived CONN_MAX_AGE."""
    if task is not None and getattr(task.request, "is_eager", False):
        return  # run inside a request or a command, which manages its connection
    from django.db import close_old_connections

    close_old_connections()


@worker_process_shutdown.connect
def close_mail_session(**_: Any) -> None:
    """QUIT the session with the mail server that the process's emails kept open."""
    from rupn.mail import close_email_session

    close_email_session()
