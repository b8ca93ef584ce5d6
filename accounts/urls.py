from django.urls import path

from accounts import views

app_name = "accounts"

urlpatterns = [
    path("roles/", views.roles, name="roles"),
    path("roles/<int:membership_pk>/choisir/", views.role_switch, name="role_switch"),
]
