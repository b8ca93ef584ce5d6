"""The audit log: one row per change, never updated nor deleted."""

from __future__ import annotations

import datetime
from typing import Any, NoReturn

from django.conf import settings
from django.db import models
from django.utils import timezone

from tenancy.guard import TenantManager


def _now() -> datetime.datetime:
    # Looked up at each call (not bound at import), so that tests can set the clock.
    return timezone.now()


class AppendOnlyError(Exception):
    """An audit event was about to be changed or deleted."""


class AuditEventQuerySet(models.QuerySet["AuditEvent"]):
    def update(self, **kwargs: Any) -> NoReturn:
        raise AppendOnlyError("Le journal des actions ne se modifie pas.")

    def delete(self) -> NoReturn:  # type: ignore[override]
        raise AppendOnlyError("Le journal des actions ne s’efface pas.")


class AuditEvent(models.Model):
    """Who (person and role acted in) did what (`verb`) to which row, when, from where.

    `summary` is the French sentence of the change without its actor and date ("a porté
    l’enveloppe du Collège Fromentin de 2 500 € à 3 750 €"), written when it happened so that
    the history reads as it was, even after names change; `before`/`after` keep the data.
    `establishment` and `school_year` let a page show the history of what it shows.
    """

    academie = models.ForeignKey(
        "establishments.Academie",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name="académie",
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="auteur",
    )
    actor_membership = models.ForeignKey(
        "accounts.Membership",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="rôle de l’auteur",
    )
    actor_role = models.CharField("rôle exercé", max_length=20, blank=True)
    verb = models.CharField("action", max_length=60)
    target_type = models.CharField("type d’objet", max_length=60, blank=True)
    target_id = models.BigIntegerField("identifiant de l’objet", null=True, blank=True)
    establishment = models.ForeignKey(
        "establishments.Establishment",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="établissement",
    )
    school_year = models.ForeignKey(
        "establishments.SchoolYear",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="année scolaire",
    )
    summary = models.TextField("résumé")
    reason = models.TextField("motif", blank=True)
    before = models.JSONField("avant", null=True, blank=True)
    after = models.JSONField("après", null=True, blank=True)
    ip = models.GenericIPAddressField("adresse IP", null=True, blank=True)
    created_at = models.DateTimeField("date", default=_now)

    objects = TenantManager.from_queryset(AuditEventQuerySet)()

    class Meta:
        verbose_name = "action journalisée"
        verbose_name_plural = "journal des actions"
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["academie", "target_type", "target_id"]),
            models.Index(fields=["academie", "establishment", "school_year"]),
            models.Index(fields=["academie", "verb"]),
        ]

    def __str__(self) -> str:
        return f"{self.created_at:%d/%m/%Y %H:%M} – {self.verb}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise AppendOnlyError("Le journal des actions ne se modifie pas.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise AppendOnlyError("Le journal des actions ne s’efface pas.")
