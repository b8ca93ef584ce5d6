"""The task of a bulk reminder: one email per person listing what they have to do.

Each person's reminder rows are claimed (locked, still unsent) in a transaction around the
sending, marked sent in it, recorded in the audit log and counted on the job, so that the page's
progress moves person by person and a second run (a retry, a worker that died) goes on where
the first stopped without emailing anyone twice. Temporary mail failures are retried; a final
failure stays on the rows and is counted on the job.
"""

from __future__ import annotations

import logging
from typing import Any

from celery import shared_task
from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.db.models import F
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from accounts.models import Membership
from accounts.scopes import scope_for
from accounts.tasks import MAIL_RETRIES, MailAttempts
from audit.services import audit_record
from dashboards.models import Reminder, ReminderJob, ReminderKind
from dashboards.selectors_to_act import (
    LETTER_STATUSES,
    SURVEY_AUDIENCES,
    action_url,
    survey_answer_url,
)
from establishments.models import Establishment
from indemnities.models import Allocation
from missions.models import Letter
from rupn.tasks import AcademieTask
from surveys.models import SurveyInvitation

logger = logging.getLogger(__name__)

SUBJECTS = {
    ReminderKind.NO_REFERENT: "Désignez le référent numérique de votre établissement",
    ReminderKind.DRAFT: "Une lettre de mission attend d’être envoyée au référent",
    ReminderKind.REFERENT_SIGNATURE: "Votre lettre de mission attend votre signature",
    ReminderKind.PRINCIPAL_SIGNATURE: "Une lettre de mission attend votre signature",
    ReminderKind.VISA: "Des lettres de mission attendent le visa du DAN",
    ReminderKind.BILAN: "Votre bilan de référent numérique attend votre réponse",
    ReminderKind.PRINCIPAL_SURVEY: "L’enquête des chefs d’établissement attend votre réponse",
    ReminderKind.SERVICE_FAIT: "Le service fait de vos référents attend votre certification",
}
# What the person is asked to do, before the list of things.
ASKS = {
    ReminderKind.NO_REFERENT: (
        "Aucun référent pour les usages pédagogiques du numérique n’est désigné cette année "
        "dans l’établissement ci-dessous. Désignez-le depuis la page des lettres de mission."
    ),
    ReminderKind.DRAFT: (
        "Les lettres de mission ci-dessous ne sont pas encore envoyées au référent : "
        "complétez-les si besoin, puis envoyez-les."
    ),
    ReminderKind.REFERENT_SIGNATURE: (
        "Votre lettre de mission vous a été envoyée : lisez-la, puis signez-la ou demandez des "
        "modifications."
    ),
    ReminderKind.PRINCIPAL_SIGNATURE: (
        "Les lettres de mission ci-dessous sont signées par le référent et attendent votre "
        "signature."
    ),
    ReminderKind.VISA: (
        "Les lettres de mission ci-dessous sont signées par le référent et le chef "
        "d’établissement et attendent le visa du délégué académique au numérique."
    ),
    ReminderKind.BILAN: (
        "Votre bilan de fin d’année n’est pas encore envoyé : il ne prend que quelques minutes "
        "et nourrit la synthèse académique."
    ),
    ReminderKind.PRINCIPAL_SURVEY: (
        "Votre réponse à l’enquête des chefs d’établissement n’est pas encore envoyée."
    ),
    ReminderKind.SERVICE_FAIT: (
        "Le service fait des référents ci-dessous n’est pas encore certifié : la certification "
        "conditionne le paiement de leur IMP."
    ),
}
# What a reminder says in the person's history ("X a relancé Mme Y : …").
HISTORY = {
    ReminderKind.NO_REFERENT: "référent à désigner",
    ReminderKind.DRAFT: "lettre de mission à envoyer",
    ReminderKind.REFERENT_SIGNATURE: "lettre de mission à signer",
    ReminderKind.PRINCIPAL_SIGNATURE: "lettre de mission à signer",
    ReminderKind.VISA: "lettre de mission à viser",
    ReminderKind.BILAN: "bilan à envoyer",
    ReminderKind.PRINCIPAL_SURVEY: "enquête à envoyer",
    ReminderKind.SERVICE_FAIT: "service fait à certifier",
}
GONE = "Plus rien à relancer : les lignes n’existent plus."


def _things(kind: ReminderKind, ids: list[int]) -> dict[int, Any]:
    if kind is ReminderKind.NO_REFERENT:
        return Establishment.objects.in_bulk(ids)
    if kind in LETTER_STATUSES:
        return Letter.objects.select_related(
            "establishment", "referent__user", "school_year"
        ).in_bulk(ids)
    if kind in SURVEY_AUDIENCES:
        return SurveyInvitation.objects.select_related("establishment", "campaign__survey").in_bulk(
            ids
        )
    return Allocation.objects.select_related(
        "establishment", "referent__user", "school_year"
    ).in_bulk(ids)


