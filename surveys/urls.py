from __future__ import annotations

from django.urls import URLPattern, URLResolver, path

from surveys import views_campaigns, views_results

app_name = "surveys"

urlpatterns: list[URLPattern | URLResolver] = []

# Campaigns and results (the DANE).
urlpatterns += [
    path("campagnes/", views_campaigns.campaigns, name="campaigns"),
    path(
        "<int:survey_pk>/campagne/ouvrir/",
        views_campaigns.campaign_create_view,
        name="campaign_create",
    ),
    path("campagnes/<int:pk>/", views_campaigns.campaign, name="campaign"),
    path("campagnes/<int:pk>/modifier/", views_campaigns.campaign_edit, name="campaign_edit"),
    path(
        "campagnes/<int:pk>/cloturer/", views_campaigns.campaign_close_view, name="campaign_close"
    ),
    path("campagnes/<int:pk>/resultats/", views_results.results, name="results"),
    path(
        "campagnes/<int:pk>/resultats/export/",
        views_results.results_export,
        name="results_export",
    ),
]
