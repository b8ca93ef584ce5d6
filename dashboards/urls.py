from django.urls import path

from dashboards import views

app_name = "dashboards"

urlpatterns = [
    path("etablissements/<int:pk>/", views.establishment_page, name="establishment"),
]
