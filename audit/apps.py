from django.apps import AppConfig


class AuditConfig(AppConfig):
    """One append-only log of who did what, written by every service in its transaction.

    It sits under every app that writes: it imports none of them (its foreign keys name the
    académie and the people by string), so `establishments` may record its imports here.
    """

    name = "audit"
    verbose_name = "Journal des actions"
