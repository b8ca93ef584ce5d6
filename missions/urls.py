from django.urls import path

from missions import views, views_principal

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
    # The direction's letters of an establishment (views_principal)
    path(
        "lettres/etablissement/<int:establishment_pk>/<int:start_year>/",
        views_principal.establishment_letters_view,
        name="establishment_letters",
    ),
    path(
        "lettres/etablissement/<int:establishment_pk>/<int:start_year>/designer/",
        views_principal.referent_designate_view,
        name="referent_designate",
    ),
    path(
        "lettres/etablissement/<int:establishment_pk>/<int:start_year>/inviter/",
        views_principal.referent_invite_view,
        name="referent_invite",
    ),
    path(
        "lettres/etablissement/<int:establishment_pk>/<int:start_year>/retirer/",
        views_principal.referent_remove_view,
        name="referent_remove",
    ),
    path(
        "lettres/etablissement/<int:establishment_pk>/<int:start_year>/reprendre/",
        views_principal.letters_renew_view,
        name="letters_renew",
    ),
    path("lettres/<int:pk>/modifier/", views_principal.letter_edit, name="letter_edit"),
]
