"""Reads of the audit log for the history panels, and the French sentence of an event."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Model, Q, QuerySet
from django.utils import timezone
from django.utils.formats import date_format

from audit.models import AuditEvent
from tenancy.roles import FEMININE_LABELS, MASCULINE_LABELS, Role
from tenancy.scope import Scope

HISTORY_LENGTH = 50


def history_for(
    scope: Scope | None,
    *,
    targets: Iterable[Model] = (),
    establishment_id: int | None = None,
    school_year_id: int | None = None,
    verbs: Iterable[str] = (),
    verb_prefix: str = "",
) -> QuerySet[AuditEvent]:
    """Events of the scope's académie about `targets`, or about an establishment and year.

    The panels are shown on pages the scope already may read; a scope that is None sees none.
    """
    if scope is None:
        return AuditEvent.objects.none()
    events = AuditEvent.objects.filter(academie_id=scope.academie_id)
    wanted = Q()
    for target in targets:
        wanted |= Q(target_type=target._meta.label_lower, target_id=target.pk)
    if establishment_id is not None:
        about = Q(establishment_id=establishment_id)
        if school_year_id is not None:
            about &= Q(school_year_id=school_year_id)
        wanted |= about
    if not wanted:
        return AuditEvent.objects.none()
    events = events.filter(wanted)
    if verbs:
        events = events.filter(verb__in=list(verbs))
    if verb_prefix:
        events = events.filter(verb__startswith=verb_prefix)
    return events.select_related("actor").order_by("-created_at", "-pk")[:HISTORY_LENGTH]


@dataclass(frozen=True)
class HistoryLine:
    actor: str
    summary: str
    when: str
    reason: str

    @property
    def sentence(self) -> str:
        text = f"{self.actor}, {self.summary} {self.when}"
        return f"{text} — motif : {self.reason}" if self.reason else text


def _actor_label(event: AuditEvent) -> str:
    if event.actor is None:
        return "La plateforme"
    name = event.actor.full_name or event.actor.email
    if not event.actor_role:
        return f"{name}, administration de la plateforme"
    labels = FEMININE_LABELS if event.actor.civility == "mme" else MASCULINE_LABELS
    return f"{name}, {labels[Role(event.actor_role)]}"


def _when(event: AuditEvent) -> str:
    moment = timezone.localtime(event.created_at)
    day = "1er" if moment.day == 1 else str(moment.day)
    month_year = date_format(moment, "F Y")
    return f"le {day} {month_year} à {moment.hour} h {moment.minute:02d}"


def history_lines(events: Iterable[AuditEvent]) -> list[HistoryLine]:
    return [
        HistoryLine(actor=_actor_label(e), summary=e.summary, when=_when(e), reason=e.reason)
        for e in events
    ]
