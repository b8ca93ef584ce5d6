"""Platform administrators' view of the surveys (all académies), read only: surveys, their
campaigns and responses change only through the application's services."""

from __future__ import annotations

from django.contrib import admin

from indemnities.admin import ReadOnlyAdmin
from surveys.models import Campaign, Survey, SurveyResponse


@admin.register(Survey)
class SurveyAdmin(ReadOnlyAdmin):
    list_display = ("title", "academie", "school_year", "audience", "status")
    list_filter = ("academie", "school_year", "audience", "status")
    search_fields = ("title",)


@admin.register(Campaign)
class CampaignAdmin(ReadOnlyAdmin):
    list_display = ("survey", "academie", "opens_at", "closes_at", "reminder_every_days")
    list_filter = ("academie",)


@admin.register(SurveyResponse)
class SurveyResponseAdmin(ReadOnlyAdmin):
    list_display = ("pk", "academie", "campaign", "establishment", "started_at", "submitted_at")
    list_filter = ("academie",)
