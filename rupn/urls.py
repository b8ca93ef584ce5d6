from django.contrib import admin
from django.urls import include, path

from dashboards.views import home
from rupn import pages

admin.site.site_header = "Administration de la plateforme RUPN"
admin.site.site_title = "Plateforme RUPN"

urlpatterns = [
    path("", home, name="home"),
    path("admin/", admin.site.urls),
    path("comptes/", include("allauth.urls")),
    path("accessibilite/", pages.accessibility, name="accessibility"),
    path("mentions-legales/", pages.legal, name="legal"),
    path("", include("dashboards.urls")),
    path("etablissements/", include("establishments.urls")),
    path("indemnites/", include("indemnities.urls")),
    path("enquetes/", include("surveys.urls")),
    path("", include("missions.urls")),  # /missions/… and /verifier/…
    path("", include("accounts.urls")),
]
