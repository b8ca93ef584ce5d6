"""Campaigns: a published survey opened to its audience between two dates.

The audience is read from the académie's own records, never typed in: the year's RUPN are the
RUPN memberships of that school year (one invitation per establishment, with the referent's
letter in force there, if any), the principals are the active principals of the académie's
establishments (one invitation per establishment they direct).
"""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction

from accounts.models import Membership, Role
from audit.services import audit_record
from missions.models import Letter
from surveys.models import Audience, Campaign, Survey, SurveyInvitation
from tenancy.scope import Scope


@transaction.atomic
def campaign_create(
    *,
    actor: Scope,
    survey: Survey,
    opens_at: datetime.datetime,
    closes_at: datetime.datetime,
    reminder_every_days: int | None = None,
) -> Campaign:
    """The campaign of a published survey, with its invitations. Refused, in French, for a
    draft survey, a survey that already has one, or dates in the wrong order."""
    locked = Survey.objects.select_for_update().get(pk=survey.pk)
    if not locked.is_published:
        raise ValidationError("Publiez l’enquête avant d’ouvrir sa campagne.")
    if Campaign.objects.filter(survey=locked).exists():
        raise ValidationError("Cette enquête a déjà sa campagne.")
    if closes_at <= opens_at:
        raise ValidationError("La clôture doit suivre l’ouverture.")
    if reminder_every_days is not None and reminder_every_days < 1:
        raise ValidationError("L’intervalle des relances est d’au moins un jour.")
    campaign = Campaign.objects.create(
        academie_id=locked.academie_id,
        survey=locked,
        opens_at=opens_at,
        closes_at=closes_at,
        reminder_every_days=reminder_every_days,
        created_by_id=actor.user_id,
    )
    invited = invitations_sync(campaign=campaign)
    audit_record(
        actor=actor,
        verb="campaign.create",
        target=campaign,
        school_year_id=locked.school_year_id,
        summary=(
            f"a ouvert la campagne de l’enquête « {locked.title} » "
            f"({invited} personne(s) invitée(s))"
        ),
    )
    return campaign


def audience_of(survey: Survey) -> list[tuple[int, int, int | None]]:
    """(user id, establishment id, letter id or None) of everyone the survey speaks to."""
    memberships = Membership.objects.active().filter(academie_id=survey.academie_id)
    if survey.audience == Audience.RUPN:
        rows = memberships.filter(role=Role.RUPN, school_year_id=survey.school_year_id)
    else:
        rows = memberships.filter(role=Role.PRINCIPAL)
    pairs = sorted(
        set(
            rows.filter(establishments__isnull=False).values_list(
                "pk", "user_id", "establishments__id"
            )
        )
    )
    letters: dict[tuple[int, int], int] = {}
    if survey.audience == Audience.RUPN:
        in_force = (
            Letter.objects.in_force()
            .filter(academie_id=survey.academie_id, school_year_id=survey.school_year_id)
            .order_by("issued_at", "pk")
            .values_list("referent_id", "establishment_id", "pk")
        )
        letters = {(referent, establishment): pk for referent, establishment, pk in in_force}
    seen: dict[tuple[int, int], int | None] = {}
    for membership_id, user_id, establishment_id in pairs:
        letter_id = letters.get((membership_id, establishment_id))
        if seen.get((user_id, establishment_id)) is None:
            seen[(user_id, establishment_id)] = letter_id
    return [(user, establishment, letter) for (user, establishment), letter in seen.items()]


def invitations_sync(*, campaign: Campaign) -> int:
    """Invite whoever of the audience is not invited yet (safe to call again: a referent
    designated during the campaign is invited then). Returns how many were added."""
    existing = set(
        SurveyInvitation.objects.filter(campaign=campaign).values_list(
            "user_id", "establishment_id"
        )
    )
    new = [
        SurveyInvitation(
            academie_id=campaign.academie_id,
            campaign=campaign,
            user_id=user_id,
            establishment_id=establishment_id,
            letter_id=letter_id,
        )
        for user_id, establishment_id, letter_id in audience_of(campaign.survey)
        if (user_id, establishment_id) not in existing
    ]
    SurveyInvitation.objects.bulk_create(new, ignore_conflicts=True)
    return len(new)
