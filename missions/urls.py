import importlib.util

from django.urls import path

from missions import views, views_lists

app_name = "missions"

urlpatterns = [
    path("trames/", views.templates, name="templates"),
    path("trames/<int:pk>/", views.template_preview, name="template_preview"),
    path("trames/<int:pk>/publier/", views.template_publish_view, name="template_publish"),
    path(
        "trames/<int:pk>/nouvelle-version/",
        views.template_new_version_view,
        name="template_new_version",
    ),
    path("trames/annee/<int:start_year>/copier/", views.template_copy_view, name="template_copy"),
]

# --- Lists of letters, the DAN's visa of many letters, the training (missions.views_lists) ---
urlpatterns += [
    path("lettres/", views_lists.letters, name="letters"),
    path("lettres/stage/", views_lists.training, name="training"),
    path("lettres/visa/", views_lists.visa_batch_create_view, name="visa_batch_create"),
    path("lettres/visa/<int:pk>/", views_lists.visa_batch, name="visa_batch"),
]

# The letter's own page (`missions:letter`, `lettres/<pk>/`) lives in missions.views_letters; a
# plain summary stands in for it where that module is absent, so that links and emails resolve.
if importlib.util.find_spec("missions.views_letters") is None:
    urlpatterns.append(path("lettres/<int:pk>/", views_lists.letter_summary, name="letter"))
