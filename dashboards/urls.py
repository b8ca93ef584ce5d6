from django.urls import path

from dashboards import views, views_overview

app_name = "dashboards"

urlpatterns = [
    path("etablissements/<int:pk>/", views.establishment_page, name="establishment"),
    path("tableau-de-bord/", views_overview.overview, name="overview"),
    path("tableau-de-bord/national/", views_overview.national, name="national"),
]
