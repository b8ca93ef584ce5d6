"""The DANE's campaign pages: the list of campaigns (and the published surveys still to open),
opening a campaign, its page (invited, started, submitted, response rate, emails and
reminders), changing its last day and reminders, closing it early.

The DANE admin acts on the whole académie; a coordinator reads the figures of their
départements and acts on nothing."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from surveys.forms_campaigns import (
    CampaignEditForm,
    CampaignForm,
    end_of,
    last_day,
    start_of,
)
from surveys.models import Campaign, Survey
from surveys.selectors_results import (
    campaign_figures,
    campaigns_listed,
    get_campaign_for,
    get_survey_to_open_for,
    surveys_to_open,
)
from surveys.services_campaigns import (
    audience_of,
    campaign_close,
    campaign_create,
    campaign_is_open,
    campaign_update,
)
from tenancy.http import request_scope, role_required
from tenancy.roles import Role

RESULT_ROLES = (Role.DANE_ADMIN, Role.DANE_COORDINATOR)


def state_of(campaign: Campaign) -> tuple[str, str]:
    """The campaign's state in words and its DSFR badge."""
    now = timezone.now()
    if now < campaign.opens_at:
        return "À venir", "info"
    if campaign_is_open(campaign, now):
        return "Ouverte", "success"
    return "Clôturée", ""


@role_required(*RESULT_ROLES)
def campaigns(request: HttpRequest) -> HttpResponse:
    scope = request_scope(request)
    rows = [
        {
            "campaign": campaign,
            "figures": figures,
            "state": state_of(campaign),
            "last_day": last_day(campaign.closes_at),
        }
        for campaign, figures in campaigns_listed(scope)
    ]
    return render(
        request,
        "surveys/campaign/list.html",
        {
            "page_title": "Campagnes d’enquête",
            "rows": rows,
            "to_open": list(surveys_to_open(scope)),
            "can_open": scope.is_dane_admin,
        },
    )


def _create_page(
    request: HttpRequest, survey: Survey, form: CampaignForm, *, status: int = 200
) -> HttpResponse:
    return render(
        request,
        "surveys/campaign/create.html",
        {
            "page_title": f"Ouvrir la campagne : {survey.title}",
            "survey": survey,
            "form": form,
            "audience_size": len(audience_of(survey)),
        },
        status=status,
    )


@role_required(Role.DANE_ADMIN)
def campaign_create_view(request: HttpRequest, survey_pk: int) -> HttpResponse:
    scope = request_scope(request)
    survey = get_survey_to_open_for(scope, survey_pk)
    existing = Campaign.objects.filter(survey=survey).first()
    if existing is not None:
        messages.info(request, "Cette enquête a déjà sa campagne.")
        return redirect("surveys:campaign", pk=existing.pk)
    if request.method != "POST":
        today = timezone.localdate()
        return _create_page(
            request, survey, CampaignForm(initial={"ouverture": today, "relance": 7})
        )
    form = CampaignForm(request.POST)
    if not form.is_valid():
        return _create_page(request, survey, form, status=400)
    data = form.cleaned_data
    try:
        campaign = campaign_create(
            actor=scope,
            survey=survey,
            opens_at=start_of(data["ouverture"]),
            closes_at=end_of(data["cloture"]),
            reminder_every_days=data.get("relance"),
        )
    except ValidationError as exc:
        for message in exc.messages:
            form.add_error(None, message)
        return _create_page(request, survey, form, status=400)
    messages.success(
        request,
        "La campagne est ouverte : les invitations partent par courriel."
        if campaign_is_open(campaign)
        else "La campagne est prête : les invitations partiront le jour de l’ouverture.",
    )
    return redirect("surveys:campaign", pk=campaign.pk)


def _campaign_page(
    request: HttpRequest,
    campaign: Campaign,
    edit_form: CampaignEditForm | None = None,
    *,
    status: int = 200,
) -> HttpResponse:
    scope = request_scope(request)
    state, badge = state_of(campaign)
    can_manage = scope.is_dane_admin
    if can_manage and edit_form is None:
        edit_form = CampaignEditForm(
            initial={
                "cloture": last_day(campaign.closes_at),
                "relance": campaign.reminder_every_days,
            }
        )
    return render(
        request,
        "surveys/campaign/detail.html",
        {
            "page_title": f"Campagne : {campaign.survey.title}",
            "campaign": campaign,
            "survey": campaign.survey,
            "figures": campaign_figures(scope, campaign),
            "state": state,
            "badge": badge,
            "last_day": last_day(campaign.closes_at),
            "is_open": campaign_is_open(campaign),
            "is_closed": campaign.closes_at <= timezone.now(),
            "can_manage": can_manage,
            "edit_form": edit_form,
            "whole_academie": scope.whole_academie,
        },
        status=status,
    )


@role_required(*RESULT_ROLES)
def campaign(request: HttpRequest, pk: int) -> HttpResponse:
    return _campaign_page(request, get_campaign_for(request_scope(request), pk))


@require_POST
@role_required(Role.DANE_ADMIN)
def campaign_edit(request: HttpRequest, pk: int) -> HttpResponse:
    scope = request_scope(request)
    found = get_campaign_for(scope, pk)
    form = CampaignEditForm(request.POST)
    if not form.is_valid():
        return _campaign_page(request, found, form, status=400)
    try:
        campaign_update(
            actor=scope,
            campaign=found,
            closes_at=end_of(form.cleaned_data["cloture"]),
            reminder_every_days=form.cleaned_data.get("relance"),
        )
    except ValidationError as exc:
        for message in exc.messages:
            form.add_error(None, message)
        return _campaign_page(request, found, form, status=400)
    messages.success(request, "La campagne est modifiée.")
    return redirect("surveys:campaign", pk=found.pk)


@require_POST
@role_required(Role.DANE_ADMIN)
def campaign_close_view(request: HttpRequest, pk: int) -> HttpResponse:
    scope = request_scope(request)
    found = get_campaign_for(scope, pk)
    try:
        campaign_close(actor=scope, campaign=found)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
        return redirect("surveys:campaign", pk=found.pk)
    messages.success(request, "La campagne est clôturée : les réponses ne changent plus.")
    return redirect("surveys:campaign", pk=found.pk)
