from django.urls import path

from dashboards import views, views_overview

app_name = "dashboards"

urlpatterns = [
    path("etablissements/<int:pk>/", views.establishment_page, name="establishment"),
    path("tableau-de-bord/", views_overview.overview, name="overview"),
    path("tableau-de-bord/national/", views_overview.national, name="national"),
    path("tableau-de-bord/export/", views_overview.overview_export, name="overview_export"),
    path(
        "tableau-de-bord/national/export/",
        views_overview.national_export,
        name="national_export",
    ),
]

# Who still has to act, and the bulk reminders.
from dashboards import views_to_act  # noqa: E402

urlpatterns += [
    path("tableau-de-bord/a-faire/", views_to_act.to_act, name="to_act"),
    path("tableau-de-bord/a-faire/export/", views_to_act.to_act_export, name="to_act_export"),
    path("tableau-de-bord/a-faire/relancer/", views_to_act.reminders_send, name="reminders_send"),
    path(
        "tableau-de-bord/a-faire/relances/<int:pk>/",
        views_to_act.reminder_job,
        name="reminder_job",
    ),
]

# The annual synthesis report.
from dashboards import views_report  # noqa: E402

urlpatterns += [
    path("tableau-de-bord/synthese/", views_report.reports, name="reports"),
    path(
        "tableau-de-bord/synthese/demander/",
        views_report.report_request_view,
        name="report_request",
    ),
    path(
        "tableau-de-bord/synthese/<int:pk>/progression/",
        views_report.report_progress,
        name="report_progress",
    ),
    path(
        "tableau-de-bord/synthese/<int:pk>/relancer/",
        views_report.report_restart_view,
        name="report_restart",
    ),
    path(
        "tableau-de-bord/synthese/<int:pk>/<str:extension>/",
        views_report.report_download,
        name="report_download",
    ),
]
