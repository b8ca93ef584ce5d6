from django.urls import path  # noqa: F401

from indemnities import views_rules

app_name = "indemnities"

urlpatterns: list = []

# IMP rules and envelopes (helper "rules").
urlpatterns += [
    path("regles/", views_rules.rules, name="rules"),
    path("regles/<int:start_year>/modifier/", views_rules.rules_edit, name="rules_edit"),
    path("regles/<int:start_year>/creer/", views_rules.rules_copy, name="rules_copy"),
    path("enveloppes/", views_rules.envelopes, name="envelopes"),
    path(
        "enveloppes/<int:establishment_pk>/<int:start_year>/ajuster/",
        views_rules.envelope_override,
        name="envelope_override",
    ),
]

# Allocations, service fait, payroll export and budget (helper "allocations").
from indemnities import views_allocations, views_budget, views_exports  # noqa: E402

urlpatterns += [
    path("attributions/", views_allocations.allocation_list, name="allocations"),
    path(
        "attributions/<int:establishment_pk>/<int:start_year>/",
        views_allocations.allocation_edit,
        name="allocation_edit",
    ),
    path(
        "service-fait/<int:establishment_pk>/<int:start_year>/",
        views_allocations.certification_list,
        name="certifications",
    ),
    path("export/", views_exports.export, name="export"),
    path("budget/", views_budget.budget, name="budget"),
]

# Pupil counts from the ministry's open datasets, with the envelope changes they cause.
from indemnities import views_pupil_counts  # noqa: E402

urlpatterns += [
    path("effectifs/import/", views_pupil_counts.pupil_counts_upload, name="pupil_counts_upload"),
    path(
        "effectifs/import/<int:pk>/",
        views_pupil_counts.pupil_counts_preview,
        name="pupil_counts_preview",
    ),
    path(
        "effectifs/import/<int:pk>/confirmer/",
        views_pupil_counts.pupil_counts_confirm,
        name="pupil_counts_confirm",
    ),
    path(
        "effectifs/import/<int:pk>/annuler/",
        views_pupil_counts.pupil_counts_cancel,
        name="pupil_counts_cancel",
    ),
]
