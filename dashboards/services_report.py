"""Requesting the annual synthesis report, and starting again one that failed or stalled.

The report covers the requester's perimeter (`selectors_report.perimeter_of`); one report of a
year and perimeter is prepared at a time (the database says so). Its task
(`dashboards.tasks_report`) is queued once the row is committed.
"""

from __future__ import annotations

from datetime import timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from audit.services import audit_record
from dashboards.models import ACTIVE_REPORT_STATUSES, ReportStatus, SynthesisReport
from dashboards.selectors_report import can_request_report, perimeter_of, reports_visible_to
from establishments.models import SchoolYear
from rupn.tasks import dispatch_on_commit
from tenancy.scope import Scope

# A report whose task saved no progress for this long has lost its worker: the page offers to
# start it again. A report takes seconds.
STALLED_AFTER = timedelta(minutes=5)
ALREADY_ACTIVE = (
    "Une synthèse de cette année est déjà en préparation : sa progression s’affiche ci-dessous."
)


def report_is_stalled(report: SynthesisReport, *, now: object = None) -> bool:
    if not report.is_active:
        return False
    moment = now or timezone.now()
    last = report.progress_at or report.created_at
    return last is not None and moment - last > STALLED_AFTER  # type: ignore[operator]


def report_is_restartable(report: SynthesisReport) -> bool:
    return report.status == ReportStatus.FAILED or report_is_stalled(report)


def _dispatch(report: SynthesisReport) -> None:
    from dashboards.tasks_report import render_synthesis_report

    dispatch_on_commit(render_synthesis_report, academie_id=report.academie_id, report_id=report.pk)


def _require(actor: Scope) -> None:
    if not can_request_report(actor) or actor.membership_id is None or actor.user_id is None:
        raise PermissionDenied


@transaction.atomic
def report_request(*, actor: Scope, school_year: SchoolYear) -> SynthesisReport:
    """Record a report of `school_year` over the actor's perimeter and queue its task;
    refused while one of the same year and perimeter is being prepared."""
    _require(actor)
    perimeter = perimeter_of(actor)
    if (
        reports_visible_to(actor)
        .filter(school_year=school_year, status__in=ACTIVE_REPORT_STATUSES)
        .exists()
    ):
        raise ValidationError(ALREADY_ACTIVE)
    now = timezone.now()
    try:
        with transaction.atomic():
            report = SynthesisReport.objects.create(
                academie_id=actor.academie_id,
                school_year=school_year,
                perimeter=perimeter,
                created_by_id=actor.user_id,  # type: ignore[misc]  # a role's scope has both
                membership_id=actor.membership_id,  # type: ignore[misc]
                created_at=now,
                progress_at=now,
                step="En attente d’un traitement",
            )
    except IntegrityError as exc:  # requested at the same moment by a colleague
        raise ValidationError(ALREADY_ACTIVE) from exc
    audit_record(
        actor=actor,
        verb="report.request",
        target=report,
        school_year_id=school_year.pk,
        summary=f"a demandé la synthèse annuelle {school_year.label}",
        after={"perimeter": perimeter},
    )
    _dispatch(report)
    return report


@transaction.atomic
def report_restart(*, actor: Scope, report: SynthesisReport) -> SynthesisReport:
    """Queue again a report that failed or whose task vanished."""
    _require(actor)
    locked = reports_visible_to(actor).select_for_update().get(pk=report.pk)
    if not report_is_restartable(locked):
        raise ValidationError("Cette synthèse n’est ni en échec ni interrompue : rien à relancer.")
    if (
        reports_visible_to(actor)
        .filter(school_year_id=locked.school_year_id, status__in=["queued", "running"])
        .exclude(pk=locked.pk)
        .exists()
    ):
        raise ValidationError(ALREADY_ACTIVE)
    before = locked.status
    locked.status = ReportStatus.QUEUED
    locked.run_token = ""
    locked.error = ""
    locked.progress = 0
    locked.step = "En attente d’un traitement"
    locked.progress_at = timezone.now()
    locked.finished_at = None
    locked.save(
        update_fields=[
            "status",
            "run_token",
            "error",
            "progress",
            "step",
            "progress_at",
            "finished_at",
        ]
    )
    audit_record(
        actor=actor,
        verb="report.restart",
        target=locked,
        school_year_id=locked.school_year_id,
        summary=f"a relancé la préparation de la synthèse annuelle {locked.school_year.label}",
        before={"état": before},
        after={"état": locked.status},
    )
    _dispatch(locked)
    return locked
