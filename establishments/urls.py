from django.urls import path

from establishments import views, views_import

app_name = "establishments"

urlpatterns = [
    path("", views.establishment_list, name="list"),
    path("import/", views_import.import_upload, name="import_upload"),
    path("import/<int:pk>/", views_import.import_preview, name="import_preview"),
    path("import/<int:pk>/confirmer/", views_import.import_confirm, name="import_confirm"),
    path("import/<int:pk>/annuler/", views_import.import_cancel, name="import_cancel"),
]
