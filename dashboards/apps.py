from django.apps import AppConfig


class DashboardsConfig(AppConfig):
    """Read-only pages that gather several apps' data: home pages, later the DANE dashboards.

    It sits above every other app and writes nothing: it reads them through their selectors,
    with the scope of the request.
    """

    name = "dashboards"
    verbose_name = "Tableaux de bord"
