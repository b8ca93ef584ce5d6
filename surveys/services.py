"""Writes on surveys: creation from a definition (a blank survey, a seed, a copy), publication."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from audit.services import audit_record
from establishments.models import SchoolYear
from surveys.definition import Definition, survey_write_definition
from surveys.models import Audience, Question, Survey, SurveyStatus
from tenancy.scope import Scope


@transaction.atomic
def survey_create(
    *,
    actor: Scope,
    school_year: SchoolYear,
    audience: Audience | str,
    definition: Definition,
    based_on: Survey | None = None,
) -> Survey:
    """A draft survey of the actor's académie for the year and audience, built from
    `definition`. Refused, in French, when the year already has one for that audience or the
    definition is not valid (nothing is then created)."""
    audience = Audience(audience)
    if Survey.objects.filter(
        academie_id=actor.academie_id, school_year=school_year, audience=audience
    ).exists():
        raise ValidationError(
            f"L’enquête « {audience.label} » {school_year.label} existe déjà : modifiez-la."
        )
    survey = Survey.objects.create(
        academie_id=actor.academie_id,
        school_year=school_year,
        audience=audience,
        title=str(definition.get("title", "")).strip(),
        introduction=str(definition.get("introduction", "")).strip(),
        based_on=based_on,
        created_by_id=actor.user_id,
    )
    survey_write_definition(survey, definition)
    origin = f" à partir de l’enquête {based_on.school_year.label}" if based_on else ""
    audit_record(
        actor=actor,
        verb="survey.create",
        target=survey,
        school_year_id=school_year.pk,
        summary=f"a créé l’enquête « {survey.title} » {school_year.label}{origin}",
    )
    return survey


@transaction.atomic
def survey_publish(*, survey: Survey, actor: Scope) -> Survey:
    """Open the survey to its campaign (an empty survey is refused). From its first answer on,
    questions and options can no longer be removed (`surveys.services_authoring`)."""
    locked = Survey.objects.select_for_update().get(pk=survey.pk)
    if locked.is_published:
        return locked
    if not Question.objects.filter(survey=locked).exists():
        raise ValidationError("Une enquête sans question ne peut pas être publiée.")
    locked.status = SurveyStatus.PUBLISHED
    locked.published_at = timezone.now()
    locked.published_by_id = actor.user_id
    locked.save(update_fields=["status", "published_at", "published_by"])
    audit_record(
        actor=actor,
        verb="survey.publish",
        target=locked,
        school_year_id=locked.school_year_id,
        summary=f"a publié l’enquête « {locked.title} » {locked.school_year.label}",
    )
    return locked
