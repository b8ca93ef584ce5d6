from django.apps import AppConfig


class IndemnitiesConfig(AppConfig):
    name = "indemnities"
    verbose_name = "Indemnités (IMP)"
