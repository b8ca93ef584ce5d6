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
from django.db.models import Max
from django.utils import timezone

from accounts.models import Membership, Role
from audit.services import audit_record
from missions.models import Letter
from rupn.tasks import dispatch_on_commit
from surveys.models import Audience, Campaign, Survey, SurveyInvitation, SurveyReminder
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
    _check_interval(reminder_every_days)
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
    if campaign_is_open(campaign):
        # Opening later: the periodic run sends the invitations on the opening day.
        from surveys.tasks import campaign_send_invitations

        dispatch_on_commit(
            campaign_send_invitations, academie_id=campaign.academie_id, campaign_id=campaign.pk
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


# --- The campaign's life: dates, closing, and who is emailed when ---------------------------

# Reminders leave from this local hour on (a periodic run after midnight waits for the morning).
REMINDER_FROM_HOUR = 8


def campaign_is_open(campaign: Campaign, now: datetime.datetime | None = None) -> bool:
    now = now or timezone.now()
    return campaign.opens_at <= now < campaign.closes_at


def _check_interval(reminder_every_days: int | None) -> None:
    if reminder_every_days is not None and not 1 <= reminder_every_days <= 90:
        raise ValidationError("L’intervalle des relances va de 1 à 90 jours.")


@transaction.atomic
def campaign_update(
    *,
    actor: Scope,
    campaign: Campaign,
    closes_at: datetime.datetime,
    reminder_every_days: int | None,
) -> Campaign:
    """Change the closing date (to extend or shorten the campaign) and the reminders' interval
    (None: no more automatic reminders). Refused, in French, for a closing date before the
    opening or already past (closing now is `campaign_close`)."""
    locked = Campaign.objects.select_for_update().select_related("survey").get(pk=campaign.pk)
    now = timezone.now()
    if closes_at <= now:
        raise ValidationError(
            "La date de clôture est passée : pour clôturer maintenant, utilisez « Clôturer "
            "la campagne »."
        )
    if closes_at <= locked.opens_at:
        raise ValidationError("La clôture doit suivre l’ouverture.")
    _check_interval(reminder_every_days)
    before = {
        "closes_at": locked.closes_at.isoformat(),
        "reminder_every_days": locked.reminder_every_days,
    }
    locked.closes_at = closes_at
    locked.reminder_every_days = reminder_every_days
    locked.save(update_fields=["closes_at", "reminder_every_days"])
    audit_record(
        actor=actor,
        verb="campaign.update",
        target=locked,
        school_year_id=locked.survey.school_year_id,
        summary=f"a modifié la campagne de l’enquête « {locked.survey.title} »",
        before=before,
        after={"closes_at": closes_at.isoformat(), "reminder_every_days": reminder_every_days},
    )
    return locked


@transaction.atomic
def campaign_close(*, actor: Scope, campaign: Campaign) -> Campaign:
    """Close the campaign now: answers become read-only, no reminder leaves any more. Refused
    for a campaign not open yet (change its dates instead) or already closed."""
    locked = Campaign.objects.select_for_update().select_related("survey").get(pk=campaign.pk)
    now = timezone.now()
    if now < locked.opens_at:
        raise ValidationError("La campagne n’est pas encore ouverte : elle ne peut être clôturée.")
    if locked.closes_at <= now:
        raise ValidationError("La campagne est déjà clôturée.")
    before = locked.closes_at.isoformat()
    locked.closes_at = now
    locked.save(update_fields=["closes_at"])
    audit_record(
        actor=actor,
        verb="campaign.close",
        target=locked,
        school_year_id=locked.survey.school_year_id,
        summary=f"a clôturé la campagne de l’enquête « {locked.survey.title} »",
        before={"closes_at": before},
        after={"closes_at": now.isoformat()},
    )
    return locked


def invitations_to_email(campaign: Campaign) -> list[int]:
    """Invitations of an open campaign whose email has neither left nor failed for good."""
    return list(
        SurveyInvitation.objects.filter(
            campaign=campaign, email_sent_at__isnull=True, email_error=""
        )
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def reminders_due(campaign: Campaign, now: datetime.datetime | None = None) -> list[int]:
    """Invitations to remind today: the campaign is open and sets an interval; the person was
    invited by email and has not submitted; their last email (the invitation or the last
    reminder) is at least the interval old, in days of the académie's calendar; none today."""
    now = now or timezone.now()
    local = timezone.localtime(now)
    every = campaign.reminder_every_days
    if not every or not campaign_is_open(campaign, now) or local.hour < REMINDER_FROM_HOUR:
        return []
    today = local.date()
    rows = (
        SurveyInvitation.objects.filter(campaign=campaign, email_sent_at__isnull=False)
        .exclude(response__submitted_at__isnull=False)
        .annotate(last_reminder=Max("reminders__sent_on"))
        .values_list("pk", "email_sent_at", "last_reminder")
        .order_by("pk")
    )
    due = []
    for pk, email_sent_at, last_reminder in rows:
        last = timezone.localtime(email_sent_at).date()
        if last_reminder is not None and last_reminder > last:
            last = last_reminder
        if last < today and (today - last).days >= every:
            due.append(pk)
    return due


def reminders_claim(campaign: Campaign, now: datetime.datetime | None = None) -> list[int]:
    """Record today's reminder of each invitation due one (at most one a day: the unique
    (invitation, day) refuses a second) and return the reminders still to send today."""
    now = now or timezone.now()
    today = timezone.localtime(now).date()
    SurveyReminder.objects.bulk_create(
        [
            SurveyReminder(academie_id=campaign.academie_id, invitation_id=pk, sent_on=today)
            for pk in reminders_due(campaign, now)
        ],
        ignore_conflicts=True,
    )
    return list(
        SurveyReminder.objects.filter(
            invitation__campaign=campaign, sent_on=today, sent_at__isnull=True, error=""
        )
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def campaigns_running(now: datetime.datetime | None = None) -> list[int]:
    """The open campaigns of the académie whose scope is open (the periodic run's work)."""
    now = now or timezone.now()
    return list(
        Campaign.objects.filter(opens_at__lte=now, closes_at__gt=now)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