def _item(kind: ReminderKind, thing: Any, start_year: int) -> dict[str, str]:
    """One line of the email: what, where, and the link to the page where the person acts."""
    if kind is ReminderKind.NO_REFERENT:
        # The direction designates the year's referent from the establishment's letters.
        path = reverse("missions:establishment_letters", args=[thing.pk, start_year])
        return {"label": thing.name, "link": settings.SITE_URL + path}
    if kind in SURVEY_AUDIENCES:
        return {
            "label": f"{thing.campaign.survey.title} – {thing.establishment.name}",
            "link": settings.SITE_URL + survey_answer_url(thing),
        }
    label = f"{thing.referent.user.formal_name} – {thing.establishment.name}"
    if kind in LETTER_STATUSES:
        label = f"{label} ({thing.reference})"
    return {"label": label, "link": settings.SITE_URL + action_url(kind, thing)}


def _send_to_person(attempts: MailAttempts, job: ReminderJob, user_id: int) -> str:
    """Email one person about their rows of the job; "sent", "failed", "delayed" (a
    temporary failure: nothing recorded, the task's next try claims the same rows) or ""
    (nothing left)."""
    kind = ReminderKind(job.kind)
    with transaction.atomic():
        rows = list(
            Reminder.objects.select_for_update(skip_locked=True)
            .filter(job=job, user_id=user_id, sent_at__isnull=True, error="")
            .order_by("object_id")
        )
        if not rows:
            return ""
        things = _things(kind, [r.object_id for r in rows])
        start_year = job.school_year.start_year
        items = [
            _item(kind, things[r.object_id], start_year) for r in rows if r.object_id in things
        ]
        ids = [r.pk for r in rows]
        if not items:  # the things are gone since the job was launched
            Reminder.objects.filter(pk__in=ids).update(error=GONE)
            ReminderJob.objects.filter(pk=job.pk).update(done=F("done") + 1, failed=F("failed") + 1)
            return "failed"
        context = {
            "job": job,
            "kind": kind,
            "ask": ASKS[kind],
            "items": items,
            "academie": job.academie,
            "school_year": job.school_year,
        }
        subject = f"[RUPN] Relance – {SUBJECTS[kind]}"
        text = render_to_string("dashboards/to_act/email/reminder.txt", context)
        html = render_to_string("dashboards/to_act/email/reminder.html", context)
        message = EmailMultiAlternatives(subject, text, None, [rows[0].email])
        message.attach_alternative(html, "text/html")
        try:
            message.send()
        except Exception as exc:
            error = attempts.failure(exc)
            if error is None:
                return "delayed"
            Reminder.objects.filter(pk__in=ids).update(error=error)
            ReminderJob.objects.filter(pk=job.pk).update(done=F("done") + 1, failed=F("failed") + 1)
            return "failed"
        now = timezone.now()
        Reminder.objects.filter(pk__in=ids).update(sent_at=now)
        _record(job, rows, things)
        ReminderJob.objects.filter(pk=job.pk).update(done=F("done") + 1, sent=F("sent") + 1)
    return "sent"


def _record(job: ReminderJob, rows: list[Reminder], things: dict[int, Any]) -> None:
    """Each reminder in the reminded person's history (their role's, and the establishment's)."""
    actor = scope_for(job.membership)
    kind = ReminderKind(job.kind)
    memberships = Membership.objects.select_related("user").in_bulk(
        [r.membership_id for r in rows if r.membership_id]
    )
    for row in rows:
        membership = memberships.get(row.membership_id) if row.membership_id else None
        thing = things.get(row.object_id)
        what = f" – {_item(kind, thing, job.school_year.start_year)['label']}" if thing else ""
        name = membership.user.formal_name if membership is not None else row.email
        audit_record(
            actor=actor,
            verb="reminder.sent",
            summary=f"a relancé {name} : {HISTORY[kind]}{what}",
            target=membership if membership is not None else row,
            establishment_id=row.establishment_id,
            school_year_id=job.school_year_id,
            after={"kind": kind.value, "object_id": row.object_id, "job": job.pk},
        )


@shared_task(base=AcademieTask, bind=True, **MAIL_RETRIES)
def send_reminders(self: AcademieTask, *, academie_id: int, job_id: int) -> dict[str, int]:
    """Email every person of the job still to remind, then mark the job finished."""
    job = (
        ReminderJob.objects.select_related("academie", "school_year", "membership")
        .filter(pk=job_id, academie_id=academie_id)
        .first()
    )
    counts = {"sent": 0, "failed": 0, "delayed": 0}
    if job is None:
        return counts
    user_ids = list(
        Reminder.objects.filter(job=job, sent_at__isnull=True, error="")
        .order_by("email", "user_id")
        .values_list("user_id", flat=True)
        .distinct()
    )
    attempts = MailAttempts(self)
    for user_id in dict.fromkeys(user_ids):
        outcome = _send_to_person(attempts, job, user_id)
        if outcome:
            counts[outcome] += 1
    if not attempts.temporary or attempts.retries_spent:
        ReminderJob.objects.filter(pk=job.pk, finished_at__isnull=True).update(
            finished_at=timezone.now()
        )
    attempts.raise_for_retry()
    return counts


# Registered with the worker (autodiscovery imports `tasks` modules only).
import dashboards.tasks_overview  # noqa: E402, F401
