"""Reads of the audit log for the history panels, and the French sentence of an event."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Model, Q, QuerySet

from audit.models import AuditEvent
from rupn.formatting import format_date, french_punctuation
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
    verb_prefix: str | tuple[str, ...] = "",
    whole_academie: bool = False,
) -> QuerySet[AuditEvent]:
    """Events of the scope's académie about `targets`, or about an establishment and year, or
    (`whole_academie`, for pages of the whole académie such as its members) all of them.

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
    if whole_academie:
        wanted = Q(school_year_id=school_year_id) if school_year_id is not None else Q()
    elif not wanted:
        return AuditEvent.objects.none()
    events = events.filter(wanted)
    if verbs:
        events = events.filter(verb__in=list(verbs))
    prefixes = (verb_prefix,) if isinstance(verb_prefix, str) else verb_prefix
    if any(prefixes):
        by_prefix = Q()
        for prefix in prefixes:
            by_prefix |= Q(verb__startswith=prefix)
        events = events.filter(by_prefix)
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
        return french_punctuation(f"{text} — motif : {self.reason}" if self.reason else text)


def _actor_label(event: AuditEvent) -> str:
    if event.actor is None:
        return "La plateforme"
    name = event.actor.full_name or event.actor.email
    if not event.actor_role:
        return f"{name}, administration de la plateforme"
    labels = FEMININE_LABELS if event.actor.civility == "mme" else MASCULINE_LABELS
    return f"{name}, {labels[Role(event.actor_role)]}"


def _when(event: AuditEvent) -> str:
    return f"le {format_date(event.created_at, time=True)}"


def history_lines(events: Iterable[AuditEvent]) -> list[HistoryLine]:
    return [
        HistoryLine(actor=_actor_label(e), summary=e.summary, when=_when(e), reason=e.reason)
        for e in events
    ]
