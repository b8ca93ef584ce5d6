import os
from typing import Any

from celery import Celery
from celery.signals import worker_process_shutdown

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "rupn.settings")

app = Celery("rupn")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@worker_process_shutdown.connect
def close_mail_session(**_: Any) -> None:
    """QUIT the session with the mail server that the process's emails kept open."""
    from rupn.mail import close_email_session

    close_email_session()
