from django.urls import path

from establishments import views

app_name = "establishments"

urlpatterns = [
    path("", views.establishment_list, name="list"),
    path("<int:pk>/", views.establishment_detail, name="detail"),
]
