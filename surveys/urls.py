from __future__ import annotations

from django.urls import URLPattern, URLResolver, path

from surveys import views_answer, views_builder, views_campaigns, views_results

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

# The DANE admin's survey builder (views_builder)
urlpatterns += [
    path("gestion/", views_builder.builder_list, name="builder_list"),
    path("gestion/creer/", views_builder.builder_create, name="builder_create"),
    path("gestion/copier/", views_builder.builder_copy, name="builder_copy"),
    path("gestion/<int:pk>/", views_builder.builder_survey, name="builder_survey"),
    path("gestion/<int:pk>/apercu/", views_builder.builder_preview, name="builder_preview"),
    path("gestion/<int:pk>/publier/", views_builder.builder_publish, name="builder_publish"),
    path(
        "gestion/<int:pk>/pages/ajouter/", views_builder.builder_page_add, name="builder_page_add"
    ),
    path("gestion/pages/<int:pk>/", views_builder.builder_page_edit, name="builder_page_edit"),
    path(
        "gestion/pages/<int:pk>/deplacer/",
        views_builder.builder_page_move,
        name="builder_page_move",
    ),
    path(
        "gestion/pages/<int:pk>/supprimer/",
        views_builder.builder_page_delete,
        name="builder_page_delete",
    ),
    path(
        "gestion/pages/<int:pk>/questions/nouvelle/",
        views_builder.builder_question_create,
        name="builder_question_create",
    ),
    path(
        "gestion/questions/<int:pk>/",
        views_builder.builder_question_edit,
        name="builder_question_edit",
    ),
    path(
        "gestion/questions/<int:pk>/deplacer/",
        views_builder.builder_question_move,
        name="builder_question_move",
    ),
    path(
        "gestion/questions/<int:pk>/supprimer/",
        views_builder.builder_question_delete,
        name="builder_question_delete",
    ),
]

# Answering (the respondent's own invitation).
urlpatterns += [
    path("reponse/<int:pk>/", views_answer.answer_start, name="answer"),
    path("reponse/<int:pk>/page/<int:number>/", views_answer.answer_page, name="answer_page"),
    path("reponse/<int:pk>/recapitulatif/", views_answer.answer_summary, name="answer_summary"),
    path("reponse/<int:pk>/envoyer/", views_answer.answer_submit, name="answer_submit"),
]
