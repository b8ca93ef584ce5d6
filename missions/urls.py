from django.urls import URLPattern, URLResolver, include, path

from missions import (
    views,
    views_letters,
    views_lists,
    views_pdf_jobs,
    views_principal,
    views_template_editor,
    views_verify,
)

app_name = "missions"

urlpatterns: list[URLPattern | URLResolver] = [
    path("trames/", views.templates, name="templates"),
    path("trames/<int:pk>/", views.template_preview, name="template_preview"),
    path(
        "trames/<int:pk>/modifier/",
        views_template_editor.template_edit,
        name="template_edit",
    ),
    path("trames/<int:pk>/publier/", views.template_publish_view, name="template_publish"),
    path(
        "trames/<int:pk>/nouvelle-version/",
        views.template_new_version_view,
        name="template_new_version",
    ),
    path("trames/annee/<int:start_year>/copier/", views.template_copy_view, name="template_copy"),
    path("lettres/", views_lists.letters, name="letters"),
    path("lettres/stage/", views_lists.training, name="training"),
    path("lettres/visa/", views_lists.visa_batch_create_view, name="visa_batch_create"),
    path("lettres/visa/<int:pk>/", views_lists.visa_batch, name="visa_batch"),
    path("lettres/pdf/", views_pdf_jobs.pdf_jobs, name="pdf_jobs"),
    path("lettres/pdf/lancer/", views_pdf_jobs.pdf_job_start_view, name="pdf_job_start"),
    path(
        "lettres/pdf/<int:pk>/progression/",
        views_pdf_jobs.pdf_job_progress,
        name="pdf_job_progress",
    ),
    path(
        "lettres/pdf/<int:pk>/relancer/",
        views_pdf_jobs.pdf_job_restart_view,
        name="pdf_job_restart",
    ),
    path("lettres/pdf/<int:pk>/archive/", views_pdf_jobs.pdf_job_zip, name="pdf_job_zip"),
    path("lettres/<int:pk>/", views_letters.letter_page, name="letter"),
    path("lettres/<int:pk>/action/", views_letters.letter_act, name="letter_act"),
    path("lettres/<int:pk>/avenant/", views_letters.letter_amend_view, name="letter_amend"),
    path("lettres/<int:pk>/pdf/", views_letters.letter_pdf, name="letter_pdf"),
    path(
        "lettres/<int:pk>/pdf/renvoyer/",
        views_letters.letter_pdf_resend_view,
        name="letter_pdf_resend",
    ),
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

# The app's pages are under /missions/; the public verification of a letter is at /verifier/
# (the address printed on the letters and in their QR code).
urlpatterns = [
    path("missions/", include(urlpatterns)),
    path("verifier/", views_verify.verify, name="verify"),
    path("verifier/<str:reference>/", views_verify.verify_reference, name="verify_reference"),
]
