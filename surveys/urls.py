from __future__ import annotations

from django.urls import URLPattern, URLResolver, path

from surveys import views_answer

app_name = "surveys"

urlpatterns: list[URLPattern | URLResolver] = []

# Answering (the respondent's own invitation).
urlpatterns += [
    path("reponse/<int:pk>/", views_answer.answer_start, name="answer"),
    path("reponse/<int:pk>/page/<int:number>/", views_answer.answer_page, name="answer_page"),
    path("reponse/<int:pk>/recapitulatif/", views_answer.answer_summary, name="answer_summary"),
    path("reponse/<int:pk>/envoyer/", views_answer.answer_submit, name="answer_submit"),
]
