from django.urls import path

from indemnities import views_allocations, views_budget, views_exports, views_rules

app_name = "indemnities"

urlpatterns = [
    # IMP rules and envelopes.
    path("regles/", views_rules.rules, name="rules"),
    path("regles/<int:start_year>/modifier/", views_rules.rules_edit, name="rules_edit"),
    path(
        "regles/<int:start_year>/modifier/ligne/",
        views_rules.rules_edit,
        {"action": "add_row"},
        name="rules_edit_add_row",
    ),
    path(
        "regles/<int:start_year>/modifier/apercu/",
        views_rules.rules_edit,
        {"action": "preview"},
        name="rules_edit_preview",
    ),
    path(
        "regles/<int:start_year>/modifier/enregistrer/",
        views_rules.rules_edit,
        {"action": "save"},
        name="rules_edit_save",
    ),
    path("regles/<int:start_year>/copier/", views_rules.rules_copy, name="rules_copy"),
    path(
        "regles/<int:start_year>/par-defaut/",
        views_rules.rules_from_default,
        name="rules_from_default",
    ),
    path("enveloppes/", views_rules.envelopes, name="envelopes"),
    path(
        "enveloppes/<int:establishment_pk>/<int:start_year>/ajuster/",
        views_rules.envelope_override,
        name="envelope_override",
    ),
    path(
        "enveloppes/<int:establishment_pk>/<int:start_year>/retablir/",
        views_rules.envelope_override_clear_view,
        name="envelope_override_clear",
    ),
    # Allocations, service fait, payroll export and budget.
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
